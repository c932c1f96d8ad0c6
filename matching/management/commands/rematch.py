import os
import time

from django.core.management.base import BaseCommand, CommandError

from fairs.models import Fair
from matching import engine


class Command(BaseCommand):
    help = (
        "Recompute the stored matches: every need with no fair in context and the needs "
        "of units at every active fair in that fair's context; with --fair, that fair only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fair", metavar="SLUG", help="Only this fair's context.")
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes that score needs at once (default: one per core).",
        )

    def handle(self, fair, workers, **options):
        started = time.monotonic()
        target = None
        if fair:
            target = Fair.objects.filter(slug=fair).first()
            if target is None:
                raise CommandError(f"There is no fair with slug {fair}.")
        written = engine.rematch(fair=target, workers=max(1, workers))
        for context, count in written.items():
            name = "no fair" if context is None else Fair.objects.get(pk=context).slug
            self.stdout.write(f"{name}: {count} matches")
        self.stdout.write(self.style.SUCCESS(f"Rematched in {time.monotonic() - started:.1f} s."))
