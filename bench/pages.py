"""The public pages under load against /healthz, in one run, on PostgreSQL under gunicorn.

    python bench/pages.py --duration 10

Creates a fresh database, writes the demo fair (seed_demo) and its matches,
optionally imports a generated registry beside it (--products), starts
gunicorn with one worker per core (DEBUG off) and drives, from wrk (a
separate process, loopback, bounded by --duration and --connections), one
after the other: /healthz, the home page, the fair page, its floor plan and
a supplier search, all as an anonymous visitor asking for gzip. Prints one
JSON line per page and a Markdown table: requests a second, p50 and p99
latency, the rate as a share of /healthz's, and the non-2xx count (which
must be 0). The first request of each page fills the fragment cache.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse

from common import PYTHON, ROOT, fresh_database, machine, production_env, sh, wait_for

FAIR = "/fairs/hamedan-smi-10/"
PAGES = [
    ("/healthz", "healthz"),
    ("/", "home"),
    (FAIR, "fair page"),
    (FAIR + "plan/", "floor plan"),
    ("/suppliers/?q=" + urllib.parse.quote("چرم"), "search"),
]


def wrk(url, duration, connections):
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-H",
            "Accept-Encoding: gzip",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def ms(label):
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\b", out, re.M)
        value, unit = float(found.group(1)), found.group(2)
        return round(value * {"us": 0.001, "ms": 1, "s": 1000}[unit], 1)

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--products", type=int, default=0, help="a generated registry too")
    parser.add_argument("--port", type=int, default=8798)
    parser.add_argument("--database", default="hamsaye_bench_pages")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    env = production_env(fresh_database(args.database))
    sh(PYTHON, "manage.py", "migrate", "-v0", env=env)
    sh(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    sh(PYTHON, "manage.py", "seed_demo", env=env, stdout=subprocess.DEVNULL)
    if args.products:
        with tempfile.TemporaryDirectory() as folder:
            sh(PYTHON, "bench/generate_registry.py", "--products", str(args.products), folder)
            sh(PYTHON, "manage.py", "import_directory", folder, env=env, stdout=subprocess.DEVNULL)
    sh(PYTHON, "manage.py", "rematch", env=env, stdout=subprocess.DEVNULL)
    results = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "products_beside_the_demo": args.products,
        "connections": args.connections,
    }
    workers = str(os.cpu_count() or 2)
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "portal.wsgi", "-b", f"127.0.0.1:{args.port}", "-w", workers],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_for(base + "/healthz")
        for path, name in PAGES:
            wait_for(base + path)  # the first visit fills the fragment cache
            results[name] = wrk(base + path, args.duration, args.connections)
            print(json.dumps({"page": name, **results[name]}))
    finally:
        server.terminate()
        server.wait(10)
    base_rps = results["healthz"]["rps"]
    print()
    print(f"{results['machine']}, {results['date']}, {args.connections} connections, gunicorn")
    print()
    print("| page | req/s | ÷ healthz | p50 ms | p99 ms | non-2xx |")
    print("| --- | --- | --- | --- | --- | --- |")
    for _path, name in PAGES:
        r = results[name]
        share = r["rps"] / base_rps if base_rps else 0
        cells = [name, f"{r['rps']:.0f}", f"{share:.3f}", r["p50_ms"], r["p99_ms"], r["non_2xx"]]
        print("| " + " | ".join(map(str, cells)) + " |")
    if any(results[name]["non_2xx"] or results[name]["socket_errors"] for _p, name in PAGES):
        raise SystemExit("some requests failed")


if __name__ == "__main__":
    main()
