"""The admin in a real browser, on the demo fair: the daily lists fit a laptop
beside the sidebar nav and the filters, a phone can approve and assign a
booth, and Persian pages count the selected rows in Persian digits.

Needs Debian's chromium and the playwright package (skipped without them).
Screenshots go to screenshots/admin/ (git-ignored).
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from accounts.testing import sign_in_staff
from fairs.models import Participation
from fairs.tests.factories import make_organizer
from portal import demo
from portal.tests.test_browser import ARGS, CHROMIUM

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium: apt-get install chromium"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SHOTS = Path(settings.BASE_DIR) / "screenshots" / "admin"
LISTS = {
    "participations": "/admin/fairs/participation/",
    "booths": "/admin/fairs/booth/",
    "units": "/admin/exhibitors/exhibitor/",
    "products": "/admin/exhibitors/product/",
    "needs": "/admin/exhibitors/need/",
}
WIDTHS = """() => {
  const table = document.querySelector('#result_list');
  return [table.scrollWidth, table.closest('.results').clientWidth,
          document.documentElement.scrollWidth, window.innerWidth];
}"""


@pytest.fixture
def browser(live_server, monkeypatch):
    # Playwright's sync API keeps an event loop running in this thread; the
    # test's own ORM calls are synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    demo.seed(create_accounts=False)
    client = Client()
    sign_in_staff(client, make_organizer())
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        def open_page(language, width, height):
            context = chromium.new_context(
                viewport={"width": width, "height": height},
                device_scale_factor=1,
                is_mobile=width < 500,
            )
            cookies = {
                settings.SESSION_COOKIE_NAME: session,
                settings.LANGUAGE_COOKIE_NAME: language,
            }
            context.add_cookies(
                [{"name": k, "value": v, "url": live_server.url} for k, v in cookies.items()]
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            return page

        yield open_page
        chromium.close()


def on_screen(box, width):
    return box["x"] >= 0 and box["x"] + box["width"] <= width


def shot(page, name, full_page=False):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_daily_lists_fit_a_laptop_with_the_sidebar_and_the_filters(
    live_server, browser, language
):
    page = browser(language, 1280, 800)
    for name, url in LISTS.items():
        page.goto(live_server.url + url)
        assert page.locator("#nav-sidebar").is_visible()
        assert page.locator("#changelist-filter").is_visible()
        table, results, document, window = page.evaluate(WIDTHS)
        shot(page, f"{name}-{language}-1280")
        assert table <= results, (name, language, table, results)
        assert document <= window, (name, language, document, window)
    # Every column of the participations is on the screen, the last one too.
    page.goto(live_server.url + LISTS["participations"])
    last = page.locator("#result_list thead th").last.bounding_box()
    assert on_screen(last, 1280)


@pytest.mark.parametrize("language", ["en", "fa"])
def test_on_a_phone_an_organizer_approves_an_application_and_assigns_a_booth(
    live_server, browser, language
):
    fair = Participation.objects.filter(booth__isnull=False).first().fair
    waiting = Participation.objects.filter(fair=fair, booth__isnull=True).first()
    Participation.objects.filter(pk=waiting.pk).update(status=Participation.Status.APPLIED)
    page = browser(language, 390, 844)
    for name, url in LISTS.items():
        page.goto(live_server.url + url)
        table, results, document, window = page.evaluate(WIDTHS)
        shot(page, f"{name}-{language}-390", full_page=True)
        assert table <= results and document <= window, (name, table, results, document)

    page.goto(live_server.url + LISTS["participations"] + "?status__exact=applied")
    page.locator("#result_list tbody input.action-select").first.check()
    page.select_option("select[name=action]", "approve")
    go = page.locator("button[name=index]").first
    box = go.bounding_box()
    assert on_screen(box, 390)
    shot(page, f"approve-{language}-390")
    go.click()
    page.wait_for_selector(".messagelist .success")
    waiting.refresh_from_db()
    assert waiting.status == Participation.Status.APPROVED

    page.goto(live_server.url + f"/admin/fairs/participation/{waiting.pk}/change/")
    booth = page.locator("#id_booth")
    box = booth.bounding_box()
    assert on_screen(box, 390)
    free = booth.locator("option").nth(1)
    code = free.inner_text().split(" · ")[0]
    booth.select_option(index=1)
    shot(page, f"assign-{language}-390", full_page=True)
    page.locator("input[name=_save]").click()
    page.wait_for_selector(".messagelist .success")
    waiting.refresh_from_db()
    assert waiting.booth is not None
    digits = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
    assert waiting.booth.code == code.translate(digits)


def test_the_selection_counter_counts_in_persian_digits(live_server, browser):
    page = browser("fa", 1280, 800)
    page.goto(live_server.url + LISTS["participations"])
    counter = page.locator(".action-counter")
    total = Participation.objects.count()
    persian = str(total).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    # Functions, not expressions: Playwright evals an expression, which the CSP refuses.
    page.wait_for_function(
        "() => !/[0-9]/.test(document.querySelector('.action-counter').textContent)"
    )
    assert counter.inner_text().strip().startswith(f"۰ از {persian} ")
    page.locator("#result_list tbody input.action-select").nth(0).check()
    page.locator("#result_list tbody input.action-select").nth(1).check()
    page.wait_for_function(
        "() => document.querySelector('.action-counter').textContent.trim().startsWith('۲')"
    )
    text = counter.inner_text().strip()
    assert text.startswith(f"۲ از {persian} ")
    assert not re.search(r"[0-9]", text)
    page.locator("#action-toggle").check()
    page.wait_for_function(
        "() => !/[0-9]/.test(document.querySelector('#changelist-form .actions').textContent)"
    )
    shot(page, "counter-fa")

    # English pages keep their digits.
    page = browser("en", 1280, 800)
    page.goto(live_server.url + LISTS["participations"])
    page.locator("#result_list tbody input.action-select").first.check()
    assert page.locator(".action-counter").inner_text() == f"1 of {total} selected"
