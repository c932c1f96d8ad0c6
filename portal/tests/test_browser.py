"""End to end in a real browser: a new exhibitor, on a phone, in Persian.

Needs Debian's chromium (/usr/bin/chromium) and the playwright package;
skipped with a message when either is missing. Screenshots go to
screenshots/e2e/ (git-ignored).
"""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

import messaging
from exhibitors.models import Exhibitor, Membership
from fairs.models import Booth, Participation
from portal import demo

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium: apt-get install chromium"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SHOTS = Path(settings.BASE_DIR) / "screenshots" / "e2e"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def phone(live_server, monkeypatch):
    # Playwright's sync API keeps an event loop running in this thread; the
    # test's own ORM calls are synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=1,
            is_mobile=True,
            has_touch=True,
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_new_exhibitor_registers_a_unit_with_a_product_a_need_and_an_application(
    live_server, phone
):
    demo.seed(create_accounts=False)
    page = phone
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    shot(page, "01-home")

    page.get_by_role("link", name="ثبت واحد تولیدی").first.click()
    # A mobile number typed as people type it; the code comes by SMS.
    page.fill("#id_mobile", "۰۹۱۲ ۳۴۵ ۶۷۸۹")
    shot(page, "02-signup")
    page.get_by_role("button", name="ارسال کد").click()
    page.wait_for_url("**/accounts/code/")
    sms = messaging.outbox[-1]
    assert sms.to == "09123456789"
    code = re.search(r"[0-9]{6}", sms.text).group()
    page.fill("#id_code", code)
    shot(page, "02-code")
    page.get_by_role("button", name="ادامه").click()

    page.wait_for_url("**/dashboard/units/new/")
    page.fill("#id_legal_name", "شركت كفش آزمايشي")  # Arabic ي and ك, as an Arabic keyboard types
    page.fill("#id_national_id", "۱۰۳۸۰۲۸۴۷۹۰")
    page.fill("#id_category", "۱۵۲۰")
    page.select_option("#id_county", label="همدان")
    page.select_option("#id_park", label="شهرک صنعتی بوعلی")
    page.fill("#id_mobile", "۰۹۱۸ ۱۲۳ ۴۵۶۷")
    shot(page, "03-unit-form")
    page.get_by_role("button", name="ذخیره").click()

    page.wait_for_url("**/dashboard/units/*/")
    shot(page, "04-dashboard")
    page.get_by_role("link", name="افزودن محصول").click()
    page.fill("#id_name", "کفش چرمی مردانه")
    page.fill("#id_category", "1520")
    page.fill("#id_monthly_amount", "۵۰۰")
    page.select_option("#id_amount_unit", value="pair")
    page.get_by_role("button", name="ذخیره").click()

    page.wait_for_url("**/dashboard/units/*/")
    page.get_by_role("link", name="افزودن نیاز").click()
    page.fill("#id_name", "چرم طبیعی")
    page.fill("#id_category", "1511")
    page.fill("#id_monthly_amount", "۲٫۵")
    page.select_option("#id_amount_unit", value="ton")
    page.select_option("#id_current_source_province", label="تهران")
    page.get_by_role("button", name="ذخیره").click()

    page.wait_for_url("**/dashboard/units/*/")
    page.get_by_role("button", name="درخواست حضور در این نمایشگاه").first.click()
    page.wait_for_url("**/dashboard/units/*/")
    shot(page, "05-applied")

    unit = Exhibitor.objects.get(national_id="10380284790")
    assert unit.legal_name == "شرکت کفش آزمایشی"  # stored with Persian letters
    assert Membership.objects.get(exhibitor=unit).user.username == "09123456789"
    assert unit.park.name_fa == "شهرک صنعتی بوعلی" and unit.mobile == "09181234567"
    product, need = unit.products.get(), unit.needs.get()
    assert (product.category.code, product.monthly_amount, product.amount_unit) == (
        "1520",
        500,
        "pair",
    )
    assert (need.category.code, str(need.monthly_amount), need.current_source_province.name_fa) == (
        "1511",
        "2.50",
        "تهران",
    )
    participation = Participation.objects.get(exhibitor=unit)
    assert participation.status == "applied" and participation.fair.slug == "hamedan-smi-10"
    assert "درخواست‌داده" in page.content()


PINCH = """frame => {
  const r = frame.getBoundingClientRect(), y = r.top + r.height / 2, x = r.left + r.width / 2;
  const send = (type, id, dx) => frame.dispatchEvent(new PointerEvent(type, {
    pointerId: id, pointerType: "touch", clientX: x + dx, clientY: y, bubbles: true}));
  send("pointerdown", 1, -20); send("pointerdown", 2, 20);
  send("pointermove", 1, -60); send("pointermove", 2, 60);
  send("pointerup", 1, -60); send("pointerup", 2, 60);
}"""


