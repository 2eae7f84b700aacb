"""Pages: the clerk's workbench, the approver's queue, an application's page, the township dashboard and
the public status lookup. Views read through selectors and write through services only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from approvals import forms, selectors, services
from approvals.models import Application, RatingFollowUp
from approvals.states import TRANSITIONS, FollowUpStatus, PledgeStatus, Status
from catalogs.models import PowerItem, ServiceItem
from grids import selectors as grid_selectors
from grids import services as grid_services
from ruian.attachments import Attachment
from ruian.divisions import Division, Level
from ruian.staff import Role, has_role


def _require_role(user, *roles):
    if not (user.is_superuser or has_role(user, *roles)):
        raise PermissionDenied


def _township(request) -> Division:
    """The township the user works in (administrators choose one with ?township=<code>)."""
    code = request.GET.get("township")
    if request.user.is_superuser and code:
        return get_object_or_404(Division, code=code, level=Level.TOWNSHIP)
    profile = getattr(request.user, "staff", None)
    organisation = getattr(profile, "organisation", None)
    township = organisation.division.township if organisation else None
    if township is None:
        if request.user.is_superuser:
            first = Division.objects.townships().first()
            if first:
                return first
        raise Http404(_("您不在任何乡镇(街道)工作。"))
    return township


def _service_handover(request):
    """The grid hand-over the clerk is receiving an application for (`?handover=`), or None; a hand-over
    that is not waiting in the clerk's township is a 404, so nothing is received against it."""
    pk = request.GET.get("handover") or request.POST.get("handover")
    if not pk:
        return None
    handover = selectors.service_handover(request.user, pk)
    if handover is None:
        raise Http404
    return handover


# The clock badge of a queue row (as approvals/_clock.html draws it): Bootstrap class and label per colour.
CLOCK_BADGES = {
    "red": ("text-bg-danger", gettext_lazy("超期")),
    "yellow": ("text-bg-warning", gettext_lazy("临近")),
    "grey": ("text-bg-secondary", gettext_lazy("暂停")),
    "green": ("text-bg-success", gettext_lazy("正常")),
}


NO_CLOCK = mark_safe('<span class="text-body-secondary">—</span>')  # a row without an open clock


def _dress(page):
    """Precompute what each row of a queue page shows (its link, status label and clock badge), so the
    template's loop prints a few values instead of resolving a URL, a choice label and an include per row.
    The badge cell is HTML built once per distinct (colour, due day): a page shows a handful of them."""
    detail = reverse("approvals:detail", args=["0"])[:-2]  # ".../a/", the number and "/" follow
    labels = {value: str(label) for value, label in Status.choices}
    badges = {colour: (css, str(label)) for colour, (css, label) in CLOCK_BADGES.items()}
    cells = {}
    now = timezone.now()
    for app in page.object_list:
        app.url = f"{detail}{app.number}/"
        app.status_label = labels.get(app.status, app.status)
        clock = app.clock
        if clock is None:
            app.clock_cell = NO_CLOCK
            continue
        colour = clock.colour(now)
        key = (colour, clock.due_date.strftime("%m-%d"))
        if key not in cells:
            css, label = badges.get(colour, badges["green"])
            cells[key] = format_html(
                '<span class="badge clock-{} {}" data-clock="{}">{} · {}</span>', colour, css, colour, label, key[1]
            )
        app.clock_cell = cells[key]
    return page


@login_required
def workbench(request):
    _require_role(request.user, Role.WINDOW_CLERK)
    township = _township(request)
    queue = _dress(selectors.clerk_queue(request.user, page=request.GET.get("page")))
    return render(
        request,
        "approvals/workbench.html",
        {
            "township": township,
            "queue": queue,
            "issuance": _dress(selectors.issuance_queue(request.user, page=request.GET.get("issuance_page"))),
            "next": request.get_full_path(),
            # Held items are looked up as the clerk types (nothing is listed before).
            "items": selectors.search_items(township, request.GET.get("q", ""), limit=15),
            "q": request.GET.get("q", ""),
            "service_handovers": selectors.service_handovers(request.user),
            "handover": _service_handover(request),
        },
    )


