"""What the engine reads: needs and products as arrays, where units are, the
fair contexts, how rare each term is, and the products as sparse matrices.

Nothing here scores (scoring.py) or writes matches (engine.py).
"""

import concurrent.futures
import contextlib
import functools
import hashlib
import itertools
import math
import multiprocessing
from array import array
from collections import Counter, defaultdict, deque
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from scipy import sparse

from exhibitors.models import Exhibitor, Product
from fairs.layout import unit_neighbours
from fairs.models import Booth, Fair, Participation

from . import features
from .models import Term


@dataclass
class Items:
    """Needs or products as the engine sees them, in one order."""

    ids: np.ndarray
    units: np.ndarray
    codes: list  # the item's ISIC code ("" for none)
    features: list  # features.NeedText or features.ProductText
    activities: list = None  # the unit's own ISIC code (needs: its kind of output)
    own_heads: list = None  # needs: the heads of the unit's own products
    # Needs without a category: the divisions they are read in, those their
    # unit's division buys from (the supply-chain map; supply_chain.read_in).
    read_in: list = None

    def __post_init__(self):
        if self.activities is None:
            self.activities = [""] * len(self.ids)
        if self.own_heads is None:
            self.own_heads = [frozenset()] * len(self.ids)
        if self.read_in is None:
            self.read_in = [frozenset()] * len(self.ids)

    def __len__(self):
        return len(self.ids)

    @property
    def terms(self):
        return [f.terms for f in self.features]

    @functools.cached_property
    def levels(self):
        """Each item's ISIC division, group and class as numbers (-1 for none): three arrays."""
        return [_prefixes(self.codes, n) for n in (2, 3, 4)]

    @property
    def divisions(self):
        return self.levels[0]

    @functools.cached_property
    def own_class(self):
        """The unit's activity class as a number (-1 for none)."""
        return _prefixes(self.activities, 4)

    def take(self, positions):
        return Items(
            self.ids[positions],
            self.units[positions],
            *([values[p] for p in positions] for values in (self.codes, self.features)),
            [self.activities[p] for p in positions],
            [self.own_heads[p] for p in positions],
            [self.read_in[p] for p in positions],
        )

    @functools.cached_property
    def read_in_keys(self):
        """Sorted position · 100 + division of each need's read_in divisions."""
        keys = [i * 100 + d for i, divisions in enumerate(self.read_in) for d in divisions]
        return np.array(sorted(keys), dtype=np.int64)


def _prefixes(codes, n):
    return np.array(
        [int(c[:n]) if len(c) >= n and c[:n].isdigit() else -1 for c in codes], dtype=np.int64
    )


def load_items(queryset, *, needs=False, own_classes=None, heads=None):
    """Items of a Product or Need queryset; for needs, also each unit's activity
    and the heads of its products (``own_classes``: only for units of these
    activity classes, the only ones whose own kind the products can be;
    ``heads``: {unit: heads} known already, load_indexed)."""
    fields = ["pk", "exhibitor_id", "name", "description", "category__code", "name_key"]
    rows = queryset.order_by("pk").values_list(*fields, "exhibitor__category__code")
    text_of = features.need_text if needs else features.product_text
    ids, units, codes, found, activities = [], [], [], [], []
    # Fetched at once, not through a server-side cursor: these are an update's
    # few dozen rows or a rematch's block of needs, and a cursor's own round
    # trips (declare, fetch, close, its planner setting) cost an update more
    # than the rows (load_indexed streams a registry's products).
    for pk, unit, name, description, code, name_key, activity in rows:
        ids.append(pk)
        units.append(unit)
        codes.append(code or "")
        activities.append(activity or "")
        # name_key is the name already normalized: the words come quicker from
        # it. A need's own name, for the words in parentheses it may have.
        if needs:
            found.append(text_of(name, description))
        else:
            found.append(text_of(name_key, description, normalized_name=True))
    own_heads = None
    if needs:
        makers = set(units)
        if own_classes is not None:
            makers = {u for u, a in zip(units, activities, strict=True) if a in own_classes}
        if heads is None:
            heads = _heads_by_unit(makers)
        own_heads = [heads.get(unit, frozenset()) for unit in units]
    read_in = None
    if needs:
        from .supply_chain import read_in as read_in_of

        read_in = read_in_of(codes, activities)
    ids, units = np.array(ids, dtype=np.int64), np.array(units, dtype=np.int64)
    return Items(ids, units, codes, found, activities, own_heads, read_in)


