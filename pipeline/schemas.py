"""Arrow schemas of every output table: the single source of the README's data dictionary."""
from __future__ import annotations

import pyarrow as pa

# 2: dates as timestamp[ms] (pandas reads datetime64, not date objects); task tables of any shape (table_no,
#    sub-tasks, extra columns, column map); mention kinds and places; document type, issuer and identity;
#    status means complete (errors), warnings and problems apart
SCHEMA_VERSION = "3"


def _f(name: str, typ: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, typ, nullable=nullable, metadata={"doc": doc})


_PAGES = pa.list_(pa.int32())
# Dates are stored as timestamp[ms] (midnight, no zone): pandas reads them as datetime64 and compares them with
# pd.Timestamp; date32 would come back as Python date objects. Rows may still carry datetime.date values.
_DATE = pa.timestamp("ms")
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
    _f("deadline_kind", pa.string(), "date | month | quarter | year | range | continuous | recurring | conditional | "
       "reference | unknown (null when the cell is empty)"),
    _f("deadline_start", _DATE, "first day the deadline covers; null where open or not applicable"),
    _f("deadline_end", _DATE, "last day / due date; null where open"),
    _f("deadline_ongoing", pa.bool_(), "true for continuous or recurring work (\"… và thường xuyên\", \"hàng năm\")"),
    _f("deadline_recurrence", pa.string(), "annual | half-yearly | quarterly | monthly | weekly | daily | every-N-months | "
       "every-N-years | periodic; several joined by a comma (\"quarterly,half-yearly\"); null when none"),
    _f("deadline_condition", pa.string(), "the condition (\"Khi …\") or referenced document, as printed"),
    _f("table_no", pa.int32(), "1-based order of the task table in the document (several Phụ lục, tables in the body)", False),
    _f("table_title", pa.string(), "the table's caption as printed (\"Phụ lục II NHIỆM VỤ … (Kèm theo …)\")"),
    _f("stt_text", pa.string(), "the row's task or sub-task number as printed (\"1.\", \"1.2\", \"a)\")"),
    _f("subtask_no", pa.string(), "sub-task number (\"1.2\", \"a\") when the row belongs to a sub-task; task_no is its task's"),
    _f("subtask_text", pa.string(), "sub-task text; task_text is then the text of the task above it"),
    _f("extra", pa.map_(pa.string(), pa.string()), "columns with no canonical field (Ghi chú, Kinh phí, …): label → text"),
    _f("min_ocr_confidence", pa.float64(), "lowest OCR confidence (0-100) of the row's cells; null when none was OCR'd"),
    _f("needs_review", pa.bool_(), "a person should check this row: low OCR confidence, a repaired numeral, a doubtful "
       "or unparsed OCR'd deadline (see review_reasons)", False),
    _f("review_reasons", pa.list_(pa.string()), "why the row needs review: low_confidence, doubtful_numeral, "
       "doubtful_deadline, unparsed_deadline, repaired_numeral, each with what was read"),
    _f("review_cells", pa.list_(pa.struct([pa.field("field", pa.string()), pa.field("page", pa.int32()),
                                           pa.field("x0", pa.float64()), pa.field("top", pa.float64()),
                                           pa.field("x1", pa.float64()), pa.field("bottom", pa.float64())])),
       "the cells behind the reasons: field, page and box in PDF points (the review report shows their images)"),
])

ACTIVITY_AGENCIES = pa.schema([
    _f("doc_id", pa.string(), "document key", False),
    _f("table_no", pa.int32(), "task table, with section_no, task_no, subtask_no and activity_seq the key of the activity"),
    _f("section_no", pa.string(), "section numeral, with task_no and activity_seq the key of the activity"),
    _f("task_no", pa.int32(), "task number"),
    _f("subtask_no", pa.string(), "sub-task number"),
    _f("activity_seq", pa.int32(), "activity position within its task", False),
    _f("role", pa.string(), "lead (Chủ trì) | partner (Phối hợp)", False),
    _f("mention_seq", pa.int32(), "1-based position of the mention within its cell", False),
    _f("mention_text", pa.string(), "the mention as printed (an expanded ellipsis as expanded: \"UBND cấp xã\")", False),
    _f("agency_id", pa.string(), "registry id (agencies.parquet); null when nothing matched"),
    _f("agency_name", pa.string(), "canonical full name"),
    _f("agency_kind", pa.string(), "sở, văn phòng, ủy ban nhân dân, …"),
    _f("agency_level", pa.string(), "tỉnh | huyện | xã | trung ương"),
    _f("is_group", pa.bool_(), "a group of bodies (\"Các sở, ban, ngành tỉnh\")", False),
    _f("qualifier", pa.string(), "qualifier kept from the mention (\"có liên quan\")"),
    _f("sub_unit", pa.string(), "sub-unit named in parentheses"),
    _f("score", pa.float64(), "100 exact alias match; fuzzy score otherwise; best candidate's score when unmatched", False),
    _f("mention_kind", pa.string(), "agency | group | person | unmatched", False),
    _f("place", pa.string(), "place printed after the body (\"tỉnh Bắc Ninh\", \"huyện Văn Lâm\"); null if none"),
    _f("place_ids", pa.list_(pa.string()), "registry place ids of the provinces named (districts/communes: empty)"),
])

