"""The matching engine's storing side: full and partial recomputation of the
stored matches, and the rows they are written as.

What is read is in index.py, how a pair is scored in scoring.py; the
reasoning and the figures are in docs/matching.md. Candidates come from
indexes, never from every product for every need: a full rematch builds
sparse matrices once; an update fetches from the database only the
candidates that can reach what it may keep (reach.py: products by their
search text, needs by NeedTerm).
"""

import contextlib
import functools
import gc
import itertools
import multiprocessing
import re
import threading
from collections import Counter, defaultdict

try:
    import fcntl
except ImportError:  # not on Windows, where a SQLite portal runs one matching worker
    fcntl = None

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q

from exhibitors.models import Need, Product
from portal.lib.text import normalize

from . import features, reach, supply_chain, tables
from .index import (
    TOTAL,
    WEIGHED,
    Context,
    Places,
    ProductIndex,
    Rarity,
    active_fairs,
    contexts_of,
    forked,
    load_indexed,
    load_items,
)
from .models import Dismissal, Match, NeedTerm, Term
from .scoring import (
    CLOSE_TO_BEST,
    MIN_RELEVANCE,
    TIERS,
    TOP,
    WEAK_TOP,
    WORD_WEIGHT,
    lowest_kept,
    need_weights,
    score,
)

# Needs scored at once: their candidate pairs (thousands each in a large
# registry) are held in memory together, a dozen arrays of them.
NEEDS_PER_BLOCK = 1000
WORD_SPLIT = re.compile(r"[\s\u200c،,.:;()]+")
# A size as written: a number (or a list of them, or two dimensions) and a unit
# of one or two words («۲.۲ کیلو وات», «۸۰۰ و ۴۰۰ گرمی», «۴۰ در ۴۰»): what
# features.words reads as one term or a few.
_NUMBER = r"\d+(?:[./٫]\d+)?"
SIZE = re.compile(
    r"\d+\s*(?:در|x|X)\s*\d+(?:\s*[^\s\d،,.:;()]+)?"
    rf"|{_NUMBER}(?:\s*(?:و|تا)\s*{_NUMBER})*\s*[^\s\d،,.:;()]+(?:\s+(?:وات|متر))?"
)


def dismissed(need_ids=None):
    """The dismissed pairs as sorted need·2³² + product keys (scoring.score's excluded)."""
    rows = Dismissal.objects.all()
    if need_ids is not None:
        rows = rows.filter(need__among=list(need_ids))
    keys = [(need << 32) + product for need, product in rows.values_list("need_id", "product_id")]
    return np.array(sorted(keys), dtype=np.int64)


LEVELS = ("division", "group", "class")


def code_division(code):
    return code[:2] if code[:2].isdigit() else ""


def reasons(need, singles, level, code, product, product_code=""):
    """Why a product is relevant to a need: {"category": [level, code], "name": [...],
    "description": [...], "related": [[need's words, the lexicon's], ...]}. The
    words are the need's (folded) words the product has in its name or only in
    its description; written_as() spells them as each side does, for people to
    read (reading.reason_texts)."""
    found = {}
    if level >= 0:
        found["category"] = [LEVELS[level], code]
    in_name, in_description = [], []
    for term in singles:
        weight = product.terms.get(term)
        if weight == features.NAME:
            in_name.append(term)
        elif weight == features.DESCRIPTION:
            in_description.append(term)
    if in_name:
        found["name"] = in_name
    if in_description:
        found["description"] = in_description
    division = code_division(product_code)
    related = [
        [list(phrase), need.written.get(term, term)]
        for term, _covered, divisions, phrase in need.related
        if term in product.terms and (divisions is None or not division or division in divisions)
    ]
    if related:
        found["related"] = related
    return found


def written_as(found_terms, text):
    """The terms as the text spells them («آمیزه», not the folded «امیزه»)."""
    return _as_written(found_terms, text)


