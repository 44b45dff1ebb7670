"""Which way a page is read: its text layer, or OCR of its image.

A text layer is usable unless it is empty or garbage. Garbage, decided on the page's own
characters (whitespace ignored):
  * replacement marks: more than 10% U+FFFD or control characters (a font without a usable
    ToUnicode map);
  * not Vietnamese letters: more than 5% of the letters fall outside the Vietnamese alphabet
    (A-Z and the 134 accented Vietnamese letters) — legacy TCVN3/VNI fonts come out as "Ñieàu",
    "®¬n vÞ";
  * no Vietnamese mark at all: 200 letters or more, not one of them accented (a text layer that
    lost its marks, or OCR'd by something that could not read them).
The thresholds are loose on purpose: a real Vietnamese page has about a quarter of its letters
accented and none outside the alphabet, so a good text layer is never sent to OCR.
"""
from __future__ import annotations

import unicodedata

from core.records import PageRoute

_BASE = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_TONED = ("àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
VIETNAMESE_LETTERS = frozenset(_BASE + _TONED + "fjwz" + (_BASE + _TONED + "fjwz").upper())
MARKED = frozenset(c for c in VIETNAMESE_LETTERS if not ("a" <= c.lower() <= "z"))

MAX_REPLACEMENT_SHARE = 0.10
MAX_FOREIGN_LETTER_SHARE = 0.05
MIN_LETTERS_FOR_MARK_TEST = 200


def text_layer_is_garbage(text: str) -> bool:
    chars = [c for c in unicodedata.normalize("NFC", text) if not c.isspace()]
    if not chars:
        return False
    bad = sum(c == "\ufffd" or unicodedata.category(c) in ("Cc", "Co", "Cn") for c in chars)
    if bad > MAX_REPLACEMENT_SHARE * len(chars):
        return True
    letters = [c for c in chars if c.isalpha()]
    if not letters:
        return False
    foreign = sum(c not in VIETNAMESE_LETTERS for c in letters)
    if foreign > MAX_FOREIGN_LETTER_SHARE * len(letters):
        return True
    return len(letters) >= MIN_LETTERS_FOR_MARK_TEST and not any(c in MARKED for c in letters)


def page_route(n_chars: int, has_images: bool, text: str | None, mode: str) -> PageRoute:
    """TEXT, OCR (no usable text layer; OCR when mode allows) or SCAN_ERROR (mode off).

    `text` is read only when needed (pass None to mean "not read"): callers give the page text
    when n_chars > 0."""
    if mode == "force":
        return PageRoute.OCR
    if n_chars == 0:
        if not has_images:
            return PageRoute.TEXT  # a blank or vector-only page: nothing to OCR
        return PageRoute.OCR if mode == "auto" else PageRoute.SCAN_ERROR
    if mode == "auto" and text is not None and text_layer_is_garbage(text):
        return PageRoute.OCR
    return PageRoute.TEXT
