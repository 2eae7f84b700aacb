"""Settings of the grids app, each with a default so the kernel's settings.py need not know about them.

Every value can be set in settings (and so from the environment there); these are local practice, not law.
"""

from django.conf import settings


def _setting(name, default):
    return getattr(settings, name, default)


def sequence_width() -> int:
    """Digits a grid adds to its community's 12-digit code (2 or 3: 14- or 15-digit grid codes)."""
    return _setting("GRID_SEQUENCE_WIDTH", 3)


def whistle_ack_hours() -> int:
    """Hours a unit named in a whistle has to acknowledge (报到) before the event goes one level up."""
    return _setting("GRID_WHISTLE_ACK_HOURS", 2)


def duplicate_metres() -> int:
    """Reports within this distance of an open event of the same category are offered as duplicates."""
    return _setting("GRID_DUPLICATE_METRES", 150)


def township_share() -> float:
    """Least share of a stationed unit's score that the township's assessment carries (Rudong: 50%)."""
    return _setting("GRID_TOWNSHIP_ASSESSMENT_SHARE", 0.5)


def max_photos() -> int:
    """Photos one event report may carry."""
    return _setting("GRID_MAX_PHOTOS", 9)


def photo_max_bytes() -> int:
    """The largest photo accepted (never more than the kernel's attachment limit)."""
    return min(_setting("GRID_PHOTO_MAX_BYTES", 10 * 1024 * 1024), settings.ATTACHMENT_MAX_BYTES)


def drill_candidates_days() -> int:
    """How far back a drill looks for the past event or case it copies."""
    return _setting("GRID_DRILL_LOOKBACK_DAYS", 365)
