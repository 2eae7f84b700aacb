"""Assessment (考核评估): monthly and yearly scorecards built from what the portal already records.

The kernel knows the subjects (townships, stationed units, enforcement officers, and whatever an app
registers, e.g. grid workers) and the weights; the apps bring the metrics. Each app's `metrics.py` calls
`register_metric(...)` and is found by `autodiscover_modules("metrics")` in `RuianConfig.ready`, so the
kernel never imports an app.

A metric answers, for one period and all subjects at once, with ONE set-based query: a mapping
subject id -> `Measure(numerator, denominator)`. Its value is numerator / denominator in [0, 1], or
nothing when there was nothing to measure; a subject's score is the weighted mean of its measured
values, the weights of unmeasured metrics left out (a township with no transfer this month is not
punished for it). A scorecard therefore costs a fixed number of queries whatever the data size.

Weights are percentages per subject kind, edited by county editors, audited, and must add up to 100.
"""

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ruian.audit import log_action

# --- periods ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar month or year, [start, end) in local time (Asia/Shanghai)."""

    kind: str  # "month" or "year"
    first: datetime.date

    @classmethod
    def parse(cls, text: str | None, *, today: datetime.date | None = None) -> "Period":
        """'2026-11' is a month, '2026' a year; empty means this month. Anything else is refused."""
        today = today or timezone.localdate()
        text = (text or "").strip()
        if not text:
            return cls("month", today.replace(day=1))
        try:
            if len(text) == 4:
                return cls("year", datetime.date(int(text), 1, 1))
            if len(text) == 7 and text[4] == "-":
                return cls("month", datetime.date(int(text[:4]), int(text[5:]), 1))
        except ValueError:
            pass
        raise ValidationError(
            gettext("考核期间 “%(text)s” 无效: 月度写作 2026-11,年度写作 2026。") % {"text": text[:20]},
            code="period",
        )

    @property
    def last(self) -> datetime.date:
        return self.following - datetime.timedelta(days=1)

    @property
    def following(self) -> datetime.date:
        if self.kind == "year":
            return self.first.replace(year=self.first.year + 1)
        return (self.first + datetime.timedelta(days=32)).replace(day=1)

    @property
    def start(self) -> datetime.datetime:
        return _midnight(self.first)

    @property
    def end(self) -> datetime.datetime:
        return _midnight(self.following)

    def __str__(self):
        return self.first.strftime("%Y") if self.kind == "year" else self.first.strftime("%Y-%m")


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- the registry -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    numerator: float
    denominator: float

    @property
    def value(self) -> float | None:
        if not self.denominator:
            return None
        return max(0.0, min(1.0, self.numerator / self.denominator))


@dataclass(frozen=True)
class Record:
    """One record behind a score, for the drill-down: a label, a link, and whether it counted for or against."""

    label: str
    url: str
    good: bool | None = None
    note: str = ""


@dataclass
class SubjectKind:
    key: str
    label: str
    # (user) -> queryset of the subjects the user may see; `subject_label(obj)` names one.
    subjects: Callable
    subject_label: Callable = str
    subject_url: Callable | None = None


@dataclass
class Metric:
    key: str  # "<app>.<name>", unique
    subject: str  # a SubjectKind key
    label: str
    # (subject_ids, period) -> {subject_id: Measure}; one query.
    compute: Callable
    # (subject_id, period, limit) -> [Record]; one query. Optional.
    records: Callable | None = None
    default_weight: int = 0
    description: str = ""
    # A metric whose data does not exist yet (e.g. drills) stays registered but is left out of the score.
    order: int = field(default=0)


SUBJECTS: dict[str, SubjectKind] = {}
METRICS: dict[str, Metric] = {}


def register_subject(key: str, *, label, subjects: Callable, subject_label: Callable = str, subject_url=None):
    SUBJECTS[key] = SubjectKind(key, label, subjects, subject_label, subject_url)
    return SUBJECTS[key]


def register_metric(
    key: str,
    *,
    subject: str,
    label,
    compute: Callable,
    records: Callable | None = None,
    default_weight: int = 0,
    description="",
) -> Metric:
    """Register a metric (idempotent: registering a key again replaces it, so reloading a module is harmless)."""
    METRICS[key] = Metric(key, subject, label, compute, records, default_weight, description, order=len(METRICS))
    return METRICS[key]


def metrics_of(subject: str) -> list[Metric]:
    return sorted((m for m in METRICS.values() if m.subject == subject), key=lambda m: m.order)