AGENCIES = pa.schema([
    _f("agency_id", pa.string(), "stable registry id", False),
    _f("name", pa.string(), "canonical full name (abbreviations expanded)", False),
    _f("kind", pa.string(), "sở, văn phòng, ủy ban nhân dân, hội đồng nhân dân, trung tâm, báo, đài, …"),
    _f("level", pa.string(), "tỉnh | huyện | xã | trung ương"),
    _f("is_group", pa.bool_(), "a group of bodies rather than one body", False),
    _f("aliases", pa.list_(pa.string()), "other names and abbreviations"),
    _f("valid_from", pa.int32(), "first year the body exists (null: before any plan)"),
    _f("valid_to", pa.int32(), "last year before it was merged or dissolved (null: still exists)"),
    _f("successor_id", pa.string(), "the body it was merged into"),
    _f("registry_version", pa.string(), "version of normalizers/data/agencies.yaml", False),
    _f("valid_from_date", pa.date32(), "first day, when the registry knows it"),
    _f("valid_to_date", pa.date32(), "last day, when the registry knows it"),
    _f("category", pa.string(), "bộ | cơ quan ngang bộ | cơ quan thuộc Chính phủ | …"),
    _f("source", pa.string(), "source note key (normalizers/data/agencies.yaml sources)"),
    _f("predecessor_ids", pa.list_(pa.string()), "bodies merged into this one"),
    _f("place_id", pa.string(), "province of a derived body (\"so-noi-vu--bac-ninh\")"),
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
    _f("table_no", pa.int32(), "1-based order of the task table in the document", False),
    _f("table_title", pa.string(), "the table's caption as printed"),
    _f("level", pa.string(), "task | subtask (\"1.1\", \"a)\" under a task)", False),
    _f("subtask_no", pa.string(), "sub-task number as printed (task_no and task_text are its task's)"),
    _f("subtask_text", pa.string(), "sub-task text"),
])

STITCHES = pa.schema([
    _f("doc_id", pa.string(), "document key", False),
    _f("page", pa.int32(), "page whose first table row was judged", False),
    _f("decision", pa.string(), "first_page | continue_row | continue_task | new_activity | new_task | new_section", False),
    _f("score", pa.float64(), "sum of evidence weights (> threshold: continues the row above)", False),
    _f("confidence", pa.float64(), "P(the decision is right), calibrated on the factory's random plans (pipeline/calibration.py); "
       "below 0.5 when the evidence leans the other way", False),
    _f("evidence", _EVIDENCE, "each signal with the field it concerns, its weight and a readable detail"),
    _f("evidence_text", pa.string(), "the evidence as one readable line"),
    _f("table_no", pa.int32(), "task table whose page top was judged", False),
])

