"""Page grids → task-table page tables: every task table of the document, its columns mapped to roles.

A grid starts a task table when its header maps to a task column plus a lead, deadline or output
column (extractors/header.py; with fewer than four printed columns the cells must bear the labels
out). A grid without such a header continues the table of the page before when it is the first
table on its page and its columns line up with the table's columns: each printed column is matched
to the table's roles by how much it overlaps them, so narrow spacer columns (boundaries from other
rows' rules), slightly different widths, or a column split in two on one page still map (a narrow
table's column edges must all be ruled there). Other ruled tables (indicators, signatures) are
passed over; when no task table is found, the error names the best candidate, its labels and the
roles it could not fill.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import BadInputError
from core.numbering import SECTION, parse_stt, split_leading_number
from core.records import Cell, Fragment, PageGrid, PageRow, PageTable
from core.text import clean, fold
from extractors.header import (
    NARROW_COLUMNS,
    ColumnRole,
    HeaderMatch,
    cells_by_position,
    grid_to_header,
    header_text,
    is_number_row,
)

Span = tuple[float, float]


@dataclass
class TableColumns:
    """The columns of one task table as its header page prints them."""
    table_no: int
    title: str
    spans: dict[str, Span]  # role or extra key → (x0, x1), left to right
    labels: dict[str, str]  # role → label as printed
    extra_labels: dict[str, str]  # extra key → label
    column_map: list[ColumnRole]
    header_key: tuple[str, ...]  # folded labels: a repeated header has the same
    last_page: int = 0

    @property
    def extent(self) -> Span:
        return min(a for a, _ in self.spans.values()), max(b for _, b in self.spans.values())


def _overlap(a: Span, b: Span) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def _spans_from_header(grid: PageGrid, match: HeaderMatch) -> dict[str, Span]:
    """Each role's (and extra column's) horizontal span: from its grid column to the next mapped one."""
    starts = sorted([(c, k) for k, c in match.columns.items()] + [(c, k) for k, c in match.extra.items()])
    spans = {}
    for i, (col, key) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else grid.n_cols
        spans[key] = (grid.xs[col], grid.xs[end])
    return dict(sorted(spans.items(), key=lambda kv: kv[1][0]))


def _anchor(grid: PageGrid, cell: Cell, spacer: float) -> Span:
    """The part of a cell that says which column it is in: its leftmost column that is not a spacer."""
    for k in range(cell.col, cell.col + cell.col_span):
        if grid.xs[k + 1] - grid.xs[k] >= spacer:
            return grid.xs[k], grid.xs[k + 1]
    return grid.xs[cell.col], grid.xs[cell.col + 1]


def _key_of(anchor: Span, spans: dict[str, Span]) -> str | None:
    best = max(spans, key=lambda k: _overlap(anchor, spans[k]), default=None)
    if best is None or _overlap(anchor, spans[best]) <= 0:
        return None
    return best


def _columns_line_up(grid: PageGrid, table: TableColumns, settings) -> bool:
    """Does a header-less grid continue this table? Its outer edges and every role's column must line up."""
    x0, x1 = table.extent
    tol = settings.column_tolerance
    if abs(grid.xs[0] - x0) > max(tol, 0.05 * (x1 - x0)) or abs(grid.xs[-1] - x1) > max(tol, 0.05 * (x1 - x0)):
        return False
    share = getattr(settings, "min_column_overlap", 0.6)
    if len(table.spans) < NARROW_COLUMNS:
        # Two or three columns overlap almost any box of the same width (a ruled "Nơi nhận" layout, a
        # signature block): every column edge of a narrow table must be ruled on this page too.
        edge = max(tol, 0.05 * (x1 - x0))
        if any(min(abs(x - e) for x in grid.xs) > edge for span in table.spans.values() for e in span):
            return False
    for span in table.spans.values():
        width = span[1] - span[0]
        best = max(_overlap(span, (grid.xs[k], grid.xs[k + 1])) for k in range(grid.n_cols))
        # A column split on this page: its pieces together cover the role's span.
        pieces = sum(_overlap(span, (grid.xs[k], grid.xs[k + 1])) for k in range(grid.n_cols)
                     if _overlap(span, (grid.xs[k], grid.xs[k + 1])) >= 0.8 * (grid.xs[k + 1] - grid.xs[k]))
        if max(best, pieces) < share * width - tol:
            return False
    return True


