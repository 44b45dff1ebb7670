"""Plan specifications for the document factory, and the ground truth it returns.

A PlanSpec describes what a plan *says* (body, sections, tasks, activities);
the factory decides where it falls on pages (or takes explicit pages, for the
seed) and returns a Truth describing what a perfect extractor must output.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Canonical table fields, in printed column order.
FIELDS = ("stt", "task", "activity", "output", "lead", "partners", "deadline")
# Fields that belong to one activity row (may be vertically merged over several rows of a task).
ACTIVITY_FIELDS = ("activity", "output", "lead", "partners", "deadline")

DEFAULT_HEADER = {
    "stt": "Stt",
    "task": "Nhiệm vụ",
    "activity": "Hoạt động",
    "output": "Kết quả/ Sản phẩm",
    "lead": "Chủ trì",
    "partners": "Phối hợp",
    "deadline": "Thời gian",
}


@dataclass
class Activity:
    activity: str
    output: str
    lead: str
    partners: str
    deadline: str
    # Activity fields whose cell is vertically merged with the activity above in the
    # same task: the printed cell is shared, so the value equals the one above.
    merged_with_above: tuple[str, ...] = ()
    # Values of columns with no canonical field ("Ghi chú", "Kinh phí"), by column name.
    extra: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return getattr(self, name) if name in ACTIVITY_FIELDS else self.extra.get(name, "")


@dataclass
class Task:
    no: int
    text: str
    activities: list[Activity]
    stt: str | None = None  # the number as printed ("1.", "(1)"); None: str(no)

    @property
    def printed_no(self) -> str:
        return str(self.no) if self.stt is None else self.stt


@dataclass
class Section:
    numeral: str  # as printed: "I", "II.", "PHẦN I", "A", or "" (an unnumbered section row)
    title: str
    tasks: list[Task]


@dataclass
class BodyBlock:
    kind: str  # "national_header" | "title" | "heading" | "para" | "item" | "signature"
    text: str


@dataclass
class PlanSpec:
    province: str
    year: int
    number: str  # "196/KH-UBND"
    issued: date
    title: str
    body: list[BodyBlock]
    sections: list[Section]
    appendix_title: list[str] = field(default_factory=list)  # lines above the table on its first page
    header: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HEADER))
    # Which columns are printed, in order: canonical fields, and other names for columns with no
    # field (their labels in `header`, their values in Activity.extra). "stt" comes first when printed.
    columns: tuple[str, ...] = FIELDS
    number_row: bool | str = True  # the column-number row: True ("", 1, 2 …) | "paren" ((1) (2) …) | "letters" (A B 1 2 …)
    repeat_header: bool = True  # header (and number row) repeated on every appendix page
    section_row_span: bool = True  # section title cell spans all columns after Stt
    # "stt": the section numeral stands in the Stt column; "title": it opens the title ("I. Cải cách …").
    section_style: str = "stt"
    header_group: tuple[str, str, str] | None = None  # (label, first column, last column): a two-row header


# ---- ground truth -------------------------------------------------------------------

@dataclass
class TruthActivity:
    """One expected row of activities.parquet (text fields as the pipeline must emit them)."""
    section_no: str
    section_title: str
    task_no: int
    task_text: str
    activity_seq: int
    activity_text: str
    output_text: str
    lead_text: str
    partners_text: str
    deadline_text: str
    page_start: int  # 1-based PDF page of the row's first fragment
    page_end: int
    inherited: tuple[str, ...]  # e.g. ("lead_text", "deadline_text"): filled from a merged cell above
    table_no: int = 1  # which task table of the document
    stt_text: str = ""  # the task number as printed
    extra: tuple[tuple[str, str], ...] = ()  # (label, text) of the columns with no canonical field


@dataclass
class TruthBreak:
    """What happens at the top of an appendix page (every appendix page but the first)."""
    page: int  # 1-based PDF page whose first data row is judged
    decision: str  # "continue_row" | "continue_task" | "new_activity" | "new_task" | "new_section"


@dataclass
class Truth:
    page_count: int
    appendix_pages: list[int]
    activities: list[TruthActivity]
    breaks: list[TruthBreak]