def _as_written(found_terms, text):
    """The terms as the text spells them («آمیزه», not the folded «امیزه»)."""
    written = _spellings(text)
    return [written.get(term, term) for term in found_terms]


@functools.lru_cache(maxsize=100_000)
def _spellings(text):
    """{term: the word of the text it comes from}."""
    written = {}
    for word in WORD_SPLIT.split(text):
        for term in features.words(word):
            written.setdefault(term, word)
    # A size is its number and its unit: «۴ میل», «۰.۳ میل».
    for size in SIZE.findall(text):
        sizes = [t for t in features.words(size) if features.is_size(t)]
        shorter = size.rsplit(None, 1)[0]
        if shorter != size and [t for t in features.words(shorter) if features.is_size(t)] == sizes:
            size = shorter  # «۴۰ در ۴۰», not «۴۰ در ۴۰ ضخامت»
        for term in sizes:
            written.setdefault(term, size)
    return written


# -- Writing -------------------------------------------------------------------


def _rows(scored, fair_id):
    """The rows of the kept pairs. Their reasons are built when shown
    (reasons_for): a rematch writes a million rows that no page reads."""
    tiers = [TIERS[t].value for t in scored.tier.tolist()]
    return zip(
        scored.needs.tolist(),
        scored.products.tolist(),
        [fair_id] * len(scored),
        scored.relevance.tolist(),
        scored.score.tolist(),
        tiers,
        strict=True,
    )


def reasons_for(need, product):
    """The reasons (see reasons()) of a stored pair, from the need and the product
    as they are now."""
    need_features = features.need_text(need.name, need.description)
    product_features = features.product_text(need_key(product), product.description, True)
    singles = list(
        dict.fromkeys(
            features.words(need_key(need), normalized=True) + features.words(need.description)
        )
    )
    need_code = need.category.code if need.category_id else ""
    product_code = product.category.code if product.category_id else ""
    level = -1
    for n in (2, 3, 4):
        if len(need_code) >= n and need_code[:n] == product_code[:n]:
            level = n - 2
    code = product_code[: level + 2] if level >= 0 else ""
    found = reasons(need_features, singles, level, code, product_features, product_code)
    if level < 0 and (found.get("name") or found.get("description") or found.get("related")):
        # A need without a category, read in a division its unit buys from
        # (scoring._category_shares): that is the category reason.
        unit = need.exhibitor
        activity = unit.category.code if unit.category_id else ""
        division = code_division(product_code)
        links = supply_chain.cached_buying_from()
        if division and int(division) in supply_chain.read_in([need_code], [activity], links)[0]:
            found = {"category": ["supplier", division], **found}
    return found


def need_key(item):
    return item.name_key or normalize(item.name)


def _write(rows, table="matching_match"):
    """Insert match rows; COPY on PostgreSQL (a full rematch writes a million,
    into a fresh ``table``: matching/tables.py)."""
    if connection.vendor == "postgresql":
        columns = "need_id, product_id, fair_id, relevance, score, proximity, reasons"
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row((*row, "{}"))
        return
    batch = []
    for need, product, fair, relevance, total, proximity in rows:
        batch.append(
            Match(
                need_id=need,
                product_id=product,
                fair_id=fair,
                relevance=relevance,
                score=total,
                proximity=proximity,
            )
        )
        if len(batch) >= 2000:
            Match.objects.bulk_create(batch)
            batch = []
    Match.objects.bulk_create(batch)


def _context_filter(fair_id):
    return Q(fair__isnull=True) if fair_id is None else Q(fair_id=fair_id)


# -- Full and partial recomputation --------------------------------------------


