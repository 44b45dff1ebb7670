"""The pipeline, top to bottom. The stages are data: `STAGES` is the list the runner walks.

    open      path            → OpenedPdf        bad input (not a PDF, encrypted, truncated) stops here
    read      OpenedPdf       → [PageGrid]        ruling lines → cells, text from the text layer (or OCR)
    locate    [PageGrid]      → [PageTable]       task tables by header and content; columns → roles
    repair    [PageTable]     → [PageTable]       Stt numerals that break the sequence re-read, else repaired
                                                  from it, with evidence (OCR pages only)
    stitch    [PageTable]     → StitchedTable     merged cells filled, page breaks decided with evidence
    body      body pages      → BodyRecords       metadata (number, date, signer, year, province), sections,
                                                  targets, legal references, responsibilities
    normalize StitchedTable   → Normalized        agencies resolved against the registry, deadlines parsed
    assemble  everything      → Extraction        rows of each output table
    check     everything      → status            completeness invariants (pipeline/completeness.py): `ok` only
                                                  when nothing is missing, else `partial` with what is missing
    write     Extraction      → folder of Parquet files (atomic; skipped when the run has no output folder)

Each stage reads what earlier stages left in one `DocumentRun` and adds its own product. The runner
times every stage; the CLI, the batch workers, the benchmark and the review report all call
`run_stages`, so the sequence is written once.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.records import ErrorItem, PageGrid, PageTable, Severity, Status, StitchedTable
from extractors.appendix import grids_to_page_tables
from extractors.ocr import OcrRereader
from extractors.pdf_document import OpenedPdf, open_pdf
from extractors.text_layer import pdf_to_grids
from normalizers.body import BodyRecords
from pipeline.assemble import Extraction, appendix_texts, stitched_to_extraction
from pipeline.body import pdf_body_to_records
from pipeline.completeness import check_table
from pipeline.normalize import Normalized, table_to_normalized
from pipeline.numbering_repair import NumberingResult, repair_numbering
from pipeline.settings import Settings
from pipeline.stitch import page_tables_to_table
from pipeline.write import write_extraction


@dataclass
class DocumentRun:
    """One document's trip through the stages: what each produced, how long it took, what went wrong."""
    path: Path
    settings: Settings
    out_dir: Path | None = None  # where `write` puts OUT/<doc folder>; None: nothing is written
    doc: OpenedPdf | None = None
    grids: list[PageGrid] = field(default_factory=list)
    tables: list[PageTable] = field(default_factory=list)
    numbering: NumberingResult | None = None  # numeral repairs and doubts (repair stage)
    stitched: StitchedTable | None = None
    body: BodyRecords | None = None
    normalized: Normalized | None = None
    extraction: Extraction | None = None
    folder: Path | None = None  # the written document folder
    timings: dict[str, float] = field(default_factory=dict)  # stage → seconds
    errors: list[ErrorItem] = field(default_factory=list)
    doc_id: str | None = None  # document key and folder name; None: the file's stem (pipeline/folders.py)

    def need(self, value, what: str):
        if value is None:
            raise RuntimeError(f"stage order: {what} is needed but no earlier stage produced it")
        return value


def _open(run: DocumentRun) -> None:
    run.doc = open_pdf(run.path)


def _read(run: DocumentRun) -> None:
    run.grids = pdf_to_grids(run.need(run.doc, "the opened PDF"), run.settings.read)


def _locate(run: DocumentRun) -> None:
    run.tables = grids_to_page_tables(run.path.name, run.grids, run.settings.locate)


def _repair(run: DocumentRun) -> None:
    reader = OcrRereader(run.need(run.doc, "the opened PDF").pdf, run.grids, run.settings.read)
    run.numbering = repair_numbering(run.tables, run.grids, reader.read_numeral)
    run.tables = run.numbering.tables


def _stitch(run: DocumentRun) -> None:
    run.stitched = page_tables_to_table(run.tables, run.settings.stitch)


def _body(run: DocumentRun) -> None:
    stitched = run.need(run.stitched, "the stitched table")
    run.body = pdf_body_to_records(run.need(run.doc, "the opened PDF"), run.tables[0].page_no,
                                   extra_texts=appendix_texts(stitched), ocr=run.settings.read)


