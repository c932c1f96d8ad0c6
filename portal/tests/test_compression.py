"""Pages are gzipped by the portal itself, behind any proxy or none (issue 13,
item 5): the same page, smaller; text only; static files left to WhiteNoise.
"""

import gzip
import json
import re

import pytest
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse

from portal.middleware import CompressionMiddleware
from portal.tests.test_page_checks import demo_site

pytestmark = pytest.mark.django_db

__all__ = ["demo_site"]  # the fixture, used by name below

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
# The one part of a page that differs between two requests: the CSRF token,
# masked anew for every response (itself a BREACH mitigation).
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def same_page(html):
    return CSRF.sub(b'name="csrfmiddlewaretoken" value=""', html)


def test_the_fair_the_plan_and_search_are_gzipped_and_read_the_same(client, demo_site):
    fair, _unit = demo_site
    pages = {
        "fair": fair.get_absolute_url(),
        "plan": f"/fairs/{fair.slug}/plan/",
        "search": "/suppliers/?q=چرم",
    }
    sizes = {}
    for name, url in pages.items():
        plain = client.get(url)
        compressed = client.get(url, **GZIP)
        assert plain.status_code == compressed.status_code == 200, name
        assert "Content-Encoding" not in plain, name
        assert compressed["Content-Encoding"] == "gzip", name
        assert "Accept-Encoding" in plain["Vary"] and "Accept-Encoding" in compressed["Vary"]
        assert "Cookie" in compressed["Vary"]  # the language still varies it
        assert int(compressed["Content-Length"]) == len(compressed.content)
        body = gzip.decompress(compressed.content)
        assert same_page(body) == same_page(plain.content), name
        # Django's BREACH mitigation: a file name of random length in the gzip header.
        assert compressed.content[3] & gzip.FNAME, name
        sizes[name] = (len(plain.content), len(compressed.content))
    ratios = {name: before / after for name, (before, after) in sizes.items()}
    print("compressed (bytes before, after):", sizes, ratios)
    assert all(ratio > 3 for ratio in ratios.values()), ratios


def test_json_answers_are_gzipped_too(client, demo_site):
    response = client.get("/api/v1/products/?q=چرم", **GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["count"] > 0


def test_a_client_that_does_not_ask_gets_the_page_as_it_is(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_ENCODING="identity")
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert b"<html" in response.content
    assert "Accept-Encoding" in response["Vary"]


def middleware_around(response):
    return CompressionMiddleware(lambda request: response)


def test_a_streaming_response_is_compressed_as_it_streams(rf):
    rows = [f"{i},واحد {i},همدان\n".encode() for i in range(2000)]
    middleware = middleware_around(
        StreamingHttpResponse(iter(rows), content_type="text/csv; charset=utf-8")
    )
    response = middleware(rf.get("/export.csv", **GZIP))
    assert response.streaming and response["Content-Encoding"] == "gzip"
    assert "Content-Length" not in response
    body = b"".join(response.streaming_content)
    assert gzip.decompress(body) == b"".join(rows)
    assert len(body) < len(b"".join(rows)) / 5


@pytest.mark.parametrize(
    "content_type",
    [
        "image/png",
        "font/woff2",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
    ],
)
def test_what_is_compressed_already_is_left_alone(rf, content_type):
    payload = bytes(range(256)) * 40
    response = middleware_around(HttpResponse(payload, content_type=content_type))(
        rf.get("/file", **GZIP)
    )
    assert "Content-Encoding" not in response
    assert response.content == payload


def test_a_short_response_and_one_already_encoded_are_left_alone(rf):
    short = middleware_around(HttpResponse("ok", content_type="text/plain"))(rf.get("/", **GZIP))
    assert short.content == b"ok" and "Content-Encoding" not in short
    encoded = HttpResponse(gzip.compress(b"x" * 5000), content_type="text/css")
    encoded["Content-Encoding"] = "gzip"
    once = middleware_around(encoded)(rf.get("/", **GZIP))
    assert gzip.decompress(once.content) == b"x" * 5000


def test_static_files_are_served_by_whitenoise_and_never_compressed_twice(
    client, settings, tmp_path
):
    # WhiteNoise, above the compression, answers static files with its own
    # precompressed copies (collectstatic writes them): the portal adds nothing.
    css = b".plan { fill: none; }\n" * 500
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "x.css").write_bytes(css)
    (tmp_path / "css" / "x.css.gz").write_bytes(gzip.compress(css))
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    settings.STATIC_ROOT = tmp_path
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/css/x.css", **GZIP)
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(response.streaming_content)) == css
    image = client.get("/static/logo.png", **GZIP)
    assert "Content-Encoding" not in image
    assert b"".join(image.streaming_content) == (tmp_path / "logo.png").read_bytes()


def test_the_compression_sits_below_whitenoise_and_above_what_writes_pages():
    middleware = settings.MIDDLEWARE
    position = middleware.index("portal.middleware.CompressionMiddleware")
    assert middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") < position
    assert "django.middleware.gzip.GZipMiddleware" not in middleware
    assert position < min(
        middleware.index(name)
        for name in middleware
        if name.startswith(("django.contrib", "portal.middleware.Language", "django.middleware.c"))
    )
