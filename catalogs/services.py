"""Every write to the catalogs: lock, check, change, save, audit, and queue follow-ups on commit.

Views, API views, imports and the demo loader call these functions and nothing else, so no entry point
can skip the permission check, the read-only rule for published versions or the audit entry.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs.models import (
    ITEM_MODELS,
    AdjustmentAction,
    CatalogKind,
    CatalogVersion,
    Category,
    DataResource,
    DataSubscription,
    DutyAdmissionRequest,
    DutyAdmissionStep,
    EmpowermentAdjustment,
    EmpowermentBatch,
    EmpowermentEntry,
    ImportJob,
    ImposedInspection,
    InspectionKind,
    InspectionPlan,
    PlannedInspection,
    PowerItem,
    ReviewStage,
)
from catalogs.states import (
    ADMISSION_TRANSITIONS,
    IMPORT_JOB_TRANSITIONS,
    PLAN_TRANSITIONS,
    SUBSCRIPTION_TRANSITIONS,
    VERSION_TRANSITIONS,
    AdmissionStatus,
    ImportJobStatus,
    PlanStatus,
    SubscriptionStatus,
    VersionStatus,
    check_transition,
)
from ruian.audit import log_action
from ruian.divisions import Division, Level
from ruian.notifications import notify
from ruian.permissions import in_scope
from ruian.staff import Role, has_role


class EditConflict(Exception):
    """Someone saved the object after the editor loaded it: the editor must reload, not overwrite."""

    def __init__(self, obj, expected: int):
        self.obj = obj
        self.expected = expected
        self.current = obj.revision
        super().__init__(
            _("“%(obj)s” 已被他人修改(您编辑的是第 %(expected)s 版,现在是第 %(current)s 版),请刷新后重新修改。")
            % {"obj": obj, "expected": expected, "current": obj.revision}
        )


def can_edit_catalogs(user, county: Division) -> bool:
    """County editors of this county (and administrators) maintain its catalogs.

    Provincial platforms push items in as REST clients of the county; that their token carries the
    `catalogs:write` scope is checked by the API (ruian.api.auth.HasScope) before any service runs.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return has_role(user, Role.COUNTY_EDITOR, Role.API_CLIENT) and in_scope(user, county)


def _require_editor(actor, county: Division) -> None:
    if not can_edit_catalogs(actor, county):
        raise PermissionDenied(_("只有本县的目录编辑可以维护目录。"))


