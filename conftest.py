"""Fixtures shared by every app's tests: people and their units."""

import pytest
from django.core.cache import cache

import messaging
from exhibitors.models import Membership
from exhibitors.tests.factories import make_exhibitor
from portal.lib import tasks


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_ROOT = tmp_path / "imports"


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    """A cache of the test's own (the database cache needs a database, which not
    every test has); accounts' tests use the database cache where it matters."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture(autouse=True)
def _jobs_and_sms_in_process(settings):
    """Jobs run at once in the test's process (delayed ones wait in
    portal.lib.tasks.deferred); SMS land in messaging.outbox."""
    settings.TASKS = {
        "default": {"BACKEND": "portal.lib.tasks.TestBackend", "QUEUES": ["default", "matching"]}
    }
    settings.SMS_BACKEND = "messaging.backends.locmem.SMSBackend"
    # No quiet hours unless a test sets them: a test must not depend on the hour it runs at.
    settings.SMS_QUIET_HOURS = ""
    messaging.outbox = []
    tasks.deferred.clear()
    yield
    tasks.deferred.clear()


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(
        "owner@example.ir", "owner@example.ir", "Goosfand-Sefid-1405"
    )


@pytest.fixture
def unit(owner):
    exhibitor = make_exhibitor(legal_name="شرکت کفش نمونه", mobile="09181112233")
    Membership.objects.create(user=owner, exhibitor=exhibitor, role=Membership.Role.OWNER)
    return exhibitor


@pytest.fixture
def owner_client(client, owner, unit):
    client.force_login(owner)
    return client


@pytest.fixture
def stranger_client(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_user("other@example.ir", "other@example.ir")
    )
    return client
