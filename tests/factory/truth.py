"""Ground truth from a PlanSpec and the appendix pages it was printed on."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from .pages import AppendixPage
from .spec import ACTIVITY_FIELDS, FIELDS, PlanSpec, Truth, TruthActivity, TruthBreak
from .table import COL, RowRef, col_index, logical_rows, norm, owner

col_fields = frozenset(FIELDS)


def build_truth(spec: PlanSpec, pages: list[AppendixPage], first_page: int, page_count: int) -> Truth:
    """first_page: 1-based PDF page number of pages[0].

    page_start/page_end of an activity are the first and last pages where one of its OWN
    cells prints a piece of text: the task cell never counts, and a vertically merged cell
    is owned by the row where the merge starts, so a piece of it printed beside a later row
    (e.g. its text continuing at the top of the next page) counts for the owner, not for
    the rows that inherit it. A row with no text at all falls back to the pages its
    physical row pieces are on.
    """
    refs = logical_rows(spec)
    col = col_index(spec)
    text_pages: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    row_pages: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    for k, page in enumerate(pages):
        pno = first_page + k
        for row in page.rows:
            if row.section or row.ref is None:
                continue
            ref = refs[row.ref]
            row_pages[ref.s, ref.t, ref.a].add(pno)
            for name in ACTIVITY_FIELDS:
                if name in col and name not in row.covered and row.cells[col[name]].strip():
                    text_pages[ref.s, ref.t, owner(spec, ref, name)].add(pno)

    activities = []
    for ref in refs:
        if ref.kind != "activity":
            continue
        sec = spec.sections[ref.s]
        task = sec.tasks[ref.t]
        values: dict[str, Any] = {}  # column → printed text (keyword arguments of TruthActivity)
        inherited = []
        for name in ACTIVITY_FIELDS:
            if name not in col:
                values[f"{name}_text"] = ""  # not printed
                continue
            src = owner(spec, ref, name)
            values[f"{name}_text"] = norm(task.activities[src].value(name))
            if src != ref.a:
                inherited.append(f"{name}_text")
        extra = tuple((norm(spec.header[c]), norm(task.activities[ref.a].value(c)))
                      for c in spec.columns if c not in col_fields)
        key = (ref.s, ref.t, ref.a)
        on = sorted(text_pages[key] or row_pages[key])
        activities.append(TruthActivity(
            section_no=sec.numeral, section_title=norm(sec.title), task_no=task.no,
            task_text=norm(task.text), activity_seq=ref.a + 1, page_start=on[0], page_end=on[-1],
            inherited=tuple(inherited), **values, stt_text=task.printed_no, extra=extra))

    breaks = [TruthBreak(first_page + k, page_decision(page, refs, col["task"])) for k, page in enumerate(pages) if k]
    return Truth(page_count, list(range(first_page, first_page + len(pages))), activities, breaks)


def page_decision(page: AppendixPage, refs: list[RowRef], task_col: int = COL["task"]) -> str:
    """What the first data row of an appendix page (not the first one) is."""
    top = page.rows[0]
    if top.continued:
        return "continue_row"  # even when only the task cell has text in it
    if top.section:
        return "new_section"
    assert top.ref is not None, "a data row always points at its logical row"
    ref = refs[top.ref]
    if ref.a == 0:
        return "new_task"
    return "continue_task" if top.cells[task_col].strip() else "new_activity"