DOCUMENT = pa.schema([
    _f("doc_id", pa.string(), "document key", False),
    _f("file_name", pa.string(), "PDF file name", False),
    _f("sha256", pa.string(), "SHA-256 of the PDF bytes", False),
    _f("size_bytes", pa.int64(), "PDF size", False),
    _f("page_count", pa.int32(), "pages in the PDF", False),
    _f("doc_type", pa.string(), "document type (\"Kế hoạch\")"),
    _f("title", pa.string(), "plan title from the first page (\"Kế hoạch cải cách hành chính … năm 2022\")"),
    _f("issuing_body", pa.string(), "issuing body (\"Ủy ban nhân dân tỉnh Hưng Yên\")"),
    _f("plan_number", pa.string(), "number and symbol (\"196/KH-UBND\")"),
    _f("issue_date", _DATE, "date of issue"),
    _f("issue_place", pa.string(), "place of issue (\"Hưng Yên\")"),
    _f("signer_name", pa.string(), "who signed"),
    _f("signer_title", pa.string(), "signer's title (\"Phó Chủ tịch\")"),
    _f("recipients", pa.list_(pa.string()), "the \"Nơi nhận\" list"),
    _f("plan_year", pa.int32(), "the year the plan is for (fills years missing from deadlines)"),
    _f("province", pa.string(), "province the plan is from"),
    _f("doc_type_code", pa.string(), "type code of the symbol: KH, QĐ, NQ, CT, CV, CTr, TB, BC"),
    _f("parent_body", pa.string(), "the body printed above the issuer (\"Ủy ban nhân dân tỉnh Quảng Ninh\")"),
    _f("issuer_printed", pa.string(), "the header's issuer lines as printed, joined by \" / \""),
    _f("issuer_kind", pa.string(), "government | ministry | people_committee | people_council | department | party | other"),
    _f("issuer_level", pa.string(), "central | province | district | commune"),
    _f("subject", pa.string(), "a Công văn's subject (\"V/v …\" without \"V/v\")"),
    _f("issued_document_type", pa.string(), "what a Quyết định / Nghị quyết issues (\"Kế hoạch\", \"Chương trình hành động\")"),
    _f("issued_document_title", pa.string(), "the title of the document it issues"),
    _f("period_start", pa.int32(), "first year of the plan's period (\"giai đoạn 2021 - 2025\")"),
    _f("period_end", pa.int32(), "last year of the plan's period"),
    _f("number_source", pa.string(), "where the number was read: header | stamp | appendix | attachment"),
    _f("date_source", pa.string(), "where the issue date was read: header | stamp | appendix | attachment"),
    _f("stamp_detail", pa.string(), "values stamped at signing: what was read and from what (font, colour, position)"),
    _f("plan_identity", pa.string(), "one key per plan (issuer, date, title or number, folded): a renamed copy or a scan "
       "of the same plan has the same key"),
    _f("ocr_pages", _PAGES, "pages read by OCR (no usable text layer)"),
    _f("appendix_pages", _PAGES, "pages that carry the appendix table"),
    _f("section_count", pa.int32(), "sections in the appendix", False),
    _f("task_count", pa.int32(), "tasks in the appendix", False),
    _f("activity_count", pa.int32(), "activity rows in the appendix", False),
    _f("mentions_matched", pa.int32(), "agency mentions matched to the registry", False),
    _f("mentions_unmatched", pa.int32(), "agency mentions kept without a registry id", False),
    _f("mentions_person", pa.int32(), "mentions of persons (not agencies; not counted as unmatched)", False),
    _f("deadlines_parsed", pa.int32(), "non-empty deadline cells understood", False),
    _f("deadlines_unknown", pa.int32(), "non-empty deadline cells of kind unknown", False),
    _f("header_labels", pa.map_(pa.string(), pa.string()), "canonical field → header label as printed"),
    _f("extractor_version", pa.string(), "pipeline version that wrote this", False),
    _f("settings_json", pa.string(), "the settings used, as JSON", False),
    _f("task_table_count", pa.int32(), "task tables found (other ruled tables are not counted)", False),
    _f("table_titles", pa.list_(pa.string()), "caption of each task table, in table_no order"),
    _f("column_map", pa.list_(pa.struct([
        pa.field("table_no", pa.int32()), pa.field("col", pa.int32()), pa.field("label", pa.string()),
        pa.field("role", pa.string()), pa.field("how", pa.string()), pa.field("score", pa.float64()),
        pa.field("why", pa.string())])),
       "how each printed column of each task table was mapped: role (a field or extra), how (label | content | "
       "label+content | unmapped), score 0-100 and why"),
    _f("needs_review_count", pa.int32(), "activity rows with needs_review", False),
    _f("numeral_repair_count", pa.int32(), "Stt numerals repaired from the sequence (numbering_repairs.parquet)", False),
    _f("numeral_doubt_count", pa.int32(), "Stt numerals kept as read although a re-read differed", False),
    _f("reread_cell_count", pa.int32(), "OCR cells re-read with a constrained read", False),
    _f("unplaced_count", pa.int32(), "printed appendix cells that are not in the output (unplaced.parquet)", False),
    _f("status", pa.string(), "ok (every completeness check passed) | partial (see errors: what is missing)", False),
    _f("errors", pa.list_(pa.string()), "what the output lacks (\"page 5: …\"); empty when status is ok"),
    _f("warnings", pa.list_(pa.string()), "oddities of the document that do not make the tables incomplete"),
    _f("problems", pa.list_(pa.struct([pa.field("stage", pa.string()), pa.field("severity", pa.string()),
                                       pa.field("page", pa.int32()), pa.field("message", pa.string())])),
       "errors and warnings as items: the stage that found it, severity, page, message"),
])

