"""The supplier directory: /suppliers/ for people, /api/v1/ for programs."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Prefetch, Window
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.lib.text import search_words, to_ascii_digits

from . import search
from .filters import (
    HIDDEN_FAIR_STATUSES,
    ExhibitorFilterSet,
    ProductFilterSet,
    fair_model,
    participation_model,
)
from .models import Category, County, Exhibitor, IndustrialPark, Need, Product, Province

PER_PAGE = 20
MAX_PAGE = 100_000


def current_booths():
    """A unit's booths at fairs a visitor may see, for prefetching."""
    return (
        participation_model()
        .objects.filter(status="approved", booth__isnull=False)
        .exclude(fair__status__in=[*HIDDEN_FAIR_STATUSES, "archived"])
        .select_related("fair", "booth__hall")
        .order_by("-fair__starts_on")
    )


def products_for_listing(queryset):
    return queryset.select_related(
        "category", "exhibitor__county__province", "exhibitor__park"
    ).prefetch_related(Prefetch("exhibitor__participations", current_booths(), to_attr="booths"))


def _place_and_fair_lists():
    """Provinces, counties, parks and fairs as (value, label): kept a few
    minutes in each process's cache, since they change a few times a year."""
    key = f"directory-lists-{get_language()}"
    lists = cache.get(key)
    if lists is None:
        fairs = fair_model().objects.exclude(status__in=HIDDEN_FAIR_STATUSES)
        lists = [
            ("province", [(p.pk, str(p)) for p in Province.objects.all()]),
            ("county", [(c.pk, str(c)) for c in County.objects.all()]),
            ("park", [(p.pk, str(p)) for p in IndustrialPark.objects.all()]),
            ("fair", [(f.slug, str(f)) for f in fairs.order_by("-starts_on")]),
        ]
        cache.set(key, lists, 300)
    return lists


def _selects(request, filterset):
    """The filter panel's lists, rendered by a plain loop: Django's select widget
    renders each <option> through a template, which costs more than the search."""
    form = filterset.form
    lists = list(_place_and_fair_lists())
    fair = request.GET.get("fair")
    if fair and "fair" not in filterset.errors:
        booth = participation_model()._meta.get_field("booth").related_model
        hall = booth._meta.get_field("hall").related_model
        halls = hall.objects.filter(fair__slug=fair).order_by("code")
        lists.append(("hall", [(h.pk, h.name) for h in halls]))
    return [
        {"field": form[name], "options": options, "selected": request.GET.get(name, "")}
        for name, options in lists
    ]


def _page_ids(queryset, number):
    """The ids of page ``number`` and, from the same query, how many rows match."""
    start = (number - 1) * PER_PAGE
    rows = list(
        queryset.annotate(matches=Window(Count("pk"))).values_list("pk", "matches")[
            start : start + PER_PAGE
        ]
    )
    return [pk for pk, _count in rows], (rows[0][1] if rows else None)


def paginate(filterset, number, fetch, *, strict=False):
    """A page of the filtered rows, which are then loaded by ``fetch(ids)``.

    One query ranks and counts ids (a window count), without similarity
    first; when few rows match, the page is ranked again with it. Only the
    page's rows are then joined to their unit, place and booths. With
    ``strict``, a bad page number raises.
    """
    if not filterset.is_valid():
        paginator = Paginator([], PER_PAGE)
        return paginator.page(1)
    try:
        wanted = int(number or 1)
    except (TypeError, ValueError):
        if strict:
            raise PageNotAnInteger(_("There is no such page.")) from None
        wanted = 1
    if wanted < 1 and not strict:
        wanted = 1
    unranked = filterset.ordered(matches=search.SIMILARITY_LIMIT + 1)
    # A page number past any real page is not sent to the database as an offset.
    reasonable = 1 <= wanted <= MAX_PAGE
    ids, count = _page_ids(unranked, wanted) if reasonable else ([], None)
    if count is None:
        count = filterset.qs.count()
    paginator = Paginator(unranked.values_list("pk", flat=True), PER_PAGE)
    paginator.__dict__["count"] = count
    page = paginator.page(wanted) if strict else paginator.get_page(wanted)
    rerank = filterset.form.cleaned_data.get("q") and search.uses_similarity(count)
    if page.number != wanted or rerank:
        ids, _count = _page_ids(filterset.ordered(matches=count), page.number)
    rows = {row.pk: row for row in fetch(ids)}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def fetch_products(ids):
    return products_for_listing(Product.objects.filter(pk__in=ids))


