"""Masking personal data in published penalty decisions (行政执法公示, personal information protected)."""

from enforcement.models import PartyKind


def mask_name(name: str, party_kind: str = PartyKind.INDIVIDUAL) -> str:
    """A person's name keeps its first character (张*, 欧阳**); an organisation's name is public."""
    name = (name or "").strip()
    if party_kind != PartyKind.INDIVIDUAL:
        return name
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_id_number(number: str, party_kind: str = PartyKind.INDIVIDUAL) -> str:
    """A resident ID keeps its first 3 and last 2 characters; a unified social credit code is public."""
    number = (number or "").strip()
    if party_kind != PartyKind.INDIVIDUAL:
        return number
    if len(number) <= 5:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 5) + number[-2:]


def mask_phone(phone: str) -> str:
    """A phone number keeps its first 3 and last 4 digits (138****5678)."""
    phone = (phone or "").strip()
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
