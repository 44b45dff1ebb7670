"""Arrow schemas of every output table: the single source of the README's data dictionary."""
from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1"


def _f(name: str, typ: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, typ, nullable=nullable, metadata={"doc": doc})


_PAGES = pa.list_(pa.int32())
_EVIDENCE = pa.list_(pa.struct([
    pa.field("signal", pa.string()), pa.field("field", pa.string()),
    pa.field("weight", pa.float64()), pa.field("detail", pa.string()),
]))

ACTIVITIES = pa.schema([
    _f("doc_id", pa.string(), "document key: the PDF file name without .pdf", False),
    _f("section_no", pa.string(), "section numeral as printed (I, II, …)"),
    _f("section_title", pa.string(), "section title as printed"),
    _f("task_no", pa.int32(), "task number within its section (Stt); null when not a number"),
    _f("task_text", pa.string(), "task (Nhiệm vụ) text, fragments across pages joined"),
    _f("activity_seq", pa.int32(), "1-based position of the activity within its task", False),
    _f("activity_text", pa.string(), "Hoạt động, as printed (NFC, whitespace collapsed)"),
    _f("output_text", pa.string(), "Kết quả/ Sản phẩm, as printed"),
    _f("lead_text", pa.string(), "Chủ trì (lead agency), as printed"),
    _f("partners_text", pa.string(), "Phối hợp (cooperating agencies), as printed"),
    _f("deadline_text", pa.string(), "Thời gian (deadline phrase), as printed"),
    _f("page_start", pa.int32(), "first PDF page (1-based) where this row's own cells print text", False),
    _f("page_end", pa.int32(), "last PDF page where this row's own cells print text", False),
    _f("inherited", pa.list_(pa.string()), "fields filled from a vertically merged cell above (e.g. lead_text)"),
    _f("task_pages", _PAGES, "pages of the task cell's text"),
    _f("activity_pages", _PAGES, "pages of the activity cell's text"),
    _f("output_pages", _PAGES, "pages of the output cell's text"),
    _f("lead_pages", _PAGES, "pages of the lead cell's text"),
    _f("partners_pages", _PAGES, "pages of the partners cell's text"),
    _f("deadline_pages", _PAGES, "pages of the deadline cell's text"),
    _f("joined_at_pages", _PAGES, "pages whose first row was joined to this row (see stitches.parquet)"),
])

TASKS = pa.schema([
    _f("doc_id", pa.string(), "document key", False),
    _f("section_no", pa.string(), "section numeral as printed"),
    _f("section_title", pa.string(), "section title as printed"),
    _f("task_no", pa.int32(), "task number (Stt); null when not a number"),
    _f("stt_text", pa.string(), "Stt cell as printed"),
    _f("task_text", pa.string(), "task text, fragments across pages joined"),
    _f("activity_count", pa.int32(), "number of activity rows", False),
    _f("page_start", pa.int32(), "first page of the task's rows", False),
    _f("page_end", pa.int32(), "last page of the task's rows or text", False),
    _f("task_pages", _PAGES, "pages of the task cell's text"),
])

STITCHES = pa.schema([
    _f("doc_id", pa.string(), "document key", False),
    _f("page", pa.int32(), "page whose first table row was judged", False),
    _f("decision", pa.string(), "first_page | continue_row | continue_task | new_activity | new_task | new_section", False),
    _f("score", pa.float64(), "sum of evidence weights (> threshold: continues the row above)", False),
    _f("confidence", pa.float64(), "0.5 (coin toss) … 1.0 (certain)", False),
    _f("evidence", _EVIDENCE, "each signal with the field it concerns, its weight and a readable detail"),
    _f("evidence_text", pa.string(), "the evidence as one readable line"),
])

DOCUMENT = pa.schema([
    _f("doc_id", pa.string(), "document key", False),
    _f("file_name", pa.string(), "PDF file name", False),
    _f("sha256", pa.string(), "SHA-256 of the PDF bytes", False),
    _f("size_bytes", pa.int64(), "PDF size", False),
    _f("page_count", pa.int32(), "pages in the PDF", False),
    _f("appendix_pages", _PAGES, "pages that carry the appendix table"),
    _f("section_count", pa.int32(), "sections in the appendix", False),
    _f("task_count", pa.int32(), "tasks in the appendix", False),
    _f("activity_count", pa.int32(), "activity rows in the appendix", False),
    _f("header_labels", pa.map_(pa.string(), pa.string()), "canonical field → header label as printed"),
    _f("extractor_version", pa.string(), "pipeline version that wrote this", False),
    _f("settings_json", pa.string(), "the settings used, as JSON", False),
    _f("status", pa.string(), "ok | partial", False),
    _f("errors", pa.list_(pa.string()), "problems found that did not stop the extraction"),
])

TABLES = {"activities": ACTIVITIES, "tasks": TASKS, "stitches": STITCHES, "document": DOCUMENT}
