"""Import time and request latency of the directory, on PostgreSQL under gunicorn.

    python bench/load.py --products 100000 --duration 20

Creates a fresh database (UTF-8 ctype), generates a registry of that many
products, times `import_directory`, starts gunicorn with one worker per
core, and drives /healthz, /api/v1/products/?q=… and /suppliers/?q=… from
wrk (a separate process) one after the other, rotating queries and filters
(bench/queries.lua). Prints one JSON line per figure and a Markdown table.
Needs PostgreSQL at DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres)
and wrk (apt-get install wrk).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from common import PYTHON, ROOT, fresh_database, machine, production_env, sh, wait_for

TARGETS = [
    ("/healthz", "healthz"),
    ("/api/v1/products/", "api products"),
    ("/suppliers/", "suppliers page"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per target")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--database", default="hamsaye_bench")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    env = production_env(fresh_database(args.database))
    results = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "products": args.products,
    }
    sh(PYTHON, "manage.py", "migrate", "-v0", env=env)
    sh(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    with tempfile.TemporaryDirectory() as folder:
        sh(PYTHON, "bench/generate_registry.py", "--products", str(args.products), folder)
        for run in ("import", "reimport"):
            # The command reports the import (rows committed) and the matching
            # that follows it separately; the wall time covers both.
            started = time.monotonic()
            out = sh(
                PYTHON, "manage.py", "import_directory", folder, env=env, capture_output=True
            ).stdout
            results[f"{run}_total_seconds"] = round(time.monotonic() - started, 1)
            imported = re.search(r"Imported in ([0-9.]+) s", out)
            matched = re.search(r"Matches brought up to date in ([0-9.]+) s", out)
            results[f"{run}_seconds"] = float(imported.group(1))
            results[f"{run}_matching_seconds"] = float(matched.group(1)) if matched else 0.0
    print(
        json.dumps({k: v for k, v in results.items() if k.startswith(("import", "reimport"))}),
        flush=True,
    )

    workers = str(os.cpu_count() or 2)
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--workers",
            workers,
            "--bind",
            f"127.0.0.1:{args.port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{args.port}"
        wait_for(base + "/healthz")
        for path, label in TARGETS:
            # A short warm-up, then the measured run.
            sh(
                "wrk",
                "-t1",
                "-c2",
                "-d2s",
                "-s",
                "bench/queries.lua",
                base + path,
                "--",
                path,
                stdout=subprocess.DEVNULL,
            )
            out = sh(
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.duration}s",
                "--timeout",
                "10s",
                "-s",
                "bench/queries.lua",
                base + path,
                "--",
                path,
                capture_output=True,
            ).stdout
            figures = json.loads(out.strip().splitlines()[-1])
            results[label] = figures
            print(json.dumps({label: figures}), flush=True)
    finally:
        server.terminate()
        server.wait(10)

    base_rps = results["healthz"]["rps"]
    print(f"\n{results['products']} products, {results['machine']}, {results['date']}")
    print(
        f"import {results['import_seconds']} s (then matching {results['import_matching_seconds']}"
        f" s), again {results['reimport_seconds']} s (no change)\n"
    )
    print("| endpoint | p50 ms | p95 ms | req/s | req/s ÷ healthz | errors |")
    print("| --- | --- | --- | --- | --- | --- |")
    for _path, label in TARGETS:
        r = results[label]
        print(
            f"| {label} | {r['p50_ms']} | {r['p95_ms']} | {r['rps']} | "
            f"{r['rps'] / base_rps:.3f} | {r['errors'] + r['non_2xx']} |"
        )


if __name__ == "__main__":
    main()
