import time

from django.core.management.base import BaseCommand, CommandError

from fairs import floorplan


class Command(BaseCommand):
    help = (
        "Import a fair's floor plan from a CSV file with the columns hall, code, x, y, width, "
        "height, national_id (metres). Halls and booths are created or updated, and the units "
        "named get an approved participation with their booth. Every bad row is reported; "
        "with any, nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("fair_slug")
        parser.add_argument("path")
        parser.add_argument(
            "--title", help="Create the fair with this (Persian) title when the slug is new."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and count what would change; write nothing.",
        )

    def handle(self, fair_slug, path, title, dry_run=False, **options):
        started = time.monotonic()
        try:
            report = floorplan.import_floorplan(fair_slug, path, title=title, dry_run=dry_run)
        except floorplan.FloorplanError as error:
            raise CommandError(str(error)) from None
        for described in report.formats.values():
            self.stdout.write(described)
        for problem in report.problems:
            self.stderr.write(str(problem))
        elapsed = time.monotonic() - started
        if report.problems:
            raise CommandError(
                f"{report.bad_rows} bad rows: nothing was written ({elapsed:.1f} s)."
            )
        if report.fair_created:
            self.stdout.write(f"fair created: {fair_slug}")
        elif title:
            self.stdout.write(f"fair {fair_slug} exists: --title ignored")
        for kind, counts in report.counts.items():
            self.stdout.write(f"{kind}: " + ", ".join(f"{n} {o}" for o, n in counts.items()))
        if dry_run:
            self.stdout.write(f"Dry run: nothing was written ({elapsed:.1f} s).")
            return
        self.stdout.write(self.style.SUCCESS(f"Imported in {elapsed:.1f} s."))
