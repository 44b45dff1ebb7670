"""Fonts for the document factory, and width-based text helpers.

Word-made plans are set in Times New Roman; Liberation Serif (v2) is metric-compatible
and has the Vietnamese glyphs. The old Liberation v1 has no Vietnamese glyphs, so it is
never picked. DejaVu Serif is the fallback. Set PLAN_FONT_DIR to point at another folder
holding the same file names.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "PlanSerif"
BOLD = "PlanSerif-Bold"
ITALIC = "PlanSerif-Italic"

# (file stem for regular, bold, italic) per family, most Word-like first.
_FAMILIES = (
    ("LiberationSerif-Regular", "LiberationSerif-Bold", "LiberationSerif-Italic"),
    ("DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic"),
)
# Sub-folders of the usual font roots where each family lives (liberation2 = v2 only).
_SUBDIRS = ("liberation2", "dejavu", "")


def _font_dirs() -> list[Path]:
    """PLAN_FONT_DIR first, then the usual <data dir>/fonts/truetype/<family> folders."""
    dirs = [Path(os.environ["PLAN_FONT_DIR"])] if os.environ.get("PLAN_FONT_DIR") else []
    data_dirs = os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
    for data in filter(None, data_dirs.split(":")):
        dirs += [Path(data) / "fonts" / "truetype" / sub for sub in _SUBDIRS]
    return dirs


def _find(stem: str) -> Path | None:
    for d in _font_dirs():
        p = d / f"{stem}.ttf"
        if p.is_file():
            return p
    return None


class FontSet(NamedTuple):
    """Registered font names; a tuple, so `regular, bold, italic = register_fonts()` works."""
    regular: str
    bold: str
    italic: str


@lru_cache(maxsize=1)
def register_fonts() -> FontSet:
    """Register PlanSerif{,-Bold,-Italic} once and return their names."""
    for family in _FAMILIES:
        paths = [_find(stem) for stem in family]
        if all(paths):
            for name, path in zip((REGULAR, BOLD, ITALIC), paths):
                pdfmetrics.registerFont(TTFont(name, str(path)))
            return FontSet(REGULAR, BOLD, ITALIC)
    raise RuntimeError(
        "No Vietnamese-capable serif TTF found (Liberation Serif v2 or DejaVu Serif); "
        "set PLAN_FONT_DIR to a folder holding LiberationSerif-{Regular,Bold,Italic}.ttf")


def font_files() -> list[Path]:
    """The TTF files behind the registered names (for the record)."""
    register_fonts()
    return [Path(pdfmetrics.getFont(n).face.filename) for n in (REGULAR, BOLD, ITALIC)]


def font_name(bold: bool = False, italic: bool = False) -> str:
    fonts = register_fonts()
    return fonts.bold if bold else fonts.italic if italic else fonts.regular


@lru_cache(maxsize=200_000)
def text_width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


@lru_cache(maxsize=50_000)
def _wrap(text: str, width: float, font: str, size: float) -> tuple[str, ...]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        # Only reached for a word wider than the column: the generators never make one,
        # but a seed might; cut it by characters rather than draw outside the cell.
        while text_width(line, font, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and text_width(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return tuple(lines)


def wrap(text: str, width: float, font: str, size: float) -> list[str]:
    """Greedy word wrap at spaces (Word's behaviour for Vietnamese, which has no hyphenation).

    Greedy wrapping restarts cleanly at any line boundary, so re-wrapping the joined
    first k lines (or the joined rest) gives back exactly those lines: the layout can
    hand split cell texts to the renderer as plain strings.
    """
    return list(_wrap(text, round(width, 4), font, size))


def word_fits(word: str, width: float, size: float, bold: bool = False) -> bool:
    return text_width(word, font_name(bold=bold), size) <= width
