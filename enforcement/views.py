"""Pages of the enforcement app. Thin: reads through selectors, every write through a service.

A refused action (a legal rule, a wrong state, another township) re-renders the page with the reason and a
4xx status, and nothing is changed.
"""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enforcement import forms, selectors, services
from enforcement.models import Decision, InspectionPlan, InspectionTarget, LegalReview, Publication, Transfer
from enforcement.states import CaseStatus, IllegalTransition, InspectionPlanStatus, LeadStatus, state_label
from ruian.staff import Role, StaffProfile, has_role


def _profile(user):
    """The user's staff profile with its organisation and division, read in one query once per request."""
    if not hasattr(user, "_enforcement_profile"):
        user._enforcement_profile = (
            StaffProfile.objects.filter(user=user).select_related("organisation__division").first()
        )
    return user._enforcement_profile


def _township(user):
    profile = _profile(user)
    organisation = getattr(profile, "organisation", None)
    if organisation is None:
        raise PermissionDenied(_("您没有所属机构。"))
    return organisation.scope_division


def _require(user, *roles):
    if not (user.is_superuser or has_role(user, *roles)):
        raise PermissionDenied(_("您的角色不能使用此页面。"))


def _error_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("您没有执行此操作的权限。")


def _attempt(request, action, success_message, on_error):
    """Run a service; on refusal show the page again with the reason and a 4xx status."""
    try:
        action()
    except IllegalTransition as error:
        messages.error(request, _error_text(error))
        return on_error(409)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return on_error(400)
    except PermissionDenied as error:
        messages.error(request, _error_text(error))
        return on_error(403)
    messages.success(request, success_message)
    return None


# --- squad leader --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _lead_form_fields(language):
    """The board's empty lead form, rendered once per language: its fields hold nothing of the request, and their
    widgets' templates cost more than the rest of the form."""
    return mark_safe(render_to_string("enforcement/_lead_form_fields.html", {"form": forms.LeadForm()}))


@login_required
def board(request, status=200):
    _require(request.user, Role.SQUAD_LEADER)
    township = _township(request.user)
    context = selectors.board(
        request.user,
        township,
        page=request.GET.get("page"),
        leads_page=request.GET.get("leads_page"),
        profile=_profile(request.user),
    )
    departments = forms.TransferLeadForm(township=township).fields["department"].queryset
    context.update(
        township=township,
        # Listed once on the page, in the lead actions' shared forms (each row's buttons post them to its URL).
        departments=departments.values_list("pk", "name"),
        lead_form_fields=_lead_form_fields(get_language()),
    )
    return render(request, "enforcement/board.html", context, status=status)


def _lead_page(request, lead, form=None, status=200):
    """A lead with its filing form; re-rendered with the form's errors when filing is refused."""
    if form is None:
        form = forms.FileLeadForm(township=lead.township, initial={"power": lead.power_id, "title": lead.summary})
    selectors.colour_rows([lead], timezone.now())
    context = {
        "lead": lead,
        "form": form,
        "can_file": lead.status == LeadStatus.NEW,
        "status_label": LeadStatus(lead.status).label,
    }
    return render(request, "enforcement/lead_detail.html", context, status=status)


@login_required
def lead_detail(request, pk):
    """The page a squad leader files a lead from: the lead's details and one filing form, whose <select> lists
    the penalty powers the township holds today (hundreds at province scale) once."""
    _require(request.user, Role.SQUAD_LEADER)
    lead = get_object_or_404(selectors.leads_for(request.user), pk=pk)
    return _lead_page(request, lead)


@login_required
@require_POST
def lead_file(request, pk):
    _require(request.user, Role.SQUAD_LEADER)
    lead = get_object_or_404(selectors.leads_for(request.user), pk=pk)
    form = forms.FileLeadForm(request.POST, township=lead.township)
    if not form.is_valid():
        messages.error(request, _("请选择处罚事项并填写案由。"))
        return _lead_page(request, lead, form, status=400)
    result = {}

    def act():
        result["case"] = services.case_file(
            township=lead.township,
            power=form.cleaned_data["power"],
            title=form.cleaned_data["title"],
            actor=request.user,
            lead=lead,
        )

    refused = _attempt(request, act, _("已立案。"), lambda code: _lead_page(request, lead, form, status=code))
    return refused or redirect("enforcement:case", pk=result["case"].pk)


