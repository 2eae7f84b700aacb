"""How big each scale is. `province` is Jiangsu: about 1,200 townships (DOMAIN.md section 5)."""

SCALES = {
    "small": {
        "cities": 1,
        "counties_per_city": 2,
        "townships_per_county": 10,
        "villages_per_township": 4,
        "clocks": 50_000,
        "catalog_items": 2_000,  # in one county's power list, for the catalogs queries
        "import_rows": 2_000,  # spreadsheet import / export
        "applications": 20_000,
        "cases": 5_000,
        "grids": 2_000,
        "events": 20_000,
        "subjects": 10_000,  # market subjects for random inspections
        "duration": 5,
    },
    "province": {
        "cities": 13,
        "counties_per_city": 8,
        "townships_per_county": 12,  # 13 * 8 * 12 = 1,248 townships
        "villages_per_township": 10,
        "clocks": 1_000_000,
        "catalog_items": 20_000,
        "import_rows": 10_000,
        "applications": 1_000_000,
        "cases": 200_000,
        "grids": 100_000,
        "events": 1_000_000,
        "subjects": 100_000,
        "duration": 20,
    },
}

# The province's geography with a tenth of its volumes: a quick run (`--generate-only`) whose times, scaled by
# volume, estimate how long the province's data takes to generate.
SCALES["province-tenth"] = {
    **SCALES["province"],
    **{
        key: SCALES["province"][key] // 10
        for key in ("clocks", "catalog_items", "import_rows", "applications", "cases", "grids", "events", "subjects")
    },
}
