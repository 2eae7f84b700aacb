"""Request context for code far from the view (services, the audit log): the client's address."""

import contextvars

_current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("ruian_current_ip", default=None)


def current_ip() -> str | None:
    return _current_ip.get()


def set_current_ip(ip: str | None):
    return _current_ip.set(ip)


def reset_current_ip(token) -> None:
    _current_ip.reset(token)