def _is_spanning_title(cells: list[Cell], grid: PageGrid, spans: dict[str, Span]) -> bool:
    """One cell runs from the first text column to the table's right edge: a section (or group) row."""
    text_cells = [c for c in cells if clean(c.text)]
    if len(text_cells) > 2:
        return False
    right = max(b for _, b in spans.values())
    return any(grid.xs[c.col + c.col_span] >= right - 1 and c.col_span >= max(2, grid.n_cols // 2) for c in text_cells)


def grid_rows(grid: PageGrid, spans: dict[str, Span], start: int, spacer: float = 8.0) -> list[PageRow]:
    at = cells_by_position(grid)
    rows = []
    for r in range(start, grid.n_rows):
        row_cells = sorted({id(c): c for k in range(grid.n_cols) if (c := at.get((r, k))) is not None}.values(),
                           key=lambda c: c.col)
        new_here = [c for c in row_cells if c.row == r]
        if not new_here:
            continue  # a grid row that only the rules of merged cells make (nothing starts in it)
        if is_number_row([c.text for c in new_here]) and all(c.row == r for c in row_cells):
            continue  # a column-number row repeated on this page
        by_key: dict[str, list[Cell]] = {}
        for c in row_cells:
            key = _key_of(_anchor(grid, c, spacer), spans)
            if key is not None:
                by_key.setdefault(key, []).append(c)
        frags = {}
        for key in spans:
            cells = by_key.get(key, [])
            starting = [c for c in cells if c.row == r]
            if starting:
                text = clean(" ".join(c.text for c in starting if c.text))
                fills = [c.fills_bottom for c in starting if c.fills_bottom is not None]
                frags[key] = Fragment(text, False, max(c.row_span for c in starting), (all(fills) if fills else None))
            elif cells:
                c = cells[0]
                frags[key] = Fragment("", True, c.row_span, c.fills_bottom)
            else:
                frags[key] = Fragment("", False)
        row = PageRow(grid.page_no, frags, grid.ys[r], grid.ys[r + 1])
        _mark_section(row, new_here, grid, spans)
        rows.append(row)
    return rows


def _mark_section(row: PageRow, new_here: list[Cell], grid: PageGrid, spans: dict[str, Span]) -> None:
    """Section rows: a section numeral in Stt ("I", "PHẦN I", "A"), or one cell across the table
    (numbered in its text, "I. CẢI CÁCH THỂ CHẾ", or not numbered at all; it may start in the Stt column)."""
    stt = row.text("stt")
    number = parse_stt(stt) if stt else None
    others = [k for k in row.fragments if k != "stt" and row.text(k)]
    if number is not None and number.level == SECTION:
        title = next((row.text(k) for k in others), "")
        row.is_section, row.section_numeral, row.section_title = True, stt, title  # the numeral as printed ("B.")
        return
    if stt and number is not None:
        return  # a task number: a task row
    filled = [k for k in row.fragments if row.text(k)]
    if _is_spanning_title(new_here, grid, spans) and len(filled) == 1:
        text = row.text(filled[0])
        lead, rest = split_leading_number(text)
        if lead is not None and lead.level != SECTION:
            return  # "1. Tăng cường …" across the table: a task printed as a heading row
        row.is_section = True
        row.section_numeral = lead.text if lead else ""
        row.section_title = rest if lead else text


_PHU_LUC = re.compile(r"\bph[uụ]\s*l[uụ]c\s*(?:s[oố]\s*)?([IVXLC]+|\d{1,2})\b", re.I)


def table_title(grid: PageGrid) -> str:
    """The caption above the table, without a lone page number ("2") at the top of the page."""
    lines = [line for line in grid.caption.split("\n") if line and not re.fullmatch(r"[-–\s]*\d{1,3}[-–\s]*", line)]
    # The title begins at "Phụ lục …" when the page says so; otherwise the last few lines above the table.
    start = next((i for i, line in enumerate(lines) if _PHU_LUC.search(line) or fold(line).startswith("phụ lục")), None)
    lines = lines[start:] if start is not None else lines[-4:]
    return " ".join(lines)


def _has_title(grid: PageGrid) -> bool:
    """Is there a table title above the grid (more than a page number)?"""
    return bool(table_title(grid))


def _roles(column_map: list[ColumnRole]) -> tuple[str, ...]:
    return tuple(r.role for r in column_map)


def _header_key(match: HeaderMatch) -> tuple[str, ...]:
    return tuple(fold(r.label) for r in match.column_map)


def grids_to_page_tables(file: str, grids: list[PageGrid], settings) -> list[PageTable]:
    spacer = getattr(settings, "spacer_width", 8.0)
    tables: list[PageTable] = []
    current: TableColumns | None = None
    candidates: list[tuple[tuple, PageGrid, HeaderMatch | None]] = []
    seen_pages: set[int] = set()
    count = 0
    for grid in grids:
        first_on_page = grid.page_no not in seen_pages
        seen_pages.add(grid.page_no)
        match = grid_to_header(grid, settings, best_effort=True)
        # The next page after the table's last one, first on its page: it may go on with the table.
        after = current if (current is not None and first_on_page and grid.page_no == current.last_page + 1) else None
        follows = after is not None and _columns_line_up(grid, after, settings)
        # The same labels again: the header repeated, even when the cells under it on this page are too few
        # to bear a narrow table's labels out (a cut row's tail).
        repeated = (after is not None and match is not None and not _has_title(grid)
                    and (_header_key(match) == after.header_key
                         or (match.ok and _roles(match.column_map) == _roles(after.column_map))))
        if after is not None and follows and match is not None and match.ok and not repeated and not _has_title(grid):
            match = None  # a new table has a title above it; a header-like first row here is data
        table: TableColumns
        if match is not None and (match.ok or repeated):
            spans = _spans_from_header(grid, match)
            if after is not None and repeated:
                table = after  # the header repeated on this page
                spans = {k: spans.get(k, v) for k, v in table.spans.items()}
                page_labels, column_map = table.labels, []
            else:
                count += 1
                table = TableColumns(count, table_title(grid), spans, dict(match.labels),
                                     {k: k.removeprefix("extra:").rstrip("'") for k in match.extra},
                                     match.column_map, _header_key(match))
                page_labels, column_map = table.labels, table.column_map
            start = match.data_start
        elif after is not None and follows:
            table = after
            spans, start, page_labels, column_map = table.spans, 0, {}, []
        else:
            filled = len(match.columns) if match else 0
            candidates.append(((filled, grid.n_cols >= 3, grid.n_rows), grid, match))
            continue
        current = table
        rows = grid_rows(grid, spans, start, spacer)
        table.last_page = grid.page_no
        if not rows:
            continue
        columns = {k: _first_col(grid, s) for k, s in spans.items() if not k.startswith("extra:")}
        tables.append(PageTable(
            page_no=grid.page_no, columns=columns, header_labels=page_labels, rows=rows,
            table_top=grid.ys[0], table_bottom=grid.ys[-1], page_height=grid.height, line_height=grid.line_pitch,
            table_no=table.table_no, table_title=table.title, extra_labels=table.extra_labels,
            column_map=column_map,
        ))
    if not tables:
        raise _no_table_error(file, candidates)
    return tables


def _first_col(grid: PageGrid, span: Span) -> int:
    return max(range(grid.n_cols), key=lambda k: _overlap(span, (grid.xs[k], grid.xs[k + 1])))


def _no_table_error(file: str, candidates) -> BadInputError:
    if not candidates:
        return BadInputError(file, "no appendix table found (no ruled table with a recognised header)")
    _, grid, match = max(candidates, key=lambda c: c[0])
    labels = header_text(grid)
    if match is None:
        return BadInputError(file, f"no appendix table found: unknown header wording '{labels}' "
                                   "(best candidate: no column label names a role)", grid.page_no)
    roles = ", ".join(f"{r.label or '∅'} → {r.role} ({r.how})" for r in match.column_map)
    return BadInputError(file, f"no appendix table found: unknown header wording '{labels}' (best candidate; "
                               f"columns: {roles}; could not fill: {', '.join(match.missing)})", grid.page_no)