@login_required
@require_POST
def lead_transfer(request, pk):
    _require(request.user, Role.SQUAD_LEADER)
    lead = get_object_or_404(selectors.leads_for(request.user), pk=pk)
    form = forms.TransferLeadForm(request.POST, township=lead.township)
    if not form.is_valid():
        messages.error(request, _("请填写移送理由。"))
        return board(request, status=400)
    refused = _attempt(
        request,
        lambda: services.lead_transfer(
            lead=lead,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            department=form.cleaned_data["department"],
        ),
        _("已移送,并抄告相关部门。"),
        lambda code: board(request, status=code),
    )
    return refused or redirect("enforcement:board")


@login_required
@require_POST
def lead_act(request, pk, name):
    """Hand a lead over to another officer (first-inquiry responsibility moves with it), or dismiss it."""
    _require(request.user, Role.SQUAD_LEADER, Role.OFFICER)
    lead = get_object_or_404(selectors.leads_for(request.user), pk=pk)
    if name == "hand_over":
        to_user = forms.officers_of(lead.township).filter(pk=request.POST.get("to_user") or None).first()
        if to_user is None:
            messages.error(request, _("请选择接收人。"))
            return board(request, status=400)

        def action():
            services.lead_hand_over(
                lead=lead, to_user=to_user, actor=request.user, reason=request.POST.get("reason", "")
            )

        message = _("线索已移交,首问责任随之转移。")
    elif name == "dismiss":

        def action():
            services.lead_dismiss(lead=lead, reason=request.POST.get("dismiss_reason", ""), actor=request.user)

        message = _("已决定不予立案。")
    else:
        raise Http404
    refused = _attempt(request, action, message, lambda code: board(request, status=code))
    return refused or redirect("enforcement:board")


@login_required
@require_POST
def lead_new(request):
    """A lead taken on patrol or from a complaint: whoever registers it owns it (首问负责)."""
    _require(request.user, Role.SQUAD_LEADER, Role.OFFICER)
    township = _township(request.user)
    form = forms.LeadForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("enforcement:board" if has_role(request.user, Role.SQUAD_LEADER) else "enforcement:my_cases")
    data = dict(form.cleaned_data)
    services.lead_create(
        township=township, source=data.pop("source"), summary=data.pop("summary"), actor=request.user, **data
    )
    messages.success(request, _("线索已登记,您是首问责任人。"))
    return redirect("enforcement:board" if has_role(request.user, Role.SQUAD_LEADER) else "enforcement:my_cases")


# --- transfers -----------------------------------------------------------------------------------------------


@login_required
def transfers(request, status=200):
    """Transfers the user's township sent or received, those addressed to the user's department, and (for the
    county government) those waiting for coordination."""
    rows = list(selectors.transfers_for(request.user)[:200])
    for row in rows:
        row.colour = selectors.clock_colour(row)
    return render(request, "enforcement/transfers.html", {"transfers": rows}, status=status)


TRANSFER_ACTIONS = {
    "accept": (lambda t, u, text: services.transfer_accept(transfer=t, actor=u, note=text), _("已接收。")),
    "return": (lambda t, u, text: services.transfer_return(transfer=t, actor=u, reason=text), _("已退回。")),
    "refer": (lambda t, u, text: services.transfer_refer(transfer=t, actor=u, reason=text), _("已提请县级协调。")),
    "keep": (lambda t, u, text: services.transfer_keep(transfer=t, actor=u, reason=text), _("已自行处理。")),
    "to_department": (
        lambda t, u, text: services.transfer_coordinate(transfer=t, department_competent=True, note=text, actor=u),
        _("协调意见: 由县级部门办理。"),
    ),
    "to_township": (
        lambda t, u, text: services.transfer_coordinate(transfer=t, department_competent=False, note=text, actor=u),
        _("协调意见: 由乡镇(街道)办理。"),
    ),
}


@login_required
@require_POST
def transfer_act(request, pk, name):
    transfer = get_object_or_404(
        Transfer.objects.filter(pk__in=selectors.transfers_for(request.user).values("pk")), pk=pk
    )
    if name not in TRANSFER_ACTIONS:
        raise Http404
    fn, message = TRANSFER_ACTIONS[name]
    text = request.POST.get("text", "")
    refused = _attempt(
        request, lambda: fn(transfer, request.user, text), message, lambda code: transfers(request, status=code)
    )
    return refused or redirect("enforcement:transfers")


