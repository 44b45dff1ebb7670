"""Born-digital readers: every page's ruled tables, with text from the PDF's text layer.

Two interchangeable engines build the same PageGrids from the same rules-to-cells code:
`pdfium` (default, fast: vector paths and bounded text straight from PDFium) and
`pdfplumber` (pdfminer's layout objects; slower, kept as an independent second reading).
"""
from __future__ import annotations

import pdfplumber

from extractors.grid import rules_to_grids
from extractors.pdf_document import OpenedPdf, has_images
from extractors.rules import page_to_rules
from pipeline.errors import BadInputError
from pipeline.records import PageGrid, Rule


def _no_text_layer(doc: OpenedPdf, page_no: int) -> BadInputError:
    return BadInputError(doc.path.name, "page has no text layer (a scanned image); OCR is not available in this version", page_no)


def pdfium_to_grids(doc: OpenedPdf, settings) -> list[PageGrid]:
    grids: list[PageGrid] = []
    for index in range(doc.page_count):
        page = doc.pdf[index]
        textpage = page.get_textpage()
        try:
            if textpage.count_chars() == 0 and has_images(page):
                raise _no_text_layer(doc, index + 1)
            rules = page_to_rules(page, settings.max_rule_thickness, settings.min_rule_length)
            if rules:
                h = page.get_height()

                def read_text(box, tp=textpage, h=h):
                    x0, top, x1, bottom = box
                    return tp.get_text_bounded(left=x0, bottom=h - bottom, right=x1, top=h - top)

                grids.extend(rules_to_grids(index + 1, page.get_width(), h, rules, read_text, settings))
        finally:
            textpage.close()
            page.close()
    return grids


def pdfplumber_to_grids(doc: OpenedPdf, settings) -> list[PageGrid]:
    grids: list[PageGrid] = []
    with pdfplumber.open(doc.path) as pdf:
        for index, page in enumerate(pdf.pages):
            if not page.chars and page.images:
                raise _no_text_layer(doc, index + 1)
            rules = []
            for e in page.edges:
                if e["orientation"] == "h" and e["x1"] - e["x0"] >= settings.min_rule_length:
                    rules.append(Rule("h", e["top"], e["x0"], e["x1"]))
                elif e["orientation"] == "v" and e["bottom"] - e["top"] >= settings.min_rule_length:
                    rules.append(Rule("v", e["x0"], e["top"], e["bottom"]))
            if rules:
                def read_text(box, page=page):
                    return page.within_bbox(box, strict=False).extract_text() or ""

                grids.extend(rules_to_grids(index + 1, float(page.width), float(page.height), rules, read_text, settings))
    return grids


ENGINES = {"pdfium": pdfium_to_grids, "pdfplumber": pdfplumber_to_grids}


def pdf_to_grids(doc: OpenedPdf, settings) -> list[PageGrid]:
    return ENGINES[settings.engine](doc, settings)
