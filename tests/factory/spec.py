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

    def value(self, name: str) -> str:
        return getattr(self, name)


@dataclass
class Task:
    no: int
    text: str
    activities: list[Activity]


@dataclass
class Section:
    numeral: str  # Roman numeral as printed: "I", "II", ...
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
    columns: tuple[str, ...] = FIELDS  # which fields are printed, in order
    number_row: bool = True  # the "1 2 3 4 5 6" row under the header
    repeat_header: bool = True  # header (and number row) repeated on every appendix page
    section_row_span: bool = True  # section title cell spans all columns after Stt


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
