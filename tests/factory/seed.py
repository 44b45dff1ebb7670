"""The seed: a text rendering of a real plan (Hưng Yên 2022, no. 196/KH-UBND), re-rendered
with its ORIGINAL appendix page breaks.

The seed file is markdown for the body, then "**Phụ lục**", two more title lines and the
appendix table: tab-separated, one block per original physical page, each block starting
with the header line "Stt\tNhiệm vụ\t..." and the column-number row "\t1\t2...". Section rows
and some number rows carry <b>/<i> tags. The logical table is derived from these blocks
and the page-top decisions below; nothing of it is copied by hand.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from .geometry import PageGeometry
from .pages import AppendixPage, PhysRow, TableStyle, fits
from .render import render_explicit
from .spec import ACTIVITY_FIELDS, FIELDS, Activity, BodyBlock, PlanSpec, Section, Task, Truth
from .table import norm, section_cells
from .truth import build_truth

REPO_ROOT = Path(__file__).resolve().parents[2]
# A copy of the reference plan's text rendering, kept in the repository so a fresh clone needs nothing beside it.
SEED_FILE = REPO_ROOT / "tests" / "fixtures" / "hung-yen-2022-196-kh-ubnd.seed.txt"

# Page-top decisions, read by a person from the original document. Key: appendix page k
# (0-based, in block order); value: what the first data row of that page is. Every other
# k >= 1 is "continue_row" (the row split by the page break goes on).
SEED_DECISIONS = {
    1: "continue_task",  # "trong quá trình xây dựng ..." ends task I.3; its 2nd activity starts beside it
    10: "new_activity",  # task III.1's 2nd activity ("Sắp xếp tổ chức bộ máy ...") opens the page
    15: "new_task",  # task V.2 opens the page
    21: "new_task",  # task VII.2 opens the page
}
# Font sizes tried for the table, largest first: the largest at which every original
# page still fits on one landscape page is used.
SEED_FONT_SIZES = (12.0, 11.5, 11.0, 10.5, 10.0, 9.5, 9.0)

_TAG = re.compile(r"</?[a-z]+>")
_ROMAN = re.compile(r"^[IVXLC]+$")
_ITEM = re.compile(r"^[a-zđ]\) ")  # "a) ...", "đ) ...": a new point, not a cut paragraph


def default_seed_path() -> Path:
    """$PLAN_SEED, else the fixture in tests/fixtures."""
    env = os.environ.get("PLAN_SEED")
    return Path(env) if env else SEED_FILE


def seed_decision(k: int) -> str:
    return SEED_DECISIONS.get(k, "continue_row")


# ---- parsing -------------------------------------------------------------------------

def _clean(text: str) -> str:
    text = re.sub(r"<sup>.*?</sup>", "", text)  # superscript initials of the typist
    return norm(_TAG.sub("", text).replace("**", "").replace("*", ""))


def split_seed(text: str) -> tuple[list[str], list[str], list[str]]:
    """(body markdown lines, appendix title lines, table lines)."""
    lines = text.split("\n")
    at = next(i for i, ln in enumerate(lines) if ln.strip().startswith("**Phụ lục**"))
    table_at = next(i for i in range(at, len(lines)) if lines[i].startswith("Stt\t"))
    title = [_clean(ln) for ln in lines[at:table_at] if ln.strip()]
    return lines[:at], title, lines[table_at:]


def parse_blocks(table_lines: list[str]) -> tuple[dict[str, str], list[list[tuple[str, ...]]]]:
    """Header labels and, per original page, its data rows (7 cleaned cells each)."""
    header: dict[str, str] = {}
    blocks: list[list[tuple[str, ...]]] = []
    for line in table_lines:
        if not line.strip():
            continue
        parts = [_clean(c) for c in line.split("\t")]
        cells = tuple((parts + [""] * len(FIELDS))[:len(FIELDS)])
        if line.startswith("Stt\t"):
            header = header or dict(zip(FIELDS, cells))
            blocks.append([])
        elif not blocks[-1] and cells == ("",) + tuple(str(i) for i in range(1, len(FIELDS))):
            continue  # the column-number row
        else:
            blocks[-1].append(cells)
    return header, blocks


def parse_seed_blocks(path: str | Path) -> list[list[tuple[str, ...]]]:
    """The appendix page blocks as printed (data rows only, tags stripped)."""
    _, _, table = split_seed(Path(path).read_text(encoding="utf-8"))
    return parse_blocks(table)[1]


def parse_body(lines: list[str]) -> list[BodyBlock]:
    blocks = [BodyBlock("national_header", "")]
    signature: list[str] = []
    gap = False
    for raw in lines:
        line = raw.strip().replace("\xa0", " ").strip()
        if not line:
            gap = True
            continue
        text = _clean(line)
        if line.startswith("#"):
            text = _clean(line.lstrip("#"))
            # The two headings before any paragraph are the document title.
            is_title = all(b.kind in ("national_header", "title") for b in blocks)
            blocks.append(BodyBlock("title" if is_title else "heading", text))
        elif line.startswith("- "):
            blocks.append(BodyBlock("item", text[2:].strip()))
        elif line.startswith("**") and line.rstrip().endswith("**") and blocks[-1].kind in ("item", "signature"):
            # Bold lines after the distribution list: the signature block.
            if blocks[-1].kind == "item":
                blocks.append(BodyBlock("signature", ""))
            elif gap:
                signature += ["", ""]  # room for the signature itself
            signature.append(text)
            blocks[-1] = BodyBlock("signature", "\n".join(signature))
        elif blocks[-1].kind == "para" and text[:1].islower() and not _ITEM.match(text):
            # A paragraph the original page break cut in two.
            blocks[-1] = BodyBlock("para", f"{blocks[-1].text} {text}")
        else:
            blocks.append(BodyBlock("para", text))
        gap = False
    return blocks


# ---- the logical table from the page blocks -------------------------------------------

@dataclass
class _Act:
    parts: dict[str, list[str]] = field(default_factory=lambda: {f: [] for f in ACTIVITY_FIELDS})
    merged: list[str] = field(default_factory=list)


@dataclass
class _Task:
    no: int
    parts: list[str]
    acts: list[_Act] = field(default_factory=list)


@dataclass
class _Sec:
    numeral: str
    title: str
    tasks: list[_Task] = field(default_factory=list)


def _owner(task: _Task, a: int, name: str) -> _Act:
    while a > 0 and name in task.acts[a].merged:
        a -= 1
    return task.acts[a]


def build_seed_table(blocks: list[list[tuple[str, ...]]]) -> tuple[list[Section], list[AppendixPage]]:
    """Read the blocks with the page-top decisions into sections and explicit pages.

    Inside a task, an EMPTY activity cell in a row that does not continue a split row is
    the lower part of a vertically merged cell (the value is the one above), but only if
    the task has a row above: in a task's first row an empty cell is really empty.
    """
    secs: list[_Sec] = []
    pages: list[AppendixPage] = []
    n_rows = 0  # logical rows so far (PhysRow.ref numbering: sections and activities)
    for k, block in enumerate(blocks):
        rows: list[PhysRow] = []
        prev_task: _Task | None = None  # task of the previous physical row on this page
        for i, cells in enumerate(block):
            stt, task_text, *act_cells = cells
            decision = seed_decision(k) if (k and i == 0) else None
            if decision == "continue_row":
                if stt:
                    raise ValueError(f"page {k}: continued row has Stt {stt!r}")
                task = secs[-1].tasks[-1]
                if task_text:
                    task.parts.append(task_text)
                for name, value in zip(ACTIVITY_FIELDS, act_cells):
                    if value:
                        _owner(task, len(task.acts) - 1, name).parts[name].append(value)
                rows.append(PhysRow(cells, ref=n_rows - 1, continued=True))
                prev_task = task
                continue
            if stt and _ROMAN.match(stt) and not any(act_cells):
                secs.append(_Sec(stt, task_text))
                rows.append(PhysRow(section_cells(stt, task_text), section=True, ref=n_rows))
                n_rows += 1
                prev_task = None
                continue
            if stt:
                task = _Task(int(stt), [task_text])
                secs[-1].tasks.append(task)
            else:
                task = secs[-1].tasks[-1]
                if decision not in (None, "continue_task", "new_activity"):
                    raise ValueError(f"page {k}: row without Stt cannot be {decision}")
                if task_text:
                    if decision != "continue_task":
                        raise ValueError(f"page {k} row {i}: task text {task_text!r} in a task's later row")
                    task.parts.append(task_text)
            act = _Act()
            for name, value in zip(ACTIVITY_FIELDS, act_cells):
                if value or not task.acts:
                    act.parts[name].append(value)
                else:
                    act.merged.append(name)
            task.acts.append(act)
            covered = set()
            if prev_task is task:  # merged cells only cover rows on the same page
                covered = {"stt", "task", *act.merged}
            rows.append(PhysRow(cells, frozenset(covered), ref=n_rows))
            n_rows += 1
            prev_task = task
        pages.append(AppendixPage(rows))
    for k, page in enumerate(pages):
        page.fill_last = k + 1 < len(pages) and seed_decision(k + 1) == "continue_row"
    return [_section(s) for s in secs], pages


def _section(sec: _Sec) -> Section:
    tasks = []
    for t in sec.tasks:
        acts = []
        for a, act in enumerate(t.acts):
            values: dict[str, Any] = {name: norm(" ".join(_owner(t, a, name).parts[name])) for name in ACTIVITY_FIELDS}
            acts.append(Activity(**values, merged_with_above=tuple(act.merged)))
        tasks.append(Task(t.no, norm(" ".join(t.parts)), acts))
    return Section(sec.numeral, sec.title, tasks)


# ---- public API ------------------------------------------------------------------------

class SeedPlan(NamedTuple):
    spec: PlanSpec
    pages: list[AppendixPage]
    # (first appendix PDF page, PDF page count) -> Truth
    truth: Callable[[int, int], Truth]


_REF = re.compile(r"số\s*(\d+)\s*/\s*(\S+)\s+ngày\s*(\d+)\s*/\s*(\d+)\s*/\s*(\d{4})\s+của UBND tỉnh\s+(.+?)\)?$")


def load_seed(path: str | Path | None = None) -> SeedPlan:
    body_lines, title, table = split_seed(Path(path or default_seed_path()).read_text(encoding="utf-8"))
    header, blocks = parse_blocks(table)
    sections, pages = build_seed_table(blocks)
    pages[0].title = title
    # Number, date and province come from the appendix subtitle "(Kèm theo Kế hoạch số ...)".
    m = _REF.search(title[-1])
    if not m:
        raise ValueError(f"cannot read the plan number from {title[-1]!r}")
    no, kind, day, month, year, province = m.groups()
    year_m = re.search(r"NĂM (\d{4})", title[1])
    if not year_m:
        raise ValueError(f"cannot read the plan year from {title[1]!r}")
    plan_year = int(year_m.group(1))
    body = parse_body(body_lines)
    spec = PlanSpec(
        province=province, year=plan_year, number=f"{no}/{kind}",
        issued=date(int(year), int(month), int(day)),
        title=" ".join(b.text for b in body if b.kind == "title"),
        body=body, sections=sections, appendix_title=title, header=header,
        number_row=True, repeat_header=True, section_row_span=True)
    return SeedPlan(spec, pages, partial(build_truth, spec, pages))


def seed_geometry(seed: SeedPlan, base: PageGeometry | None = None) -> PageGeometry:
    """The base geometry at the largest SEED_FONT_SIZES size where every page fits."""
    base = base or PageGeometry()
    style = TableStyle.from_spec(seed.spec)
    for size in SEED_FONT_SIZES:
        geo = replace(base, font_size=size)
        if all(fits(page, style, geo) for page in seed.pages):
            return geo
    raise ValueError("the seed's pages do not fit even at the smallest font size")


def render_seed(seed_path: str | Path | None, pdf_path: str | Path,
                geometry: PageGeometry | None = None) -> Truth:
    """Render the seed with its original page breaks. Without a geometry, the table font
    size is chosen with seed_geometry."""
    seed = load_seed(seed_path)
    return render_explicit(seed.spec, seed.pages, pdf_path, geometry=geometry or seed_geometry(seed))