def _require_draft(version: CatalogVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(
            _("“%(title)s” 处于“%(status)s”状态,不能修改;请在新的草稿中修改。"),
            code="version_read_only",
            params={"title": version.title, "status": version.get_status_display()},
        )


def _check_revision(obj, expected_revision) -> None:
    if expected_revision is not None and int(expected_revision) != obj.revision:
        raise EditConflict(obj, int(expected_revision))


# --- versions -----------------------------------------------------------------------------------------

VERSION_FIELDS = ("title", "edition", "document_number", "effective_date")


@transaction.atomic
def version_create(*, county: Division, kind: str, title: str, actor, **fields) -> CatalogVersion:
    _require_editor(actor, county)
    if county.level != Level.COUNTY:
        raise ValidationError(_("目录按县(区)编制,请选择县级区划。"), code="county_level")
    unknown = set(fields) - set(VERSION_FIELDS)
    if unknown:
        raise ValidationError(_("未知字段: %(f)s"), params={"f": ", ".join(sorted(unknown))})
    version = CatalogVersion(county=county, kind=kind, title=title, created_by=actor, **fields)
    version.full_clean()
    version.save()
    log_action("catalogs.version.created", actor=actor, obj=version, to_state=version.status)
    return version


@transaction.atomic
def version_update(*, version: CatalogVersion, actor, expected_revision=None, **fields) -> CatalogVersion:
    version = CatalogVersion.objects.select_for_update().get(pk=version.pk)
    _require_editor(actor, version.county)
    _require_draft(version)
    _check_revision(version, expected_revision)
    changes = {}
    for name, value in fields.items():
        if name not in VERSION_FIELDS:
            raise ValidationError(_("未知字段: %(f)s"), params={"f": name})
        if getattr(version, name) != value:
            changes[name] = [_jsonable(getattr(version, name)), _jsonable(value)]
            setattr(version, name, value)
    if changes:
        version.full_clean()
        version.revision += 1
        version.save(update_fields=[*changes, "revision", "updated_at"])
        log_action("catalogs.version.updated", actor=actor, obj=version, data={"changes": changes})
    return version


@transaction.atomic
def version_create_draft(*, source: CatalogVersion, actor, title: str = "", edition: str = "") -> CatalogVersion:
    """A new draft holding a copy of `source`'s items: the way to change a published catalog."""
    _require_editor(actor, source.county)
    draft = CatalogVersion.objects.create(
        county=source.county,
        kind=source.kind,
        title=title or source.title,
        edition=edition,
        based_on=source,
        created_by=actor,
    )
    _copy_items(source, draft)
    log_action("catalogs.version.drafted", actor=actor, obj=draft, to_state=draft.status, data={"from": source.pk})
    return draft


def _copy_items(source: CatalogVersion, target: CatalogVersion) -> None:
    model = ITEM_MODELS[source.kind]
    items = list(model.objects.filter(version=source).order_by("id"))
    old_ids = [item.pk for item in items]
    parents = {item.pk: item.parent_id for item in items} if model is PowerItem else {}
    for item in items:
        item.pk = None
        item.id = None
        item.version = target
        item.revision = 1
        if model is PowerItem:
            item.parent_id = None
    model.objects.bulk_create(items, batch_size=1000)
    if model is PowerItem:
        new_by_old = dict(zip(old_ids, items, strict=True))
        with_parent = []
        for old_id, parent_id in parents.items():
            if parent_id:
                new_by_old[old_id].parent_id = new_by_old[parent_id].pk
                with_parent.append(new_by_old[old_id])
        PowerItem.objects.bulk_update(with_parent, ["parent"], batch_size=1000)
        through = PowerItem.townships.through
        links = [
            through(poweritem_id=new_by_old[row.poweritem_id].pk, division_id=row.division_id)
            for row in through.objects.filter(poweritem_id__in=old_ids)
        ]
        through.objects.bulk_create(links, batch_size=1000)


@transaction.atomic
def version_transition(*, version: CatalogVersion, target: str, actor, reason: str = "") -> CatalogVersion:
    """Move a version along its lifecycle (states.VERSION_TRANSITIONS).

    Publishing supersedes the version of the same kind in force until now; which one is in force on a
    given day is decided by effective dates (selectors.version_in_force), so a version published ahead of
    its effective date does not end the old one early.
    """
    version = CatalogVersion.objects.select_for_update().get(pk=version.pk)
    _require_editor(actor, version.county)
    check_transition(VERSION_TRANSITIONS, version.status, target)
    if target in (VersionStatus.DRAFT,) and not reason:
        raise ValidationError(_("退回草稿必须说明理由。"), code="reason_required")
    previous = version.status
    if target == VersionStatus.PUBLISHED:
        if not version.effective_date:
            raise ValidationError(_("发布前必须填写生效日期。"), code="effective_date_required")
        model = ITEM_MODELS[version.kind]
        if not model.objects.filter(version=version).exists():
            raise ValidationError(_("空目录不能发布。"), code="empty_version")
        for old in CatalogVersion.objects.select_for_update().filter(
            county=version.county, kind=version.kind, status=VersionStatus.PUBLISHED
        ):
            old.status = VersionStatus.SUPERSEDED
            old.save(update_fields=["status", "updated_at"])
            log_action(
                "catalogs.version.superseded",
                actor=actor,
                obj=old,
                from_state=VersionStatus.PUBLISHED,
                to_state=VersionStatus.SUPERSEDED,
                data={"by": version.pk},
            )
        version.published_at = timezone.now()
    version.status = target
    version.revision += 1
    version.save(update_fields=["status", "published_at", "revision", "updated_at"])
    log_action(
        f"catalogs.version.{target}", actor=actor, obj=version, from_state=previous, to_state=target, reason=reason
    )
    return version


# --- items --------------------------------------------------------------------------------------------


def _jsonable(value):
    if isinstance(value, datetime.date | Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def _apply_item_fields(item, data: dict) -> tuple[dict, list | None]:
    """Set content fields on `item`; returns (changes, townships or None)."""
    model = type(item)
    allowed = set(model.CONTENT_FIELDS) | ({"department", "parent"} if model is PowerItem else set())
    townships = data.pop("townships", None) if model is PowerItem else None
    changes = {}
    for name, value in data.items():
        if name not in allowed:
            raise ValidationError(_("未知字段: %(f)s"), params={"f": name}, code="unknown_field")
        if name == "parent_code":
            name = "parent"
            value = PowerItem.objects.filter(version_id=item.version_id, code=value).first() if value else None
            if data.get("parent_code") and value is None:
                raise ValidationError({"parent_code": _("上级事项 %(c)s 不在本目录中。") % {"c": data["parent_code"]}})
        current = getattr(item, name)
        if current != value:
            changes[name] = [_jsonable(current), _jsonable(value)]
            setattr(item, name, value)
    return changes, townships


def _validate_item(item) -> None:
    item.full_clean(exclude=["lineage"])
    if isinstance(item, PowerItem) and item.parent_id and item.parent.version_id != item.version_id:
        raise ValidationError({"parent": _("上级事项必须在同一目录版本中。")})


@transaction.atomic
def item_create(*, version: CatalogVersion, actor, data: dict):
    version = CatalogVersion.objects.select_for_update().get(pk=version.pk)
    _require_editor(actor, version.county)
    _require_draft(version)
    model = ITEM_MODELS[version.kind]
    item = model(version=version)
    _changes, townships = _apply_item_fields(item, dict(data))
    _validate_item(item)
    item.save()
    if townships is not None:
        _set_townships(item, townships)
    log_action(f"catalogs.{model._meta.model_name}.created", actor=actor, obj=item, data={"version": version.pk})
    return item


def _set_townships(item: PowerItem, townships) -> None:
    for township in townships:
        if township.level != Level.TOWNSHIP or not township.code.startswith(item.version.county.prefix):
            raise ValidationError({"townships": _("%(t)s 不是本县的乡镇(街道)。") % {"t": township}})
    item.townships.set(townships)


@transaction.atomic
def item_update(*, item, actor, data: dict, expected_revision=None):
    """Change an item of a draft. `expected_revision` is the revision the editor loaded."""
    model = type(item)
    item = model.objects.select_for_update().select_related("version", "version__county").get(pk=item.pk)
    _require_editor(actor, item.version.county)
    _require_draft(item.version)
    _check_revision(item, expected_revision)
    before_townships = None
    changes, townships = _apply_item_fields(item, dict(data))
    if townships is not None:
        before_townships = sorted(item.townships.values_list("code", flat=True))
        after = sorted(t.code for t in townships)
        if before_townships != after:
            changes["townships"] = [before_townships, after]
    if not changes:
        return item
    _validate_item(item)
    item.revision += 1
    fields = [name for name in changes if name != "townships"]
    item.save(update_fields=[*fields, "revision", "updated_at"])
    if townships is not None:
        _set_townships(item, townships)
    log_action(f"catalogs.{model._meta.model_name}.updated", actor=actor, obj=item, data={"changes": changes})
    return item


@transaction.atomic
def item_delete(*, item, actor, expected_revision=None) -> None:
    model = type(item)
    item = model.objects.select_for_update().select_related("version", "version__county").get(pk=item.pk)
    _require_editor(actor, item.version.county)
    _require_draft(item.version)
    _check_revision(item, expected_revision)
    log_action(
        f"catalogs.{model._meta.model_name}.deleted",
        actor=actor,
        obj=item,
        data={"version": item.version_id, "code": item.code, "lineage": str(item.lineage)},
    )
    item.delete()


# --- empowerment --------------------------------------------------------------------------------------


def _check_powers_and_townships(county: Division, items, townships) -> None:
    if not items or not townships:
        raise ValidationError(_("必须选择权力事项和乡镇(街道)。"), code="empty_empowerment")
    for township in townships:
        if township.level != Level.TOWNSHIP or not township.code.startswith(county.prefix):
            raise ValidationError(_("%(t)s 不是本县的乡镇(街道)。"), params={"t": township}, code="township")
    for item in items:
        if item.version.county_id != county.pk or item.version.kind != CatalogKind.POWER:
            raise ValidationError(_("%(i)s 不是本县权力清单中的事项。"), params={"i": item}, code="item")
        # Only a power in force (or once in force) can be delegated: a draft's items may still change or go.
        if item.version.status not in (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED):
            raise ValidationError(
                _("%(i)s 所在的清单尚未发布,不能赋权。"), params={"i": item}, code="item_not_published"
            )


@transaction.atomic
def empowerment_batch_create(
    *,
    county: Division,
    title: str,
    document_number: str,
    approved_by: str,
    effective_date: datetime.date,
    items,
    townships,
    actor,
) -> EmpowermentBatch:
    """Delegate `items` to each of `townships` from `effective_date` (赋权, by provincial approval)."""
    _require_editor(actor, county)
    items, townships = list(items), list(townships)
    _check_powers_and_townships(county, items, townships)
    batch = EmpowermentBatch.objects.create(
        county=county,
        title=title,
        document_number=document_number,
        approved_by=approved_by,
        effective_date=effective_date,
        created_by=actor,
    )
    EmpowermentEntry.objects.bulk_create(
        EmpowermentEntry(batch=batch, township=t, item=i, action=AdjustmentAction.GRANT, effective_date=effective_date)
        for t in townships
        for i in items
    )
    log_action(
        "catalogs.empowerment.batch_created",
        actor=actor,
        obj=batch,
        data={"items": [i.code for i in items], "townships": [t.code for t in townships], "document": document_number},
    )
    return batch


@transaction.atomic
def empowerment_adjust(
    *,
    batch: EmpowermentBatch,
    action: str,
    document_number: str,
    effective_date: datetime.date,
    items,
    townships,
    actor,
    reason: str = "",
) -> EmpowermentAdjustment:
    """Add powers to or withdraw powers from townships later (动态调整), under a document of its own."""
    batch = EmpowermentBatch.objects.select_for_update().get(pk=batch.pk)
    _require_editor(actor, batch.county)
    if action not in AdjustmentAction.values:
        raise ValidationError(_("调整方式无效。"), code="action")
    if action == AdjustmentAction.WITHDRAW and not reason:
        raise ValidationError(_("收回权力必须说明理由。"), code="reason_required")
    if effective_date < batch.effective_date:
        raise ValidationError(_("调整的生效日期不能早于批次生效日期。"), code="effective_date")
    items, townships = list(items), list(townships)
    _check_powers_and_townships(batch.county, items, townships)
    adjustment = EmpowermentAdjustment.objects.create(
        batch=batch,
        action=action,
        document_number=document_number,
        effective_date=effective_date,
        reason=reason,
        created_by=actor,
    )
    EmpowermentEntry.objects.bulk_create(
        EmpowermentEntry(
            batch=batch, adjustment=adjustment, township=t, item=i, action=action, effective_date=effective_date
        )
        for t in townships
        for i in items
    )
    log_action(
        f"catalogs.empowerment.{action}",
        actor=actor,
        obj=batch,
        reason=reason,
        data={"items": [i.code for i in items], "townships": [t.code for t in townships], "document": document_number},
    )
    return adjustment


# --- duty admission -----------------------------------------------------------------------------------

# Which review each status waits for, and where approval at that step leads.
ADMISSION_STAGES = {
    AdmissionStatus.APPLIED: (ReviewStage.STAFFING, AdmissionStatus.STAFFING_REVIEWED),
    AdmissionStatus.STAFFING_REVIEWED: (ReviewStage.JUSTICE, AdmissionStatus.JUSTICE_REVIEWED),
    AdmissionStatus.JUSTICE_REVIEWED: (ReviewStage.GOVERNMENT, AdmissionStatus.APPROVED),
}


@transaction.atomic
def admission_apply(*, department, actor, **fields) -> DutyAdmissionRequest:
    """A county department asks for a matter outside the lists to be handed to townships (准入申请)."""
    county = department.division
    if county.level != Level.COUNTY:
        raise ValidationError(_("只有县级部门可以申请职责准入。"), code="department_level")
    if not (actor.is_superuser or in_scope(actor, county)):
        raise PermissionDenied(_("只能以本县部门的名义申请。"))
    request = DutyAdmissionRequest(county=county, department=department, created_by=actor, **fields)
    request.full_clean(exclude=["added_item"])
    request.save()
    log_action("catalogs.admission.applied", actor=actor, obj=request, to_state=request.status)
    return request


@transaction.atomic
def admission_review(*, request: DutyAdmissionRequest, approve: bool, actor, opinion: str = "") -> DutyAdmissionRequest:
    """Record the next review step: staffing office, then justice bureau, then county government.

    A refusal at any step ends the request and must give reasons; the final approval adds the matter to
    the next draft of the county's power list.
    """
    request = DutyAdmissionRequest.objects.select_for_update().select_related("county").get(pk=request.pk)
    _require_editor(actor, request.county)
    if request.status not in ADMISSION_STAGES:
        check_transition(ADMISSION_TRANSITIONS, request.status, AdmissionStatus.REFUSED)
    stage, next_status = ADMISSION_STAGES[request.status]
    target = next_status if approve else AdmissionStatus.REFUSED
    check_transition(ADMISSION_TRANSITIONS, request.status, target)
    if not approve and not opinion.strip():
        raise ValidationError(_("不予准入必须说明理由。"), code="reason_required")
    organisation = getattr(getattr(actor, "staff", None), "organisation", None)
    DutyAdmissionStep.objects.create(
        request=request,
        stage=stage,
        approved=approve,
        opinion=opinion,
        reviewer=actor,
        reviewer_organisation=str(organisation or ""),
    )
    previous = request.status
    request.status = target
    fields = ["status", "updated_at"]
    if target == AdmissionStatus.APPROVED:
        request.added_item = _admit_into_next_draft(request, actor)
        fields.append("added_item")
    request.save(update_fields=fields)
    log_action(
        f"catalogs.admission.{stage}_{'approved' if approve else 'refused'}",
        actor=actor,
        obj=request,
        from_state=previous,
        to_state=target,
        reason=opinion,
    )
    if request.created_by_id:
        recipient = request.created_by
        title = _("职责准入申请“%(m)s”: %(s)s") % {"m": request.matter, "s": request.get_status_display()}
        transaction.on_commit(
            lambda: notify([recipient], title=title, body=opinion, key=f"admission-{request.pk}-{target}")
        )
    return request


def _admit_into_next_draft(request: DutyAdmissionRequest, actor) -> PowerItem:
    """Put an approved matter into the county's open draft power list, opening one if there is none."""
    draft = (
        CatalogVersion.objects.select_for_update()
        .filter(county=request.county, kind=CatalogKind.POWER, status=VersionStatus.DRAFT)
        .order_by("-id")
        .first()
    )
    if draft is None:
        source = (
            CatalogVersion.objects.filter(county=request.county, kind=CatalogKind.POWER, status=VersionStatus.PUBLISHED)
            .order_by("-id")
            .first()
        )
        if source is not None:
            draft = version_create_draft(source=source, actor=actor, title=source.title)
        else:
            draft = version_create(
                county=request.county,
                kind=CatalogKind.POWER,
                title=_("乡镇(街道)权力清单和责任清单(草稿)"),
                actor=actor,
            )
    category = request.category or Category.OTHER
    used = set(PowerItem.objects.filter(version=draft, category=category).values_list("code", flat=True))
    sequence = 9001
    prefix = f"{request.county.code[:6]}-{category}-"
    while f"{prefix}{sequence:04d}" in used:
        sequence += 1
    return item_create(
        version=draft,
        actor=actor,
        data={
            "code": f"{prefix}{sequence:04d}",
            "name": request.matter,
            "category": category,
            "legal_basis": request.legal_basis,
            "implementing_subject": _("乡镇人民政府(街道办事处)"),
            "conditions": request.description,
            "department": request.department,
        },
    )


# --- data resources -----------------------------------------------------------------------------------


@transaction.atomic
def resource_publish(*, department, actor, **fields) -> DataResource:
    if not (actor.is_superuser or (in_scope(actor, department.division) and has_role(actor, Role.COUNTY_EDITOR))):
        raise PermissionDenied(_("只能发布本县部门的数据资源。"))
    resource = DataResource(department=department, **fields)
    resource.full_clean()
    resource.save()
    log_action("catalogs.data_resource.published", actor=actor, obj=resource)
    return resource


@transaction.atomic
def subscription_request(*, resource: DataResource, subscriber, purpose: str, actor) -> DataSubscription:
    if resource.department_id == subscriber.pk:
        raise ValidationError(_("不能订阅本部门的数据资源。"), code="own_resource")
    if resource.sharing_type == "not_shared":
        raise ValidationError(_("该数据资源不予共享。"), code="not_shared")
    if not (actor.is_superuser or in_scope(actor, subscriber.division)):
        raise PermissionDenied(_("只能以本单位名义订阅。"))
    if not purpose.strip():
        raise ValidationError(_("必须说明用途。"), code="purpose_required")
    if DataSubscription.objects.filter(
        resource=resource, subscriber=subscriber, status__in=[SubscriptionStatus.REQUESTED, SubscriptionStatus.APPROVED]
    ).exists():
        raise ValidationError(_("已有待审批或已同意的订阅。"), code="duplicate_subscription")
    subscription = DataSubscription.objects.create(
        resource=resource, subscriber=subscriber, purpose=purpose, requested_by=actor
    )
    log_action("catalogs.data_subscription.requested", actor=actor, obj=subscription, to_state=subscription.status)
    return subscription


@transaction.atomic
def subscription_decide(*, subscription: DataSubscription, target: str, actor, reason: str = "") -> DataSubscription:
    """The owning department approves, refuses or revokes; the subscriber may cancel its own request."""
    subscription = (
        DataSubscription.objects.select_for_update()
        .select_related("resource__department__division", "subscriber__division")
        .get(pk=subscription.pk)
    )
    owner_side = actor.is_superuser or (
        has_role(actor, Role.COUNTY_EDITOR) and in_scope(actor, subscription.resource.department.division)
    )
    subscriber_side = subscription.requested_by_id == actor.pk
    if target == SubscriptionStatus.CANCELLED:
        allowed = owner_side or subscriber_side
    else:
        allowed = owner_side
    if not allowed:
        raise PermissionDenied(_("只有数据提供部门可以审批订阅。"))
    check_transition(SUBSCRIPTION_TRANSITIONS, subscription.status, target)
    if target == SubscriptionStatus.REFUSED and not reason.strip():
        raise ValidationError(_("拒绝订阅必须说明理由。"), code="reason_required")
    previous = subscription.status
    subscription.status = target
    subscription.decision_reason = reason
    subscription.decided_by = actor
    subscription.save(update_fields=["status", "decision_reason", "decided_by", "updated_at"])
    log_action(
        f"catalogs.data_subscription.{target}",
        actor=actor,
        obj=subscription,
        from_state=previous,
        to_state=target,
        reason=reason,
    )
    recipient = subscription.requested_by
    title = _("数据订阅“%(r)s”: %(s)s") % {"r": subscription.resource.name, "s": subscription.get_status_display()}
    transaction.on_commit(
        lambda: notify([recipient], title=title, body=reason, key=f"subscription-{subscription.pk}-{target}")
    )
    return subscription


# --- burden reduction (减负): the yearly plan of inspections and assessments ------------------------------


@transaction.atomic
def plan_create(*, county: Division, year: int, title: str, actor) -> InspectionPlan:
    """Open the yearly plan of the supervisions, inspections and assessments imposed on townships."""
    _require_editor(actor, county)
    if county.level != Level.COUNTY:
        raise ValidationError(_("年度计划按县(区)编制,请选择县级区划。"), code="county_level")
    plan = InspectionPlan(county=county, year=year, title=title, created_by=actor)
    plan.full_clean()
    plan.save()
    log_action("catalogs.inspection_plan.created", actor=actor, obj=plan, to_state=plan.status)
    return plan


def _draft_plan(plan: InspectionPlan, actor) -> InspectionPlan:
    plan = InspectionPlan.objects.select_for_update().select_related("county").get(pk=plan.pk)
    _require_editor(actor, plan.county)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("年度计划已批准,不能再修改。"), code="plan_read_only")
    return plan


@transaction.atomic
def plan_add_entry(
    *, plan: InspectionPlan, actor, name: str, kind: str, organiser: str, timing: str = "", note: str = ""
):
    plan = _draft_plan(plan, actor)
    entry = PlannedInspection(plan=plan, name=name, kind=kind, organiser=organiser, timing=timing, note=note)
    entry.full_clean()
    entry.save()
    log_action(
        "catalogs.inspection_plan.entry_added",
        actor=actor,
        obj=plan,
        data={"entry": entry.pk, "name": name, "organiser": organiser, "kind": kind},
    )
    return entry


@transaction.atomic
def plan_remove_entry(*, entry: PlannedInspection, actor) -> None:
    plan = _draft_plan(entry.plan, actor)
    entry = PlannedInspection.objects.get(pk=entry.pk, plan=plan)
    log_action(
        "catalogs.inspection_plan.entry_removed",
        actor=actor,
        obj=plan,
        data={"entry": entry.pk, "name": entry.name, "organiser": entry.organiser},
    )
    entry.delete()


@transaction.atomic
def plan_approve(*, plan: InspectionPlan, actor, document_number: str) -> InspectionPlan:
    """The county approves the plan; from then on only what is on it may be imposed on townships."""
    plan = InspectionPlan.objects.select_for_update().select_related("county").get(pk=plan.pk)
    _require_editor(actor, plan.county)
    check_transition(PLAN_TRANSITIONS, plan.status, PlanStatus.APPROVED)
    if not document_number.strip():
        raise ValidationError(_("批准年度计划必须填写批准文号。"), code="document_required")
    if not plan.entries.exists():
        raise ValidationError(_("空的年度计划不能批准。"), code="empty_plan")
    previous = plan.status
    plan.status = PlanStatus.APPROVED
    plan.document_number = document_number.strip()
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "document_number", "approved_at", "updated_at"])
    log_action(
        "catalogs.inspection_plan.approved",
        actor=actor,
        obj=plan,
        from_state=previous,
        to_state=plan.status,
        data={"document": plan.document_number, "entries": plan.entries.count()},
    )
    return plan


