"""Give an account a verified mobile from the shell: the first organizer's
second factor, or a number an operator has checked by other means."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from portal.lib.identifiers import clean_mobile


class Command(BaseCommand):
    help = "Set and verify the mobile of an account (by username or email)."

    def add_arguments(self, parser):
        parser.add_argument("user", help="username or email")
        parser.add_argument("mobile", help="09121234567, in any digits")

    def handle(self, *, user, mobile, **options):
        users = get_user_model().objects
        person = users.filter(username=user).first() or users.filter(email__iexact=user).first()
        if person is None:
            raise CommandError(f"No account {user!r}.")
        try:
            number = clean_mobile(mobile)
        except ValidationError as error:
            raise CommandError(error.messages[0]) from None
        try:
            services.set_verified_mobile(user=person, number=number, detail="manage.py set_mobile")
        except ValidationError:
            raise CommandError(f"{number} belongs to another account.") from None
        self.stdout.write(f"{person.username}: {number}, verified.")
