"""What page tests share: the language switch and counting queries."""

import re
from html.parser import HTMLParser

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext


def in_language(client, code):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    return client


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


class _VisibleText(HTMLParser):
    """The text a reader sees on a page, with the tooltips, alt texts and
    placeholders; without scripts, styles, what is typed in fields (values,
    textareas), code, and parts in another language (lang="en")."""

    HIDDEN = frozenset(["script", "style", "textarea", "code", "pre", "kbd", "samp", "template"])
    VOID = frozenset(
        ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"]
    ) | {"source", "track", "wbr"}
    SHOWN_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts = []
        self.hidden = []  # [tag, depth] of the elements whose text is not Persian text

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        lang = (attributes.get("lang") or "fa").lower()
        other = not lang.startswith("fa") or tag in self.HIDDEN
        if not self.hidden and not other:
            self.texts += [attributes[a] or "" for a in self.SHOWN_ATTRIBUTES if a in attributes]
        if tag in self.VOID:
            return
        if self.hidden and self.hidden[-1][0] == tag:
            self.hidden[-1][1] += 1
        elif other:
            self.hidden.append([tag, 1])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.hidden and self.hidden[-1][0] == tag:
            self.hidden[-1][1] -= 1
            if not self.hidden[-1][1]:
                self.hidden.pop()

    def handle_data(self, data):
        if not self.hidden:
            self.texts.append(data)


_NOT_READ_AS_PERSIAN = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def visible_texts(html):
    """The pieces of text a reader sees on a page (see _VisibleText)."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser.texts


def ascii_digits_in_visible_text(html):
    """The visible texts of a page that hold an ASCII digit, URLs and email
    addresses aside: a Persian page must have none."""
    found = []
    for text in visible_texts(html):
        if re.search(r"[0-9]", _NOT_READ_AS_PERSIAN.sub("", text)):
            found.append(" ".join(text.split())[:120])
    return found
