"""Stage `repair numbering` (between `locate` and `stitch`): structure from the sequence, not from one reading.

Sections (I, II, III …) and tasks (1, 2, 3 … or 1.1, 1.2 …) are numbered in order. On a scan one
misread numeral ("1" read "I", "III" read "II") used to make a task a section (its text became a
section title, the task was lost) or two sections share a number. Here every numbered Stt cell of
the located page tables, across pages, is decoded as a whole:

  1. Each reading gives candidate numerals, each with a cost: 0 for the numeral read; glyph
     look-alikes ("I" ↔ "1", "H" → "II", a dropped or doubled stroke "II" ↔ "III") cost little,
     other edits more; costs shrink with Tesseract's confidence. A section row has only its title
     (the row's activity, lead or deadline cells carry text: not a section).
  2. A best path (Viterbi) over all numbered rows: a section follows with the next numeral, a task
     with the next number (1 after a section, or going on: both schemes are common; 1.1 → 1.2,
     2 → 2.1 …); a jump (the plan really skips or repeats a number) costs more than a look-alike.
  3. A row whose decoded numeral differs from what was read (or is unsure) is re-read from the page
     image with a numeral-only character set by two models (extractors.ocr.OcrRereader), and the
     path is decoded again with those readings.
  4. Every row that still differs from its reading is repaired: its Stt fragment and is_section
     flag are set from the path, and a NumeralRepair records what was read, what was used, why,
     and how sure (from the cost margin of the path that keeps the reading).

No row is added or removed here. `unplaced_rows` (after stitching) checks that every text of the
page grid reached the output and lists what did not, so nothing is lost silently.
Born-digital pages are never repaired (their text is what is printed); pass `ocr_pages`.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from core.numbering import roman_value, to_roman
from core.records import ACTIVITY_FIELDS, FIELDS, PageGrid, PageRoute, PageTable

# Costs (in "edits"): see the module doc.
LOOKALIKE_COST = 0.4  # a glyph read as its look-alike ("I" ↔ "1", "l" → "1", "O" → "0")
STROKE_COST = 0.6  # a Roman stroke dropped or doubled ("III" ↔ "II")
EDIT_COST = 2.5  # any other character edit: a sure reading of another digit is what is printed
JUMP_COST = 1.5  # the numeral as read, breaking the sequence (the plan skips or repeats)
SECTION_WITH_ACTIVITY_COST = 2.0  # a "section" row whose activity/lead/deadline cells hold text
TASK_LOOKS_LIKE_TITLE_COST = 0.3  # a "task" row with nothing but its Stt and one title cell
REREAD_MARGIN = 3.0  # a row whose reading costs less than this margin to keep is re-read
BEAM = 64  # path states kept per row
MAX_TOKEN = 8  # longer Stt texts are not numerals of the sequence ("a)", "Ghi chú" …)

_LOOKALIKES = {"I": "1", "l": "1", "|": "1", "!": "1", "i": "1", "1": "I", "O": "0", "o": "0", "0": "O",
               "S": "5", "B": "8", "Z": "2", "v": "V", "x": "X"}
_NUMERALISH = re.compile(r"^[0-9IVXLCMlHiOoSBZvx|!.]+$")

Kind = str  # "section" | "task"
Numeral = tuple[Kind, tuple[int, ...]]  # ("section", (3,)) is III; ("task", (1, 2)) is 1.2


def from_roman(s: str) -> int | None:
    """A Roman numeral printed in capitals, exactly ("ii" is no section numeral here)."""
    return roman_value(s) if s == s.upper() and s.strip() == s else None


def numeral_text(num: Numeral) -> str:
    kind, value = num
    return to_roman(value[0]) if kind == "section" else ".".join(str(v) for v in value)


def parse_numeral(text: str) -> Numeral | None:
    """The numeral a Stt text prints exactly ("III", "III.", "4", "4.", "1.2"), or None."""
    core = text.strip().rstrip(".)")
    if (n := from_roman(core)) is not None:
        return ("section", (n,))
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3})*", core):
        return ("task", tuple(int(p) for p in core.split(".")))
    return None


def _edit_cost(a: str, b: str) -> float:
    """Weighted edit distance between a reading and a numeral's text (module doc costs)."""
    prev = [j * EDIT_COST for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        cur = [i * EDIT_COST]
        for j, cb in enumerate(b, 1):
            sub = 0.0 if ca == cb else LOOKALIKE_COST if _LOOKALIKES.get(ca) == cb or _LOOKALIKES.get(cb) == ca \
                else STROKE_COST * 2 if {ca, cb} == {"H", "I"} else EDIT_COST
            dele = STROKE_COST if ca in "IlH|1" else EDIT_COST
            ins = STROKE_COST if cb == "I" else EDIT_COST
            cur.append(min(prev[j - 1] + sub, prev[j] + dele, cur[j - 1] + ins))
        prev = cur
    return prev[-1]


def _core(text: str) -> str:
    return text.strip().rstrip(".)").replace("H", "II")


@dataclass
class _Numbered:
    """One numbered row of the sequence."""
    table: int  # index in the page tables
    row: int  # index in that table's rows
    page_no: int
    read: str  # the Stt text as read
    readings: list[tuple[str, float]]  # (text, confidence 0..100) of every reading (first: the original)
    has_activity: bool  # the row's activity, output, lead, partners or deadline cells hold text
    only_title: bool  # the row holds nothing but its Stt and one title cell
    ocr: bool  # read by OCR: may be repaired
    bbox: tuple[float, float, float, float] | None = None  # the Stt cell, for a re-read


def _emission(obs: _Numbered, num: Numeral) -> float:
    text = numeral_text(num)
    best = math.inf
    for reading, conf in obs.readings:
        w = 0.2 + 0.8 * (conf / 100.0)  # an unsure reading is cheaper to overrule
        best = min(best, _edit_cost(_core(reading), text) * w)
    if not obs.ocr and best > 0:
        best += 100.0  # printed text is what the plan says: never overruled
    if num[0] == "section" and obs.has_activity:
        best += SECTION_WITH_ACTIVITY_COST
    if num[0] == "task" and obs.only_title:
        best += TASK_LOOKS_LIKE_TITLE_COST
    return best


_State = tuple[int, tuple[int, ...], bool]  # (current section, last task number, no task yet in this section)


def _successors(state: _State) -> list[Numeral]:
    sec, task, fresh = state
    out: list[Numeral] = [("section", (sec + 1,))]
    if fresh or not task:
        out.append(("task", (1,)))  # numbering starts again in each section…
    if task:  # …or goes on through the plan
        out.append(("task", task[:-1] + (task[-1] + 1,)))  # 3 → 4, 1.2 → 1.3
        out.append(("task", task + (1,)))  # 2 → 2.1
        out += [("task", task[:k] + (task[k] + 1,)) for k in range(len(task) - 1)]  # 1.3 → 2
    return out


def _as_read(obs: _Numbered) -> list[Numeral]:
    """The numerals the readings print (and their look-alike twin: "I" is also 1, "11" also II)."""
    out = []
    for reading, _ in obs.readings:
        core = _core(reading)
        if not core:
            continue
        for variant in {core, core.translate(str.maketrans("1lI|!", "IIIII")), core.translate(str.maketrans("Il|!", "1111"))}:
            num = parse_numeral(variant)
            if num and num not in out:
                out.append(num)
    return out


def _next_state(state: _State, num: Numeral) -> _State:
    if num[0] == "section":
        return (num[1][0], state[1], True)
    return (state[0], num[1], False)


def decode(rows: list[_Numbered], forced: dict[int, Numeral] | None = None) -> tuple[float, list[Numeral]]:
    """The cheapest numbering of the rows (Viterbi with a beam); `forced` pins rows to a numeral."""
    beams: dict[_State, tuple[float, list[Numeral]]] = {(0, (), True): (0.0, [])}
    for i, obs in enumerate(rows):
        nxt: dict[_State, tuple[float, list[Numeral]]] = {}
        for state, (cost, path) in beams.items():
            options = [(n, 0.0) for n in _successors(state)]
            options += [(n, JUMP_COST) for n in _as_read(obs) if n not in _successors(state)]
            if forced and i in forced:
                options = [(forced[i], 0.0 if forced[i] in _successors(state) else JUMP_COST)]
            for num, step in options:
                c = cost + step + _emission(obs, num)
                s = _next_state(state, num)
                if s not in nxt or c < nxt[s][0]:
                    nxt[s] = (c, path + [num])
        beams = dict(sorted(nxt.items(), key=lambda kv: kv[1][0])[:BEAM])
    return min(beams.values(), key=lambda v: v[0]) if beams else (0.0, [])


@dataclass(frozen=True)
class NumeralRepair:
    """A Stt numeral changed from what was read: the evidence (one row of a `numbering_repairs` table)."""
    page_no: int
    row_top: float  # the row's top on its page (PDF points), with page_no: where it is
    kind: str  # "section" | "task": what the row is now
    read: str  # the Stt text as OCR read it
    rereads: tuple[str, ...]  # constrained re-readings ("eng numerals-only psm7: III" …), empty if none
    used: str  # the numeral now in the Stt cell
    reason: str  # why, in words (the neighbours, the re-read)
    confidence: float  # 0.5 .. 1.0: how much cheaper the repaired path is than keeping the reading
    bbox: tuple[float, float, float, float] | None = None  # the Stt cell (for the cell image in the report)


@dataclass
class NumberingResult:
    tables: list[PageTable]  # the page tables with repaired Stt fragments and is_section flags
    repairs: list[NumeralRepair] = field(default_factory=list)
    doubtful: list[NumeralRepair] = field(default_factory=list)  # kept as read, but re-read differently
    rereads: int = 0  # cells re-read from the image


Reread = Callable[[int, tuple[float, float, float, float]], list]  # (page, bbox) → [Reading(text, conf, how)]


def _grid_cells(grids: Iterable[PageGrid]) -> dict[tuple[int, float, float], tuple[tuple[float, float, float, float], float | None]]:
    """(page, cell top, cell left) → (bbox, confidence) of every grid cell."""
    return {(g.page_no, round(c.bbox[1], 1), round(c.bbox[0], 1)): (c.bbox, c.ocr_conf) for g in grids for c in g.cells}


def table_grid(t: PageTable, grids: Iterable[PageGrid]) -> PageGrid | None:
    """The grid a page table was cut from: same page, its first row's top on the grid's rows."""
    if not t.rows:
        return None
    top = round(t.rows[0].top, 1)
    return next((g for g in grids if g.page_no == t.page_no and top in {round(y, 1) for y in g.ys}), None)


def _stt_left(t: PageTable, grids: list[PageGrid]) -> float | None:
    """Left edge of the table's Stt column."""
    col, g = t.columns.get("stt"), table_grid(t, grids)
    return round(g.xs[col], 1) if g is not None and col is not None and col < g.n_cols else None


def _numbered_rows(tables: list[PageTable], grids: list[PageGrid], ocr_pages: set[int]) -> list[_Numbered]:
    cells = _grid_cells(grids)
    out = []
    for ti, t in enumerate(tables):
        left = _stt_left(t, grids)
        for ri, r in enumerate(t.rows):
            frag = r.fragments.get("stt")
            text = frag.text.strip() if frag else ""
            if not text or len(text) > MAX_TOKEN or not _NUMERALISH.match(text):
                continue
            bbox, conf = cells.get((r.page_no, round(r.top, 1), left), (None, None)) if left is not None else (None, None)
            has_activity = any(r.text(n) for n in ACTIVITY_FIELDS)
            others = [n for n in FIELDS if n != "stt" and r.text(n)]
            out.append(_Numbered(ti, ri, r.page_no, text, [(text, conf if conf is not None else 100.0)],
                                 has_activity, len(others) == 1, r.page_no in ocr_pages, bbox))
    return out


def _describe(rows: list[_Numbered], path: list[Numeral], i: int) -> str:
    before = next((numeral_text(path[j]) for j in range(i - 1, -1, -1) if path[j][0] == path[i][0]), None)
    after = next((numeral_text(path[j]) for j in range(i + 1, len(path)) if path[j][0] == path[i][0]), None)
    where = f"between {path[i][0]}s {before} and {after}" if before and after else \
        f"after {path[i][0]} {before}" if before else f"before {path[i][0]} {after}" if after else "alone"
    return f"{path[i][0]} {numeral_text(path[i])} {where}"


def _differs(obs: _Numbered, num: Numeral, is_section: bool) -> bool:
    return parse_numeral(obs.read) != num or is_section != (num[0] == "section")


def repair_numbering(tables: list[PageTable], grids: list[PageGrid] | None = None, reread: Reread | None = None,
                     ocr_pages: Iterable[int] | None = None) -> NumberingResult:
    """The page tables with their Stt numerals decoded as a sequence (module doc).

    grids: the page grids (for the Stt cells' boxes and OCR confidences; OCR pages are those whose
    grid source is OCR unless `ocr_pages` is given). reread: extractors.ocr.OcrRereader.read_numeral
    or None (no re-reads)."""
    grids = grids or []
    pages = set(ocr_pages) if ocr_pages is not None else {g.page_no for g in grids if g.source == PageRoute.OCR}
    rows = _numbered_rows(tables, grids, pages)
    result = NumberingResult(tables=list(tables))
    if not rows or not any(r.ocr for r in rows):
        return result
    cost, path = decode(rows)
    # Re-read every OCR row the path overrules, and every unsure one (cheap to keep either way).
    rereads: dict[int, list] = {}
    for i, (obs, num) in enumerate(zip(rows, path)):
        row = tables[obs.table].rows[obs.row]
        unsure = obs.readings[0][1] < 80.0
        if obs.ocr and obs.bbox is not None and reread is not None and (_differs(obs, num, row.is_section) or unsure):
            rereads[i] = reread(obs.page_no, obs.bbox)
            result.rereads += 1
            obs.readings += [(r.text, r.conf) for r in rereads[i]]
    if rereads:
        cost, path = decode(rows)
    new_rows = {ti: list(t.rows) for ti, t in enumerate(tables)}
    for i, (obs, num) in enumerate(zip(rows, path)):
        row = tables[obs.table].rows[obs.row]
        again = tuple(f"{r.how}: {r.text} ({r.conf:.0f})" for r in rereads.get(i, []))
        if not _differs(obs, num, row.is_section):
            others = {parse_numeral(r.text) for r in rereads.get(i, [])} - {num, None}
            if others:
                result.doubtful.append(NumeralRepair(obs.page_no, row.top, num[0], obs.read, again, obs.read,
                                                     f"kept: {_describe(rows, path, i)}; a re-read differs", 0.5, obs.bbox))
            continue
        kept = parse_numeral(obs.read) or (("section" if row.is_section else "task"), ())
        alt_cost = decode(rows, {i: kept})[0] if kept[1] else math.inf
        margin = alt_cost - cost
        confidence = round(1.0 / (1.0 + math.exp(-margin)), 3) if math.isfinite(margin) else 1.0
        used = numeral_text(num)
        agreed = [r for r in rereads.get(i, []) if parse_numeral(r.text) == num]
        why = _describe(rows, path, i) + (f"; re-read as {used} by {', '.join(r.how for r in agreed)}" if agreed
                                          else "; repaired from the sequence")
        result.repairs.append(NumeralRepair(obs.page_no, row.top, num[0], obs.read, again, used, why, confidence, obs.bbox))
        frag = row.fragments["stt"]
        dot = "." if obs.read.strip().endswith(".") else ""
        fragments = {**row.fragments, "stt": replace(frag, text=used + dot)}
        is_section = num[0] == "section"
        # the section's numeral and title as the locate stage keeps them (the stitcher reads these)
        title = row.section_title or next((f.text for k, f in row.fragments.items() if k != "stt" and f.text), "")
        new_rows[obs.table][obs.row] = replace(row, fragments=fragments, is_section=is_section,
                                               section_numeral=used + dot if is_section else "",
                                               section_title=title if is_section else "")
    result.tables = [replace(t, rows=new_rows[ti]) for ti, t in enumerate(tables)]
    return result