@login_required
def item_search(request):
    _require_role(request.user, Role.WINDOW_CLERK)
    township = _township(request)
    q = request.GET.get("q", "")
    items = selectors.search_items(township, q, limit=15)
    context = {"items": items, "q": q.strip(), "handover": _service_handover(request)}
    return render(request, "approvals/_item_results.html", context)


def _item_from(ref: str):
    kind, _sep, pk = (ref or "").partition("-")
    model = {"p": PowerItem, "s": ServiceItem}.get(kind)
    if model is None or not pk.isdigit():
        raise Http404
    return get_object_or_404(model, pk=pk)


@login_required
def receive(request, item_ref):
    _require_role(request.user, Role.WINDOW_CLERK)
    township = _township(request)
    item = _item_from(item_ref)
    handover = _service_handover(request)
    pledge_allowed = services.is_pledge_item(item)
    form = forms.ReceiveForm(request.POST or None, request.FILES or None, item=item, pledge_allowed=pledge_allowed)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # the application and its link to the grid event, or neither
                app = _receive(request, township, item, data)
                if handover is not None:
                    grid_services.receive_handover(handover=handover, target=app, actor=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已收件,申请编号 %(number)s。") % {"number": app.number})
            if handover is not None:
                messages.info(request, _("已关联网格事件 %(event)s。") % {"event": handover.event.number})
            return redirect("approvals:detail", app.number)
    context = {"form": form, "item": item, "township": township, "handover": handover}
    return render(request, "approvals/receive.html", context)


def _receive(request, township, item, data):
    return services.receive_application(
        scans=[data["scan"]] if data.get("scan") else (),
        township=township,
        item=item,
        actor=request.user,
        channel=data["channel"],
        applicant_kind=data["applicant_kind"],
        applicant_name=data["applicant_name"],
        applicant_id_number=data["applicant_id_number"],
        applicant_phone=data["applicant_phone"],
        contact_name=data["contact_name"],
        address=data["address"],
        materials_provided=data["materials"],
        pledge=data.get("pledge", False),
        joint_handling=data.get("joint_handling", False),
    )


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def approver_queue(request):
    _require_role(request.user, Role.APPROVER)
    queue = _dress(selectors.approver_queue(request.user, page=request.GET.get("page")))
    return render(request, "approvals/approver_queue.html", {"queue": queue})


@login_required
def detail(request, number):
    from approvals import documents

    app = selectors.application_by_number(request.user, number)
    if app is None:
        raise Http404
    selectors.attach_clocks([app])
    user = request.user
    clerk = user.is_superuser or has_role(user, Role.WINDOW_CLERK)
    approver = user.is_superuser or has_role(user, Role.APPROVER)
    allowed = TRANSITIONS[app.status]
    followup = RatingFollowUp.objects.filter(rating__application=app).first()
    pledge = getattr(app, "pledge_record", None) if app.pledge else None
    context = {
        "app": app,
        "grid_event": grid_selectors.event_handed_over_as(app),
        "history": selectors.labelled_history(app),
        "notices": app.notices.all(),
        "suspensions": app.suspensions.all(),
        "clerk": clerk,
        "approver": approver,
        "can": {
            "accept": clerk and Status.ACCEPTED in allowed,
            "notice": clerk and Status.NOTICE_GIVEN in allowed and bool(app.missing_materials()),
            "refuse": clerk and Status.REFUSED in allowed,
            "supplement": clerk and app.status == Status.NOTICE_GIVEN,
            "pledge": clerk and app.pledge and app.status == Status.RECEIVED,
            "send": clerk and Status.IN_REVIEW in allowed and app.status == Status.ACCEPTED,
            "decide": approver and app.status == Status.IN_REVIEW,
            "extend": approver and app.status in (Status.IN_REVIEW, Status.SUSPENDED) and not app.extended,
            "suspend": approver and app.status == Status.IN_REVIEW,
            "resume": approver and app.status == Status.SUSPENDED,
            "issue": clerk and Status.ISSUED in allowed,
            "withdraw": clerk and app.status in TRANSITIONS and Status.WITHDRAWN in allowed,
            "rate": clerk and app.status == Status.ISSUED and not hasattr(app, "rating"),
            "verify": (clerk or approver) and pledge is not None and pledge.status == PledgeStatus.PENDING,
            "followup": (clerk or approver) and followup is not None and followup.status == FollowUpStatus.OPEN,
        },
        "followup": followup,
        "pledge": pledge,
        # Each form gets its own id prefix: several forms on the page share field names.
        "forms": {
            "refuse": forms.RefuseForm(auto_id="refuse_%s"),
            "notice": forms.NoticeForm(auto_id="notice_%s"),
            "extend": forms.ReasonForm(auto_id="extend_%s"),
            "withdraw": forms.ReasonForm(auto_id="withdraw_%s"),
            "decide": forms.DecideForm(
                reviewers=selectors.approvers_of(app.township).exclude(pk=user.pk), auto_id="decide_%s"
            ),
            "suspend": forms.SuspendForm(auto_id="suspend_%s"),
            "issue": forms.IssueForm(auto_id="issue_%s"),
            "rate": forms.RateForm(auto_id="rate_%s"),
            "pledge": forms.PledgeForm(auto_id="pledge_%s"),
            "verify": forms.PledgeVerifyForm(auto_id="verify_%s"),
            "followup": forms.FollowUpForm(auto_id="followup_%s"),
        },
        "documents": documents.available(app),
        "attachments": Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(Application), object_id=str(app.pk)
        ),
        "missing": [m["name"] for m in app.missing_materials()],
        "supplementable": [m["name"] for m in app.materials if not m["provided"]],
    }
    return render(request, "approvals/detail.html", context)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@login_required
