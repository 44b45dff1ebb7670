"""The body stage: the PDF's body text (extractors.body_text) read into records (normalizers.body)."""
from __future__ import annotations

from extractors.body_text import find_first_appendix_page, pdf_to_body_text
from normalizers.body import AUTO, BodyRecords, body_text_to_records


def pdf_body_to_records(doc, first_appendix_page: int | None, extra_texts: list[tuple[str, str]] | None = None,
                        registry=AUTO, ocr=None) -> BodyRecords:
    """Records of the body of an opened plan (`extractors.pdf_document.OpenedPdf`).

    `first_appendix_page` is 1-based (pages before it are the body); None: found with
    `extractors.body_text.find_first_appendix_page`, else the whole file is body. `extra_texts` are (where, text) pairs,
    e.g. appendix cells, scanned for references too. `registry` is an AgencyRegistry, None for
    no agency ids, or "auto" to load the default registry for the plan's province. `ocr` is the read
    stage's settings: scanned body pages are read by Tesseract when they allow it."""
    if first_appendix_page is None:
        first_appendix_page = find_first_appendix_page(doc)
    return body_text_to_records(pdf_to_body_text(doc, first_appendix_page, ocr), extra_texts, registry)
