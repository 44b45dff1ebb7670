"""Stage `stitch`: page tables → one logical table, with a recorded decision per page break.

Within a page the grid says everything: a cell that spans rows is a merged
cell, shared by those rows. At the top of each page after the first, the first
data row is judged: does it continue the row cut at the bottom of the previous
page, continue only the task text, or start something new? Every signal is kept
as Evidence with a weight (> 0 votes "continues"), so an analyst can ask why.
"""
from __future__ import annotations

import math
from functools import lru_cache

from normalizers.phrases import deadline_is_complete, ends_dangling, ends_sentence
from normalizers.text import is_lower_start
from pipeline.records import (
    ACTIVITY_FIELDS, Evidence, LogicalCell, LogicalRow, LogicalSection, LogicalTask, PageRow, PageTable,
    StitchDecision, StitchedTable,
)

# How strongly an empty cell under a filled one says "this is the rest of the row above":
# a new activity almost always names its activity, lead and deadline; partners are often blank.
EMPTY_BELOW_WEIGHT = {"activity": 1.0, "output": 1.0, "lead": 1.5, "partners": 0.5, "deadline": 1.5}


@lru_cache(maxsize=4096)
def word_joins(left: str, right: str) -> bool:
    """Does underthesea read the last syllable of `left` and the first of `right` as one word?"""
    a, b = left.split()[-1:], right.split()[:1]
    if not a or not b or not a[0].isalpha() or not b[0].isalpha():
        return False
    from underthesea import word_tokenize  # lazy: its model loads in ~0.2 s, needed only at page breaks

    context = " ".join(left.split()[-2:] + right.split()[:2])
    return any(a[0] in tok.split() and b[0] in tok.split() for tok in word_tokenize(context))


def continuation_evidence(above: LogicalRow, first: PageRow, prev: PageTable, lowest_bottom: float, settings) -> list[Evidence]:
    ev: list[Evidence] = []
    joins: list[tuple[str, str, str]] = []  # (field, text above, text below) to check with word segmentation
    for name in ACTIVITY_FIELDS:
        cell = above.cells[name]
        up, down = cell.text(), first.text(name)
        shared = name in above.inherited or sum(1 for r in (above.task.rows if above.task else []) if r.cells.get(name) is cell) > 1
        if not up and not down:
            continue
        if down and not up:
            ev.append(Evidence("fills_empty", name, -1.0, "the cell above is empty, so this text starts a new cell"))
            continue
        if up and not down:
            w = EMPTY_BELOW_WEIGHT[name] * (0.5 if shared else 1.0)
            ev.append(Evidence("empty_below", name, w, f"nothing below '{up[-30:]}'; a new row would fill this cell"))
            continue
        if is_lower_start(down):
            ev.append(Evidence("lowercase_start", name, 1.5, f"'{down[:30]}' starts in lower case"))
        else:
            ev.append(Evidence("capital_start", name, -0.5, f"'{down[:30]}' starts with a capital"))
        if ends_dangling(up):
            ev.append(Evidence("dangling_end", name, 1.0, f"'{up[-30:]}' ends on a word that needs a continuation"))
        elif ends_sentence(up):
            ev.append(Evidence("sentence_end", name, -0.5, f"'{up[-30:]}' ends a sentence"))
        joins.append((name, up, down))
        if name == "deadline":
            if deadline_is_complete(up):
                ev.append(Evidence("deadline_complete", name, -2.0, f"'{up}' is a complete deadline"))
            else:
                ev.append(Evidence("deadline_incomplete", name, 1.5, f"'{up}' is not a complete deadline"))
    # Word segmentation is the costliest signal (underthesea loads a model): ask it only
    # when the cheaper evidence leaves the decision close.
    if settings.use_word_segmentation and abs(sum(e.weight for e in ev)) < settings.word_segmentation_margin:
        for name, up, down in joins:
            if word_joins(up, down):
                ev.append(Evidence("word_joins", name, 1.0, f"'{up.split()[-1]} {down.split()[0]}' is one word"))
    gap = lowest_bottom - prev.table_bottom
    if gap > settings.gap_lines_new_row * prev.line_height:
        ev.append(Evidence("row_ended_early", "", -1.5,
                           f"the table on page {prev.page_no} stops {gap:.0f} pt above the lowest table bottom: its last row was not cut"))
    else:
        ev.append(Evidence("reaches_bottom", "", 0.25, f"the table on page {prev.page_no} runs to the bottom of the page"))
    return ev


def _confidence(score: float) -> float:
    return round(1.0 / (1.0 + math.exp(-abs(score))), 3)


