"""Row numbers as plans print them, parsed into a level and a value (pure functions).

    "I", "II.", "PHẦN I", "Phần thứ hai", "A", "B.", "Chương II"  → section
    "1", "1.", "01", "(1)", "Bước 1"                             → task
    "1.1", "1.2.", "2.3.1", "a)", "a.", "b/", "-", "+"          → subtask

`parse_stt` returns None for anything else (a word, a long text). `is_sequence` tells whether
a run of numbers goes up by one, as a printed numbering should (used to check OCR'd numbers).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SECTION, TASK, SUBTASK = "section", "task", "subtask"

_ROMAN = re.compile(r"^(?=[IVXLC])(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_ORDINALS = {"nhất": 1, "một": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8,
             "chín": 9, "mười": 10}
# Vietnamese letters in alphabetical order (plans letter clauses a, b, c, d, đ, e, …).
_LETTERS = "abcdđeghiklmnopqrstuvxy"
_PART = re.compile(r"^(phần|chương|mục|phụ lục)(\s+thứ)?\s+(.+)$", re.I)


@dataclass(frozen=True)
class Number:
    level: str  # section | task | subtask
    style: str  # roman | letter | arabic | dotted | letter_paren | bullet | part
    value: int | None  # position in its sequence (I → 1, c → 3 …); None for bullets
    path: tuple[int, ...] = ()  # dotted numbers: (2, 3) for "2.3"
    text: str = ""  # the number as printed, trailing punctuation removed ("I", "1.1", "a")


def roman_value(text: str) -> int | None:
    t = text.strip().upper()
    if not t or not _ROMAN.match(t):
        return None
    total = 0
    for a, b in zip(t, t[1:] + " "):
        v = _ROMAN_VALUES[a]
        total += -v if b != " " and _ROMAN_VALUES[b] > v else v
    return total


_TO_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
             (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def to_roman(n: int) -> str:
    """3 → "III" (n >= 1)."""
    out = []
    for value, sym in _TO_ROMAN:
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


def is_roman(text: str) -> bool:
    return roman_value(text.strip().rstrip(".")) is not None


def _strip(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def parse_stt(text: str) -> Number | None:
    """The number printed in an Stt cell (or at the start of a section row), or None."""
    t = _strip(text)
    if not t or len(t) > 24:
        return None
    m = _PART.match(t)
    if m:
        inner = m.group(3).strip().rstrip(".:")
        value = roman_value(inner) or (int(inner) if inner.isdigit() else _ORDINALS.get(inner.lower()))
        if value is not None:
            return Number("section", "part", value, (), t.rstrip(".:"))
        return None
    core = t.rstrip(".:")
    if core in {"-", "+", "*", "•", "–"}:
        return Number(SUBTASK, "bullet", None, (), core)
    v = roman_value(core)
    if v is not None and (core not in {"C", "D", "L", "M"}):  # a lone "C" or "D" is a letter, see below
        return Number(SECTION, "roman", v, (), core)
    if re.fullmatch(r"[A-ZĐ]", core):
        return Number(SECTION, "letter", "ABCDĐEGHIKLMNOPQRSTUVXY".find(core) + 1, (), core)
    m = re.fullmatch(r"\(?(\d{1,3})\)?", core)
    if m:
        return Number(TASK, "arabic", int(m.group(1)), (int(m.group(1)),), m.group(1))
    m = re.fullmatch(r"(\d{1,3}(?:\.\d{1,3})+)", core)
    if m:
        path = tuple(int(p) for p in m.group(1).split("."))
        return Number(SUBTASK, "dotted", path[-1], path, m.group(1))
    m = re.fullmatch(r"\(?([a-zđ])[\)/.]?", t)
    if m and (t.endswith((")", "/", ".")) or len(t) == 1):
        return Number(SUBTASK, "letter_paren", _LETTERS.find(m.group(1)) + 1, (), m.group(1))
    return None


def split_leading_number(text: str) -> tuple[Number | None, str]:
    """A number at the start of a row's text ("I. CẢI CÁCH THỂ CHẾ", "PHẦN II - …"): (number, rest)."""
    t = _strip(text)
    m = re.match(r"^((?:phần|chương|mục)(?:\s+thứ)?\s+\S+?|[IVXLC]+|[A-ZĐ]|\d{1,3}(?:\.\d{1,3})*|[a-zđ])([.):/]|\s+[-–:]\s*|\s)\s*(.*)$",
                 t, re.I | re.S)
    if not m:
        return None, t
    head, rest = m.group(1), m.group(3)
    n = parse_stt(head + (m.group(2).strip() if m.group(2).strip() in {")", "/", "."} else ""))
    if n is None or not rest:
        return None, t
    if n.style in {"letter", "letter_paren"} and not m.group(2).strip():
        return None, t  # "A Sở" or "a tiếp": a word, not a number
    if n.style == "roman" and not m.group(2).strip():
        return None, t  # "I Cải cách": only with punctuation, as sections are printed
    return n, rest


def is_sequence(values: list[int]) -> bool:
    """Do the numbers count up by one (1, 2, 3 …)?"""
    return all(b == a + 1 for a, b in zip(values, values[1:]))
