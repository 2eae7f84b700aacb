"""Throttles: one counter per client and window, and requests let through when the cache is down.

DRF's SimpleRateThrottle keeps the timestamp of every request in the window as one cached list, read,
unpickled, extended, pickled and written back on each request: at 6,000 requests a minute that is a list
of thousands of floats per request. Here each client has one integer per fixed window, incremented
atomically (Redis INCR) in one round trip. A fixed window lets a client spend up to twice the rate
across a window boundary; the rates are set with that in mind.
"""

import logging

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils.connection import ConnectionProxy
from rest_framework import throttling

log = logging.getLogger(__name__)


class _WindowCounter:
    def allow_request(self, request, view):
        try:
            return self._allow(request, view)
        except Exception:  # redis.exceptions.ConnectionError and friends, from the cache backend
            log.warning("throttle cache unavailable; request allowed without throttling", exc_info=True)
            return True

    def _allow(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self._wait = self.duration - (now - window * self.duration)
        count = self._increment(f"{self.key}:{window}", self.duration + 1)
        return count <= self.num_requests

    def _increment(self, key: str, timeout: int) -> int:
        cache = self.cache
        if isinstance(cache, ConnectionProxy):  # DRF's default: django.core.cache.cache, a proxy to the backend
            cache = caches[cache._alias]
        if isinstance(cache, RedisCache):
            key = cache.make_and_validate_key(key)
            pipeline = cache._cache.get_client(key, write=True).pipeline(transaction=False)
            pipeline.incr(key)
            pipeline.expire(key, timeout, nx=True)
            return pipeline.execute()[0]
        if cache.add(key, 1, timeout):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout)
            return 1

    def wait(self):
        return getattr(self, "_wait", None)


class UserRateThrottle(_WindowCounter, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(_WindowCounter, throttling.AnonRateThrottle):
    pass


class ScopedRateThrottle(_WindowCounter, throttling.ScopedRateThrottle):
    def allow_request(self, request, view):
        # What DRF's ScopedRateThrottle does before counting: the rate is the view's scope's.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
