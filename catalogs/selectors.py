"""Reads of the catalogs: permission filtering, select_related, and the questions other apps ask."""

import datetime

from django.db import models
from django.db.models import Count, Exists, Expression, OuterRef, Q, Subquery, Value

from catalogs.models import (
    ITEM_MODELS,
    AdjustmentAction,
    CatalogKind,
    CatalogVersion,
    Category,
    EmpowermentEntry,
    PowerItem,
    PrimaryLevel,
    ServiceItem,
    TerritorialMatter,
)
from catalogs.states import VersionStatus
from ruian.audit import AuditEntry
from ruian.permissions import scope_q

PUBLIC_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)


def versions_for(user):
    """Versions a user may read: every published or superseded one (they are public), and the drafts of
    the counties in the user's scope."""
    return (
        CatalogVersion.objects.filter(Q(status__in=PUBLIC_STATUSES) | scope_q(user, "county"))
        .select_related("county")
        .order_by("county__code", "kind", "-effective_date", "-id")
    )


def public_versions():
    return CatalogVersion.objects.filter(status__in=PUBLIC_STATUSES).select_related("county")


def _versions_in_force(county, kind: str, on: datetime.date):
    """The public versions of `kind` in `county` effective by `on`, the one in force first."""
    return CatalogVersion.objects.filter(
        county=county, kind=kind, status__in=PUBLIC_STATUSES, effective_date__lte=on
    ).order_by("-effective_date", "-id")


def version_in_force(county, kind: str, on: datetime.date | None = None) -> CatalogVersion | None:
    """The version of `kind` in force in `county` on `on`: the published (or since superseded) version
    with the latest effective date not after that day."""
    return _versions_in_force(county, kind, on or datetime.date.today()).first()


def version_in_force_id(county, kind: str, on: datetime.date) -> Subquery:
    """The id of `version_in_force(county, kind, on)` (NULL without one) as a subquery, so that a version's
    items are read in the same statement as the version."""
    return Subquery(_versions_in_force(county, kind, on).values("pk")[:1])


def items_of(version_qs, kind: str):
    model = ITEM_MODELS[kind]
    qs = model.objects.filter(version__in=version_qs).select_related("version", "version__county")
    if model is PowerItem:
        qs = qs.select_related("parent", "department").prefetch_related("townships")
    return qs


def filter_power_items(qs, *, category=None, township=None, text=None, updated_since=None, version=None):
    if version:
        qs = qs.filter(version_id=version)
    if category:
        qs = qs.filter(category=category)
    if township is not None:
        # An item with no townships listed applies to every township of its county.
        listed = PowerItem.townships.through.objects.filter(poweritem_id=OuterRef("pk"))
        qs = qs.filter(version__county__code=township.code[:6] + "000000").filter(
            ~Exists(listed) | Exists(listed.filter(division_id=township.pk))
        )
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(code__icontains=text) | Q(legal_basis__icontains=text))
    if updated_since:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs


class _HeldItemIds(Expression):
    """The ids of the items whose latest empowerment entry for a township on or before a day is a grant.

    `SELECT DISTINCT ON (item_id) ... ORDER BY item_id, effective_date DESC, id DESC` keeps each item's latest
    entry (on the same day, the highest id: the one written last) in one pass over the township's entries,
    which the index on (township, item, effective_date) finds; the grants among them are the held items.
    The township is an id or an expression giving one (the API looks the township up inside the query).
    """

    output_field = models.BigIntegerField()

    def __init__(self, township, on: datetime.date):
        super().__init__()
        if not hasattr(township, "resolve_expression"):
            township = Value(getattr(township, "pk", township))
        self.township, self.on = township, on

    def get_source_expressions(self):
        return [self.township]

    def set_source_expressions(self, exprs):
        (self.township,) = exprs

    def as_sql(self, compiler, connection):
        township_sql, township_params = compiler.compile(self.township)
        table = connection.ops.quote_name(EmpowermentEntry._meta.db_table)
        sql = (
            "(SELECT latest_entry.item_id FROM (SELECT DISTINCT ON (entry.item_id) entry.item_id, entry.action"
            f" FROM {table} entry WHERE entry.township_id = ({township_sql}) AND entry.effective_date <= %s"
            " ORDER BY entry.item_id, entry.effective_date DESC, entry.id DESC) latest_entry"
            " WHERE latest_entry.action = %s)"
        )
        return sql, (*township_params, self.on, AdjustmentAction.GRANT)