# --- cases ---------------------------------------------------------------------------------------------------


@login_required
def my_cases(request, status=200, simplified_form=None):
    _require(request.user, Role.OFFICER, Role.SQUAD_LEADER)
    cases = list(selectors.my_cases(request.user)[:200])
    for case in cases:
        case.colour = selectors.clock_colour(case)
    form = simplified_form or forms.SimplifiedForm(township=_township(request.user), auto_id="simplified_%s")
    return render(request, "enforcement/my_cases.html", {"cases": cases, "simplified_form": form}, status=status)


@login_required
@require_POST
def simplified_new(request):
    """简易程序: a warning or a small fine decided and served on the spot (APL Art 51)."""
    _require(request.user, Role.OFFICER, Role.SQUAD_LEADER)
    township = _township(request.user)
    form = forms.SimplifiedForm(request.POST, township=township, auto_id="simplified_%s")
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return my_cases(request, status=400, simplified_form=form)
    data = dict(form.cleaned_data)
    result = {}

    def act():
        result["case"] = services.simplified_penalty(
            township=township, officers=list(data.pop("officers")), actor=request.user, **data
        )

    refused = _attempt(
        request,
        act,
        _("已当场作出并送达处罚决定(简易程序)。"),
        lambda code: my_cases(request, status=code, simplified_form=form),
    )
    return refused or redirect("enforcement:case", pk=result["case"].pk)


@login_required
def case_detail(request, pk, status=200):
    case = selectors.case_detail(request.user, pk)
    if case is None:
        raise Http404
    case.colour = selectors.clock_colour(case)
    township = case.township
    evidence = list(case.evidence.all())
    files = selectors.evidence_files(evidence)
    for item in evidence:
        item.files = files.get(item.pk, [])
    context = {
        "case": case,
        "timeline": _labelled(selectors.timeline(case)),
        "evidence": evidence,
        "assign_form": forms.AssignForm(township=township, auto_id=False),
        "evidence_form": forms.EvidenceForm(township=township, auto_id=False),
        "penalty_form": forms.PenaltyForm(
            auto_id=False, initial={"fine": case.proposed_fine, "measures": case.proposed_measures}
        ),
        "serve_form": forms.ServeForm(auto_id=False),
        "decide_form": forms.DecideForm(
            auto_id=False, initial={"fine": case.proposed_fine, "measures": case.proposed_measures}
        ),
        "reason_form": forms.ReasonForm(auto_id=False),
        "text_form": forms.TextForm(auto_id=False),
        "hearing_form": forms.HearingScheduleForm(township=township, auto_id=False),
        "extend_form": forms.ExtendForm(auto_id=False),
        "mark_form": forms.MarkForm(auto_id=False, initial={"major": case.major, "complex": case.complex}),
        "discussion_form": forms.DiscussionForm(auto_id=False),
        "execute_form": forms.ExecuteForm(auto_id=False),
        "criminal_form": forms.CriminalDecideForm(auto_id=False),
        "handover_form": forms.HandoverForm(auto_id=False),
        "is_leader": request.user.is_superuser or has_role(request.user, Role.SQUAD_LEADER),
        "Status": CaseStatus,
        "decision": getattr(case, "decision", None),
    }
    context["publication"] = getattr(context["decision"], "publication", None) if context["decision"] else None
    return render(request, "enforcement/case_detail.html", context, status=status)


def _labelled(entries):
    """Audit entries with their states as labels (the audit log stores codes such as "investigating")."""
    entries = list(entries)
    for entry in entries:
        entry.to_label = state_label(entry.to_state)
    return entries


