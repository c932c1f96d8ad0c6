"""Fixtures shared by every app's tests: people and their units."""

import pytest
from django.core.cache import cache

from exhibitors.models import Membership
from exhibitors.tests.factories import make_exhibitor


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


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
