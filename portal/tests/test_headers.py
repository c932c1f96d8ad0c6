"""Every page sends a strict Content-Security-Policy and a Permissions-Policy,
and has nothing inline that the policy would block: no <script> without src,
no on…= handler, no javascript: address, no style="" and no <style>, the
admin's pages included (issue 13, item 2).

The pages are test_page_checks.py's, on the demo; the same pages in Chromium,
with the policy enforced, are in test_csp_browser.py.
"""

import json
import os
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from accounts.testing import sign_in_staff
from portal import demo
from portal.tests.helpers import in_language
from portal.tests.test_page_checks import ADMIN_PAGES, demo_site, exhibitor_pages, public_pages

pytestmark = pytest.mark.django_db

__all__ = ["demo_site"]  # the fixture, used by name below

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
DENIED = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "midi"]


def directives(header):
    """{directive: [source, …]} of a policy header."""
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


class Inline(HTMLParser):
    """What a page has inline that `script-src 'self'; style-src 'self'` blocks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self.script = [], None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style":
                self.found.append(f"<{tag} style=…>")
            address = (value or "").strip().lower()
            if name in ("href", "src", "action", "formaction") and address.startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script":
            if "src" not in attributes:
                self.found.append("<script> without src")
            else:
                self.script = []

    def handle_data(self, data):
        if self.script is not None:
            self.script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self.script is not None:
            if "".join(self.script).strip():
                self.found.append("<script src> with a body")
            self.script = None


def inline_parts(html):
    parser = Inline()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_checker_finds_what_the_policy_blocks():
    html = (
        '<p style="color:red"><a href="javascript:go()">x</a><b onclick="go()">y</b></p>'
        "<style>p{}</style><script>go()</script><script src=/s.js>go()</script>"
        '<script src="/static/js/plan.js" defer></script>'
    )
    assert inline_parts(html) == [
        "<p style=…>",
        "<a href=javascript:…>",
        "<b onclick=…>",
        "<style>",
        "<script> without src",
        "<script src> with a body",
    ]


def every_page(client, fair, unit, language):
    """{name: response} of every main page, as a visitor, an exhibitor and an organizer."""
    client = in_language(client, language)
    hall = fair.halls.order_by("code").first()
    responses = {}

    def get(name, url):
        response = client.get(url)
        assert response.status_code in (200, 404), (name, url, response.status_code)
        responses[name] = response

    for name, url in public_pages(fair, unit).items():
        get(name, url)
    client.force_login(User.objects.get(username=demo.EXHIBITOR[0]))
    pages = exhibitor_pages(fair, unit) | {
        "product-new": f"/dashboard/units/{unit.pk}/products/new/",
        "need-new-form": f"/dashboard/units/{unit.pk}/needs/new/",
    }
    for name, url in pages.items():
        get(name, url)
    client.logout()
    sign_in_staff(client, User.objects.get(username=demo.ORGANIZER[0]))
    participation = fair.participations.order_by("pk").first()
    admin = ADMIN_PAGES | {
        "admin-fair": f"/admin/fairs/fair/{fair.pk}/change/",
        "admin-participation": f"/admin/fairs/participation/{participation.pk}/change/",
        "admin-unit": f"/admin/exhibitors/exhibitor/{unit.pk}/change/",
        "admin-unit-add": "/admin/exhibitors/exhibitor/add/",
        "admin-unit-popup": "/admin/exhibitors/exhibitor/add/?_to_field=id&_popup=1",
        "admin-users": "/admin/auth/user/",
        "admin-hall-plan": f"/admin/fairs/hall/{hall.pk}/plan/",
        "booth-cards": f"/fairs/{fair.slug}/plan/{hall.code}/cards/",
    }
    for name, url in admin.items():
        get(name, url)
    client.logout()
    return responses


@pytest.fixture
def pages(client, demo_site, settings):
    # The demo's logins want DEBUG while it is seeded; pages are looked at as
    # production serves them (django-csp leaves DEBUG's error pages alone).
    settings.DEBUG = False
    return every_page(client, *demo_site, "fa") | {
        f"{name}-en": response for name, response in every_page(client, *demo_site, "en").items()
    }


def test_every_page_sends_the_strict_policy_and_denies_the_unused_features(pages):
    assert "not-found" in pages and pages["not-found"].status_code == 404
    for name, response in pages.items():
        assert "Content-Security-Policy-Report-Only" not in response, name
        policy = directives(response["Content-Security-Policy"])
        assert policy == POLICY, name
        features = dict(
            item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
        )
        assert all(features[feature] == "()" for feature in DENIED), (name, features)


def test_no_page_has_anything_inline_that_the_policy_would_block(pages):
    found = {}
    for name, response in pages.items():
        parts = inline_parts(response.content.decode())
        if parts:
            found[name] = sorted(set(parts))
    assert found == {}, "\n".join(f"{n}: {p}" for n, p in found.items())


def test_a_view_can_loosen_its_own_policy_and_the_rest_stay_strict(rf):
    from csp.decorators import csp_update
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    @csp_update({"img-src": "https://maps.example"})
    def view(request):
        return HttpResponse("x")

    middleware = CSPMiddleware(view)
    request = rf.get("/")
    middleware.process_request(request)
    loosened = middleware.process_response(request, view(request))
    assert directives(loosened["Content-Security-Policy"])["img-src"] == [
        "'self'",
        "data:",
        "https://maps.example",
    ]


def load_policy(**environment):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CSP_", "MEDIA_"))}
    env.update({"DEBUG": "1", **environment})
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, portal.settings as s; "
            "print(json.dumps([s.CONTENT_SECURITY_POLICY, s.CONTENT_SECURITY_POLICY_REPORT_ONLY]))",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_policy_is_enforced_unless_csp_report_only_is_set():
    enforced, report_only = load_policy()
    assert enforced["DIRECTIVES"]["script-src"] == ["'self'"] and report_only is None
    assert enforced["DIRECTIVES"]["report-uri"] is None

    enforced, report_only = load_policy(CSP_REPORT_ONLY="1", CSP_REPORT_URI="https://r.example/csp")
    assert enforced is None
    assert report_only["DIRECTIVES"]["script-src"] == ["'self'"]
    assert report_only["DIRECTIVES"]["report-uri"] == ["https://r.example/csp"]


def test_in_report_only_mode_pages_send_the_report_only_header(client, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
    assert directives(response["Content-Security-Policy-Report-Only"]) == POLICY


def test_a_view_that_sets_its_own_permissions_policy_keeps_it(rf):
    from django.http import HttpResponse

    from portal.middleware import PermissionsPolicyMiddleware

    def own(request):
        response = HttpResponse("x")
        response["Permissions-Policy"] = "geolocation=(self)"
        return response

    assert PermissionsPolicyMiddleware(own)(rf.get("/"))["Permissions-Policy"] == (
        "geolocation=(self)"
    )
    default = PermissionsPolicyMiddleware(lambda request: HttpResponse("x"))(rf.get("/"))
    assert "camera=(), " in default["Permissions-Policy"]
