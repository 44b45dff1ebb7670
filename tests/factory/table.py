"""The logical appendix table of a PlanSpec: its rows in print order, and the printed cells.

Logical rows are numbered the same way everywhere (section row, then one row per activity
of each task, in order); PhysRow.ref points into this numbering.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .fonts import font_name, wrap
from .geometry import PageGeometry
from .spec import FIELDS, PlanSpec

COL = {f: i for i, f in enumerate(FIELDS)}


def norm(text: str) -> str:
    """NFC, whitespace collapsed: the form of every text the factory prints or reports."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class RowRef:
    kind: str  # "section" | "activity"
    s: int  # section index
    t: int = -1  # task index within the section
    a: int = -1  # activity index within the task


def logical_rows(spec: PlanSpec) -> list[RowRef]:
    rows = []
    for s, sec in enumerate(spec.sections):
        rows.append(RowRef("section", s))
        for t, task in enumerate(sec.tasks):
            rows += [RowRef("activity", s, t, a) for a in range(len(task.activities))]
    return rows


def owner(spec: PlanSpec, ref: RowRef, name: str) -> int:
    """Index of the activity whose cell the field `name` of `ref` prints in (merges go up)."""
    acts = spec.sections[ref.s].tasks[ref.t].activities
    a = ref.a
    while a > 0 and name in acts[a].merged_with_above:
        a -= 1
    return a


def section_cells(numeral: str, title: str, n_cols: int = len(FIELDS)) -> tuple[str, ...]:
    return (numeral, title) + ("",) * (n_cols - 2)


def col_index(spec: PlanSpec) -> dict[str, int]:
    return {f: i for i, f in enumerate(spec.columns)}


def section_texts(spec: PlanSpec, numeral: str, title: str) -> tuple[str, ...]:
    """What a section row prints in each column: with an Stt column, the numeral there (style "stt")
    or at the start of the title (style "title"); without one, "I. Title" in one cell across the table."""
    n = len(spec.columns)
    opening = f"{numeral}. {title}" if numeral and not numeral.endswith(".") else f"{numeral} {title}".strip()
    if "stt" not in spec.columns:
        return (opening,) + ("",) * (n - 1)
    if spec.section_style == "title":
        return section_cells("", opening, n)
    return section_cells(numeral, title, n)


@dataclass
class Group:
    """One printed cell of the whole table: column col, logical rows first..last (merged)."""
    col: int
    first: int
    last: int
    lines: list[str]  # wrapped at the cell's width


@dataclass
class Table:
    refs: list[RowRef]
    groups: list[Group]
    cover: list[dict[int, int]]  # per logical row: column -> index of the group printed there
    texts: list[tuple[str, ...]]  # per logical row: section rows' printed texts (unused for activities)


def build_table(spec: PlanSpec, geo: PageGeometry) -> Table:
    """Cells of the table with their wrapped lines; merges follow Activity.merged_with_above,
    and the Stt and task cells are merged over all rows of their task."""
    cols = tuple(spec.columns)
    col = col_index(spec)
    full = geo.widths_for(cols)
    widths = [full[f] - 2 * geo.pad_x for f in cols]
    regular, bold = font_name(), font_name(bold=True)
    has_stt = "stt" in col
    first_text = 1 if has_stt else 0  # a section title starts right of the Stt column
    refs = logical_rows(spec)
    groups: list[Group] = []
    cover: list[dict[int, int]] = [{} for _ in refs]
    texts: list[tuple[str, ...]] = [()] * len(refs)

    def new(col: int, r: int, last: int, text: str, width: float, font: str) -> int:
        groups.append(Group(col, r, last, wrap(norm(text), width, font, geo.font_size)))
        return len(groups) - 1

    r = 0
    for sec in spec.sections:
        texts[r] = section_texts(spec, sec.numeral, norm(sec.title))
        if has_stt:
            cover[r][0] = new(0, r, r, texts[r][0], widths[0], bold)
        if spec.section_row_span or not has_stt:
            span = sum(full[f] for f in cols[first_text:]) - 2 * geo.pad_x
            cover[r][first_text] = new(first_text, r, r, texts[r][first_text], span, bold)
        else:
            cover[r][1] = new(1, r, r, texts[r][1], widths[1], bold)
            for c in range(2, len(cols)):
                cover[r][c] = new(c, r, r, "", widths[c], bold)
        r += 1
        for task in sec.tasks:
            last = r + len(task.activities) - 1
            stt = new(col["stt"], r, last, task.printed_no, widths[col["stt"]], regular) if has_stt else -1
            txt = new(col["task"], r, last, task.text, widths[col["task"]], regular)
            for a, act in enumerate(task.activities):
                if has_stt:
                    cover[r][col["stt"]] = stt
                cover[r][col["task"]] = txt
                for name in cols:
                    if name in ("stt", "task"):
                        continue
                    c = col[name]
                    if a > 0 and name in act.merged_with_above:
                        g = cover[r - 1][c]
                        groups[g].last = r
                        cover[r][c] = g
                    else:
                        cover[r][c] = new(c, r, r, act.value(name), widths[c], regular)
                r += 1
    return Table(refs, groups, cover, texts)