@contextlib.contextmanager
def every_row():
    """Reads that want every row their query finds. PostgreSQL plans a cursor for
    its first tenth of rows (cursor_tuple_fraction): a filtered read in pk order
    became a walk of the whole primary key (400 ms for 135 products of 150,000,
    90 ms when planned for every row)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
        yield
        # Only these reads: the enclosing transaction (an update) goes on. (After
        # an error the transaction is rolled back, and the setting with it.)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL cursor_tuple_fraction TO DEFAULT")


def load_indexed(queryset, workers=1):
    """(the ProductIndex of a Product queryset, its Rarity, {unit: heads of its
    products}), the products read once: each product's words go into the
    index as it is read, never all of them at once (1.1 GB of them at 100k
    units). What a full rematch reads its products by.

    ``workers``: processes that work out the products' words (_read_in_turn);
    nothing else runs meanwhile, and it is most of the reading."""
    rows = queryset.order_by("pk").values_list(
        "pk", "exhibitor_id", "name_key", "description", "category__code"
    )
    entries, ids, units, codes, heads = Entries(), array("q"), array("q"), [], defaultdict(set)
    with every_row():
        read = rows.iterator(chunk_size=READ_CHUNK)
        chunks = iter(lambda: list(itertools.islice(read, READ_CHUNK)), [])
        for chunk, found_of in _read_in_turn(chunks, workers):
            for (pk, unit, _name_key, _description, code), found in zip(
                chunk, found_of, strict=True
            ):
                entries.add(found)
                ids.append(pk)
                units.append(unit)
                codes.append(code or "")
                if found.head:
                    heads[unit].add(found.head)
    products = Items(_numpy(ids).copy(), _numpy(units).copy(), codes, None)
    rarity = Rarity(entries.counts(), len(codes))
    heads = {unit: frozenset(found) for unit, found in heads.items()}
    return ProductIndex(products, entries=entries), rarity, heads


READ_CHUNK = 5000


def _texts_of(chunk):
    return [
        features.product_text(name_key, d, normalized_name=True)
        for _p, _u, name_key, d, _c in chunk
    ]


def _read_in_turn(chunks, workers):
    """(chunk, its products' ProductText) of each chunk of rows, in order. With
    more than one worker, forked processes work out all but every
    ``workers``-th chunk while this one works out those: they get the rows
    pickled and never touch the database."""
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            yield chunk, _texts_of(chunk)
        return
    with forked(workers - 1) as pool:
        waiting = deque()
        for n, chunk in enumerate(chunks):
            if n % workers:
                waiting.append((chunk, pool.submit(_texts_of, chunk)))
            else:
                waiting.append((chunk, _texts_of(chunk)))
            # What is done, in order; at most one wave waits (its rows are held).
            while waiting and (len(waiting) > workers or _done(waiting[0][1])):
                chunk, found = waiting.popleft()
                yield chunk, found if isinstance(found, list) else found.result()
        while waiting:
            chunk, found = waiting.popleft()
            yield chunk, found if isinstance(found, list) else found.result()


def _done(found):
    return isinstance(found, list) or found.done()


def forked(workers):
    """A pool of ``workers`` forked processes (they inherit what this one holds).
    One that dies (killed for memory, say) fails what it was given with
    BrokenProcessPool, where multiprocessing.Pool would wait for it forever,
    and the rematch with it, holding its lock."""
    return concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork")
    )


def _heads_by_unit(units):
    """{unit pk: frozenset of its products' heads}: what the unit makes itself."""
    found = defaultdict(set)
    for unit, name_key, description in _products_of(units):
        if unit in units:
            head = features.product_text(name_key, description, normalized_name=True).head
            found[unit].add(head)
    return {unit: frozenset(h for h in heads if h) for unit, heads in found.items()}


def _products_of(units):
    """(unit, name_key, description) of the products of these units, and maybe
    of others: an update's few units' at once (a cursor's own round trips cost
    more than their rows, load_items), a rematch's from all products, streamed."""
    fields = ("exhibitor_id", "name_key", "description")
    if len(units) < 5000:
        yield from list(Product.objects.filter(exhibitor__among=list(units)).values_list(*fields))
        return
    with every_row():
        yield from Product.objects.values_list(*fields).iterator(chunk_size=5000)


@dataclass
class Places:
    """Each unit's park, county and province (0 for none), by unit pk."""

    index: dict
    park: np.ndarray
    county: np.ndarray
    province: np.ndarray

    @classmethod
    def load(cls, units=None):
        rows = Exhibitor.objects.all()
        if units is not None:
            rows = rows.filter(pk__among=list(units))
        rows = rows.values_list("pk", "park_id", "county_id", "county__province_id")
        index, park, county, province = {}, [], [], []
        for i, (pk, park_id, county_id, province_id) in enumerate(rows):
            index[pk] = i
            park.append(park_id or 0)
            county.append(county_id or 0)
            province.append(province_id or 0)
        return cls(index, *(np.array(v, dtype=np.int64) for v in (park, county, province)))

    @functools.cached_property
    def _lookup(self):
        lookup = np.full(max(self.index, default=0) + 1, -1, dtype=np.int64)
        lookup[list(self.index)] = list(self.index.values())
        return lookup

    def positions(self, units):
        return self._lookup[units]


@dataclass
class Context:
    """Where proximity is judged: at a fair (booths count), or nowhere in particular."""

    fair_id: object = None
    units: frozenset = frozenset()  # units approved at the fair
    hall: dict = None  # unit pk → hall pk, for units with a booth
    neighbour_keys: np.ndarray = None  # unit pairs a·2³² + b, both ways, sorted

    @classmethod
    def none(cls):
        return cls()

    @classmethod
    def of_fair(cls, fair):
        """The fair's context, cached under a digest of what it is made of (the
        approved units, their booths, the booths' halls and geometry): a moved
        booth or a new holder is a new key, so the cache is never stale. On
        PostgreSQL the database works out the digest, and a cached context
        costs two round trips instead of reading every booth."""
        digest = _layout_digest(fair)
        if digest is not None:
            key = f"matching:context:{fair.pk}:{digest}"
            found = cache.get(key)
            if found is None:
                found = _context_parts(fair)
                # Kept only if nothing changed while it was read: else the rows
                # of a later layout would be stored under an earlier one's key.
                if _layout_digest(fair) == digest:
                    cache.set(key, found, 24 * 3600)
            return cls(fair.pk, *found)
        units, hall, keys = _context_parts(fair, cached=True)
        return cls(fair.pk, units, hall, keys)


def _context_parts(fair, cached=False):
    """(units, hall, neighbour keys) of the fair. ``cached``: the neighbour keys
    from the cache, keyed by the booths and holders read here (where the
    database cannot digest them)."""
    rows = list(
        Participation.objects.approved()
        .filter(fair=fair)
        .values_list("exhibitor_id", "booth_id", "booth__hall_id")
    )
    units = frozenset(unit for unit, _booth, _hall in rows)
    hall = {unit: hall for unit, booth, hall in rows if booth}
    keys = None
    if cached:
        geometry = Booth.objects.filter(fair=fair).order_by("pk")
        layout = (
            settings.PORTAL_NEIGHBOUR_METRES,
            tuple(sorted((unit, booth) for unit, booth, _hall in rows if booth)),
            tuple(geometry.values_list("pk", "hall_id", "x", "y", "width", "height")),
        )
        key = f"matching:neighbours:{fair.pk}:{hashlib.sha256(repr(layout).encode()).hexdigest()}"
        keys = cache.get(key)
    if keys is None:
        keys = np.array(
            sorted(
                (unit << 32) + neighbour.exhibitor.pk
                for unit, neighbours in unit_neighbours(fair).items()
                for neighbour in neighbours
            ),
            dtype=np.int64,
        )
        if cached:
            cache.set(key, keys, 24 * 3600)
    return units, hall, keys


def _layout_digest(fair):
    """An MD5 digest of the fair's approved participations (unit, booth) and its
    booths (hall, position, size), with the neighbour distance; None where the
    database is not PostgreSQL."""
    if connection.vendor != "postgresql":
        return None
    participations = Participation._meta.db_table
    booths = Booth._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT md5(concat_ws('|', %s::text,
                (SELECT string_agg(concat_ws(',', exhibitor_id, booth_id), ';'
                                   ORDER BY exhibitor_id, booth_id)
                   FROM {participations} WHERE fair_id = %s AND status = %s),
                (SELECT string_agg(concat_ws(',', id, hall_id, x, y, width, height), ';'
                                   ORDER BY id)
                   FROM {booths} WHERE fair_id = %s)))
            """,
            [
                str(settings.PORTAL_NEIGHBOUR_METRES),
                fair.pk,
                Participation.Status.APPROVED,
                fair.pk,
            ],
        )
        return cursor.fetchone()[0]


def active_fairs():
    """Fairs whose booths still mean something: public and not yet over."""
    return Fair.objects.public().filter(ends_on__gte=timezone.localdate())


def contexts_of(unit_ids):
    """{unit pk: [Fair, …]} of the active fairs each unit is approved at (one
    query, the fairs with it)."""
    found = defaultdict(list)
    rows = Participation.objects.approved().filter(
        exhibitor__among=list(unit_ids), fair__in=active_fairs()
    )
    for participation in rows.select_related("fair").order_by("fair_id"):
        found[participation.exhibitor_id].append(participation.fair)
    return found


# -- Term rarity --------------------------------------------------------------


def idf(document_frequency, total):
    """The weight of a term used by ``document_frequency`` of ``total`` products."""
    # At least 1, the weight of a term every product has, even if the counts
    # drifted above the total between full rematches.
    return max(1.0, math.log((1 + total) / (1 + document_frequency)) + 1)


class Rarity:
    """Term weights from counts: {term: products using it} and the product total."""

    def __init__(self, counts, total):
        self.counts, self.total = counts, total

    def weight(self, term):
        return idf(self.counts.get(term, 0), self.total)

    @classmethod
    def of_products(cls, products):
        counts = Counter(term for found in products.terms for term in found)
        return cls(counts, len(products))

    @classmethod
    def from_table(cls, wanted):
        rows = Term.objects.filter(term__in=[*wanted, TOTAL]).values_list("term", "products")
        counts = dict(rows)
        total = counts.pop(TOTAL, None)
        if total is None:  # no full rematch yet
            total = Product.objects.count()
        return cls(counts, total)


# The term table's row for the product total its counts are out of, kept as
# they are (written by a full rematch, raised by new products): counting
# 150,000 products took 38 ms of every update.
TOTAL = ""
# ... and the total the stored weights and bars were computed with (NeedTerm),
# written by a full rematch only.
WEIGHED = " "
# New products move the term counts, and with them the weights of the needs'
# terms, until the next full rematch; once there are this many times more
# products than the stored weights were computed with, an update asks for one
# (services.refresh): the bounds of matching/reach.py leave SLACK for small
# drift only.
STALE_GROWTH = 1.2


def weights_are_stale():
    """Whether the registry has grown by more than STALE_GROWTH since the stored
    weights were computed (a table from before WEIGHED existed counts as stale)."""
    totals = dict(Term.objects.filter(term__in=[TOTAL, WEIGHED]).values_list("term", "products"))
    if TOTAL not in totals:  # no full rematch yet
        return False
    return totals[TOTAL] > STALE_GROWTH * totals.get(WEIGHED, 0)


# -- Products as matrices -------------------------------------------------------

# The category levels a candidate may share with a need: none, the division,
# the group, the class (code prefixes of 0, 2, 3 and 4 digits).
SCOPES = (0, 2, 3, 4)
# A product with more terms than this is indexed by its terms alone, not by
# their pairs (a long description would make thousands).
WIDE = 24


class Entries:
    """A product index's entries, added product by product (ProductIndex): typed
    arrays, not lists, for a registry's terms are millions of entries."""

    def __init__(self):
        self.vocabulary = {}
        self.rows, self.cols, self.flags, self.head_rows, self.head_cols = (
            array("q") for _ in range(5)
        )
        self.values = array("d")
        self.own = array("b")
        self.sizes = {}  # product position → its name's sizes (features.sizes)

    def add(self, found):
        """The next product's terms (a features.ProductText)."""
        j, vocabulary = len(self.own), self.vocabulary
        for term, weight in found.terms.items():
            self.rows.append(vocabulary.setdefault(term, len(vocabulary)))
            self.cols.append(j)
            self.values.append(weight)
            # Flags: 1 the product has it, 2 in its name, 4 as its head.
            self.flags.append(
                1
                + 2 * (weight == features.NAME)
                + 4 * (bool(term) and (term == found.head or term in found.finds))
            )
        if found.head:
            self.head_rows.append(vocabulary.setdefault(found.head, len(vocabulary)))
            self.head_cols.append(j)
        self.own.append(found.own_modifiers)
        named = features.sizes(t for t, w in found.terms.items() if w == features.NAME)
        if named:
            self.sizes[j] = named

    def counts(self):
        """{term: products that have it}."""
        found = np.bincount(_numpy(self.rows), minlength=len(self.vocabulary)).tolist()
        return {t: n for t, n in zip(self.vocabulary, found, strict=True) if n}

    def release(self):
        self.rows = self.cols = self.flags = self.values = None


class ProductIndex:
    """Products as sparse matrices (rows: terms, columns: products): each term's
    field weight, and its flags (in the name, the head); each product's head;
    and for the candidates, the terms keyed by the product's ISIC prefix at
    each level."""

    def in_divisions(self, divisions):
        """A mask of the products of these ISIC divisions, or of no known one (the
        benefit of the doubt): where a related word holds. Kept, since a
        lexicon has few sets of divisions and every block of needs asks again
        (an isin over 500,000 products took 23 ms)."""
        key = frozenset(divisions)
        mask = self._in_divisions.get(key)
        if mask is None:
            known = self.products.divisions
            mask = np.isin(known, sorted(int(d) for d in key)) | (known < 0)
            self._in_divisions[key] = mask
        return mask

    def __init__(self, products, narrow=True, entries=None):
        """``narrow``: index the pairs of terms too (scoring.narrow_candidates); an
        update, whose candidates the database narrowed already, goes without.
        ``entries``: the products' terms added already (load_indexed), for
        products without their features."""
        if entries is None:
            entries = Entries()
            for found in products.features:
                entries.add(found)
        self.products = products
        self.vocabulary = entries.vocabulary
        shape = (max(1, len(self.vocabulary)), len(products))
        rows, cols = _numpy(entries.rows), _numpy(entries.cols)
        values = np.frombuffer(entries.values, dtype=np.float64)
        self.terms = _matrix(values, rows, cols, shape)
        self.flags = _matrix(_numpy(entries.flags), rows, cols, shape)
        head_rows, head_cols = _numpy(entries.head_rows), _numpy(entries.head_cols)
        # Each product's head as a term column (-1: none).
        self.head_of = np.full(len(products), -1, dtype=np.int64)
        self.head_of[head_cols] = head_rows
        self.own_modifiers = np.frombuffer(entries.own, dtype=np.int8).copy()
        # The sizes in the names of the products that give one (features.sizes).
        self.sizes = entries.sizes
        self._in_divisions = {}
        entries.release()
        # Each term keyed by the product's ISIC prefix at each level: a row per
        # (term, prefix) that some product has, found by scoped_row. Keys are
        # term · prefixes + prefix, sorted; no dict of a million tuples.
        self.prefixes, self.scoped_keys, scoped = {}, {}, {}
        stack = [self.terms]
        for n in SCOPES[1:]:
            ids = self.prefixes[n] = {}
            of_product = np.array(
                [
                    ids.setdefault(code[:n], len(ids)) if len(code) >= n else -1
                    for code in products.codes
                ],
                dtype=np.int64,
            )
            prefix = of_product[cols]
            keep = prefix >= 0
            keys = rows[keep] * np.int64(max(1, len(ids))) + prefix[keep]
            self.scoped_keys[n], keyed = np.unique(keys, return_inverse=True)
            scoped[n] = _matrix(
                np.ones(len(keys), dtype=np.float32),
                keyed.ravel(),
                cols[keep],
                (max(1, len(self.scoped_keys[n])), len(products)),
            )
            stack.append(scoped[n])
        # All the keyed terms in one matrix (rows: terms, then (term, prefix) at
        # each level), so that the candidates are one sparse product (only which
        # cells are there counts: float32).
        self.keyed = sparse.vstack(stack, format="csr", dtype=np.float32)
        self.offsets = dict(
            zip(SCOPES, np.cumsum([0] + [m.shape[0] for m in stack[:-1]]).tolist(), strict=True)
        )
        self.narrow = None
        if narrow:
            self._index_pairs(scoped[2])

    def _index_pairs(self, divisions):
        """The narrow index (scoring.narrow_candidates): rows for each pair of terms
        a product has (a·V + b, a < b, V the vocabulary's size), then for each
        term of the products with more than WIDE terms (their pairs would be too
        many: those are found by the term alone), then the (term, division) rows.
        ``pair_keys`` is sorted: a pair's row is its position there."""
        size = np.int64(max(1, len(self.vocabulary)))
        by_product = self.terms.tocsc()
        by_product.sort_indices()
        counts = np.diff(by_product.indptr)
        column = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        term = by_product.indices
        del by_product
        wide = counts[column] > WIDE
        narrow = np.flatnonzero(~wide)
        # Each pair as one number, key · products + column, sorted in place: rows
        # are the distinct keys in order, and the matrix is built straight in
        # CSR (a registry's pairs are tens of millions: no copy more than needed).
        width = np.int64(max(1, len(self.products)))
        # Room for a million words and a million products, and more.
        if float(size) ** 2 * float(width) >= 2.0**63:
            raise OverflowError(f"{size} terms and {width} products: pair keys overflow int64")
        pieces = []
        for distance in range(1, WIDE):
            first = narrow[narrow + distance < len(term)]
            first = first[column[first + distance] == column[first]]
            keys = term[first].astype(np.int64) * size + term[first + distance]
            keys *= width
            keys += column[first]
            pieces.append(keys)
        cells = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        del pieces
        cells.sort()
        cols = (cells % width).astype(np.int32)
        cells //= width  # now the keys, sorted
        starts = np.flatnonzero(np.diff(cells)) + 1
        self.pair_keys = cells[np.r_[0, starts]] if len(cells) else cells
        shape = (max(1, len(self.pair_keys)), len(self.products))
        indptr = np.r_[0, starts, len(cells)] if len(cells) else np.zeros(1, dtype=np.int64)
        del cells, starts
        indptr = np.r_[indptr, np.full(shape[0] + 1 - len(indptr), indptr[-1])]
        pairs = sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), cols, indptr), shape=shape)
        del cols
        wide_terms = _matrix(
            np.ones(int(wide.sum()), dtype=np.float32),
            term[wide],
            column[wide],
            (int(size), len(self.products)),
        )
        self.narrow = sparse.vstack([pairs, wide_terms, divisions], format="csr", dtype=np.float32)
        self.narrow_offsets = {"pair": 0, "wide": shape[0], "division": shape[0] + int(size)}

    def scoped_row(self, n, term, code):
        """The row at level n of the keyed terms of the products with ``term`` and the ISIC prefix
        ``code[:n]`` (None: no such product)."""
        column, prefix = self.vocabulary.get(term), self.prefixes[n].get(code[:n])
        if column is None or prefix is None or len(code) < n:
            return None
        key = column * max(1, len(self.prefixes[n])) + prefix
        keys = self.scoped_keys[n]
        at = int(np.searchsorted(keys, key))
        return at if at < len(keys) and keys[at] == key else None

    def scoped_rows(self, n, keys):
        """(positions in ``keys`` that have a row, their rows) at level n of the keyed terms, for
        keys made as term column · len(prefixes[n]) + prefix."""
        keys = np.asarray(keys, dtype=np.int64)
        known = self.scoped_keys[n]
        if not len(keys) or not len(known):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        at = np.minimum(np.searchsorted(known, keys), len(known) - 1)
        found = np.flatnonzero(known[at] == keys)
        return found, at[found]

    def pair_row(self, a, b):
        """The narrow index's row of the products with both terms (None: no product)."""
        size = max(1, len(self.vocabulary))
        key = min(a, b) * size + max(a, b)
        at = int(np.searchsorted(self.pair_keys, key))
        if at < len(self.pair_keys) and self.pair_keys[at] == key:
            return at
        return None


def _numpy(values):
    """An array("q") as int64, without a copy."""
    return np.frombuffer(values, dtype=np.int64) if len(values) else np.zeros(0, dtype=np.int64)


def _matrix(values, rows, cols, shape):
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=shape)
    matrix.sum_duplicates()
    return matrix
