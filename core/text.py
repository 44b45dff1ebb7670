"""Vietnamese text hygiene: what is kept (as printed) and what is compared (folded).

`clean` keeps the printed text (NFC, one space between words).
`fold` is only for comparing strings across documents: lower case, one
tone-mark placement style ("hoá" = "hóa", "Uỷ" = "Ủy"), no punctuation spacing.
"""
from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
# PDFium marks a hyphen it found at a line end as U+0002 (FPDFText_GetUnicode) or U+FFFE
# (get_text_range / get_text_bounded), joining the two lines itself. Vietnamese has no word
# hyphenation, so it is always a printed hyphen.
_MARKED_HYPHENS = str.maketrans({"\x02": "-", "\ufffe": "-"})
# A hyphen ending a line right after a letter or digit ("QĐ-" | "UBND", "18-" | "NQ/TW"): the line
# break is inside one token. A spaced hyphen ("Văn hóa -" | "Xã hội") or a next line opening with a
# dash or bullet keeps its break. U+00AD (soft hyphen) at a line end is shown as a hyphen.
_LINE_END_HYPHEN = re.compile(r"(?<=\S)[-\u00ad][ \t]*(?:\r\n|\r|\n)[ \t]*(?=[^\s\-\u2010-\u2015\u2022+*])")
# Combining tone marks: grave, acute, tilde, hook above, dot below.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
# Old-style placement puts the tone on the second vowel of an open "oa/oe/uy"
# syllable ("hoá", "uỷ"); the new style (used by underthesea and most registries)
# puts it on the first. Not after "q": in "quý" the "u" is part of the consonant.
_OLD_STYLE = re.compile(rf"(?<![qQ])([oO])([aAeE])([{_TONES}])(?![^\W\d_])|(?<![qQ])([uU])([yY])([{_TONES}])(?![^\W\d_])")


def printable(text: str | None) -> str:
    """Marked hyphens as "-", every other control or format character (Unicode Cc/Cf, noncharacters,
    surrogates, private use) dropped; whitespace (line breaks included) is kept as it is."""
    if not text:
        return ""
    text = text.translate(_MARKED_HYPHENS)
    if text.isprintable() and "\ufffe" not in text:
        return text
    return "".join(ch for ch in text if ch.isspace() or _visible(ch))


def _visible(ch: str) -> bool:
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return False
    return True


def join_line_end_hyphens(text: str | None) -> str:
    """Lines broken after a hyphen inside a token joined without a space ("QĐ-\nUBND" → "QĐ-UBND");
    marked hyphens read as "-", control characters dropped."""
    if not text:
        return ""
    return printable(_LINE_END_HYPHEN.sub("-", text.translate(_MARKED_HYPHENS)))


def clean(text: str | None) -> str:
    """NFC, all whitespace (line breaks included) collapsed to single spaces, no control characters."""
    if not text:
        return ""
    return _WS.sub(" ", unicodedata.normalize("NFC", printable(text))).strip()


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
