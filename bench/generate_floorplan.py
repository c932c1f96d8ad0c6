"""Write a floor plan for import_floorplan: one hall of booths, held by units of a registry.

    python bench/generate_floorplan.py --booths 500 REGISTRY_FOLDER OUT.csv

Rows of 25 booths of 3 × 3 m touching side by side, 4 m aisles between the
rows (as the provincial fairgrounds lay them out); nine booths in ten are
held by units taken in order from REGISTRY_FOLDER/units.csv, the rest free.
"""

import argparse
import csv
from pathlib import Path

COLUMNS = ["hall", "code", "x", "y", "width", "height", "national_id"]
PER_ROW = 25


def write_floorplan(registry, out, booths, hall="A"):
    with (Path(registry) / "units.csv").open(encoding="utf-8-sig") as f:
        units = [row["national_id"] for row in csv.DictReader(f)]
    with Path(out).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        held = 0
        for i in range(booths):
            row, place = divmod(i, PER_ROW)
            unit = ""
            if i % 10 != 9 and held < len(units):
                unit, held = units[held], held + 1
            writer.writerow([hall, f"{hall}-{i + 1:03}", 2 + place * 3, 2 + row * 7, 3, 3, unit])
    return held


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("registry", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--booths", type=int, default=500)
    args = parser.parse_args()
    held = write_floorplan(args.registry, args.out, args.booths)
    print(f"{args.booths} booths, {held} held")


if __name__ == "__main__":
    main()
