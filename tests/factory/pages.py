"""Explicit appendix pages, and how one page is measured into drawable cells.

An AppendixPage lists the physical rows printed on one landscape page. Each row holds one
text per column and says which columns are covered by a vertically merged cell that
started on a row above *on the same page*. Both the automatic layout (layout.py) and the
seed (seed.py) produce pages in this form; measure_page turns one into cell boxes and row
heights with Word's rules, and render.py draws the result.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .fonts import font_name, wrap
from .geometry import PageGeometry
from .spec import FIELDS, PlanSpec

_EPS = 1e-6


@dataclass(frozen=True)
class PhysRow:
    cells: tuple[str, ...]  # one text per column, FIELDS order ("" = empty cell or piece)
    covered: frozenset[str] = frozenset()  # fields merged with the row above (same page)
    section: bool = False  # section header row: numeral in Stt, title in the task column
    ref: int | None = None  # index of the logical row this is a piece of (truth bookkeeping)
    continued: bool = False  # continues the previous page's last row (a split row)


@dataclass
class AppendixPage:
    rows: list[PhysRow]
    fill_last: bool = False  # the last row is split: Word stretches its piece to the bottom margin
    title: list[str] = field(default_factory=list)  # appendix title lines (first appendix page)
    header: bool = True  # header row (and number row) printed above the rows


@dataclass(frozen=True)
class TableStyle:
    """The parts of a PlanSpec that decide how the table looks."""
    header: tuple[str, ...]  # labels, in column order
    number_row: bool | str = True
    repeat_header: bool = True
    section_row_span: bool = True
    columns: tuple[str, ...] = FIELDS
    group: tuple[str, int, int] | None = None  # a two-row header: (label, first column, last column)

    @classmethod
    def from_spec(cls, spec: PlanSpec) -> TableStyle:
        cols = tuple(spec.columns)
        group = None
        if spec.header_group is not None:
            label, a, b = spec.header_group
            group = (label, cols.index(a), cols.index(b))
        return cls(tuple(spec.header[f] for f in cols), spec.number_row,
                   spec.repeat_header, spec.section_row_span, cols, group)


@dataclass
class CellBox:
    col0: int  # first column
    col1: int  # one past the last column (horizontal span)
    row0: int  # first table row (index into MeasuredPage.heights)
    row1: int  # last table row (inclusive): vertical merge
    lines: list[str]
    font: str
    align: str = "left"  # "left" | "center"


@dataclass
class TitleLine:
    text: str
    font: str
    size: float
    baseline: float  # PDF y


@dataclass
class MeasuredPage:
    title: list[TitleLine]
    table_top: float  # PDF y of the table's top edge
    heights: list[float]  # table rows, top to bottom (header rows included)
    kinds: list[str]  # "header" | "number" | "section" | "data"
    cells: list[CellBox]
    overflow: float  # > 0 when the rows do not fit above the bottom margin

    def row_tops(self) -> list[float]:
        tops, y = [], self.table_top
        for h in self.heights:
            tops.append(y)
            y -= h
        return tops


def title_lines(lines: list[str], geo: PageGeometry) -> tuple[list[TitleLine], float]:
    """Centred appendix title: bold, except a parenthesised line ("(Kèm theo ...)") in italic."""
    out: list[TitleLine] = []
    y = geo.appendix_size[1] - geo.margin_top
    pitch = geo.title_size * 1.2
    for text in lines:
        font = font_name(italic=True) if text.startswith("(") else font_name(bold=True)
        for line in wrap(text, geo.text_width, font, geo.title_size) or [""]:
            out.append(TitleLine(line, font, geo.title_size, y - geo.baseline_offset(geo.title_size, pitch)))
            y -= pitch
    used = geo.appendix_size[1] - geo.margin_top - y
    return out, (used + geo.title_gap if lines else 0.0)


def number_row_texts(style: TableStyle) -> tuple[str, ...]:
    n = len(style.columns)
    if style.number_row == "paren":
        return tuple(f"({i})" for i in range(1, n + 1))
    if style.number_row == "letters":  # "A B 1 2 3": letters over the Stt and task columns
        return ("A", "B") + tuple(str(i) for i in range(1, n - 1))
    if style.columns[:1] == ("stt",):
        # The Stt column is left blank and numbering starts at the second column.
        return ("",) + tuple(str(i) for i in range(1, n))
    return tuple(str(i) for i in range(1, n + 1))


def header_rows(style: TableStyle) -> list[tuple[str, tuple[str, ...]]]:
    if style.group is None:
        rows = [("header", style.header)]
    else:
        label, a, b = style.group
        top = tuple(label if a <= c <= b else t for c, t in enumerate(style.header))
        rows = [("header", top), ("header", style.header)]
    if style.number_row:
        rows.append(("number", number_row_texts(style)))
    return rows


def measure_page(page: AppendixPage, style: TableStyle, geo: PageGeometry) -> MeasuredPage:
    title, title_h = title_lines(page.title, geo)
    cols = style.columns
    n = len(cols)
    full = geo.widths_for(cols)
    widths = [full[f] for f in cols]
    regular, bold = font_name(), font_name(bold=True)
    first_text = 1 if "stt" in cols else 0

    kinds: list[str] = []
    cells: list[CellBox] = []

    def add(col0: int, col1: int, row: int, text: str, font: str, align: str) -> CellBox:
        width = sum(widths[col0:col1]) - 2 * geo.pad_x
        box = CellBox(col0, col1, row, row, wrap(text, width, font, geo.font_size), font, align)
        cells.append(box)
        return box

    if page.header:
        for k, (kind, labels) in enumerate(header_rows(style)):
            r = len(kinds)
            kinds.append(kind)
            if style.group is not None and k == 0:
                # Two header rows: the group label spans its columns; the others span both rows.
                _, a, b = style.group
                for c, text in enumerate(labels):
                    if c == a:
                        add(a, b + 1, r, text, bold, "center")
                    elif not a <= c <= b:
                        add(c, c + 1, r, text, bold, "center").row1 = r + 1
                continue
            if style.group is not None and k == 1:
                _, a, b = style.group
                for c in range(a, b + 1):
                    add(c, c + 1, r, labels[c], bold, "center")
                continue
            for c, text in enumerate(labels):
                add(c, c + 1, r, text, bold if kind == "header" else regular, "center")

    open_cells: dict[int, CellBox] = {}  # column -> cell that rows below may merge into
    for row in page.rows:
        r = len(kinds)
        kinds.append("section" if row.section else "data")
        if row.section:
            if first_text:
                add(0, 1, r, row.cells[0], bold, "center")
            if style.section_row_span or not first_text:
                add(first_text, n, r, row.cells[first_text], bold, "left")
            else:
                for c in range(1, n):
                    add(c, c + 1, r, row.cells[c], bold, "left")
            open_cells = {}  # nothing merges across a section row
            continue
        for c, f in enumerate(cols):
            if f in row.covered:
                if c not in open_cells:
                    raise ValueError(f"row {r}: {f} covered but no cell above on this page")
                open_cells[c].row1 = r
            else:
                open_cells[c] = add(c, c + 1, r, row.cells[c], regular, "center" if f == "stt" else "left")

    heights = row_heights(cells, len(kinds), geo)
    top = geo.appendix_size[1] - geo.margin_top - title_h
    room = top - geo.margin_bottom
    if page.fill_last and heights:
        heights[-1] = max(heights[-1], room - sum(heights[:-1]))
    return MeasuredPage(title, top, heights, kinds, cells, sum(heights) - room)


def row_heights(cells: list[CellBox], n_rows: int, geo: PageGeometry) -> list[float]:
    """Word's row heights: a row is as tall as its single-row cells need; a vertically
    merged cell that needs more than its rows give makes its LAST row taller."""
    heights = [geo.cell_height(0)] * n_rows
    for box in cells:
        if box.row0 == box.row1:
            heights[box.row0] = max(heights[box.row0], geo.cell_height(len(box.lines)))
    for box in sorted((b for b in cells if b.row1 > b.row0), key=lambda b: b.row1):
        above = sum(heights[box.row0:box.row1])
        heights[box.row1] = max(heights[box.row1], geo.cell_height(len(box.lines)) - above)
    return heights


def fits(page: AppendixPage, style: TableStyle, geo: PageGeometry) -> bool:
    return measure_page(page, style, geo).overflow <= _EPS
