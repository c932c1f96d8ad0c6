"""Measure the fallback faces' size-adjust and metric overrides for Vazirmatn.

    apt-get install fonts-wine fonts-noto-core chromium
    .venv/bin/python tools/fallback_metrics.py

While Vazirmatn downloads (font-display: swap) the text is drawn in a local
font; the "Vazirmatn Tahoma" and "Vazirmatn Noto" faces in static/css/site.css
scale that font (size-adjust) to Vazirmatn's widths and give it Vazirmatn's
ascent and descent, so that the swap moves nothing. This script shapes the
site's own strings (the Persian catalogue's words, the English msgids) in
headless Chromium with each font and prints those @font-face rules; paste
them into site.css after a change of font or of the catalogue's size.

Tahoma is measured with Wine's (fonts-wine), whose Latin is metric-compatible
with Windows' Tahoma; its Arabic letters are Wine's own drawings, so the
Arabic figures for Windows may be off by a few per cent. Noto Sans Arabic is
the Arabic font of Android and most Linux desktops (fonts-noto-core).
"""

import json
import re
import sys
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from subset_fonts import FACES, OUTPUT  # noqa: E402

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARABIC = "U+0600-06FF, U+0750-077F, U+200C-200F, U+FB50-FDFF, U+FE70-FEFC"
ARABIC_RE = r"[^\u0600-\u06ff\u0750-\u077f\u200c-\u200f\ufb50-\ufdff\ufe70-\ufefc]+"
# (family, weight, local names, the font file measured, which text: latin and/or arabic)
FALLBACKS = (
    ("Vazirmatn Tahoma", 400, ("Tahoma",), "/usr/share/wine/fonts/tahoma.ttf", "la"),
    (
        "Vazirmatn Tahoma",
        700,
        ("Tahoma Bold", "Tahoma-Bold"),
        "/usr/share/wine/fonts/tahomabd.ttf",
        "la",
    ),
    (
        "Vazirmatn Noto",
        400,
        (
            "Noto Sans Arabic",
            "NotoSansArabic-Regular",
            "Noto Sans Arabic UI",
            "NotoSansArabicUI-Regular",
        ),
        "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
        "a",
    ),
    (
        "Vazirmatn Noto",
        700,
        (
            "Noto Sans Arabic Bold",
            "NotoSansArabic-Bold",
            "Noto Sans Arabic UI Bold",
            "NotoSansArabicUI-Bold",
        ),
        "/usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf",
        "a",
    ),
)
MEASURE = """async ([fonts, words, latin]) => {
  for (const f of fonts) await document.fonts.load(`100px "${f}"`, "اب c");
  const width = (f, text, rtl) => {
    const s = document.createElement("span");
    s.textContent = text; s.dir = rtl ? "rtl" : "ltr";
    s.style.font = `100px "${f}", monospace`; s.style.whiteSpace = "nowrap";
    document.body.appendChild(s);
    const w = s.getBoundingClientRect().width; s.remove(); return w;
  };
  const out = {};
  for (const f of fonts) {
    let arabic = 0;
    for (const w of words) arabic += width(f, w, true);
    out[f] = {arabic, latin: width(f, latin, false)};
  }
  return out;
}"""


def samples():
    import polib

    catalogue = polib.pofile(str(ROOT / "locale" / "fa" / "LC_MESSAGES" / "django.po"))
    entries = [e for e in catalogue if e.msgstr and not e.obsolete]
    placeholders = r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}|<[^>]+>"
    persian = re.sub(placeholders, "", " ".join(e.msgstr for e in entries))
    english = re.sub(placeholders, "", " ".join(e.msgid for e in entries))
    # Arabic words one by one: spaces and Latin between them belong to the Latin face.
    return [w for w in re.split(ARABIC_RE, persian) if w], english


def measure(fonts):
    from playwright.sync_api import sync_playwright

    css = "".join(f'@font-face{{font-family:"{name}";src:url("/f/{name}")}}' for name in fonts)
    page_html = f"<!doctype html><meta charset=utf-8><style>{css}</style><body>"
    words, latin = samples()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()

        def serve(route):
            name = unquote(route.request.url.rsplit("/", 1)[1])
            if name in fonts:
                route.fulfill(body=Path(fonts[name]).read_bytes(), content_type="font/ttf")
            else:
                route.fulfill(body=page_html, content_type="text/html")

        page.route("http://fonts.test/**", serve)
        page.goto("http://fonts.test/")
        widths = page.evaluate(MEASURE, [list(fonts), words, latin])
        browser.close()
    return widths


def main():
    from fontTools.ttLib import TTFont

    fonts = {f"vazirmatn{w}": str(OUTPUT / face) for w, face in zip((400, 700), FACES, strict=True)}
    fonts.update({f"{family}{weight}": path for family, weight, _, path, _ in FALLBACKS})
    widths = measure(fonts)
    metrics = {}
    for weight, face in zip((400, 700), FACES, strict=True):
        font = TTFont(OUTPUT / face)
        upm = font["head"].unitsPerEm
        metrics[weight] = (font["hhea"].ascent / upm, -font["hhea"].descent / upm)
    for family, weight, names, _, scripts in FALLBACKS:
        ascent, descent = metrics[weight]
        for script in scripts:
            key = "latin" if script == "l" else "arabic"
            adjust = widths[f"vazirmatn{weight}"][key] / widths[f"{family}{weight}"][key]
            src = ", ".join(f'local("{n}")' for n in names)
            rng = f"\n  unicode-range: {ARABIC};" if script == "a" else ""
            print(
                f'@font-face {{\n  font-family: "{family}";\n  src: {src};\n'
                f"  font-weight: {weight};{rng}\n  size-adjust: {adjust:.2%};\n"
                f"  ascent-override: {ascent / adjust:.2%};\n"
                f"  descent-override: {descent / adjust:.2%};\n  line-gap-override: 0%;\n}}"
            )
    print(json.dumps(widths), file=sys.stderr)


if __name__ == "__main__":
    main()
