"""Empowerment decides item by item: the latest entry on or before the day (on one day, the last written)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from approvals import selectors
from catalogs.models import AdjustmentAction, EmpowermentBatch, EmpowermentEntry
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