def _case_or_404(request, pk):
    case = selectors.cases_for(request.user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


CASE_ACTIONS = {}


def case_action(name, form_class=None, message=""):
    """Register a case step of the page; `message` (lazily translated) is shown when the step succeeds."""

    def register(fn):
        CASE_ACTIONS[name] = (fn, form_class, message)
        return fn

    return register


@case_action("assign", forms.AssignForm, gettext_lazy("已指派承办人员。"))
def _assign(request, case, data):
    services.case_assign(case=case, officers=list(data["officers"]), actor=request.user)


@case_action("evidence", forms.EvidenceForm, gettext_lazy("已记录证据。"))
def _evidence(request, case, data):
    files = [data["file"]] if data.get("file") else []
    services.evidence_record(
        case=case,
        kind=data["kind"],
        description=data["description"],
        officers=list(data["officers"]),
        actor=request.user,
        files=files,
    )


@case_action("notice", forms.PenaltyForm, gettext_lazy("已送达事先告知书。"))
def _notice(request, case, data):
    from django.utils import timezone

    services.notice_serve(
        case=case,
        served_on=timezone.localdate(),
        fine=data["fine"],
        measures=data["measures"],
        actor=request.user,
        facts_and_basis=data["text"],
    )


@case_action("review", None, gettext_lazy("已提交法制审核。"))
def _review(request, case, data):
    services.legal_review_submit(case=case, actor=request.user)


@case_action("decide", forms.DecideForm, gettext_lazy("已作出处罚决定。"))
def _decide(request, case, data):
    services.case_decide(
        case=case,
        fine=data["fine"],
        measures=data["measures"],
        actor=request.user,
        reasoning=data["text"],
        hearing_waived=data["hearing_waived"],
    )


@case_action("serve", forms.ServeForm, gettext_lazy("已送达处罚决定书。"))
def _serve(request, case, data):
    services.decision_serve(case=case, method=data["method"], actor=request.user)


@case_action("publish", None, gettext_lazy("已公示(个人信息已脱敏)。"))
def _publish(request, case, data):
    decision = Decision.objects.filter(case=case).first()
    if decision is None:
        raise IllegalTransition(_("尚未作出处罚决定,不能公示。"), code="illegal_transition")
    services.decision_publish(decision=decision, actor=request.user)


@case_action("withdraw", forms.ReasonForm, gettext_lazy("已撤回公示。"))
def _withdraw(request, case, data):
    publication = Publication.objects.filter(decision__case=case).first()
    if publication is None:
        raise IllegalTransition(_("该决定尚未公示。"), code="illegal_transition")
    services.publication_withdraw(publication=publication, reason=data["reason"], actor=request.user)


@case_action("close", forms.ReasonForm, gettext_lazy("已结案。"))
def _close(request, case, data):
    services.case_close(case=case, actor=request.user, reason=data["reason"])


@case_action("defence", forms.TextForm, gettext_lazy("已记录陈述申辩。"))
def _defence(request, case, data):
    services.defence_record(case=case, content=data["text"], actor=request.user)


@case_action("hearing_request", None, gettext_lazy("已记录听证申请。"))
def _hearing_request(request, case, data):
    services.hearing_request(case=case, actor=request.user)


_open_hearing = selectors.open_hearing


@case_action("hearing_schedule", forms.HearingScheduleForm, gettext_lazy("已安排听证。"))
def _hearing_schedule(request, case, data):
    services.hearing_schedule(hearing=_open_hearing(case), actor=request.user, **data)


@case_action("hearing_conclude", forms.TextForm, gettext_lazy("已记录听证。"))
def _hearing_conclude(request, case, data):
    services.hearing_conclude(hearing=_open_hearing(case), record=data["text"], actor=request.user)


@case_action("suspend", forms.ReasonForm, gettext_lazy("案件已中止,决定期限暂停计算。"))
def _suspend(request, case, data):
    services.case_suspend(case=case, reason=data["reason"], actor=request.user)


@case_action("resume", None, gettext_lazy("案件已恢复办理。"))
def _resume(request, case, data):
    services.case_resume(case=case, actor=request.user)


@case_action("extend", forms.ExtendForm, gettext_lazy("已记录延期审批。"))
def _extend(request, case, data):
    services.case_extend(case=case, actor=request.user, **data)


@case_action("mark", forms.MarkForm, gettext_lazy("已更新案件标记。"))
def _mark(request, case, data):
    services.case_mark(
        case=case, actor=request.user, major=data["major"], complex=data["complex"], reason=data["reason"]
    )


@case_action("discuss", forms.DiscussionForm, gettext_lazy("已记录集体讨论。"))
def _discuss(request, case, data):
    services.discussion_record(case=case, actor=request.user, **data)


@case_action("execute", forms.ExecuteForm, gettext_lazy("已记录执行情况。"))
def _execute(request, case, data):
    services.case_execute(case=case, method=data["method"], paid_amount=data["paid_amount"], actor=request.user)


@case_action("criminal", forms.ReasonForm, gettext_lazy("已报请负责人审批移送公安。"))
def _criminal(request, case, data):
    services.criminal_propose(case=case, grounds=data["reason"], actor=request.user)


@case_action("criminal_decide", forms.CriminalDecideForm, gettext_lazy("已记录负责人决定。"))
def _criminal_decide(request, case, data):
    services.criminal_decide(case=case, approve=data["approve"], head_name=data["head_name"], actor=request.user)


@case_action("handover", forms.HandoverForm, gettext_lazy("已移送公安机关。"))
def _handover(request, case, data):
    services.criminal_hand_over(case=case, actor=request.user, **data)


@login_required
@require_POST
def case_act(request, pk, name):
    case = _case_or_404(request, pk)
    if name not in CASE_ACTIONS:
        raise Http404
    fn, form_class, message = CASE_ACTIONS[name]
    data = {}
    if form_class is not None:
        with_township = (forms.AssignForm, forms.EvidenceForm, forms.HearingScheduleForm)
        kwargs = {"township": case.township} if form_class in with_township else {}
        form = form_class(request.POST, request.FILES, **kwargs)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return case_detail(request, pk, status=400)
        data = form.cleaned_data
    refused = _attempt(
        request, lambda: fn(request, case, data), str(message), lambda code: case_detail(request, pk, code)
    )
    return refused or redirect("enforcement:case", pk=pk)


# --- legal reviewer ------------------------------------------------------------------------------------------


@login_required
def legal_queue(request, status=200):
    _require(request.user, Role.LEGAL_REVIEWER)
    reviews = selectors.legal_queue(request.user)
    return render(
        request, "enforcement/legal_queue.html", {"reviews": reviews, "form": forms.ReviewForm()}, status=status
    )


@login_required
@require_POST
def legal_review(request, pk):
    _require(request.user, Role.LEGAL_REVIEWER)
    review = get_object_or_404(
        LegalReview.objects.filter(pk__in=selectors.legal_queue(request.user).values("pk")), pk=pk
    )
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        return legal_queue(request, status=400)
    refused = _attempt(
        request,
        lambda: services.legal_review_decide(
            review=review,
            approve=form.cleaned_data["approve"],
            opinion=form.cleaned_data["opinion"],
            actor=request.user,
        ),
        _("审核意见已记录。"),
        lambda code: legal_queue(request, status=code),
    )
    return refused or redirect("enforcement:legal_queue")


# --- random inspections (双随机一公开) ---------------------------------------------------------------------------


@login_required
def inspections(request, status=200):
    _require(request.user, Role.SQUAD_LEADER, Role.OFFICER)
    plans = selectors.inspection_plans_for(request.user).order_by("-starts_on", "-id")[:100]
    context = {"plans": plans, "form": forms.InspectionPlanForm(), "visits": selectors.visits_saved()}
    return render(request, "enforcement/inspections.html", context, status=status)


@login_required
@require_POST
def inspection_new(request):
    _require(request.user, Role.SQUAD_LEADER)
    form = forms.InspectionPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return inspections(request, status=400)
    result = {}

    def act():
        result["plan"] = services.inspection_plan_create(
            township=_township(request.user), actor=request.user, **form.cleaned_data
        )

    refused = _attempt(request, act, _("已创建抽查计划。"), lambda code: inspections(request, status=code))
    return refused or redirect("enforcement:inspection", pk=result["plan"].pk)


@login_required
def inspection_detail(request, pk, status=200):
    plan = get_object_or_404(selectors.inspection_plans_for(request.user), pk=pk)
    targets = plan.targets.select_related("subject").prefetch_related("inspectors").order_by("position")
    return render(request, "enforcement/inspection_detail.html", {"plan": plan, "targets": targets}, status=status)


@login_required
@require_POST
def inspection_act(request, pk, name):
    plan = get_object_or_404(selectors.inspection_plans_for(request.user), pk=pk)
    actions = {
        "draw": lambda: services.inspection_draw(plan=plan, actor=request.user),
        "publish": lambda: services.inspection_publish(plan=plan, actor=request.user),
        "result": lambda: services.inspection_record_result(
            target=get_object_or_404(plan.targets, pk=request.POST.get("target")),
            result=request.POST.get("result", ""),
            ok=request.POST.get("ok") == "1",
            actor=request.user,
        ),
    }
    if name not in actions:
        raise Http404
    refused = _attempt(request, actions[name], _("已保存。"), lambda code: inspection_detail(request, pk, code))
    return refused or redirect("enforcement:inspection", pk=pk)


def public_inspections(request):
    """双随机一公开: published plans with their seeds, targets and results; no login."""
    plans = (
        InspectionPlan.objects.filter(status=InspectionPlanStatus.PUBLISHED)
        .select_related("township")
        .prefetch_related(Prefetch("targets", InspectionTarget.objects.select_related("subject").order_by("position")))
        .order_by("-published_at")[:50]
    )
    return render(request, "enforcement/public_inspections.html", {"plans": plans})


# --- dashboard and public page -------------------------------------------------------------------------------


@login_required
def dashboard(request):
    _require(request.user, Role.SQUAD_LEADER, Role.OFFICER, Role.LEGAL_REVIEWER)
    from django.db.models import Count, Q

    from enforcement.models import Case, Decision, Transfer

    cases = Case.objects.filter(pk__in=selectors.cases_for(request.user).values("pk"))
    by_status = {row["status"]: row["n"] for row in cases.values("status").annotate(n=Count("id"))}
    served = Decision.objects.filter(case__in=cases, served_on__isnull=False).aggregate(
        total=Count("id"), on_time=Count("id", filter=Q(served_in_time=True))
    )
    transfers = (
        Transfer.objects.filter(pk__in=selectors.transfers_for(request.user).values("pk"))
        .values("department__name")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    context = {
        "by_status": [(CaseStatus(s).label, by_status.get(s, 0)) for s in CaseStatus],
        "on_time_rate": round(100 * served["on_time"] / served["total"], 1) if served["total"] else None,
        "transfers_by_department": transfers,
        "plans": selectors.inspection_plans_for(request.user)[:20],
        "visits": selectors.visits_saved(),
    }
    return render(request, "enforcement/dashboard.html", context)


def public_decisions(request):
    """行政处罚决定公示: no login; only masked columns are read."""
    page = Paginator(selectors.public_decisions(), 20).get_page(request.GET.get("page"))
    return render(request, "enforcement/public_decisions.html", {"page": page})


# --- training and certificates (全员培训) ---------------------------------------------------------------------


@login_required
def training(request, status=200):
    """Training sessions, qualification exams and the certificates expiring within 60 days."""
    _require(request.user, Role.SQUAD_LEADER, Role.OFFICER)
    context = {
        "sessions": selectors.training_sessions_for(request.user)[:50],
        "exams": selectors.exams_for(request.user)[:50],
        "expiring": selectors.certificates_expiring(request.user),
        "session_form": forms.TrainingSessionForm(),
        "exam_form": forms.ExamForm(),
        "is_leader": request.user.is_superuser or has_role(request.user, Role.SQUAD_LEADER),
    }
    return render(request, "enforcement/training.html", context, status=status)


@login_required
@require_POST
def training_new(request, what):
    _require(request.user, Role.SQUAD_LEADER)
    form_class, create = {
        "session": (forms.TrainingSessionForm, services.training_session_create),
        "exam": (forms.ExamForm, services.exam_create),
    }.get(what, (None, None))
    if form_class is None:
        raise Http404
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return training(request, status=400)
    refused = _attempt(
        request,
        lambda: create(township=_township(request.user), actor=request.user, **form.cleaned_data),
        _("已保存。"),
        lambda code: training(request, status=code),
    )
    return refused or redirect("enforcement:training")


@login_required
def training_session(request, pk, status=200):
    _require(request.user, Role.SQUAD_LEADER, Role.OFFICER)
    session = get_object_or_404(selectors.training_sessions_for(request.user), pk=pk)
    context = {
        "session": session,
        "attendance": session.attendance.select_related("officer").order_by("officer__username"),
        "form": forms.AttendanceForm(township=session.township),
    }
    return render(request, "enforcement/training_session.html", context, status=status)


@login_required
@require_POST
def training_attendance(request, pk):
    _require(request.user, Role.SQUAD_LEADER)
    session = get_object_or_404(selectors.training_sessions_for(request.user), pk=pk)
    form = forms.AttendanceForm(request.POST, township=session.township)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return training_session(request, pk, status=400)
    refused = _attempt(
        request,
        lambda: services.training_attendance_record(session=session, actor=request.user, **form.cleaned_data),
        _("已记录出勤。"),
        lambda code: training_session(request, pk, status=code),
    )
    return refused or redirect("enforcement:training_session", pk=pk)


@login_required
def exam_detail(request, pk, status=200):
    _require(request.user, Role.SQUAD_LEADER, Role.OFFICER)
    exam = get_object_or_404(selectors.exams_for(request.user), pk=pk)
    context = {
        "exam": exam,
        "results": exam.results.select_related("officer").order_by("-score"),
        "form": forms.ExamResultForm(township=exam.township),
    }
    return render(request, "enforcement/exam_detail.html", context, status=status)


@login_required
@require_POST
def exam_result(request, pk):
    _require(request.user, Role.SQUAD_LEADER)
    exam = get_object_or_404(selectors.exams_for(request.user), pk=pk)
    form = forms.ExamResultForm(request.POST, township=exam.township)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return exam_detail(request, pk, status=400)
    refused = _attempt(
        request,
        lambda: services.exam_result_record(exam=exam, actor=request.user, **form.cleaned_data),
        _("已录入成绩;合格者的执法证已发放或换发。"),
        lambda code: exam_detail(request, pk, status=code),
    )
    return refused or redirect("enforcement:exam", pk=pk)


# --- joint enforcement meetings (联席会议, 会商) ----------------------------------------------------------------


@login_required
def meetings(request, status=200):
    _require(request.user, Role.SQUAD_LEADER, Role.OFFICER)
    tasks = list(selectors.meeting_tasks_for(request.user).filter(status="open")[:100])
    for task in tasks:
        task.colour = selectors.clock_colour(task)
    context = {
        "meetings": selectors.meetings_for(request.user)[:100],
        "tasks": tasks,
        "form": forms.MeetingForm(),
        "is_leader": request.user.is_superuser or has_role(request.user, Role.SQUAD_LEADER),
    }
    return render(request, "enforcement/meetings.html", context, status=status)


@login_required
@require_POST
def meeting_new(request):
    _require(request.user, Role.SQUAD_LEADER)
    form = forms.MeetingForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return meetings(request, status=400)
    result = {}

    def act():
        result["meeting"] = services.meeting_create(
            township=_township(request.user), actor=request.user, **form.cleaned_data
        )

    refused = _attempt(request, act, _("已创建会议。"), lambda code: meetings(request, status=code))
    return refused or redirect("enforcement:meeting", pk=result["meeting"].pk)


@login_required
def meeting_detail(request, pk, status=200):
    _require(request.user, Role.SQUAD_LEADER, Role.OFFICER)
    meeting = selectors.meeting_detail(request.user, pk)
    if meeting is None:
        raise Http404
    context = {
        "meeting": meeting,
        "agenda_form": forms.AgendaForm(township=meeting.township),
        "decision_form": forms.MeetingDecisionForm(meeting=meeting),
        "is_leader": request.user.is_superuser or has_role(request.user, Role.SQUAD_LEADER),
    }
    return render(request, "enforcement/meeting_detail.html", context, status=status)


@login_required
@require_POST
def meeting_act(request, pk, name):
    _require(request.user, Role.SQUAD_LEADER)
    meeting = selectors.meeting_detail(request.user, pk)
    if meeting is None:
        raise Http404
    if name == "agenda":
        form = forms.AgendaForm(request.POST, township=meeting.township)

        def act():
            services.agenda_item_add(meeting=meeting, actor=request.user, **form.cleaned_data)

        message = _("已添加议题。")
    elif name == "decide":
        form = forms.MeetingDecisionForm(request.POST, meeting=meeting)

        def act():
            services.meeting_decide(
                meeting=meeting,
                text=form.cleaned_data["text"],
                agenda_item=form.cleaned_data["agenda_item"],
                tasks=form.tasks(),
                actor=request.user,
            )

        message = _("已记录议定事项,任务已分派。")
    else:
        raise Http404
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return meeting_detail(request, pk, status=400)
    refused = _attempt(request, act, message, lambda code: meeting_detail(request, pk, status=code))
    return refused or redirect("enforcement:meeting", pk=pk)


@login_required
@require_POST
def meeting_task_done(request, pk):
    task = get_object_or_404(selectors.meeting_tasks_for(request.user), pk=pk)
    form = forms.TaskDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写办理结果。"))
        return meetings(request, status=400)
    refused = _attempt(
        request,
        lambda: services.meeting_task_complete(task=task, result=form.cleaned_data["result"], actor=request.user),
        _("任务已办结。"),
        lambda code: meetings(request, status=code),
    )
    return refused or redirect("enforcement:meetings")