def powers_of_township(township, on: datetime.date):
    """The powers delegated to `township` and not withdrawn, as they stand on `on`: one query.

    Each (township, power) pair's latest empowerment entry on or before the day decides: a grant means
    the township holds the power, a withdrawal that it does not; of two entries on the same day the later
    written (higher id) decides. `township` is a Division, its id, or an expression giving its id.
    """
    return (
        PowerItem.objects.filter(pk__in=_HeldItemIds(township, on))
        .select_related("version", "department")
        .order_by("category", "code")
    )


def latest_empowerment_action(township, on: datetime.date) -> Subquery:
    """For the outer query's power item (`OuterRef("pk")`): the action of the township's latest empowerment
    entry on or before `on`, of two on the same day the later written. The rule `powers_of_township` applies to
    every item at once, asked of one item through the (township, item, effective_date) index: a grant means
    the township holds it."""
    latest = EmpowermentEntry.objects.filter(township=township, item=OuterRef("pk"), effective_date__lte=on)
    return Subquery(latest.order_by("-effective_date", "-id").values("action")[:1])


# Versions seen published or superseded in this process, by id. That stays true for good: a published
# version can only become superseded, neither is ever a draft again, and no version is deleted; their kind,
# county and publication time never change either.
_SEEN_PUBLIC: dict = {}
_SEEN_PUBLIC_MAX = 10000


def remember_public(version: CatalogVersion) -> None:
    """Note that `version` is public, if it is (see seen_public)."""
    if version.status in PUBLIC_STATUSES and len(_SEEN_PUBLIC) < _SEEN_PUBLIC_MAX:
        _SEEN_PUBLIC[version.pk] = (version.kind, version.county_id, version.status, version.published_at)


def seen_public(pk: int) -> CatalogVersion | None:
    """A stand-in for version `pk` when it was seen public before (remember_public), without a query: its id,
    kind, county id and publication time, which never change. Its status is public but may since have
    gone from published to superseded, and the rest (title, dates) is not there: use it for what a public
    version's items and figures are, not to show the version."""
    seen = _SEEN_PUBLIC.get(pk)
    if seen is None:
        return None
    kind, county_id, status, published_at = seen
    return CatalogVersion(pk=pk, kind=kind, county_id=county_id, status=status, published_at=published_at)


# Figures of published and superseded versions, kept in the process: their items never change (items are
# edited in drafts only, and a published version is never a draft again), so what was counted once stays
# true. The key holds the publication time as well as the id: a version published (again) is counted anew.
_PUBLIC_FIGURES: dict = {}
_PUBLIC_FIGURES_MAX = 1000


def count_figures(version: CatalogVersion) -> dict:
    """version_figures, counted now (one query)."""
    if version.kind == CatalogKind.POWER:
        per_category = (
            PowerItem.objects.filter(version=version)
            .order_by()
            .values_list("category")
            .annotate(top=Count("id", filter=Q(parent__isnull=True)), n=Count("id"))
        )
        categories = {}
        items = 0
        for category, top, n in per_category:
            items += n
            if top:
                categories[category] = top
        return {"items": items, "categories": categories}
    if version.kind == CatalogKind.TERRITORIAL:
        territorial = TerritorialMatter.objects.filter(version=version).aggregate(
            total=Count("id"),
            county_primary=Count("id", filter=Q(primary_level=PrimaryLevel.COUNTY)),
            county_cooperating=Count("id", filter=~Q(county_cooperating="")),
            township_primary=Count("id", filter=Q(primary_level=PrimaryLevel.TOWNSHIP)),
            township_cooperating=Count("id", filter=Q(township_cooperating=True)),
        )
        return {"items": territorial["total"], "territorial": territorial}
    levels = dict(ServiceItem.objects.filter(version=version).values_list("level").annotate(n=Count("id")))
    return {"items": sum(levels.values()), "levels": levels}


