"""Vietnamese text hygiene: what is kept (as printed) and what is compared (folded).

`clean` keeps the printed text (NFC, one space between words).
`fold` is only for comparing strings across documents: lower case, one
tone-mark placement style ("hoá" = "hóa", "Uỷ" = "Ủy"), no punctuation spacing.
"""
from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
# Combining tone marks: grave, acute, tilde, hook above, dot below.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
# Old-style placement puts the tone on the second vowel of an open "oa/oe/uy"
# syllable ("hoá", "uỷ"); the new style (used by underthesea and most registries)
# puts it on the first. Not after "q": in "quý" the "u" is part of the consonant.
_OLD_STYLE = re.compile(rf"(?<![qQ])([oO])([aAeE])([{_TONES}])(?![^\W\d_])|(?<![qQ])([uU])([yY])([{_TONES}])(?![^\W\d_])")


def clean(text: str | None) -> str:
    """NFC, all whitespace (line breaks included) collapsed to single spaces."""
    if not text:
        return ""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _new_style(m: re.Match) -> str:
    if m.group(1):
        return m.group(1) + m.group(3) + m.group(2)
    return m.group(4) + m.group(6) + m.group(5)


def fold(text: str | None) -> str:
    """Comparison key: NFC, new-style tone placement, lower case, spaced punctuation removed."""
    t = unicodedata.normalize("NFD", clean(text))
    t = _OLD_STYLE.sub(_new_style, t)
    t = unicodedata.normalize("NFC", t).lower()
    t = re.sub(r"\s*([/,;:.()\-])\s*", r"\1", t)
    return t.strip(" .,;:")


def is_lower_start(text: str) -> bool:
    """True when the first letter is lower case (a continued sentence, not a new one)."""
    for ch in text:
        if ch.isalpha():
            return ch.islower()
        if ch.isdigit():
            return False
    return False


def starts_with_digit(text: str) -> bool:
    for ch in text:
        if ch.isalnum():
            return ch.isdigit()
    return False
