from django.conf import settings
from django.core.management.base import BaseCommand

from portal import demo


class Command(BaseCommand):
    help = (
        "Write the demo fair of Hamedan province with its halls, booths, units, products and "
        "needs. Safe to run again. With DEBUG on it also creates two demo logins."
    )

    def handle(self, *args, **options):
        accounts = demo.seed(create_accounts=settings.DEBUG)
        self.stdout.write(
            self.style.SUCCESS(f"Demo fair ready: /fairs/{demo.demo_data.FAIR['slug']}/")
        )
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no demo accounts were created.")
        for account in accounts:
            self.stdout.write(f"  login {account.username} / {account.password}  ({account.role})")