def fetch_exhibitors(ids):
    return (
        Exhibitor.objects.filter(pk__in=ids)
        .select_related("category", "county__province", "park")
        .prefetch_related(
            "products", "needs", Prefetch("participations", current_booths(), to_attr="booths")
        )
    )


FILTERS = ["category", "province", "county", "park", "fair", "hall"]
RELATED_CATEGORIES = 6


def _without(request, name):
    """This page's address without the filter ``name`` (and back on page 1)."""
    query = request.GET.copy()
    for key in (name, "page"):
        query.pop(key, None)
    return f"{request.path}?{query.urlencode()}" if query else request.path


def _active_filters(request, filterset, selects):
    """The filters in use, as [{"label", "value", "url"}]: the link drops that filter."""
    options = {s["field"].name: {str(v): label for v, label in s["options"]} for s in selects}
    form = filterset.form
    active = []
    for name in FILTERS:
        value = request.GET.get(name, "").strip()
        if not value or form.cleaned_data.get(name) in (None, ""):
            continue
        if name == "category":
            category = Category.objects.filter(code=to_ascii_digits(value).upper()).first()
            shown = search.category_label(category) if category else value
        else:
            shown = options.get(name, {}).get(str(getattr(form.cleaned_data[name], "pk", value)))
        active.append(
            {"label": form[name].label, "value": shown or value, "url": _without(request, name)}
        )
    return active


def related_categories(query, limit=RELATED_CATEGORIES, *, from_needs=True):
    """Where to look when no product holds ``query``: the categories of the needs
    that hold it (how the units that buy it file it; ``from_needs``), then those
    whose names hold its words, with how many products each holds (with those
    below it). Only categories that hold some product; no sections (too wide)."""
    wanted = []
    if from_needs:
        need_codes = (
            search.matching(Need.objects.exclude(category=None), query)
            .values_list("category__code", flat=True)
            .distinct()
        )
        wanted = list(Category.objects.filter(code__in=need_codes).order_by("code"))
    wanted += search.search_categories(query, limit=20)
    products = dict(
        Product.objects.exclude(category=None)
        .values_list("category__code")
        .annotate(n=Count("pk"))
        .values_list("category__code", "n")
    )
    related, seen = [], set()
    for category in wanted:
        if category.level == Category.Level.SECTION or category.code in seen:
            continue
        seen.add(category.code)
        count = sum(n for code, n in products.items() if code.startswith(category.code))
        below = [r for r in related if r["category"].code.startswith(category.code)]
        # A group that holds no more than its class listed already adds nothing.
        if count and not any(r["products"] == count for r in below):
            related.append({"category": category, "products": count})
    return related[:limit]


def nothing_found(request, filterset, selects):
    """What the page offers when no product matches: the filters to drop, whether
    anyone supplies the words at all and how many units need them, categories
    to look in, and the user's units, to add the words as a need."""
    query = filterset.form.cleaned_data.get("q") or ""
    filters = _active_filters(request, filterset, selects)
    offer = {"query": query, "filters": filters, "elsewhere": 0, "needed_by": 0}
    if not search_words(query):
        return offer
    if filters:
        # Without the filters some product may hold the words.
        offer["elsewhere"] = search.matching(Product.objects.all(), query).count()
    # What units buy is for logged-in users (as on a unit's page): a visitor
    # could otherwise learn it one word at a time.
    signed_in = request.user.is_authenticated
    if not offer["elsewhere"] and signed_in:
        offer["needed_by"] = (
            search.matching(Need.objects.all(), query).values("exhibitor_id").distinct().count()
        )
    offer["categories"] = related_categories(query, from_needs=signed_in)
    if len(query) <= Need._meta.get_field("name").max_length:
        offer["can_add"] = True
        if request.user.is_authenticated:
            offer["my_units"] = list(
                Exhibitor.objects.filter(memberships__user=request.user).order_by("legal_name")
            )
        else:
            login = resolve_url(settings.LOGIN_URL)
            offer["login_url"] = f"{login}?{urlencode({'next': request.get_full_path()})}"
    return offer


