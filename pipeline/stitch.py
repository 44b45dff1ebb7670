"""Stage `stitch`: page tables → one logical table, with a recorded decision per page break.

Within a page the grid says everything: a cell that spans rows is a merged
cell, shared by those rows. At the top of each page after the first, the first
data row is judged: does it continue the row cut at the bottom of the previous
page, continue only the task text, or start something new? Every signal is kept
as Evidence with a weight (> 0 votes "continues"), so an analyst can ask why.
"""
from __future__ import annotations

from functools import lru_cache

from core.numbering import SUBTASK, parse_stt
from core.records import (
    ACTIVITY_FIELDS,
    Decision,
    Evidence,
    LogicalCell,
    LogicalRow,
    LogicalSection,
    LogicalTask,
    PageRow,
    PageTable,
    StitchDecision,
    StitchedTable,
)
from core.text import is_lower_start, starts_with_digit
from normalizers.phrases import deadline_is_complete, ends_dangling, ends_sentence
from pipeline.calibration import calibrated_confidence

# How strongly an empty cell under a filled one says "this is the rest of the row above":
# a new activity almost always names its activity, lead and deadline; partners are often blank.
EMPTY_BELOW_WEIGHT = {"task": 1.0, "activity": 1.0, "output": 1.0, "lead": 1.5, "partners": 0.5, "deadline": 1.5}
# Agency lists separate names with ";" or ",": a new name after a page break follows a separator,
# so a capitalised piece under a finished name is a new cell. Prose may go on with a capitalised
# word ("… theo" | "Kế hoạch số 131…"), so there a capital is weaker evidence.
CAPITAL_START_WEIGHT = {"lead": -2.0, "partners": -2.0}
# A new row whose cell goes on with the text of a merged cell from the page before is rarer than a
# new row with new text, so the text must say so clearly (a lower-case start, not just a dangling end).
MERGED_TEXT_MIN_SCORE = 1.0


@lru_cache(maxsize=4096)
def word_joins(left: str, right: str) -> bool:
    """Does underthesea read the last syllable of `left` and the first of `right` as one word?"""
    a = [w.strip(".,;:()") for w in left.split()[-1:]]
    b = [w.strip(".,;:()") for w in right.split()[:1]]
    # The second syllable of a word cut by a line or page break is lower case ("Thường" | "xuyên");
    # a capital starts a name or a new sentence, which segmenters happily glue on ("QPPL Chỉ").
    if not a or not b or not a[0].isalpha() or not b[0].isalpha() or not b[0].islower():
        return False
    from underthesea import word_tokenize  # lazy: its model loads in ~0.2 s, needed only at page breaks

    context = " ".join(left.split()[-2:] + right.split()[:2])
    return any(a[0] in tok.split() and b[0] in tok.split() for tok in word_tokenize(context))


def _field_votes(name: str, up: str, down: str) -> list[Evidence]:
    """Text-only evidence that `down` is the rest of `up` (both non-empty), for one field."""
    ev = []
    dangling = ends_dangling(up)
    if is_lower_start(down):
        ev.append(Evidence("lowercase_start", "", 1.5, f"'{down[:30]}' starts in lower case"))
    elif starts_with_digit(down):
        pass  # "giai đoạn" | "2021-2025": numbers go on a phrase as often as they start one
    else:
        w = -0.5 if dangling else CAPITAL_START_WEIGHT.get(name, -0.5)
        ev.append(Evidence("capital_start", "", w, f"'{down[:30]}' starts with a capital"))
    if name == "deadline":
        if deadline_is_complete(up):
            if not is_lower_start(down):  # "Quý II/2022" | "và thường xuyên" can still go on
                ev.append(Evidence("deadline_complete", "", -3.0, f"'{up}' is a complete deadline"))
        else:
            ev.append(Evidence("deadline_incomplete", "", 1.5, f"'{up}' is not a complete deadline"))
    if dangling:
        ev.append(Evidence("dangling_end", "", 1.0, f"'{up[-30:]}' ends on a word that needs a continuation"))
    elif ends_sentence(up):
        ev.append(Evidence("sentence_end", "", -0.5, f"'{up[-30:]}' ends a sentence"))
    return ev


def _is_shared(row: LogicalRow, name: str) -> bool:
    """Is this row's cell a merged cell shared with other rows?"""
    cell = row.cells[name]
    return name in row.inherited or (row.task is not None and sum(r.cells[name] is cell for r in row.task.rows) > 1)


