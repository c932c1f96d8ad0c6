"""Lighthouse scores and metrics of the portal's main pages, served the production way.

    python bench/lighthouse.py                          # every page, mobile and desktop
    python bench/lighthouse.py --pages / --preset mobile  # one page, one preset: for CI

Creates a fresh PostgreSQL database, migrates it, collects the static files,
writes the demo fair (seed_demo) and its matches (rematch), starts gunicorn
(DEBUG off, one worker per core, as bench/load.py) and runs Google
Lighthouse (LIGHTHOUSE below, from npm through npx) with Debian's Chromium
on each page, one at a time, with the mobile preset (Lighthouse's default:
a Moto G Power on slow 4G, simulated) and the desktop one. The dashboard is
measured signed in: a session for a member of the demo exhibitor's unit,
made in a `manage.py shell` step and sent as a cookie. Prints one JSON line
per page and preset (the median of --runs runs, figure by figure), the
weight of each page's HTML (as sent with Accept-Encoding: gzip, br, and
what gzip -6 of it would be), and Markdown tables.
Needs PostgreSQL at DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres),
Node.js with npx (Lighthouse 12 runs on Node 18.16 or later; 13 wants 22.19)
and Chromium at CHROME_PATH (default /usr/bin/chromium).
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from common import PYTHON, ROOT, fresh_database, machine, production_env, sh, wait_for

# Pinned: figures move between Lighthouse versions. 12.x is the newest line
# that runs on Debian 12's Node 20 (13.x wants Node 22.19).
LIGHTHOUSE = "lighthouse@12.8.2"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
ATTEMPTS = 3  # per run, when Lighthouse loses the trace
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
METRICS = {
    "lcp_ms": "largest-contentful-paint",
    "cls": "cumulative-layout-shift",
    "tbt_ms": "total-blocking-time",
    "bytes": "total-byte-weight",
}
DASHBOARD = "/dashboard/"
PAGES = [
    "/",
    "/suppliers/?q=چرم",
    "/fairs/hamedan-smi-10/",
    "/fairs/hamedan-smi-10/plan/",
    DASHBOARD,
]
PRESETS = {"mobile": [], "desktop": ["--preset=desktop"]}
# A member of the demo exhibitor's unit (seed_demo creates no logins with
# DEBUG off), signed in without a password: prints the session cookie and
# the unit's dashboard path.
SIGN_IN = """
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from exhibitors.models import Exhibitor, Membership
from portal import demo

unit = Exhibitor.objects.get(national_id=demo.EXHIBITOR_UNIT)
user, _ = User.objects.get_or_create(
    username=demo.EXHIBITOR[0], defaults={"email": demo.EXHIBITOR[0]}
)
user.set_unusable_password()
user.save()
Membership.objects.update_or_create(
    user=user, exhibitor=unit, defaults={"role": Membership.Role.OWNER}
)
client = Client()
client.force_login(user)
name = settings.SESSION_COOKIE_NAME
print(name + "=" + client.cookies[name].value, reverse("dashboard_unit", args=[unit.pk]))
"""


def encoded(path):
    """The path and query with everything outside ASCII percent-encoded (UTF-8)."""
    return urllib.parse.quote(path, safe="/?=&%:+,;@")


def html_weight(url, cookie):
    """What the server sends for the page's HTML, and what gzip -6 of it would be."""
    headers = {"Accept-Encoding": "gzip, br"}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.url != url:
                raise SystemExit(f"{url} redirected to {response.url}")
            sent = response.read()
            encoding = response.headers.get("Content-Encoding", "identity")
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{url} answered {error.code}") from None
    if encoding == "gzip":
        html = gzip.decompress(sent)
    elif encoding == "br":
        import brotli  # only if the server sends it

        html = brotli.decompress(sent)
    else:
        html = sent
    return {
        "html_bytes": len(html),
        "sent_bytes": len(sent),
        "sent_encoding": encoding,
        "gzip6_bytes": len(gzip.compress(html, compresslevel=6)),
    }


