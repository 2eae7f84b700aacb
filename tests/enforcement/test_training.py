"""Training and certificates (全员培训): attendance, qualification exams that renew the certificate on the
officer's staff profile, officers whose certificates expire within 60 days listed and told once."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from enforcement import services
from enforcement.models import ExamResult, TrainingAttendance
from ruian.audit import AuditEntry
from ruian.notifications import Notification
from ruian.staff import Role, StaffProfile
from tests import factories as f
from tests.conftest import login

D = datetime.date


@pytest.fixture
def session(home_township, squad_leader):
    return services.training_session_create(
        township=home_township, title="新《行政处罚法》全员培训", held_on=D(2026, 11, 10), actor=squad_leader
    )


@pytest.fixture
def exam(home_township, squad_leader):
    return services.exam_create(
        township=home_township, title="2026年执法资格考试", held_on=D(2026, 11, 20), actor=squad_leader
    )


@pytest.fixture
def recruit(home_squad):
    """A new team member without a certificate yet."""
    return f.staff_user("recruit", Role.OFFICER, home_squad)


def test_attendance_is_recorded_once_per_officer(session, squad_leader, officer, officer2):
    services.training_attendance_record(session=session, officer=officer, actor=squad_leader)
    services.training_attendance_record(session=session, officer=officer2, actor=squad_leader, attended=False)
    services.training_attendance_record(session=session, officer=officer2, actor=squad_leader, attended=True)
    assert TrainingAttendance.objects.filter(session=session, attended=True).count() == 2
    assert AuditEntry.objects.for_object(session).filter(action="enforcement.training.attendance").count() == 3


def test_attendance_of_someone_outside_the_team_is_refused(session, squad_leader, other_leader, officer):
    with pytest.raises(ValidationError):
        services.training_attendance_record(session=session, officer=other_leader, actor=squad_leader)
    with pytest.raises(PermissionDenied):
        services.training_attendance_record(session=session, officer=officer, actor=officer)
    assert not TrainingAttendance.objects.exists()


def test_passing_the_exam_issues_the_certificate_on_the_staff_profile(exam, squad_leader, recruit, officer2):
    result = services.exam_result_record(
        exam=exam, officer=recruit, score=86, certificate_number="32062300077", actor=squad_leader
    )
    profile = StaffProfile.objects.get(user=recruit)
    assert result.passed and profile.certificate_number == "32062300077"
    assert profile.certificate_valid_from == D(2026, 11, 20) and profile.certificate_valid_until == D(2029, 11, 19)
    assert profile.certificate_valid_on(D(2027, 1, 4))
    assert AuditEntry.objects.filter(action="enforcement.certificate.renewed", object_id=str(recruit.pk)).exists()
    # The new certificate counts at once: the recruit can now be assigned with a colleague.
    services._check_officers([recruit, officer2], recruit.staff.organisation.division, D(2027, 1, 4))


def test_passing_renews_an_existing_certificate_under_its_number(exam, squad_leader, officer):
    number = StaffProfile.objects.get(user=officer).certificate_number
    services.exam_result_record(exam=exam, officer=officer, score=75, actor=squad_leader)
    profile = StaffProfile.objects.get(user=officer)
    assert number and profile.certificate_number == number
    assert profile.certificate_valid_until == D(2029, 11, 19)


def test_failing_leaves_the_certificate_alone(exam, squad_leader, officer):
    before = StaffProfile.objects.get(user=officer).certificate_valid_until
    result = services.exam_result_record(exam=exam, officer=officer, score=59.5, actor=squad_leader)
    assert not result.passed
    assert StaffProfile.objects.get(user=officer).certificate_valid_until == before


def test_a_pass_without_a_certificate_number_is_refused_and_nothing_saved(exam, squad_leader, recruit):
    with pytest.raises(ValidationError):
        services.exam_result_record(exam=exam, officer=recruit, score=90, actor=squad_leader)
    assert not ExamResult.objects.exists()
    assert not StaffProfile.objects.get(user=recruit).certificate_number


def test_a_taken_certificate_number_is_refused_and_nothing_saved(exam, squad_leader, recruit, officer):
    taken = StaffProfile.objects.get(user=officer).certificate_number
    with pytest.raises(ValidationError):
        services.exam_result_record(exam=exam, officer=recruit, score=90, certificate_number=taken, actor=squad_leader)
    assert not ExamResult.objects.exists()


def test_a_result_twice_and_a_score_out_of_range_are_refused(exam, squad_leader, officer):
    with pytest.raises(ValidationError):
        services.exam_result_record(exam=exam, officer=officer, score=101, actor=squad_leader)
    services.exam_result_record(exam=exam, officer=officer, score=70, actor=squad_leader)
    with pytest.raises(ValidationError):
        services.exam_result_record(exam=exam, officer=officer, score=80, actor=squad_leader)
    assert ExamResult.objects.count() == 1


def _expiring_officer(home_squad, valid_until):
    return f.staff_user("soon", Role.OFFICER, home_squad, **f.officer_profile("32062300088", valid_until=valid_until))


def test_certificates_expiring_within_60_days_are_listed_and_notified_once(
    client, home_squad, squad_leader, officer, other_leader
):
    soon = _expiring_officer(home_squad, D(2026, 12, 31))
    today = D(2026, 11, 22)
    assert services.certificate_expiry_notify(today=today) == 2  # the officer and the squad leader
    assert services.certificate_expiry_notify(today=today) == 0
    assert services.certificate_expiry_notify(today=today + datetime.timedelta(days=1)) == 0
    notice = Notification.objects.get(recipient=soon)
    assert "32062300088" in notice.title and "2026-12-31" in notice.title
    assert Notification.objects.filter(recipient=squad_leader).count() == 1
    assert not Notification.objects.filter(recipient__in=[officer, other_leader]).exists()


def test_the_certificates_page_and_api_list_the_expiring_ones(client, api, home_squad, squad_leader, other_leader):
    soon = _expiring_officer(home_squad, datetime.date.today() + datetime.timedelta(days=30))
    login(client, squad_leader)
    page = client.get(reverse("enforcement:training"))
    assert page.status_code == 200 and "32062300088" in page.content.decode()
    login(api, squad_leader)
    rows = api.get(reverse("api:enforcement:enforcement-certificate-expiring")).json()
    assert [row["officer"] for row in rows] == [soon.pk]
    login(api, other_leader)
    assert api.get(reverse("api:enforcement:enforcement-certificate-expiring")).json() == []


def test_training_and_exam_over_the_api(api, squad_leader, officer, recruit, home_township):
    login(api, squad_leader)
    created = api.post(
        reverse("api:enforcement:enforcement-training-session-list"),
        {"township": home_township.code, "title": "证据收集规范", "held_on": "2026-11-12"},
    )
    assert created.status_code == 201, created.json()
    url = reverse("api:enforcement:enforcement-training-session-attendance", args=[created.json()["id"]])
    answer = api.post(url, {"officer": officer.pk, "attended": True})
    assert answer.status_code == 200 and answer.json()["attendance"] == [
        {"officer": officer.pk, "attended": True, "note": ""}
    ]
    exam = api.post(
        reverse("api:enforcement:enforcement-exam-list"),
        {"township": home_township.code, "title": "换证考试", "held_on": "2026-11-20"},
    )
    assert exam.status_code == 201
    results = reverse("api:enforcement:enforcement-exam-results", args=[exam.json()["id"]])
    assert api.post(results, {"officer": recruit.pk, "score": "91"}).status_code == 400  # no number to issue
    answer = api.post(results, {"officer": recruit.pk, "score": "91", "certificate_number": "32062300099"})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["results"][0]["certificate_valid_until"] == "2029-11-19"
    login(api, officer)
    assert api.post(results, {"officer": officer.pk, "score": "99"}).status_code == 403


def test_the_daily_task_is_scheduled_and_idempotent(settings, home_squad, squad_leader):
    from enforcement import tasks

    assert settings.CELERY_BEAT_SCHEDULE["enforcement-daily"]["task"] == "enforcement.tasks.daily"
    _expiring_officer(home_squad, datetime.date.today() + datetime.timedelta(days=10))
    first = tasks.daily()
    assert first["certificate_notices"] == 2
    assert tasks.daily() == {"certificate_notices": 0, "grid_handovers": 0}
