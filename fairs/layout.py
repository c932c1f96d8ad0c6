"""Who stands where: a fair's booths with their holders, neighbours, and drawings.

Reads only. Each function loads what it needs in a fixed number of queries,
however many booths a hall has.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from urllib.parse import quote

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from exhibitors.models import Category, Need, Product
from portal.lib.forms import persian_active
from portal.lib.text import normalize, search_words, to_ascii_digits, to_persian_digits

from . import geometry
from .models import Booth, Hall, Participation

# Colours for ISIC divisions, in the order of their codes at a fair: light
# enough for dark text, apart enough to tell neighbours apart; twenty before
# a colour comes again (a provincial fair shows ten to twenty divisions).
PALETTE = [
    "#8ecae6",
    "#ffb703",
    "#a7c957",
    "#f4a3a8",
    "#cdb4db",
    "#80cbc4",
    "#ffd6a5",
    "#bdb2ff",
    "#d4a373",
    "#caffbf",
    "#ff8fab",
    "#9bf6ff",
    "#e9edc9",
    "#b8c0ff",
    "#f7b267",
    "#84dcc6",
    "#d0a2f7",
    "#c1d37f",
    "#ffc6ff",
    "#a3c4f3",
]
HOLDER_FIELDS = ["legal_name", "brand", "national_id", "category", "county", "park"]
OTHER_COLOUR = "#e0e0e0"
FREE_COLOUR = "#ffffff"


def placed_booths(fair=None, hall=None, *, halls=None):
    """Booths of a fair, of one hall, or of several halls (``halls``: pks), each
    with ``holder``: its unit or None.

    Three queries. The holder comes with its category; of its own fields only
    HOLDER_FIELDS are loaded.
    """
    booths = Booth.objects.order_by("hall__code", "code")
    hall_objects = Hall.objects.select_related("fair")
    holders = Participation.objects.approved().filter(booth__isnull=False)
    if fair is not None:
        booths = booths.filter(fair=fair)
        holders = holders.filter(fair=fair)
        hall_objects = hall_objects.filter(fair=fair)
    if hall is not None:
        halls = [hall]
    if halls is not None:
        halls = [getattr(h, "pk", h) for h in halls]
        booths = booths.filter(hall__in=halls)
        holders = holders.filter(booth__hall__in=halls)
        hall_objects = hall_objects.filter(pk__in=halls)
    # What plans, neighbour lists and proximity need, not the units' long texts.
    holders = holders.select_related("exhibitor__category").only(
        "booth_id",
        *(f"exhibitor__{name}" for name in HOLDER_FIELDS),
        "exhibitor__category__code",
        "exhibitor__category__name_fa",
        "exhibitor__category__name_en",
    )
    by_booth = {p.booth_id: p.exhibitor for p in holders}
    # One Hall object per hall, not one per booth.
    hall_objects = {h.pk: h for h in hall_objects}
    booths = list(booths)
    for booth in booths:
        booth.hall = hall_objects[booth.hall_id]
        booth.holder = by_booth.get(booth.pk)
    return booths


def attach_product_names(booths):
    """Give each booth's holder ``product_names``: its products' names, sorted.
    One query of names (no model instances: a hall of 500 units has 2,000)."""
    holders = {b.holder.pk: b.holder for b in booths if b.holder is not None}
    for unit in holders.values():
        unit.product_names = []
    rows = (
        Product.objects.filter(exhibitor__in=holders)
        .order_by("exhibitor_id", "name")
        .values_list("exhibitor_id", "name")
    )
    for unit_pk, name in rows:
        holders[unit_pk].product_names.append(name)


def neighbour_booths(booths, metres=None):
    """{booth pk: [(other booth, gap in metres), …]} within each hall, nearest first.

    ``booths`` as placed_booths gives them; no queries. A grid per hall keeps
    this near linear in the number of booths (see geometry.pairs_within).
    """
    metres = Decimal(settings.PORTAL_NEIGHBOUR_METRES if metres is None else metres)
    by_hall = defaultdict(list)
    for booth in booths:
        by_hall[booth.hall_id].append(booth)
    near = defaultdict(list)
    for hall_booths in by_hall.values():
        for i, j in geometry.pairs_within(hall_booths, metres):
            a, b = hall_booths[i], hall_booths[j]
            distance = geometry.gap(a, b)
            near[a.pk].append((b, distance))
            near[b.pk].append((a, distance))
    for rows in near.values():
        rows.sort(key=lambda row: (row[1], row[0].code))
    return near


@dataclass
class Neighbour:
    exhibitor: object
    booth: object
    gap: Decimal


def unit_neighbours(fair, metres=None):
    """{exhibitor pk: [Neighbour, …]} for every unit with a booth at the fair, nearest first.

    Three queries for the whole fair.
    """
    booths = placed_booths(fair)
    near = neighbour_booths(booths, metres)
    result = {}
    for booth in booths:
        if booth.holder is None:
            continue
        result[booth.holder.pk] = [
            Neighbour(other.holder, other, gap)
            for other, gap in near.get(booth.pk, ())
            if other.holder is not None
        ]
    return result


# Pixels a metre when the plan is drawn without its script: a 3 m booth is
# then 42 px wide and its labels readable, and the frame scrolls (the pan).
# With the script the plan opens fitted to the frame and zooms from there.
PIXELS_A_METRE = 14


@dataclass
class Shape:
    """A booth as drawn: its rectangle, its code and its unit's short name."""

    booth: object
    fill: str
    label: str
    href: str = ""
    highlighted: bool = False
    match: bool = False

    @property
    def free(self):
        return self.booth.holder is None

    def markup(self, with_id=True, persian=False):
        """The booth's SVG group. Built here with f-strings, not in a template
        or with format_html: a hall of 500 booths would spend most of its
        time there. Every text is escaped; numbers are formatted floats."""
        b = self.booth
        x, y, width, height = float(b.x), float(b.y), float(b.width), float(b.height)
        # Text scales with the booth's short side: 3 m booths get 0.6 m codes
        # (the script keeps codes at least 12 px high on the screen).
        side = min(width, height)
        cx, cy = _f(x + width / 2), y + height / 2
        code = escape(b.code)
        shown = escape(to_persian_digits(b.code)) if persian else code
        if self.free:
            name = escape(_("Booth %(code)s, free") % {"code": shown})
        else:
            # The accessible name starts with what the booth shows: its code
            # and its unit's name.
            name = f"{shown} {escape(b.holder.display_name)}"
        classes = "booth" + (" free" if self.free else "")
        classes += " highlighted" if self.highlighted else ""
        classes += " match" if self.match else ""
        group_id = f' id="booth-{code}"' if with_id else ""
        label_y = cy - side * 0.05 if self.label else cy + side * 0.02
        # The title names the link (and is its tooltip); a free booth's names the group.
        parts = [
            f'<g class="{classes}"{group_id}>',
            f'<a href="{escape(self.href)}"><title>{name}</title>' if self.href else "",
            "" if self.href else f"<title>{name}</title>",
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(width)}" height="{_f(height)}" '
            f'fill="{escape(self.fill)}"/>',
            f'<text class="code" x="{cx}" y="{_f(label_y)}" '
            f'font-size="{_f(min(0.8, side * 0.2))}">{shown}</text>',
        ]
        if self.label:
            parts.append(
                f'<text class="name" x="{cx}" y="{_f(cy + side * 0.2)}" '
                f'font-size="{_f(min(0.55, side * 0.15))}">{escape(self.label)}</text>'
            )
        parts.append("</a></g>" if self.href else "</g>")
        return "".join(parts)