def _plan_entry_for(county: Division, held_on: datetime.date, name: str, organiser: str, planned_id=None):
    """The entry of the county's approved plan for the year that this inspection carries out, if any: the
    one named by `planned_id`, otherwise the one with the same name and organiser."""
    entries = PlannedInspection.objects.filter(
        plan__county=county, plan__year=held_on.year, plan__status=PlanStatus.APPROVED
    )
    if planned_id is not None:
        entry = entries.filter(pk=planned_id).first()
        if entry is None:
            raise ValidationError(
                {"planned": _("所选事项不在本县 %(y)s 年已批准的计划中。") % {"y": held_on.year}}, code="not_on_plan"
            )
        return entry
    return entries.filter(name=name.strip(), organiser=organiser.strip()).first()


@transaction.atomic
def inspection_record(
    *,
    township: Division,
    actor,
    name: str,
    kind: str,
    organiser: str,
    held_on: datetime.date,
    planned: PlannedInspection | None = None,
    note: str = "",
) -> ImposedInspection:
    """Record a supervision, inspection or assessment a higher office held in a township. One that is not on
    the county's approved plan for its year is kept, flagged (计划外) and audited as such."""
    if township.level != Level.TOWNSHIP or township.parent is None:
        raise ValidationError({"township": _("请选择乡镇(街道)。")}, code="township")
    county = township.parent
    _require_editor(actor, county)
    if kind not in InspectionKind.values:
        raise ValidationError({"kind": _("类型无效。")}, code="kind")
    entry = _plan_entry_for(county, held_on, name, organiser, planned.pk if planned is not None else None)
    record = ImposedInspection(
        county=county,
        township=township,
        name=name.strip(),
        kind=kind,
        organiser=organiser.strip(),
        held_on=held_on,
        planned=entry,
        note=note,
        recorded_by=actor,
    )
    record.full_clean()
    record.save()
    log_action(
        "catalogs.inspection.recorded" if entry else "catalogs.inspection.unplanned",
        actor=actor,
        obj=record,
        data={"township": township.code, "planned": entry.pk if entry else None, "organiser": record.organiser},
    )
    return record


