"""A campaign to a whole registry: audience, freezing, sending, the admin meanwhile, the funnel.

    python bench/outreach.py --units 30000

On PostgreSQL, a fresh database: the demo (seed_demo), then a registry of N
units (bench/generate_registry.py, 90% of them with a mobile beside their
landline, two products each) imported with import_directory. The portal runs
under gunicorn (a worker a core, DEBUG off) with two `db_worker` processes on
the `default` queue, against a fake Kavenegar in this process that takes
--provider-ms a send and has credit to spare. An organizer (a superuser with
both factors) composes a campaign in the admin to every never-claimed unit of
Hamedan at --rate messages a second, and the bench times, from its own HTTP
client over loopback:

1. the audience (count, preview and cost: the admin's live estimate, JSON) and
   the draft campaign's page, which shows the same estimate;
2. freezing the recipients and enqueueing the first batch (services.send, as
   the admin's Send button runs it, timed in its process);
3. for --window seconds while the campaign sends: six admin pages in turn
   (the index, campaigns, the campaign's progress, recipients, messages,
   units), and, each half second, from PostgreSQL, how many recipients have
   been handed to messaging and how many SMS the provider has been sent. The
   rate held is whole batches over the time from the first's start to the
   last's (a batch starts with its first message's creation);
4. the rest of the campaign handed over at once (the workers stopped, the
   rate lifted), the messages then marked sent and 95% of them delivered,
   one recipient in twelve given a click and one in forty-eight a claim, all
   in SQL, as the provider's reports and the unit owners would have; then
   the funnel pages: the campaign's, by county, by park, by ISIC division, the
   fair's, and the fair's admin page, which draws the same chart.

Prints one JSON line a step and a Markdown table. Fails if a page does not
answer 200, or if more recipients were handed over than the rate allows.
"""

import argparse
import itertools
import json
import os
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import psycopg
from common import (
    PYTHON,
    ROOT,
    FakeKavenegar,
    fake_provider,
    fresh_database,
    machine,
    percentile,
    production_env,
    sh,
    wait_for,
)

TEMPLATE = (
    "{unit}، همسایه‌هایتان در {fair} ({dates}) غرفه دارند. صفحه واحدتان آماده است: "
    "ببینید و کامل کنید {link}"
)

SETUP = """
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from accounts.sites import SECOND_FACTOR
from fairs.models import Fair
from outreach.models import Campaign
organizer = get_user_model().objects.create_superuser("bench", "bench@example.com", "x" * 20)
client = Client()
client.force_login(organizer)
session = client.session
session[SECOND_FACTOR] = organizer.pk
session.save()
fair = Fair.objects.get(slug="hamedan-smi-10")
province = Campaign._meta.get_field("province").related_model.objects.get(name_fa="همدان")
campaign = Campaign.objects.create(
    fair=fair, name="bench", province=province, state=Campaign.State.NEVER_CLAIMED,
    channel=Campaign.Channel.SMS, template_fa={template!r}, rate={rate}, created_by=organizer,
)
print(json.dumps({{
    "cookie": settings.SESSION_COOKIE_NAME, "session": session.session_key,
    "campaign": campaign.pk, "fair": fair.pk, "province": province.pk,
}}))
"""

SEND = """
import json, time
from outreach import services
from outreach.models import Campaign
campaign = Campaign.objects.get(pk={campaign})
started = time.perf_counter()
frozen = services.send(campaign)
print(json.dumps({{"recipients": frozen, "send_s": round(time.perf_counter() - started, 2)}}))
"""

FINISH = """
import json, time
from outreach import services
from outreach.models import Campaign
Campaign.objects.filter(pk={campaign}).update(rate=100)  # the most a campaign allows
campaign = Campaign.objects.get(pk={campaign})
started = time.perf_counter()
handed = 0
while batch := services.send_batch(campaign.pk, campaign.chain):  # each, a thousand
    handed += batch
print(json.dumps({{"handed": handed, "seconds": round(time.perf_counter() - started, 1)}}))
"""


