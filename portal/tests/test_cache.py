"""The database cache's incr is atomic: threads incrementing one key at once
lose no count (Django's own reads and writes separately)."""

import threading

import pytest
from django.core.cache import caches
from django.db import connection, connections


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_increments_of_one_key_all_count(settings):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("an in-memory SQLite database is one connection: no concurrency to test")
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.lib.cache.DatabaseCache",
            "LOCATION": "portal_cache",
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    }
    cache = caches["default"]
    cache.set("hits", 0, 60)
    errors = []

    def hit():
        try:
            for _ in range(25):
                caches["default"].incr("hits")
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.get("hits") == 100


@pytest.mark.django_db
def test_incr_of_a_missing_key_is_an_error_as_in_django(settings):
    settings.CACHES = {
        "default": {"BACKEND": "portal.lib.cache.DatabaseCache", "LOCATION": "portal_cache"}
    }
    with pytest.raises(ValueError):
        caches["default"].incr("nothing-here")
