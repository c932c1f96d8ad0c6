"""What the benchmarks share: a fresh PostgreSQL database and the settings to use it."""

import contextlib
import json
import os
import platform
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def sh(*args, env=None, **kwargs):
    return subprocess.run(args, cwd=ROOT, env=env, check=True, text=True, **kwargs)


def fresh_database(name):
    """Drop and create database ``name`` with a UTF-8 ctype; returns its URL."""
    admin = os.environ.get("DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    sh("psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}")
    sh(
        "psql",
        admin,
        "-qc",
        f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
        "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'",
    )
    return admin.rsplit("/", 1)[0] + f"/{name}"


def production_env(database_url):
    """The environment of a production process (DEBUG off) on that database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
    }


def machine():
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in {seconds} s")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class FakeKavenegar(BaseHTTPRequestHandler):
    """Answers sms/send.json as Kavenegar does, counting each localid it sends."""

    sent = Counter()
    ids = {}
    lock = threading.Lock()
    delay = 0.0
    credit = 10**12

    def do_POST(self):
        time.sleep(self.delay)
        length = int(self.headers["Content-Length"])
        fields = urllib.parse.parse_qs(self.rfile.read(length).decode())
        if self.path.endswith("/account/info.json"):
            entries = {"remaincredit": self.credit}
        elif self.path.endswith("/sms/status.json"):
            # Delivery reports: every message arrived.
            ids = fields["messageid"][0].split(",")
            entries = [{"messageid": int(i), "status": 10} for i in ids]
        else:
            local_id = fields["localid"][0]
            with self.lock:
                self.sent[local_id] += 1
                if local_id not in self.ids:
                    self.ids[local_id] = len(self.ids) + 1
                message_id = self.ids[local_id]
            entries = [{"messageid": message_id, "status": 1}]
        answer = {"return": {"status": 200, "message": "تایید شد"}, "entries": entries}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # its worker was killed (the kill run)
            self.wfile.write(body)

    def log_message(self, *args):
        pass


def fake_provider(delay_ms):
    """A FakeKavenegar on a free port of this machine, in a thread; returns (server, port)."""
    FakeKavenegar.delay = delay_ms / 1000
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKavenegar)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]