# --- spreadsheet import -------------------------------------------------------------------------------


def items_import(*, version: CatalogVersion, rows, report, actor, dry_run: bool, filename: str = ""):
    """Check parsed spreadsheet rows against a draft and, unless `dry_run` or anything is wrong, write them.

    All or nothing: every row is checked first; one bad row and nothing is written. Rows whose code is in
    the draft update that item (only when something changed), the others are added; items not in the file
    are left alone. Each added or changed item gets its own audit entry, and the import one more.
    """
    report.dry_run = dry_run
    with transaction.atomic():
        version = CatalogVersion.objects.select_for_update().select_related("county").get(pk=version.pk)
        _require_editor(actor, version.county)
        _require_draft(version)
        model = ITEM_MODELS[version.kind]
        existing = {i.code: i for i in _import_existing(version, model)}
        plan = _check_import_rows(version, model, rows, existing, report)
        if not report.ok or dry_run:
            return report
        _write_import(version, model, plan, existing, actor, filename)
        report.written = True
    return report


def _import_existing(version, model):
    qs = model.objects.filter(version=version)
    if model is PowerItem:
        qs = qs.select_related("parent").prefetch_related("townships")
    return list(qs)


def _check_import_rows(version, model, rows, existing, report):
    """Validate each row as a model instance; returns [(row, instance, changed fields, township codes)]."""
    townships = {}
    if model is PowerItem:
        townships = {
            d.code: d for d in Division.objects.filter(level=Level.TOWNSHIP, code__startswith=version.county.prefix)
        }
    codes_in_file = {row.data.get("code") for row in rows}
    labels = {f.column_name: f.attribute for f in _resource_fields(version.kind)}
    column_of = {attribute: column for column, attribute in labels.items()}
    fields = {
        f.name: f for f in model._meta.concrete_fields if f.name not in ("version", "lineage", "parent", "revision")
    }
    required = {name for name, f in fields.items() if not f.blank}
    plan = []
    for row in rows:
        data = dict(row.data)
        township_codes = data.pop("townships", None)
        parent_code = data.pop("parent_code", None) if model is PowerItem else None
        current = existing.get(data.get("code"))
        instance = model(version=version) if current is None else current
        before = {name: getattr(instance, name) for name in data} if current is not None else {}
        for name, value in data.items():
            setattr(instance, name, value)
        try:
            # An unchanged item was checked when it was saved; the others as full_clean would (see _clean_row).
            if current is None or any(before[name] != value for name, value in data.items()):
                _clean_row(instance, (set(data) | required) - row.unreadable, fields)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = column_of.get(name, "" if name == "__all__" else name)
                for message in messages:
                    report.row_errors.append((row.number, column, message))
        if parent_code and parent_code not in codes_in_file and parent_code not in existing:
            report.row_errors.append(
                (row.number, column_of["parent_code"], _("上级事项 %(c)s 不在文件或本目录中。") % {"c": parent_code})
            )
        for code in township_codes or []:
            if code not in townships:
                report.row_errors.append(
                    (row.number, column_of["township_codes"], _("%(c)s 不是本县的乡镇(街道)。") % {"c": code})
                )
        changed = [name for name in data if before and before[name] != data[name]]
        if model is PowerItem and current is not None:
            if (parent_code or "") != current.parent_code:
                changed.append("parent_code")
            if township_codes is not None and sorted(township_codes) != sorted(t.code for t in current.townships.all()):
                changed.append("townships")
        if current is None:
            report.added.append(instance.code)
        elif changed:
            report.changed.append((instance.code, changed))
        else:
            report.unchanged += 1
        plan.append((row, instance, changed, township_codes, parent_code, townships))
    return plan


