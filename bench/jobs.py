"""The job queue: N SMS sent through the database backend by 1 and 2 workers,
against a fake Kavenegar on this machine, on PostgreSQL.

    python bench/jobs.py --messages 10000

For each run: a fresh database; N notices queued in one process (timed: the
Message row and its job row each; notices, not codes, which are failed
rather than sent after their two minutes, as most would be in a backlog);
then W `db_worker` processes until every message is final (timed: messages a
second). A last run with 2 workers kills one
(SIGKILL) half-way, starts another in its place, lets the lease run out and
sweeps; then it counts: every message is sent or unknown, none lost, and the
fake provider was asked to send no message twice (its localid, our random local id).
Last, on the demo: how long after a write (a need) its matches are stored,
with a matching worker at its default polling interval.
"""

import argparse
import json
import os
import signal
import subprocess
import time

import psycopg
from common import (
    PYTHON,
    ROOT,
    FakeKavenegar,
    fake_provider,
    fresh_database,
    machine,
    production_env,
    sh,
)

LEASE = 5


QUEUE = """
import time
from django.db import transaction
from messaging.services import send_sms
started = time.perf_counter()
for start in range(0, {n}, 500):
    with transaction.atomic():
        for i in range(start, min(start + 500, {n})):
            send_sms(to="0912%07d" % i, text="پیام آزمایشی همسایه %06d" % i)
print(round(time.perf_counter() - started, 2))
"""


def count(env):
    """{status: rows}, read straight from PostgreSQL (a Django process each
    half second would take a core from the workers)."""
    with psycopg.connect(env["DATABASE_URL"]) as connection:
        rows = connection.execute(
            "SELECT status, count(*) FROM messaging_message GROUP BY status"
        ).fetchall()
    return dict(rows)


def workers(env, n):
    return [
        subprocess.Popen(
            [
                PYTHON,
                "manage.py",
                "db_worker",
                "--no-startup-delay",
                "--no-reload",
                "--interval",
                "0.1",
                "--worker-id",
                f"bench-{i}-{time.time_ns()}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(n)
    ]


def wait_final(env, n, seconds=1800, killed=False):
    """Until no message is queued or sending. A message the killed worker was
    sending stays so until its lease runs out and the sweeper marks it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        states = count(env)
        if states.get("queued", 0) == 0 and states.get("sending", 0) == 0:
            return states
        # Left: at most the one message whose job the killed worker held.
        if killed and states.get("queued", 0) <= 1:
            time.sleep(LEASE + 1)
            sh(PYTHON, "manage.py", "sweep", env=env, capture_output=True)
            continue
        time.sleep(0.5)
    raise SystemExit(f"not done in {seconds} s: {count(env)}")


def run(args, port, n_workers, kill=False):
    FakeKavenegar.sent.clear()
    FakeKavenegar.ids.clear()
    env = production_env(fresh_database(args.database))
    env.update(
        SMS_BACKEND="messaging.backends.kavenegar.SMSBackend",
        KAVENEGAR_API_KEY="bench",
        KAVENEGAR_URL=f"http://127.0.0.1:{port}",
        SMS_QUIET_HOURS="",
        MESSAGE_LEASE_SECONDS=str(LEASE),
        # A job the killed worker had taken before marking its message sending
        # is lost: the sweeper gives the message a new one after this long.
        MESSAGE_RESCUE_SECONDS=str(LEASE),
    )
    sh(PYTHON, "manage.py", "migrate", "-v0", env=env)
    out = sh(
        PYTHON,
        "manage.py",
        "shell",
        "-c",
        QUEUE.format(n=args.messages),
        env=env,
        capture_output=True,
    ).stdout
    enqueue_s = float(out.strip().splitlines()[-1])
    started = time.monotonic()
    pool = workers(env, n_workers)
    killed = 0
    if kill:
        while count(env).get("sent", 0) < args.messages // 2:
            time.sleep(0.2)
        pool[0].send_signal(signal.SIGKILL)
        pool[0].wait()
        killed = 1
        pool += workers(env, 1)
    states = wait_final(env, args.messages, killed=kill)
    elapsed = time.monotonic() - started
    for process in pool:
        if process.poll() is None:
            process.terminate()
            process.wait()
    twice = sum(1 for times in FakeKavenegar.sent.values() if times > 1)
    return {
        "workers": n_workers,
        "killed": killed,
        "messages": args.messages,
        "enqueue_s": enqueue_s,
        "enqueue_per_s": round(args.messages / enqueue_s),
        "send_s": round(elapsed, 1),
        "jobs_per_s": round(args.messages / elapsed, 1),
        "rows": states,
        "lost": args.messages - sum(states.values()),
        "provider_received": sum(FakeKavenegar.sent.values()),
        "sent_twice": twice,
    }


LATENCY = """
import time
from django.db import transaction
from exhibitors.models import Category, Exhibitor, Need
from matching.models import Match
from portal.lib import changes
unit = Exhibitor.objects.get(national_id="10121479225")
carton = Category.objects.get(code="1702")
for i in range({n}):
    started = time.perf_counter()
    with transaction.atomic():
        need = Need.objects.create(exhibitor=unit, name="کارتن پنج لایه %d" % i, category=carton)
        changes.changed(needs=[need.pk])
    written = time.perf_counter()
    while not Match.objects.filter(need=need, product__isnull=False).exists():
        time.sleep(0.02)
    print(round((written - started) * 1000), round((time.perf_counter() - written) * 1000))
    time.sleep(1)
"""


def latency(args):
    """From a write (a need, in the web process's way) to its stored matches, with
    a matching worker polling at its default interval (1 s), on the demo."""
    env = production_env(fresh_database(args.database))
    sh(PYTHON, "manage.py", "migrate", "-v0", env=env)
    sh(PYTHON, "manage.py", "seed_demo", env=env, capture_output=True)
    worker = subprocess.Popen(
        [PYTHON, "manage.py", "db_worker", "--queue-name", "matching", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        out = sh(
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            LATENCY.format(n=args.writes),
            env=env,
            capture_output=True,
        ).stdout
    finally:
        worker.terminate()
        worker.wait()
    pairs = [tuple(map(int, line.split())) for line in out.strip().splitlines()[-args.writes :]]
    waits = sorted(after for _write, after in pairs)
    return {
        "writes": len(pairs),
        "write_ms_max": max(write for write, _after in pairs),
        "matches_after_ms_p50": waits[len(waits) // 2],
        "matches_after_ms_max": waits[-1],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--database", default="hamsaye_bench_jobs")
    parser.add_argument("--writes", type=int, default=10, help="writes timed for latency")
    parser.add_argument(
        "--runs", default="1,2,2k", help="1 and 2 workers, and 2 with one killed (2k)"
    )
    parser.add_argument(
        "--provider-ms", type=float, default=20, help="how long the fake provider takes a send"
    )
    args = parser.parse_args()
    server, port = fake_provider(args.provider_ms)
    results = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "provider_ms": args.provider_ms,
        "runs": [],
    }
    runs = {"1": (1, False), "2": (2, False), "2k": (2, True)}
    for n_workers, kill in (runs[name] for name in args.runs.split(",")):
        result = run(args, port, n_workers, kill)
        results["runs"].append(result)
        print(json.dumps(result, ensure_ascii=False), flush=True)
        assert result["lost"] == 0, result
        assert result["sent_twice"] == 0, result
    server.shutdown()
    results["latency"] = latency(args)
    print(json.dumps(results["latency"]), flush=True)
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
