from django.core.management.base import BaseCommand

from exhibitors import registry


class Command(BaseCommand):
    help = (
        "Export the registry in the columns import_directory reads: to a folder of CSV files, "
        "or to a workbook when PATH ends in .xlsx."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, path, **options):
        counts = registry.export_registry(path)
        summary = ", ".join(f"{n} {sheet}" for sheet, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Exported {summary} to {path}."))