def _table(*cols: tuple) -> pa.Schema:
    """doc_id first, then (name, type, doc[, nullable]) columns."""
    return pa.schema([_f("doc_id", pa.string(), "document key", False)] + [_f(*c) for c in cols])


SECTIONS = _table(
    ("seq", pa.int32(), "1-based order of the body section (unique; path can repeat when a numeral is printed twice)", False),
    ("path", pa.string(), "preamble | I | I.1 | II.3 | … | closing", False),
    ("kind", pa.string(), "preamble | part | section | subsection | closing", False),
    ("level", pa.int32(), "0 preamble/closing, 1 part, 2 section, 3 subsection", False),
    ("number", pa.string(), "numeral as printed"),
    ("title", pa.string(), "heading as printed"),
    ("parent_seq", pa.int32(), "seq of the enclosing section"),
    ("parent_path", pa.string(), "path of the enclosing section"),
    ("text", pa.string(), "the section's own paragraphs (not its subsections'), joined by newlines", False),
    ("paragraph_count", pa.int32(), "paragraphs in text", False),
    ("page_start", pa.int32(), "page of the heading", False),
    ("page_end", pa.int32(), "page of the last line of its own text", False),
)

TARGETS = _table(
    ("seq", pa.int32(), "1-based, document order", False),
    ("section_path", pa.string(), "section of the target (\"II.2\")"),
    ("section_seq", pa.int32(), "seq of that section in sections.parquet"),
    ("area_no", pa.int32(), "number of the area heading"),
    ("area", pa.string(), "area (\"Cải cách thủ tục hành chính\"); null for the part's general aims"),
    ("area_abbr", pa.string(), "abbreviation printed with the area (\"TTHC\")"),
    ("clause", pa.string(), "clause letter (a, b, đ, …)"),
    ("text", pa.string(), "the part of the clause that sets this value, as printed", False),
    ("value", pa.float64(), "the number (95.0, 2.5); null for a non-numeric target"),
    ("value_max", pa.float64(), "upper bound of a range (\"từ 2 đến 5 bậc\" → 5)"),
    ("unit", pa.string(), "% | bậc | địa phương | …"),
    ("comparator", pa.string(), "at_least | above | exactly | up_to | below | between | within_top"),
    ("direction", pa.string(), "increase | decrease when said (tăng / giảm)"),
    ("scope", pa.string(), "level when one clause sets a value per level (\"cấp huyện\")"),
    ("baseline", pa.string(), "baseline as printed (\"so với năm 2021\")"),
    ("baseline_year", pa.int32(), "year of the baseline"),
    ("aspirational", pa.bool_(), "\"phấn đấu\": an aim rather than a commitment", False),
    ("sub_target", pa.bool_(), "\"Trong đó, …\": a share of the target before it", False),
    ("page", pa.int32(), "page of the clause"),
)

REFERENCES = _table(
    ("seq", pa.int32(), "1-based, order of first citation", False),
    ("type", pa.string(), "Nghị quyết | Nghị định | Quyết định | Chỉ thị | Kế hoạch | Thông tư | Luật | …"),
    ("number", pa.string(), "number (\"76\")"),
    ("symbol", pa.string(), "symbol (\"NQ-CP\")"),
    ("code", pa.string(), "number and symbol as one key (\"107/2020/NĐ-CP\")", False),
    ("year", pa.int32(), "year, from the number or the date"),
    ("date", _DATE, "issue date when printed"),
    ("issuer", pa.string(), "issuer from the symbol (CP → Chính phủ) or as printed"),
    ("issuer_text", pa.string(), "issuer as printed after \"của\""),
    ("title", pa.string(), "name of a law cited by name"),
    ("citation", pa.string(), "the first citation as printed", False),
    ("cited_in", pa.string(), "section path of the first citation"),
    ("cited_in_seq", pa.int32(), "seq of that section"),
    ("cited_in_clause", pa.string(), "clause letter of the first citation"),
    ("page", pa.int32(), "page of the first citation"),
    ("mentions", pa.int32(), "citations of this document", False),
    ("cited_in_all", pa.list_(pa.string()), "every place it is cited, in order"),
)

