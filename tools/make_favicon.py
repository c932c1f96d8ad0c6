"""Draw static/root/favicon.ico (16, 32 and 48 px) from static/img/favicon.svg's design.

    .venv/bin/python tools/make_favicon.py

There is no SVG renderer among the requirements, so Pillow draws the same
three rounded rectangles (the SVG's 32-unit grid) at 8 times the size and
scales each size down from that. Run it again after a change to favicon.svg
and copy its shapes into SHAPES.
"""

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "static" / "root" / "favicon.ico"
GRID = 32  # the SVG's viewBox
SCALE = 8
SIZES = (16, 32, 48)
# (x, y, width, height, corner radius, fill), as in favicon.svg
SHAPES = (
    (0, 0, 32, 32, 7, "#0f766e"),
    (5, 9, 10, 14, 2, "#ffffff"),
    (17, 9, 10, 14, 2, "#fde68a"),
)


def draw() -> Image.Image:
    big = Image.new("RGBA", (GRID * SCALE, GRID * SCALE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(big)
    for x, y, width, height, radius, fill in SHAPES:
        box = (x * SCALE, y * SCALE, (x + width) * SCALE - 1, (y + height) * SCALE - 1)
        pen.rounded_rectangle(box, radius=radius * SCALE, fill=fill)
    return big


def main():
    big = draw()
    images = [big.resize((size, size), Image.Resampling.LANCZOS) for size in SIZES]
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    images[-1].save(
        OUTPUT,
        format="ICO",
        sizes=[(size, size) for size in SIZES],
        append_images=images[:-1],
    )
    print(f"{OUTPUT.relative_to(ROOT)}: {OUTPUT.stat().st_size:,} bytes, {SIZES} px")


if __name__ == "__main__":
    main()
