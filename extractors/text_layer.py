"""Born-digital readers: every page's ruled tables, with text from the PDF's text layer.

Two interchangeable engines build the same PageGrids from the same rules-to-cells code:
`pdfium` (default, fast: vector paths and bounded text straight from PDFium) and
`pdfplumber` (pdfminer's layout objects; slower, kept as an independent second reading).
"""
from __future__ import annotations

import ctypes
import math
from collections import Counter

import pypdfium2.raw as pdfium_c

from core.errors import BadInputError
from core.records import PageGrid, PageRoute, Rule
from core.text import join_line_end_hyphens
from extractors.grid import rules_to_grids
from extractors.pdf_document import OpenedPdf, PageFrame, char_rotation, has_images, read_page
from extractors.rules import page_to_rules


def _reduced(page, dpi: float, used: float, max_pixels: int) -> str:
    w, h = page.get_size()
    return (f"page of {w:.0f} × {h:.0f} pt rendered at {used:.0f} dpi instead of {dpi:g} "
            f"(read.max_render_pixels = {max_pixels})")


def _no_text_layer(doc: OpenedPdf, page_no: int, why: str = "OCR is off (read.ocr)") -> BadInputError:
    return BadInputError(doc.path.name, f"page has no text layer (a scanned image) and {why}", page_no)


class _FrameChars:
    """PDFium's text-in-a-rectangle (CPDF_TextPage::GetTextByRect) redone in the reading frame.

    PDFium starts a new line inside the rectangle when a character's baseline *page-space y*
    changes; for text running up or down the page (a frame turned by 90° or 270°) every line of a
    cell starts at the same y, so its line breaks are lost. Same rule here, on frame y: a character
    is taken when its box meets the rectangle; a space between taken characters is kept; a line
    break goes before a taken character that follows untaken ones on another baseline."""

    def __init__(self, textpage, frame: PageFrame, upright_only: bool = False):
        raw = textpage.raw
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        x, y = ctypes.c_double(), ctypes.c_double()
        self.chars: list[tuple[int, tuple[float, float, float, float] | None, float | None]] = []
        other = False  # upright_only: the last printable character is at another angle
        for i in range(textpage.count_chars()):
            u = pdfium_c.FPDFText_GetUnicode(raw, i)
            box = None
            if pdfium_c.FPDFText_GetCharBox(raw, i, left, right, bottom, top):
                box = frame.box(left.value, bottom.value, right.value, top.value)
            base = frame.point(x.value, y.value)[1] if pdfium_c.FPDFText_GetCharOrigin(raw, i, x, y) else None
            if upright_only:
                if u > 32:
                    other = char_rotation(textpage, i) not in (frame.rotation, None)
                if other:
                    box = None  # text at another angle (and the spaces in it): as if outside every rectangle
            self.chars.append((u, box, base))

    def text(self, rect: tuple[float, float, float, float]) -> str:
        x0, top, x1, bottom = rect
        out: list[str] = []
        line_y = 0.0
        after_taken = False  # the previous character was taken
        left_box = False  # an untaken, non-space character came since the last taken one
        for u, box, base in self.chars:
            if box is not None and box[0] < x1 and box[2] > x0 and box[1] < bottom and box[3] > top \
                    and (box[2] > box[0] or box[3] > box[1]):
                if base is not None and base != line_y and not after_taken and left_box:
                    line_y = base
                    if out:
                        out.append("\r\n")
                after_taken, left_box = True, False
                if u:
                    out.append(chr(u))
            elif u == 32:
                if after_taken:
                    out.append(" ")
                    after_taken = left_box = False
            else:
                after_taken, left_box = False, True
        return "".join(out)


