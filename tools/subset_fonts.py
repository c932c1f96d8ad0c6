"""Subset the Vazirmatn web fonts to the characters the portal shows.

    .venv/bin/python tools/subset_fonts.py           # write static/vendor/…/*.woff2
    .venv/bin/python tools/subset_fonts.py --check   # exit 1 if they are stale
    .venv/bin/python tools/subset_fonts.py --css     # print the unicode-range

A development tool (fontTools and brotli are in requirements-dev.txt), run
by hand after a change to RANGES or to the original fonts; its output is
committed. The originals, Vazirmatn 33.0.3 as released (its web fonts,
fonts/webfonts/ in the release), stay in tools/fonts/vazirmatn-33.0.3/,
which is not served (see tools/fonts/README.md). The same as:

    pyftsubset ORIGINAL --unicodes=RANGES --layout-features=FEATURES \\
        --name-IDs=0,1,2,3,4,5,6,13,14 --flavor=woff2 --output-file=SUBSET

after pointing the isolated presentation forms at their letters' glyphs
(share_isolated_forms). The whole Arabic block is kept, with the features
that shape it (joining forms, ligatures, marks, kerning, tabular digits): a
name a user types may use any Arabic-script letter. `--check` is what
portal/tests/test_assets.py runs, so that the committed files always come
from this script and these ranges.
"""

import argparse
import io
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION = "vazirmatn-33.0.3"
ORIGINALS = ROOT / "tools" / "fonts" / VERSION
OUTPUT = ROOT / "static" / "vendor" / VERSION
FACES = ("Vazirmatn-Regular.woff2", "Vazirmatn-Bold.woff2")

# (first, last, why). The CSS's unicode-range says the same (--css prints it);
# a test compares them.
RANGES = (
    (0x0020, 0x007E, "basic Latin"),
    (0x00A0, 0x00A0, "no-break space"),
    (0x00A9, 0x00A9, "©"),
    (0x00AB, 0x00AB, "«"),
    (0x00B0, 0x00B0, "°"),
    (0x00B2, 0x00B3, "² ³ (m², m³)"),
    (0x00B7, 0x00B7, "·"),
    (0x00BB, 0x00BB, "»"),
    (0x00D7, 0x00D7, "×"),
    (0x00F7, 0x00F7, "÷"),
    (0x0600, 0x06FF, "Arabic: every Persian letter, both sets of digits, ، ؛ ؟ ٫ ٬"),
    (0x0750, 0x077F, "Arabic Supplement (the font has two of its letters)"),
    (0x2000, 0x2015, "spaces, ZWSP, ZWNJ, ZWJ, LRM, RLM, hyphens, – —"),
    (0x2018, 0x201D, "‘ ’ ‚ ‛ “ ”"),
    (0x2022, 0x2022, "•"),
    (0x2026, 0x2026, "…"),
    (0x2028, 0x202F, "line and paragraph separators, bidi embeddings, narrow no-break space"),
    (0x2039, 0x203A, "‹ ›"),
    (0x2066, 0x2069, "bidi isolates"),
    (0x2212, 0x2212, "minus"),
    (0x2248, 0x2248, "≈"),
    (0x2264, 0x2265, "≤ ≥"),
    (0x25CC, 0x25CC, "dotted circle: shapers draw a lone mark on it"),
    (0xFB50, 0xFDFF, "Arabic Presentation Forms-A, with ﷼: text pasted from PDFs holds them"),
    (0xFE70, 0xFEFF, "Arabic Presentation Forms-B, and the zero-width no-break space"),
)
NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)  # the defaults, plus the licence and its URL

# The OpenType features browsers apply by default to Arabic and Latin text:
# joining forms, required and standard ligatures, contextual alternates,
# composition, kerning, mark positioning, plus tnum (.booth-code asks for
# tabular digits). That is every feature the font has for the Arabic script
# except two that nothing here can turn on: locl (Urdu forms, for lang="ur")
# and ss01 (a stylistic set, for font-feature-settings), 0.4 KB a face. Left
# out too: the Latin-only typographic features (smcp, c2sc, onum, lnum, frac,
# numr, dnom, dlig, salt, unic, cpsp), which no rule turns on (no
# font-variant-caps, no font-feature-settings): 4 KB a face. With every
# feature ("*") the two faces weigh 60 KB; with these, 51 KB.
FEATURES = (
    "ccmp", "isol", "init", "medi", "fina", "rlig", "liga", "calt",
    "kern", "mark", "mkmk", "tnum",
)  # fmt: skip
OFF = ("locl", "ss01")  # the Arabic script's features deliberately dropped (see above)


def unicodes():
    return [code for first, last, _ in RANGES for code in range(first, last + 1)]


def unicode_range():
    """The CSS unicode-range descriptor's value for RANGES."""
    return ", ".join(
        f"U+{first:04X}" if first == last else f"U+{first:04X}-{last:04X}"
        for first, last, _ in RANGES
    )


def share_isolated_forms(font):
    """Map each isolated presentation form (U+FE8D…) to its letter's glyph when
    the two are the same drawing: the font draws them twice, and the copies
    cost about 1 KB a face."""
    import unicodedata

    glyf, hmtx = font["glyf"], font["hmtx"]
    for table in font["cmap"].tables:
        if not table.isUnicode():
            continue
        cmap = table.cmap
        for code, glyph in list(cmap.items()):
            if "ISOLATED FORM" not in unicodedata.name(chr(code), ""):
                continue
            letter = unicodedata.normalize("NFKC", chr(code))
            base = cmap.get(ord(letter)) if len(letter) == 1 else None
            if (
                base
                and hmtx[glyph] == hmtx[base]
                and glyf[glyph].getCoordinates(glyf)[0] == glyf[base].getCoordinates(glyf)[0]
            ):
                cmap[code] = base


def subset(original: Path) -> bytes:
    from fontTools import subset as ftsubset
    from fontTools.ttLib import TTFont

    options = ftsubset.Options()
    options.layout_features = list(FEATURES)
    options.name_IDs = list(NAME_IDS)
    options.flavor = "woff2"
    font = TTFont(original, recalcTimestamp=False)  # reproducible: keep head.modified
    share_isolated_forms(font)
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=unicodes())
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def stale() -> list[str]:
    """The output files that differ from what this script writes."""
    return [
        face
        for face in FACES
        if not (OUTPUT / face).exists() or (OUTPUT / face).read_bytes() != subset(ORIGINALS / face)
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    parser.add_argument("--css", action="store_true", help="print the unicode-range")
    args = parser.parse_args(argv)
    if args.css:
        print(f"unicode-range: {unicode_range()};")
        return 0
    if args.check:
        faces = stale()
        for face in faces:
            print(f"{OUTPUT / face} is stale: run tools/subset_fonts.py", file=sys.stderr)
        return 1 if faces else 0
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for face in FACES:
        data = subset(ORIGINALS / face)
        (OUTPUT / face).write_bytes(data)
        before = (ORIGINALS / face).stat().st_size
        print(f"{face}: {before:,} -> {len(data):,} bytes")
    shutil.copyfile(ORIGINALS / "OFL.txt", OUTPUT / "OFL.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
