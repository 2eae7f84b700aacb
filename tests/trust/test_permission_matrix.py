"""The permission matrix: every page (from the URL configuration) and every API operation (from the OpenAPI
schema), asked by every role of the home township, the same role of another township (another county for
the county editor), an anonymous visitor and a REST client whose token lacks the operation's scope.

The expectations are the tables PAGES and OPERATIONS below, one line per endpoint, grouped by app. A new
page or operation has no line, and its test fails with a message saying what to add: nothing is
forgotten by default. A line whose endpoint is gone fails too, so the tables stay true.

What each answer must be:
- a role of the home township in `roles` gets past the gate (not 401/403/404; for writes an empty body
  may well be refused with 400/409, which still proves the gate let the role through); any other home
  role is refused with 403 or 404;
- the same role of another township: refused (403/404) when the URL names a home township's object,
  otherwise what the home role gets; and never any personal or internal data of the home township
  (tests/trust/world.py, SECRETS and INTERNAL) in the answer;
- an anonymous visitor: a public endpoint answers 200 without personal data; anything else redirects to
  the login page or answers 401/403;
- a REST client whose token has every scope but the one the operation needs: 403 and no data.
No answer may be a 5xx.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import resolve

from tests.trust import matrix as m
from tests.trust.conftest import record_figures
from tests.trust.world import EVENT_TEXT

ALL = frozenset(m.HOME_ROLES)
NOBODY = frozenset()


def only(*roles):
    assert set(roles) <= ALL, roles
    return frozenset(roles)


@dataclass(frozen=True)
class Rule:
    roles: frozenset  # home roles that get past the gate
    method: str = "GET"  # pages only: the method tried (operations carry their own)
    args: dict = field(default_factory=dict)  # URL parameter -> object of the world (or a literal "=value")
    query: str = ""  # query string for views that need one
    public: bool = False  # anyone may open it: 200 for an anonymous visitor, without personal data
    shared: bool = False  # the object named in the URL belongs to the county and may be read county-wide
    scope: str | None = "app"  # operations: "app" = the view's required_scopes; None = no scope needed
    may_show: tuple = ()  # internal strings this public endpoint shows by design
    note: str = ""


CLERK, APPROVER, EDITOR, OPERATOR = only("clerk"), only("approver"), only("editor"), only("operator")
SQUAD = only("squad_leader")
ENFORCERS = only("squad_leader", "officer")
# Who reads applications (ID numbers and phones of applicants) and cases, leads and transfers (of parties):
# approvals and enforcement selectors give everyone else of the township nothing (issue #8).
APPLICATION_READERS = only("clerk", "approver", "leader")
CASE_READERS = only("squad_leader", "officer", "legal_reviewer", "leader")

# Pages, by URL name. `args` names the home township's objects built in tests/trust/world.py.
PAGES = {
    # The kernel: entry, login, language, notifications, organisations, attachments, API documentation.
    "home": Rule(ALL, public=True, note="anonymous: the landing page; staff are sent on to their dashboard"),
    "healthz": Rule(ALL, public=True),
    "login": Rule(ALL, public=True),
    "logout": Rule(ALL, method="POST", public=True, note="logging out needs no login"),
    "set_language": Rule(ALL, method="POST", public=True),
    "password_change": Rule(ALL),
    "password_change_done": Rule(ALL),
    "dashboard": Rule(ALL),
    "notifications": Rule(ALL),
    "notifications_read": Rule(ALL, method="POST"),
    "organisations": Rule(ALL),
    "organisation_detail": Rule(ALL, args={"pk": "organisation"}),
    "attachment_download": Rule(
        APPLICATION_READERS, args={"pk": "attachment"}, note="the application's scan: who may read the application"
    ),
    "schema": Rule(ALL, public=True),
    "api-docs": Rule(ALL, public=True),
    "api:api-root": Rule(ALL),
    # Kernel mechanisms: assessment (考核), stationed units (派驻机构), secondments (借调).
    "assessment": Rule(only("editor", "leader", "operator", "squad_leader")),
    "assessment_export": Rule(only("editor", "leader", "operator", "squad_leader")),
    "assessment_weights": Rule(only("editor", "leader", "operator", "squad_leader")),
    "assessment_drill_down": Rule(
        only("editor", "leader", "operator", "squad_leader"),
        args={"subject": "=township", "pk": "home_township_pk", "metric": "=grids.on_time"},
    ),
    "stationed_units": Rule(ALL),
    "stationed_unit": Rule(ALL, args={"pk": "stationed_unit"}),
    "secondments": Rule(only("editor", "leader")),
    "secondment_end": Rule(only("editor", "leader"), method="POST", args={"pk": "secondment"}),
    # Catalogs: editors of the county; the published lists and service guides are public.
    "catalogs:editor_home": Rule(EDITOR),
    "catalogs:version_new": Rule(EDITOR),
    "catalogs:version_detail": Rule(EDITOR, args={"pk": "draft_version"}),
    "catalogs:version_edit": Rule(EDITOR, args={"pk": "draft_version"}),
    "catalogs:version_transition": Rule(EDITOR, method="POST", args={"pk": "draft_version"}),
    "catalogs:version_new_draft": Rule(EDITOR, method="POST", args={"pk": "draft_version"}),
    "catalogs:version_export": Rule(EDITOR, args={"pk": "draft_version", "file_format": "=xlsx"}),
    "catalogs:version_import": Rule(EDITOR, args={"pk": "draft_version"}),
    "catalogs:version_compare": Rule(EDITOR, args={"pk": "draft_version"}, query="with={published_version}"),
    "catalogs:import_job": Rule(EDITOR, args={"pk": "import_job"}),
    "catalogs:import_job_progress": Rule(EDITOR, args={"pk": "import_job"}),
    "catalogs:item_new": Rule(EDITOR, args={"pk": "draft_version"}),
    "catalogs:item_edit": Rule(EDITOR, args={"pk": "draft_version", "item_pk": "draft_item"}),
    "catalogs:item_delete": Rule(EDITOR, method="POST", args={"pk": "draft_version", "item_pk": "draft_item"}),
    "catalogs:item_history": Rule(EDITOR, args={"pk": "draft_version", "item_pk": "draft_item"}),
    "catalogs:admissions": Rule(EDITOR),
    "catalogs:admission_review": Rule(EDITOR, method="POST", args={"pk": "admission"}),
    "catalogs:public_catalogs": Rule(ALL, public=True),
    "catalogs:public_version": Rule(ALL, public=True, args={"pk": "published_version"}),
    "catalogs:public_export": Rule(ALL, public=True, args={"pk": "published_version", "file_format": "=xlsx"}),
    "catalogs:service_guide": Rule(ALL, public=True, args={"item_pk": "service_item"}),
    "catalogs:empowerment_list": Rule(EDITOR),
    "catalogs:empowerment_new": Rule(EDITOR),
    "catalogs:empowerment_detail": Rule(EDITOR, args={"pk": "batch"}),
    "catalogs:data_resources": Rule(EDITOR),
    "catalogs:data_resource_new": Rule(EDITOR),
    "catalogs:data_resource_subscribe": Rule(EDITOR, method="POST", args={"pk": "resource"}, shared=True),
    "catalogs:data_subscriptions": Rule(EDITOR),
    "catalogs:data_subscription_decide": Rule(EDITOR, method="POST", args={"pk": "subscription"}),
    "catalogs:burden_plans": Rule(EDITOR),
    "catalogs:admission_apply": Rule(EDITOR),
    "catalogs:burden_plan": Rule(EDITOR, args={"pk": "burden_plan"}),
    # Approvals: the window clerk receives and acts, the approver decides; the status lookup is public.
    "approvals:workbench": Rule(CLERK),
    "approvals:item_search": Rule(CLERK),
    "approvals:receive": Rule(CLERK, args={"item_ref": "licence_ref"}, shared=True, note="a county catalog item"),
    "approvals:approver_queue": Rule(APPROVER),
    "approvals:dashboard": Rule(only("clerk", "approver", "leader")),
    "approvals:public_lookup": Rule(ALL, public=True),
    "approvals:detail": Rule(APPLICATION_READERS, args={"number": "application"}),
    "approvals:document": Rule(APPLICATION_READERS, args={"number": "application", "kind": "=acceptance"}),
    "approvals:act": Rule(
        APPLICATION_READERS,
        method="POST",
        args={"number": "application", "action": "=withdraw"},
        note="a refused action is told on the detail page (redirect); the service checks the role",
    ),
    # Enforcement: the squad leader runs the board, officers their cases, the legal reviewer the reviews.
    "enforcement:board": Rule(SQUAD),
    "enforcement:my_cases": Rule(ENFORCERS),
    "enforcement:legal_queue": Rule(only("legal_reviewer")),
    "enforcement:legal_review": Rule(only("legal_reviewer"), method="POST", args={"pk": "legal_review"}),
    "enforcement:dashboard": Rule(only("squad_leader", "officer", "legal_reviewer")),
    "enforcement:lead_new": Rule(ENFORCERS, method="POST"),
    "enforcement:lead": Rule(SQUAD, args={"pk": "lead"}, note="the lead with its filing form"),
    "enforcement:lead_file": Rule(SQUAD, method="POST", args={"pk": "lead"}),
    "enforcement:lead_transfer": Rule(SQUAD, method="POST", args={"pk": "lead"}),
    "enforcement:transfers": Rule(ALL, note="others of the township see an empty list"),
    "enforcement:transfer_act": Rule(NOBODY, method="POST", args={"pk": "transfer", "name": "=accept"}),
    "enforcement:case": Rule(CASE_READERS, args={"pk": "case"}),
    "enforcement:case_act": Rule(CASE_READERS, method="POST", args={"pk": "case", "name": "=evidence"}),
    "enforcement:inspections": Rule(ENFORCERS),
    "enforcement:inspection_new": Rule(SQUAD, method="POST"),
    "enforcement:inspection": Rule(ALL, args={"pk": "inspection"}),
    "enforcement:inspection_act": Rule(SQUAD, method="POST", args={"pk": "inspection", "name": "=draw"}),
    "enforcement:public_inspections": Rule(ALL, public=True),
    "enforcement:public_decisions": Rule(ALL, public=True),
    "enforcement:meetings": Rule(ENFORCERS),
    "enforcement:meeting_new": Rule(SQUAD, method="POST"),
    "enforcement:meeting": Rule(ENFORCERS, args={"pk": "meeting"}),
    "enforcement:meeting_act": Rule(SQUAD, method="POST", args={"pk": "meeting", "name": "=agenda"}),
    "enforcement:training_new": Rule(SQUAD, method="POST", args={"what": "=session"}),
    "enforcement:training_session": Rule(ENFORCERS, args={"pk": "training_session"}),
    "enforcement:training_attendance": Rule(SQUAD, method="POST", args={"pk": "training_session"}),
    "enforcement:exam": Rule(ENFORCERS, args={"pk": "exam"}),
    "enforcement:exam_result": Rule(SQUAD, method="POST", args={"pk": "exam"}),
    "enforcement:meeting_task_done": Rule(ENFORCERS, method="POST", args={"pk": "meeting_task"}),
    "enforcement:simplified_new": Rule(ENFORCERS, method="POST"),
    "enforcement:lead_act": Rule(SQUAD, method="POST", args={"pk": "lead", "name": "=dismiss"}),
    "enforcement:training": Rule(ENFORCERS),
    # Grids: grid workers report, the command centre operates; the grid map is public; Open311 is public.
    "grids:report": Rule(only("operator", "grid_worker")),
    "grids:command_centre": Rule(OPERATOR),
    "grids:map_data": Rule(only("operator", "grid_worker")),
    "grids:event_detail": Rule(ALL, args={"pk": "event"}),
    "grids:event_action": Rule(ALL, method="POST", args={"pk": "event", "action": "=dispatch"}),
    "grids:acknowledge": Rule(ALL, method="POST", args={"pk": "whistle_call"}),
    "grids:public_grids": Rule(ALL, public=True),
    "grids:assessment": Rule(OPERATOR),
    "grids:import": Rule(OPERATOR),
    "grids:export": Rule(OPERATOR, args={"kind": "=grids"}),
    "grids:manage": Rule(OPERATOR),
    "grids:create_grid": Rule(OPERATOR, method="POST"),
    "grids:merge_grids": Rule(OPERATOR, method="POST"),
    "grids:record_departmental": Rule(OPERATOR, method="POST"),
    "grids:split_grid": Rule(OPERATOR, args={"code": "grid"}),
    "grids:departmental": Rule(ALL, public=True),
    "grids:drills": Rule(OPERATOR),
    "grids:my_drill_tasks": Rule(ALL),
    "grids:drill_detail": Rule(ALL, args={"pk": "drill"}),
    "grids:finish_drill": Rule(ALL, method="POST", args={"pk": "drill"}, note="refused by a message (redirect)"),
    "grids:drill_task_action": Rule(ALL, method="POST", args={"pk": "drill_task", "action": "=acknowledge"}),
    "open311_services": Rule(ALL, public=True, args={"fmt": "=json"}),
    "open311_service": Rule(ALL, public=True, args={"code": "category", "fmt": "=json"}),
    # GeoReport v2 publishes a request's description (never the reporter's name or phone).
    "open311_requests": Rule(ALL, public=True, args={"fmt": "=json"}, may_show=(EVENT_TEXT,)),
    "open311_request": Rule(ALL, public=True, args={"number": "event", "fmt": "=json"}, may_show=(EVENT_TEXT,)),
}

# API operations, by "METHOD /path/{param}/". The object in the URL is found from the collection name
# before the parameter (API_OBJECTS); the scope is the app's (by path) unless the line says otherwise.
OPERATIONS = {
    # Kernel mechanisms: assessment, stationed units and secondments (scope assessment:read/write).
    "GET /api/v1/assessment/drill-down/": Rule(only("editor", "leader", "operator", "squad_leader")),
    "GET /api/v1/assessment/scorecard/": Rule(only("editor", "leader", "operator", "squad_leader")),
    "GET /api/v1/assessment/weights/{subject}/": Rule(only("editor", "leader", "operator", "squad_leader")),
    "PUT /api/v1/assessment/weights/{subject}/": Rule(EDITOR),
    "GET /api/v1/stationed-units/": Rule(ALL),
    "GET /api/v1/stationed-units/{id}/": Rule(ALL),
    "PATCH /api/v1/stationed-units/{id}/": Rule(EDITOR),
    "POST /api/v1/stationed-units/{id}/department-score/": Rule(EDITOR),
    "GET /api/v1/secondments/": Rule(only("editor", "leader")),
    "GET /api/v1/secondments/over-limit/": Rule(only("editor", "leader")),
    "GET /api/v1/secondments/{id}/": Rule(only("editor", "leader")),
    "POST /api/v1/secondments/{id}/end/": Rule(only("editor", "leader")),
    "POST /api/v1/secondments/": Rule(ALL, note="the body is checked first; the service checks the role"),
    "GET /api/v1/catalogs/imposed-inspections/": Rule(ALL),
    "POST /api/v1/catalogs/imposed-inspections/": Rule(ALL),
    "GET /api/v1/catalogs/inspection-plans/": Rule(ALL),
    "GET /api/v1/catalogs/inspection-plans/{id}/": Rule(EDITOR, note="a draft plan: the county's editors only"),
    "POST /api/v1/catalogs/inspection-plans/{id}/approve/": Rule(ALL),
    "POST /api/v1/catalogs/inspection-plans/{id}/entries/": Rule(ALL),
    "GET /api/v1/catalogs/imposed-inspections/{id}/": Rule(ALL),
    "POST /api/v1/catalogs/inspection-plans/": Rule(ALL),
    "GET /api/v1/grids/departmental-grids/": Rule(ALL),
    "GET /api/v1/grids/departmental-grids/covering/": Rule(ALL),
    "GET /api/v1/grids/departmental-grids/{id}/": Rule(ALL, shared=True, note="public: see grids:departmental"),
    "POST /api/v1/grids/departmental-grids/": Rule(ALL),
    "GET /api/v1/grids/handovers/": Rule(ALL),
    "GET /api/v1/grids/handovers/{id}/": Rule(ALL),
    "POST /api/v1/grids/handovers/{id}/receive/": Rule(ALL),
    "GET /api/v1/enforcement/certificates/expiring/": Rule(ALL),
    "GET /api/v1/enforcement/exams/": Rule(ALL),
    "GET /api/v1/enforcement/exams/{id}/": Rule(ALL),
    "POST /api/v1/enforcement/exams/{id}/results/": Rule(ALL),
    "GET /api/v1/enforcement/meetings/{id}/": Rule(ALL),
    "POST /api/v1/enforcement/meetings/{id}/agenda/": Rule(ALL),
    "POST /api/v1/enforcement/meetings/{id}/decisions/": Rule(ALL),
    "GET /api/v1/enforcement/training-sessions/{id}/": Rule(ALL),
    "POST /api/v1/enforcement/training-sessions/{id}/attendance/": Rule(ALL),
    "POST /api/v1/enforcement/exams/": Rule(ALL, note="the body is checked first; the service checks the role"),
    "GET /api/v1/enforcement/meetings/": Rule(ALL),
    "POST /api/v1/enforcement/meetings/": Rule(ALL, note="as above"),
    "GET /api/v1/enforcement/meeting-tasks/": Rule(ALL),
    "GET /api/v1/enforcement/meeting-tasks/{id}/": Rule(ALL),
    "POST /api/v1/enforcement/meeting-tasks/{id}/complete/": Rule(ALL),
    "GET /api/v1/enforcement/training-sessions/": Rule(ALL),
    "POST /api/v1/enforcement/training-sessions/": Rule(ALL, note="as above"),
    # Catalogs: published lists are readable by everyone signed in; drafts and their items by the county's editors.
    "DELETE /api/v1/catalogs/power-items/{id}/": Rule(only("editor")),
    "DELETE /api/v1/catalogs/service-items/{id}/": Rule(only("editor")),
    "DELETE /api/v1/catalogs/territorial-matters/{id}/": Rule(only("editor")),
    "GET /api/v1/catalogs/admission-requests/": Rule(ALL),
    "GET /api/v1/catalogs/admission-requests/{id}/": Rule(only("editor")),
    "GET /api/v1/catalogs/data-resources/": Rule(ALL),
    "GET /api/v1/catalogs/data-resources/figures/": Rule(ALL),
    "GET /api/v1/catalogs/data-resources/{id}/": Rule(ALL, shared=True),
    "GET /api/v1/catalogs/data-subscriptions/": Rule(ALL),
    "GET /api/v1/catalogs/data-subscriptions/{id}/": Rule(only("editor")),
    "GET /api/v1/catalogs/empowerment-batches/": Rule(ALL),
    "GET /api/v1/catalogs/empowerment-batches/{id}/": Rule(ALL, shared=True),
    "GET /api/v1/catalogs/power-items/": Rule(ALL),
    "GET /api/v1/catalogs/power-items/{id}/": Rule(only("editor")),
    "GET /api/v1/catalogs/service-items/": Rule(ALL),
    "GET /api/v1/catalogs/service-items/{id}/": Rule(ALL, shared=True),
    "GET /api/v1/catalogs/territorial-matters/": Rule(ALL),
    "GET /api/v1/catalogs/territorial-matters/{id}/": Rule(only("editor")),
    "GET /api/v1/catalogs/townships/{code}/powers/": Rule(ALL, shared=True),
    "GET /api/v1/catalogs/versions/": Rule(ALL),
    "GET /api/v1/catalogs/versions/{id}/": Rule(only("editor")),
    "GET /api/v1/catalogs/versions/{id}/compare/": Rule(only("editor")),
    "GET /api/v1/catalogs/versions/{id}/export/": Rule(only("editor")),
    "GET /api/v1/catalogs/versions/{id}/summary/": Rule(only("editor")),
    "PATCH /api/v1/catalogs/power-items/{id}/": Rule(only("editor")),
    "PATCH /api/v1/catalogs/service-items/{id}/": Rule(ALL, note="a published item: 400 for everyone"),
    "PATCH /api/v1/catalogs/territorial-matters/{id}/": Rule(only("editor")),
    "PATCH /api/v1/catalogs/versions/{id}/": Rule(only("editor")),
    "POST /api/v1/catalogs/admission-requests/": Rule(ALL),
    "POST /api/v1/catalogs/admission-requests/{id}/review/": Rule(only("editor")),
    "POST /api/v1/catalogs/data-resources/": Rule(ALL),
    "POST /api/v1/catalogs/data-subscriptions/": Rule(ALL),
    "POST /api/v1/catalogs/data-subscriptions/{id}/decide/": Rule(ALL),
    "POST /api/v1/catalogs/empowerment-batches/": Rule(ALL),
    "POST /api/v1/catalogs/empowerment-batches/{id}/adjust/": Rule(ALL),
    "POST /api/v1/catalogs/power-items/": Rule(ALL),
    "POST /api/v1/catalogs/service-items/": Rule(ALL),
    "POST /api/v1/catalogs/territorial-matters/": Rule(ALL),
    "POST /api/v1/catalogs/versions/": Rule(ALL),
    "POST /api/v1/catalogs/versions/{id}/draft/": Rule(only("editor")),
    "POST /api/v1/catalogs/versions/{id}/import_items/": Rule(ALL),
    "POST /api/v1/catalogs/versions/{id}/transition/": Rule(ALL),
    # Approvals: reads by the window, the back office and the leader (others of the township get an empty
    # list); writes check the role in the service (an empty body is refused with 400 before that check, hence
    # ALL for many writes).
    "GET /api/v1/approvals/applications/": Rule(ALL, note="others of the township get an empty list"),
    "GET /api/v1/approvals/applications/sync/": Rule(ALL, note="as above"),
    "GET /api/v1/approvals/applications/{number}/": Rule(APPLICATION_READERS),
    "POST /api/v1/approvals/applications/": Rule(ALL),
    "POST /api/v1/approvals/applications/{number}/accept/": Rule(only("clerk")),
    "POST /api/v1/approvals/applications/{number}/decide/": Rule(ALL),
    "POST /api/v1/approvals/applications/{number}/extend/": Rule(ALL),
    "POST /api/v1/approvals/applications/{number}/issue/": Rule(ALL),
    "POST /api/v1/approvals/applications/{number}/notice/": Rule(only("clerk")),
    "POST /api/v1/approvals/applications/{number}/rate/": Rule(ALL),
    "POST /api/v1/approvals/applications/{number}/refuse/": Rule(ALL),
    "POST /api/v1/approvals/applications/{number}/resume/": Rule(only("approver")),
    "POST /api/v1/approvals/applications/{number}/send/": Rule(only("clerk")),
    "POST /api/v1/approvals/applications/{number}/supplement/": Rule(ALL),
    "POST /api/v1/approvals/applications/{number}/suspend/": Rule(ALL),
    "POST /api/v1/approvals/applications/{number}/withdraw/": Rule(ALL),
    # The kernel: reference data and the caller's own notifications (no scope needed).
    "GET /api/v1/calendar/add-working-days/": Rule(ALL),
    # The kernel: reference data and the caller's own notifications (no scope needed).
    "GET /api/v1/divisions/": Rule(ALL),
    "GET /api/v1/divisions/{code}/": Rule(ALL),
    "POST /api/v1/divisions/": Rule(NOBODY),
    # Enforcement: cases, leads and transfers of the township for the squad, the legal reviewer and the leader
    # (others of the township get empty lists); published decisions are public (masked).
    "GET /api/v1/enforcement/cases/": Rule(ALL, note="others of the township get an empty list"),
    "GET /api/v1/enforcement/cases/{id}/": Rule(CASE_READERS),
    "GET /api/v1/enforcement/decisions/": Rule(ALL, public=True),
    "GET /api/v1/enforcement/decisions/{id}/": Rule(ALL, public=True),
    "GET /api/v1/enforcement/leads/": Rule(ALL, note="as above"),
    "GET /api/v1/enforcement/leads/{id}/": Rule(CASE_READERS),
    "GET /api/v1/enforcement/transfers/": Rule(ALL, note="as above"),
    "GET /api/v1/enforcement/transfers/{id}/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/": Rule(ALL),
    "POST /api/v1/enforcement/cases/simplified/": Rule(ALL),
    "POST /api/v1/enforcement/cases/{id}/assign/": Rule(only("squad_leader")),
    "POST /api/v1/enforcement/cases/{id}/close/": Rule(only("squad_leader")),
    "POST /api/v1/enforcement/cases/{id}/criminal-decide/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/criminal-handover/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/criminal/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/decide/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/defence/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/discussion/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/evidence/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/execute/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/extend/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/hearing-conclude/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/hearing-request/": Rule(only("officer", "squad_leader")),
    "POST /api/v1/enforcement/cases/{id}/hearing-schedule/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/legal-review-decide/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/legal-review/": Rule(only("officer", "squad_leader")),
    "POST /api/v1/enforcement/cases/{id}/mark/": Rule(only("squad_leader")),
    "POST /api/v1/enforcement/cases/{id}/notice/": Rule(ALL),
    "POST /api/v1/enforcement/cases/{id}/publish/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/reassign/": Rule(ALL),
    "POST /api/v1/enforcement/cases/{id}/resume/": Rule(only("squad_leader")),
    "POST /api/v1/enforcement/cases/{id}/serve/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/cases/{id}/suspend/": Rule(ALL),
    "POST /api/v1/enforcement/cases/{id}/withdraw/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/leads/": Rule(ALL),
    "POST /api/v1/enforcement/leads/{id}/dismiss/": Rule(ALL),
    "POST /api/v1/enforcement/leads/{id}/hand-over/": Rule(ALL),
    "POST /api/v1/enforcement/transfers/": Rule(ALL),
    "POST /api/v1/enforcement/transfers/{id}/accept/": Rule(NOBODY),
    "POST /api/v1/enforcement/transfers/{id}/coordinate/": Rule(CASE_READERS),
    "POST /api/v1/enforcement/transfers/{id}/keep/": Rule(only("squad_leader")),
    "POST /api/v1/enforcement/transfers/{id}/refer/": Rule(only("squad_leader")),
    "POST /api/v1/enforcement/transfers/{id}/return/": Rule(NOBODY),
    # Grids: events, whistles, drills of the township; categories and the grid list are county-wide.
    "GET /api/v1/grids/categories/": Rule(ALL),
    "GET /api/v1/grids/categories/{code}/": Rule(ALL, shared=True),
    "GET /api/v1/grids/drill-tasks/": Rule(ALL),
    "GET /api/v1/grids/drill-tasks/{id}/": Rule(ALL),
    "GET /api/v1/grids/drills/": Rule(ALL),
    "GET /api/v1/grids/drills/response-times/": Rule(ALL),
    "GET /api/v1/grids/drills/{id}/": Rule(ALL),
    "GET /api/v1/grids/events/": Rule(ALL),
    "GET /api/v1/grids/events/{id}/": Rule(ALL),
    "GET /api/v1/grids/events/{id}/history/": Rule(ALL),
    "GET /api/v1/grids/events/{id}/photos/": Rule(ALL),
    "GET /api/v1/grids/grids/": Rule(ALL),
    "GET /api/v1/grids/grids/geojson/": Rule(ALL),
    "GET /api/v1/grids/grids/locate/": Rule(ALL),
    "GET /api/v1/grids/grids/{code}/": Rule(ALL),
    "GET /api/v1/grids/whistles/": Rule(ALL),
    "GET /api/v1/grids/whistles/{id}/": Rule(ALL),
    "GET /api/v1/grids/workers/": Rule(ALL),
    "GET /api/v1/grids/workers/{id}/": Rule(ALL),
    "POST /api/v1/grids/drill-tasks/{id}/acknowledge/": Rule(only("approver", "leader", "legal_reviewer")),
    "POST /api/v1/grids/drill-tasks/{id}/handle/": Rule(
        only("approver", "leader", "legal_reviewer"), note="staff of the unit the drill copy went to"
    ),
    "POST /api/v1/grids/drills/": Rule(OPERATOR),
    "POST /api/v1/grids/drills/{id}/finish/": Rule(only("operator")),
    "POST /api/v1/grids/events/": Rule(ALL),
    "POST /api/v1/grids/events/{id}/accept/": Rule(NOBODY),
    "POST /api/v1/grids/events/{id}/close/": Rule(only("operator")),
    "POST /api/v1/grids/events/{id}/dispatch/": Rule(ALL),
    "POST /api/v1/grids/events/{id}/escalate/": Rule(only("operator")),
    "POST /api/v1/grids/events/{id}/evaluate/": Rule(ALL),
    "POST /api/v1/grids/events/{id}/feedback/": Rule(ALL),
    "POST /api/v1/grids/events/{id}/hand-over/": Rule(only("operator")),
    "POST /api/v1/grids/events/{id}/register/": Rule(only("operator")),
    "POST /api/v1/grids/events/{id}/reject/": Rule(ALL),
    "POST /api/v1/grids/events/{id}/send-back/": Rule(ALL),
    "POST /api/v1/grids/events/{id}/verify/": Rule(only("grid_worker")),
    "POST /api/v1/grids/events/{id}/whistle/": Rule(ALL),
    "POST /api/v1/grids/grids/": Rule(ALL),
    "POST /api/v1/grids/grids/merge/": Rule(ALL),
    "POST /api/v1/grids/grids/{code}/split/": Rule(ALL),
    "POST /api/v1/grids/whistles/{id}/acknowledge/": Rule(ALL),
    # The kernel: reference data and the caller's own notifications (no scope needed).
    "GET /api/v1/me/": Rule(ALL),
    # The kernel: reference data and the caller's own notifications (no scope needed).
    "GET /api/v1/notifications/": Rule(ALL),
    "GET /api/v1/notifications/{id}/": Rule(only("clerk")),
    "POST /api/v1/notifications/read/": Rule(ALL),
    # The kernel's directory: organisations and staff (names, phones); a token needs directory:read.
    "GET /api/v1/organisations/": Rule(ALL),
    "GET /api/v1/organisations/{id}/": Rule(ALL),
    # The kernel: reference data and the caller's own notifications (no scope needed).
    "GET /api/v1/ping/": Rule(ALL, public=True),
    # The kernel's directory, as above.
    "GET /api/v1/staff/": Rule(ALL),
    "GET /api/v1/staff/{id}/": Rule(ALL),
}
# -----------------------------------------------------------------------------------------------------

# The collection named before a path parameter of an operation -> the home township's object it names.
API_OBJECTS = {
    "applications": "application",
    "versions": "draft_version",
    "power-items": "draft_item",
    "territorial-matters": "territorial_matter",
    "service-items": "service_item",
    "empowerment-batches": "batch",
    "admission-requests": "admission",
    "data-resources": "resource",
    "data-subscriptions": "subscription",
    "townships": "home_township",
    "divisions": "home_township",
    "cases": "case",
    "leads": "lead",
    "transfers": "transfer",
    "decisions": "publication",
    "categories": "category",
    "grids": "grid",
    "workers": "grid_worker",
    "events": "event",
    "whistles": "whistle",
    "notifications": "notification",
    "organisations": "organisation",
    "staff": "clerk_profile",
    "drills": "drill",
    "drill-tasks": "drill_task",
    "departmental-grids": "departmental_grid",
    "stationed-units": "stationed_unit",
    "secondments": "secondment",
    "weights": "=township",
    "exams": "exam",
    "meetings": "meeting",
    "handovers": "handover",
    "inspection-plans": "burden_plan",
    "imposed-inspections": "imposed_inspection",
    "meeting-tasks": "meeting_task",
    "training-sessions": "training_session",  # an assessment subject kind, not an object
}
# URL values that identify an object by something else than its primary key.
NATURAL_KEYS = {
    ("number", "application"): "number",
    ("number", "event"): "number",
    ("code", "category"): "code",
    ("code", "grid"): "code",
    ("code", "home_township"): "code",
}
# Operations outside every scope: the kernel's reference data and the caller's own things, which any
# authenticated client may read whatever its scopes. (The directory, organisations and staff with their
# phones, asks for `directory:read`.)
UNSCOPED = (
    "/api/v1/ping/",
    "/api/v1/me/",
    "/api/v1/calendar/",
    "/api/v1/divisions/",
    "/api/v1/notifications/",
)


def obj_value(world, name: str, param: str):
    if name.startswith("="):
        return name[1:]
    if name == "licence_ref":
        return f"p-{world.objects['licence'].pk}"
    if name == "home_township":
        return world.home.code
    if name == "home_township_pk":
        return world.home.pk
    if name == "clerk_profile":
        return world.users["clerk"].staff.pk
    obj = world.objects[name]
    return getattr(obj, NATURAL_KEYS.get((param, name), "pk"))


def path_of(world, endpoint: m.Endpoint, rule: Rule | None):
    """The endpoint's URL with the home township's objects in it, and whether it names one."""
    path, names_object = endpoint.route, False
    for param in endpoint.params:
        if endpoint.kind == "api":
            collection = path.split("{" + param + "}")[0].rstrip("/").split("/")[-1]
            name = API_OBJECTS.get(collection)
            if name is None:
                raise LookupError(f"add the collection {collection!r} of {endpoint.key} to API_OBJECTS")
            path = path.replace("{" + param + "}", str(obj_value(world, name, param)), 1)
        else:
            name = (rule.args if rule else {}).get(param)
            if name is None:
                raise LookupError(f"say which object {endpoint.key} takes as <{param}>: Rule(args={{{param!r}: ...}})")
            path = m.ROUTE_PARAM.sub(str(obj_value(world, name, param)).replace("\\", r"\\"), path, count=1)
        names_object = names_object or not name.startswith("=")
    if rule and rule.query:
        path += "?" + rule.query.format(**{k: getattr(v, "pk", v) for k, v in world.objects.items()})
    return path, names_object


def method_of(endpoint, rule):
    return endpoint.key.split()[0] if endpoint.kind == "api" else rule.method


def app_of(endpoint) -> str | None:
    parts = endpoint.route.split("/")
    return (
        parts[3] if endpoint.kind == "api" and parts[3] in ("catalogs", "approvals", "enforcement", "grids") else None
    )


def declared_scope(path: str, method: str) -> str | None:
    """The scope the view behind `path` asks of a token for `method` (its `required_scopes`)."""
    match = resolve(path.split("?")[0])
    view = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    scopes = getattr(view, "required_scopes", None) or {}
    return scopes.get("read" if method in ("GET", "HEAD", "OPTIONS") else "write")


def refused(answer) -> bool:
    return answer.status in (403, 404)


def passes(answer) -> bool:
    return answer.status < 500 and answer.status not in (401, 403, 404) and not answer.to_login


def suggestion(world, endpoint) -> str:
    """A line for the table, from what the endpoint does today (to be checked by the developer)."""
    method = endpoint.key.split()[0] if endpoint.kind == "api" else "GET"
    try:
        path, _names = path_of(world, endpoint, Rule(ALL, args={p: "?" for p in endpoint.params}))
    except (LookupError, KeyError, AttributeError):
        return f'"{endpoint.key}": Rule(..., args={{...}}),  # say which object each parameter takes'
    answers = [m.ask(world, role, method, path) for role in m.HOME_ROLES]
    if endpoint.kind == "page" and all(a.status == 405 for a in answers):
        method = "POST"
        answers = [m.ask(world, role, method, path) for role in m.HOME_ROLES]
    roles = sorted(a.principal for a in answers if passes(a))
    anonymous = m.ask(world, "anonymous", method, path)
    extra = (', method="POST"' if endpoint.kind == "page" and method == "POST" else "") + (
        ", public=True" if anonymous.status == 200 else ""
    )
    return f'"{endpoint.key}": Rule(only{tuple(roles)}{extra}),'


PAGE_LIST = m.pages()
OPERATION_LIST = m.operations()
ENDPOINTS = PAGE_LIST + OPERATION_LIST
TABLE = {**PAGES, **OPERATIONS}


def test_every_endpoint_has_a_line_in_the_matrix(world, db):
    missing = [e for e in ENDPOINTS if e.key not in TABLE]
    record_figures(
        "permission_matrix",
        {
            "pages": len(PAGE_LIST),
            "api_operations": len(OPERATION_LIST),
            # nine home roles, nine of another township, an anonymous visitor; API operations also a token
            "requests_per_run": len(PAGE_LIST) * (2 * len(m.HOME_ROLES) + 1)
            + len(OPERATION_LIST) * (2 * len(m.HOME_ROLES) + 2),
            "endpoints_without_expectation": len(missing),
        },
    )
    assert not missing, (
        "These endpoints have no line in the permission matrix (tests/trust/test_permission_matrix.py, "
        "PAGES or OPERATIONS). Add one saying who may use them; what they do today would be:\n  "
        + "\n  ".join(suggestion(world, e) for e in missing)
    )


def test_no_line_for_an_endpoint_that_is_gone():
    keys = {e.key for e in ENDPOINTS}
    assert not [key for key in TABLE if key not in keys], "remove these lines: the endpoints are gone"


def test_every_api_route_is_in_the_schema():
    # A route the schema leaves out would escape this matrix and the fuzzer alike.
    assert not m.api_routes_outside_schema(OPERATION_LIST)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.key)
def test_matrix(world, db, endpoint):
    rule = TABLE.get(endpoint.key)
    assert rule is not None, (
        f"{endpoint.key} has no line in the matrix: see test_every_endpoint_has_a_line_in_the_matrix"
    )
    method = method_of(endpoint, rule)
    path, names_object = path_of(world, endpoint, rule)
    problems = []

    def check(ok, answer, why):
        if answer.status >= 500:
            problems.append(f"{answer}: server error")
        elif not ok:
            problems.append(f"{answer}: {why}")

    for role in m.HOME_ROLES:
        answer = m.ask(world, role, method, path)
        if rule.public:
            check(answer.status < 400, answer, "public, should answer")
        elif role in rule.roles:
            check(passes(answer), answer, "should get past the gate")
        else:
            check(refused(answer), answer, "should be refused (403/404)")
    for role in m.HOME_ROLES:
        answer = m.ask(world, f"other_{role}", method, path)
        answer.leaked = [s for s in answer.leaked if s not in rule.may_show]
        check(not answer.leaked, answer, f"shows the home township's data {answer.leaked}")
        if rule.public:
            check(answer.status < 400, answer, "public, should answer")
        elif names_object and not rule.shared:
            # A write may refuse the empty body before looking the object up: nothing is shown or changed.
            check(refused(answer) or (method != "GET" and answer.status == 400), answer, "another township's object")
        elif role in rule.roles:
            check(passes(answer), answer, "should get past the gate (for its own township)")
        else:
            check(refused(answer), answer, "should be refused (403/404)")
    anonymous = m.ask(world, "anonymous", method, path)
    anonymous.leaked = [s for s in anonymous.leaked if s not in rule.may_show]
    check(not anonymous.leaked, anonymous, f"shows personal data to anyone {anonymous.leaked}")
    if rule.public:
        check(anonymous.status < 400, anonymous, "public, should answer")
    else:
        check(anonymous.to_login or anonymous.status in (401, 403), anonymous, "needs a login")
    if endpoint.kind == "api":
        scope = declared_scope(path, method)
        if scope is None and not endpoint.route.startswith(UNSCOPED) and not rule.public:
            problems.append("declares no token scope: give the view required_scopes, or add it to UNSCOPED")
        if scope and app_of(endpoint) and not scope.startswith(app_of(endpoint)):
            problems.append(f"asks for {scope}, not a scope of its app {app_of(endpoint)}")
        if scope and rule.scope and not rule.public:
            token = m.ask(world, f"token:{scope}", method, path)
            check(token.status == 403 and not token.leaked, token, f"token without {scope} should get 403")
        else:
            token = m.ask(world, "token", method, path)
            check(token.status != 401, token, "any valid token may use it")
    assert not problems, f"{method} {path}\n  " + "\n  ".join(problems)
