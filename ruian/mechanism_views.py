"""Pages of the reform's working mechanisms: the assessment ranking (考核评估) with drill-down, export and
weights, the stationed units under dual management (双重管理) and the secondments (借调) register."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ruian import assessment, secondments
from ruian.organisations import Organisation, OrgKind, StationedType, update_organisation
from ruian.permissions import scope_q
from ruian.selectors import staff_for
from ruian.staff import Role, has_role

VIEWER_ROLES = (Role.LEADER, Role.COUNTY_EDITOR, Role.SQUAD_LEADER, Role.OPERATOR)
SECONDMENT_ROLES = (Role.LEADER, Role.COUNTY_EDITOR)


def _require(user, *roles):
    if not (user.is_superuser or has_role(user, *roles)):
        raise PermissionDenied(_("您没有访问此页面的权限。"))


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def can_view_assessment(user) -> bool:
    return user.is_superuser or has_role(user, *VIEWER_ROLES)


def can_edit_weights(user) -> bool:
    return user.is_superuser or has_role(user, Role.COUNTY_EDITOR)


def _period(request):
    try:
        return assessment.Period.parse(request.GET.get("period"))
    except ValidationError:
        return None


def _subject(request) -> str:
    subject = request.GET.get("subject") or "township"
    return subject if subject in assessment.SUBJECTS else "township"


# --- assessment ---------------------------------------------------------------------------------------


@login_required
@require_GET
def ranking(request):
    _require(request.user, *VIEWER_ROLES)
    period = _period(request)
    subject = _subject(request)
    status = 200
    if period is None:
        messages.error(request, _("考核期间无效: 月度写作 2026-11,年度写作 2026。已显示本月。"))
        period, status = assessment.Period.parse(""), 400
    card = assessment.scorecard(request.user, subject, period)
    return render(
        request,
        "assessment/ranking.html",
        {
            "card": card,
            "subjects": list(assessment.SUBJECTS.values()),
            "subject": subject,
            "period": period,
            "can_edit_weights": can_edit_weights(request.user),
        },
        status=status,
    )


@login_required
@require_GET
def drill_down(request, subject, pk, metric):
    _require(request.user, *VIEWER_ROLES)
    period = _period(request) or assessment.Period.parse("")
    if subject not in assessment.SUBJECTS or metric not in assessment.METRICS:
        raise Http404
    try:
        obj, detail = assessment.drill_down(request.user, subject, pk, metric, period)
    except ValidationError as error:
        raise Http404 from error
    if obj is None:
        raise Http404
    return render(
        request,
        "assessment/drill_down.html",
        {
            "subject": assessment.SUBJECTS[subject],
            "metric": assessment.METRICS[metric],
            "period": period,
            "detail": detail,
            "back": f"{reverse('assessment')}?subject={subject}&period={period}",
        },
    )


@login_required
@require_GET
def export(request):
    """The ranking as an .xlsx spreadsheet (openpyxl, write-only): one row per subject, one column per metric."""
    from openpyxl import Workbook

    _require(request.user, *VIEWER_ROLES)
    period = _period(request)
    if period is None:
        return HttpResponse(_("考核期间无效。"), status=400, content_type="text/plain; charset=utf-8")
    subject = _subject(request)
    card = assessment.scorecard(request.user, subject, period)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=f"{subject} {period}"[:31])
    header = [_("名次"), str(card.subject.label)]
    for metric in card.metrics:
        header += [f"{metric.label}", f"{metric.label} {_('分子/分母')}"]
    header.append(_("得分"))
    if subject == "stationed_unit":
        header += [_("派出部门评分"), _("乡镇权重"), _("综合得分")]
    sheet.append(header)
    sheet.append([_("权重(%)"), ""] + sum(([card.weights.get(m.key, 0), ""] for m in card.metrics), []) + [100])
    for row in card.rows:
        line = [row.rank or "", row.label]
        for cell in row.cells:
            measure = cell.measure
            line += [
                round(100 * cell.value, 1) if cell.value is not None else "",
                f"{measure.numerator:g}/{measure.denominator:g}" if measure else "",
            ]
        line.append(row.score if row.score is not None else "")
        if subject == "stationed_unit":
            line += [
                row.department_score if row.department_score is not None else "",
                row.township_share,
                row.combined if row.combined is not None else "",
            ]
        sheet.append(line)
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    book.save(response)
    response["Content-Disposition"] = f'attachment; filename="assessment-{subject}-{period}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def weights(request):
    """Weights of every subject kind; county editors change one kind at a time (must add up to 100)."""
    _require(request.user, *VIEWER_ROLES)
    errors = {}
    posted_subject = None
    posted = {}
    if request.method == "POST":
        _require(request.user, Role.COUNTY_EDITOR)
        posted_subject = request.POST.get("subject", "")
        if posted_subject not in assessment.SUBJECTS:
            raise Http404
        posted = {m.key: request.POST.get(m.key, "") for m in assessment.metrics_of(posted_subject)}
        try:
            assessment.set_weights(
                subject=posted_subject, weights=posted, actor=request.user, reason=request.POST.get("reason", "")
            )
        except ValidationError as error:
            errors = {"messages": error.messages}
        else:
            messages.success(request, _("权重已保存。"))
            return redirect(f"{reverse('assessment_weights')}#weights-{posted_subject}")
    kinds = []
    for kind in assessment.SUBJECTS.values():
        current = assessment.weights_for(kind.key)
        shown = posted if kind.key == posted_subject else current
        kinds.append(
            {
                "kind": kind,
                "rows": [(m, shown.get(m.key, current.get(m.key, 0))) for m in assessment.metrics_of(kind.key)],
                "errors": errors.get("messages") if kind.key == posted_subject else None,
            }
        )
    return render(
        request,
        "assessment/weights.html",
        {"kinds": kinds, "can_edit": can_edit_weights(request.user)},
        status=400 if errors else 200,
    )


# --- stationed units -----------------------------------------------------------------------------------


class StationedUnitForm(forms.Form):
    stationed_type = forms.ChoiceField(
        label=gettext_lazy("派驻类型"), choices=[("", "—")] + StationedType.choices, required=False
    )
    township_share = forms.DecimalField(
        label=gettext_lazy("乡镇考核权重"), max_digits=3, decimal_places=2, required=False, min_value=0, max_value=1
    )


class DepartmentScoreForm(forms.Form):
    period = forms.CharField(label=gettext_lazy("考核期间"), max_length=7)
    score = forms.DecimalField(label=gettext_lazy("派出部门评分"), max_digits=5, decimal_places=1)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


def stationed_units_for(user):
    return (
        Organisation.objects.filter(scope_q(user, "division"), kind=OrgKind.STATIONED_UNIT)
        .select_related("division", "home_department")
        .order_by("division__code", "name")
    )


@login_required
@require_GET
def stationed_units(request):
    from django.db.models import Count

    units = stationed_units_for(request.user).annotate(staff_count=Count("staff"))
    return render(
        request,
        "assessment/stationed_units.html",
        {
            "units": units,
            "least_share": assessment_least_share(),
            "can_edit": can_edit_weights(request.user),
        },
    )


def assessment_least_share():
    from ruian.organisations import least_township_share

    return least_township_share()


@login_required
@require_http_methods(["GET", "POST"])
def stationed_unit(request, pk):
    unit = get_object_or_404(stationed_units_for(request.user), pk=pk)
    form = StationedUnitForm(
        request.POST or None, initial={"stationed_type": unit.stationed_type, "township_share": unit.township_share}
    )
    score_form = DepartmentScoreForm(prefix="score")
    status = 200
    if request.method == "POST":
        _require(request.user, Role.COUNTY_EDITOR)
        if request.POST.get("form") == "score":
            form = StationedUnitForm(
                initial={"stationed_type": unit.stationed_type, "township_share": unit.township_share}
            )
            score_form = DepartmentScoreForm(request.POST, prefix="score")
            if score_form.is_valid():
                try:
                    assessment.record_department_score(unit=unit, actor=request.user, **score_form.cleaned_data)
                except ValidationError as error:
                    _add_errors(score_form, error)
                else:
                    messages.success(request, _("派出部门评分已记录。"))
                    return redirect("stationed_unit", pk=unit.pk)
        elif form.is_valid():
            try:
                update_organisation(organisation=unit, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("已保存。"))
                return redirect("stationed_unit", pk=unit.pk)
        status = 400
    staff = staff_for(request.user).filter(organisation=unit)
    scores = unit.department_scores.order_by("-period")[:24]
    return render(
        request,
        "assessment/stationed_unit.html",
        {
            "unit": unit,
            "form": form,
            "score_form": score_form,
            "staff": staff,
            "scores": scores,
            "least_share": assessment_least_share(),
            "can_edit": can_edit_weights(request.user),
        },
        status=status,
    )


# --- secondments -----------------------------------------------------------------------------------------


class SecondmentForm(forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("借调人员"), queryset=get_user_model().objects.none())
    office = forms.ModelChoiceField(
        label=gettext_lazy("借调单位"), queryset=Organisation.objects.none(), required=False
    )
    office_name = forms.CharField(
        label=gettext_lazy("借调单位名称"),
        max_length=128,
        required=False,
        help_text=gettext_lazy("不在机构通讯录中的上级机关"),
    )
    started_on = forms.DateField(label=gettext_lazy("借调开始"), widget=forms.DateInput(attrs={"type": "date"}))
    ended_on = forms.DateField(
        label=gettext_lazy("借调结束"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=gettext_lazy("借调事由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            get_user_model()
            .objects.filter(
                scope_q(user, "staff__organisation__division"), staff__organisation__division__level="township"
            )
            .order_by("username")
        )
        self.fields["person"].label_from_instance = lambda u: f"{u.get_full_name() or u.username}({u.username})"
        self.fields["office"].queryset = Organisation.objects.filter(kind__in=secondments.HIGHER_KINDS).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def secondment_list(request):
    _require(request.user, *SECONDMENT_ROLES)
    form = SecondmentForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            person = data["person"]
            profile = getattr(person, "staff", None)
            township = profile.organisation.scope_division if profile and profile.organisation else None
            try:
                if township is None:
                    raise ValidationError({"person": _("借调人员必须是该乡镇(街道)的工作人员。")})
                secondments.record_secondment(
                    person=person,
                    township=township,
                    office=data["office"],
                    office_name=data["office_name"],
                    started_on=data["started_on"],
                    ended_on=data["ended_on"],
                    reason=data["reason"],
                    actor=request.user,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("借调记录已保存。"))
                return redirect("secondments")
        status = 400
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
        datetime.date(year, 1, 1)
    except ValueError:
        year = timezone.localdate().year
    return render(
        request,
        "assessment/secondments.html",
        {
            "form": form,
            "rows": secondments.secondments_for(request.user)[:300],
            "warnings": secondments.over_limit(year, user=request.user),
            "year": year,
            "limit": secondments.yearly_limit_days(),
        },
        status=status,
    )


@login_required
@require_POST
def secondment_end(request, pk):
    _require(request.user, *SECONDMENT_ROLES)
    row = get_object_or_404(secondments.secondments_for(request.user), pk=pk)
    try:
        ended_on = datetime.date.fromisoformat(request.POST.get("ended_on", ""))
        secondments.end_secondment(secondment=row, ended_on=ended_on, actor=request.user)
    except ValueError:
        messages.error(request, _("请填写有效的结束日期。"))
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(request, _("借调已结束。"))
    return redirect("secondments")
