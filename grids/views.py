"""Pages: the grid worker's report page (phone width), the command centre, an event page, public grids.

Views only parse forms and call services; a refused action (wrong state, wrong role, downward move)
comes back as a message on the same page and nothing changes.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grids import forms, selectors, services
from grids.models import Source
from grids.states import EventStatus
from ruian import assessment as kernel_assessment
from ruian.staff import Role, has_role


def _require(user, *roles):
    if not (user.is_superuser or has_role(user, *roles)):
        raise PermissionDenied(_("您没有访问此页面的权限。"))


def _errors(error: ValidationError) -> str:
    return "; ".join(error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    """上报: category, description, photos and the location (the phone's position, or typed in)."""
    _require(request.user, Role.GRID_WORKER, Role.OPERATOR)
    form = forms.ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event, duplicates = services.report_event(
                category=data["category"],
                lng=data["lng"],
                lat=data["lat"],
                description=data["description"],
                address=data["address"],
                source=Source.GRID_WORKER if has_role(request.user, Role.GRID_WORKER) else Source.HOTLINE,
                actor=request.user,
                photos=data["photos"],
            )
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, _("已上报,事件编号 %(number)s。") % {"number": event.number})
            if duplicates:
                messages.warning(
                    request,
                    _("附近有同类未结事件,可能重复: %(numbers)s")
                    % {"numbers": "、".join(d.number for d in duplicates)},
                )
            return redirect("grids:report")
    to_verify = list(
        selectors.events_for(request.user).filter(status=EventStatus.FED_BACK).order_by("fed_back_at", "id")[:20]
    )
    mine = list(selectors.events_for(request.user).filter(reporter=request.user).order_by("-reported_at", "-id")[:10])
    return render(request, "grids/report.html", {"form": form, "to_verify": to_verify, "mine": mine})


@login_required
@require_GET
def command_centre(request):
    _require(request.user, Role.OPERATOR)
    context = selectors.command_centre(request.user, page=request.GET.get("page"))
    context["states"] = [
        (status, context["by_state"].get(status, 0)) for status in EventStatus if status in context["by_state"]
    ]
    return render(request, "grids/command_centre.html", context)


@login_required
@require_GET
def map_data(request):
    """The grids of the user's scope as GeoJSON, each with its count of open events, for the map."""
    _require(request.user, Role.OPERATOR, Role.GRID_WORKER)
    return JsonResponse(selectors.map_features(request.user), json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def event_detail(request, pk):
    event = get_object_or_404(selectors.events_for(request.user), pk=pk)
    return render(request, "grids/event_detail.html", _detail_context(request, event))


def _detail_context(request, event, **forms_in_error):
    units = selectors.dispatchable_units(event)
    context = {
        "event": event,
        "timeline": selectors.event_timeline(event),
        "whistles": selectors.whistles_for(request.user).filter(event=event),
        "escalations": event.escalations.select_related("from_division", "to_division"),
        "can_operate": services.can_operate(request.user, event),
        "is_unit": request.user.is_superuser or services.organisation_of(request.user) == event.unit,
        "is_grid_worker": request.user.is_superuser or has_role(request.user, Role.GRID_WORKER),
        "suggested": services.suggested_unit(event),
        "dispatch_form": forms.DispatchForm(units=units, initial={"unit": services.suggested_unit(event)}),
        "whistle_form": forms.WhistleForm(units=units),
        "reason_form": forms.ReasonForm(),
        "feedback_form": forms.FeedbackForm(),
        "verify_form": forms.VerifyForm(),
        "evaluate_form": forms.EvaluateForm(),
        "note_form": forms.NoteForm(),
    }
    context.update(forms_in_error)
    return context


# action -> (the form it needs, the service it calls)
ACTIONS = {
    "register": (None, lambda e, u, d: services.register_event(event=e, actor=u)),
    "reject": (forms.ReasonForm, lambda e, u, d: services.reject_event(event=e, actor=u, reason=d["reason"])),
    "dispatch": (
        forms.DispatchForm,
        lambda e, u, d: services.dispatch_event(event=e, unit=d["unit"], actor=u, note=d["note"]),
    ),
    "accept": (None, lambda e, u, d: services.accept_event(event=e, actor=u)),
    "send_back": (forms.ReasonForm, lambda e, u, d: services.send_back_event(event=e, actor=u, reason=d["reason"])),
    "feedback": (forms.FeedbackForm, lambda e, u, d: services.feed_back_event(event=e, actor=u, result=d["result"])),
    "verify": (forms.VerifyForm, lambda e, u, d: services.verify_event(event=e, actor=u, ok=d["ok"], note=d["note"])),
    "close": (None, lambda e, u, d: services.close_event(event=e, actor=u)),
    "evaluate": (
        forms.EvaluateForm,
        lambda e, u, d: services.evaluate_event(event=e, actor=u, satisfaction=d["satisfaction"]),
    ),
    "escalate": (forms.NoteForm, lambda e, u, d: services.escalate_event(event=e, actor=u, note=d["note"])),
    "whistle": (
        forms.WhistleForm,
        lambda e, u, d: services.blow_whistle(
            event=e, organisations=list(d["organisations"]), actor=u, reason=d["reason"]
        ),
    ),
    "hand_over": (forms.NoteForm, lambda e, u, d: services.hand_over_event(event=e, actor=u, note=d["note"])),
}


@login_required
@require_POST
def event_action(request, pk, action):
    # The event in the caller's scope (or 404) with the levels above the handling one: the dispatch and whistle
    # forms list their units. Nothing else of it: every action's service locks and reads the event afresh.
    event = get_object_or_404(
        selectors.events_for(request.user)
        .select_related(None)
        .select_related("handling_division__parent__parent__parent"),
        pk=pk,
    )
    if action not in ACTIONS:
        raise PermissionDenied(_("未知的操作。"))
    form_class, call = ACTIONS[action]
    data = {}
    if form_class is not None:
        kwargs = (
            {"units": selectors.dispatchable_units(event)}
            if form_class in (forms.DispatchForm, forms.WhistleForm)
            else {}
        )
        form = form_class(request.POST, **kwargs)
        if not form.is_valid():
            messages.error(request, _("请检查填写的内容: %(errors)s") % {"errors": form.errors.as_text()})
            return redirect("grids:event_detail", pk=event.pk)
        data = form.cleaned_data
    try:
        call(event, request.user, data)
    except ValidationError as error:
        messages.error(request, _errors(error))
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("已办理。"))
    if action == "verify" and not request.user.is_superuser and has_role(request.user, Role.GRID_WORKER):
        return redirect("grids:report")
    return redirect("grids:event_detail", pk=event.pk)