def subject_kind(key: str) -> SubjectKind:
    if key not in SUBJECTS:
        raise ValidationError(
            gettext("未知考核对象 “%(key)s”。可用: %(keys)s。") % {"key": key[:40], "keys": ", ".join(SUBJECTS)},
            code="subject_kind",
        )
    return SUBJECTS[key]


def metric(key: str) -> Metric:
    if key not in METRICS:
        raise ValidationError(gettext("未知考核指标 “%(key)s”。") % {"key": key[:60]}, code="metric")
    return METRICS[key]


# --- weights ----------------------------------------------------------------------------------------


class MetricWeight(models.Model):
    """The weight (percent) of one metric in one kind of subject's score. No rows: the metrics' defaults."""

    subject_kind = models.CharField(_("考核对象"), max_length=32)
    metric = models.CharField(_("指标"), max_length=64)
    weight = models.PositiveSmallIntegerField(_("权重(%)"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("考核权重")
        verbose_name_plural = _("考核权重")
        constraints = [
            models.UniqueConstraint(fields=["subject_kind", "metric"], name="metric_weight_once"),
            models.CheckConstraint(condition=models.Q(weight__lte=100), name="metric_weight_percent"),
        ]

    def __str__(self):
        return f"{self.subject_kind} {self.metric} {self.weight}%"


def default_weights(subject: str) -> dict[str, int]:
    """The registered defaults, made to add up to 100 (the last metric takes the rounding)."""
    metrics = metrics_of(subject)
    given = {m.key: m.default_weight for m in metrics}
    total = sum(given.values())
    if not metrics:
        return {}
    if total == 100:
        return given
    if not total:
        given = {key: 1 for key in given}
        total = len(given)
    scaled = {key: int(100 * value / total) for key, value in given.items()}
    last = metrics[-1].key
    scaled[last] += 100 - sum(scaled.values())
    return scaled


def weights_for(subject: str) -> dict[str, int]:
    """Current weights of a subject kind: the stored ones if a county editor set them, else the defaults."""
    stored = dict(MetricWeight.objects.filter(subject_kind=subject).values_list("metric", "weight"))
    keys = [m.key for m in metrics_of(subject)]
    if stored and set(stored) >= set(keys):
        return {key: stored[key] for key in keys}
    defaults = default_weights(subject)
    if stored:
        # A metric registered after the editor saved: the editor's weights stand, the newcomer weighs 0
        # until set, so the total stays 100.
        return {key: stored.get(key, 0) for key in keys} if sum(stored.values()) == 100 else defaults
    return defaults


def _as_percent(key: str, value) -> int:
    try:
        number = decimal.Decimal(str(value))
    except (decimal.InvalidOperation, ValueError) as error:
        raise ValidationError({key: gettext("权重必须是 0 到 100 之间的整数。")}, code="weight") from error
    if number != number.to_integral_value() or not 0 <= number <= 100:
        raise ValidationError({key: gettext("权重必须是 0 到 100 之间的整数。")}, code="weight")
    return int(number)


@transaction.atomic
def set_weights(*, subject: str, weights: dict, actor=None, reason: str = "") -> dict[str, int]:
    """Replace the weights of a subject kind. Every registered metric must be given, and they must add up
    to exactly 100%; otherwise nothing is saved. Audited with the old and the new weights."""
    subject_kind(subject)
    keys = [m.key for m in metrics_of(subject)]
    unknown = sorted(set(weights) - set(keys))
    if unknown:
        raise ValidationError(
            gettext("“%(subject)s” 没有这些指标: %(keys)s。") % {"subject": subject, "keys": ", ".join(unknown)},
            code="weight_unknown_metric",
        )
    missing = [key for key in keys if key not in weights]
    if missing:
        raise ValidationError(
            gettext("缺少这些指标的权重: %(keys)s。") % {"keys": ", ".join(missing)}, code="weight_missing_metric"
        )
    errors = {}
    clean = {}
    for key in keys:
        try:
            clean[key] = _as_percent(key, weights[key])
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    total = sum(clean.values())
    if total != 100:
        raise ValidationError(
            gettext("各项权重之和必须等于 100%%,现在是 %(total)s%%。未保存任何修改。") % {"total": total},
            code="weights_total",
        )
    # Lock the kind's rows so two editors saving at once cannot interleave into a total other than 100.
    existing = {row.metric: row for row in MetricWeight.objects.select_for_update().filter(subject_kind=subject)}
    old = weights_for(subject)
    if old == clean and set(existing) >= set(keys):
        return clean
    MetricWeight.objects.filter(subject_kind=subject).exclude(metric__in=keys).delete()
    by = actor if getattr(actor, "is_authenticated", False) else None
    for key, value in clean.items():
        MetricWeight.objects.update_or_create(
            subject_kind=subject, metric=key, defaults={"weight": value, "updated_by": by}
        )
    log_action(
        "ruian.assessment.weights_changed",
        actor=actor,
        to_state=subject,
        reason=reason,
        data={"subject": subject, "from": old, "to": clean},
    )
    return clean


# --- department scores of stationed units (dual management) -----------------------------------------


class DepartmentScore(models.Model):
    """The home department's score of a stationed unit for a period; the township's computed score weighs
    at least the configured share of the combined score (双重管理,共同考核)."""

    unit = models.ForeignKey(
        "ruian.Organisation", verbose_name=_("派驻机构"), on_delete=models.PROTECT, related_name="department_scores"
    )
    period = models.CharField(_("考核期间"), max_length=7, help_text=_("2026-11 或 2026"))
    score = models.DecimalField(_("派出部门评分"), max_digits=5, decimal_places=1)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("派出部门评分")
        verbose_name_plural = _("派出部门评分")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="department_score_once"),
            models.CheckConstraint(condition=models.Q(score__gte=0, score__lte=100), name="department_score_0_100"),
        ]

    def __str__(self):
        return f"{self.unit} {self.period} {self.score}"