def rematch(fair=None, workers=1):
    """Recompute stored matches: all contexts, or one fair's. Returns {context: rows}.

    ``workers``: processes that score blocks of needs at once (_scored_blocks);
    the commands give one per core, a web process's callers one.

    The cyclic garbage collector is paused meanwhile: the run makes millions of
    small objects without cycles, and in a process that holds many already (an
    import's) each collection walked them all, doubling the time.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        with exclusive():
            return _rematch(fair, workers)
    finally:
        if collecting:
            gc.enable()


# What the forked workers of _scored_blocks score: set before the fork, so that
# each inherits it without a copy.
_JOB = None


def _scored_blocks(blocks, index, rarity, places, context, excluded, workers, terms=False):
    """(needs, their Scored, their need_term_rows if ``terms``) of each block of
    needs (Items) ``blocks`` gives, in order.

    With more than one worker, forked processes score the blocks, as many at
    once as there are workers, while this one reads the next wave and writes
    what the last returned (a few rows a need). They inherit the index, get each block
    pickled, and never touch the database."""
    global _JOB
    blocks = iter(blocks)
    wave = list(itertools.islice(blocks, max(workers, 1)))
    job = (index, rarity, places, context, excluded, terms)
    if len(wave) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for block in itertools.chain(wave, blocks):
            yield block, *_score_block(block, job)
        return
    _JOB = job
    # Worked out before the fork, so that the workers share them rather than each
    # working them out (0.8 s a worker at 100k units).
    index.products.levels  # noqa: B018 (a cached property, read for its side effect)
    try:
        with forked(workers) as pool:
            scoring = [pool.submit(_score_block, block) for block in wave]
            while wave:
                following = list(itertools.islice(blocks, workers))
                scored = [found.result() for found in scoring]
                # The next wave is scored while this one's rows are written.
                if following:
                    scoring = [pool.submit(_score_block, block) for block in following]
                for block, (kept, rows) in zip(wave, scored, strict=True):
                    yield block, kept, rows
                wave = following
    finally:
        _JOB = None


def _score_block(block, job=None):
    """(the block's Scored, its need_term_rows or None). The rows are made
    where the weights are: working them out again cost the writing process
    13 s of a rematch at 100k units."""
    index, rarity, places, context, excluded, terms = job or _JOB
    weights = need_weights(block, rarity)
    scored = score(block, index, rarity, places, context, excluded=excluded, weights=weights)
    if not terms:
        return scored, None
    return scored, list(reach.need_term_rows(block, weights, reach.bars(len(block), scored)))


def _need_blocks(needs_of_context, heads):
    """The needs in blocks of NEEDS_PER_BLOCK, each read when it is wanted: a
    registry's needs all at once were 400 MB at 30k units."""
    ids = list(needs_of_context.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), NEEDS_PER_BLOCK):
        chosen = ids[start : start + NEEDS_PER_BLOCK]
        yield load_items(Need.objects.filter(pk__among=chosen), needs=True, heads=heads)


# Any number that the application holds the PostgreSQL advisory lock by.
_LOCK = 7_301_905


_held = threading.local()


@contextlib.contextmanager
def exclusive():
    """One recompute at a time, across workers and machines: two that wrote the
    same needs' matches at once would both insert them. Re-entrant (a job's
    recompute calls rematch(), which takes it too).

    PostgreSQL: a session advisory lock, released when the block ends or the
    connection dies with its worker. SQLite: an flock on a file beside the
    database, released likewise when the process dies (a worker, a cron
    rematch and a test's immediate job all take it).
    """
    depth = getattr(_held, "depth", 0)
    _held.depth = depth + 1
    try:
        if depth:
            yield
        elif connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [_LOCK])
            try:
                yield
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])
        else:
            with _file_lock():
                yield
    finally:
        _held.depth = depth


