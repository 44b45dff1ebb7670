"""Born-digital reader: every page's ruled tables, with text from the PDF's text layer."""
from __future__ import annotations

from extractors.grid import page_to_grids
from extractors.pdf_document import OpenedPdf, has_images
from extractors.rules import page_to_rules
from pipeline.errors import BadInputError
from pipeline.records import PageGrid


def pdf_to_grids(doc: OpenedPdf, settings) -> list[PageGrid]:
    grids: list[PageGrid] = []
    for index in range(doc.page_count):
        page = doc.pdf[index]
        textpage = page.get_textpage()
        try:
            if textpage.count_chars() == 0 and has_images(page):
                raise BadInputError(doc.path.name, "page has no text layer (a scanned image); "
                                    "OCR is not available in this version", index + 1)
            rules = page_to_rules(page, settings.max_rule_thickness, settings.min_rule_length)
            if rules:
                grids.extend(page_to_grids(index + 1, page, textpage, rules, settings))
        finally:
            textpage.close()
            page.close()
    return grids