class _Builder:
    """Accumulates the logical table row by row."""

    def __init__(self):
        self.sections: list[LogicalSection] = []
        self.tasks: list[LogicalTask] = []
        self.rows: list[LogicalRow] = []

    @property
    def last_row(self) -> LogicalRow | None:
        return self.rows[-1] if self.rows else None

    @property
    def current_task(self) -> LogicalTask | None:
        return self.tasks[-1] if self.tasks else None

    def add_section(self, prow: PageRow) -> None:
        title = LogicalCell()
        title.add(next((prow.text(n) for n in ("task", *ACTIVITY_FIELDS) if prow.text(n)), ""), prow.page_no)
        self.sections.append(LogicalSection(prow.text("stt"), title, prow.page_no))

    def add_task(self, prow: PageRow) -> LogicalTask:
        stt, text = LogicalCell(), LogicalCell()
        stt.add(prow.text("stt"), prow.page_no)
        text.add(prow.text("task"), prow.page_no)
        task = LogicalTask(self.sections[-1] if self.sections else None, stt, text, prow.page_no)
        self.tasks.append(task)
        return task

    def add_activity(self, prow: PageRow, task: LogicalTask | None, inherit_empty: set[str] = frozenset()) -> LogicalRow:
        above = self.last_row
        cells, inherited = {}, []
        for name in ACTIVITY_FIELDS:
            frag = prow.fragments.get(name)
            if frag is not None and (frag.covered or (name in inherit_empty and not frag.text)) and above is not None:
                cells[name] = above.cells[name]  # the merged cell above is this row's cell too
                inherited.append(name)
            else:
                cells[name] = LogicalCell()
                cells[name].add(frag.text if frag else "", prow.page_no)
        row = LogicalRow(task, cells, inherited, set())
        row.pages.update(p for n in ACTIVITY_FIELDS if n not in inherited for p in cells[n].pages())
        if not row.pages:
            row.pages.add(prow.page_no)
        if task is not None:
            task.rows.append(row)
        self.rows.append(row)
        return row

    def continue_row(self, prow: PageRow) -> None:
        row = self.last_row
        if row.task is not None:
            row.task.stt.add(prow.text("stt"), prow.page_no)
            row.task.text.add(prow.text("task"), prow.page_no)
        for name in ACTIVITY_FIELDS:
            text = prow.text(name)
            if text:
                row.cells[name].add(text, prow.page_no)
                if name not in row.inherited:
                    row.pages.add(prow.page_no)

    def row_within_page(self, prow: PageRow) -> None:
        stt_frag = prow.fragments.get("stt")
        task_frag = prow.fragments.get("task")
        if prow.is_section:
            self.add_section(prow)
        elif prow.text("stt") or (task_frag and task_frag.text and not (stt_frag and stt_frag.covered)):
            self.add_activity(prow, self.add_task(prow))
        else:
            self.add_activity(prow, self.current_task)


def _merge_in_progress(above: LogicalRow, first: PageRow) -> set[str]:
    """Fields of a new row at a page top that are really a merged cell continuing from the page before:
    the empty piece spans several rows here, or the cell above was already shared by several rows."""
    out = set()
    for name in ACTIVITY_FIELDS:
        frag = first.fragments.get(name)
        if frag is None or frag.text:
            continue
        shared = name in above.inherited or (above.task and sum(1 for r in above.task.rows if r.cells[name] is above.cells[name]) > 1)
        if frag.span > 1 or shared:
            out.add(name)
    return out


def page_tables_to_table(tables: list[PageTable], settings) -> StitchedTable:
    b = _Builder()
    decisions: list[StitchDecision] = []
    lowest_bottom = max(t.table_bottom for t in tables)
    for i, table in enumerate(tables):
        for j, prow in enumerate(table.rows):
            if j > 0 or i == 0 or b.last_row is None:
                if j == 0:
                    decisions.append(StitchDecision(table.page_no, "first_page", 0.0, 1.0, []))
                b.row_within_page(prow)
                continue
            decisions.append(_judge_page_top(b, prow, tables[i - 1], lowest_bottom, settings))
    return StitchedTable(b.sections, b.tasks, b.rows, decisions)


def _judge_page_top(b: _Builder, first: PageRow, prev: PageTable, lowest_bottom: float, settings) -> StitchDecision:
    page = first.page_no
    stt = first.text("stt")
    if first.is_section:
        b.add_section(first)
        return StitchDecision(page, "new_section", 0.0, 1.0, [Evidence("stt_present", "stt", 0.0, f"Stt '{stt}' is a section numeral")])
    if stt:
        b.add_activity(first, b.add_task(first))
        return StitchDecision(page, "new_task", 0.0, 1.0, [Evidence("stt_present", "stt", 0.0, f"Stt '{stt}' starts a task")])
    above = b.last_row
    ev = continuation_evidence(above, first, prev, lowest_bottom, settings)
    score = round(sum(e.weight for e in ev), 3)
    if score > settings.threshold:
        b.continue_row(first)
        return StitchDecision(page, "continue_row", score, _confidence(score), ev)
    task = b.current_task
    task_text = first.text("task")
    if task is not None and task_text:
        task.text.add(task_text, page)
        ev.append(Evidence("task_text_continues", "task", 0.0, f"task cell continues with '{task_text[:30]}'"))
        decision = "continue_task"
    else:
        decision = "new_activity"
    carried = _merge_in_progress(above, first)
    for name in sorted(carried):
        ev.append(Evidence("merged_cell_continues", name, 0.0, "empty piece of a merged cell; value taken from above"))
    b.add_activity(first, task, carried)
    return StitchDecision(page, decision, score, _confidence(score), ev)
