import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogs import services
from catalogs.models import CatalogKind, PowerItem
from catalogs.states import ADMISSION_TRANSITIONS, AdmissionStatus, IllegalTransition, VersionStatus
from ruian.audit import AuditEntry
from ruian.notifications import Notification
from tests.catalogs.factories import PowerItemFactory, VersionFactory


@pytest.fixture
def request_(county_office, editor):
    return services.admission_apply(
        department=county_office,
        actor=editor,
        matter="农村人居环境整治日常巡查",
        description="对辖区内村庄环境卫生进行日常巡查并督促整改",
        reasons="属地管理,镇街更贴近群众",
        funding="12.50",
        staff=2,
        training="县农业农村局每季度组织一次业务培训",
    )


def test_full_approval_adds_the_matter_to_the_next_draft(county, editor, request_, django_capture_on_commit_callbacks):
    published = VersionFactory(county=county, status=VersionStatus.PUBLISHED)
    PowerItemFactory(version=published)
    with django_capture_on_commit_callbacks(execute=True):
        services.admission_review(request=request_, approve=True, opinion="同意", actor=editor)
        services.admission_review(request=request_, approve=True, opinion="合法", actor=editor)
        services.admission_review(request=request_, approve=True, opinion="批准准入", actor=editor)
    request_.refresh_from_db()
    assert request_.status == AdmissionStatus.APPROVED
    item = request_.added_item
    assert item.name == "农村人居环境整治日常巡查"
    assert item.version.status == VersionStatus.DRAFT and item.version.based_on == published
    assert item.version.kind == CatalogKind.POWER
    assert PowerItem.objects.filter(version=item.version).count() == 2
    assert [s.stage for s in request_.steps.all()] == ["staffing", "justice", "government"]
    actions = set(AuditEntry.objects.for_object(request_).values_list("action", flat=True))
    assert actions >= {
        "catalogs.admission.applied",
        "catalogs.admission.staffing_approved",
        "catalogs.admission.justice_approved",
        "catalogs.admission.government_approved",
    }
    assert Notification.objects.filter(recipient=editor).count() == 3


def test_refusal_needs_reasons_and_ends_the_request(editor, request_):
    services.admission_review(request=request_, approve=True, opinion="同意", actor=editor)
    with pytest.raises(ValidationError):
        services.admission_review(request=request_, approve=False, opinion=" ", actor=editor)
    services.admission_review(request=request_, approve=False, opinion="无法律依据,不属于镇街职责", actor=editor)
    request_.refresh_from_db()
    assert request_.status == AdmissionStatus.REFUSED
    entry = AuditEntry.objects.for_object(request_).get(action="catalogs.admission.justice_refused")
    assert entry.reason == "无法律依据,不属于镇街职责"
    assert entry.from_state == AdmissionStatus.STAFFING_REVIEWED and entry.to_state == AdmissionStatus.REFUSED
    for approve in (True, False):
        with pytest.raises(IllegalTransition):
            services.admission_review(request=request_, approve=approve, opinion="再审", actor=editor)


def test_transition_table_has_no_way_out_of_final_states():
    assert ADMISSION_TRANSITIONS[AdmissionStatus.APPROVED] == set()
    assert ADMISSION_TRANSITIONS[AdmissionStatus.REFUSED] == set()


def test_clerk_cannot_review(clerk, request_):
    with pytest.raises(PermissionDenied):
        services.admission_review(request=request_, approve=True, opinion="同意", actor=clerk)


def test_apply_page_records_the_request_with_its_resources(client, editor, county_office):
    from django.urls import reverse

    from catalogs.models import DutyAdmissionRequest
    from tests.conftest import login

    login(client, editor)
    url = reverse("catalogs:admission_apply")
    assert client.get(url).status_code == 200
    data = {
        "department": county_office.pk,
        "matter": "农村人居环境整治日常巡查",
        "category": "QT",
        "description": "对辖区内村庄环境卫生进行日常巡查并督促整改",
        "reasons": "属地管理,镇街更贴近群众",
        "funding": "12.50",
        "staff": "2",
        "training": "县农业农村局每季度组织一次业务培训",
    }
    response = client.post(url, {**data, "reasons": ""})
    assert response.status_code == 200 and not DutyAdmissionRequest.objects.exists()
    assert client.post(url, data)["Location"] == reverse("catalogs:admissions")
    admission = DutyAdmissionRequest.objects.get()
    assert admission.status == AdmissionStatus.APPLIED and admission.staff == 2
    assert AuditEntry.objects.for_object(admission).filter(action="catalogs.admission.applied").exists()
    assert "农村人居环境整治日常巡查" in client.get(reverse("catalogs:admissions")).content.decode()
