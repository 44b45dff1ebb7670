"""Born-digital readers: every page's ruled tables, with text from the PDF's text layer.

Two interchangeable engines build the same PageGrids from the same rules-to-cells code:
`pdfium` (default, fast: vector paths and bounded text straight from PDFium) and
`pdfplumber` (pdfminer's layout objects; slower, kept as an independent second reading).
"""
from __future__ import annotations

from core.errors import BadInputError
from core.records import PageGrid, PageRoute, Rule
from extractors.grid import rules_to_grids
from extractors.pdf_document import OpenedPdf, has_images
from extractors.rules import page_to_rules


def _no_text_layer(doc: OpenedPdf, page_no: int, why: str = "OCR is off (read.ocr)") -> BadInputError:
    return BadInputError(doc.path.name, f"page has no text layer (a scanned image) and {why}", page_no)


class _PdfiumText:
    """Text inside boxes of one page, from PDFium's text page (top-origin boxes in, PDF space inside)."""

    def __init__(self, textpage, height: float):
        self.tp, self.h = textpage, height
        self._runs = None  # text runs (x0, top, x1, bottom), read only when asked

    def text(self, box):
        x0, top, x1, bottom = box
        return self.tp.get_text_bounded(left=x0, bottom=self.h - bottom, right=x1, top=self.h - top)

    def lowest_text_bottom(self, box):
        if self._runs is None:
            rects = (self.tp.get_rect(i) for i in range(self.tp.count_rects()))
            self._runs = [(l, self.h - t, r, self.h - b) for l, b, r, t in rects]
        return _lowest(self._runs, box)


class _PlumberText:
    def __init__(self, page):
        self.page = page

    def text(self, box):
        return self.page.within_bbox(box, strict=False).extract_text() or ""

    def lowest_text_bottom(self, box):
        return _lowest([(c["x0"], c["top"], c["x1"], c["bottom"]) for c in self.page.chars if c["text"].strip()], box)


def _lowest(boxes, box) -> float | None:
    """Lowest bottom among boxes whose centre lies inside `box`."""
    x0, top, x1, bottom = box
    bottoms = [b for l, t, r, b in boxes if x0 <= (l + r) / 2 <= x1 and top <= (t + b) / 2 <= bottom]
    return max(bottoms) if bottoms else None


def pdfium_to_grids(doc: OpenedPdf, settings) -> list[PageGrid]:
    """Each page by its text layer, or, when it has none worth reading (extractors/ocr_route.py),
    by OCR of its image (extractors/ocr.py) as settings.ocr allows. A page with images whose text
    layer draws no ruling line (a scan with an invisible OCR layer) is read from the image too.
    OCR pages are rendered here (PDFium is not thread-safe) and read on worker threads while the
    next pages go on."""
    from extractors.ocr_route import page_route

    grids: list[PageGrid] = []
    pool = None  # extractors.ocr.OcrPool, started by the first page that needs OCR
    ocr_pages = []
    try:
        for index in range(doc.page_count):
            page = doc.pdf[index]
            textpage = page.get_textpage()
            try:
                n_chars = textpage.count_chars()
                images = has_images(page)
                route = page_route(n_chars, images, textpage.get_text_range() if n_chars else None, settings.ocr)
                if route == PageRoute.SCAN_ERROR:
                    raise _no_text_layer(doc, index + 1)
                rules = page_to_rules(page, settings.max_rule_thickness, settings.min_rule_length) if route == PageRoute.TEXT else []
                if route == PageRoute.TEXT and not rules and images and settings.ocr == "auto":
                    route = PageRoute.OCR_IF_AVAILABLE  # its table may be in the image; without OCR it is a text page
                if route in (PageRoute.OCR, PageRoute.OCR_IF_AVAILABLE):
                    from extractors import ocr
                    if pool is None:
                        if ocr.ocr_available(settings.ocr_lang) is not None:
                            if route == PageRoute.OCR_IF_AVAILABLE:
                                continue
                            raise BadInputError(doc.path.name, "page has no text layer and OCR is not available "
                                                               "(install tesseract-ocr-vie)", index + 1)
                        pool = ocr.OcrPool(settings)
                    pool.throttle()
                    gray = ocr.ocr_image.page_to_gray(page, settings.ocr_dpi)
                    ocr_pages.append(pool.submit(gray, index + 1, page.get_width(), page.get_height()))
                elif rules:
                    h = page.get_height()
                    grids.extend(rules_to_grids(index + 1, page.get_width(), h, rules, _PdfiumText(textpage, h), settings))
            finally:
                textpage.close()
                page.close()
        if ocr_pages:
            from extractors import ocr
            for future in ocr_pages:
                grids.extend(ocr.ocr_page_to_grids(future.result(), settings)[0])
            grids.sort(key=lambda g: g.page_no)  # stable: a page's tables stay top to bottom
    finally:
        if pool is not None:
            pool.close()
    return grids


def pdfplumber_to_grids(doc: OpenedPdf, settings) -> list[PageGrid]:
    import pdfplumber  # only this engine needs it; importing it costs ~80 ms of start-up

    grids: list[PageGrid] = []
    with pdfplumber.open(doc.path) as pdf:
        for index, page in enumerate(pdf.pages):
            if not page.chars and page.images:
                raise _no_text_layer(doc, index + 1, "the pdfplumber engine does not OCR (use read.engine: pdfium)")
            rules = []
            for e in page.edges:
                if e["orientation"] == "h" and e["x1"] - e["x0"] >= settings.min_rule_length:
                    rules.append(Rule("h", e["top"], e["x0"], e["x1"]))
                elif e["orientation"] == "v" and e["bottom"] - e["top"] >= settings.min_rule_length:
                    rules.append(Rule("v", e["x0"], e["top"], e["bottom"]))
            if rules:
                grids.extend(rules_to_grids(index + 1, float(page.width), float(page.height), rules, _PlumberText(page), settings))
    return grids


ENGINES = {"pdfium": pdfium_to_grids, "pdfplumber": pdfplumber_to_grids}


def pdf_to_grids(doc: OpenedPdf, settings) -> list[PageGrid]:
    return ENGINES[settings.engine](doc, settings)