RESPONSIBILITIES = _table(
    ("seq", pa.int32(), "1-based, document order", False),
    ("section_path", pa.string(), "section of the heading (\"III.3\")", False),
    ("section_seq", pa.int32(), "seq of that section", False),
    ("heading_no", pa.int32(), "heading number (3)"),
    ("agency_text", pa.string(), "the heading as printed (\"Sở Nội vụ\")", False),
    ("agency_ids", pa.list_(pa.string()), "registry ids of the bodies it names (agencies.parquet)"),
    ("agency_names", pa.list_(pa.string()), "their canonical names"),
    ("agency_unmatched", pa.list_(pa.string()), "parts of the heading no registry entry matched"),
    ("persons", pa.list_(pa.string()), "officials named in the heading (persons, not agencies)"),
    ("duty_seq", pa.int32(), "1-based within the heading", False),
    ("duty_clause", pa.string(), "clause letter; null for a heading without letters"),
    ("duty_text", pa.string(), "the duty, clause marker removed"),
    ("lead_in", pa.string(), "text before the first lettered duty (\"… Cụ thể:\")"),
    ("page", pa.int32(), "page where the duty starts"),
    ("page_end", pa.int32(), "page where it ends"),
)


OCR_CELLS = _table(
    ("page", pa.int32(), "page read by OCR", False),
    ("row", pa.int32(), "grid row of the cell (0 = the table's top row)", False),
    ("col", pa.int32(), "grid column", False),
    ("row_span", pa.int32(), "grid rows the cell spans (merged cells > 1)", False),
    ("col_span", pa.int32(), "grid columns the cell spans", False),
    ("x0", pa.float64(), "cell box in PDF points, top-left origin", False),
    ("top", pa.float64(), "", False),
    ("x1", pa.float64(), "", False),
    ("bottom", pa.float64(), "", False),
    ("text", pa.string(), "the text handed on (after Vietnamese post-correction)", False),
    ("raw_text", pa.string(), "Tesseract's reading as is"),
    ("confidence", pa.float64(), "mean word confidence 0-100; null for an empty cell"),
    ("page_turn", pa.int32(), "degrees counter-clockwise the page image was turned to read it upright (0: as "
                              "stored; 90/180/270: scanned sideways or upside down); boxes are in the turned page", False),
)

NUMBERING_REPAIRS = _table(
    ("page", pa.int32(), "page of the row", False),
    ("row_top", pa.float64(), "top of the row on its page (PDF points)", False),
    ("kind", pa.string(), "section | task: what the row is now", False),
    ("read", pa.string(), "the Stt text as OCR read it", False),
    ("rereads", pa.list_(pa.string()), "constrained re-readings (model, character set: text)"),
    ("used", pa.string(), "the numeral now in the Stt cell", False),
    ("reason", pa.string(), "why, in words: the neighbours, the re-reads", False),
    ("confidence", pa.float64(), "0.5-1: how much more likely the repaired sequence is than the one read", False),
    ("status", pa.string(), "repaired | doubtful (kept as read, a re-read differed)", False),
    ("bbox", pa.list_(pa.float64()), "the Stt cell: x0, top, x1, bottom (PDF points)"),
)

UNPLACED = _table(
    ("page", pa.int32(), "page the text is printed on", False),
    ("row_top", pa.float64(), "top of its grid row (PDF points)", False),
    ("field", pa.string(), "column role of the cell", False),
    ("text", pa.string(), "the printed text", False),
    ("reason", pa.string(), "why it is not in the output", False),
)

TABLES = {"activities": ACTIVITIES, "tasks": TASKS, "stitches": STITCHES, "activity_agencies": ACTIVITY_AGENCIES,
          "agencies": AGENCIES, "sections": SECTIONS, "targets": TARGETS, "references": REFERENCES,
          "responsibilities": RESPONSIBILITIES, "ocr_cells": OCR_CELLS, "numbering_repairs": NUMBERING_REPAIRS,
          "unplaced": UNPLACED, "document": DOCUMENT}
