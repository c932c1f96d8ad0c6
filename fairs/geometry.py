"""Booth rectangles in a hall: gaps, overlaps and who stands near whom.

Pure functions on anything with ``x, y, width, height`` in metres (origin
at the hall's top-left corner). Positions are whole centimetres (the
models keep two decimal places), so the work is done in integer
centimetres: exact at the boundary (3 m is within 3 m) and fast. No
database work: callers load the booths once and ask these questions of the
list.
"""

from collections import defaultdict
from decimal import Decimal


def _box(rect):
    """(left, top, right, bottom) in whole centimetres."""
    x, y = round(rect.x * 100), round(rect.y * 100)
    return x, y, x + round(rect.width * 100), y + round(rect.height * 100)


def _gaps(a, b):
    """Horizontal and vertical gaps between two boxes, in centimetres (0 when they meet)."""
    return (
        max(0, b[0] - a[2], a[0] - b[2]),
        max(0, b[1] - a[3], a[1] - b[3]),
    )


def gap(a, b):
    """The shortest distance between two rectangles, edge to edge, in metres (Decimal)."""
    dx, dy = _gaps(_box(a), _box(b))
    return Decimal(dx * dx + dy * dy).sqrt() / 100


def within(a, b, metres):
    """True when rectangles a and b are at most ``metres`` apart, edge to edge."""
    dx, dy = _gaps(_box(a), _box(b))
    limit = round(Decimal(str(metres)) * 100)
    return dx * dx + dy * dy <= limit * limit


def overlap(a, b):
    """True when the rectangles share area (touching edges do not overlap)."""
    return _overlap(_box(a), _box(b))


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def pairs_within(rects, metres):
    """Every unordered pair (i, j), i < j, of rectangles at most ``metres`` apart.

    A uniform grid: each rectangle is filed under the cells it covers, and
    only rectangles sharing a cell with the grown rectangle are compared,
    so a hall costs about n × (booths around one booth), not n².
    """
    boxes = [_box(r) for r in rects]
    limit = round(Decimal(str(metres)) * 100)
    cells, size = _grid(boxes, extra=limit)
    found = set()
    for i, box in enumerate(boxes):
        grown = (box[0] - limit, box[1] - limit, box[2] + limit, box[3] + limit)
        for key in _cells(grown, size):
            for j in cells.get(key, ()):
                if j > i and (i, j) not in found:
                    dx, dy = _gaps(box, boxes[j])
                    if dx * dx + dy * dy <= limit * limit:
                        found.add((i, j))
    return sorted(found)


def overlapping_pairs(rects):
    """Every unordered pair (i, j), i < j, of rectangles that overlap."""
    boxes = [_box(r) for r in rects]
    cells, _size = _grid(boxes)
    found = set()
    for members in cells.values():
        for n, i in enumerate(members):
            for j in members[n + 1 :]:
                if _overlap(boxes[i], boxes[j]):
                    found.add((min(i, j), max(i, j)))
    return sorted(found)


def _grid(boxes, extra=0):
    """Boxes filed by grid cell; cells as large as a typical box plus ``extra``."""
    if not boxes:
        return {}, 1
    sides = sorted(max(b[2] - b[0], b[3] - b[1]) for b in boxes)
    size = max(1, sides[len(sides) // 2] + extra)
    cells = defaultdict(list)
    for index, box in enumerate(boxes):
        for key in _cells(box, size):
            cells[key].append(index)
    return cells, size


def _cells(box, size):
    return [
        (i, j)
        for i in range(box[0] // size, box[2] // size + 1)
        for j in range(box[1] // size, box[3] // size + 1)
    ]
