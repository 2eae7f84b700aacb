"""Sessions read from Redis and kept in PostgreSQL: Django's cached_db, that keeps working without Redis.

Every page request reads its session; from the cache that is one Redis round trip instead of a
PostgreSQL query. The database stays the record (a Redis restart loses nothing: Redis keeps nothing on
disk here). Django's backend already survives a failed cache write on save; here a failed cache read,
refill or delete falls back to the database as well, so pages keep working while Redis is down.
"""

import logging

from django.contrib.sessions.backends import cached_db

log = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            log.warning("session cache unavailable; session read from the database", exc_info=True)
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            log.warning("session cache unavailable; session not cached", exc_info=True)
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            log.warning("session cache unavailable", exc_info=True)
        return super(cached_db.SessionStore, self).exists(session_key)

    def delete(self, session_key=None):
        super(cached_db.SessionStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:
            # The session row is gone; a cached copy left behind would still log its holder in.
            log.error("session cache unavailable: cached copy of a deleted session not removed", exc_info=True)