def lighthouse(url, preset, cookie, output):
    """One Lighthouse run; returns the scores (0-100) and metrics of the report."""
    command = [
        "npx",
        "--yes",
        LIGHTHOUSE,
        url,
        *PRESETS[preset],
        "--only-categories=" + ",".join(CATEGORIES),
        "--output=json",
        f"--output-path={output}",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    for attempt in range(1, ATTEMPTS + 1):
        output.unlink(missing_ok=True)
        done = subprocess.run(command, cwd=ROOT, env=env, text=True, capture_output=True)
        report = json.loads(output.read_text()) if output.exists() else {}
        error = report.get("runtimeError") if report else done.stderr[-3000:] or "no report"
        if isinstance(error, dict):
            error = f"{error.get('code')}: {error.get('message')}"
        if done.returncode == 0 and not error:
            break
        # Now and then the trace of a load is lost on a busy machine
        # (NO_NAVSTART, NO_FCP): Lighthouse's advice is to run it again.
        print(f"Lighthouse on {url} ({preset}), attempt {attempt}: {error}", file=sys.stderr)
    else:
        raise SystemExit(f"Lighthouse failed {ATTEMPTS} times on {url} ({preset})")
    if report["finalDisplayedUrl"] != url:
        raise SystemExit(f"{url} ended at {report['finalDisplayedUrl']}")
    figures = {}
    for category in CATEGORIES:
        score = report["categories"][category]["score"]
        figures[category] = None if score is None else round(100 * score)
    for key, audit in METRICS.items():
        figures[key] = report["audits"][audit].get("numericValue")
    figures["failing"] = failing_audits(report)
    return figures


def failing_audits(report):
    """The ids of the audits below full marks, by category (for --failures)."""
    failing = {}
    for category in CATEGORIES:
        ids = []
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            score, mode = audit.get("score"), audit.get("scoreDisplayMode")
            if ref.get("weight", 0) == 0 and category != "performance":
                continue
            if mode in ("binary", "numeric", "metricSavings") and score is not None and score < 1:
                ids.append(f"{ref['id']} ({audit.get('displayValue') or f'score {score}'})")
        failing[category] = ids
    return failing


def median(runs, key):
    values = [run[key] for run in runs if run[key] is not None]
    if not values:
        return None
    value = statistics.median(values)
    if key == "cls":
        return round(value, 3)
    return round(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pages",
        nargs="+",
        default=PAGES,
        metavar="PATH",
        help=f"paths to measure (default: {' '.join(PAGES)}); {DASHBOARD} is signed in",
    )
    parser.add_argument("--preset", choices=["mobile", "desktop", "both"], default="both")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median is kept")
    parser.add_argument("--port", type=int, default=8104)
    parser.add_argument("--database", default="hamsaye_bench_lighthouse")
    parser.add_argument(
        "--failures", action="store_true", help="print the audits below full marks, too"
    )
    parser.add_argument("--keep", metavar="FOLDER", help="keep the Lighthouse JSON reports there")
    args = parser.parse_args()
    pages = [page for arg in args.pages for page in arg.split(",") if page]
    if any(not page.startswith("/") for page in pages):
        raise SystemExit("--pages takes paths that start with /")
    presets = list(PRESETS) if args.preset == "both" else [args.preset]
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")

    env = production_env(fresh_database(args.database))
    sh(PYTHON, "manage.py", "migrate", "-v0", env=env)
    sh(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    sh(PYTHON, "manage.py", "seed_demo", env=env, stdout=subprocess.DEVNULL)
    sh(PYTHON, "manage.py", "rematch", env=env, stdout=subprocess.DEVNULL)
    cookie, dashboard = "", DASHBOARD
    if DASHBOARD in pages:
        out = sh(PYTHON, "manage.py", "shell", "-c", SIGN_IN, env=env, capture_output=True)
        cookie, dashboard = out.stdout.split()[-2:]

    results = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "lighthouse": LIGHTHOUSE}
    print(json.dumps(results), flush=True)
    weights, scores = {}, {}
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--workers",
            str(os.cpu_count() or 2),
            "--bind",
            f"127.0.0.1:{args.port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(base + "/healthz")
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(args.keep or temporary)
            folder.mkdir(parents=True, exist_ok=True)
            for number, page in enumerate(pages):
                signed_in = page == DASHBOARD
                url = base + encoded(dashboard if signed_in else page)
                page_cookie = cookie if signed_in else ""
                weights[page] = html_weight(url, page_cookie)
                print(json.dumps({"page": page, **weights[page]}, ensure_ascii=False), flush=True)
                for preset in presets:
                    runs = [
                        lighthouse(
                            url, preset, page_cookie, folder / f"{number}-{preset}-{run}.json"
                        )
                        for run in range(args.runs)
                    ]
                    figures = {key: median(runs, key) for key in [*CATEGORIES, *METRICS]}
                    scores[page, preset] = figures
                    line = {"page": page, "preset": preset, "runs": args.runs, **figures}
                    print(json.dumps(line, ensure_ascii=False), flush=True)
                    if args.failures:
                        # The audits of the last run (the median has no audits of its own).
                        failing = runs[-1]["failing"]
                        print(
                            json.dumps(
                                {"page": page, "preset": preset, "failing": failing},
                                ensure_ascii=False,
                            ),
                            flush=True,
                        )
    finally:
        server.terminate()
        server.wait(10)

    print(
        f"\n{results['lighthouse']}, {results['machine']}, {results['date']}, "
        f"median of {args.runs} run{'s' if args.runs > 1 else ''}\n"
    )
    print(
        "| page | preset | performance | accessibility | best practices | SEO "
        "| LCP s | CLS | TBT ms | weight KiB |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for (page, preset), r in scores.items():
        lcp = "–" if r["lcp_ms"] is None else f"{r['lcp_ms'] / 1000:.1f}"
        weight = "–" if r["bytes"] is None else f"{r['bytes'] / 1024:.0f}"
        print(
            f"| {page} | {preset} | {r['performance']} | {r['accessibility']} "
            f"| {r['best-practices']} | {r['seo']} | {lcp} | {r['cls']} | {r['tbt_ms']} "
            f"| {weight} |"
        )
    print("\n| page | HTML bytes | sent bytes (encoding) | gzip -6 bytes |")
    print("| --- | --- | --- | --- |")
    for page, w in weights.items():
        print(
            f"| {page} | {w['html_bytes']} | {w['sent_bytes']} ({w['sent_encoding']}) "
            f"| {w['gzip6_bytes']} |"
        )


if __name__ == "__main__":
    main()