class _PdfiumText:
    """Text inside boxes of one page, from PDFium's text page (reading-frame boxes in, page space inside)."""

    def __init__(self, textpage, frame: PageFrame | float):
        if not isinstance(frame, PageFrame):  # a page height: an upright page with its origin at 0, 0
            frame = PageFrame(0, 0.0, 0.0, 0.0, float(frame))
        self.tp, self.frame = textpage, frame
        self._runs: list[tuple[float, float, float, float]] | None = None  # text runs in the frame, read when asked
        # Lines across page-space y (see _FrameChars); otherwise PDFium's own (faster) reading.
        self._chars = _FrameChars(textpage, frame) if frame.rotation in (90, 270) else None
        self._upright: _FrameChars | None = None  # the page's upright characters only, read when asked

    def text(self, box):
        if self._chars is not None:
            return join_line_end_hyphens(self._chars.text(box))
        left, bottom, right, top = self.frame.page_box(*box)
        return join_line_end_hyphens(self.tp.get_text_bounded(left=left, bottom=bottom, right=right, top=top))

    def upright_text(self, box):
        """Like text(), but only characters upright in this frame (a page holding text at several
        angles: the other text, seen from here, runs up or down and belongs to another frame)."""
        if not any(r != self.frame.rotation for r, _ in self.frame.votes):
            return self.text(box)
        if self._upright is None:
            self._upright = _FrameChars(self.tp, self.frame, upright_only=True)
        return join_line_end_hyphens(self._upright.text(box))

    def lowest_text_bottom(self, box):
        if self._runs is None:
            rects = (self.tp.get_rect(i) for i in range(self.tp.count_rects()))
            self._runs = [self.frame.box(*r) for r in rects]
        return _lowest(self._runs, box)


class _PlumberText:
    def __init__(self, page):
        self.page = page

    def text(self, box):
        return join_line_end_hyphens(self.page.within_bbox(box, strict=False).extract_text() or "")

    def lowest_text_bottom(self, box):
        return _lowest([(c["x0"], c["top"], c["x1"], c["bottom"]) for c in self.page.chars if c["text"].strip()], box)


def _lowest(boxes, box) -> float | None:
    """Lowest bottom among boxes whose centre lies inside `box`."""
    x0, top, x1, bottom = box
    bottoms = [b for l, t, r, b in boxes if x0 <= (l + r) / 2 <= x1 and top <= (t + b) / 2 <= bottom]
    return max(bottoms) if bottoms else None


# A page's text at another angle than most of it is read in its own frame too when it is at least
# this share of the sampled characters (a turned page number or margin note is not).
_MIXED_SHARE = 0.15
_MIXED_MIN_VOTES = 15


def _other_orientations(frame: PageFrame) -> list[int]:
    total = sum(v for _, v in frame.votes)
    return sorted(r for r, v in frame.votes if r != frame.rotation and v >= max(_MIXED_MIN_VOTES, _MIXED_SHARE * total))


def _upright_grids(textpage, frame: PageFrame, grids: list[PageGrid], keep_empty: bool = False) -> list[PageGrid]:
    """The grids whose text mostly reads upright in `frame` (the same rules seen from another
    frame hold text that runs up or down); `keep_empty`: grids without text too."""
    if not grids:
        return grids
    inside: list[list[int]] = [[0, 0] for _ in grids]  # [upright in this frame, all]
    for i in range(textpage.count_chars()):
        r = char_rotation(textpage, i)
        if r is None:
            continue
        x0, top, x1, bottom = frame.box(*textpage.get_charbox(i))
        cx, cy = (x0 + x1) / 2, (top + bottom) / 2
        for k, g in enumerate(grids):
            if g.xs[0] <= cx <= g.xs[-1] and g.ys[0] <= cy <= g.ys[-1]:
                inside[k][0] += r == frame.rotation
                inside[k][1] += 1
    return [g for g, (up, n) in zip(grids, inside) if (keep_empty and not n) or up * 2 > n]


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
            mixed: list[int] = []
            with read_page(doc, index) as (page, textpage, frame):
                n_chars = textpage.count_chars()
                images = has_images(page)
                route = page_route(n_chars, images, textpage.get_text_range() if n_chars else None, settings.ocr)
                if route == PageRoute.SCAN_ERROR:
                    raise _no_text_layer(doc, index + 1)
                rules = (page_to_rules(page, settings.max_rule_thickness, settings.min_rule_length, frame)
                         if route == PageRoute.TEXT else [])
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
                    gray, dpi = ocr.ocr_image.page_to_gray_limited(page, settings.ocr_dpi, settings.max_render_pixels)
                    if dpi < settings.ocr_dpi:
                        doc.warn("read", _reduced(page, settings.ocr_dpi, dpi, settings.max_render_pixels), index + 1)
                    ocr_pages.append(pool.submit(gray, index + 1, page.get_width(), page.get_height(), dpi))
                elif rules:
                    mixed = _other_orientations(frame)
                    found = rules_to_grids(index + 1, frame.width, frame.height, rules, _PdfiumText(textpage, frame), settings)
                    grids.extend(_upright_grids(textpage, frame, found, keep_empty=True) if mixed else found)
            for rotation in mixed:
                # Text at another angle on the same page (a turned table beside upright text): its
                # tables are read in their own frame.
                with read_page(doc, index, rotation) as (page, textpage, frame):
                    rules = page_to_rules(page, settings.max_rule_thickness, settings.min_rule_length, frame)
                    found = rules_to_grids(index + 1, frame.width, frame.height, rules, _PdfiumText(textpage, frame), settings)
                    grids.extend(_upright_grids(textpage, frame, found))
        if ocr_pages:
            from extractors import ocr
            for future in ocr_pages:
                read = future.result()
                if read.text is not None:  # the body stage takes its lines from here
                    doc.ocr_text[read.page_no] = read.text
                grids.extend(ocr.ocr_page_to_grids(read, settings)[0])
            grids.sort(key=lambda g: g.page_no)  # stable: a page's tables stay top to bottom
    finally:
        if pool is not None:
            pool.close()
    return grids


