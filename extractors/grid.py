"""Ruling lines → table grids → cells (with vertical/horizontal merges) → cell text.

Steps, each a plain function:
  rules_to_lines      snap nearly-equal positions and join touching segments
  lines_to_tables     group lines that touch each other into separate tables
  table_to_cells      atomic grid cells, merged where no rule separates them
  cells_to_text       the text layer inside each cell, lines joined by "\n"
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from core.records import Cell, PageGrid, Rule
from core.text import clean


@dataclass(frozen=True)
class Line:
    orientation: str
    pos: float
    start: float
    end: float

    def covers(self, a: float, b: float, tol: float) -> bool:
        return self.start - tol <= a and self.end + tol >= b


def _snap(values: list[float], tol: float) -> dict[float, float]:
    """Map each value to the mean of its cluster (clusters: gaps ≤ tol)."""
    out: dict[float, float] = {}
    if not values:
        return out
    vs = sorted(set(values))
    cluster = [vs[0]]
    for v in vs[1:]:
        if v - cluster[-1] <= tol:
            cluster.append(v)
        else:
            mean = sum(cluster) / len(cluster)
            out.update({c: mean for c in cluster})
            cluster = [v]
    mean = sum(cluster) / len(cluster)
    out.update({c: mean for c in cluster})
    return out


def rules_to_lines(rules: list[Rule], snap_tol: float, join_tol: float) -> list[Line]:
    lines: list[Line] = []
    for orient in ("h", "v"):
        rs = [r for r in rules if r.orientation == orient]
        snap = _snap([r.pos for r in rs], snap_tol)
        by_pos: dict[float, list[tuple[float, float]]] = {}
        for r in rs:
            by_pos.setdefault(snap[r.pos], []).append((r.start, r.end))
        for pos, spans in by_pos.items():
            spans.sort()
            s0, e0 = spans[0]
            for s, e in spans[1:]:
                if s <= e0 + join_tol:
                    e0 = max(e0, e)
                else:
                    lines.append(Line(orient, pos, s0, e0))
                    s0, e0 = s, e
            lines.append(Line(orient, pos, s0, e0))
    return lines


def lines_to_tables(lines: list[Line], tol: float, min_rows: int = 1, min_cols: int = 2) -> list[list[Line]]:
    """Connected groups of lines (an h and a v line touch where they cross)."""
    hs = [l for l in lines if l.orientation == "h"]
    vs = [l for l in lines if l.orientation == "v"]
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if h.start - tol <= v.pos <= h.end + tol and v.start - tol <= h.pos <= v.end + tol:
                parent[find(i)] = find(len(hs) + j)
    groups: dict[int, list[Line]] = {}
    for k, line in enumerate(hs + vs):
        groups.setdefault(find(k), []).append(line)
    tables = []
    for g in groups.values():
        n_h = len({l.pos for l in g if l.orientation == "h"})
        n_v = len({l.pos for l in g if l.orientation == "v"})
        if n_h >= min_rows + 1 and n_v >= min_cols + 1:
            tables.append(g)
    tables.sort(key=lambda g: min(l.pos for l in g if l.orientation == "h"))
    return tables


def covered_length(spans: list[tuple[float, float]], lo: float, hi: float) -> float:
    """How much of lo..hi the spans (start, end) cover together, overlaps counted once."""
    covered, reach = 0.0, lo
    for s, e in sorted((max(lo, s), min(hi, e)) for s, e in spans):
        s = max(s, reach)
        if e > s:  # a span outside lo..hi clips to nothing
            covered += e - s
            reach = e
    return covered


RULED_SHARE = 0.7  # of a slot's side drawn by pieces of rule: the side is ruled (a merged cell has none)


def table_to_cells(lines: list[Line], tol: float) -> tuple[list[float], list[float], list[tuple[int, int, int, int]]]:
    """Return column bounds, row bounds and cells as (row, col, row_span, col_span)."""
    xs = sorted({l.pos for l in lines if l.orientation == "v"})
    ys = sorted({l.pos for l in lines if l.orientation == "h"})
    hs = [l for l in lines if l.orientation == "h"]
    vs = [l for l in lines if l.orientation == "v"]
    n_r, n_c = len(ys) - 1, len(xs) - 1

    def ruled(along: list[Line], pos: float, a: float, b: float) -> bool:
        """Is the slot side from a to b ruled? By one line over its middle half, or by the lines on it
        over most of its length (a scanned rule with gaps longer than the join tolerance)."""
        on = [l for l in along if abs(l.pos - pos) <= tol]
        mid_a, mid_b = a + (b - a) * 0.25, b - (b - a) * 0.25
        return any(l.covers(mid_a, mid_b, tol) for l in on) or \
            covered_length([(l.start, l.end) for l in on], a, b) >= RULED_SHARE * (b - a)

    def h_rule_at(y: float, x0: float, x1: float) -> bool:
        return ruled(hs, y, x0, x1)

    def v_rule_at(x: float, y0: float, y1: float) -> bool:
        return ruled(vs, x, y0, y1)

    parent = list(range(n_r * n_c))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # A cell is a rectangle. Slots of a row with no rule between them make a run; a run joins the run
    # below it only when that run spans the same columns and no rule parts them anywhere along it.
    # (Joining slot by slot instead made L-shaped groups, whose bounding boxes overlap other cells,
    # when a scanned rule is lost in part: the same text was then read into two cells.)
    runs: list[list[tuple[int, int]]] = []
    for r in range(n_r):
        row_runs, start = [], 0
        for c in range(n_c):
            if c + 1 < n_c and not v_rule_at(xs[c + 1], ys[r], ys[r + 1]):
                parent[find(r * n_c + c)] = find(r * n_c + c + 1)
                continue
            row_runs.append((start, c))
            start = c + 1
        runs.append(row_runs)
    for r in range(n_r - 1):
        below = set(runs[r + 1])
        for c0, c1 in runs[r]:
            if (c0, c1) in below and not any(h_rule_at(ys[r + 1], xs[c], xs[c + 1]) for c in range(c0, c1 + 1)):
                parent[find(r * n_c + c0)] = find((r + 1) * n_c + c0)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_r):
        for c in range(n_c):
            groups.setdefault(find(r * n_c + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0 = min(r for r, _ in members)
        c0 = min(c for _, c in members)
        r1 = max(r for r, _ in members)
        c1 = max(c for _, c in members)
        cells.append((r0, c0, r1 - r0 + 1, c1 - c0 + 1))
    cells.sort()
    return xs, ys, cells


class TextSource(Protocol):
    """What a reader (text layer or, later, OCR) tells about the text inside a box (x0, top, x1, bottom)."""

    def text(self, box: tuple[float, float, float, float]) -> str:
        """The text inside the box, printed lines separated by "\n"."""

    def lowest_text_bottom(self, box: tuple[float, float, float, float]) -> float | None:
        """The bottom (y, top-origin) of the lowest text inside the box; None when there is none."""


def cells_to_text(source: TextSource, xs, ys, cells, inset: float) -> list[Cell]:
    out = []
    for r, c, rs, cs in cells:
        x0, x1 = xs[c], xs[c + cs]
        top, bottom = ys[r], ys[r + rs]
        raw = source.text((x0 + inset, top + inset, x1 - inset, bottom - inset))
        lines = [clean(s) for s in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
        text = "\n".join(s for s in lines if s)
        out.append(Cell(r, c, rs, cs, (x0, top, x1, bottom), text))
    return out


def cells_to_line_pitch(cells: list[Cell]) -> float:
    """Typical distance between text lines: the tightest height-per-line of multi-line cells."""
    ratios = [(c.bbox[3] - c.bbox[1]) / (c.text.count("\n") + 1) for c in cells if c.text.count("\n") >= 2]
    if not ratios:
        ratios = [(c.bbox[3] - c.bbox[1]) / (c.text.count("\n") + 1) for c in cells if c.text]
    return min(ratios) if ratios else 14.0


# Free space under a cell's last line, in line pitches: below FULL the cell had no room for another
# line (a cut cell is full); above ROOM it clearly had room, so its text was complete. In between
# (a page cut can leave almost a line free) the geometry does not say.
FULL_BELOW_PITCHES = 1.5
ROOM_ABOVE_PITCHES = 2.2


def bottom_cells_fill(source: TextSource, cells: list[Cell], n_rows: int, pitch: float, inset: float) -> list[Cell]:
    """Mark cells on the table's bottom edge: is their text down to the bottom (True), clearly not (False)?"""
    out = []
    for c in cells:
        if c.row + c.row_span == n_rows and c.text:
            x0, top, x1, bottom = c.bbox
            low = source.lowest_text_bottom((x0 + inset, top + inset, x1 - inset, bottom - inset))
            if low is not None:
                gap = bottom - low
                fills = True if gap < FULL_BELOW_PITCHES * pitch else False if gap > ROOM_ABOVE_PITCHES * pitch else None
                c = replace(c, fills_bottom=fills)
        out.append(c)
    return out


