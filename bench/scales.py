"""How big each scale is. `province` is Jiangsu: about 1,200 townships (DOMAIN.md section 5)."""

SCALES = {
    "small": {
        "cities": 1,
        "counties_per_city": 2,
        "townships_per_county": 10,
        "villages_per_township": 4,
        "clocks": 50_000,
        "duration": 5,
    },
    "province": {
        "cities": 13,
        "counties_per_city": 8,
        "townships_per_county": 12,  # 13 * 8 * 12 = 1,248 townships
        "villages_per_township": 10,
        "clocks": 1_000_000,
        "duration": 20,
    },
}