def row_was_stretched(last: PageRow) -> bool:
    """No cell of the page's last row has text down to the row's bottom: the row was drawn taller
    than its text, which Word does to a row cut by a page break (it fills the page)."""
    fills = [f.fills_bottom for f in last.fragments.values() if f.fills_bottom is not None]
    return bool(fills) and not any(fills)


def _evidence_fields(table: PageTable) -> tuple[str, ...]:
    """The fields whose pieces are weighed at a page top; without an activity column a task is one
    row, so its task text is one of the row's own cells."""
    return ACTIVITY_FIELDS if "activity" in table.columns else ("task", *ACTIVITY_FIELDS)


def _up_text(above: LogicalRow, name: str) -> str:
    if name == "task":
        return above.task.text.text() if above.task is not None else ""
    return above.cells[name].text()


def continuation_evidence(above: LogicalRow, first: PageRow, prev: PageTable, lowest_bottom: float, settings) -> list[Evidence]:
    ev: list[Evidence] = []
    last = prev.rows[-1]
    stretched = row_was_stretched(last)
    joins: list[tuple[str, str, str]] = []  # (field, text above, text below) to check with word segmentation
    fields = _evidence_fields(prev)
    for name in fields:
        up, down = _up_text(above, name), first.text(name)
        if not up and not down:
            continue
        if down and not up:
            ev.append(Evidence("fills_empty", name, -1.0, "the cell above is empty, so this text starts a new cell"))
            continue
        if up and not down:
            # Below a cell already shared by several rows, an empty piece may just be more of the merge.
            w = EMPTY_BELOW_WEIGHT[name] * (0.5 if name != "task" and _is_shared(above, name) else 1.0)
            ev.append(Evidence("empty_below", name, w, f"nothing below '{up[-30:]}'; a new row would fill this cell"))
            continue
        ev.extend(Evidence(e.signal, name, e.weight, e.detail) for e in _field_votes(name, up, down))
        fills = last.fragments[name].fills_bottom if name in last.fragments else None
        if fills is False and not stretched:
            ev.append(Evidence("room_left_above", name, -6.0, f"the cell above ends with room for more lines, "
                               f"so its text was complete and '{down[:20]}' is new"))
        joins.append((name, up, down))
    pieces = [first.text(n) for n in fields if first.text(n) and _up_text(above, n)]
    if len(pieces) >= 2 and not any(is_lower_start(p) or starts_with_digit(p) for p in pieces):
        # Running Vietnamese is mostly lower case: when every piece opens with a capital, they open new cells.
        ev.append(Evidence("all_capital_starts", "", -1.5, f"all {len(pieces)} pieces start with a capital"))
    # Word segmentation is the costliest signal (underthesea loads a model): ask it only
    # when the cheaper evidence leaves the decision close.
    if settings.use_word_segmentation and abs(sum(e.weight for e in ev)) < settings.word_segmentation_margin:
        for name, up, down in joins:
            if word_joins(up, down):
                ev.append(Evidence("word_joins", name, 1.0, f"'{up.split()[-1]} {down.split()[0]}' is one word"))
    if stretched:
        ev.append(Evidence("row_stretched", "", 2.0, f"the last row on page {prev.page_no} is taller than its text: "
                           "a row cut by a page break is drawn down to the page bottom"))
    gap = lowest_bottom - prev.table_bottom
    if gap > settings.gap_lines_new_row * prev.line_height:
        ev.append(Evidence("row_ended_early", "", -1.5,
                           f"the table on page {prev.page_no} stops {gap:.0f} pt above the lowest table bottom: its last row was not cut"))
    else:
        ev.append(Evidence("reaches_bottom", "", 0.25, f"the table on page {prev.page_no} runs to the bottom of the page"))
    return ev


def _confidence(score: float, threshold: float) -> float:
    """P(the decision at this score is right), calibrated on the factory's random plans (pipeline/calibration.py)."""
    return calibrated_confidence(score, threshold)