@login_required
@require_POST
def acknowledge(request, pk):
    """报到 from the whistle list: the caller's unit acknowledges."""
    from grids.models import WhistleCall

    call = get_object_or_404(WhistleCall.objects.filter(whistle__in=selectors.whistles_for(request.user)), pk=pk)
    try:
        services.acknowledge_whistle(call=call, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _errors(error) if isinstance(error, ValidationError) else str(error))
    else:
        messages.success(request, _("已报到。"))
    return redirect("grids:event_detail", pk=call.whistle.event_id)


@require_GET
def public_grids(request):
    """网格公示: every grid with its village, and its workers' names and phones."""
    grids = selectors.public_grids().order_by("code")
    if query := request.GET.get("q", "").strip():
        grids = grids.filter(name__contains=query) | grids.filter(division__name__contains=query)
    page = Paginator(grids, 50).get_page(request.GET.get("page"))
    return render(request, "grids/public_grids.html", {"page": page, "q": query})


@login_required
@require_http_methods(["GET", "POST"])
def import_spreadsheet(request):
    """导入网格和网格员: a dry run first, then the real import; all rows or none."""
    from grids.resources import import_sheet

    _require(request.user, Role.OPERATOR)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = import_sheet(
            kind=form.cleaned_data["kind"],
            content=upload.read(),
            filename=upload.name,
            actor=request.user,
            dry_run=form.cleaned_data["dry_run"],
        )
    return render(request, "grids/import.html", {"form": form, "report": report})


@login_required
@require_GET
def export_spreadsheet(request, kind):
    from grids.resources import GridResource, GridWorkerResource

    _require(request.user, Role.OPERATOR)
    if kind == "grids":
        dataset = GridResource().export(selectors.grids_for(request.user).filter(is_active=True).order_by("code"))
    else:
        dataset = GridWorkerResource().export(selectors.workers_for(request.user).filter(is_active=True))
    response = HttpResponse(
        dataset.export("xlsx"), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}.xlsx"'
    return response


def _grid_worker_weights() -> list[tuple[str, int]]:
    weights = kernel_assessment.weights_for("grid_worker")
    return [(metric.label, weights[metric.key]) for metric in kernel_assessment.metrics_of("grid_worker")]