def _clean_row(instance, names, fields) -> None:
    """`instance.full_clean()` restricted to the fields `names` (those the row sets, and the required ones:
    the others keep their valid defaults or stored values), without the unique and constraint checks
    (settled for the whole file by _check_import_rows, they would cost a query a row).

    JSON fields only run their validators: the widgets give plain lists and dicts, so the JSON encoding
    that JSONField.validate tries on every value proves nothing here and costs a tenth of the import.
    """
    from django.db.models import JSONField

    errors = {}
    for name in names:
        field = fields.get(name)
        if field is None:
            continue
        raw = getattr(instance, field.attname)
        if field.blank and raw in field.empty_values:
            continue
        try:
            if isinstance(field, JSONField):
                if raw in field.empty_values:
                    raise ValidationError(field.error_messages["blank"], code="blank")
                field.run_validators(raw)
            else:
                setattr(instance, field.attname, field.clean(raw, instance))
        except ValidationError as error:
            errors[name] = error.error_list
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _resource_fields(kind):
    from catalogs.resources import RESOURCES

    return RESOURCES[kind]().fields.values()


def _write_import(version, model, plan, existing, actor, filename):
    """Write a checked import: new items with COPY under ids reserved first (so a new sub-item names its
    new parent, and the township links and audit entries their item, in the same pass), changed items
    with one bulk update, and one audit entry per added or changed item (its history) plus one for the
    import."""
    from django.contrib.contenttypes.models import ContentType

    from catalogs.copying import copy_insert, copy_rows, copy_update, reserve_ids
    from ruian.audit import AuditEntry
    from ruian.context import current_ip

    now = timezone.now()
    new = [instance for _row, instance, _c, _t, _p, _tw in plan if instance.pk is None]
    updated = [(instance, changed) for _row, instance, changed, _t, _p, _tw in plan if instance.pk and changed]
    for instance, pk in zip(new, reserve_ids(model, len(new)), strict=True):
        instance.pk = pk
        instance.created_at = instance.updated_at = now
    content_fields = [f for f in model.CONTENT_FIELDS if f != "parent_code"]
    links, cleared = [], []
    if model is PowerItem:
        content_fields.append("parent")
        by_code = {**existing, **{i.code: i for i in new}}
        new_ids = {i.pk for i in new}
        for _row, instance, changed, township_codes, parent_code, townships in plan:
            instance.parent_id = by_code[parent_code].pk if parent_code else None
            added = instance.pk in new_ids
            if township_codes is not None and (added or "townships" in changed):
                if not added:  # a new item has no links yet
                    cleared.append(instance.pk)
                links += [(instance.pk, townships[c].pk) for c in township_codes]
    # The foreign keys are checked at commit (deferred), so items, parents and links go in any order.
    copy_insert(model, new)
    for instance, _changed in updated:
        instance.revision += 1
        instance.updated_at = now
    copy_update(model, [i for i, _c in updated], [*content_fields, "revision", "updated_at"])
    if model is PowerItem:
        through = PowerItem.townships.through
        through.objects.filter(poweritem_id__in=cleared).delete()
        copy_rows(through, ["poweritem", "division"], links)
    # One audit entry per added or changed item keeps each item's history (selectors.item_history).
    content_type = ContentType.objects.get_for_model(model).pk
    ip = current_ip()
    action = f"catalogs.{model._meta.model_name}.imported"
    columns = ["created_at", "actor", "action", "content_type", "object_id", "object_repr", "data", "ip"]
    columns += ["from_state", "to_state", "reason"]

    def entry(item, data):
        data = {"version": version.pk, "file": filename, **data}
        return (now, actor.pk, action, content_type, str(item.pk), str(item)[:200], data, ip, "", "", "")

    copy_rows(
        AuditEntry,
        columns,
        [entry(i, {"added": True}) for i in new] + [entry(i, {"changed": changed}) for i, changed in updated],
    )
    log_action(
        "catalogs.version.imported",
        actor=actor,
        obj=version,
        data={"file": filename, "added": len(new), "changed": len(updated)},
    )