@require_POST
def act(request, number, action):
    """One-click workflow actions from the workbench and the application page."""
    app = selectors.application_by_number(request.user, number)
    if app is None:
        raise Http404
    user, post = request.user, request.POST
    handlers = {
        "accept": (None, lambda d: services.accept_application(application=app, actor=user)),
        "refuse": (
            forms.RefuseForm,
            lambda d: services.refuse_application(
                application=app, reason=d["reason"], competent_department=d["competent_department"], actor=user
            ),
        ),
        "notice": (
            forms.NoticeForm,
            lambda d: services.give_material_notice(
                application=app, note=d["note"], extra=_lines(d["extra"]), actor=user
            ),
        ),
        "supplement": (
            None,
            lambda d: services.supplement_materials(application=app, provided=post.getlist("provided"), actor=user),
        ),
        "send": (None, lambda d: services.send_to_back_office(application=app, actor=user)),
        "decide": (
            None,
            lambda d: _decide(app, user, post),
        ),
        "extend": (
            forms.ReasonForm,
            lambda d: services.extend_decision(application=app, reason=d["reason"], actor=user),
        ),
        "suspend": (
            forms.SuspendForm,
            lambda d: services.suspend_review(application=app, kind=d["kind"], reason=d["reason"], actor=user),
        ),
        "resume": (None, lambda d: services.resume_review(application=app, actor=user)),
        "issue": (
            forms.IssueForm,
            lambda d: services.issue_result(
                application=app, delivery=d["delivery"], delivery_detail=d["delivery_detail"], actor=user
            ),
        ),
        "withdraw": (
            forms.ReasonForm,
            lambda d: services.withdraw_application(application=app, reason=d["reason"], actor=user),
        ),
        "rate": (
            forms.RateForm,
            lambda d: services.rate_application(application=app, level=d["level"], comment=d["comment"], actor=user),
        ),
        "pledge": (
            forms.PledgeForm,
            lambda d: services.approve_on_pledge(application=app, pledge_text=d["pledge_text"], actor=user),
        ),
        "verify": (
            forms.PledgeVerifyForm,
            lambda d: services.verify_pledge(
                application=app, truthful=d["truthful"], findings=d["findings"], actor=user
            ),
        ),
        "followup": (
            forms.FollowUpForm,
            lambda d: services.close_followup(
                followup=get_object_or_404(RatingFollowUp, rating__application=app),
                founded=d["founded"],
                findings=d["findings"],
                rectification=d["rectification"],
                actor=user,
            ),
        ),
    }
    if action not in handlers:
        raise Http404
    form_class, call = handlers[action]
    data = {}
    if form_class is not None:
        form = form_class(post)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("approvals:detail", app.number)
        data = form.cleaned_data
    try:
        call(data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(number)s: 操作已完成。") % {"number": app.number})
    next_url = post.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("approvals:detail", app.number)


def _decide(app, user, post):
    reviewers = selectors.approvers_of(app.township)
    form = forms.DecideForm(post, reviewers=reviewers)
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    data = form.cleaned_data
    return services.decide_application(
        application=app,
        approve=data["approve"],
        reasons=data["reasons"],
        second_reviewer=data["second_reviewer"],
        actor=user,
    )


@login_required
def township_dashboard(request):
    # The leader in charge (分管领导) watches the township's figures; the kernel's menu links them here.
    _require_role(request.user, Role.WINDOW_CLERK, Role.APPROVER, Role.LEADER)
    township = _township(request)
    stats = selectors.dashboard(request.user, township)
    return render(request, "approvals/dashboard.html", {"township": township, "stats": stats})


LOOKUP_LIMIT = 20  # wrong guesses of the phone's last 4 digits per address and hour


def _lookup_allowed(request, form) -> bool:
    """Slow down guessing the 4 digits: a few wrong tries per address per hour. Fails open without Redis."""
    key = f"approvals:lookup:{request.META.get('REMOTE_ADDR', '')}"
    try:
        tries = cache.get(key, 0)
    except Exception:  # the cache (Redis) is down: the lookup still works
        return True
    if tries >= LOOKUP_LIMIT:
        form.add_error(None, _("查询次数过多,请一小时后再试。"))
        return False
    return True


def _count_failed_lookup(request) -> None:
    key = f"approvals:lookup:{request.META.get('REMOTE_ADDR', '')}"
    try:
        cache.add(key, 0, 3600)
        cache.incr(key)
    except Exception:  # counting is best effort
        pass


def public_lookup(request):
    """Status by application number and the applicant's phone's last 4 digits. Never shows personal data:
    no name, no ID number, no phone, no address, no reasons that could name the person."""
    # The QR code on a document links here with the number only: show the form filled in, without errors.
    submitted = "phone_last4" in request.GET
    form = forms.LookupForm(request.GET if submitted else None, initial={"number": request.GET.get("number", "")})
    result = None
    if submitted and form.is_valid() and _lookup_allowed(request, form):
        app = (
            Application.objects.select_related("township")
            .filter(number=form.cleaned_data["number"].strip())
            .only(
                "number",
                "item_name",
                "status",
                "received_at",
                "accepted_at",
                "decided_at",
                "issued_at",
                "extended",
                "applicant_phone",
                "township__name",
            )
            .first()
        )
        if app is not None and app.phone_last4 == form.cleaned_data["phone_last4"]:
            result = {
                "number": app.number,
                "item_name": app.item_name,
                "township": app.township.name,
                "status": app.get_status_display(),
                "received_at": app.received_at,
                "accepted_at": app.accepted_at,
                "decided_at": app.decided_at,
                "issued_at": app.issued_at,
                # The applicant learns of an extension here too (ALL Art 42); its reason is in the written notice.
                "extended": app.extended,
            }
        else:
            _count_failed_lookup(request)
            form.add_error(None, _("未找到该申请,请核对申请编号和手机号后4位。"))
    return render(request, "approvals/public_lookup.html", {"form": form, "result": result})


@login_required
def document(request, number, kind):
    """An application's written document as PDF, for staff who may see the application."""
    from approvals import documents

    app = selectors.application_by_number(request.user, number)
    if app is None or kind not in documents.available(app):
        raise Http404
    status_url = request.build_absolute_uri(reverse("approvals:public_lookup")) + "?" + urlencode({"number": number})
    response = HttpResponse(documents.render_pdf(app, kind, status_url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{number}-{kind}.pdf"'
    return response
