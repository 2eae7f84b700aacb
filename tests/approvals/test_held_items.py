"""Empowerment decides item by item: the latest entry on or before the day (on one day, the last written)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from approvals import selectors
from catalogs.models import AdjustmentAction, EmpowermentBatch, EmpowermentEntry
from ruian import prepared
from ruian.divisions import Division
from tests.approvals import factories as af

GRANTED = datetime.date(2026, 11, 2)
WITHDRAWN = datetime.date(2026, 11, 16)
REGRANTED = datetime.date(2026, 11, 23)


@pytest.fixture
def delegated(home_township, county):
    """An item of a county department's list (a draft: not the township list), granted, withdrawn, granted."""
    item = af.LicenceFactory(version=af.PowerListFactory(county=county, status="draft"))
    batch = EmpowermentBatch.objects.create(
        county=county, title="赋权", document_number="苏政复〔2026〕2号", approved_by="省政府", effective_date=GRANTED
    )
    for day, action in ((GRANTED, AdjustmentAction.GRANT), (WITHDRAWN, AdjustmentAction.WITHDRAW)):
        EmpowermentEntry.objects.create(
            batch=batch, township=home_township, item=item, action=action, effective_date=day
        )
    # Granted again, and on the same day withdrawn and granted: the entry written last decides.
    for action in (AdjustmentAction.GRANT, AdjustmentAction.WITHDRAW, AdjustmentAction.GRANT):
        EmpowermentEntry.objects.create(
            batch=batch, township=home_township, item=item, action=action, effective_date=REGRANTED
        )
    return item


@pytest.mark.parametrize(
    "day,held",
    [
        (datetime.date(2026, 11, 1), False),  # before the grant
        (GRANTED, True),
        (datetime.date(2026, 11, 13), True),
        (WITHDRAWN, False),
        (datetime.date(2026, 11, 20), False),
        (REGRANTED, True),
    ],
)
def test_item_lookups_follow_the_latest_entry(home_township, delegated, day, held):
    # The API looks the item up by code, the pages by id: both agree with the whole held list.
    by_code = selectors.held_item(home_township, delegated.code, day)
    assert (by_code == delegated) is held
    assert selectors.holds_item(home_township, delegated, day) is held
    assert (delegated in selectors.items_held(home_township, day)) is held


def test_a_withdrawn_item_is_refused_at_the_window(home_township, delegated, clerk):
    with pytest.raises(ValidationError) as error:
        af.receive(home_township, delegated, clerk, at=af.at(datetime.date(2026, 11, 20)))
    assert "不承接" in str(error.value)
    assert af.receive(home_township, delegated, clerk, at=af.at(REGRANTED)).power_item == delegated


def test_same_day_withdrawal_written_last_withdraws(home_township, delegated):
    batch = EmpowermentBatch.objects.get()
    EmpowermentEntry.objects.create(
        batch=batch, township=home_township, item=delegated, action=AdjustmentAction.WITHDRAW, effective_date=REGRANTED
    )
    assert selectors.held_item(home_township, delegated.code, REGRANTED) is None
    assert not selectors.holds_item(home_township, delegated, REGRANTED)
    assert delegated not in selectors.items_held(home_township, REGRANTED)


def test_another_townships_grant_is_not_held(home_township, other_township, delegated):
    assert selectors.held_item(other_township, delegated.code, REGRANTED) is None
    assert not selectors.holds_item(other_township, delegated, REGRANTED)


def _fields(obj) -> dict | None:
    """An instance's columns and the select_related objects it carries, as the ORM left them."""
    if obj is None:
        return None
    cached = {name: _fields(related) for name, related in obj._state.fields_cache.items()}
    columns = {name: value for name, value in vars(obj).items() if name not in ("_state", "held_by")}
    return {"model": type(obj), "columns": columns, "related": cached}


def _by_querysets(township, code, day):
    """`held_item` answered by the querysets themselves (the prepared statements are compiled from them)."""
    item = selectors.power_items_held(township, day, code=code).first()
    return item or selectors.service_items_held(township, day).filter(code=code).first()


def _in_held_lists(township, code, day) -> bool:
    held = [*selectors.power_items_held(township, day), *selectors.service_items_held(township, day)]
    return any(item.code == code for item in held)


def test_the_prepared_lookup_agrees_with_the_querysets(home_township, other_township, county, delegated):
    """held_item's prepared statements against the querysets of the rule and the whole held lists: an item
    of the township list (listing no township, this one, another one), an inactive one, a delegated one
    (granted, then withdrawn), service items of the town and of the county level, an unknown code."""
    from tests import factories as f

    department = f.OrganisationFactory(division=county, kind="county_department", name="如东县市场监督管理局")
    everyone = af.licence(county, department=department)
    ours = af.licence(county)
    ours.townships.add(home_township)
    theirs = af.licence(county)
    theirs.townships.add(other_township)
    inactive = af.licence(county, is_active=False)
    services = af.ServiceListFactory(county=county)
    town_service = af.ServiceFactory(version=services)
    county_service = af.ServiceFactory(version=services, level="county")
    codes = [i.code for i in (everyone, ours, theirs, inactive, delegated, town_service, county_service)]
    days = [datetime.date(2019, 1, 1), GRANTED, WITHDRAWN, REGRANTED]  # before the lists, granted, withdrawn
    seen = {True: 0, False: 0}
    for township in (home_township, other_township):
        for day in days:
            for code in [*codes, "320623-XK-9999"]:
                found = selectors.held_item(township, code, day)
                assert _fields(found) == _fields(_by_querysets(township, code, day)), (township, code, day)
                assert (found is not None) is _in_held_lists(township, code, day), (township, code, day)
                seen[found is not None] += 1
    assert seen[True] and seen[False]
    assert selectors.held_item(home_township, delegated.code, GRANTED) == delegated
    assert selectors.held_item(home_township, delegated.code, WITHDRAWN) is None
    assert selectors.held_item(home_township, theirs.code, REGRANTED) is None
    assert selectors.held_item(other_township, theirs.code, REGRANTED) == theirs
    assert selectors.held_item(home_township, ours.code, REGRANTED) == ours
    assert selectors.held_item(home_township, town_service.code, REGRANTED) == town_service
    assert selectors.held_item(home_township, county_service.code, REGRANTED) is None
    assert selectors.held_item(home_township, inactive.code, REGRANTED) is None
    assert selectors.held_item(home_township, everyone.code, REGRANTED).department == department


def test_the_township_is_found_by_code_with_its_county(home_township, county, home_village):
    found = selectors.township_by_code(home_township.code)
    assert found == home_township and found.parent == county
    assert _fields(found) == _fields(Division.objects.select_related("parent").get(pk=home_township.pk))
    assert selectors.township_by_code(county.code) is None  # a county is no township
    assert selectors.township_by_code(home_village.code) is None
    assert selectors.township_by_code("320623199000") is None


def test_a_value_made_from_a_stand_in_must_be_a_parameter(home_township):
    """Were the county's code left out of the parameters, the statement would hold the stand-in's: refused."""
    lookup = prepared.PreparedFirst(
        "approvals_test_unmapped",
        lambda township, on, code: selectors.power_items_held(township, on, code=code),
        lambda *args: {k: v for k, v in selectors._held_parameters(*args).items() if k != "county_code"},
        (selectors._stand_in_township(), prepared.STAND_IN_DAY, prepared.STAND_IN_CODE),
    )
    with pytest.raises(prepared.UnmappedParameter):
        lookup.first(home_township, REGRANTED, "320623-XK-0001")