@contextlib.contextmanager
def _file_lock():
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or connection.is_in_memory_db() or fcntl is None:
        yield  # an in-memory database belongs to one process
        return
    with open(f"{name}.matching-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _chunked():
    """SQLite lets one writer in at a time: a long rematch writes block by block,
    each in a short transaction, so that the web process's writes get in
    between. PostgreSQL writes it all in one transaction (and COPY)."""
    return connection.vendor == "sqlite"


def _rematch(fair=None, workers=1):
    """Without ``fair``: the term table, every need with no context, and the
    needs of units at every active fair in that fair's context.

    One transaction on PostgreSQL; on SQLite one per block of needs, each
    replacing the block's matches, so that a need always has either its old
    matches or its new ones.
    """
    with contextlib.nullcontext() if _chunked() else transaction.atomic():
        return _rematch_contexts(fair, workers)


def _rematch_contexts(fair, workers):
    if connection.vendor == "postgresql":
        # Matches can always be computed again: the commit need not wait for
        # the disk (a crash at that moment loses this run, not older data).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
    # Each product's words go into the index as it is read: scoring reads the
    # products from the index alone.
    index, rarity, heads = load_indexed(Product.objects.all(), workers)
    features.forget()
    if fair is None:
        with transaction.atomic():
            Term.objects.all().delete()
            Term.objects.bulk_create(
                [Term(term=TOTAL, products=rarity.total), Term(term=WEIGHED, products=rarity.total)]
                + [Term(term=t[:200], products=n) for t, n in rarity.counts.items()],
                batch_size=5000,
                ignore_conflicts=True,
            )
    places = Places.load()
    excluded = dismissed()
    contexts = [Context.of_fair(fair)] if fair else [Context.none()]
    if fair is None:
        contexts += [Context.of_fair(f) for f in active_fairs()]
    written = {}
    chunked = _chunked()
    fresh = fresh_terms = None
    if fair is None and connection.vendor == "postgresql":
        # Every context written anew into a fresh table; the matches of fairs
        # that are over (match_report reads them) carried over as they are.
        rewritten = [c.fair_id for c in contexts if c.fair_id is not None]
        tables.refuse(NeedTerm._meta.db_table)  # now, not at the end (reach.Rewrite)
        fresh = tables.Fresh(
            Match._meta.db_table,
            keep=("fair_id IS NOT NULL AND NOT fair_id = ANY(%s::bigint[])", [rewritten]),
        )
    for context in contexts:
        needs_of_context = Need.objects.all()
        if context.fair_id is not None:
            needs_of_context = needs_of_context.filter(exhibitor__in=list(context.units))
        in_context = Match.objects.filter(_context_filter(context.fair_id))
        if chunked:
            # Needs gone from the context (deleted, or their unit left the fair).
            in_context.exclude(need__in=needs_of_context).delete()
        elif fresh is None:
            in_context.delete()
        terms = reach.Rewrite() if context.fair_id is None else None
        count = 0
        blocks = _need_blocks(needs_of_context, heads)
        for block, scored, term_rows in _scored_blocks(
            blocks, index, rarity, places, context, excluded, workers, terms=bool(terms)
        ):
            with transaction.atomic():
                if chunked:
                    ids = block.ids.tolist()
                    for part in range(0, len(ids), 500):
                        in_context.filter(need__in=ids[part : part + 500]).delete()
                _write(
                    _rows(scored, context.fair_id), fresh.name if fresh else Match._meta.db_table
                )
                if terms:
                    # Each need's terms and bar: what a new product must bring.
                    terms.write(term_rows)
            count += len(scored)
        if terms and (swapped := terms.finish()):
            fresh_terms = swapped
        written[context.fair_id] = count
    if fresh:
        tables.swap(fresh, fresh_terms)
    if chunked:
        _drop_orphans()
    if connection.vendor == "postgresql" and not fresh:
        # Fresh statistics for the rewritten table: the planner's plans for an
        # update went wrong on stale ones (149 ms after ANALYZE, 630 before).
        # (Fresh tables are analysed before they are swapped in.)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE matching_match")
            cursor.execute("ANALYZE matching_needterm")
    return written


def _drop_orphans():
    """Rows a chunked rematch wrote for needs or products deleted while it ran
    (it read them at its start; the matches have no foreign keys): gone, and
    their needs matched again."""
    orphans = Match.objects.filter(product__isnull=False).exclude(
        product__in=Product.objects.values("pk")
    ) | Match.objects.exclude(need__in=Need.objects.values("pk"))
    needs = set(orphans.values_list("need_id", flat=True))
    if not needs:
        return
    with transaction.atomic():
        orphans.delete()
        NeedTerm.objects.exclude(need__in=Need.objects.values("pk")).delete()
    alive = set(Need.objects.filter(pk__in=needs).values_list("pk", flat=True))
    if alive:
        refresh_needs(alive)


# The relevance a refreshed need's first candidates must be able to reach
# (reach.within_reach): a need whose best among them is this and CLOSE_TO_BEST
# more has every product it can keep among them; the others look again, as
# low as their best allows.
FIRST_FLOOR = 0.7


def refresh_needs(need_ids):
    """Recompute the stored matches of these needs, in every context they have.

    Their candidates come from the database in at most two steps: first the
    products that may reach FIRST_FLOOR (a need without a category: WORD_WEIGHT
    less CLOSE_TO_BEST); for the needs whose best there is lower, those that
    may reach that best less CLOSE_TO_BEST."""
    needs = load_items(Need.objects.filter(pk__among=list(need_ids)), needs=True)
    if not len(needs):
        return 0
    rarity = Rarity.from_table({t for found in needs.terms for t in found})
    weights = need_weights(needs, rarity)
    excluded = dismissed(needs.ids.tolist())
    # A need without a category reaches at most WORD_WEIGHT outside the divisions
    # it is read in: its first look is for what is close to that (FIRST_FLOOR
    # would ask for more than it can have, and every product with its head
    # came in the second look: 12,000 for «کارتن مقوا کرافت» at 30k units).
    floors = np.where(
        needs.levels[0] >= 0, FIRST_FLOOR, min(FIRST_FLOOR, WORD_WEIGHT - CLOSE_TO_BEST)
    )
    products = load_items(reach.within_reach(needs, weights, floors))
    index = ProductIndex(products, narrow=False)
    units = set(needs.units.tolist()) | set(products.units.tolist())
    places = Places.load(units)
    first = score(needs, index, rarity, places, Context.none(), excluded=excluded)
    lowest = reach.bars(len(needs), first)  # what the best so far leaves in
    done = lowest >= floors - 1e-9
    wide_index = None
    if not done.all():
        rest = np.flatnonzero(~done)
        wide = load_items(
            reach.within_reach(needs.take(rest), [weights[i] for i in rest], lowest[rest])
        )
        wide_index = ProductIndex(wide, narrow=False)
        places = Places.load(units | set(wide.units.tolist()))
    count = 0
    bars = np.zeros(len(needs))
    with transaction.atomic():
        # Every context, also fairs the unit left or that are over: they are recomputed
        # (active ones here, others when match_report asks for them).
        Match.objects.filter(need__among=needs.ids.tolist()).delete()
        for context, positions in _contexts(needs):
            for settled, product_index in ((True, index), (False, wide_index)):
                chosen = positions[done[positions] == settled]
                if not len(chosen) or product_index is None:
                    continue
                block = needs.take(chosen)
                scored = score(block, product_index, rarity, places, context, excluded=excluded)
                _write(_rows(scored, context.fair_id))
                count += len(scored)
                if context.fair_id is None:
                    bars[chosen] = reach.bars(len(block), scored)
        NeedTerm.objects.filter(need__among=needs.ids.tolist()).delete()
        reach.write_need_terms(needs, weights, bars)
    return count


def _contexts(needs):
    """[(Context, positions of the needs it applies to)]: no fair for all needs,
    and each active fair for the needs of units approved at it."""
    fairs = contexts_of(set(needs.units.tolist()))
    units = needs.units.tolist()
    contexts = [(Context.none(), np.arange(len(needs)))]
    for fair in sorted({f.pk: f for fs in fairs.values() for f in fs}.values(), key=lambda f: f.pk):
        at = [i for i, unit in enumerate(units) if any(f.pk == fair.pk for f in fairs[unit])]
        contexts.append((Context.of_fair(fair), np.array(at, dtype=np.int64)))
    return contexts


def offer_products(product_ids, exclude_needs=(), created=False):
    """Put these products (new, or changed and withdrawn from their needs) among the
    stored matches of every need they now serve better than its weakest match.

    ``created``: the products are new, and their terms are counted in the term
    table (an edited product's are not counted again).
    """
    products = load_items(Product.objects.filter(pk__among=list(product_ids)))
    if not len(products):
        return 0
    if created:
        _count_terms(products)
    needs = load_items(
        reach.candidate_needs(products).exclude(pk__among=list(exclude_needs)),
        needs=True,
        own_classes={code for code in products.codes if len(code) == 4},
    )
    if not len(needs):
        return 0
    excluded = dismissed(needs.ids.tolist())
    rarity = Rarity.from_table({t for found in needs.terms for t in found})
    # A few products: every need takes them all, no narrowing to gain.
    index = ProductIndex(products, narrow=False)
    places = Places.load(set(needs.units.tolist()) | set(products.units.tolist()))
    contexts = _contexts(needs)
    added = 0
    with transaction.atomic():
        for context, positions in contexts:
            block = needs.take(positions)
            scored = score(block, index, rarity, places, context, excluded=excluded)
            if not len(scored):
                continue
            standing = {
                row["need"]: (row["n"], row["low"])
                for row in Match.objects.filter(
                    _context_filter(context.fair_id), need__among=set(scored.needs.tolist())
                )
                .values("need")
                .annotate(n=Count("pk"), low=Min("score"))
            }
            keep = np.array(
                [
                    standing.get(need, (0, 0))[0] < TOP or total > standing[need][1]
                    for need, total in zip(
                        scored.needs.tolist(), scored.score.tolist(), strict=True
                    )
                ],
                dtype=bool,
            )
            kept = scored.where(keep)
            _write(_rows(kept, context.fair_id))
            added += len(kept)
            _trim(set(kept.needs.tolist()), context.fair_id)
    return added


def _trim(need_ids, fair_id):
    """Keep the TOP best matches of each need in a context, those within
    CLOSE_TO_BEST of its best relevance (scoring.lowest_kept; a need with no
    match keeps its WEAK_TOP best weak pairs)."""
    extra = []
    rows = list(
        Match.objects.filter(_context_filter(fair_id), need__among=need_ids)
        .order_by("need", "-score", "product")
        .values_list("pk", "need", "relevance")
    )
    best = defaultdict(float)
    for _pk, need, relevance in rows:
        best[need] = max(best[need], relevance)
    lowest = {need: float(lowest_kept(np.array(b))) for need, b in best.items()}
    seen = Counter()
    for pk, need, relevance in rows:
        seen[need] += 1
        top = TOP if best[need] >= MIN_RELEVANCE - 1e-9 else WEAK_TOP
        if seen[need] > top or relevance < lowest[need] - 1e-9:
            extra.append(pk)
    Match.objects.filter(pk__in=extra).delete()


def _count_terms(products):
    counts = Counter(t[:200] for found in products.terms for t in found)
    existing = set(Term.objects.filter(term__in=list(counts)).values_list("term", flat=True))
    Term.objects.bulk_create(
        [Term(term=t, products=0) for t in counts if t not in existing], ignore_conflicts=True
    )
    by_count = defaultdict(list)
    for term, n in counts.items():
        by_count[n].append(term)
    for n, names in by_count.items():
        Term.objects.filter(term__in=names).update(products=F("products") + n)
    Term.objects.filter(term=TOTAL).update(products=F("products") + len(products))
