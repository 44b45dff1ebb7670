"""Page grids → appendix page tables: header found (or columns continued), data rows cut out.

A page belongs to the appendix when its table carries a recognised header, or
when it carries no header but its ruled columns line up with the previous
appendix page (plans that print the header only once).
"""
from __future__ import annotations

from core.errors import BadInputError
from core.records import Fragment, PageGrid, PageRow, PageTable
from core.text import clean
from extractors.header import cells_by_position, grid_to_header, header_text, is_roman


def _column_edges(grid: PageGrid, columns: dict[str, int]) -> dict[str, tuple[float, float]]:
    return {f: (grid.xs[c], grid.xs[c + 1]) for f, c in columns.items()}


def _columns_by_edges(grid: PageGrid, edges: dict[str, tuple[float, float]], tol: float) -> dict[str, int] | None:
    """Map fields to this grid's columns by position; None when any field's column is missing."""
    out = {}
    for name, (x0, x1) in edges.items():
        col = next((i for i in range(grid.n_cols) if abs(grid.xs[i] - x0) <= tol and abs(grid.xs[i + 1] - x1) <= tol), None)
        if col is None:
            return None
        out[name] = col
    return out


def grid_rows(grid: PageGrid, columns: dict[str, int], start: int) -> list[PageRow]:
    at = cells_by_position(grid)
    rows = []
    for r in range(start, grid.n_rows):
        frags = {}
        for name, col in columns.items():
            cell = at.get((r, col))
            if cell is None:
                frags[name] = Fragment("", False)
            elif cell.row < r:
                frags[name] = Fragment("", True, cell.row_span, cell.fills_bottom)
            elif cell.col != col:
                frags[name] = Fragment("", False, cell.row_span)  # inside a cell spanning from the left
            else:
                frags[name] = Fragment(clean(cell.text), False, cell.row_span, cell.fills_bottom)
        stt = frags.get("stt", Fragment("", False)).text
        rows.append(PageRow(grid.page_no, frags, grid.ys[r], grid.ys[r + 1], is_section=is_roman(stt)))
    return rows


def grids_to_page_tables(file: str, grids: list[PageGrid], settings) -> list[PageTable]:
    tables: list[PageTable] = []
    edges: dict[str, tuple[float, float]] | None = None
    labels: dict[str, str] = {}
    unrecognised: PageGrid | None = None
    for grid in grids:
        match = grid_to_header(grid, settings)
        if match is not None:
            columns, start = match.columns, match.data_start
            labels, edges = match.labels, _column_edges(grid, match.columns)
            page_labels = labels
        elif edges is not None and (columns := _columns_by_edges(grid, edges, settings.column_tolerance)):
            start, page_labels = 0, {}
        else:
            if unrecognised is None and grid.n_cols >= 5:
                unrecognised = grid
            continue
        rows = grid_rows(grid, columns, start)
        if not rows:
            continue
        tables.append(PageTable(
            page_no=grid.page_no, columns=columns, header_labels=page_labels, rows=rows,
            table_top=grid.ys[0], table_bottom=grid.ys[-1], page_height=grid.height, line_height=grid.line_pitch,
        ))
    if not tables:
        if unrecognised is not None:
            raise BadInputError(file, "no appendix table found: unknown header wording "
                                f"'{header_text(unrecognised)}'", unrecognised.page_no)
        raise BadInputError(file, "no appendix table found (no ruled table with a recognised header)")
    return tables
