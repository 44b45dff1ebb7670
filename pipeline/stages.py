"""The pipeline, top to bottom. Each stage is one function from a typed record to the next.

    open      path            → OpenedPdf        bad input (not a PDF, encrypted, truncated) stops here
    read      OpenedPdf       → [PageGrid]        ruling lines → cells, text from the text layer
    locate    [PageGrid]      → [PageTable]       appendix pages by header; columns → fields
    stitch    [PageTable]     → StitchedTable     merged cells filled, page breaks decided with evidence
    body      body pages      → BodyRecords       metadata (number, date, signer, year, province), sections,
                                                  targets, legal references, responsibilities
    normalize StitchedTable   → Normalized        agencies resolved against the registry, deadlines parsed
    assemble  everything      → Extraction        rows of each output table
    write     Extraction      → folder of Parquet files (atomic)
"""
from __future__ import annotations

from pathlib import Path

from extractors.appendix import grids_to_page_tables
from extractors.pdf_document import open_pdf
from extractors.text_layer import pdf_to_grids
from pipeline.assemble import Extraction, appendix_texts, stitched_to_extraction
from normalizers.body import pdf_body_to_records
from pipeline.normalize import table_to_normalized
from pipeline.settings import Settings
from pipeline.stitch import page_tables_to_table
from pipeline.write import write_extraction


def extract(path: str | Path, settings: Settings) -> Extraction:
    path = Path(path)
    doc = open_pdf(path)
    try:
        grids = pdf_to_grids(doc, settings.read)
        tables = grids_to_page_tables(path.name, grids, settings.locate)
        stitched = page_tables_to_table(tables, settings.stitch)
        body = pdf_body_to_records(doc, tables[0].page_no, extra_texts=appendix_texts(stitched), ocr=settings.read)
        normalized = table_to_normalized(stitched, body.meta, settings.normalize)
        return stitched_to_extraction(path.stem, path.name, doc.sha256, doc.size_bytes, doc.page_count,
                                      grids, tables, stitched, body, normalized, settings)
    finally:
        doc.close()


def extract_to_parquet(path: str | Path, out_dir: str | Path, settings: Settings) -> tuple[Extraction, Path]:
    extraction = extract(path, settings)
    return extraction, write_extraction(extraction, out_dir, settings.write)
