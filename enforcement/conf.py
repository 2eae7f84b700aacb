"""Enforcement settings: the [practice] figures of DOMAIN.md section 3 are settings with these defaults.

Read through `setting(name)` so a project setting `ENFORCEMENT_<NAME>` (or a test's `settings` fixture)
overrides them; ruian/settings.py need not know about them.
"""

from decimal import Decimal

from django.conf import settings

DEFAULTS = {
    # Filing (立案) within this many working days of receiving a lead [practice].
    "FILING_WORKING_DAYS": 15,
    # Decision within 90 calendar days of filing (APL Art 60); an approved extension adds this many [practice].
    "DECISION_DAYS": 90,
    "DECISION_EXTENSION_DAYS": 30,
    # Service within 7 working days of the decision (APL Art 61).
    "SERVICE_WORKING_DAYS": 7,
    # Hearing request within 5 working days of the pre-decision notice; notice 7 days before (APL Art 64).
    "HEARING_REQUEST_WORKING_DAYS": 5,
    "HEARING_NOTICE_DAYS": 7,
    # The receiving side accepts or returns a transfer within this many working days [practice].
    "TRANSFER_ACCEPT_WORKING_DAYS": 5,
    # Penalty decisions public within 7 working days ("three systems", 2018).
    "PUBLICITY_WORKING_DAYS": 7,
    # Suspected crime: the head decides within 3 days, the transfer follows within 24 hours.
    "CRIMINAL_DECISION_DAYS": 3,
    "CRIMINAL_TRANSFER_HOURS": 24,
    # Payment within 15 days of service (APL Art 67); 3% a day after that, capped at the fine (Art 72).
    "PAYMENT_DAYS": 15,
    "LATE_SURCHARGE_DAILY_RATE": Decimal("0.03"),
    # Simplified on-the-spot procedure (APL Art 51).
    "SIMPLIFIED_MAX_FINE_INDIVIDUAL": Decimal("200"),
    "SIMPLIFIED_MAX_FINE_ORGANISATION": Decimal("3000"),
    # Major cases need legal review before the decision (APL Art 58); the criteria are local [practice].
    "MAJOR_FINE_INDIVIDUAL": Decimal("10000"),
    "MAJOR_FINE_ORGANISATION": Decimal("100000"),
    "MAJOR_MEASURES": ("revoke_licence", "order_closure", "restrict_activity", "lower_qualification"),
}


def setting(name: str):
    return getattr(settings, f"ENFORCEMENT_{name}", DEFAULTS[name])


# Training and certificates (全员培训) [practice]: a certificate issued after a passed exam is valid this many
# years; officers are told this many days before it expires.
DEFAULTS.update(
    {
        "CERTIFICATE_VALIDITY_YEARS": 3,
        "CERTIFICATE_WARNING_DAYS": 60,
    }
)
