"""The plan's body as records: what the province promised, on what authority, and who does what.

    body_text_to_records(body_text) → BodyRecords   (pipeline.body reads the text from the PDF)
        meta              DocumentMeta        type, issuing body (and parent), number, date, title, the plan
                                              it issues, year, province, signer, identity key
        warnings          [ErrorItem]         body oddities with a severity (info | warning): not errors
        sections          [Section]           every part/section of the body with its text and pages
        targets           [Target]            measurable targets of the "MỤC TIÊU" part
        references        [Reference]         legal documents cited (deduplicated, with mention counts)
        responsibilities  [Responsibility]    duties of each agency heading of "TỔ CHỨC THỰC HIỆN"

The body is read by `extractors.body_text` (called from `pipeline.body`) (pages before the appendix; the appendix heading
for the number and date when the header lacks them), cut into sections by
`normalizers.body_sections`, and read by `plan_meta`, `targets`, `references`,
`responsibilities`. Nothing here changes printed text; structured values sit beside it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from core.records import BodyLine, BodyText, ErrorItem, Severity
from normalizers.agencies import registry_for
from normalizers.body_sections import ParsedBody, clause_groups, parse_body
from normalizers.plan_meta import DocumentMeta, document_meta, stamped_values
from normalizers.references import Reference, Source, find_references
from normalizers.responsibilities import Responsibility, body_to_responsibilities
from normalizers.targets import Target, body_to_targets

AUTO = "auto"


@dataclass
class Section:
    seq: int  # 1-based, document order (unique; `path` repeats when a numeral is printed twice)
    path: str  # "preamble", "Điều 1", "attachment", "I", "I.1", "II.3", "III.16", "closing"
    kind: str  # preamble | article | attachment | part | section | subsection | closing
    level: int  # 0 preamble/attachment/closing, 1 part (I, II) or article (Điều 1), 2 section (1, 2), 3 subsection
    number: str | None  # as printed: "II", "3"
    title: str | None  # as printed: "MỤC TIÊU", "Cải cách thủ tục hành chính (TTHC)"
    parent_seq: int | None
    parent_path: str | None
    text: str  # the section's own paragraphs (not its subsections'), joined by "\n"; "" when none
    paragraph_count: int
    page_start: int  # page of the heading (or first paragraph)
    page_end: int  # page of the last line of its own text


@dataclass
class BodyRecords:
    meta: DocumentMeta
    sections: list[Section]
    targets: list[Target]
    references: list[Reference]
    responsibilities: list[Responsibility]
    # Oddities of the body, each with a severity (core.records.Severity): INFO for a part the
    # document type does not have, WARNING for something odd or not found; none makes the
    # document's tables incomplete, so none downgrades its status.
    warnings: list[ErrorItem] = field(default_factory=list)
    body_pages: list[int] = field(default_factory=list)
    pages_without_text: list[int] = field(default_factory=list)  # body pages with no text layer (scans)
    ocr_pages: list[int] = field(default_factory=list)  # body (or appendix heading) pages read by Tesseract


def default_registry(province: str | None):
    """The agency registry for `province`, or None when it cannot be loaded."""
    try:
        return registry_for(province)
    except Exception:
        return None


def _sections(body: ParsedBody) -> list[Section]:
    by_seq = {s.seq: s for s in body.sections}
    out = []
    for s in body.sections:
        parent = by_seq.get(s.parent_seq) if s.parent_seq else None
        out.append(Section(s.seq, s.path, s.kind, s.level, s.number, s.title, s.parent_seq,
                           parent.path if parent else None, s.text, len(s.paragraphs), s.page_start, s.page_end))
    return out


def _at(page: int):
    """A `Source.page_at` for a text printed on one page."""
    return lambda _offset: page


def _sources(body: ParsedBody, appendix: list[BodyLine], extra_texts) -> list[Source]:
    out: list[Source] = []
    if body.title:
        out.append(Source("title", " ".join(ln.text for ln in body.title), None, None, _at(body.title[0].page)))
    for s in body.sections:
        for clause, paras in clause_groups(s.paragraphs):
            for p in paras:
                out.append(Source(s.path, p.text, s.seq, clause, p.page_at))
    if appendix:
        out.append(Source("appendix_heading", " ".join(ln.text for ln in appendix), None, None, _at(appendix[0].page)))
    for where, text in extra_texts or ():
        out.append(Source(where, text or ""))
    return out


STAGE = "body"


def _item(message: str, severity: Severity = Severity.WARNING, page: int | None = None) -> ErrorItem:
    return ErrorItem(STAGE, message, severity, page)


def _without_stamps(lines: list[BodyLine], stamps) -> list[BodyLine]:
    """The body lines without the stamped values: drawn after the page's text, PDFium reads them as
    lines of their own at the end of the page, one or several on a line ("25 10 01")."""
    if not stamps:
        return lines
    out = []
    for ln in lines:
        texts = [r.text for r in stamps if r.page == ln.page]
        tokens = ln.text.split()
        if tokens and all(t in texts for t in tokens) and len(tokens) <= len(texts):
            continue
        out.append(ln)
    return out


def body_text_to_records(text: BodyText, extra_texts: list[tuple[str, str]] | None = None,
                         registry=AUTO) -> BodyRecords:
    stamps = stamped_values(text.header_runs).runs if text.header_runs else []
    body = parse_body(_without_stamps(text.lines, stamps))
    warnings = [_item(w) for w in body.warnings]
    first_page = [ln.text for ln in text.lines if ln.page == (text.lines[0].page if text.lines else 1)]
    articles = [s.text for s in body.sections if s.kind == "article"]
    meta = document_meta([ln.text for ln in body.header], [ln.text for ln in body.title],
                         [ln.text for ln in text.appendix_heading], [ln.text for ln in body.tail], first_page,
                         header_runs=text.header_runs, attached_title_lines=[ln.text for ln in body.attached_title],
                         article_texts=articles)
    if registry == AUTO:
        registry = default_registry(meta.province)
        if registry is None:
            warnings.append(_item("agency registry not available: responsibilities carry no agency ids"))
    refs = find_references(_sources(body, text.appendix_heading, extra_texts),
                           exclude_codes=[meta.plan_number] if meta.plan_number else [])
    targets = body_to_targets(body)
    duties = body_to_responsibilities(body, registry, meta.plan_year)
    kind = meta.doc_type or "document"
    # Parts a document type may not have: worth knowing, not a fault of the document.
    if body.find_part("mục tiêu") is None:
        warnings.append(_item(f"no MỤC TIÊU part in this {kind}: no targets", Severity.INFO))
    if body.find_part("tổ chức thực hiện") is None:
        warnings.append(_item(f"no TỔ CHỨC THỰC HIỆN part in this {kind}: no responsibilities", Severity.INFO))
    for name, value in (("plan number", meta.plan_number), ("issue date", meta.issue_date),
                        ("signer", meta.signer_name)):
        if value is None:
            warnings.append(_item(f"{name} not found"))
    if meta.number_source == "stamp" or meta.date_source == "stamp":
        warnings.append(_item(f"number/date read from values stamped at signing: {meta.stamp_detail}",
                              Severity.INFO, text.body_pages[0] if text.body_pages else None))
    for p in text.pages_without_text:
        warnings.append(_item("body page without a text layer (not read)", Severity.WARNING, p))
    return BodyRecords(meta, _sections(body), targets, refs, duties, warnings, text.body_pages,
                       text.pages_without_text, text.ocr_pages)


def lines_to_records(lines: list[BodyLine], appendix_heading: list[BodyLine] | None = None,
                     extra_texts: list[tuple[str, str]] | None = None, registry=None) -> BodyRecords:
    """The same from lines that did not come from a PDF (tests, OCR text)."""
    pages = sorted({ln.page for ln in lines})
    return body_text_to_records(BodyText(lines, appendix_heading or [], pages, []), extra_texts, registry)
