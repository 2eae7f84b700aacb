"""Template helpers for the portal's pages: Bootstrap form fields and the login lockout policy."""

import datetime

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def with_class(field, css_class):
    """Render a bound field's widget with Bootstrap classes, marked invalid when it has errors."""
    classes = css_class
    if field.errors:
        classes += " is-invalid"
    attrs = {"class": classes}
    if field.errors:
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    return field.as_widget(attrs=attrs)


@register.filter
def minutes(value):
    """Whole minutes of a timedelta (axes gives the lockout's cool-off as one); rounds up."""
    if not isinstance(value, datetime.timedelta):
        return ""
    seconds = int(value.total_seconds())
    return max(1, -(-seconds // 60))


@register.simple_tag
def lockout_policy():
    """How many failed logins lock an account, and for how long: the login page tells users."""
    cooloff = getattr(settings, "AXES_COOLOFF_TIME", None)
    cooloff_minutes = round(cooloff * 60) if isinstance(cooloff, int | float) else None
    return {"failure_limit": getattr(settings, "AXES_FAILURE_LIMIT", 5), "cooloff_minutes": cooloff_minutes}


@register.filter
def is_under(path, url):
    """Whether the current path is the page `url` or one below it (for the navigation's active item)."""
    if not url:
        return False
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")
