"""The floor plan page and the neighbour service for a hall of N booths, on PostgreSQL.

    python bench/plan.py --booths 500 --runs 50

Creates a fresh database, imports a generated registry (import_directory)
and a hall of N booths (import_floorplan, timed), then, in this process with
DEBUG off: the server time of GET /fairs/<slug>/plan/ through Django's
whole request cycle (middleware, view, template; Django's test client, so
no network and no gunicorn), the time of layout.unit_neighbours for the
fair, and of Booth.objects.neighbours for one booth. Prints p50 and p95 in
milliseconds and the queries per plan page.
"""

import argparse
import json
import os
import sys
import tempfile
import time

from common import PYTHON, ROOT, fresh_database, machine, percentile, production_env, sh
from generate_floorplan import write_floorplan

SLUG = "bench-fair"


def timed(function, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(times, 0.5), 1), "p95_ms": round(percentile(times, 0.95), 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--booths", type=int, default=500)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database", default="hamsaye_bench_plan")
    args = parser.parse_args()

    env = production_env(fresh_database(args.database))
    sh(PYTHON, "manage.py", "migrate", "-v0", env=env)
    sh(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    results = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "booths": args.booths}
    with tempfile.TemporaryDirectory() as folder:
        # Enough units to hold nine booths in ten: about three products a unit.
        sh(PYTHON, "bench/generate_registry.py", "--products", str(args.booths * 4), folder)
        sh(PYTHON, "manage.py", "import_directory", folder, env=env, stdout=-3)
        plan = os.path.join(folder, "plan.csv")
        results["held"] = write_floorplan(folder, plan, args.booths)
        started = time.monotonic()
        sh(
            PYTHON,
            "manage.py",
            "import_floorplan",
            SLUG,
            plan,
            "--title",
            "نمایشگاه سنجش",
            env=env,
            stdout=-3,
        )
        results["import_floorplan_seconds"] = round(time.monotonic() - started, 2)

    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from fairs import layout
    from fairs.models import Booth, Fair

    fair = Fair.objects.get(slug=SLUG)
    client = Client()
    url = f"/fairs/{SLUG}/plan/"

    def get_plan():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    get_plan()  # warm: templates, translations, connection
    with CaptureQueriesContext(connection) as queries:
        get_plan()
    results["plan_queries"] = len(queries)
    results["plan_bytes"] = len(client.get(url).content)
    results["plan page"] = timed(get_plan, args.runs)
    results["unit_neighbours"] = timed(lambda: layout.unit_neighbours(fair), args.runs)
    middle = Booth.objects.filter(fair=fair).order_by("code")[args.booths // 2]
    results["Booth.objects.neighbours"] = timed(
        lambda: list(Booth.objects.neighbours(middle)), args.runs
    )
    pairs = sum(len(v) for v in layout.unit_neighbours(fair).values())
    results["neighbour_links"] = pairs
    print(json.dumps(results, ensure_ascii=False))
    print(
        f"\n{args.booths} booths ({results['held']} held), {results['machine']}, {results['date']}"
    )
    print(f"import_floorplan {results['import_floorplan_seconds']} s\n")
    print("| measure | p50 ms | p95 ms |")
    print("| --- | --- | --- |")
    for label in ["plan page", "unit_neighbours", "Booth.objects.neighbours"]:
        print(f"| {label} | {results[label]['p50_ms']} | {results[label]['p95_ms']} |")
    print(
        f"\nplan page: {results['plan_queries']} queries, {results['plan_bytes']:,} bytes; "
        f"{pairs} unit-to-unit neighbour links"
    )


if __name__ == "__main__":
    main()
