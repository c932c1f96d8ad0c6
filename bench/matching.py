"""The matching engine at province size, on PostgreSQL: full rematch, one update, the report.

    python bench/matching.py --units 1000 5000 10000

For each size: a fresh database; a registry of N units with five products
and five needs each (bench/generate_registry.py) imported with
import_directory (which ends with a full rematch); a fair of 500 booths
held by the first 450 units (import_floorplan). Each command only writes and
enqueues its recompute; the matching is timed apart, as a `db_worker` on the
"matching" queue that runs what was queued and exits (`--batch`). Then, each
in its own process: `manage.py rematch` (wall time and peak memory, from
/usr/bin/time) and `match_report --fair` (wall time, output to /dev/null);
and the time to bring matches up to date after one new need and after one
new product: the recompute job a matching worker runs for the write
(services.recompute), apart from the write's own enqueueing (on_change);
median of 15 (three units of the fair, five of each), and the same for a
need typed without a category (read in its unit's divisions).
``--needs-without-category 0.33``: a third of the registry's needs have no
category, as owners type them.
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


def measure(units, database, uncategorized=0.0):
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
            "--needs-without-category",
            str(uncategorized),
            folder,
            stdout=subprocess.DEVNULL,
        )
        figures["import_directory_s"], _ = timed_command(env, "import_directory", folder)
        figures["its_matching_s"], figures["its_matching_peak_mb"] = matching_jobs(env)
        plan = os.path.join(folder, "plan.csv")
        write_floorplan(folder, plan, min(500, units))
        figures["import_floorplan_s"], _ = timed_command(
            env, "import_floorplan", SLUG, plan, "--title", "نمایشگاه سنجش"
        )
        figures["fair_matching_s"], figures["fair_matching_peak_mb"] = matching_jobs(env)
    figures["rematch_s"], figures["rematch_peak_mb"] = timed_command(env, "rematch")
    figures["match_report_fair_s"], _ = timed_command(env, "match_report", "--fair", SLUG)
    figures.update(updates(env))
    return figures


def matching_jobs(env):
    """(seconds, peak MB) of a matching worker that runs every queued recompute, then exits."""
    return timed_command(
        env, "db_worker", "--queue-name", "matching", "--batch", "--no-reload", "--no-startup-delay"
    )


def updates(env):
    """Median time of the recompute after one new need, and after one new product
    (the job a matching worker runs), and of the write's enqueueing."""
    code = r"""
import json, statistics, time, django
django.setup()
from exhibitors.models import Category, Exhibitor, Need, Product
from matching import services
from matching.models import Match, Pending
# Named from the generator's words (bench/generate_registry.py), as its
# units' needs and products are: both find matches.
carton = Category.objects.get(code="1702")
words = ["چاپی", "پنج لایه", "سفید", "کرافت", "بزرگ"]
names = [f"کارتن مقوا {word}" for word in words]
times = {"need": [], "product": [], "enqueue": [], "plain need": []}
def timed(kind, write):
    started = time.perf_counter()
    write()
    times["enqueue"].append(time.perf_counter() - started)
    started = time.perf_counter()
    services.recompute(Pending.Kind.ITEMS, 0)
    times[kind].append(time.perf_counter() - started)
# Three units of the fair, five needs and products each: fifteen of each kind;
# and three other units, each with the same five needs typed without a category.
units = list(Exhibitor.objects.order_by("pk")[10:13])
others = list(Exhibitor.objects.order_by("pk")[20:23])
for unit, other in zip(units, others):
    neighbour = (
        Exhibitor.objects.filter(park=unit.park, county=unit.county).exclude(pk=unit.pk).first()
        or Exhibitor.objects.filter(county=unit.county).exclude(pk=unit.pk).first()
    )
    # A second run on the same database starts from where the first began.
    Need.objects.filter(exhibitor__in=[unit, other], name__in=names).delete()
    Product.objects.filter(exhibitor=neighbour, name__in=names).delete()
    services.recompute(Pending.Kind.ITEMS, 0)
    for name in names:
        need = Need.objects.create(exhibitor=unit, name=name, category=carton)
        timed("need", lambda: services.on_change(needs=[need.pk]))
        # A neighbour's product for that need: at 30k every steel need is full of
        # better matches, and a product that enters no need proves nothing.
        product = Product.objects.create(exhibitor=neighbour, name=name, category=carton)
        timed("product", lambda: services.on_change(products=[product.pk], created=True))
        assert Match.objects.filter(need=need).exists(), "the new need has no matches"
        assert Match.objects.filter(product=product, need=need).exists(), "not offered to the need"
        # The same need typed without a category: read in the unit's divisions.
        plain = Need.objects.create(exhibitor=other, name=name, category=None)
        timed("plain need", lambda: services.on_change(needs=[plain.pk]))
        assert Match.objects.filter(need=plain).exists(), "the need without a category has none"
median = lambda values: round(statistics.median(values) * 1000, 1)
print(json.dumps({
    "one_new_need_ms": median(times["need"]),
    "one_new_product_ms": median(times["product"]),
    "one_new_need_without_category_ms": median(times["plain need"]),
    "slowest_update_ms": round(
        max(times["need"] + times["product"] + times["plain need"]) * 1000, 1
    ),
    "enqueue_ms": median(times["enqueue"]),
    "matches_stored": Match.objects.count(),
}))
"""
    env = {**env, "DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, check=True, text=True, stdout=subprocess.PIPE
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--database", default="hamsaye_bench_matching")
    parser.add_argument(
        "--needs-without-category",
        type=float,
        default=0.0,
        help="share of the registry's needs typed without a category (owners leave a third)",
    )
    args = parser.parse_args()
    rows = []
    for units in args.units:
        started = time.monotonic()
        figures = measure(units, args.database, args.needs_without_category)
        figures["needs_without_category"] = args.needs_without_category
        figures["bench_s"] = round(time.monotonic() - started)
        print(json.dumps(figures), flush=True)
        rows.append(figures)
    print(f"\n{machine()}, {time.strftime('%Y-%m-%d')}\n")
    print(
        "| units | rematch s | peak MB | import s + its matching s | floor plan s + its "
        "matching s | one need ms | one need without category ms | one product ms | enqueue ms "
        "| match_report --fair s | matches |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['units']} | {r['rematch_s']} | {r['rematch_peak_mb']} "
            f"| {r['import_directory_s']} + {r['its_matching_s']} "
            f"| {r['import_floorplan_s']} + {r['fair_matching_s']} "
            f"| {r['one_new_need_ms']} | {r['one_new_need_without_category_ms']} "
            f"| {r['one_new_product_ms']} | {r['enqueue_ms']} "
            f"| {r['match_report_fair_s']} | {r['matches_stored']} |"
        )


if __name__ == "__main__":
    sys.exit(main())