class _Builder:
    """Accumulates the logical table row by row (one task table: its number, title and extra columns)."""

    def __init__(self, table_no: int = 1, extras: tuple[str, ...] = ()):
        self.table_no = table_no
        self.extras = extras  # extra column keys: cells kept like activity cells, never weighed as evidence
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
        text = prow.section_title or next((prow.text(n) for n in ("task", *ACTIVITY_FIELDS) if prow.text(n)), "")
        title.add(text, prow.page_no)
        # Rows marked by the locate stage carry their numeral ("" for an unnumbered row); others print it in Stt.
        numeral = prow.section_numeral if (prow.section_numeral or prow.section_title) else prow.text("stt")
        # "I. CẢI CÁCH THỂ CHẾ" in one cell: the numeral and the title are read from it, the cell is kept as printed.
        printed = next((t for k in prow.fragments if (t := prow.text(k)) and t != text and text and t.endswith(text)), "")
        self.sections.append(LogicalSection(numeral, title, prow.page_no, self.table_no, printed))

    def add_task(self, prow: PageRow) -> LogicalTask:
        stt, text = LogicalCell(), LogicalCell()
        stt.add(prow.text("stt"), prow.page_no)
        text.add(prow.text("task"), prow.page_no)
        section = self.sections[-1] if self.sections else None
        parent = None
        number = parse_stt(prow.text("stt"))
        if number is not None and number.level == SUBTASK:
            # A sub-task ("1.1", "a)") belongs to the last top-level task of its section.
            parent = next((t for t in reversed(self.tasks) if t.parent is None and t.section is section), None)
        task = LogicalTask(section, stt, text, prow.page_no, table_no=self.table_no, parent=parent)
        self.tasks.append(task)
        return task

    def add_activity(self, prow: PageRow, task: LogicalTask | None, shared: frozenset[str] | set[str] = frozenset()) -> LogicalRow:
        above = self.last_row
        cells: dict[str, LogicalCell] = {}
        extra: dict[str, LogicalCell] = {}
        inherited: list[str] = []
        for name in (*ACTIVITY_FIELDS, *self.extras):
            frag = prow.fragments.get(name)
            if frag is not None and (frag.covered or name in shared) and above is not None:
                cell = above.cells[name] if name in above.cells else above.extra.get(name, LogicalCell())
                if name in ACTIVITY_FIELDS:
                    inherited.append(name)  # the merged cell above is this row's cell too
            else:
                cell = LogicalCell()
                cell.add(frag.text if frag else "", prow.page_no)
            (cells if name in ACTIVITY_FIELDS else extra)[name] = cell
        row = LogicalRow(task, cells, inherited, prow.page_no, extra)
        if task is not None:
            task.rows.append(row)
        self.rows.append(row)
        return row

    def continue_row(self, prow: PageRow) -> None:
        row = self.last_row
        assert row is not None, "a page top continues a row only when there is one"
        if row.task is not None:
            row.task.stt.add(prow.text("stt"), prow.page_no)
            row.task.text.add(prow.text("task"), prow.page_no)
        for name in ACTIVITY_FIELDS:
            row.cells[name].add(prow.text(name), prow.page_no)
        for name in self.extras:
            row.extra.setdefault(name, LogicalCell()).add(prow.text(name), prow.page_no)

    def row_within_page(self, prow: PageRow) -> None:
        stt_frag = prow.fragments.get("stt")
        task_frag = prow.fragments.get("task")
        if prow.is_section:
            self.add_section(prow)
        elif prow.text("stt") or (task_frag and task_frag.text and not (stt_frag and stt_frag.covered)):
            self.add_activity(prow, self.add_task(prow))
        else:
            self.add_activity(prow, self.current_task)


def _merged_cells_at_top(above: LogicalRow, first: PageRow, last: PageRow) -> tuple[set[str], set[str], list[Evidence]]:
    """For a new row at a page top: which fields are pieces of a merged cell from the page before?

    Returns (fields whose empty piece continues the cell above, fields whose text continues it, evidence).
    A page break hides the merge: the grid cannot show a cell spanning pages. An empty cell under a
    filled one in the same task is read as the merged cell's empty remainder (within a page, an empty
    cell below a filled one in a task is always drawn as a merge in these plans); a non-empty piece
    continues the cell above when the text says so (lower-case start, a dangling end above).
    """
    empty, text, ev = set(), set(), []
    for name in ACTIVITY_FIELDS:
        frag = first.fragments.get(name)
        up = above.cells[name].text()
        if frag is None or not up:
            continue
        if not frag.text:
            empty.add(name)
            ev.append(Evidence("merged_cell_continues", name, 0.0,
                               "empty piece under a filled cell of the same task: value taken from above"))
            continue
        votes = _field_votes(name, up, frag.text)
        # The merged cell's text flowed on to this page only if it filled its part of the page before.
        full_above = bool(last.fragments[name].fills_bottom) or row_was_stretched(last)
        if sum(e.weight for e in votes) >= MERGED_TEXT_MIN_SCORE and full_above:
            text.add(name)
            ev.append(Evidence("merged_text_continues", name, 0.0,
                               "; ".join(e.detail for e in votes) + ": the merged cell above continues here"))
    return empty, text, ev


