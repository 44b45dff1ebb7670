"""Genre plans: the shapes real plan tables take, built choice by choice.

A document is a body and one or more appendix tables (task tables, and sometimes an indicator
table before them that is not a task table). Every choice (which columns, in which order,
which label wording, which numbering, header repeated or not, number-row style, portrait or
landscape, a two-row header, texts) is one call of a `Pick`, so the same builder serves
Hypothesis (`genre_docs()`, whose failures shrink to small plans) and fixed random samples
(`random_genre_doc(rng)`, for measured accuracy).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from .body import draw_body_page, layout_body
from .fonts import word_fits
from .geometry import A4_PORTRAIT, PageGeometry
from .layout import layout_appendix
from .pages import AppendixPage, TableStyle, measure_page
from .random_plan import (
    AGENCIES,
    DEADLINES,
    FUNCTION_WORDS,
    OUTPUTS,
    PHRASES,
    PROPER,
    PROVINCES,
    SECTION_TITLES,
    _body,
)
from .render import draw_appendix_page
from .spec import ACTIVITY_FIELDS, Activity, PlanSpec, Section, Task, Truth, TruthBreak
from .table import norm
from .truth import build_truth

# ---- wording the tests own ------------------------------------------------------------------

LABELS = {
    "stt": ("Stt", "TT", "STT", "Số TT"),
    "task": ("Nhiệm vụ", "Nội dung", "NỘI DUNG", "Tên nhiệm vụ", "Nội dung công việc", "Nhiệm vụ, giải pháp",
             "Công việc", "NHIỆM VỤ"),
    "activity": ("Hoạt động", "Nội dung hoạt động", "HOẠT ĐỘNG", "Hoạt động cụ thể"),
    "output": ("Sản phẩm", "Kết quả/ Sản phẩm", "Sản phẩm đầu ra", "Kết quả dự kiến", "Hình thức văn bản", "KẾT QUẢ",
               "Dự kiến sản phẩm"),
    "lead": ("Chủ trì", "Cơ quan chủ trì", "ĐƠN VỊ CHỦ TRÌ", "Đơn vị thực hiện", "Cơ quan tham mưu", "Người phụ trách",
             "Đơn vị chủ trì", "Cơ quan thực hiện"),
    "partners": ("Phối hợp", "Cơ quan phối hợp", "Đơn vị phối hợp", "ĐƠN VỊ PHỐI HỢP"),
    "deadline": ("Thời gian", "Thời hạn", "Thời gian hoàn thành", "Thời gian thực hiện", "Tiến độ",
                 "THỜI HẠN HOÀN THÀNH", "Tiến độ thực hiện", "Thời hạn hoàn thành"),
}
# Under a group label "Đơn vị thực hiện" the two columns are just "Chủ trì" and "Phối hợp".
GROUP = ("Đơn vị thực hiện", {"lead": ("Chủ trì", "Chủ trì thực hiện"), "partners": ("Phối hợp", "Phối hợp thực hiện")})
EXTRA_COLUMNS = {
    "note": (("Ghi chú", "GHI CHÚ"), ("", "", "Trọng tâm", "Nhiệm vụ mới", "Chuyển tiếp")),
    "funding": (("Kinh phí", "Nguồn kinh phí"), ("Ngân sách tỉnh", "Ngân sách nhà nước", "Lồng ghép", "")),
    "level": (("Cấp trình",), ("UBND tỉnh", "Chủ tịch UBND tỉnh", "HĐND tỉnh")),
}
PERSONS = ("Đ/c Nguyễn Văn An", "Phó Giám đốc Trần Thị Bình", "Trưởng phòng Lê Văn Cường")
SECTION_STYLES = ("roman", "roman_dot", "letters", "letters_dot", "part", "none")
ROMAN = ("I", "II", "III", "IV", "V", "VI")
LETTERS = ("A", "B", "C", "D", "Đ", "E")
INDICATOR_HEADER = {"stt": "Stt", "task": "Chỉ tiêu", "unit": "Đơn vị tính", "target": "Kế hoạch năm"}


class Pick:
    """One source of choices."""

    def choice(self, seq):
        raise NotImplementedError

    def integer(self, lo: int, hi: int) -> int:
        raise NotImplementedError

    def chance(self, p: float) -> bool:
        raise NotImplementedError

    def subset(self, seq) -> list:
        return [x for x in seq if self.chance(0.5)]


class RandomPick(Pick):
    def __init__(self, rng: random.Random):
        self.rng = rng

    def choice(self, seq):
        return self.rng.choice(list(seq))

    def integer(self, lo, hi):
        return self.rng.randint(lo, hi)

    def chance(self, p):
        return self.rng.random() < p


class DrawPick(Pick):
    """Hypothesis: every choice a draw, so a failing plan shrinks (fewer sections, first labels, shorter texts)."""

    def __init__(self, draw):
        from hypothesis import strategies as st

        self.draw, self.st = draw, st

    def choice(self, seq):
        return self.draw(self.st.sampled_from(list(seq)))

    def integer(self, lo, hi):
        return self.draw(self.st.integers(lo, hi))

    def chance(self, p):
        # Shrinks towards False: the plainer shape.
        return self.draw(self.st.integers(0, 999)) >= round(1000 * (1 - p))


# ---- texts ------------------------------------------------------------------------------------

def _sentence(pick: Pick, lo: int, hi: int, bank=PHRASES, proper: float = 0.12) -> str:
    n = pick.integer(lo, hi)
    words: list[str] = []
    while len(words) < n:
        phrase = pick.choice(PROPER) if pick.chance(proper) else pick.choice(bank)
        if words and pick.chance(0.2):
            words[-1] += ","
        words += phrase.split()
    words = words[:n]
    while len(words) > 1 and words[-1].rstrip(",;") in FUNCTION_WORDS:
        words.pop()
    words[-1] = words[-1].rstrip(",;")
    text = " ".join(words)
    return text[:1].upper() + text[1:]


# ---- documents ----------------------------------------------------------------------------------

@dataclass
class GenreDoc:
    tables: list[PlanSpec]  # in print order; the body is the first one's
    task_table: list[bool]  # which of them are task tables (the others: indicators)
    geometry: PageGeometry


def _narrow_columns(pick: Pick) -> tuple[str, ...]:
    """Two or three printed columns: the task and one of lead / deadline / output ("TT | Nội dung công
    việc | Đơn vị chủ trì", "Nhiệm vụ | Thời gian hoàn thành"), with Stt, or an activity column under
    task cells merged over its rows, or neither."""
    second = pick.choice(("lead", "deadline", "output"))
    with_ = pick.choice(("stt", "none", "activity"))
    return tuple((["stt"] if with_ == "stt" else []) + ["task"] + (["activity"] if with_ == "activity" else []) + [second])


def _columns(pick: Pick, narrow: bool | None = None) -> tuple[tuple[str, ...], dict[str, str], tuple[str, str, str] | None]:
    """A column set the genre prints: a task column, a lead, deadline or output column, the rest optional;
    narrow sets (2 or 3 columns) when `narrow`, or by chance when it is None."""
    if narrow or (narrow is None and pick.chance(0.25)):
        cols = _narrow_columns(pick)
        return cols, {c: pick.choice(LABELS[c]) for c in cols}, None
    has_lead = pick.chance(0.85)
    has_deadline = pick.chance(0.85) or not has_lead
    roles = ["task"]
    roles += ["activity"] if pick.chance(0.5) else []
    roles += ["output"] if pick.chance(0.6) else []
    roles += ["lead"] if has_lead else []
    roles += ["partners"] if has_lead and pick.chance(0.6) else []
    roles += ["deadline"] if has_deadline else []
    extras = [e for e in EXTRA_COLUMNS if pick.chance(0.2)][:1]
    # Order: Stt first, the task next; lead and partners together; the deadline before or after them.
    middle = [r for r in roles if r in ("activity", "output")]
    agencies = [r for r in roles if r in ("lead", "partners")]
    tail = agencies + (["deadline"] if has_deadline else [])
    if has_deadline and agencies and pick.chance(0.3):
        tail = ["deadline"] + agencies
    if "output" in middle and pick.chance(0.2):
        middle.remove("output")
        tail.append("output")
    printed = (["stt"] if pick.chance(0.85) else []) + ["task"] + middle + tail + extras
    header = {c: pick.choice(LABELS[c]) for c in printed if c in LABELS}
    header.update({e: pick.choice(EXTRA_COLUMNS[e][0]) for e in extras})
    group = None
    if ("lead" in printed and "partners" in printed and printed.index("partners") == printed.index("lead") + 1
            and pick.chance(0.3)):
        group = (GROUP[0], "lead", "partners")
        header["lead"], header["partners"] = pick.choice(GROUP[1]["lead"]), pick.choice(GROUP[1]["partners"])
    return tuple(printed), header, group


def _numeral(style: str, i: int) -> str:
    return {"roman": ROMAN[i], "roman_dot": ROMAN[i] + ".", "letters": LETTERS[i], "letters_dot": LETTERS[i] + ".",
            "part": f"PHẦN {ROMAN[i]}", "none": ""}[style]


def _task_table(pick: Pick, province: str, year: int, number: str, appendix_no: str,
                narrow: bool | None = None) -> PlanSpec:
    cols, header, group = _columns(pick, narrow)
    has_stt = "stt" in cols
    sec_style = pick.choice(SECTION_STYLES)
    # A numeral in the Stt column, or at the start of the title; "PHẦN I" is too wide for the column.
    in_title = not has_stt or sec_style in ("part", "none") or pick.chance(0.3)
    dotted = pick.chance(0.4)
    restart = pick.chance(0.6)
    merge_prob = pick.choice((0.0, 0.15))
    no = 0
    sections = []
    titles = list(SECTION_TITLES)
    for s in range(pick.integer(1, 3)):
        tasks = []
        if restart:
            no = 0
        for _ in range(pick.integer(1, 5)):
            no += 1
            n_acts = pick.integer(1, 3) if "activity" in cols else 1
            acts: list[Activity] = []
            for _ in range(n_acts):
                act = Activity(
                    activity=_sentence(pick, 1, 40) if "activity" in cols else "",
                    output=_sentence(pick, 1, 12, OUTPUTS, 0.05) if "output" in cols else "",
                    lead=pick.choice(AGENCIES + PERSONS) if "lead" in cols else "",
                    partners=pick.choice(AGENCIES) if "partners" in cols else "",
                    deadline=pick.choice(DEADLINES) if "deadline" in cols else "",
                    extra={e: pick.choice(EXTRA_COLUMNS[e][1]) for e in cols if e in EXTRA_COLUMNS},
                )
                if acts and merge_prob:
                    above = acts[-1]
                    merged = [f for f in ACTIVITY_FIELDS if f in cols and above.value(f) and pick.chance(merge_prob)]
                    if len(merged) == len([f for f in ACTIVITY_FIELDS if f in cols]):
                        merged.pop()
                    values: dict[str, Any] = {f: above.value(f) for f in merged}
                    act = replace(act, merged_with_above=tuple(merged), **values)
                acts.append(act)
            stt = (f"{no}." if dotted else str(no)) if has_stt else ""
            tasks.append(Task(no, _sentence(pick, 2, 40), acts, stt=stt))
        sections.append(Section(_numeral(sec_style, s), titles.pop(pick.integer(0, len(titles) - 1)), tasks))
    number_row = pick.choice((False, True, "paren", "letters")) if pick.chance(0.7) else False
    return PlanSpec(
        province=province, year=year, number=number, issued=_issued(year), title=f"Kế hoạch năm {year}",
        body=[], sections=sections,
        appendix_title=[f"Phụ lục {appendix_no}", f"NHIỆM VỤ TRỌNG TÂM NĂM {year}",
                        f"(Kèm theo Kế hoạch số {number} của UBND tỉnh {province})"],
        header=header, columns=cols, number_row=number_row, repeat_header=pick.chance(0.6),
        section_row_span=True if in_title or sec_style == "none" else pick.chance(0.7),
        section_style="title" if in_title else "stt", header_group=group)


def _issued(year: int):
    from datetime import date
    return date(year - 1, 12, 20)


def _indicator_table(pick: Pick, province: str, year: int, number: str) -> PlanSpec:
    """Phụ lục I: targets, not tasks (no lead or deadline column): a ruled table that is not an error."""
    tasks = [Task(i + 1, _sentence(pick, 3, 12), [Activity("", "", "", "", "", extra={
        "unit": pick.choice(("%", "Hồ sơ", "Đơn vị")), "target": str(pick.integer(50, 100))})]) for i in range(pick.integer(1, 4))]
    return PlanSpec(province=province, year=year, number=number, issued=_issued(year), title="", body=[],
                    sections=[Section("I", "Chỉ tiêu chủ yếu", tasks)],
                    appendix_title=["Phụ lục I", f"CÁC CHỈ TIÊU NĂM {year}"],
                    header=dict(INDICATOR_HEADER), columns=("stt", "task", "unit", "target"), number_row=False)


def build_genre_doc(pick: Pick, narrow: bool | None = None) -> GenreDoc:
    """narrow: every task table has 2 or 3 columns (True), none (False), or by chance (None)."""
    province = pick.choice(PROVINCES)
    year = pick.choice((2022, 2023, 2024, 2025))
    number = f"{pick.integer(5, 320)}/KH-UBND"
    tables: list[PlanSpec] = []
    kinds: list[bool] = []
    if pick.chance(0.3):
        tables.append(_indicator_table(pick, province, year, number))
        kinds.append(False)
    for _ in range(pick.integer(1, 2) if pick.chance(0.3) else 1):
        tables.append(_task_table(pick, province, year, number, ROMAN[len(tables)], narrow))
        kinds.append(True)
    first = tables[0]
    first.body = _body(random.Random(pick.integer(0, 10_000)), province, year)
    first.title = f"Cải cách hành chính nhà nước tỉnh {province} năm {year}"
    portrait = max(len(t.columns) for t in tables) <= 5 and pick.chance(0.5)
    base = PageGeometry(appendix_size=A4_PORTRAIT) if portrait else PageGeometry()
    # The height between the margins moves the page breaks: small pages break inside rows and tasks.
    height = pick.integer(200, int(base.appendix_size[1] - 2 * base.margin_top - 30) if pick.chance(0.2) else 420)
    geo = replace(base, font_size=pick.choice((9.0, 10.0, 11.0, 12.0)),
                  margin_bottom=base.appendix_size[1] - base.margin_top - height)
    return GenreDoc(tables, kinds, _fitting_font(tables, geo))


def _fitting_font(tables: list[PlanSpec], geo: PageGeometry) -> PageGeometry:
    """The largest font size not above the drawn one at which every word fits its column (Word never breaks
    a Vietnamese word; a narrow portrait Stt column takes smaller type)."""
    size = geo.font_size
    while size > 6 and not all(_words_fit(t, replace(geo, font_size=size)) for t in tables):
        size -= 0.5
    return replace(geo, font_size=size)


def _words_fit(spec: PlanSpec, geo: PageGeometry) -> bool:
    widths = geo.widths_for(spec.columns)
    inner = {c: w - 2 * geo.pad_x for c, w in widths.items()}
    for c in spec.columns:
        words = set(spec.header[c].split())
        for sec in spec.sections:
            if c == "stt":
                words |= set(sec.numeral.split()) if spec.section_style == "stt" else set()
            for task in sec.tasks:
                words |= set((task.printed_no if c == "stt" else task.text if c == "task" else "").split())
                for a in task.activities:
                    words |= set(a.value(c).split()) if c not in ("stt", "task") else set()
        if not all(word_fits(w + ",", inner[c], geo.font_size, bold=True) for w in words):
            return False
    return True


def genre_docs(narrow: bool | None = None):
    """Hypothesis strategy of GenreDoc."""
    from hypothesis import strategies as st

    return st.composite(lambda draw: build_genre_doc(DrawPick(draw), narrow))()


def random_genre_doc(rng: random.Random, narrow: bool | None = None) -> GenreDoc:
    return build_genre_doc(RandomPick(rng), narrow)


# ---- layout, truth, PDF -------------------------------------------------------------------------

@dataclass
class GenreLayout:
    doc: GenreDoc
    body: list
    pages: list[tuple[int, AppendixPage]]  # (table index, page)
    truth: Truth  # task tables only; TruthActivity.table_no counts task tables from 1


def layout_genre(doc: GenreDoc) -> GenreLayout:
    geo = doc.geometry
    body = layout_body(doc.tables[0], geo)
    pages: list[tuple[int, AppendixPage]] = []
    activities, breaks, appendix_pages = [], [], []
    task_no = 0
    for i, (spec, is_task) in enumerate(zip(doc.tables, doc.task_table)):
        first = len(body) + len(pages) + 1
        laid = layout_appendix(spec, geo)
        pages += [(i, p) for p in laid]
        if not is_task:
            continue
        task_no += 1
        t = build_truth(spec, laid, first, first + len(laid) - 1)
        activities += [replace(a, table_no=task_no) for a in t.activities]
        breaks += [TruthBreak(b.page, b.decision) for b in t.breaks]
        appendix_pages += t.appendix_pages
    truth = Truth(len(body) + len(pages), appendix_pages, activities, breaks)
    return GenreLayout(doc, body, pages, truth)


def write_genre_pdf(plan: GenreLayout, path: str | Path) -> None:
    geo = plan.doc.geometry
    canvas = Canvas(str(path), pagesize=geo.body_size, invariant=1, pageCompression=1)
    for lines in plan.body:
        canvas.setPageSize(geo.body_size)
        draw_body_page(canvas, lines)
        canvas.showPage()
    styles = [TableStyle.from_spec(s) for s in plan.doc.tables]
    for i, page in plan.pages:
        canvas.setPageSize(geo.appendix_size)
        draw_appendix_page(canvas, measure_page(page, styles[i], geo), geo, styles[i].columns)
        canvas.showPage()
    canvas.save()


def render_genre(doc: GenreDoc, path: str | Path) -> GenreLayout:
    plan = layout_genre(doc)
    write_genre_pdf(plan, path)
    return plan


def table_titles(doc: GenreDoc) -> list[str]:
    return [norm(" ".join(s.appendix_title)) for s, is_task in zip(doc.tables, doc.task_table) if is_task]
