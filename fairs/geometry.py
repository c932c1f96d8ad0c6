"""Booth rectangles in a hall: gaps, overlaps and who stands near whom.

Pure functions on anything with ``x, y, width, height`` (Decimal metres,
origin at the hall's top-left corner). No database work: callers load the
booths once and ask these questions of the list.
"""

from collections import defaultdict
from decimal import Decimal
from math import floor


def gap(a, b):
    """The shortest distance between two rectangles, edge to edge (0 when they touch).

    Compared as squares by ``within``: no rounding at the boundary.
    """
    dx, dy = _gaps(a, b)
    return (dx * dx + dy * dy).sqrt() if isinstance(dx, Decimal) else (dx * dx + dy * dy) ** 0.5


def within(a, b, metres):
    """True when rectangles a and b are at most ``metres`` apart, edge to edge."""
    dx, dy = _gaps(a, b)
    metres = Decimal(metres) if isinstance(dx, Decimal) else metres
    return dx * dx + dy * dy <= metres * metres


def overlap(a, b):
    """True when the rectangles share area (touching edges do not overlap)."""
    return (
        a.x < b.x + b.width
        and b.x < a.x + a.width
        and a.y < b.y + b.height
        and b.y < a.y + a.height
    )


def _gaps(a, b):
    zero = a.x - a.x
    dx = max(zero, b.x - (a.x + a.width), a.x - (b.x + b.width))
    dy = max(zero, b.y - (a.y + a.height), a.y - (b.y + b.height))
    return dx, dy


def pairs_within(rects, metres):
    """Every unordered pair (i, j), i < j, of rectangles at most ``metres`` apart.

    A uniform grid: each rectangle is filed under the cells it covers, and
    only rectangles sharing a cell of the grown rectangle are compared, so
    a hall of booths costs about n × (booths around one booth), not n².
    ``rects`` is a sequence of objects of one hall.
    """
    if not rects:
        return []
    # Cells as large as a typical booth plus the distance: a booth's grown
    # rectangle then covers a handful of cells.
    sizes = sorted(max(r.width, r.height) for r in rects)
    cell = float(sizes[len(sizes) // 2]) + float(metres)
    cells = defaultdict(list)
    for index, rect in enumerate(rects):
        for key in _cells(rect, cell, 0):
            cells[key].append(index)
    found = set()
    for index, rect in enumerate(rects):
        seen = set()
        # A centimetre more than asked: float cell edges never drop a pair.
        for key in _cells(rect, cell, float(metres) + 0.01):
            for other in cells.get(key, ()):
                if other <= index or other in seen:
                    continue
                seen.add(other)
                if within(rect, rects[other], metres):
                    found.add((index, other))
    return sorted(found)


def overlapping_pairs(rects):
    """Every unordered pair (i, j), i < j, of rectangles that overlap."""
    if not rects:
        return []
    sizes = sorted(max(r.width, r.height) for r in rects)
    cell = float(sizes[len(sizes) // 2]) or 1.0
    cells = defaultdict(list)
    found = set()
    for index, rect in enumerate(rects):
        for key in _cells(rect, cell, 0):
            for other in cells[key]:
                if (other, index) not in found and overlap(rects[other], rect):
                    found.add((other, index))
            cells[key].append(index)
    return sorted(found)


def _cells(rect, cell, grow):
    x0 = floor((float(rect.x) - grow) / cell)
    x1 = floor((float(rect.x + rect.width) + grow) / cell)
    y0 = floor((float(rect.y) - grow) / cell)
    y1 = floor((float(rect.y + rect.height) + grow) / cell)
    return [(i, j) for i in range(x0, x1 + 1) for j in range(y0, y1 + 1)]