@login_required
@require_GET
def assessment(request):
    """网格员月度考核 and the township's part of the stationed units' scores, for one month."""
    import datetime

    from grids import assessment as scoring

    _require(request.user, Role.OPERATOR)
    try:
        month = datetime.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        month = timezone.localdate().replace(day=1)
    return render(
        request,
        "grids/assessment.html",
        {
            "month": month,
            "workers": scoring.grid_workers(request.user, month),
            "units": scoring.stationed_units(request.user, month),
            # the kernel's weights (county editors set them on /assessment/weights/), which the scores use
            "weights": _grid_worker_weights(),
            "township_share": scoring.conf.township_share(),
        },
    )


# --- grid maintenance: create, merge, split, departmental grids (operator of the township) --------------


def _villages(user):
    from ruian.divisions import Division, Level
    from ruian.permissions import scope_q

    return Division.objects.filter(scope_q(user, ""), level=Level.VILLAGE).order_by("code")


def _active_grids(user):
    return selectors.grids_for(user).filter(is_active=True).order_by("code")


def _manage_context(request, **forms_in_error):
    grids = list(
        selectors.grids_for(request.user)
        .filter(is_active=True)
        .prefetch_related(None)
        .select_related("division__parent")
        .order_by("code")[:500]
    )
    context = {
        "grids": grids,
        "changes": selectors.grid_changes_for(request.user),
        "grid_form": forms.GridForm(villages=_villages(request.user)),
        "merge_form": forms.MergeForm(grids=_active_grids(request.user)),
        "departmental_form": forms.DepartmentalGridForm(grids=_active_grids(request.user).filter(kind="comprehensive")),
    }
    context.update(forms_in_error)
    return context


def _refused(request, error) -> None:
    messages.error(request, _errors(error) if isinstance(error, ValidationError) else str(error))


@login_required
@require_GET
def manage_grids(request):
    """网格调整: the township's grids, and forms to create, merge and split them and to record old grids."""
    _require(request.user, Role.OPERATOR)
    return render(request, "grids/manage.html", _manage_context(request))