def _normalize(run: DocumentRun) -> None:
    body = run.need(run.body, "the body records")
    run.normalized = table_to_normalized(run.need(run.stitched, "the stitched table"), body.meta,
                                         run.settings.normalize)


def _assemble(run: DocumentRun) -> None:
    doc = run.need(run.doc, "the opened PDF")
    run.extraction = stitched_to_extraction(
        run.doc_id or run.path.stem, run.path.name, doc.sha256, doc.size_bytes, doc.page_count, run.grids, run.tables,
        run.need(run.stitched, "the stitched table"), run.need(run.body, "the body records"),
        run.need(run.normalized, "the normalized table"), run.settings, run.numbering)


def _as_item(warning: ErrorItem | str, stage: str) -> ErrorItem:
    return warning if isinstance(warning, ErrorItem) else ErrorItem(stage, warning, Severity.WARNING)


def problem_text(item: ErrorItem) -> str:
    return (f"page {item.page}: " if item.page is not None else "") + item.message


def _check(run: DocumentRun) -> None:
    extraction, doc = run.need(run.extraction, "the extraction"), run.need(run.doc, "the opened PDF")
    body = run.need(run.body, "the body records")
    run.errors += check_table(run.grids, run.tables, run.need(run.stitched, "the stitched table"), doc.page_count,
                              doc.page_objects, doc.damaged_streams)
    run.errors += doc.warnings + [_as_item(w, "body") for w in body.warnings]
    errors = [e for e in run.errors if e.severity == Severity.ERROR]
    document = extraction.tables["document"][0]
    document.update({
        "status": Status.PARTIAL if errors else Status.OK,
        "errors": [problem_text(e) for e in errors],
        "warnings": [problem_text(e) for e in run.errors if e.severity != Severity.ERROR],
        "problems": [{"stage": e.stage, "severity": e.severity, "page": e.page, "message": e.message} for e in run.errors],
    })


def _write(run: DocumentRun) -> None:
    if run.out_dir is not None:
        run.folder = write_extraction(run.need(run.extraction, "the extraction"), run.out_dir, run.settings.write,
                                      source=run.path)


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[DocumentRun], None]


STAGES: tuple[Stage, ...] = (
    Stage("open", _open),
    Stage("read", _read),
    Stage("locate", _locate),
    Stage("repair", _repair),
    Stage("stitch", _stitch),
    Stage("body", _body),
    Stage("normalize", _normalize),
    Stage("assemble", _assemble),
    Stage("check", _check),
    Stage("write", _write),
)
STAGE_NAMES = tuple(s.name for s in STAGES)


def run_stages(path: str | Path, settings: Settings, out_dir: str | Path | None = None,
               until: str | None = None, doc_id: str | None = None) -> DocumentRun:
    """Walk STAGES over one PDF (up to and including `until`), timing each; the PDF is closed at the end.

    Bad input raises `core.errors.BadInputError` from the stage that found it."""
    if until is not None and until not in STAGE_NAMES:
        raise ValueError(f"unknown stage {until!r}; stages: {', '.join(STAGE_NAMES)}")
    run = DocumentRun(Path(path), settings, Path(out_dir) if out_dir is not None else None, doc_id=doc_id)
    try:
        for stage in STAGES:
            t0 = time.perf_counter()
            stage.run(run)
            run.timings[stage.name] = time.perf_counter() - t0
            if stage.name == until:
                break
    finally:
        if run.doc is not None:
            run.doc.close()
    return run


def extract(path: str | Path, settings: Settings) -> Extraction:
    run = run_stages(path, settings, until="assemble")
    return run.need(run.extraction, "the extraction")


def extract_to_parquet(path: str | Path, out_dir: str | Path, settings: Settings,
                       doc_id: str | None = None) -> tuple[Extraction, Path]:
    run = run_stages(path, settings, out_dir=out_dir, doc_id=doc_id)
    return run.need(run.extraction, "the extraction"), run.need(run.folder, "the written folder")