# --- background imports -------------------------------------------------------------------------------


@transaction.atomic
def import_job_create(*, version: CatalogVersion, content: bytes, filename: str, dry_run: bool, actor) -> ImportJob:
    """Store a large spreadsheet and queue its import; the worker calls `import_job_run`."""
    from catalogs import tasks

    _require_editor(actor, version.county)
    _require_draft(version)
    job = ImportJob.objects.create(
        version=version, filename=filename[:200], content=content, dry_run=dry_run, created_by=actor
    )
    log_action("catalogs.import_job.queued", actor=actor, obj=job, to_state=job.status, data={"file": filename})
    transaction.on_commit(lambda: tasks.run_import_job.delay(job.pk))
    return job


def _job_transition(job_id: int, target: str, **fields) -> ImportJob | None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if target not in IMPORT_JOB_TRANSITIONS[job.status]:
            return None
        previous = job.status
        job.status = target
        for name, value in fields.items():
            setattr(job, name, value)
        job.save(update_fields=["status", *fields, "updated_at"])
        log_action(f"catalogs.import_job.{target}", actor=job.created_by, obj=job, from_state=previous, to_state=target)
        return job


def import_job_run(*, job_id: int) -> None:
    """Run a queued import job. Safe to call twice: a job that is not queued any more is left alone."""
    from catalogs import imports

    job = _job_transition(job_id, ImportJobStatus.RUNNING, progress=10)
    if job is None:
        return

    def progress(percent):
        # Outside the import's own transaction (between stages), so the page sees it at once.
        ImportJob.objects.filter(pk=job_id).update(progress=percent)

    try:
        report = imports.import_file(
            version=job.version,
            content=bytes(job.content),
            filename=job.filename,
            actor=job.created_by,
            dry_run=job.dry_run,
            progress=progress,
        )
    except (ValidationError, PermissionDenied) as error:
        messages = getattr(error, "messages", None) or [str(error)]
        _job_transition(job_id, ImportJobStatus.FAILED, progress=100, report={"file_errors": messages})
        return
    _job_transition(job_id, ImportJobStatus.DONE, progress=100, report=report.as_dict())
