"""What page tests share: the language switch and counting queries."""

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext


def in_language(client, code):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    return client


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)
