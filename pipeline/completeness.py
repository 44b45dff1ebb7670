"""Is the extracted table complete? Checks run before a document may be called `ok`.

A document is `ok` only when every check passes; each failed check is an error item that says
what is missing (and where), and makes the status `partial`. The checks look at what the
stages produced, not at how they produced it, so a new reader or stitcher is held to the same
rules:

  * every printed cell of every located appendix row was placed in the output (a section title,
    a task's number or text, an activity cell) on the page it was printed on;
  * no row stands before the first task;
  * the appendix pages run without a hole: a page between two appendix pages that is not one
    of them either lost its table or could not be read;
  * the numbering runs without gaps: sections I, II, III… (or A, B, C…), tasks 1, 2, 3… within
    a section or straight through, sub-numbers 1.1, 1.2… under their task;
  * every page object in the file was reachable (PDFium repairs a broken page tree by leaving
    pages out, silently), and every compressed stream decodes to its end (a damaged content
    stream is drawn up to the damage: a table that stops halfway looks complete).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from core.numbering import roman_value as core_roman_value
from core.numbering import to_roman
from core.records import ErrorItem, LogicalCell, PageGrid, PageTable, Severity, StitchedTable

STAGE = "check"
_WS = re.compile(r"\s+")
_ROMAN = re.compile(r"^(?:PHẦN\s+|PHAN\s+)?(?P<n>[IVXLC]+)\s*[.:)]?$", re.IGNORECASE)
_LETTER = re.compile(r"^(?P<n>[A-Za-zĐđ])\s*[.:)]?$")
_NUMBER = re.compile(r"^(?P<n>\d+(?:\s*\.\s*\d+)*)\s*[.:)]?$")


def _norm(text: str) -> str:
    return _WS.sub(" ", text or "").strip()


def _error(message: str, page: int | None = None) -> ErrorItem:
    return ErrorItem(STAGE, message, Severity.ERROR, page)


def roman_value(text: str) -> int | None:
    """1 for "I", "I.", "PHẦN I"; None when `text` is not a well-formed Roman numeral."""
    m = _ROMAN.match(_norm(text))
    return core_roman_value(m.group("n").upper()) if m else None


def letter_value(text: str) -> int | None:
    """1 for "A", "A.", "a)"; None otherwise ("Đ" has no place in the Latin sequence)."""
    m = _LETTER.match(_norm(text))
    return ord(m.group("n").upper()) - ord("A") + 1 if m and m.group("n").upper() != "Đ" else None


def section_ordinal(text: str) -> int | None:
    """The position a section numeral claims, read as Roman first: "III" → 3, "B." → 2; None when unreadable.

    "C", "D", "I", "L", "V", "X" are both letters and Roman numerals: `check_numbering` reads a
    whole sequence in the scheme that breaks least."""
    value = roman_value(text)
    return value if value is not None else letter_value(text)


def task_number(text: str) -> tuple[int, ...] | None:
    """(1,) for "1" or "1."; (1, 2) for "1.2"; None for anything else."""
    m = _NUMBER.match(_norm(text))
    return tuple(int(p) for p in m.group("n").replace(" ", "").split(".")) if m else None


# ---- the checks -----------------------------------------------------------------------------

def _placed(stitched: StitchedTable) -> Counter:
    """(page, text) of every piece that reached the output, counted."""
    cells: list[LogicalCell] = [s.title for s in stitched.sections]
    for task in stitched.tasks:
        cells += [task.stt, task.text]
    seen: set[int] = set()
    for row in stitched.rows:
        for cell in [*row.cells.values(), *row.extra.values()]:  # extra: columns with no canonical field
            if id(cell) not in seen:  # a merged cell is shared by its rows: count its pieces once
                seen.add(id(cell))
                cells.append(cell)
    placed = Counter((p.page_no, _norm(p.text)) for c in cells for p in c.pieces)
    placed.update((s.page_no, _norm(s.numeral)) for s in stitched.sections)
    placed.update((s.page_no, _norm(s.printed)) for s in stitched.sections if s.printed)  # "I. Title" in one cell
    return placed


@dataclass(frozen=True)
class UnplacedRow:
    """Text of the page grid that did not reach the output (one row of the `unplaced` table)."""
    page_no: int
    row_top: float  # the row's top on its page (PDF points): where it is
    field: str
    text: str
    reason: str


def unplaced_rows(tables: list[PageTable], stitched: StitchedTable) -> list[UnplacedRow]:
    """Printed appendix cells that are nowhere in the output, each with where it was and why it is missing."""
    placed = _placed(stitched)
    orphans = Counter((p.page_no, _norm(p.text)) for r in stitched.rows if r.task is None
                      for c in r.cells.values() for p in c.pieces)
    missing = []
    for table in tables:
        for row in table.rows:
            for name, frag in row.fragments.items():
                key = (row.page_no, _norm(frag.text))
                if not key[1] or frag.covered:
                    continue
                if placed[key] - orphans[key] > 0:
                    placed[key] -= 1
                    continue
                reason = ("in a row before the first numbered task" if orphans[key] > 0 else
                          "not in the stitched table (a section row keeps only its title)" if row.is_section else
                          "not in the stitched table")
                missing.append(UnplacedRow(row.page_no, row.top, name, frag.text, reason))
    return missing


def _shorten(text: str, n: int = 60) -> str:
    text = _norm(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def check_placement(tables: list[PageTable], stitched: StitchedTable) -> list[ErrorItem]:
    errors = [_error(f"appendix cell not placed in the output: {u.field} '{_shorten(u.text)}' ({u.reason})", u.page_no)
              for u in unplaced_rows(tables, stitched) if u.reason != "in a row before the first numbered task"]
    orphans = [r for r in stitched.rows if r.task is None]
    if orphans:
        errors.append(_error(f"{len(orphans)} activity row(s) before the first numbered task", orphans[0].page_no))
    return errors


def _holes(pages: Iterable[int]) -> list[int]:
    pages = sorted(set(pages))
    return [p for a, b in zip(pages, pages[1:]) for p in range(a + 1, b)]


def check_pages(tables: list[PageTable], grids: list[PageGrid], page_count: int) -> list[ErrorItem]:
    appendix = [t.page_no for t in tables]
    errors = []
    with_grid = {g.page_no for g in grids}
    for page in _holes(appendix):
        why = "its ruled table was not recognised" if page in with_grid else "no table was read on it"
        errors.append(_error(f"page {page} lies inside the appendix (pages {appendix[0]}-{appendix[-1]}) "
                             f"but was not read as part of it: {why}", page))
    # A table that merely reaches the bottom of the file's last page is no evidence of a cut file (a full
    # last page is common): lost pages are found from the file's own page objects and streams instead.
    return errors


def check_page_objects(page_objects: int, page_count: int) -> list[ErrorItem]:
    if page_objects > page_count:
        return [_error(f"the file holds {page_objects} page objects but only {page_count} pages could be read: "
                       f"{page_objects - page_count} page(s) lost to damage")]
    return []


def check_numbering(stitched: StitchedTable) -> list[ErrorItem]:
    errors = min((_section_breaks(stitched, scheme) for scheme in (roman_value, letter_value)), key=len)
    # Tasks: numbered within each section (restarting at 1) or straight through the table.
    prev_top: int | None = None
    prev_section = None
    for task in stitched.tasks:
        number = task_number(task.stt.text())
        if number is None:
            continue
        top = number[0]
        if task.section is not prev_section:
            prev_section = task.section
            if prev_top is None or top in (1, prev_top + 1):
                prev_top = top
                continue
            errors.append(_error(f"task numbering breaks at '{task.stt.text()}' after {prev_top} "
                                 f"(section '{_norm(task.section.numeral) if task.section else ''}')", task.page_no))
            prev_top = top
            continue
        if prev_top is not None and top not in (prev_top, prev_top + 1):
            errors.append(_error(f"task numbering breaks at '{task.stt.text()}' after {prev_top} "
                                 f"(section '{_norm(task.section.numeral) if task.section else ''}')", task.page_no))
        prev_top = top
    return errors


def _section_breaks(stitched: StitchedTable, scheme) -> list[ErrorItem]:
    errors = []
    numbered = [(s, scheme(s.numeral)) for s in stitched.sections if section_ordinal(s.numeral) is not None]
    expected = 1
    for s, o in numbered:
        if o is None:
            errors.append(_error(f"section numbering breaks at '{_norm(s.numeral)}' (mixed numbering)", s.page_no))
            continue
        if o != expected:
            want = to_roman(expected) if scheme is roman_value else chr(ord("A") + expected - 1)
            what = "repeated" if o < expected else f"expected {want}"
            errors.append(_error(f"section numbering breaks at '{_norm(s.numeral)}' ({what})", s.page_no))
        expected = o + 1
    return errors


def check_streams(damaged: list[int]) -> list[ErrorItem]:
    if not damaged:
        return []
    shown = ", ".join(map(str, damaged[:10])) + (" …" if len(damaged) > 10 else "")
    return [_error(f"{len(damaged)} compressed stream(s) of the file cannot be decoded to their end (objects {shown}): "
                   "text or ruling lines drawn by them may be missing")]


def check_table(grids: list[PageGrid], tables: list[PageTable], stitched: StitchedTable, page_count: int,
                page_objects: int = 0, damaged: list[int] | None = None) -> list[ErrorItem]:
    """Every completeness check, in document order of what they describe."""
    # Each task table numbers its own sections and tasks.
    numbering = [e for n in sorted({t.table_no for t in tables}) for e in check_numbering(_one_table(stitched, n))]
    return (check_page_objects(page_objects, page_count) + check_streams(damaged or [])
            + check_pages(tables, grids, page_count) + check_placement(tables, stitched) + numbering)


def _one_table(stitched: StitchedTable, table_no: int) -> StitchedTable:
    return StitchedTable([s for s in stitched.sections if s.table_no == table_no],
                         [t for t in stitched.tasks if t.table_no == table_no], [], [])
