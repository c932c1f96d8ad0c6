"""Dates and numbers as the active language writes them.

Persian pages show Jalali dates and Persian digits; English pages show
Gregorian dates and ASCII digits.
"""

import datetime
import decimal
import re

from django import template
from django.utils import timezone

from portal.lib import jalali
from portal.lib.forms import persian_active
from portal.lib.text import to_persian_digits

register = template.Library()


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register.filter
def localdate(value):
    """۶ آذر ۱۴۰۵ in Persian, 27 November 2026 in English."""
    if not isinstance(value, datetime.date):
        return value
    return jalali.format_long(_as_date(value), persian=persian_active())


@register.filter
def shortdate(value):
    """۱۴۰۵/۰۹/۰۶ in Persian, 2026-11-27 in English."""
    if not isinstance(value, datetime.date):
        return value
    return jalali.format_short(_as_date(value), persian=persian_active())


@register.filter
def digits(value):
    """Persian digits on Persian pages; unchanged elsewhere."""
    if value is None:
        return ""
    return to_persian_digits(value) if persian_active() else value


@register.simple_tag
def daterange(start, end):
    """A fair's dates: ۶ تا ۹ آذر ۱۴۰۵, or 27–30 November 2026."""
    persian = persian_active()
    if start == end:
        return jalali.format_long(start, persian=persian)
    if persian:
        a, b = jalali.to_jalali(start), jalali.to_jalali(end)
        if (a.year, a.month) == (b.year, b.month):
            return to_persian_digits(f"{a.day} تا {jalali.format_long(end)}")
        return f"{jalali.format_long(start)} تا {jalali.format_long(end)}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{jalali.format_long(end, persian=False)}"
    return f"{jalali.format_long(start, persian=False)} – {jalali.format_long(end, persian=False)}"


@register.filter
def number(value):
    """A quantity without trailing zeros, grouped by thousands: ۱٬۲۵۰ or 1,250."""
    if value is None or value == "":
        return ""
    try:
        value = decimal.Decimal(value)
    except (decimal.InvalidOperation, TypeError, ValueError):
        return value
    text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if persian_active():
        return to_persian_digits(text.replace(",", "٬").replace(".", "٫"))
    return text


# Text shown in an HTML fragment, for text_digits: tags and comments are kept
# as they are, and so are what people never read as Persian: the insides of
# script, style, textarea (a value being edited) and code, parts marked in
# another language (lang="en"), character references, URLs and email addresses.
_MARKUP = re.compile(
    r"<!--.*?-->|<![^>]*>|<(/?)([a-zA-Z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S
)
_RAW_TEXT = frozenset(["script", "style", "textarea"])
_KEPT = _RAW_TEXT | {"code", "pre", "kbd", "samp"}
_VOID = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"])
_VOID |= {"param", "source", "track", "wbr"}
_LANG = re.compile(r"""\slang\s*=\s*["']?([\w-]*)""", re.I)
_SHOWN_ATTRIBUTE = re.compile(r"""(\s(?:title|alt|placeholder|aria-label)\s*=\s*")([^"]*)""", re.I)
_DIGITS_OR_KEPT = re.compile(
    r"(&#?\w+;|(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)|[0-9]+"
)


def _text_digits(text):
    return _DIGITS_OR_KEPT.sub(lambda m: m.group(1) or to_persian_digits(m.group(0)), text)


def html_digits(html):
    """Persian digits in the text of an HTML fragment (and in its titles, alt
    texts and placeholders), never in its tags, URLs, emails, scripts, code,
    textareas or parts in another language."""
    out, kept, position = [], [], 0  # kept: [tag, depth] of the elements left as they are
    while markup := _MARKUP.search(html, position):
        text = html[position : markup.start()]
        out.append(text if kept else _text_digits(text))
        tag, position = markup.group(0), markup.end()
        name = (markup.group(2) or "").lower()
        if not name:  # a comment or a doctype
            out.append(tag)
            continue
        if markup.group(1):  # a closing tag
            if kept and kept[-1][0] == name:
                kept[-1][1] -= 1
                if not kept[-1][1]:
                    kept.pop()
            out.append(tag)
            continue
        lang = _LANG.search(markup.group(3))
        other_language = lang is not None and not lang.group(1).lower().startswith("fa")
        if not kept and not other_language:
            tag = _SHOWN_ATTRIBUTE.sub(lambda m: m.group(1) + _text_digits(m.group(2)), tag)
        out.append(tag)
        if name in _VOID or tag.endswith("/>"):
            continue
        if kept and kept[-1][0] == name:
            kept[-1][1] += 1
        elif name in _KEPT or other_language:
            kept.append([name, 1])
        if name in _RAW_TEXT:
            # Its text may hold "<": everything up to its closing tag, as it is.
            end = re.compile(rf"</{name}\s*>", re.I).search(html, position)
            stop = end.start() if end else len(html)
            out.append(html[position:stop])
            position = stop
    rest = html[position:]
    out.append(rest if kept else _text_digits(rest))
    return "".join(out)


@register.filter(is_safe=True)
def text_digits(value):
    """Persian digits in the visible text of rendered HTML on Persian pages:
    {% filter text_digits %}…{% endfilter %} around a block of the admin."""
    if not persian_active() or not value:
        return value
    return html_digits(str(value))
