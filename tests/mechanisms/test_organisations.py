"""Stationed units under dual management: the audited organisation services and the township's least share."""

import decimal

import pytest
from django.core.exceptions import ValidationError

from ruian.audit import AuditEntry
from ruian.organisations import Organisation, OrgKind, StationedType, create_organisation, update_organisation

pytestmark = pytest.mark.django_db


def test_create_organisation_checks_the_domain_rules_and_audits(home_township, police_department, editor):
    unit = create_organisation(
        name="长沙司法所",
        kind=OrgKind.STATIONED_UNIT,
        division=home_township,
        home_department=police_department,
        stationed_type=StationedType.JUSTICE_OFFICE,
        actor=editor,
    )
    entry = AuditEntry.objects.for_object(unit).get()
    assert entry.action == "ruian.organisation.created" and entry.actor == editor
    assert entry.data["stationed_type"] == "justice_office"


def test_a_stationed_unit_without_home_department_is_refused_and_nothing_saved(home_township):
    with pytest.raises(ValidationError) as error:
        create_organisation(name="长沙税务分局", kind=OrgKind.STATIONED_UNIT, division=home_township)
    assert "home_department" in error.value.message_dict
    assert not Organisation.objects.filter(name="长沙税务分局").exists()
    assert not AuditEntry.objects.filter(action="ruian.organisation.created").exists()


def test_update_records_old_and_new_values_and_skips_no_change(police, editor):
    update_organisation(organisation=police, township_share="0.70", stationed_type="police_station", actor=editor)
    entry = AuditEntry.objects.for_object(police).get(action="ruian.organisation.updated")
    assert entry.data["township_share"] == {"from": "", "to": "0.70"}
    update_organisation(organisation=police, township_share=decimal.Decimal("0.7"), actor=editor)
    assert AuditEntry.objects.filter(action="ruian.organisation.updated").count() == 1
    police.refresh_from_db()
    assert police.effective_township_share == decimal.Decimal("0.70")


def test_a_township_share_below_the_least_share_is_refused(police, editor, settings):
    with pytest.raises(ValidationError) as error:
        update_organisation(organisation=police, township_share="0.40", actor=editor)
    assert "township_share" in error.value.message_dict and "50%" in error.value.message_dict["township_share"][0]
    # Dezhou's rule: at least 60%.
    settings.TOWNSHIP_ASSESSMENT_SHARE = 0.6
    with pytest.raises(ValidationError):
        update_organisation(organisation=police, township_share="0.55", actor=editor)
    police.refresh_from_db()
    assert police.township_share is None and police.effective_township_share == decimal.Decimal("0.60")
    assert not AuditEntry.objects.filter(action="ruian.organisation.updated").exists()


def test_only_stationed_units_carry_a_type_or_share(home_centre, editor):
    with pytest.raises(ValidationError):
        update_organisation(organisation=home_centre, stationed_type="police_station", actor=editor)


def test_unknown_fields_are_refused(police):
    with pytest.raises(ValidationError):
        update_organisation(organisation=police, colour="blue")
