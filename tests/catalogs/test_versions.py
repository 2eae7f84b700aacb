import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogs import selectors, services
from catalogs.models import CatalogKind, CatalogVersion, PowerItem
from catalogs.states import VERSION_TRANSITIONS, IllegalTransition, VersionStatus
from ruian.audit import AuditEntry
from tests import factories as f
from tests.catalogs.factories import PowerItemFactory, VersionFactory


def _walk(version, target, editor):
    reason = "退回修改" if target == VersionStatus.DRAFT else ""
    return services.version_transition(version=version, target=target, actor=editor, reason=reason)


def test_lifecycle_draft_review_submitted_published(county, editor):
    version = services.version_create(
        county=county, kind=CatalogKind.POWER, title="清单", actor=editor, effective_date=datetime.date(2020, 7, 1)
    )
    PowerItemFactory(version=version)
    for target in (VersionStatus.IN_REVIEW, VersionStatus.SUBMITTED, VersionStatus.PUBLISHED):
        version = _walk(version, target, editor)
    assert version.status == VersionStatus.PUBLISHED
    assert version.published_at is not None
    actions = list(AuditEntry.objects.for_object(version).values_list("action", flat=True))
    assert {"catalogs.version.created", "catalogs.version.in_review", "catalogs.version.published"} <= set(actions)


@pytest.mark.parametrize(
    "current,target",
    [(c, t) for c in VersionStatus.values for t in VersionStatus.values if t not in VERSION_TRANSITIONS[c]],
)
def test_every_illegal_transition_is_refused(county, editor, current, target):
    version = VersionFactory(county=county, status=current)
    PowerItemFactory(version=version)
    with pytest.raises(IllegalTransition):
        _walk(version, target, editor)
    version.refresh_from_db()
    assert version.status == current


@pytest.mark.parametrize("current", VersionStatus.values)
def test_every_legal_transition_is_allowed(county, editor, current):
    for target in VERSION_TRANSITIONS[current]:
        version = VersionFactory(county=county, status=current)
        PowerItemFactory(version=version)
        assert _walk(version, target, editor).status == target
        CatalogVersion.objects.filter(status=VersionStatus.PUBLISHED).update(status=VersionStatus.SUPERSEDED)


def test_returning_to_draft_needs_a_reason(county, editor):
    version = VersionFactory(county=county, status=VersionStatus.IN_REVIEW)
    with pytest.raises(ValidationError):
        services.version_transition(version=version, target=VersionStatus.DRAFT, actor=editor)


def test_publishing_supersedes_the_old_version_and_in_force_follows_effective_dates(county, editor):
    old = VersionFactory(county=county, status=VersionStatus.PUBLISHED, effective_date=datetime.date(2020, 7, 1))
    new = VersionFactory(county=county, status=VersionStatus.IN_REVIEW, effective_date=datetime.date(2022, 1, 1))
    PowerItemFactory(version=new)
    services.version_transition(version=new, target=VersionStatus.PUBLISHED, actor=editor)
    old.refresh_from_db()
    assert old.status == VersionStatus.SUPERSEDED
    assert selectors.version_in_force(county, CatalogKind.POWER, datetime.date(2021, 6, 1)) == old
    assert selectors.version_in_force(county, CatalogKind.POWER, datetime.date(2022, 1, 1)) == new
    assert selectors.version_in_force(county, CatalogKind.POWER, datetime.date(2019, 1, 1)) is None


def test_publishing_needs_an_effective_date_and_items(county, editor):
    version = VersionFactory(county=county, status=VersionStatus.IN_REVIEW, effective_date=None)
    PowerItemFactory(version=version)
    with pytest.raises(ValidationError):
        services.version_transition(version=version, target=VersionStatus.PUBLISHED, actor=editor)
    empty = VersionFactory(county=county, status=VersionStatus.IN_REVIEW)
    with pytest.raises(ValidationError):
        services.version_transition(version=empty, target=VersionStatus.PUBLISHED, actor=editor)


@pytest.mark.parametrize("status", [s for s in VersionStatus.values if s != VersionStatus.DRAFT])
def test_only_drafts_can_be_changed(county, editor, status):
    version = VersionFactory(county=county, status=status)
    item = PowerItemFactory(version=version)
    with pytest.raises(ValidationError):
        services.item_update(item=item, actor=editor, data={"name": "改名"})
    with pytest.raises(ValidationError):
        services.item_create(
            version=version, actor=editor, data={"code": "320623-CF-0999", "name": "新", "category": "CF"}
        )
    with pytest.raises(ValidationError):
        services.item_delete(item=item, actor=editor)
    with pytest.raises(ValidationError):
        services.version_update(version=version, actor=editor, title="改名")
    item.refresh_from_db()
    assert item.name != "改名"


def test_new_draft_copies_items_with_parents_and_lineage(county, editor, home_township):
    published = VersionFactory(county=county, status=VersionStatus.PUBLISHED)
    parent = PowerItemFactory(version=published, code="320623-CF-0001")
    child = PowerItemFactory(version=published, code="320623-CF-0001-001", parent=parent)
    child.townships.set([home_township])
    draft = services.version_create_draft(source=published, actor=editor, edition="2021版")
    copies = {i.code: i for i in PowerItem.objects.filter(version=draft)}
    assert set(copies) == {"320623-CF-0001", "320623-CF-0001-001"}
    assert copies["320623-CF-0001-001"].parent == copies["320623-CF-0001"]
    assert copies["320623-CF-0001"].lineage == parent.lineage
    assert list(copies["320623-CF-0001-001"].townships.all()) == [home_township]
    assert draft.based_on == published and draft.status == VersionStatus.DRAFT


def test_only_county_editors_of_the_county_may_write(county, clerk, editor):
    with pytest.raises(PermissionDenied):
        services.version_create(county=county, kind=CatalogKind.POWER, title="x", actor=clerk)
    other_county = VersionFactory(county=f.county("320621000000", "海安市"))
    with pytest.raises(PermissionDenied):
        services.item_create(version=other_county, actor=editor, data={"code": "320621-CF-0001", "name": "x"})


def test_version_edit_conflict(county, editor):
    version = VersionFactory(county=county)
    services.version_update(version=version, actor=editor, expected_revision=1, title="第一位编辑")
    with pytest.raises(services.EditConflict):
        services.version_update(version=version, actor=editor, expected_revision=1, title="第二位编辑")
    version.refresh_from_db()
    assert version.title == "第一位编辑"