def shell(env, code):
    done = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


class Admin:
    """An organizer's browser, signed in: GET a path, return (ms, body)."""

    def __init__(self, base, cookie, session):
        self.base = base
        self.headers = {"Cookie": f"{cookie}={session}; django_language=fa"}

    def get(self, path):
        request = urllib.request.Request(self.base + path, headers=self.headers)
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            status = response.status
        ms = (time.perf_counter() - started) * 1000
        if status != 200 or b"login" in response.url.encode():
            raise SystemExit(f"{path}: {status} {response.url}")
        return ms, body

    def timed(self, path, runs):
        times = [self.get(path)[0] for _ in range(runs)]
        return summary(times)


def summary(times):
    return {
        "n": len(times),
        "p50_ms": round(percentile(times, 0.5)),
        "p95_ms": round(percentile(times, 0.95)),
        "max_ms": round(max(times)),
    }


def counts(url, campaign):
    """(recipients handed over, SMS the provider was sent) of the campaign, from PostgreSQL."""
    with psycopg.connect(url) as connection:
        handed, sent = connection.execute(
            "SELECT count(*) FILTER (WHERE r.status <> 'waiting'), "
            "count(*) FILTER (WHERE m.status = 'sent') "
            "FROM outreach_recipient r LEFT JOIN messaging_message m ON m.id = r.sms_id "
            "WHERE r.campaign_id = %s",
            [campaign],
        ).fetchone()
    return handed, sent


def batch_starts(url, campaign, size):
    """When each batch began, in seconds: its first message's creation. The
    recipients are handed over in their order, `size` to a batch (a skipped
    one has no message)."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT batch, min(extract(epoch FROM m.created_at)) FROM ("
            "  SELECT sms_id, (row_number() OVER (ORDER BY id) - 1) / %s AS batch"
            "  FROM outreach_recipient WHERE campaign_id = %s AND status <> 'waiting'"
            ") AS handed JOIN messaging_message m ON m.id = handed.sms_id "
            "GROUP BY batch ORDER BY batch",
            [size, campaign],
        ).fetchall()
    return [float(when) for _batch, when in rows]


def workers(env, n):
    return [
        subprocess.Popen(
            [PYTHON, "manage.py", "db_worker", "--queue-name", "default", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(n)
    ]


def registry(env, units):
    with tempfile.TemporaryDirectory() as folder:
        sh(
            PYTHON,
            "bench/generate_registry.py",
            "--products",
            str(units * 2),
            "--per-unit",
            "2",
            "--needs-per-unit",
            "0",
            "--mobiles",
            "0.9",
            folder,
            stdout=subprocess.DEVNULL,
        )
        started = time.perf_counter()
        sh(PYTHON, "manage.py", "import_directory", folder, env=env, stdout=subprocess.DEVNULL)
        return round(time.perf_counter() - started, 1)


def sending(args, admin, url, ids, size):
    """The admin's pages, in turn, while the campaign sends; the counts each half second."""
    pk = ids["campaign"]
    pages = {
        "admin index": "/admin/",
        "campaigns": "/admin/outreach/campaign/",
        "the campaign (progress)": f"/admin/outreach/campaign/{pk}/change/",
        "recipients": f"/admin/outreach/recipient/?campaign__id__exact={pk}",
        "messages": "/admin/messaging/message/",
        "units": "/admin/exhibitors/exhibitor/",
    }
    times = {name: [] for name in pages}
    samples = []
    started = time.monotonic()
    last_count = 0.0
    while time.monotonic() - started < args.window:
        for name, path in pages.items():
            times[name].append(admin.get(path)[0])
            if time.monotonic() - last_count >= 0.5:
                last_count = time.monotonic()
                samples.append((last_count - started, *counts(url, pk)))
    samples.append((time.monotonic() - started, *counts(url, pk)))
    ended = time.time()
    handed, sent = samples[-1][1], samples[-1][2]
    starts = batch_starts(url, pk, size)
    # The rate held: whole batches from the first's start to the last's.
    held = None
    if len(starts) > 1:
        held = round((len(starts) - 1) * size / (starts[-1] - starts[0]), 2)
    gaps = [round(b - a, 2) for a, b in itertools.pairwise(starts)]
    # Batches BATCH_SECONDS (10) apart, a second's grace for a late one's follower.
    if gaps and min(gaps) < 9 - 0.05:
        raise SystemExit(f"batches {min(gaps)} s apart: above the rate")
    if handed > size * len(starts):
        raise SystemExit(f"{handed} handed over in {len(starts)} batches of {size}")
    return {
        "window_s": round(samples[-1][0], 1),
        "batches_seen": len(starts),
        "batch_gaps_s": gaps,
        "handed_over": handed,
        "provider_sent": sent,
        "rate_set": args.rate,
        "rate_held_per_s": held,
        # SMS the provider was sent, over the time since the first batch began.
        "provider_per_s": round(sent / (ended - starts[0]), 2) if starts else None,
        "pages": {name: summary(values) for name, values in times.items()},
    }


