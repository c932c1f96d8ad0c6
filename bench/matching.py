"""The matching engine at province size, on PostgreSQL: full rematch, one update, the report.

    python bench/matching.py --units 1000 5000 10000

For each size: a fresh database; a registry of N units with five products
and five needs each (bench/generate_registry.py) imported with
import_directory (which ends with a full rematch); a fair of 500 booths
held by the first 450 units (import_floorplan, which recomputes that
fair's context); then, each in its own process: `manage.py rematch` (wall
time and peak memory, from /usr/bin/time) and `match_report --fair` (wall
time, output to /dev/null); and in this process: the time to bring matches
up to date after one new need and after one new product (what a save in the
portal runs after its transaction commits; median of 5).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from common import PYTHON, ROOT, fresh_database, machine, production_env, sh
from generate_floorplan import write_floorplan

SLUG = "bench-fair"


def timed_command(env, *args):
    """(seconds, peak resident MB) of a manage.py command in its own process."""
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seconds, kilobytes = result.stderr.strip().splitlines()[-1].split()
    return float(seconds), round(int(kilobytes) / 1024)


def measure(units, database):
    env = production_env(fresh_database(database))
    sh(PYTHON, "manage.py", "migrate", "-v0", env=env)
    figures = {"units": units}
    with tempfile.TemporaryDirectory() as folder:
        sh(
            PYTHON,
            "bench/generate_registry.py",
            "--products",
            str(units * 5),
            "--per-unit",
            "5",
            "--needs-per-unit",
            "5",
            folder,
            stdout=subprocess.DEVNULL,
        )
        figures["import_directory_with_rematch_s"], _ = timed_command(
            env, "import_directory", folder
        )
        plan = os.path.join(folder, "plan.csv")
        write_floorplan(folder, plan, min(500, units))
        figures["import_floorplan_with_fair_rematch_s"], _ = timed_command(
            env, "import_floorplan", SLUG, plan, "--title", "نمایشگاه سنجش"
        )
    figures["rematch_s"], figures["rematch_peak_mb"] = timed_command(env, "rematch")
    figures["match_report_fair_s"], _ = timed_command(env, "match_report", "--fair", SLUG)
    figures.update(updates(env))
    return figures


def updates(env):
    """Median time of on_change after one new need, and after one new product."""
    code = r"""
import json, statistics, time, django
django.setup()
from exhibitors.models import Category, Exhibitor, Need, Product
from matching import services
from matching.models import Match
unit = Exhibitor.objects.order_by("pk")[10]
category = Category.objects.get(code="1702")
need_times, product_times = [], []
for i in range(5):
    need = Need.objects.create(exhibitor=unit, name=f"کارتن پنج لایه چاپی {i}", category=category)
    started = time.perf_counter()
    services.on_change(needs=[need.pk])
    need_times.append(time.perf_counter() - started)
    product = Product.objects.create(
        exhibitor=unit, name=f"ورق کارتن سه لایه {i}", category=category
    )
    started = time.perf_counter()
    services.on_change(products=[product.pk])
    product_times.append(time.perf_counter() - started)
print(json.dumps({
    "one_new_need_ms": round(statistics.median(need_times) * 1000, 1),
    "one_new_product_ms": round(statistics.median(product_times) * 1000, 1),
    "matches_stored": Match.objects.count(),
}))
"""
    env = {**env, "DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, check=True, text=True, capture_output=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--database", default="hamsaye_bench_matching")
    args = parser.parse_args()
    rows = []
    for units in args.units:
        started = time.monotonic()
        figures = measure(units, args.database)
        figures["bench_s"] = round(time.monotonic() - started)
        print(json.dumps(figures), flush=True)
        rows.append(figures)
    print(f"\n{machine()}, {time.strftime('%Y-%m-%d')}\n")
    print(
        "| units | products | needs | rematch s | peak MB | one need ms | one product ms "
        "| match_report --fair s | matches |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['units']} | {r['units'] * 5} | {r['units'] * 5} | {r['rematch_s']} "
            f"| {r['rematch_peak_mb']} | {r['one_new_need_ms']} | {r['one_new_product_ms']} "
            f"| {r['match_report_fair_s']} | {r['matches_stored']} |"
        )


if __name__ == "__main__":
    sys.exit(main())
