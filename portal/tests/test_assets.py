"""What every page loads besides its HTML: fonts, colours, the files at the site's
root, and the documentation's links."""

import importlib.util
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import Client
from django.urls import get_resolver
from PIL import Image

ROOT = Path(settings.BASE_DIR)
SITE_CSS = (ROOT / "static" / "css" / "site.css").read_text()


def tool(name):
    """A script of tools/ as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


# -- /favicon.ico and /robots.txt ------------------------------------------------


@pytest.fixture(params=[False, True], ids=["debug off", "debug on"])
def root_client(request, settings):
    """A client whose middleware is built with DEBUG as given: whitenoise reads
    WHITENOISE_ROOT's files at start-up with DEBUG off and on each request with
    it on."""
    settings.DEBUG = request.param
    return Client()


def ico_sizes(data):
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    entries = [data[6 + 16 * i : 22 + 16 * i] for i in range(count)]
    return sorted((entry[0] or 256, entry[1] or 256) for entry in entries)


def test_the_favicon_is_an_icon_of_16_32_and_48_pixels_at_the_root(root_client):
    response = root_client.get("/favicon.ico")
    data = body(response)
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert data[:4] == b"\x00\x00\x01\x00"
    assert ico_sizes(data) == [(16, 16), (32, 32), (48, 48)]


def hex6(colour):
    """#fff as #ffffff, lower case."""
    colour = colour.lower()
    return "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour


def test_the_favicon_draws_favicon_svg_shapes_and_colours():
    svg = ET.parse(ROOT / "static" / "img" / "favicon.svg").getroot()
    rects = [
        (
            *(int(r.get(name, 0)) for name in ("x", "y", "width", "height", "rx")),
            hex6(r.get("fill")),
        )
        for r in svg.iter("{http://www.w3.org/2000/svg}rect")
    ]
    shapes = [(*shape[:5], hex6(shape[5])) for shape in tool("make_favicon").SHAPES]
    assert rects == shapes

    icon = Image.open(ROOT / "static" / "root" / "favicon.ico").ico.getimage((48, 48))
    icon = icon.convert("RGBA")

    def near(pixel, colour):
        return all(abs(a - b) <= 2 for a, b in zip(pixel[:3], colour, strict=True))

    # At 1.5 px a unit: the teal tile, the white card on the left, the yellow one
    # on the right; the rounded corners are transparent.
    assert near(icon.getpixel((3, 24)), (0x0F, 0x76, 0x6E))
    assert near(icon.getpixel((15, 24)), (0xFF, 0xFF, 0xFF))
    assert near(icon.getpixel((33, 24)), (0xFD, 0xE6, 0x8A))
    assert icon.getpixel((0, 0))[3] == 0


def test_robots_txt_is_plain_text_that_keeps_crawlers_out_of_private_pages(root_client):
    response = root_client.get("/robots.txt")
    text = body(response).decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    disallowed = re.findall(r"^Disallow: (\S+)$", text, re.MULTILINE)
    assert {"/dashboard/", "/accounts/", "/admin/", "/api/"} <= set(disallowed)
    assert "User-agent: *" in text
    assert "/" not in disallowed  # the public pages stay open to search engines


