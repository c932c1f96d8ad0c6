"""A restore, rehearsed on PostgreSQL: what docs/operations.md ("Restore") says, run.

    python bench/restore.py [--database hamsaye_bench_restore] [--products N] [--keep]

1. A fresh UTF-8 database (as every bench makes one), migrated; the demo fair
   (`seed_demo`) and, with --products, a generated registry of that size
   (import_directory, rematch); a unit's logo uploaded into a media folder; a member signed
   in (a session row, signed with SECRET_KEY).
2. The backup: `pg_dump -Fc` of the database and a tar of the media folder.
3. The restore: another fresh UTF-8 database, `pg_restore --no-owner`, the
   media unpacked into a new folder, the same SECRET_KEY; then `migrate`
   (nothing to apply), `migrate --check`, `check` and `check --deploy` with
   the documented production settings.
4. The comparison: the row count of every table and the value of every
   sequence, equal; the same pages rendered from each database (Django's
   test client, DEBUG off, DATABASE_URL pointing at each), equal once their
   CSRF tokens are taken out; the logo's bytes, equal; the member's session
   still signed in on the copy — and signed out under another SECRET_KEY.

Prints the figures (machine, date, sizes, seconds) and exits non-zero on any
difference. The databases are dropped at the end unless --keep.
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import psycopg
from common import PYTHON, ROOT, fresh_database, machine, production_env, sh

SECRET_KEY = "restore-rehearsal-" + "k" * 40
# What docs/operations.md documents for production, so that check --deploy is meaningful.
DEPLOY = {
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_COOKIES": "1",
}
MEMBER = "restore-member@example.ir"
CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]+|(csrftoken=)[^;"]+')


def env_for(url, media):
    return {**production_env(url), "SECRET_KEY": SECRET_KEY, "MEDIA_ROOT": str(media)}


def manage(env, *args, capture=False):
    return sh(PYTHON, "manage.py", *args, env=env, capture_output=capture)


def itself(env, *args):
    """This script in a mode of its own, in a process set up for ``env``: its JSON answer."""
    done = sh(PYTHON, __file__, *args, env=env, capture_output=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def counts(url):
    """{table: rows} for every table, and {sequence: last value} for every sequence."""
    with psycopg.connect(url) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        rows = {
            name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in tables
        }
        sequences = dict(
            connection.execute(
                "SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences "
                "WHERE schemaname = 'public' ORDER BY 1"
            ).fetchall()
        )
        size = connection.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return rows, sequences, size


def folder_bytes(folder):
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def timed(results, key, function):
    started = time.monotonic()
    value = function()
    results["seconds"][key] = round(time.monotonic() - started, 2)
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="hamsaye_bench_restore")
    parser.add_argument("--keep", action="store_true", help="Leave both databases in place.")
    parser.add_argument(
        "--products",
        type=int,
        default=0,
        help="Also import a generated registry of this many products (a larger database).",
    )
    args = parser.parse_args()
    copy_name = f"{args.database}_copy"
    results = {"machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M"), "seconds": {}}
    problems = []

    with tempfile.TemporaryDirectory(prefix="hamsaye-restore-") as work:
        work = Path(work)
        source_media, copy_media = work / "media", work / "media-restored"
        dump, media_tar = work / "hamsaye.dump", work / "media.tar.gz"

        # 1. The portal as it runs.
        source_url = fresh_database(args.database)
        source = env_for(source_url, source_media)
        manage(source, "collectstatic", "--noinput", "-v0")
        timed(results, "migrate (empty database)", lambda: manage(source, "migrate", "-v0"))
        timed(results, "seed_demo", lambda: manage(source, "seed_demo", capture=True))
        if args.products:
            registry = work / "registry"
            sh(PYTHON, "bench/generate_registry.py", "--products", str(args.products), registry)
            timed(
                results,
                f"import_directory ({args.products:,} products)",
                lambda: manage(source, "import_directory", str(registry), capture=True),
            )
            # The rematch a large import queues, run here: matches are rows to restore too.
            timed(results, "rematch", lambda: manage(source, "rematch", capture=True))
        prepared = itself(source, "--prepare")

        # 2. The backup, as docs/operations.md "Backups" says.
        timed(
            results,
            "pg_dump -Fc",
            lambda: sh("pg_dump", "-Fc", "--no-owner", "-f", str(dump), source_url),
        )

        def pack():
            with tarfile.open(media_tar, "w:gz") as tar:
                tar.add(source_media, arcname=".")

        timed(results, "tar media", pack)

        # 3. The restore, as docs/operations.md "Restore" says.
        restore_started = time.monotonic()
        copy_url = fresh_database(copy_name)
        copy = env_for(copy_url, copy_media)
        timed(
            results,
            "pg_restore",
            lambda: sh(
                "pg_restore", "--no-owner", "--exit-on-error", "--dbname", copy_url, str(dump)
            ),
        )

        def unpack():
            copy_media.mkdir()
            with tarfile.open(media_tar) as tar:
                tar.extractall(copy_media, filter="data")

        timed(results, "untar media", unpack)
        migrated = manage(copy, "migrate", capture=True).stdout
        if "No migrations to apply" not in migrated:
            problems.append(f"migrate on the copy applied something:\n{migrated}")
        manage(copy, "migrate", "--check", "-v0")
        manage(copy, "check")
        deploy = subprocess.run(
            [PYTHON, "manage.py", "check", "--deploy"],
            cwd=ROOT,
            env={**copy, **DEPLOY},
            capture_output=True,
            text=True,
        )
        results["seconds"]["restore, every step to checks done"] = round(
            time.monotonic() - restore_started, 2
        )
        output = deploy.stdout + deploy.stderr
        found = re.search(r"identified (no|\d+) issues?", output)
        results["check --deploy"] = found.group(0) if found else output.strip()

        # 4. The comparison.
        source_rows, source_sequences, source_size = counts(source_url)
        copy_rows, copy_sequences, _copy_size = counts(copy_url)
        differ = {
            t: (source_rows.get(t), copy_rows.get(t))
            for t in source_rows.keys() | copy_rows.keys()
            if source_rows.get(t) != copy_rows.get(t)
        }
        if differ:
            problems.append(f"row counts differ (source, copy): {differ}")
        if source_sequences != copy_sequences:
            problems.append(f"sequences differ: {source_sequences} / {copy_sequences}")
        dashboard = f"/dashboard/units/{prepared['unit']}/"  # the member's own unit
        pages = [
            "/",
            f"/fairs/{prepared['fair']}/",
            f"/fairs/{prepared['fair']}/plan/",
            "/suppliers/?q=%DA%86%D8%B1%D9%85",  # «چرم»
            f"/exhibitors/{prepared['unit']}/",
            "/api/v1/products/?q=%DA%86%D8%B1%D9%85",
            dashboard,
        ]
        render = ["--render", prepared["session"], prepared["logo"], *pages]
        source_pages = itself(source, *render)
        copy_pages = itself(copy, *render)
        for page in [*pages, "media"]:
            if source_pages[page] != copy_pages[page]:
                problems.append(
                    f"{page}: {source_pages[page]} on the source, {copy_pages[page]} on the copy"
                )
            elif source_pages[page][0] != 200:
                problems.append(f"{page}: answered {source_pages[page][0]}")
        other_key = itself({**copy, "SECRET_KEY": "another-" + "x" * 50}, *render[:3], dashboard)
        if other_key[dashboard][0] == 200:
            problems.append("another SECRET_KEY kept the session: the check proves nothing")

        results.update(
            {
                "tables": len(source_rows),
                "rows": sum(source_rows.values()),
                "largest tables": dict(sorted(source_rows.items(), key=lambda kv: -kv[1])[:5]),
                "sequences": len(source_sequences),
                "database bytes": source_size,
                "dump bytes": dump.stat().st_size,
                "media bytes": folder_bytes(source_media),
                "media files": sum(1 for p in source_media.rglob("*") if p.is_file()),
                "pages compared": {p: source_pages[p] for p in [*pages, "media"]},
                "dashboard under another SECRET_KEY": other_key[dashboard][0],
            }
        )

    if not args.keep:
        admin = os.environ.get("DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        for name in (args.database, copy_name):
            sh("psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    print(json.dumps(results, ensure_ascii=False, indent=1))
    print(
        f"\nRestore rehearsal, {results['machine']}, {results['date']}: "
        f"{results['tables']} tables, "
        f"{results['rows']:,} rows, database {results['database bytes'] / 1e6:.1f} MB, "
        f"dump {results['dump bytes'] / 1e6:.2f} MB, media {results['media files']} file(s) "
        f"of {results['media bytes']:,} bytes"
    )
    print("| step | seconds |\n| --- | --- |")
    for step, seconds in results["seconds"].items():
        print(f"| {step} | {seconds} |")
    if problems:
        print("\nDIFFERENCES:\n" + "\n".join(problems))
        raise SystemExit(1)
    print(
        f"\nEqual: the rows of {results['tables']} tables, {results['sequences']} sequences, "
        f"{len(pages)} pages and the media; the session holds with the same SECRET_KEY "
        f"(another one answers {results['dashboard under another SECRET_KEY']})."
    )


# Modes run in a process of the portal's own (the environment says which database) --


def django_setup():
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare():
    """A logo uploaded, a member signed in: what a backup must carry beyond rows."""
    django_setup()
    import io

    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.test import Client
    from PIL import Image

    from exhibitors.models import Exhibitor, Membership
    from portal import demo

    unit = Exhibitor.objects.filter(participations__booth__isnull=False).order_by("pk").first()
    picture = io.BytesIO()
    Image.new("RGB", (120, 80), (200, 120, 40)).save(picture, "PNG")
    unit.logo.save("logo.png", ContentFile(picture.getvalue()), save=True)
    user = get_user_model().objects.create_user(MEMBER, MEMBER, "Restore-Rehearsal-1405")
    Membership.objects.create(user=user, exhibitor=unit, role=Membership.Role.OWNER)
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    print(
        json.dumps(
            {"unit": unit.pk, "logo": unit.logo.name, "session": session, "fair": demo.FAIR["slug"]}
        )
    )


def render(session, logo, pages):
    """{page: [status, sha256 of the body without CSRF tokens, bytes]}, and the logo's."""
    django_setup()
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="testserver", headers={"X-Forwarded-Proto": "https"})
    client.cookies["sessionid"] = session
    answers = {}
    for page in pages:
        response = client.get(page, secure=True)
        body = CSRF.sub(rb"\1\2", response.content)
        answers[page] = [response.status_code, hashlib.sha256(body).hexdigest()[:16], len(body)]
    path = Path(settings.MEDIA_ROOT) / logo
    data = path.read_bytes() if path.is_file() else b""
    answers["media"] = [200 if data else 404, hashlib.sha256(data).hexdigest()[:16], len(data)]
    print(json.dumps(answers))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--prepare"]:
        prepare()
    elif sys.argv[1:2] == ["--render"]:
        render(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        main()