@transaction.atomic
def record_department_score(*, unit, period: "Period | str", score, note: str = "", actor=None) -> DepartmentScore:
    from ruian.organisations import Organisation, OrgKind

    period = Period.parse(period) if isinstance(period, str) else period
    unit = Organisation.objects.select_for_update().get(pk=unit.pk)
    if unit.kind != OrgKind.STATIONED_UNIT:
        raise ValidationError({"unit": gettext("只有派驻机构才有派出部门评分。")}, code="department_score_unit")
    try:
        value = decimal.Decimal(str(score)).quantize(decimal.Decimal("0.1"))
    except (decimal.InvalidOperation, ValueError) as error:
        raise ValidationError({"score": gettext("评分必须是 0 到 100 之间的数。")}, code="score") from error
    if not 0 <= value <= 100:
        raise ValidationError({"score": gettext("评分必须是 0 到 100 之间的数。")}, code="score")
    row, created = DepartmentScore.objects.update_or_create(
        unit=unit,
        period=str(period),
        defaults={
            "score": value,
            "note": note,
            "recorded_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    log_action(
        "ruian.assessment.department_score_recorded",
        actor=actor,
        obj=unit,
        to_state=str(value),
        data={"period": str(period), "score": str(value), "note": note},
    )
    return row


def combined_score(*, township_score: float, department_score: float, township_share=None) -> float:
    """A stationed unit's score: township share x the township's score + the rest x the department's.
    A share below the configured least share (Rudong 50%, Dezhou 60%) is refused."""
    from ruian.organisations import least_township_share

    least = least_township_share()
    share = least if township_share is None else decimal.Decimal(str(township_share))
    if not least <= share <= 1:
        raise ValidationError(
            gettext("乡镇(街道)评分权重不得低于 %(least)s。") % {"least": f"{least:.0%}"}, code="township_share"
        )
    share = float(share)
    return round(share * float(township_score) + (1 - share) * float(department_score), 1)


# --- scorecards -------------------------------------------------------------------------------------


@dataclass
class Cell:
    metric: Metric
    measure: Measure | None
    weight: int

    @property
    def value(self) -> float | None:
        return self.measure.value if self.measure else None


@dataclass
class Row:
    subject: object
    label: str
    cells: list[Cell]
    score: float | None
    rank: int = 0
    url: str | None = None
    # Stationed units only: the home department's score and the combined one.
    department_score: float | None = None
    combined: float | None = None
    township_share: float | None = None


@dataclass
class Scorecard:
    subject: SubjectKind
    period: Period
    metrics: list[Metric]
    weights: dict[str, int]
    rows: list[Row]


def score_of(cells: list[Cell]) -> float | None:
    measured = [(cell.weight, cell.value) for cell in cells if cell.value is not None and cell.weight]
    total = sum(weight for weight, _value in measured)
    if not total:
        return None
    return round(100 * sum(weight * value for weight, value in measured) / total, 1)


def scorecard(user, subject: str, period: Period) -> Scorecard:
    """Every subject of a kind the user may see, scored and ranked for the period.

    Queries: the subjects, the weights, one per metric (and one for department scores of stationed units),
    whatever the number of subjects and records.
    """
    kind = subject_kind(subject)
    subjects = list(kind.subjects(user))
    ids = [obj.pk for obj in subjects]
    metrics = metrics_of(subject)
    weights = weights_for(subject)
    measures = {m.key: (m.compute(ids, period) if ids else {}) for m in metrics}
    rows = []
    for obj in subjects:
        cells = [Cell(m, measures[m.key].get(obj.pk), weights.get(m.key, 0)) for m in metrics]
        rows.append(
            Row(
                subject=obj,
                label=kind.subject_label(obj),
                cells=cells,
                score=score_of(cells),
                url=kind.subject_url(obj) if kind.subject_url else None,
            )
        )
    if subject == "stationed_unit" and ids:
        scores = dict(
            DepartmentScore.objects.filter(unit_id__in=ids, period=str(period)).values_list("unit_id", "score")
        )
        for row in rows:
            row.township_share = float(row.subject.effective_township_share)
            department = scores.get(row.subject.pk)
            if department is not None:
                row.department_score = float(department)
            # Without a township score there is nothing for the township's share to weigh: no combined score.
            if department is not None and row.score is not None:
                row.combined = combined_score(
                    township_score=row.score,
                    department_score=float(department),
                    township_share=row.subject.effective_township_share,
                )
    _rank(rows, key=(lambda row: row.combined if row.combined is not None else row.score))
    return Scorecard(kind, period, metrics, weights, rows)


def _rank(rows: list[Row], key) -> None:
    """Best first; equal scores share a rank (1, 2, 2, 4); unscored subjects come last, unranked."""
    rows.sort(key=lambda row: (key(row) is None, -(key(row) or 0), row.label))
    previous, rank = object(), 0
    for position, row in enumerate(rows, start=1):
        value = key(row)
        if value is None:
            row.rank = 0
            continue
        if value != previous:
            rank, previous = position, value
        row.rank = rank


def drill_down(user, subject: str, subject_id: int, metric_key: str, period: Period, limit: int = 500):
    """The subject (if the user may see it) and the records behind one metric of its score."""
    kind = subject_kind(subject)
    found = metric(metric_key)
    if found.subject != subject:
        raise ValidationError(gettext("该指标不属于此考核对象。"), code="metric_subject")
    obj = kind.subjects(user).filter(pk=subject_id).first()
    if obj is None:
        return None, []
    measure = found.compute([obj.pk], period).get(obj.pk)
    records = found.records(obj.pk, period, limit) if found.records else []
    return obj, {"measure": measure, "records": records, "label": kind.subject_label(obj)}


# --- the kernel's subjects ----------------------------------------------------------------------------


def _townships(user):
    from ruian.divisions import Division, Level
    from ruian.permissions import scope_q

    return Division.objects.filter(scope_q(user, ""), level=Level.TOWNSHIP).order_by("code")


def _stationed_units(user):
    from ruian.organisations import Organisation, OrgKind
    from ruian.permissions import scope_q

    return (
        Organisation.objects.filter(scope_q(user, "division"), kind=OrgKind.STATIONED_UNIT, is_active=True)
        .select_related("division", "home_department")
        .order_by("division__code", "name")
    )


def _officers(user):
    from django.contrib.auth import get_user_model

    from ruian.permissions import scope_q
    from ruian.staff import Role

    return (
        get_user_model()
        .objects.filter(scope_q(user, "staff__organisation__division"), groups__name=Role.OFFICER, is_active=True)
        .select_related("staff__organisation__division")
        .order_by("staff__organisation__division__code", "last_name", "first_name", "username")
    )


def _person(user) -> str:
    name = user.get_full_name() or user.get_username()
    organisation = getattr(getattr(user, "staff", None), "organisation", None)
    return f"{name}({organisation.name})" if organisation else name


def _organisation_url(organisation) -> str:
    from django.urls import reverse

    return reverse("organisation_detail", args=[organisation.pk])


def register_kernel_subjects() -> None:
    register_subject("township", label=_("乡镇(街道)"), subjects=_townships, subject_label=lambda d: d.name)
    register_subject(
        "stationed_unit",
        label=_("派驻机构"),
        subjects=_stationed_units,
        subject_label=lambda o: o.name,
        subject_url=_organisation_url,
    )
    register_subject("officer", label=_("执法人员"), subjects=_officers, subject_label=_person)
