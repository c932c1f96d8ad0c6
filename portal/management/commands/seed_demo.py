from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import demo


class Command(BaseCommand):
    help = (
        "Write the demo fair of Hamedan province with its halls, booths, units, products and "
        "needs (the files in portal/demo/, through the imports). Safe to run again. With DEBUG "
        "on it also creates three demo logins."
    )

    def handle(self, *args, **options):
        try:
            accounts = demo.seed(create_accounts=settings.DEBUG)
        except demo.DemoError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Demo fair ready: /fairs/{demo.FAIR['slug']}/"))
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no demo accounts were created.")
        for account in accounts:
            self.stdout.write(f"  login {account.username} / {account.password}  ({account.role})")
        if accounts:
            self.stdout.write(
                "  Codes by SMS are printed by the worker in this terminal (SMS_BACKEND: console)."
            )