def rules_to_grids(page_no: int, width: float, height: float, rules: list[Rule], source: TextSource, settings) -> list[PageGrid]:
    lines = rules_to_lines(rules, settings.snap_tolerance, settings.join_tolerance)
    grids: list[PageGrid] = []
    for table in lines_to_tables(lines, settings.snap_tolerance, min_cols=settings.min_columns):
        xs, ys, cells = table_to_cells(table, settings.snap_tolerance)
        text_cells = cells_to_text(source, xs, ys, cells, settings.cell_inset)
        pitch = cells_to_line_pitch(text_cells)
        text_cells = bottom_cells_fill(source, text_cells, len(ys) - 1, pitch, settings.cell_inset)
        # Bottom of the lowest table above this one (tables side by side do not bound each other).
        above = max((g.ys[-1] for g in grids if g.ys[-1] <= ys[0] and g.xs[0] < xs[-1] and g.xs[-1] > xs[0]),
                    default=0.0)
        caption = grid_caption(source, xs[0], xs[-1], above, ys[0])
        grids.append(PageGrid(page_no, width, height, xs, ys, text_cells, pitch, caption=caption))
    return grids


def grid_caption(source: TextSource, x0: float, x1: float, top: float, bottom: float) -> str:
    """The text between `top` and the table's top edge, over the table's width (its title: "Phụ lục
    II", "BIỂU …", "(Kèm theo …)"). Only text upright in the table's frame: on a page holding text
    at two angles, the other text (notes beside a turned table) runs up or down from here, and a
    caption is read the way its table is. Sources without such text (OCR of a deskewed image) give
    their text as it is."""
    if bottom - top < 2:
        return ""
    read = getattr(source, "upright_text", source.text)
    raw = read((x0, top, x1, bottom - 0.5))
    lines = [clean(s) for s in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(s for s in lines if s)
