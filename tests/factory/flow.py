"""LibreOffice-like line breaking for the document factory (test support).

Word and LibreOffice break a line after a hyphen inside a token as well as at spaces: "QĐ-UBND"
may print as "QĐ-" | "UBND", "18-NQ/TW" as "18-" | "NQ/TW". A spaced hyphen ("Văn hóa - Xã hội")
breaks at its spaces like any word. `libreoffice_flow()` makes the factory wrap that way while it
is active; everything else about the layout is unchanged.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from unittest import mock

from .fonts import text_width

# A hyphen with a letter or digit on both sides is a break opportunity after it.
_BREAK_AFTER_HYPHEN = re.compile(r"(?<=\w-)(?=\w)")


@lru_cache(maxsize=50_000)
def _flow(text: str, width: float, font: str, size: float) -> tuple[str, ...]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        for k, piece in enumerate(_BREAK_AFTER_HYPHEN.split(word)):
            candidate = (f"{line} {piece}" if k == 0 else line + piece) if line else piece
            if text_width(candidate, font, size) <= width or not line:
                line = candidate
                continue
            lines.append(line)
            line = piece
    if line:
        lines.append(line)
    return tuple(lines)


def flow_wrap(text: str, width: float, font: str, size: float) -> list[str]:
    """Greedy wrap at spaces and after in-token hyphens (a piece wider than the column stays whole)."""
    return list(_flow(text, round(width, 4), font, size))


@contextmanager
def libreoffice_flow() -> Iterator[None]:
    """The factory's table cells, appendix pages and body paragraphs wrap with `flow_wrap`."""
    with mock.patch("tests.factory.table.wrap", flow_wrap), mock.patch("tests.factory.pages.wrap", flow_wrap), \
            mock.patch("tests.factory.body.wrap", flow_wrap):
        yield


def hyphen_breaks(lines: list[str]) -> int:
    """How many of these printed lines end with an in-token hyphen."""
    return sum(1 for ln in lines if re.search(r"\w-$", ln))