def routes(patterns=None, prefix=""):
    """Every route of the URL configuration, as "dashboard/units/<int:pk>/"."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            yield from routes(pattern.url_patterns, route)
        else:
            yield route


@pytest.mark.django_db
def test_robots_txt_disallows_real_paths_and_no_public_page(client):
    text = (ROOT / "static" / "root" / "robots.txt").read_text()
    disallowed = re.findall(r"^Disallow: (\S+)$", text, re.MULTILINE)
    known = list(routes())
    assert [p for p in disallowed if not any(r.startswith(p[1:]) for r in known)] == []
    public_pages = ("/", "/suppliers/", "/fairs/a-fair/", "/fairs/a-fair/plan/", "/exhibitors/1/")
    for public in public_pages:
        assert not any(public.startswith(prefix) for prefix in disallowed), public
    # What it keeps out needs a sign-in anyway: crawlers would only meet the login page.
    for private in ("/dashboard/", "/accounts/me/", "/admin/"):
        assert client.get(private).status_code == 302


def test_files_at_the_root_refuse_writes_and_only_static_root_is_served(root_client):
    assert root_client.post("/robots.txt").status_code == 405
    head = root_client.head("/favicon.ico")
    assert head.status_code == 200 and body(head) == b""
    # The root serves static/root/ only: not the other static files, not the code.
    assert root_client.get("/site.css").status_code == 404
    assert root_client.get("/css/site.css").status_code == 404
    assert root_client.get("/..%2fportal%2fsettings.py").status_code == 404
    assert root_client.get("/../css/site.css").status_code == 404


# -- Fonts -------------------------------------------------------------------------


def faces(family):
    """The @font-face rules of site.css for this family, as {descriptor: value}."""
    found = []
    for block in re.findall(r"@font-face\s*{([^}]*)}", SITE_CSS):
        rule = {
            name.strip(): value.strip()
            for name, value in re.findall(r"([\w-]+)\s*:\s*([^;]+);", block)
        }
        if rule.get("font-family") == f'"{family}"':
            found.append(rule)
    return found


def test_the_committed_subsets_are_what_the_script_makes_from_the_originals():
    subset_fonts = tool("subset_fonts")
    assert subset_fonts.stale() == []
    licence = (subset_fonts.OUTPUT / "OFL.txt").read_text()
    assert licence == (subset_fonts.ORIGINALS / "OFL.txt").read_text()
    for face in subset_fonts.FACES:
        # A real subset: half the original's size or less.
        assert (subset_fonts.OUTPUT / face).stat().st_size < 0.55 * (
            (subset_fonts.ORIGINALS / face).stat().st_size
        )


def test_each_vazirmatn_face_swaps_and_declares_the_subset_unicode_range():
    expected = tool("subset_fonts").unicode_range()
    vazirmatn = faces("Vazirmatn")
    assert sorted(face["font-weight"] for face in vazirmatn) == ["400", "700"]
    for face in vazirmatn:
        assert face["font-display"] == "swap"
        assert face["unicode-range"] == expected


def test_the_subset_keeps_every_character_the_site_writes_that_vazirmatn_draws():
    from fontTools.ttLib import TTFont

    subset_fonts = tool("subset_fonts")
    original = TTFont(subset_fonts.ORIGINALS / subset_fonts.FACES[0]).getBestCmap()
    subset = TTFont(subset_fonts.OUTPUT / subset_fonts.FACES[0]).getBestCmap()
    sources = [
        *ROOT.glob("locale/*/LC_MESSAGES/django.po"),
        *ROOT.glob("templates/**/*.html"),
        *ROOT.glob("static/js/*.js"),
        *ROOT.glob("portal/demo/*.csv"),
    ]
    written = {ord(c) for path in sources for c in path.read_text()}
    missing = sorted(c for c in written if c in original and c not in subset)
    assert missing == [], [f"U+{c:04X}" for c in missing]
    # Every Persian letter, both sets of digits, ZWNJ and the punctuation Persian uses.
    persian = "ءآأؤإئابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكةۀ۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫٬،؛؟«»"
    assert [c for c in persian + "\u200c\u200d\u200e\u200f–—…’“”·×" if ord(c) not in subset] == []
    # Presentation forms pasted from PDFs still map to a glyph (the letter's own).
    assert subset[0xFE8D] == subset[ord("ا")] and 0xFEFB in subset and 0xFDFC in subset


def test_the_subset_keeps_the_shaping_of_the_arabic_script():
    from fontTools.ttLib import TTFont

    subset_fonts = tool("subset_fonts")

    def arabic_features(font, table):
        features = font[table].table.FeatureList.FeatureRecord
        for script in font[table].table.ScriptList.ScriptRecord:
            if script.ScriptTag == "arab":
                systems = [script.Script.DefaultLangSys] + [
                    record.LangSys for record in script.Script.LangSysRecord
                ]
                return {features[i].FeatureTag for s in systems if s for i in s.FeatureIndex}
        return set()

    for face in subset_fonts.FACES:
        original = TTFont(subset_fonts.ORIGINALS / face)
        subset = TTFont(subset_fonts.OUTPUT / face)
        for table in ("GSUB", "GPOS"):
            wanted = arabic_features(original, table) - set(subset_fonts.OFF)
            assert wanted and wanted <= arabic_features(subset, table), (face, table)
        assert subset["name"].getDebugName(13).startswith("This Font Software is licensed")


def test_the_fallback_faces_take_vazirmatn_metrics_scaled_by_their_size_adjust():
    from fontTools.ttLib import TTFont

    subset_fonts = tool("subset_fonts")
    fallbacks = faces("Vazirmatn Tahoma") + faces("Vazirmatn Noto")
    assert len(fallbacks) == 6
    for face in fallbacks:
        font = TTFont(subset_fonts.OUTPUT / subset_fonts.FACES[face["font-weight"] == "700"])
        upm = font["head"].unitsPerEm
        adjust = float(face["size-adjust"].rstrip("%")) / 100
        assert face["src"].startswith('local("')
        ascent = float(face["ascent-override"].rstrip("%")) / 100 * adjust
        descent = float(face["descent-override"].rstrip("%")) / 100 * adjust
        assert ascent == pytest.approx(font["hhea"].ascent / upm, abs=0.001)
        assert descent == pytest.approx(-font["hhea"].descent / upm, abs=0.001)
        assert face["line-gap-override"] == "0%"
    root_rule = SITE_CSS[SITE_CSS.index(":root {") :]
    stack = re.search(r"font-family:([^;]+);", root_rule).group(1).split(",")
    stack = [name.strip() for name in stack]
    assert stack[:3] == ['"Vazirmatn"', '"Vazirmatn Tahoma"', '"Vazirmatn Noto"']


@pytest.mark.django_db
def test_every_page_preloads_the_regular_font_that_the_stylesheet_uses(client):
    page = client.get("/").content.decode()
    href = static("vendor/vazirmatn-33.0.3/Vazirmatn-Regular.woff2")
    assert f'<link rel="preload" href="{href}" as="font" type="font/woff2" crossorigin>' in page
    assert '<link rel="icon" href="/favicon.ico"' in page
    regular = next(face for face in faces("Vazirmatn") if face["font-weight"] == "400")
    assert 'url("../vendor/vazirmatn-33.0.3/Vazirmatn-Regular.woff2")' in regular["src"]


# -- Colours -----------------------------------------------------------------------


def luminance(colour):
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(text, background):
    lighter, darker = sorted((luminance(text), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_is_computed_as_wcag_defines_it():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_every_text_colour_meets_wcag_aa_on_the_backgrounds_it_is_drawn_on():
    root = SITE_CSS[SITE_CSS.index(":root {") :]
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6});", root[: root.index("}")]))
    colours.update(
        note="#fff7db", tier="#e8eef6", danger="#b42318", strong="#166534", white="#ffffff"
    )
    for literal in ("#fff7db", "#e8eef6", "#b42318", "#166534"):
        assert literal in SITE_CSS  # the colours of the rules below, as the stylesheet has them
    # (text, background): links and accents on every tint they sit on (.booth-code
    # links on --warm, badges on --accent-soft and --line), muted text in cards,
    # notes, snippets highlighted with --warm, buttons.
    pairs = [
        *(("ink", bg) for bg in ("bg", "card", "accent-soft", "warm", "line", "note", "tier")),
        *(("muted", bg) for bg in ("bg", "card", "accent-soft", "warm", "line", "note", "tier")),
        *(("accent", bg) for bg in ("bg", "card", "accent-soft", "warm", "line", "note", "tier")),
        *(("danger", bg) for bg in ("bg", "card", "note")),
        ("strong", "card"),
        ("white", "accent"),
        ("white", "danger"),
    ]
    low = {
        (text, bg): round(contrast(colours[text], colours[bg]), 2)
        for text, bg in pairs
        if contrast(colours[text], colours[bg]) < 4.5
    }
    assert low == {}


# -- Documentation -----------------------------------------------------------------

LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)


def markdown_files():
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


def relative_links(path):
    text = path.read_text()
    for target in LINK.findall(text) + REFERENCE.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # https:, mailto:, an anchor in the same page
        yield target.split("#")[0]


def test_the_link_pattern_finds_links_across_lines_and_skips_urls(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "See [the\nlayers](docs/architecture.md#layers), [a site](https://example.ir),\n"
        "[top](#top) and ![a picture](img/x.png).\n\n[ref]: ../elsewhere.md\n"
    )
    assert list(relative_links(page)) == ["docs/architecture.md", "img/x.png", "../elsewhere.md"]


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_of_the_documentation_points_into_the_repository(path):
    broken = []
    for target in relative_links(path):
        resolved = (path.parent / target).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)
    assert broken == []


def test_the_architecture_page_is_linked_from_the_readme():
    assert "(docs/architecture.md)" in (ROOT / "README.md").read_text()