def page_tables_to_table(tables: list[PageTable], settings) -> StitchedTable:
    """Each task table (PageTable.table_no) is stitched on its own; the results follow each other."""
    out = StitchedTable([], [], [], [], list(tables))
    groups: list[list[PageTable]] = []
    for t in tables:
        if groups and groups[-1][-1].table_no == t.table_no:
            groups[-1].append(t)
        else:
            groups.append([t])
    for group in groups:
        part = _stitch_one(group, settings)
        out.sections += part.sections
        out.tasks += part.tasks
        out.rows += part.rows
        out.decisions += part.decisions
    return out


def _stitch_one(tables: list[PageTable], settings) -> StitchedTable:
    extras = tuple(dict.fromkeys(k for t in tables for k in t.extra_labels))
    b = _Builder(tables[0].table_no, extras)
    decisions: list[StitchDecision] = []
    lowest_bottom = max(t.table_bottom for t in tables)
    for i, table in enumerate(tables):
        for j, prow in enumerate(table.rows):
            if j > 0 or i == 0 or b.last_row is None:
                if j == 0:
                    decisions.append(StitchDecision(table.page_no, Decision.FIRST_PAGE, 0.0, 1.0, [], table.table_no))
                b.row_within_page(prow)
                continue
            d = _judge_page_top(b, prow, tables[i - 1], lowest_bottom, settings)
            d.table_no = table.table_no
            decisions.append(d)
    return StitchedTable(b.sections, b.tasks, b.rows, decisions)


def _task_continues(task: LogicalTask, first: PageRow, last: PageRow) -> list[Evidence]:
    up, down = task.text.text(), first.text("task")
    votes = [Evidence(e.signal, "task", e.weight, e.detail) for e in _field_votes("task", up, down)]
    frag = last.fragments.get("task")
    # The tallest cell of a row always reaches the row's bottom, so only room left says something.
    if frag is not None and frag.fills_bottom is False:
        votes.append(Evidence("task_cell_room", "task", -3.0, "the task cell above ends with room for more lines"))
    return votes


def _judge_page_top(b: _Builder, first: PageRow, prev: PageTable, lowest_bottom: float, settings) -> StitchDecision:
    page = first.page_no
    stt = first.text("stt")
    if first.is_section:
        b.add_section(first)
        return StitchDecision(page, Decision.NEW_SECTION, 0.0, 1.0,
                              [Evidence("stt_present", "stt", 0.0, f"Stt '{stt}' is a section numeral")])
    if stt:
        b.add_activity(first, b.add_task(first))
        return StitchDecision(page, Decision.NEW_TASK, 0.0, 1.0, [Evidence("stt_present", "stt", 0.0, f"Stt '{stt}' starts a task")])
    above = b.last_row
    assert above is not None, "the first page's rows come first"
    ev = continuation_evidence(above, first, prev, lowest_bottom, settings)
    score = round(sum(e.weight for e in ev), 3)
    if score > settings.threshold:
        b.continue_row(first)
        return StitchDecision(page, Decision.CONTINUE_ROW, score, _confidence(score, settings.threshold), ev)
    if "activity" not in prev.columns and first.text("task"):
        # No activity column: a row with task text that does not go on from the row above is a task.
        b.add_activity(first, b.add_task(first))
        return StitchDecision(page, Decision.NEW_TASK, score, _confidence(score, settings.threshold), ev)
    task = b.current_task
    task_text = first.text("task")
    if task is not None and task_text and "stt" not in prev.columns:
        # No Stt column to say that a task starts: the task cell's own text and geometry decide whether
        # this piece goes on with the task above (a merged task cell cut by the break) or opens a new task.
        votes = _task_continues(task, first, prev.rows[-1])
        ev.extend(votes)
        if sum(e.weight for e in votes) < MERGED_TEXT_MIN_SCORE:
            b.add_activity(first, b.add_task(first))
            return StitchDecision(page, Decision.NEW_TASK, score, _confidence(score, settings.threshold), ev)
    if task is not None and task_text:
        task.text.add(task_text, page)
        ev.append(Evidence("task_text_continues", "task", 0.0, f"task cell continues with '{task_text[:30]}'"))
        decision = Decision.CONTINUE_TASK
    else:
        decision = Decision.NEW_ACTIVITY
    empty, continued, merge_ev = _merged_cells_at_top(above, first, prev.rows[-1]) if above.task is task else (set(), set(), [])
    ev.extend(merge_ev)
    for name in continued:
        above.cells[name].add(first.text(name), page)
    b.add_activity(first, task, empty | continued)
    return StitchDecision(page, decision, score, _confidence(score, settings.threshold), ev)
