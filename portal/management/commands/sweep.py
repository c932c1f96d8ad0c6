"""What the job queue may have missed: messages cut off mid-send (marked
unknown), queued messages and recomputes whose job was lost (enqueued again).

Run it every few minutes (cron, a systemd timer); `make run` runs it with
--every. Each job is idempotent, so an extra one is harmless."""

import time

from django.core.management.base import BaseCommand

from matching import services as matching
from messaging import services as messaging


class Command(BaseCommand):
    help = "Mark messages cut off mid-send as unknown; enqueue jobs that were lost."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=0, help="seconds between sweeps; 0: sweep once and exit"
        )

    def handle(self, *, every, **options):
        while True:
            unknown, again = messaging.sweep()
            recomputes = matching.sweep()
            if unknown or again or recomputes or not every:
                self.stdout.write(
                    f"{unknown} message(s) marked unknown, {again} message(s) and "
                    f"{recomputes} recompute(s) enqueued again."
                )
            if not every:
                return
            time.sleep(every)
