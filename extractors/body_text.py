"""The plan's body as lines of text: every page before the appendix, read from the text layer.

One `BodyLine` per printed line, with its page, whether it is set in bold (headings are),
where it starts and ends on the line (first-line indents, short last lines) and its baseline
(the gap before a new paragraph). The appendix heading ("Phụ lục", its title and the
"(Kèm theo Kế hoạch số … ngày …)" subtitle) is read from the first appendix page, down to the
table header. Reading is PDFium's plain text (about 1 ms a page) plus a few character
look-ups per line; a page without a text layer yields no lines and is listed in
`pages_without_text`.
"""
from __future__ import annotations

import ctypes
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from core.errors import BadInputError
from core.records import BodyLine, BodyText
from core.text import clean, fold
from extractors.pdf_document import OpenedPdf, load_page, read_page

# A printed line: PDFium's text up to a line break, or up to a hyphen it marked (U+FFFE) at a line
# end and joined to the next line itself ("QĐ-" | "UBND"): that is two printed lines, kept apart
# here so each has its own position; the marked hyphen ends the first one as "-".
_LINE = re.compile(r"[^\r\n\ufffe\x02]*[\ufffe\x02]|[^\r\n\ufffe\x02]+")
_BOLD_WEIGHT = 600
# The table header under the appendix heading: "Stt | Nhiệm vụ | …" / "TT | Nội dung | …".
_TABLE_HEADER = re.compile(r"^(?:stt|tt)\b.*\b(?:nhiệm vụ|nội dung|công việc)", re.IGNORECASE)
_APPENDIX = re.compile(r"^phụ lục\b", re.IGNORECASE)


def lines_from_text(text: str, page: int = 1) -> list[BodyLine]:
    """Plain text (one printed line per line) as BodyLines without font or position: for tests
    and for text that came from elsewhere (OCR)."""
    return [BodyLine(page, clean(ln)) for ln in text.splitlines() if clean(ln)]


def _font_is_bold(tp, index: int) -> bool | None:
    """Bold by the font's weight, its name ("…-Bold") or its ForceBold flag; None: no font info."""
    weight = pdfium_c.FPDFText_GetFontWeight(tp, index)
    if weight >= _BOLD_WEIGHT:
        return True
    buf = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    n = pdfium_c.FPDFText_GetFontInfo(tp, index, buf, len(buf), ctypes.byref(flags))
    if n <= 0 and weight <= 0:
        return None
    name = buf.value.decode("latin-1", "replace").lower()
    return "bold" in name or "black" in name or bool(flags.value & (1 << 18))  # flag bit 19: ForceBold