def version_figures(version: CatalogVersion) -> dict:
    """Counts of a version's items, by kind: {"items": every item, and "categories" (power list: top-level
    items per category), "territorial" (see territorial_summary) or "levels" (service items per level)}.

    One query for a draft; none for a published or superseded version counted before in this process.
    The answer is shared: do not change it.
    """
    if version.status not in PUBLIC_STATUSES:
        # A draft changes: counted once per request (per instance), for the summary and the page count.
        figures = getattr(version, "_catalog_figures", None)
        if figures is None:
            figures = version._catalog_figures = count_figures(version)
        return figures
    key = (version.pk, version.kind, version.published_at)
    figures = _PUBLIC_FIGURES.get(key)
    if figures is None:
        figures = count_figures(version)
        if len(_PUBLIC_FIGURES) >= _PUBLIC_FIGURES_MAX:
            _PUBLIC_FIGURES.clear()
        _PUBLIC_FIGURES[key] = figures
    return figures


def category_summary(version: CatalogVersion) -> list[dict]:
    """Top-level items of a power list per category (sub-items count with their parent), in the national
    order, with the total last. One query at most (version_figures)."""
    counts = version_figures(version)["categories"]
    return [
        {"category": c.value, "label": str(c.label), "count": counts[c.value]} for c in Category if c.value in counts
    ]


def territorial_summary(version: CatalogVersion) -> dict:
    """Matters by party: how many the county departments and the townships bear as primary or cooperating."""
    return dict(version_figures(version)["territorial"])


def service_level_summary(version: CatalogVersion) -> dict:
    return dict(version_figures(version)["levels"])


def _content(item) -> dict:
    values = {}
    for name in type(item).CONTENT_FIELDS:
        values[name] = getattr(item, name)
    return values


def compare_versions(old: CatalogVersion, new: CatalogVersion) -> dict:
    """Items added, removed and changed (field by field) from `old` to `new`, matched by code.

    Both versions must be of the same kind. Changes list `{field: [old value, new value]}`.
    """
    if old.kind != new.kind:
        raise ValueError("versions of different kinds cannot be compared")
    model = ITEM_MODELS[old.kind]
    related = ["parent"] if model is PowerItem else []
    before = {i.code: i for i in model.objects.filter(version=old).select_related(*related)}
    after = {i.code: i for i in model.objects.filter(version=new).select_related(*related)}
    added = [after[code] for code in sorted(after.keys() - before.keys())]
    removed = [before[code] for code in sorted(before.keys() - after.keys())]
    changed = []
    for code in sorted(before.keys() & after.keys()):
        a, b = _content(before[code]), _content(after[code])
        diff = {name: [a[name], b[name]] for name in a if a[name] != b[name]}
        if diff:
            changed.append({"code": code, "name": after[code].name, "item": after[code], "changes": diff})
    return {"added": added, "removed": removed, "changed": changed}


def item_history(item) -> dict:
    """The same item in every version (by lineage) and the audit entries of all of them."""
    model = type(item)
    versions = list(model.objects.filter(lineage=item.lineage).select_related("version").order_by("version_id"))
    entries = AuditEntry.objects.filter(
        content_type__app_label="catalogs",
        content_type__model=model._meta.model_name,
        object_id__in=[str(i.pk) for i in versions],
    ).select_related("actor")
    return {"versions": versions, "entries": entries}


def kinds() -> list:
    return list(CatalogKind)


# --- empowerment and data sharing pages ----------------------------------------------------------------


