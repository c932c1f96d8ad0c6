import csv
import json
from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, Max, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from exhibitors.models import Need
from fairs.models import Fair, Participation
from matching import engine, index, reading
from matching.models import Match

CSV_COLUMNS = [
    "fair",
    "generated_at",
    "need_national_id",
    "need_exhibitor",
    "need",
    "national_id",
    "exhibitor",
    "product",
    "score",
    "proximity",
    "reasons",
]
NEEDS_PER_QUERY = 500
SLIM = [
    "need_id",
    "product_id",
    "score",
    "proximity",
    "reasons",
    "product__name",
    "product__name_key",
    "product__description",
    "product__category__code",
    "product__exhibitor__national_id",
    "product__exhibitor__legal_name",
    "product__exhibitor__park__name_fa",
    "product__exhibitor__park__name_en",
    "product__exhibitor__county__name_fa",
    "product__exhibitor__county__name_en",
    "product__exhibitor__county__province__name_fa",
    "product__exhibitor__county__province__name_en",
]


def positive(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Write the stored matches to standard output, best first, at most --limit per need: "
        "every need (no fair in context), or with --fair the needs of the units at that "
        "fair in its context. JSON (default) or CSV, one row per match."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fair", metavar="SLUG")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--limit", type=positive, default=10, metavar="K")

    def handle(self, fair, format, limit, **options):
        target = None
        if fair:
            target = Fair.objects.filter(slug=fair).first()
            if target is None:
                raise CommandError(f"There is no fair with slug {fair}.")
        needs = Need.objects.all()
        if target is not None:
            units = Participation.objects.approved().filter(fair=target).values("exhibitor")
            needs = needs.filter(exhibitor__in=units)
            if not index.active_fairs().filter(pk=target.pk).exists():
                # Writes keep the matches of active fairs current; a fair that is
                # over (or a draft) is computed afresh for its report.
                engine.rematch(fair=target)
        report = Report(target, needs, limit)
        out = Output(self.stdout)
        if format == "csv":
            report.write_csv(out)
        else:
            report.write_json(out)


class Output:
    """Standard output as csv and json write to it: no line ending added."""

    def __init__(self, stdout):
        self.stdout = stdout

    def write(self, text):
        self.stdout.write(text, ending="")


class Report:
    def __init__(self, fair, needs, limit):
        self.fair, self.limit = fair, limit
        self.generated_at = timezone.now().isoformat(timespec="seconds")
        self.booths = reading.Booths.of(fair)
        best = dict(
            Match.objects.filter(fair=fair, need__in=needs, product__isnull=False)
            .values("need")
            .annotate(best=Max("score"))
            .values_list("need", "best")
        )
        ids = list(needs.order_by("exhibitor__legal_name", "name").values_list("pk", flat=True))
        # Best first: needs by their best match, the unmatched after them.
        self.need_ids = sorted(ids, key=lambda pk: -best.get(pk, -1))

    def needs(self):
        """(need, [match, …]) in report order, a few hundred needs a query."""
        for start in range(0, len(self.need_ids), NEEDS_PER_QUERY):
            chunk = self.need_ids[start : start + NEEDS_PER_QUERY]
            needs = Need.objects.select_related("exhibitor__category", "category").in_bulk(chunk)
            # The best ``limit`` of each need, with only what the report prints.
            rows = (
                Match.objects.filter(fair=self.fair, need__in=chunk, product__isnull=False)
                .annotate(
                    need_unit=F("need__exhibitor_id"),
                    rank=Window(
                        RowNumber(),
                        partition_by=[F("need_id")],
                        order_by=[F("score").desc(), F("product_id").asc()],
                    ),
                )
                .filter(rank__lte=self.limit)
                .select_related(
                    "product__exhibitor__county__province",
                    "product__exhibitor__park",
                    "product__category",
                )
                .only(*SLIM)
                .order_by("need", "-score", "product")
            )
            by_need = defaultdict(list)
            for match in rows:
                match.need = needs[match.need_id]  # its reasons are built from it
                if len(by_need[match.need_id]) < self.limit:
                    by_need[match.need_id].append(match)
            for pk in chunk:
                yield needs[pk], by_need[pk]

    def match_fields(self, match):
        unit = match.product.exhibitor
        return {
            "national_id": unit.national_id,
            "exhibitor": unit.legal_name,
            "product": match.product.name,
            "score": round(match.score, 4),
            "proximity": match.proximity,
            "reasons": reading.reason_texts(match, self.booths),
        }

    def write_json(self, out):
        fair = json.dumps(self.fair.slug if self.fair else None)
        out.write(f'{{"fair": {fair}, "generated_at": {json.dumps(self.generated_at)}, "needs": [')
        for n, (need, matches) in enumerate(self.needs()):
            entry = {
                "national_id": need.exhibitor.national_id,
                "exhibitor": need.exhibitor.legal_name,
                "need": need.name,
                "matches": [self.match_fields(m) for m in matches],
            }
            out.write(("," if n else "") + "\n" + json.dumps(entry, ensure_ascii=False))
        out.write("\n]}\n")

    def write_csv(self, out):
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        fair = self.fair.slug if self.fair else ""
        for need, matches in self.needs():
            for match in matches:
                fields = self.match_fields(match)
                writer.writerow(
                    [
                        fair,
                        self.generated_at,
                        need.exhibitor.national_id,
                        need.exhibitor.legal_name,
                        need.name,
                        fields["national_id"],
                        fields["exhibitor"],
                        fields["product"],
                        fields["score"],
                        fields["proximity"],
                        " | ".join(fields["reasons"]),
                    ]
                )