@require_GET
def suppliers(request):
    filterset = ProductFilterSet(request.GET or None)
    page = paginate(filterset, request.GET.get("page"), fetch_products)
    query = filterset.form.cleaned_data.get("q", "") if filterset.is_bound else ""
    groups = {}
    for product in page.object_list:
        if query:
            search.explain(product, query)  # marked_name, snippet: why it was found
        # A unit's products together, in the order of its best-ranked one.
        groups.setdefault(product.exhibitor_id, (product.exhibitor, []))[1].append(product)
    selects = _selects(request, filterset)
    searched = bool(request.GET)
    nothing = None
    if searched and filterset.is_valid() and not page.paginator.count:
        nothing = nothing_found(request, filterset, selects)
    return render(
        request,
        "exhibitors/suppliers.html",
        {
            "filter": filterset,
            "page": page,
            "units": groups.values(),
            "searched": searched,
            "selects": selects,
            "nothing": nothing,
        },
    )


@require_GET
def healthz(request):
    """The load balancer's check: no database, no session."""
    return HttpResponse("ok", content_type="text/plain")


def _api_page(request, filterset, fetch, serialize):
    if not filterset.is_valid():
        errors = filterset.errors.get_json_data()
        return JsonResponse(
            {
                "error": {
                    field: [e["message"] for e in messages] for field, messages in errors.items()
                }
            },
            status=400,
        )
    try:
        page = paginate(filterset, request.GET.get("page") or 1, fetch, strict=True)
    except (EmptyPage, PageNotAnInteger):
        return JsonResponse(
            {"error": {"page": [_("There is no such page.")]}},
            status=400,
        )

    def link(number):
        query = request.GET.copy()
        query["page"] = number
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return JsonResponse(
        {
            "count": page.paginator.count,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": [serialize(request, obj) for obj in page.object_list],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _place(unit):
    return {
        "province": unit.county.province.name_fa,
        "county": unit.county.name_fa,
        "park": unit.park.name_fa if unit.park_id else None,
    }


def _booths(unit):
    return [
        {"fair": p.fair.slug, "hall": p.booth.hall.code, "code": p.booth.code} for p in unit.booths
    ]


def _category(category):
    if category is None:
        return None
    return {"code": category.code, "name_fa": category.name_fa, "name_en": category.name_en}


def _product(request, product):
    unit = product.exhibitor
    return {
        "id": product.pk,
        "name": product.name,
        "description": product.description,
        "category": _category(product.category),
        "exhibitor": {
            "national_id": unit.national_id,
            "name": unit.display_name,
            **_place(unit),
            "url": request.build_absolute_uri(unit.get_absolute_url()),
        },
        "booths": _booths(unit),
    }


def _exhibitor(request, unit):
    return {
        "national_id": unit.national_id,
        "name": unit.display_name,
        **_place(unit),
        "category": _category(unit.category),
        "url": request.build_absolute_uri(unit.get_absolute_url()),
        "products": [p.name for p in unit.products.all()],
        # What a unit buys is for logged-in users (exhibitors, organizers) only.
        "needs": [n.name for n in unit.needs.all()] if request.user.is_authenticated else [],
        "booths": _booths(unit),
    }


@require_GET
def api_products(request):
    return _api_page(request, ProductFilterSet(request.GET), fetch_products, _product)


@require_GET
def api_exhibitors(request):
    return _api_page(request, ExhibitorFilterSet(request.GET), fetch_exhibitors, _exhibitor)