@login_required
@require_POST
def create_grid(request):
    _require(request.user, Role.OPERATOR)
    form = forms.GridForm(request.POST, villages=_villages(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            grid = services.create_grid(
                division=data["division"],
                name=data["name"],
                kind=data["kind"],
                dedicated_type=data["dedicated_type"],
                households=data["households"],
                population=data["population"],
                boundary=data["boundary"],
                actor=request.user,
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("已新建网格 %(code)s。") % {"code": grid.code})
            return redirect("grids:manage")
    else:
        messages.error(request, _("请检查填写的内容: %(errors)s") % {"errors": form.errors.as_text()})
    return render(request, "grids/manage.html", _manage_context(request, grid_form=form), status=400)


@login_required
@require_POST
def merge_grids(request):
    _require(request.user, Role.OPERATOR)
    form = forms.MergeForm(request.POST, grids=_active_grids(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            merged = services.merge_grids(
                grids=list(data["grids"]), name=data["name"], reason=data["reason"], actor=request.user
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("已合并为网格 %(code)s。") % {"code": merged.code})
            return redirect("grids:manage")
    else:
        messages.error(request, _("请检查填写的内容: %(errors)s") % {"errors": form.errors.as_text()})
    return render(request, "grids/manage.html", _manage_context(request, merge_form=form), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def split_grid(request, code):
    _require(request.user, Role.OPERATOR)
    grid = get_object_or_404(_active_grids(request.user), code=code)
    form = forms.SplitForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                parts = services.split_grid(
                    grid=grid, parts=form.cleaned_data["parts"], reason=form.cleaned_data["reason"], actor=request.user
                )
            except (ValidationError, PermissionDenied) as error:
                _refused(request, error)
            else:
                messages.success(request, _("已拆分为: %(codes)s") % {"codes": "、".join(part.code for part in parts)})
                return redirect("grids:manage")
        else:
            messages.error(request, _("请检查填写的内容: %(errors)s") % {"errors": form.errors.as_text()})
    import json

    boundary = json.dumps(grid.boundary, ensure_ascii=False)
    return render(request, "grids/split.html", {"grid": grid, "form": form, "boundary": boundary}, status=status)


@login_required
@require_POST
def record_departmental_grid(request):
    _require(request.user, Role.OPERATOR)
    form = forms.DepartmentalGridForm(request.POST, grids=_active_grids(request.user).filter(kind="comprehensive"))
    if form.is_valid():
        data = form.cleaned_data
        try:
            old = services.record_departmental_grid(
                department=data["department"],
                code=data["code"],
                name=data["name"],
                merged_into=data["merged_into"],
                actor=request.user,
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("已记录: %(old)s 并入 %(grid)s。") % {"old": old, "grid": old.merged_into.code})
            return redirect("grids:manage")
    else:
        messages.error(request, _("请检查填写的内容: %(errors)s") % {"errors": form.errors.as_text()})
    return render(request, "grids/manage.html", _manage_context(request, departmental_form=form), status=400)


@require_GET
def departmental_lookup(request):
    """原条线网格查询: which comprehensive grid covers my old grid G (public, like the grids themselves)."""
    form = forms.DepartmentalLookupForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid() and form.cleaned_data["code"]:
        rows = list(
            selectors.departmental_grids(department=form.cleaned_data["department"], code=form.cleaned_data["code"])[
                :20
            ]
        )
        results = [(row, selectors.covering_grids(row)) for row in rows]
    return render(request, "grids/departmental.html", {"form": form, "results": results})


# --- drills (联调联试) --------------------------------------------------------------------------------


def _township_of(user):
    from ruian.divisions import Level

    organisation = services.organisation_of(user)
    if organisation is None:
        return None
    division = organisation.division
    return division if division.level == Level.TOWNSHIP else None


def _drill_units(township):
    from ruian.organisations import Organisation

    if township is None:
        return Organisation.objects.none()
    return (
        Organisation.objects.filter(
            kind__in=services.DRILL_UNIT_KINDS,
            is_active=True,
            division__in=[township.pk, township.parent_id],
        )
        .select_related("division")
        .order_by("-division__code", "kind", "name")
    )


@login_required
@require_http_methods(["GET", "POST"])
def drills(request):
    """联调联试: the command centre starts a drill and follows each unit's response times."""
    _require(request.user, Role.OPERATOR)
    township = _township_of(request.user)
    form = forms.DrillForm(request.POST or None, units=_drill_units(township))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                drill = services.start_drill(
                    township=township,
                    actor=request.user,
                    source=form.cleaned_data["source"],
                    unit_ids=[unit.pk for unit in form.cleaned_data["units"]],
                )
            except (ValidationError, PermissionDenied) as error:
                _refused(request, error)
            else:
                messages.success(request, _("演练已开始,已向 %(n)s 个单位派单。") % {"n": drill.tasks.count()})
                return redirect("grids:drill_detail", pk=drill.pk)
        else:
            messages.error(request, _("请检查填写的内容: %(errors)s") % {"errors": form.errors.as_text()})
    drill_list = list(selectors.drills_for(request.user).order_by("-started_at", "-id")[:50])
    today = timezone.localdate()
    times = selectors.drill_response_times(start=today.replace(day=1), end=today, township=township)
    return render(
        request,
        "grids/drills.html",
        {"form": form, "drills": drill_list, "times": list(times.values()), "since": today.replace(day=1)},
        status=status,
    )


@login_required
@require_GET
def drill_detail(request, pk):
    drill = get_object_or_404(selectors.drills_for(request.user), pk=pk)
    mine = services.organisation_of(request.user)
    return render(
        request,
        "grids/drill_detail.html",
        {
            "drill": drill,
            "my_unit": mine,
            "can_operate": request.user.is_superuser or has_role(request.user, Role.OPERATOR),
            "result_form": forms.DrillResultForm(),
        },
    )


@login_required
@require_GET
def my_drill_tasks(request):
    """The drill copies sent to the user's unit."""
    return render(
        request,
        "grids/drill_tasks.html",
        {"tasks": list(selectors.drill_tasks_of_unit(request.user)[:100]), "result_form": forms.DrillResultForm()},
    )


@login_required
@require_POST
def drill_task_action(request, pk, action):
    from grids.models import DrillTask

    task = get_object_or_404(DrillTask.objects.filter(drill__in=selectors.drills_for(request.user)), pk=pk)
    try:
        if action == "acknowledge":
            services.acknowledge_drill_task(task=task, actor=request.user)
        elif action == "handle":
            form = forms.DrillResultForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("请填写演练处置情况。"))
            services.handle_drill_task(task=task, actor=request.user, result=form.cleaned_data["result"])
        else:
            raise PermissionDenied(_("未知的操作。"))
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("已办理。"))
    return redirect("grids:drill_detail", pk=task.drill_id)


@login_required
@require_POST
def finish_drill(request, pk):
    drill = get_object_or_404(selectors.drills_for(request.user), pk=pk)
    try:
        services.finish_drill(drill=drill, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("演练已结束。"))
    return redirect("grids:drill_detail", pk=drill.pk)
