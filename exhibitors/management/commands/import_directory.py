import time

from django.core.management.base import BaseCommand, CommandError

from exhibitors import registry


class Command(BaseCommand):
    help = (
        "Import the registry of production units from a folder (units.csv, products.csv, "
        "needs.csv) or an .xlsx workbook (sheets units, products, needs). Every bad row is "
        "reported; with any, nothing is written unless --skip-invalid is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Write the good rows and report the bad ones.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and count what would change; write nothing.",
        )

    def handle(self, path, skip_invalid, dry_run=False, **options):
        started = time.monotonic()
        try:
            report = registry.import_registry(path, skip_invalid=skip_invalid, dry_run=dry_run)
        except registry.RegistryError as error:
            raise CommandError(str(error)) from None
        for described in report.formats.values():
            self.stdout.write(described)
        for problem in report.problems:
            self.stderr.write(str(problem))
        for sheet, counts in report.counts.items():
            self.stdout.write(
                f"{sheet}: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged"
            )
        for county in report.new_counties:
            self.stdout.write(f"new county: {county}")
        for park in report.new_parks:
            self.stdout.write(f"new industrial park: {park}")
        elapsed = report.written_at - started
        bad_rows = len({(p.source, p.row) for p in report.problems})
        if dry_run:
            self.stdout.write(
                f"Dry run: nothing was written ({bad_rows} bad rows, {elapsed:.1f} s)."
            )
            if report.problems:
                raise CommandError(f"{bad_rows} bad rows.")
            return
        if report.problems and not skip_invalid:
            raise CommandError(f"{bad_rows} bad rows: nothing was written ({elapsed:.1f} s).")
        skipped = f", {bad_rows} bad rows skipped" if report.problems else ""
        self.stdout.write(self.style.SUCCESS(f"Imported in {elapsed:.1f} s{skipped}."))
        matching = time.monotonic() - report.written_at
        if matching >= 0.05:
            self.stdout.write(f"Matches brought up to date in {matching:.1f} s.")