@dataclass
class Drawing:
    """One hall drawn in metres: what the SVG template needs, worked out once."""

    hall: object
    shapes: list
    view: tuple
    legend: list = field(default_factory=list)
    highlighted: object = None
    ids: bool = True
    persian: bool = False
    matches: list = field(default_factory=list)
    searched: bool = False

    @property
    def viewbox(self):
        return " ".join(_n(v) for v in self.view)

    @property
    def pixel_width(self):
        return _n(self.view[2] * PIXELS_A_METRE)

    @property
    def pixel_height(self):
        return _n(self.view[3] * PIXELS_A_METRE)

    @cached_property
    def booths_markup(self):
        return mark_safe("\n".join(shape.markup(self.ids, self.persian) for shape in self.shapes))

    @cached_property
    def held(self):
        return [shape for shape in self.shapes if not shape.free]

    def units_markup(self):
        """The hall's units as a list: what a booth's sheet shows when it is
        tapped (plan.js adds the links), what the plan's search box reads (the
        code, the unit's names and every product, as the server's search), and
        the plan in words for a screen reader or a browser without the script.
        f-strings again: one item a booth, kept short (500 on a big hall)."""
        makes = escape(_("Makes:"))
        comma = escape(_(", "))
        items = []
        for shape in self.held:
            b, unit = shape.booth, shape.booth.holder
            code = escape(b.code)
            shown = escape(to_persian_digits(b.code)) if self.persian else code
            listed = comma.join(f"<bdi>{escape(name)}</bdi>" for name in unit.product_names)
            # The legal name too, when the unit shows its brand.
            legal = f' data-legal="{escape(unit.legal_name)}"' if unit.brand else ""
            items.append(
                f'<li id="unit-{code}"{legal}><span class="booth-code">{shown}</span> '
                f'<a class="unit" href="{escape(shape.href)}">'
                f"<bdi>{escape(unit.display_name)}</bdi></a>"
                f'<p class="what">{makes} {listed or "—"}</p></li>'
            )
        return mark_safe("".join(items))


