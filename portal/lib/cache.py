"""Django's database cache with an atomic ``incr``, for rate limits.

Django's DatabaseCache increments by a read and a write, so two requests at
once count as one (django-ratelimit refuses it for that reason). Here the
row is locked first — FOR UPDATE on PostgreSQL; on SQLite an IMMEDIATE
transaction lets one writer in at a time — and the increment is exact.
"""

from django.core.cache.backends import db
from django.db import connections, router, transaction


class DatabaseCache(db.DatabaseCache):
    def incr(self, key, delta=1, version=None):
        made = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        table = connection.ops.quote_name(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=alias):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT cache_key FROM {table} WHERE cache_key = %s{lock}", [made])
            return super().incr(key, delta, version)