def _plumber_turn(page) -> str | None:
    """Why pdfminer's layout of this page cannot be trusted for cells, or None: a /Rotate (its
    rotated char positions are off by a little), or text drawn turned (its words come out
    letter by letter)."""
    rotation = int(page.rotation or 0) % 360
    if rotation:
        return f"page is rotated (/Rotate {rotation})"
    votes: Counter[int] = Counter()
    for ch in page.chars:
        if ch["text"].strip():
            a, b = ch["matrix"][:2]
            votes[int(round(math.degrees(math.atan2(b, a)) / 90)) % 4 * 90] += 1
    angle = votes.most_common(1)[0][0] if votes else 0
    return f"its text is drawn turned by {angle}°" if angle else None


def pdfplumber_to_grids(doc: OpenedPdf, settings) -> list[PageGrid]:
    import pdfplumber  # only this engine needs it; importing it costs ~80 ms of start-up
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    grids: list[PageGrid] = []
    page_no = None
    try:
        with pdfplumber.open(doc.path) as pdf:
            for index, page in enumerate(pdf.pages):
                page_no = index + 1
                grids.extend(_plumber_page_grids(doc, page, page_no, settings))
    except (PSException, PdfminerException) as e:  # a structure pdfminer cannot parse: bad input
        where = "the page" if page_no else "the file"
        raise BadInputError(doc.path.name, f"pdfminer cannot read {where} ({type(e).__name__}: {e})", page_no) from None
    return grids


def _plumber_page_grids(doc: OpenedPdf, page, page_no: int, settings) -> list[PageGrid]:
    if not page.chars and page.images:
        raise _no_text_layer(doc, page_no, "the pdfplumber engine does not OCR (use read.engine: pdfium)")
    rules: list[Rule] = []
    for e in page.edges:
        if e["orientation"] == "h" and e["x1"] - e["x0"] >= settings.min_rule_length:
            rules.append(Rule("h", e["top"], e["x0"], e["x1"]))
        elif e["orientation"] == "v" and e["bottom"] - e["top"] >= settings.min_rule_length:
            rules.append(Rule("v", e["x0"], e["top"], e["bottom"]))
    if not rules:
        return []
    turned = _plumber_turn(page)
    if turned:
        raise BadInputError(doc.path.name, f"{turned}: the pdfplumber engine reads only upright, "
                                           "unrotated pages (use read.engine: pdfium)", page_no)
    return rules_to_grids(page_no, float(page.width), float(page.height), rules, _PlumberText(page), settings)


ENGINES = {"pdfium": pdfium_to_grids, "pdfplumber": pdfplumber_to_grids}


def pdf_to_grids(doc: OpenedPdf, settings) -> list[PageGrid]:
    return ENGINES[settings.engine](doc, settings)