def after(url, campaign):
    """What the provider's reports and the owners would have done, in SQL."""
    with psycopg.connect(url) as connection:
        connection.execute(
            "UPDATE messaging_message SET status = 'sent', sent_at = coalesce(sent_at, now()), "
            "delivery = CASE WHEN id %% 20 = 0 THEN 'undelivered' ELSE 'delivered' END "
            "WHERE id IN (SELECT sms_id FROM outreach_recipient WHERE campaign_id = %s) "
            "AND status IN ('queued', 'sending', 'sent')",
            [campaign],
        )
        connection.execute(
            "UPDATE outreach_recipient SET clicks = 1, clicked_at = now() "
            "WHERE campaign_id = %s AND status = 'queued' AND id %% 12 = 0",
            [campaign],
        )
        connection.execute(
            "INSERT INTO outreach_claim (unit_id, number, source, recipient_id, created_at) "
            "SELECT unit_id, number, 'link', id, now() FROM outreach_recipient "
            "WHERE campaign_id = %s AND status = 'queued' AND id %% 48 = 0",
            [campaign],
        )
        return connection.execute(
            "SELECT count(*), count(clicked_at), "
            "(SELECT count(*) FROM outreach_claim c JOIN outreach_recipient r "
            " ON r.id = c.recipient_id WHERE r.campaign_id = %s) "
            "FROM outreach_recipient WHERE campaign_id = %s",
            [campaign, campaign],
        ).fetchone()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=30_000, help="units in the registry")
    parser.add_argument("--rate", type=int, default=10, help="the campaign's messages a second")
    parser.add_argument("--window", type=float, default=60, help="seconds timed while sending")
    parser.add_argument("--runs", type=int, default=5, help="requests a page, before and after")
    parser.add_argument("--provider-ms", type=float, default=20)
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--database", default="hamsaye_bench_outreach")
    args = parser.parse_args()
    provider, provider_port = fake_provider(args.provider_ms)
    url = fresh_database(args.database)
    env = production_env(url)
    env.update(
        SMS_BACKEND="messaging.backends.kavenegar.SMSBackend",
        KAVENEGAR_API_KEY="bench",
        KAVENEGAR_URL=f"http://127.0.0.1:{provider_port}",
        SMS_QUIET_HOURS="",
    )
    results = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "units": args.units}
    sh(PYTHON, "manage.py", "migrate", "-v0", env=env)
    sh(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    sh(PYTHON, "manage.py", "seed_demo", env=env, stdout=subprocess.DEVNULL)
    results["import_directory_s"] = registry(env, args.units)
    print(json.dumps({"import_directory_s": results["import_directory_s"]}), flush=True)
    ids = shell(env, SETUP.format(template=TEMPLATE, rate=args.rate))
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "portal.wsgi", "-b", f"127.0.0.1:{args.port}", "-w", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pool = []
    try:
        base = f"http://127.0.0.1:{args.port}"
        wait_for(base + "/healthz")
        admin = Admin(base, ids["cookie"], ids["session"])
        query = urllib.parse.urlencode(
            {
                "fair": ids["fair"],
                "name": "bench",
                "province": ids["province"],
                "state": "unclaimed",
                "channel": "sms",
                "rate": args.rate,
                "template_fa": TEMPLATE,
            }
        )
        audience = "/admin/outreach/campaign/audience/?" + query
        admin.get(audience)  # the first request of a gunicorn worker imports the admin
        admin.get(audience)
        _ms, body = admin.get(audience)
        results["audience_count"] = json.loads(body)["count"]
        results["audience"] = admin.timed(audience, args.runs)
        results["draft_page"] = admin.timed(
            f"/admin/outreach/campaign/{ids['campaign']}/change/", args.runs
        )
        print(json.dumps({k: results[k] for k in ("audience_count", "audience", "draft_page")}))
        pool = workers(env, 2)
        time.sleep(2)  # the workers up, so the first batch goes at once
        results["send"] = shell(env, SEND.format(campaign=ids["campaign"]))
        print(json.dumps({"send": results["send"]}), flush=True)
        results["sending"] = sending(args, admin, url, ids, args.rate * 10)
        print(json.dumps({"sending": results["sending"]}, ensure_ascii=False), flush=True)
        for process in pool:
            process.terminate()
            process.wait(30)
        pool = []
        results["rest"] = shell(env, FINISH.format(campaign=ids["campaign"]))
        recipients, clicked, claimed = after(url, ids["campaign"])
        results["funnel_rows"] = {
            "recipients": recipients,
            "clicked": clicked,
            "claimed": claimed,
        }
        pk = ids["campaign"]
        results["funnel"] = {
            name: admin.timed(path, args.runs)
            for name, path in {
                "campaign": f"/admin/outreach/campaign/{pk}/funnel/",
                "by county": f"/admin/outreach/campaign/{pk}/funnel/?by=county",
                "by park": f"/admin/outreach/campaign/{pk}/funnel/?by=park",
                "by division": f"/admin/outreach/campaign/{pk}/funnel/?by=division",
                "the fair": f"/admin/outreach/campaign/funnel/?fair={ids['fair']}",
                "the fair's admin page (its chart)": f"/admin/fairs/fair/{ids['fair']}/change/",
            }.items()
        }
        print(json.dumps({"rest": results["rest"], "funnel": results["funnel"]}), flush=True)
    finally:
        for process in [*pool, server]:
            process.terminate()
            process.wait(30)
        provider.shutdown()
    results["provider_received"] = sum(FakeKavenegar.sent.values())
    report(results)


def report(r):
    s = r["sending"]
    print()
    print(json.dumps(r, ensure_ascii=False, indent=2))
    print()
    print(f"{r['machine']}, {r['date']}, {r['units']:,} units in the registry")
    print()
    print("| step | figure | target |")
    print("| --- | --- | --- |")
    a = r["audience"]
    print(
        f"| audience: count {r['audience_count']:,}, preview, cost (JSON) "
        f"| p50 {a['p50_ms']} ms, max {a['max_ms']} ms | < 2 s |"
    )
    d = r["draft_page"]
    print(f"| the draft campaign's page | p50 {d['p50_ms']} ms, max {d['max_ms']} ms | < 2 s |")
    print(
        f"| freeze {r['send']['recipients']:,} recipients and enqueue "
        f"| {r['send']['send_s']} s | < 10 s |"
    )
    for name, t in s["pages"].items():
        print(
            f"| while sending: {name} ({t['n']} requests) "
            f"| p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms, max {t['max_ms']} ms | < 300 ms |"
        )
    print(
        f"| rate held over {s['batches_seen']} batches in {s['window_s']} s "
        f"| {s['rate_held_per_s']}/s handed over, {s['provider_per_s']}/s sent "
        f"| {s['rate_set']}/s |"
    )
    for name, t in r["funnel"].items():
        print(f"| funnel: {name} | p50 {t['p50_ms']} ms, max {t['max_ms']} ms | < 500 ms |")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