def test_a_visitor_finds_a_booth_on_the_hall_plan(live_server, phone):
    demo.seed(create_accounts=False)
    page = phone
    page.goto(live_server.url + "/fairs/hamedan-smi-10/plan/A/?highlight=A-25")
    svg = page.locator("svg.plan")
    booths = page.locator("svg.plan g.booth")
    expected = Booth.objects.filter(hall__fair__slug="hamedan-smi-10", hall__code="A").count()
    assert booths.count() == expected == 30
    assert page.locator("svg.plan g.booth.highlighted").get_attribute("id") == "booth-A-25"
    # Fitted: the whole hall is seen on a phone, and codes stay readable.
    frame = page.locator("[data-plan]")
    assert frame.evaluate("f => f.scrollWidth <= f.clientWidth")
    assert svg.bounding_box()["width"] <= 390
    heights = page.eval_on_selector_all(
        "svg.plan text.code", "ts => ts.map(t => t.getBoundingClientRect().height)"
    )
    assert min(heights) >= 11, heights
    assert page.locator("svg.plan title").count() > 30
    shot(page, "10-plan-phone")
    # Zoom in: the plan grows past the frame, which then pans; "whole hall" fits it again.
    page.get_by_role("button", name="بزرگ‌نمایی").click()
    page.get_by_role("button", name="بزرگ‌نمایی").click()
    assert frame.evaluate("f => f.scrollWidth > f.clientWidth * 2")
    assert svg.evaluate("s => s.classList.contains('show-names')")
    page.get_by_role("button", name="کل سالن").click()
    assert frame.evaluate("f => f.scrollWidth <= f.clientWidth")
    # Two fingers spreading apart zoom in (the pointer events a pinch sends;
    # whether a phone's browser sends them is up to its touch-action support).
    frame.evaluate(PINCH)
    assert frame.evaluate("f => f.scrollWidth > f.clientWidth * 1.5")
    page.get_by_role("button", name="کل سالن").click()
    # Find a booth by typing: its unit's product marks it.
    page.fill("#plan-q", "کارتن")
    # A function, not an expression: Playwright evals an expression, which the CSP refuses.
    page.wait_for_function("() => document.querySelectorAll('svg.plan g.booth.match').length")
    assert "غرفه" in page.locator(".found-count").inner_text()
    # A tap opens the booth's sheet, not another page.
    page.fill("#plan-q", "")
    page.locator("svg.plan g.booth:not(.free) a").first.tap()
    sheet = page.locator("dialog.sheet")
    sheet.wait_for(state="visible")
    assert sheet.locator("a.unit").count() == 1 and "/plan/" in page.url
    shot(page, "10-plan-sheet")
    sheet.locator("[data-close]").click()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/fairs/hamedan-smi-10/plan/A/")
    shot(page, "11-plan-desktop")
    unit = Participation.objects.get(booth__code="A-01", fair__slug="hamedan-smi-10").exhibitor
    page.goto(live_server.url + unit.get_absolute_url())
    assert page.locator("svg.plan-small g.booth.highlighted").count() == 1
    shot(page, "12-unit-neighbours")


# Layout shift as the page loads, summed as Lighthouse does (shifts without a
# recent input), read by a PerformanceObserver registered before the page's own.
CLS_OBSERVER = """
window.__cls = 0;
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__cls += entry.value;
}).observe({type: "layout-shift", buffered: true});
"""


def test_the_main_pages_on_a_phone_pass_axe_fit_and_do_not_shift(live_server, phone):
    from django.contrib.auth.models import User

    from matching import engine
    from portal.tests.checkers import axe_violations

    demo.seed(create_accounts=True)
    engine.rematch()
    page = phone
    page.add_init_script(CLS_OBSERVER)
    unit = Exhibitor.objects.get(national_id=demo.EXHIBITOR_UNIT)
    assert User.objects.filter(username=demo.EXHIBITOR[0]).exists()
    page.goto(live_server.url + "/accounts/login/password/")
    page.fill("#id_username", demo.EXHIBITOR[0])
    page.fill("#id_password", demo.EXHIBITOR[1])
    page.locator("main form button.primary").click()
    page.wait_for_url("**/dashboard/**")
    pages = {
        "home": "/",
        "search": "/suppliers/?q=چرم",
        "fair": "/fairs/hamedan-smi-10/",
        "plan": "/fairs/hamedan-smi-10/plan/",
        "dashboard": f"/dashboard/units/{unit.pk}/",
    }
    problems = {}
    for name, path in pages.items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        shot(page, f"20-{name}-phone")
        found = axe_violations(page)
        if found:
            problems[f"{name}: axe"] = found
        cls = page.evaluate("window.__cls")
        if cls >= 0.1:
            problems[f"{name}: layout shift"] = cls
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            problems[f"{name}: page width"] = width
        if name == "dashboard":
            # The unit's fair block (its booth, the small plan) starts on the first screen.
            top = page.locator(".my-fair").bounding_box()["y"]
            if top >= 844:
                problems["dashboard: fair block at"] = top
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
