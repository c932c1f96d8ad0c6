"""How many parts an SMS takes: what the provider bills and the phone joins.

A text wholly in the GSM 7-bit alphabet takes 160 characters in one part and
153 a part when longer; anything else (Persian) is sent as UCS-2: 70 in one
part, 67 a part when longer.
"""

_GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Each of these takes two septets (an escape and the character).
_GSM_EXTENDED = set("^{}\\[~]|€\f")


def is_gsm(text):
    return all(c in _GSM or c in _GSM_EXTENDED for c in text)


def length(text):
    """The text's length in the units its encoding counts: septets or UTF-16 units."""
    if is_gsm(text):
        return sum(2 if c in _GSM_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def parts(text):
    """The number of SMS parts ``text`` is sent in (0 for an empty text)."""
    size = length(text)
    if size == 0:
        return 0
    single, each = (160, 153) if is_gsm(text) else (70, 67)
    return 1 if size <= single else -(-size // each)
