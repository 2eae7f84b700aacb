"""Officer pairs: at least two officers with certificates valid that day (APL Art 42)."""

import pytest
from django.core.exceptions import ValidationError

from enforcement import services
from enforcement.models import CaseOfficer, Evidence
from enforcement.states import CaseStatus, IllegalTransition
from ruian.audit import AuditEntry
from tests.enforcement import factories as ef


@pytest.fixture
def case(home_township, squad_leader, power):
    return ef.filed_case(home_township, squad_leader, power=power)


def _unchanged(case):
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED
    assert not CaseOfficer.objects.filter(case=case).exists()


def test_assigns_two_certified_officers(case, squad_leader, officers):
    services.case_assign(case=case, officers=officers, actor=squad_leader)
    case.refresh_from_db()
    assert case.status == CaseStatus.INVESTIGATING
    assert set(case.assignments.values_list("officer__username", flat=True)) == {"officer", "officer2"}


def test_refuses_one_officer(case, squad_leader, officer):
    with pytest.raises(ValidationError) as error:
        services.case_assign(case=case, officers=[officer, officer], actor=squad_leader)
    assert error.value.error_dict["officers"][0].code == "two_officers"
    _unchanged(case)


def test_refuses_an_officer_whose_certificate_expired(case, squad_leader, officer, expired_officer):
    with pytest.raises(ValidationError) as error:
        services.case_assign(case=case, officers=[officer, expired_officer], actor=squad_leader)
    assert error.value.error_dict["officers"][0].code == "certificate_invalid"
    _unchanged(case)


def test_refuses_an_officer_of_another_township(case, squad_leader, officer, other_leader):
    with pytest.raises(ValidationError):
        services.case_assign(case=case, officers=[officer, other_leader], actor=squad_leader)
    _unchanged(case)


def test_reassignment_is_audited(case, squad_leader, officer, officer2, officer3):
    services.case_assign(case=case, officers=[officer, officer2], actor=squad_leader)
    with pytest.raises(IllegalTransition):
        services.case_assign(case=case, officers=[officer, officer3], actor=squad_leader)
    services.case_reassign(case=case, officers=[officer, officer3], actor=squad_leader, reason="officer2 回避")
    active = set(case.assignments.filter(removed_at__isnull=True).values_list("officer__username", flat=True))
    assert active == {"officer", "officer3"}
    assert AuditEntry.objects.for_object(case).filter(action="enforcement.case.reassigned").exists()


def test_evidence_needs_two_assigned_officers(case, squad_leader, officer, officer2, officer3):
    services.case_assign(case=case, officers=[officer, officer2], actor=squad_leader)
    with pytest.raises(ValidationError):
        services.evidence_record(case=case, kind="photo", description="照片", officers=[officer], actor=officer)
    with pytest.raises(ValidationError):
        services.evidence_record(
            case=case, kind="photo", description="照片", officers=[officer, officer3], actor=officer
        )
    services.evidence_record(case=case, kind="photo", description="照片", officers=[officer, officer2], actor=officer)
    assert Evidence.objects.filter(case=case).count() == 1


def test_unassigned_officer_cannot_record_evidence(case, squad_leader, officer, officer2, officer3):
    from django.core.exceptions import PermissionDenied

    services.case_assign(case=case, officers=[officer, officer2], actor=squad_leader)
    with pytest.raises(PermissionDenied):
        services.evidence_record(
            case=case, kind="photo", description="照片", officers=[officer, officer2], actor=officer3
        )


def test_evidence_files_are_attached_and_only_the_township_may_download(
    client, case, squad_leader, officer, officer2, other_leader, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from ruian.attachments import Attachment
    from tests.conftest import login

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    services.case_assign(case=case, officers=[officer, officer2], actor=squad_leader)
    photo = SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")
    evidence = services.evidence_record(
        case=case, kind="photo", description="现场照片", officers=[officer, officer2], actor=officer, files=[photo]
    )
    attachment = Attachment.objects.get(object_id=str(evidence.pk))
    login(client, other_leader)
    assert client.get(reverse("attachment_download", args=[attachment.pk])).status_code == 404
    login(client, officer)
    assert client.get(reverse("attachment_download", args=[attachment.pk])).status_code == 200
