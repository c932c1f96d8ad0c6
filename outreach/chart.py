"""The funnel as horizontal bars: an SVG drawn on the server, no script.

Labels and numbers are in the page's language (Persian digits on Persian
pages); the bars grow from the side the text starts on.
"""

from django.utils.html import escape
from django.utils.translation import get_language_bidi

from portal.lib.text import format_number

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 150
BAR_WIDTH = 420
NUMBER_WIDTH = 96


def bars(counts, steps):
    """SVG markup of one bar per step, its length its share of the recipients."""
    rtl = get_language_bidi()
    total = max(counts.get("recipients", 0), 1)
    width = LABEL_WIDTH + BAR_WIDTH + NUMBER_WIDTH
    height = len(steps) * (BAR_HEIGHT + GAP)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="funnel-chart" viewBox="0 0 {width} '
        f'{height}" width="{width}" height="{height}" role="img" aria-labelledby="funnel-title">'
    ]
    for i, (key, label) in enumerate(steps):
        value = counts.get(key, 0)
        y = i * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * value / total, 1)
        share = format_number(round(100 * value / total), persian=rtl)
        number = escape(
            f"{format_number(value, persian=rtl)} ({share}٪)" if rtl else f"{value} ({share}%)"
        )
        text_y = y + BAR_HEIGHT * 0.7
        if rtl:
            bar_x = width - LABEL_WIDTH - length
            parts.append(
                f'<text x="{width - 4}" y="{text_y}" text-anchor="start" direction="rtl">'
                f"{escape(str(label))}</text>"
            )
            parts.append(f'<rect x="{bar_x}" y="{y}" width="{length}" height="{BAR_HEIGHT}"/>')
            parts.append(
                f'<text x="{bar_x - 6}" y="{text_y}" text-anchor="start" direction="rtl">'
                f"{number}</text>"
            )
        else:
            parts.append(f'<text x="4" y="{text_y}">{escape(str(label))}</text>')
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}"/>'
            )
            parts.append(f'<text x="{LABEL_WIDTH + length + 6}" y="{text_y}">{number}</text>')
    parts.append("</svg>")
    return "".join(parts)
