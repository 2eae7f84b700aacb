"""Receiving: numbers, applicant IDs, items the township holds, the materials checklist."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from approvals.models import ApplicantKind, Application
from approvals.states import Status
from catalogs.models import AdjustmentAction, EmpowermentBatch, EmpowermentEntry
from ruian.audit import AuditEntry
from ruian.clocks import Deadline
from tests.approvals import factories as af


def test_receive_numbers_and_starts_notice_clock(home_township, item, clerk, now_is):
    now_is(af.at(datetime.date(2026, 11, 23)))
    first = af.receive(home_township, item, clerk)
    second = af.receive(home_township, item, clerk)
    assert first.number == "320623100-20261123-0001"
    assert second.number == "320623100-20261123-0002"
    assert first.status == Status.RECEIVED
    clock = Deadline.objects.get(object_id=first.pk, kind="approvals.notice")
    assert clock.due_date == datetime.date(2026, 11, 30)  # 5 working days, the start day not counted
    assert AuditEntry.objects.for_object(first).filter(action="approvals.application.received").exists()


def test_each_township_counts_its_own_sequence(home_township, other_township, item, clerk, other_clerk):
    a = af.receive(home_township, item, clerk)
    b = af.receive(other_township, item, other_clerk)
    assert a.number.endswith("-0001") and b.number.endswith("-0001")
    assert a.number != b.number


def test_organisation_applicant_with_credit_code(home_township, item, clerk):
    app = af.receive(
        home_township, item, clerk, applicant_kind=ApplicantKind.ORGANISATION, applicant_id_number=af.VALID_USCC
    )
    assert app.applicant_id_number == af.VALID_USCC


@pytest.mark.parametrize(
    "kind,number",
    [
        (ApplicantKind.PERSON, "110105194912310021"),  # wrong check digit
        (ApplicantKind.PERSON, "11010519491231002"),  # 17 digits
        (ApplicantKind.PERSON, af.VALID_USCC),  # a credit code for a person
        (ApplicantKind.ORGANISATION, "91110000600037341A"),  # wrong check character
        (ApplicantKind.ORGANISATION, af.VALID_RIC),
    ],
)
def test_invalid_ids_are_refused_and_nothing_written(home_township, item, clerk, kind, number):
    with pytest.raises(ValidationError) as error:
        af.receive(home_township, item, clerk, applicant_kind=kind, applicant_id_number=number)
    assert "applicant_id_number" in error.value.message_dict
    assert Application.objects.count() == 0


def test_item_not_held_is_refused_naming_the_holder(home_township, county, clerk):
    from tests import factories as f

    department = f.OrganisationFactory(division=county, kind="county_department", name="如东县市场监督管理局")
    item = af.licence(county, department=department)
    item.townships.add(f.township("320623102000", "栟茶镇", parent=county))  # listed for another township only
    with pytest.raises(ValidationError) as error:
        af.receive(home_township, item, clerk)
    assert "如东县市场监督管理局" in str(error.value)
    assert Application.objects.count() == 0


def test_empowered_item_is_held_from_its_effective_date(home_township, county, clerk, now_is):
    # An item of a county department's list (a draft version: not the township list) delegated by a batch.
    version = af.PowerListFactory(county=county, status="draft")
    item = af.LicenceFactory(version=version)
    batch = EmpowermentBatch.objects.create(
        county=county,
        title="赋权",
        document_number="苏政复〔2026〕1号",
        approved_by="省政府",
        effective_date=datetime.date(2026, 11, 23),
    )
    EmpowermentEntry.objects.create(
        batch=batch,
        township=home_township,
        item=item,
        action=AdjustmentAction.GRANT,
        effective_date=datetime.date(2026, 11, 23),
    )
    with pytest.raises(ValidationError):
        af.receive(home_township, item, clerk, at=af.at(datetime.date(2026, 11, 20)))
    assert af.receive(home_township, item, clerk, at=af.at(datetime.date(2026, 11, 23))).pk


def test_service_item_can_be_received(home_township, county, clerk):
    service = af.ServiceFactory(version=af.ServiceListFactory(county=county))
    app = af.receive(home_township, service, clerk, materials_provided=["身份证"])
    assert app.service_item == service and app.legal_limit == 5 and app.promised_limit == 1


def test_unknown_material_is_refused(home_township, item, clerk):
    with pytest.raises(ValidationError):
        af.receive(home_township, item, clerk, materials_provided=["不存在的材料"])


def test_wrong_role_and_wrong_township(home_township, item, approver, other_clerk):
    with pytest.raises(PermissionDenied):
        af.receive(home_township, item, approver)
    with pytest.raises(PermissionDenied):
        af.receive(home_township, item, other_clerk)
    assert Application.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_receipts_get_distinct_numbers(home_township, item, clerk):
    numbers, errors = [], []

    def work():
        try:
            numbers.append(af.receive(home_township, item, clerk).number)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(numbers)) == 8


def test_enforcement_powers_are_not_applied_for(home_township, county, clerk):
    from catalogs.models import Category

    penalty = af.licence(county, category=Category.PENALTY, code="320623-CF-0901")
    with pytest.raises(ValidationError) as error:
        af.receive(home_township, penalty, clerk)
    assert "执法类" in str(error.value)


def test_items_held_combines_the_power_list_and_service_items(home_township, county, item):
    from approvals import selectors
    from catalogs.models import Category

    penalty = af.licence(county, category=Category.PENALTY, code="320623-CF-0902")
    service = af.ServiceFactory(version=af.ServiceListFactory(county=county))
    held = selectors.items_held(home_township, datetime.date(2026, 11, 23))
    assert item in held and service in held and penalty not in held
    assert selectors.items_held(home_township, datetime.date(2019, 1, 1)) == []  # before the lists took effect