def _f(value):
    """A float for an SVG attribute: centimetres at most, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def draw(hall, booths, *, colours, divisions=None, highlight="", link=None, around=None, search=""):
    """A Drawing of the hall's booths.

    ``colours`` maps a division code to a fill; ``divisions`` maps a
    division code to its Category (for the legend); ``link(booth)`` gives
    a booth's address, or "" for none. With ``around`` (a booth), the view
    is the part of the hall within 8 metres of it, widened so that every
    booth in it is drawn whole. ``search`` marks the booths whose code,
    unit or products have its words (attach_product_names first).
    """
    highlight = to_ascii_digits(highlight or "").strip().upper()
    view = (Decimal(0), Decimal(0), hall.width, hall.depth)
    if around is not None:
        margin = Decimal(8)
        x0 = max(Decimal(0), around.x - margin)
        y0 = max(Decimal(0), around.y - margin)
        x1 = min(hall.width, around.x + around.width + margin)
        y1 = min(hall.depth, around.y + around.height + margin)
        cut = [
            b
            for b in booths
            if b.x < x1 and b.x + b.width > x0 and b.y < y1 and b.y + b.height > y0
        ]
        # Whole booths: the window grows to the booths it cuts, and a little
        # floor beyond them; it then shows every booth that fits in it whole.
        pad = Decimal("0.5")
        x0 = max(Decimal(0), min([x0, *(b.x for b in cut)]) - pad)
        y0 = max(Decimal(0), min([y0, *(b.y for b in cut)]) - pad)
        x1 = min(hall.width, max([x1, *(b.x + b.width for b in cut)]) + pad)
        y1 = min(hall.depth, max([y1, *(b.y + b.height for b in cut)]) + pad)
        view = (x0, y0, x1 - x0, y1 - y0)
        inside = {
            b.pk
            for b in booths
            if b.x >= x0 and b.x + b.width <= x1 and b.y >= y0 and b.y + b.height <= y1
        }
        booths = [b for b in booths if b.pk in inside or b in cut]
    words = search_words(search) if search else []
    shapes = []
    highlighted = None
    used = set()
    for booth in booths:
        division = _division(booth.holder)
        if division:
            used.add(division)
        fill = colours.get(division, OTHER_COLOUR) if booth.holder else FREE_COLOUR
        shape = Shape(
            booth,
            fill=fill,
            label=_short(booth.holder.display_name, booth.width) if booth.holder else "",
            href=link(booth) if link else "",
            highlighted=bool(highlight) and booth.code.upper() == highlight,
            match=bool(words) and _has_words(booth, words),
        )
        if shape.highlighted:
            highlighted = shape
        shapes.append(shape)
    legend = []
    if divisions:
        legend = [(colours[code], divisions[code]) for code in sorted(used) if code in divisions]
    return Drawing(
        hall,
        shapes,
        view,
        legend,
        highlighted,
        ids=around is None,
        persian=persian_active(),
        matches=[shape for shape in shapes if shape.match],
        searched=bool(words),
    )


def _has_words(booth, words):
    """Whether every word is in the booth's code, its unit's names or its products."""
    texts = [normalize(booth.code)]
    if booth.holder is not None:
        unit = booth.holder
        texts += [normalize(unit.legal_name), normalize(unit.brand)]
        texts += [normalize(name) for name in getattr(unit, "product_names", ())]
    text = " ".join(texts)
    return all(word in text for word in words)


def _division(exhibitor):
    if exhibitor is None or not exhibitor.category_id:
        return ""
    return exhibitor.category.code[:2]


def _short(name, width):
    """The name cut to what fits across the booth at the label size."""
    fits = max(3, int(float(width) / 0.3))
    return name if len(name) <= fits else name[: fits - 1].rstrip() + "…"


def _n(value):
    """A number for an SVG attribute: no exponent, no trailing zeros."""
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fair_divisions(fair):
    """({division code: Category}, {division code: colour}) for the units holding booths.

    Colours follow the division codes, so a division keeps its colour on
    every hall's page of the fair. Two queries.
    """
    pk = getattr(fair, "pk", fair)
    return fairs_divisions([pk])[pk]


def fairs_divisions(fair_pks):
    """fair_divisions for several fairs: {fair pk: (categories, colours)}. Two queries."""
    pairs = (
        Participation.objects.approved()
        .filter(fair__in=fair_pks, booth__isnull=False, exhibitor__category__isnull=False)
        .values_list("fair_id", "exhibitor__category__code")
        .distinct()
    )
    by_fair = defaultdict(set)
    for fair_id, code in pairs:
        by_fair[fair_id].add(code[:2])
    categories = Category.objects.in_bulk(set().union(*by_fair.values()), field_name="code")
    result = {}
    for pk in fair_pks:
        divisions = sorted(by_fair[pk])
        result[pk] = (
            {code: categories[code] for code in divisions if code in categories},
            {code: PALETTE[i % len(PALETTE)] for i, code in enumerate(divisions)},
        )
    return result


def unit_url():
    """url(pk): a unit's page, the address reversed once, not once a row."""
    marker = 2_147_483_647
    head, tail = reverse("exhibitors:detail", args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def unit_linker():
    """link(booth) for a public plan: its unit's page, or "" for a free booth."""
    url = unit_url()
    return lambda booth: url(booth.holder.pk) if booth.holder else ""


def participation_rows(participations):
    """A fair page's list of exhibitors (``<li>`` items): booth code linked to the
    plan, the unit linked to its page, its activity and place. f-strings, not a
    template include a row: a fair of 500 units. Text escaped; codes in the
    page's digits."""
    persian = persian_active()
    unit_link = unit_url()
    marker = "HALL-CODE"
    plan_head, plan_tail = None, None
    on_plan = escape(_("On the plan"))
    rows = []
    for p in participations:
        unit = p.exhibitor
        booth = p.booth
        if booth is not None:
            if plan_head is None:
                plan_head, plan_tail = reverse("fairs:plan_hall", args=[p.fair.slug, marker]).split(
                    marker
                )
            code = quote(booth.code)
            href = f"{plan_head}{quote(booth.hall.code)}{plan_tail}?highlight={code}#booth-{code}"
            shown = to_persian_digits(booth.code) if persian else booth.code
            anchor = escape(booth.code)
            link = (
                f'<a class="booth-code" dir="ltr" href="{escape(href)}" title="{on_plan}">'
                f"{escape(shown)}</a>"
            )
        else:
            anchor = str(p.pk)
            link = '<span class="booth-code none">—</span>'
        place = [str(unit.county)] + ([str(unit.park)] if unit.park_id else [])
        if unit.category_id:
            place.insert(0, unit.category.name)
        unit_href = unit_link(unit.pk)
        rows.append(
            f'<li id="booth-{anchor}">{link} <span class="who">'
            f'<a href="{escape(unit_href)}"><bdi>{escape(unit.display_name)}</bdi></a> '
            f"<small>{escape(' · '.join(place))}</small></span></li>"
        )
    return mark_safe("".join(rows))


def attach_neighbourhoods(participations, *, link=None):
    """Give each participation ``drawing`` (the hall around its booth) and
    ``neighbours`` ([Neighbour, …], nearest first, their units with products
    and needs) when it holds a booth at a fair not yet over; else None and [].

    Seven queries however many participations, halls and neighbours.
    """
    today = timezone.localdate()
    placed = []
    for participation in participations:
        participation.drawing, participation.neighbours = None, []
        if participation.booth_id and participation.fair.ends_on >= today:
            placed.append(participation)
    if not placed:
        return
    linker = unit_linker()
    booths = placed_booths(halls={p.booth.hall_id for p in placed})
    divisions = fairs_divisions({p.fair_id for p in placed})
    near = neighbour_booths(booths)
    by_pk = {b.pk: b for b in booths}
    for participation in placed:
        mine = by_pk[participation.booth_id]
        categories, colours = divisions[participation.fair_id]
        participation.neighbours = [
            Neighbour(b.holder, b, gap) for b, gap in near.get(mine.pk, ()) if b.holder
        ]
        participation.drawing = draw(
            mine.hall,
            [b for b in booths if b.hall_id == mine.hall_id],
            colours=colours,
            divisions=categories,
            highlight=mine.code,
            link=link or linker,
            around=mine,
        )
    prefetch_related_objects(
        [n.exhibitor for p in placed for n in p.neighbours],
        Prefetch("products", Product.objects.order_by("name")),
        Prefetch("needs", Need.objects.order_by("name")),
    )
