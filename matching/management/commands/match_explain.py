from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from exhibitors.models import Need, Product
from fairs.models import Fair
from matching.explain import explain
from portal.lib.text import to_ascii_digits


class Command(BaseCommand):
    help = (
        "Why (not)? Print each component of a need–product pair's score (terms, head, "
        "category, relevance, proximity, score) and the rule that dropped it, if any. "
        "With --fair, in that fair's context (booths count); without, in none."
    )

    def add_arguments(self, parser):
        parser.add_argument("need_id", help="The need's id.")
        parser.add_argument("product_id", help="The product's id.")
        parser.add_argument("--fair", metavar="SLUG", help="The fair whose context to use.")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="The language of the explanation (default: the portal's).",
        )

    def handle(self, need_id, product_id, fair, language, **options):
        with translation.override(language):
            self._explain(need_id, product_id, fair)

    def _explain(self, need_id, product_id, fair):
        need = self._get(Need, need_id, "need")
        product = self._get(Product, product_id, "product")
        target = None
        if fair:
            target = Fair.objects.filter(slug=fair).first()
            if target is None:
                raise CommandError(f"There is no fair with slug {fair}.")
            at_fair = target.participations.approved().filter(exhibitor=need.exhibitor_id)
            if not at_fair.exists():
                raise CommandError(
                    f"The need's unit is not approved at {fair}: that fair is not its context."
                )
        for line in explain(need, product, target).lines():
            self.stdout.write(line)

    def _get(self, model, value, name):
        value = to_ascii_digits(str(value)).strip()
        if not value.isdigit():
            raise CommandError(f"The {name} id must be a number, not {value!r}.")
        found = model.objects.select_related("exhibitor").filter(pk=int(value)).first()
        if found is None:
            raise CommandError(f"There is no {name} with id {value}.")
        return found