def page_lines(doc: OpenedPdf, page_no: int) -> list[BodyLine]:
    """The printed lines of one page (1-based), with bold/position read from the first,
    middle and last character of each line."""
    with read_page(doc, page_no - 1) as (_page, tp, frame):
        n = tp.count_chars()
        if n <= 0:
            return []
        text = tp.get_text_range()
        aligned = len(text) == n  # string index == character index (no surrogate pairs)
        raw = tp.raw
        out: list[BodyLine] = []
        x, y = ctypes.c_double(), ctypes.c_double()
        for m in _LINE.finditer(text):
            s = clean(m.group())
            if not s:
                continue
            if not aligned:
                out.append(BodyLine(page_no, s))
                continue
            a = m.start() + (len(m.group()) - len(m.group().lstrip()))
            b = m.end() - 1 - (len(m.group()) - len(m.group().rstrip()))
            picks = sorted({a, (a + b) // 2, b})
            votes = [v for v in (_font_is_bold(raw, i) for i in picks) if v is not None]
            bold = (sum(votes) * 2 > len(votes)) if votes else None
            # Positions in the reading frame; the baseline counted from the frame's bottom (PDF-like).
            left = frame.box(*tp.get_charbox(a, loose=True))[0]
            right = frame.box(*tp.get_charbox(b, loose=True))[2]
            base = None
            if pdfium_c.FPDFText_GetCharOrigin(raw, a, ctypes.byref(x), ctypes.byref(y)):
                base = frame.height - frame.point(x.value, y.value)[1]
            size = pdfium_c.FPDFText_GetFontSize(raw, a) or None
            out.append(BodyLine(page_no, s, bold, left, right, base, size))
        return out


def find_first_appendix_page(doc: OpenedPdf) -> int | None:
    """The first page with a "Phụ lục" line followed by a table header ("Stt … Nhiệm vụ")."""
    for index in range(doc.page_count):
        with read_page(doc, index) as (_page, tp, _frame):
            lines = [clean(ln) for ln in tp.get_text_range().splitlines() if clean(ln)]
        seen = False
        for ln in lines[:40]:
            head = ln[:3].lower()
            if head.startswith(("ph", "stt", "tt")):
                f = fold(ln)
                if _APPENDIX.match(f):
                    seen = True
                elif seen and _TABLE_HEADER.match(f):
                    return index + 1
    return None


def ocr_page_lines(doc: OpenedPdf, page_no: int, lang: str, dpi: int, max_pixels: int | None = None) -> list[BodyLine]:
    """A scanned page read whole by Tesseract (automatic layout, so the two-column national header
    comes out as lines too), each line corrected like OCR'd table cells; no font information."""
    from extractors.ocr_image import DEFAULT_MAX_RENDER_PIXELS, page_to_gray_limited
    from extractors.ocr_tesseract import image_to_words
    from normalizers.ocr_correct import correct_cell

    page = load_page(doc, page_no - 1)
    try:
        try:
            gray, used = page_to_gray_limited(page, dpi, max_pixels or DEFAULT_MAX_RENDER_PIXELS)
        except pdfium.PdfiumError as e:
            raise BadInputError(doc.path.name, f"cannot render the page ({e})", page_no) from None
        if used < dpi:
            doc.warn("body", f"page rendered at {used:.0f} dpi instead of {dpi} for OCR (read.max_render_pixels)", page_no)
        words = image_to_words(gray, lang=lang, psm=3, dpi=int(round(used)))
    finally:
        page.close()
    by_line: dict[tuple, list] = {}
    for w in words:  # Tesseract's (block, paragraph, line) order is its reading order
        by_line.setdefault(w.line, []).append(w)
    lines = [[(w.text, w.conf) for w in sorted(ws, key=lambda w: w.left)] for ws in by_line.values()]
    out = [BodyLine(page_no, clean(" ".join(ws))) for ws in correct_cell(lines)]
    return [ln for ln in out if ln.text.strip(" _-.:")]


def _ocr_usable(ocr) -> bool:
    if ocr is None or getattr(ocr, "ocr", "off") == "off":
        return False
    from extractors.ocr import ocr_available
    return ocr_available(ocr.ocr_lang) is None


def pdf_to_body_text(doc: OpenedPdf, first_appendix_page: int | None, ocr=None) -> BodyText:
    """Lines of the pages before `first_appendix_page` (1-based; None: every page is body),
    and the appendix heading lines of that page. `ocr` (ReadSettings): pages without a text layer
    are read by Tesseract when it allows OCR and Tesseract is there; otherwise they are listed
    in `pages_without_text`."""
    last = doc.page_count if first_appendix_page is None else min(first_appendix_page - 1, doc.page_count)
    use_ocr = None  # decided on the first page that needs it
    ocr_done: list[int] = []

    def lines_of(p: int) -> list[BodyLine]:
        nonlocal use_ocr
        got = page_lines(doc, p)
        if got:
            return got
        if use_ocr is None:
            use_ocr = _ocr_usable(ocr)
        if not use_ocr:
            return []
        ocr_done.append(p)
        return ocr_page_lines(doc, p, ocr.ocr_lang, ocr.ocr_dpi, getattr(ocr, "max_render_pixels", None))

    lines: list[BodyLine] = []
    empty: list[int] = []
    for p in range(1, last + 1):
        got = lines_of(p)
        if not got:
            empty.append(p)
        lines.extend(got)
    heading: list[BodyLine] = []
    if first_appendix_page is not None and 1 <= first_appendix_page <= doc.page_count:
        attached = False  # inside "(Kèm theo Kế hoạch số … ngày …)"
        for ln in lines_of(first_appendix_page)[:8]:
            if _TABLE_HEADER.match(fold(ln.text)):
                break
            heading.append(ln)
            attached = attached or "kèm theo" in fold(ln.text)
            if attached and ln.text.rstrip().endswith(")"):
                break  # the subtitle closes the heading
    return BodyText(lines, heading, list(range(1, last + 1)), empty, first_appendix_page, ocr_done)
