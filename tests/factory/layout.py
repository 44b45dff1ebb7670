"""Automatic appendix layout: flows the logical table onto landscape pages like Word does.

Word's rules for a table whose rows may break across pages, as imitated here:
  * a row is as tall as its tallest single-row cell; a vertically merged cell that needs
    more room than its rows give makes the LAST row of the merge taller;
  * when a row does not fit, it is split at a line boundary: every cell keeps the lines that
    fit on this page and the rest continues in the row's piece at the top of the next page
    (a cell that fitted gets an empty piece there), and the piece on this page is stretched
    down to the bottom margin;
  * a merged cell (task text, or activity fields merged over several rows) crossing a page
    break is cut in two: the lines that fit beside its rows on this page stay, the rest
    continues at the top of its piece on the next page;
  * if not a single line of a row's own cells fits, the row moves to the next page whole
    (merged cells from above still carry their overflow there); section rows never split;
  * a split that would leave the next page's piece with no text at all is not made.
"""
from __future__ import annotations

from dataclasses import dataclass

from .geometry import PageGeometry
from .pages import AppendixPage, PhysRow, TableStyle, measure_page
from .spec import PlanSpec
from .table import Table, build_table

_EPS = 1e-6


@dataclass
class _PageState:
    """Rows placed so far on the page being filled."""
    room: float  # height available for data rows
    rows: list[int]  # logical rows placed
    heights: list[float]
    start: dict[int, int]  # group -> index (in rows) of the row where its piece starts

    def used(self, since: int = 0) -> float:
        return sum(self.heights[since:])


def _room(spec: PlanSpec, style: TableStyle, geo: PageGeometry, first: bool) -> float:
    empty = AppendixPage([], title=list(spec.appendix_title) if first else [],
                         header=first or style.repeat_header)
    return -measure_page(empty, style, geo).overflow


def layout_appendix(spec: PlanSpec, geo: PageGeometry) -> list[AppendixPage]:
    style = TableStyle.from_spec(spec)
    table = build_table(spec, geo)
    remaining = [list(g.lines) for g in table.groups]  # lines not yet printed, per group
    pages: list[AppendixPage] = []
    r, continued = 0, False
    while r < len(table.refs):
        first = not pages
        st = _PageState(_room(spec, style, geo, first), [], [], {})
        printed: dict[int, list[str]] = {}
        fill = False
        while r < len(table.refs):
            j = len(st.rows)
            cover = set(table.cover[r].values())
            fresh = [g for g in cover if g not in st.start]
            for g in fresh:
                st.start[g] = j
            h = geo.cell_height(0)
            for g in cover:
                if table.groups[g].last == r:  # the piece ends here: it must fit now
                    h = max(h, geo.cell_height(len(remaining[g])) - st.used(st.start[g]))
            if st.used() + h <= st.room + _EPS:
                st.rows.append(r)
                st.heights.append(h)
                r += 1
                continue
            # Row r does not fit in what is left of the page.
            left = st.room - st.used()
            fit = {g: geo.lines_fitting(st.used(st.start[g]) + left) for g in cover}
            own_prints = any(fit[g] >= 1 and remaining[g] for g in cover if st.start[g] == j)
            carries = any(len(remaining[g]) > fit[g] for g in cover)
            section = table.refs[r].kind == "section"
            if not section and carries and (own_prints or j == 0):
                # Split the row: its piece here reaches the bottom margin.
                st.rows.append(r)
                st.heights.append(left)
                for g in cover:
                    printed[g], remaining[g] = remaining[g][:fit[g]], remaining[g][fit[g]:]
                fill = True
                break
            if j == 0:
                raise ValueError(f"logical row {r} cannot be placed even on an empty page")
            # Move row r to the next page whole; merged cells from above carry on there.
            for g in fresh:
                del st.start[g]
            for g in table.cover[r - 1].values():
                if table.groups[g].last >= r:
                    k = geo.lines_fitting(st.used(st.start[g]))
                    printed[g], remaining[g] = remaining[g][:k], remaining[g][k:]
            break
        for g in st.start:  # pieces that end on this page print everything left
            if g not in printed:
                printed[g], remaining[g] = remaining[g], []
        pages.append(_page(table, st, printed, first, continued, fill, spec, style))
        continued = fill
        _check(pages[-1], st, style, geo)
    return pages


def _page(table: Table, st: _PageState, printed: dict[int, list[str]], first: bool,
          continued: bool, fill: bool, spec: PlanSpec, style: TableStyle) -> AppendixPage:
    rows = []
    for j, r in enumerate(st.rows):
        cont = continued and j == 0
        if table.refs[r].kind == "section":
            rows.append(PhysRow(table.texts[r], section=True, ref=r, continued=cont))
            continue
        cells, covered = [], set()
        for c, f in enumerate(style.columns):
            g = table.cover[r][c]
            if st.start[g] == j:
                cells.append(" ".join(printed[g]))
            else:
                cells.append("")
                covered.add(f)
        rows.append(PhysRow(tuple(cells), frozenset(covered), ref=r, continued=cont))
    return AppendixPage(rows, fill_last=fill, title=list(spec.appendix_title) if first else [],
                        header=first or style.repeat_header)


def _check(page: AppendixPage, st: _PageState, style: TableStyle, geo: PageGeometry) -> None:
    """The renderer measures pages on its own; it must agree with the flow."""
    m = measure_page(page, style, geo)
    data = [h for h, k in zip(m.heights, m.kinds) if k in ("section", "data")]
    if m.overflow > 1e-3 or any(abs(a - b) > 1e-3 for a, b in zip(data, st.heights)):
        raise AssertionError(f"layout and renderer disagree: {data} vs {st.heights}, overflow {m.overflow}")