def empowerment_batches_for(user):
    """Batches of the counties in the user's scope, with their grant and withdrawal counts: one query."""
    from catalogs.models import EmpowermentBatch

    return (
        EmpowermentBatch.objects.filter(scope_q(user, "county"))
        .select_related("county")
        .annotate(
            granted=Count("entries", filter=Q(entries__action=AdjustmentAction.GRANT)),
            withdrawn=Count("entries", filter=Q(entries__action=AdjustmentAction.WITHDRAW)),
        )
        .order_by("-effective_date", "-id")
    )


def empowerment_by_township(batch) -> list[dict]:
    """Per township of a batch: powers granted and withdrawn by it and its adjustments (one query)."""
    return list(
        EmpowermentEntry.objects.filter(batch=batch)
        .values("township__code", "township__name")
        .annotate(
            granted=Count("id", filter=Q(action=AdjustmentAction.GRANT)),
            withdrawn=Count("id", filter=Q(action=AdjustmentAction.WITHDRAW)),
        )
        .order_by("township__code")
    )


def sharing_figures(user=None) -> dict:
    """Information-sharing figures of the data resource catalog (信息共享): resources published, those on
    the city exchange platform, and subscriptions between departments. Limited to the departments in the
    user's scope when a user is given. Two queries."""
    from catalogs.models import DataResource, DataSubscription, SharingType
    from catalogs.states import SubscriptionStatus

    resources = DataResource.objects.all()
    subscriptions = DataSubscription.objects.all()
    if user is not None:
        resources = resources.filter(scope_q(user, "department__division"))
        subscriptions = subscriptions.filter(scope_q(user, "resource__department__division"))
    figures = resources.aggregate(
        resources=Count("id"),
        on_exchange_platform=Count("id", filter=Q(on_exchange_platform=True)),
        unconditional=Count("id", filter=Q(sharing_type=SharingType.UNCONDITIONAL)),
        conditional=Count("id", filter=Q(sharing_type=SharingType.CONDITIONAL)),
        not_shared=Count("id", filter=Q(sharing_type=SharingType.NOT_SHARED)),
        departments=Count("department", distinct=True),
    )
    figures.update(
        subscriptions.aggregate(
            subscriptions=Count("id", filter=Q(status=SubscriptionStatus.APPROVED)),
            subscriptions_requested=Count("id", filter=Q(status=SubscriptionStatus.REQUESTED)),
            subscribing_departments=Count("subscriber", filter=Q(status=SubscriptionStatus.APPROVED), distinct=True),
        )
    )
    return figures


# --- burden reduction (减负) ----------------------------------------------------------------------------


def inspection_plans_for(user):
    """Yearly plans of the counties in the user's scope with their figures: items on the plan, inspections
    recorded in the county that year, and how many of those were not on the plan. One query."""
    from django.db.models import IntegerField, OuterRef
    from django.db.models.functions import Coalesce

    from catalogs.models import ImposedInspection, InspectionPlan, PlannedInspection

    def held(**conditions):
        return Coalesce(
            Subquery(
                ImposedInspection.objects.filter(
                    county=OuterRef("county"), held_on__year=OuterRef("year"), **conditions
                )
                .order_by()
                .values("county")
                .annotate(n=Count("id"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        )

    planned = (
        PlannedInspection.objects.filter(plan=OuterRef("pk"))
        .order_by()
        .values("plan")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        InspectionPlan.objects.filter(scope_q(user, "county"))
        .select_related("county")
        .annotate(
            planned_count=Coalesce(Subquery(planned, output_field=IntegerField()), 0),
            held_count=held(),
            unplanned_count=held(planned__isnull=True),
        )
        .order_by("-year", "county__code")
    )


def inspections_for(user, *, county=None, year=None, unplanned_only=False):
    """Recorded inspections and assessments in the user's scope, newest first, with their plan entry."""
    from catalogs.models import ImposedInspection

    qs = ImposedInspection.objects.filter(scope_q(user, "township")).select_related(
        "township", "county", "planned", "recorded_by"
    )
    if county is not None:
        qs = qs.filter(county=county)
    if year:
        qs = qs.filter(held_on__year=year)
    if unplanned_only:
        qs = qs.filter(planned__isnull=True)
    return qs.order_by("-held_on", "-id")
