"""The legal rules of the Administrative Penalty Law (2021) that the services apply, one function each.

They are pure functions of dates and amounts, so each can be tested on its own and named in an error.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from enforcement.conf import setting
from enforcement.models import PartyKind, PenaltyMeasure
from ruian import workdays

# Weight of each kind of penalty (APL Art 9, lightest first); used to tell a heavier decision.
MEASURE_WEIGHT = {measure.value: weight for weight, measure in enumerate(PenaltyMeasure)}


def hearing_request_deadline(notice_served_on: datetime.date) -> datetime.date:
    """The last day a hearing may be requested: 5 working days after the notice is served (APL Art 64)."""
    return workdays.add_working_days(notice_served_on, setting("HEARING_REQUEST_WORKING_DAYS"))


def hearing_notice_sufficient(notice_sent_on: datetime.date, held_on: datetime.date) -> bool:
    """The party is told of the hearing at least 7 days before it is held (APL Art 64 (2))."""
    return (held_on - notice_sent_on).days >= setting("HEARING_NOTICE_DAYS")


def service_deadline(decided_on: datetime.date) -> datetime.date:
    """Served on the spot or within 7 working days of the decision (APL Art 61)."""
    return workdays.add_working_days(decided_on, setting("SERVICE_WORKING_DAYS"))


def payment_deadline(served_on: datetime.date) -> datetime.date:
    """The fine is paid within 15 days of service (APL Art 67)."""
    return served_on + datetime.timedelta(days=setting("PAYMENT_DAYS"))


def late_surcharge(fine: Decimal, payment_due: datetime.date | None, paid_on: datetime.date) -> Decimal:
    """3% of the fine for each day after the payment deadline, never more than the fine (APL Art 72 (1))."""
    if not fine or payment_due is None or paid_on <= payment_due:
        return Decimal("0.00")
    days = (paid_on - payment_due).days
    surcharge = (Decimal(fine) * setting("LATE_SURCHARGE_DAILY_RATE") * days).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return min(surcharge, Decimal(fine))


def simplified_procedure_allowed(party_kind: str, fine: Decimal, measures) -> bool:
    """On-the-spot decision: a warning, or a fine up to ¥200 (individual) / ¥3,000 (organisation) (APL Art 51)."""
    allowed = {PenaltyMeasure.WARNING, PenaltyMeasure.FINE}
    if not measures or not set(measures) <= allowed:
        return False
    if PenaltyMeasure.FINE not in measures:
        return not fine
    limit = (
        setting("SIMPLIFIED_MAX_FINE_INDIVIDUAL")
        if party_kind == PartyKind.INDIVIDUAL
        else setting("SIMPLIFIED_MAX_FINE_ORGANISATION")
    )
    return Decimal("0") < Decimal(fine) <= limit


def major_reasons(party_kind: str, fine: Decimal, measures) -> list[str]:
    """Why a case counts as major and needs legal review before its decision (APL Art 58) [practice criteria]."""
    reasons = []
    limit = (
        setting("MAJOR_FINE_INDIVIDUAL") if party_kind == PartyKind.INDIVIDUAL else setting("MAJOR_FINE_ORGANISATION")
    )
    if fine and Decimal(fine) >= limit:
        reasons.append(f"fine>={limit}")
    for measure in measures or ():
        if measure in setting("MAJOR_MEASURES"):
            reasons.append(measure)
    return reasons


def heavier_than(fine, confiscation, measures, proposed_fine, proposed_confiscation, proposed_measures) -> bool:
    """Whether a penalty is heavier than the proposed one: a larger amount or a kind not proposed that
    weighs more than every proposed kind (APL Art 45: a defence never makes the penalty heavier)."""
    if Decimal(fine or 0) > Decimal(proposed_fine or 0):
        return True
    if Decimal(confiscation or 0) > Decimal(proposed_confiscation or 0):
        return True
    heaviest_proposed = max((MEASURE_WEIGHT[m] for m in proposed_measures or ()), default=-1)
    return any(m not in (proposed_measures or ()) and MEASURE_WEIGHT[m] > heaviest_proposed for m in measures or ())
