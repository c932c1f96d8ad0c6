"""The engine against the obvious peer on the blind labeled set, both halves.

    python bench/quality.py --held-out   # the table of docs/matching.md
    python bench/quality.py --failures   # the development half, and its misses

The set (matching/tests/blind.py, matching/tests/data/blind_*.json) was
written by people who had not read the engine, and split once: tune on the
development half only; the held-out half's misses are never printed. The
sets written later for development only (data/dev_*.json) are each measured
as a registry of their own.
The peer is TF-IDF over character 2–4-grams within words of the normalized
name and description, cosine similarity, no categories, no proximity, no
threshold. Runs on a fresh SQLite database in a temporary folder.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="print the development misses")
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="measure the held-out half too (its misses are never printed): for the final figures",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/quality.sqlite3"
        os.environ.setdefault("DEBUG", "1")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from matching.tests import blind

        table, failures = {}, []
        for world, paths in blind.worlds():
            fair, needs, by_key = blind.build(paths)
            rankings = {
                "engine": blind.engine_rankings(fair, needs),
                "baseline": blind.baseline_rankings(fair, needs),
            }
            halves = blind.HALVES if args.held_out and world == "blind" else blind.HALVES[:1]
            for half in halves:
                for name, ranking in rankings.items():
                    figures, missed = blind.evaluate(needs, ranking, by_key, half)
                    column = f"{half}, {'a+b' if world == 'blind' else world}"
                    table[(column, name)] = blind.rates(figures)
                    if half == "development" and name == "engine" and args.failures:
                        failures.append(format_failures(missed, by_key))
            blind.clear()
        print_table(table)
        for lines in failures:
            print("\n".join(lines))


def print_table(table):
    columns = list(table)
    rows = list(next(iter(table.values())))
    header = ["", *(f"{name} ({half})" for half, name in columns)]
    lines = [header]
    for row in rows:
        cells = [row]
        for column in columns:
            value = table[column][row]
            cells.append(str(value) if row == "needs" else f"{100 * value:.1f}%")
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)))


def format_failures(missed, by_key):
    """The lines that show each miss: the need, its relevant products, the top 3."""
    from matching.models import Match

    relevance = {
        (m.need_id, m.product_id): (m.relevance, m.score)
        for m in Match.objects.filter(need__in=[n["pk"] for n, _t in missed], fair__isnull=False)
    }
    names = {p.pk: f"{p.name} [{p.category.code if p.category else '-'}]" for p in by_key.values()}
    lines = []
    for need, top in missed:
        lines.append(f"\n{need['key']} «{need['name']}» [{need.get('category') or '-'}]")
        relevant = {by_key[k].pk for k in need["relevant"] if k in by_key}
        lines.append("  relevant: " + "; ".join(names[pk] for pk in relevant))
        for product, tier in top:
            mark = "+" if product in relevant else "-"
            r, total = relevance.get((need["pk"], product), (0, 0))
            lines.append(f"  {mark} {names.get(product, product)} ({tier}) R={r:.3f} S={total:.3f}")
    return lines


if __name__ == "__main__":
    main()
