"""The main pages in Chromium, with the portal's Content-Security-Policy
enforced: nothing is blocked, and what the pages' scripts do still works (the
plan's zoom, search and sheet; the admin's action counter, autocomplete and
hall plan). The headers themselves are checked in test_headers.py.
"""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from accounts.testing import sign_in_staff
from exhibitors.models import Exhibitor
from fairs.models import Hall, Participation
from matching import engine
from portal import demo
from portal.tests.test_browser import CHROMIUM, phone, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium: apt-get install chromium"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

__all__ = ["phone"]  # the fixture, used by name below

# Registered before the page's own scripts: every violation the browser reports.
# (Waits are functions, not expressions: Playwright evaluates an expression with
# eval, which the policy refuses.)
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", e => window.__violations.push(
  `${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def sign_in(page, live_server, user, staff=False):
    """The browser gets a session of `user` (the admin's second factor done)."""
    client = Client()
    if staff:
        sign_in_staff(client, user)
    else:
        client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_the_main_pages_and_their_scripts_work_under_the_policy(live_server, phone):
    demo.seed(create_accounts=True)
    engine.rematch()
    page = phone
    page.add_init_script(LISTEN)
    # What Chromium says of the headers themselves (a malformed policy, an
    # unknown feature in Permissions-Policy) goes to the console.
    console = []
    page.on(
        "console",
        lambda m: (
            console.append(m.text)
            if "Content Security Policy" in m.text or "Permissions-Policy" in m.text
            else None
        ),
    )
    problems = {}

    def visit(name, path):
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")

    def check(name):
        found = page.evaluate("window.__violations.splice(0)")
        if found:
            problems[name] = found

    for name, path in {
        "home": "/",
        "search": "/suppliers/?q=چرم",
        "fair": "/fairs/hamedan-smi-10/",
    }.items():
        visit(name, path)
        check(name)

    # The plan: zoom, search and the booth's sheet are plan.js at work.
    visit("plan", "/fairs/hamedan-smi-10/plan/A/")
    frame = page.locator("[data-plan]")
    page.get_by_role("button", name="بزرگ‌نمایی").click()
    page.get_by_role("button", name="بزرگ‌نمایی").click()
    assert frame.evaluate("f => f.scrollWidth > f.clientWidth * 2")
    page.get_by_role("button", name="کل سالن").click()
    page.fill("#plan-q", "کارتن")
    page.wait_for_function("() => document.querySelectorAll('svg.plan g.booth.match').length")
    page.fill("#plan-q", "")
    page.locator("svg.plan g.booth:not(.free) a").first.tap()
    page.locator("dialog.sheet").wait_for(state="visible")
    page.locator("dialog.sheet [data-close]").click()
    check("plan")

    # The policy is enforced (not only sent): an inline script does not run,
    # an inline style is refused, and both are reported.
    ran = page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.__ran = true";
          document.body.append(s);
          document.body.setAttribute("style", "outline: 1px solid red");
          return window.__ran === true;
        }"""
    )
    assert not ran
    page.wait_for_function("() => window.__violations.length >= 2")
    blocked = page.evaluate("window.__violations.splice(0)")
    assert {v.split()[0] for v in blocked} == {"script-src-elem", "style-src-attr"}, blocked
    assert len(console) == 2  # the browser's own words for these two
    console.clear()

    unit = Exhibitor.objects.get(national_id=demo.EXHIBITOR_UNIT)
    sign_in(page, live_server, User.objects.get(username=demo.EXHIBITOR[0]))
    visit("dashboard", f"/dashboard/units/{unit.pk}/")
    assert page.locator(".my-fair").count() == 1
    check("dashboard")

    sign_in(page, live_server, User.objects.get(username=demo.ORGANIZER[0]), staff=True)
    visit("admin-index", "/admin/")
    assert page.locator("#content-main").count() == 1
    check("admin-index")

    # The changelist's action counter is Django's actions.js.
    visit("admin-changelist", "/admin/fairs/participation/")
    counter = page.locator(".action-counter")
    assert counter.inner_text().startswith("۰ از")
    page.locator("#result_list tbody input.action-select").first.check()
    page.wait_for_function(
        "() => document.querySelector('.action-counter').textContent.trim().startsWith('۱ از')"
    )
    shot(page, "30-csp-admin-changelist")
    check("admin-changelist")

    # A change form: the unit's autocomplete fetches its choices (connect-src).
    participation = Participation.objects.filter(fair__slug=demo.FAIR["slug"]).first()
    visit("admin-change", f"/admin/fairs/participation/{participation.pk}/change/")
    page.locator("#id_exhibitor + .select2 .selection").click()
    page.keyboard.type("ش")
    page.wait_for_function(
        "() => document.querySelectorAll('.select2-results__option:not(.loading-results)').length"
    )
    shot(page, "31-csp-admin-change")
    page.keyboard.press("Escape")
    check("admin-change")

    hall = Hall.objects.get(fair__slug=demo.FAIR["slug"], code="A")
    visit("admin-hall-plan", f"/admin/fairs/hall/{hall.pk}/plan/")
    page.locator("[data-step=in]").click()
    assert frame.evaluate("f => f.scrollWidth > f.clientWidth")
    check("admin-hall-plan")

    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
    assert console == []
