import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogs import selectors, services
from catalogs.models import AdjustmentAction, EmpowermentBatch
from catalogs.states import VersionStatus
from ruian.audit import AuditEntry
from tests.catalogs.factories import PowerItemFactory, VersionFactory

EFFECTIVE = datetime.date(2021, 1, 1)


@pytest.fixture
def powers(county):
    version = VersionFactory(county=county, status=VersionStatus.PUBLISHED)
    return [PowerItemFactory(version=version) for _ in range(3)]


@pytest.fixture
def batch(county, editor, powers, home_township):
    return services.empowerment_batch_create(
        county=county,
        title="第一批赋权事项",
        document_number="苏政复〔2020〕88号",
        approved_by="江苏省人民政府",
        effective_date=EFFECTIVE,
        items=powers,
        townships=[home_township],
        actor=editor,
    )


def _codes(township, day):
    return {item.code for item in selectors.powers_of_township(township, day)}


def test_powers_before_and_after_the_effective_date(batch, powers, home_township, other_township):
    assert _codes(home_township, EFFECTIVE - datetime.timedelta(days=1)) == set()
    assert _codes(home_township, EFFECTIVE) == {p.code for p in powers}
    assert _codes(other_township, EFFECTIVE) == set()
    assert AuditEntry.objects.for_object(batch).filter(action="catalogs.empowerment.batch_created").exists()


def test_withdrawal_takes_effect_on_its_date(batch, powers, home_township, editor):
    withdrawn_on = datetime.date(2022, 3, 1)
    services.empowerment_adjust(
        batch=batch,
        action=AdjustmentAction.WITHDRAW,
        document_number="苏政复〔2022〕12号",
        effective_date=withdrawn_on,
        items=[powers[0]],
        townships=[home_township],
        reason="镇级承接能力不足",
        actor=editor,
    )
    assert powers[0].code in _codes(home_township, withdrawn_on - datetime.timedelta(days=1))
    assert _codes(home_township, withdrawn_on) == {powers[1].code, powers[2].code}
    assert AuditEntry.objects.for_object(batch).filter(action="catalogs.empowerment.withdraw").exists()


def _adjust(batch, editor, township, action, day, items):
    services.empowerment_adjust(
        batch=batch,
        action=action,
        document_number=f"{action} {day}",
        effective_date=day,
        items=items,
        townships=[township],
        reason="调整" if action == AdjustmentAction.WITHDRAW else "",
        actor=editor,
    )


def test_a_withdrawn_power_granted_again_is_held_again(batch, powers, home_township, editor):
    withdrawn_on, granted_on = datetime.date(2022, 3, 1), datetime.date(2023, 3, 1)
    _adjust(batch, editor, home_township, AdjustmentAction.WITHDRAW, withdrawn_on, [powers[0]])
    _adjust(batch, editor, home_township, AdjustmentAction.GRANT, granted_on, [powers[0]])
    assert powers[0].code not in _codes(home_township, granted_on - datetime.timedelta(days=1))
    assert _codes(home_township, granted_on) == {p.code for p in powers}
    # Asked on a day between, the withdrawal still decides: later entries do not reach back.
    assert _codes(home_township, withdrawn_on) == {powers[1].code, powers[2].code}


def test_of_two_adjustments_on_the_same_day_the_later_one_decides(batch, powers, home_township, editor):
    day = datetime.date(2022, 3, 1)
    # Withdrawn, then granted again the same day (a correction): held.
    _adjust(batch, editor, home_township, AdjustmentAction.WITHDRAW, day, [powers[0]])
    _adjust(batch, editor, home_township, AdjustmentAction.GRANT, day, [powers[0]])
    # Granted again, then withdrawn the same day: not held.
    _adjust(batch, editor, home_township, AdjustmentAction.GRANT, day, [powers[1]])
    _adjust(batch, editor, home_township, AdjustmentAction.WITHDRAW, day, [powers[1]])
    assert _codes(home_township, day) == {powers[0].code, powers[2].code}
    assert _codes(home_township.pk, day) == {powers[0].code, powers[2].code}


def test_withdrawal_needs_a_reason(batch, powers, home_township, editor):
    with pytest.raises(ValidationError):
        services.empowerment_adjust(
            batch=batch,
            action=AdjustmentAction.WITHDRAW,
            document_number="x",
            effective_date=EFFECTIVE,
            items=powers,
            townships=[home_township],
            actor=editor,
        )


def test_later_grant_to_another_township(batch, powers, other_township, editor):
    services.empowerment_adjust(
        batch=batch,
        action=AdjustmentAction.GRANT,
        document_number="苏政复〔2021〕5号",
        effective_date=datetime.date(2021, 6, 1),
        items=powers[:1],
        townships=[other_township],
        actor=editor,
    )
    assert _codes(other_township, datetime.date(2021, 6, 1)) == {powers[0].code}


def test_powers_of_township_is_one_query(county, editor, home_township):
    version = VersionFactory(county=county, status=VersionStatus.PUBLISHED)
    many = [PowerItemFactory(version=version) for _ in range(30)]
    services.empowerment_batch_create(
        county=county,
        title="批次",
        document_number="d",
        approved_by="省政府",
        effective_date=EFFECTIVE,
        items=many,
        townships=[home_township],
        actor=editor,
    )
    with CaptureQueriesContext(connection) as queries:
        result = [(p.code, p.version.title) for p in selectors.powers_of_township(home_township, EFFECTIVE)]
    assert len(result) == 30
    assert len(queries) == 1


def test_townships_of_another_county_are_refused(county, editor, powers):
    from tests import factories as f

    stranger = f.township("320621100000", "城东镇", parent=f.county("320621000000", "海安市"))
    with pytest.raises(ValidationError):
        services.empowerment_batch_create(
            county=county,
            title="x",
            document_number="x",
            approved_by="x",
            effective_date=EFFECTIVE,
            items=powers,
            townships=[stranger],
            actor=editor,
        )


def test_powers_of_a_draft_list_cannot_be_delegated(county, editor, home_township):
    draft_item = PowerItemFactory(version=VersionFactory(county=county, status=VersionStatus.DRAFT))
    with pytest.raises(ValidationError) as raised:
        services.empowerment_batch_create(
            county=county,
            title="x",
            document_number="x",
            approved_by="x",
            effective_date=EFFECTIVE,
            items=[draft_item],
            townships=[home_township],
            actor=editor,
        )
    assert raised.value.code == "item_not_published"
    assert not EmpowermentBatch.objects.exists()
