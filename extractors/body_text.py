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
from core.records import BodyLine, BodyText, TextRun
from core.text import clean, fold
from core.vocabulary import HEADER_VOCABULARY
from extractors.pdf_document import OpenedPdf, load_page, read_page

# A printed line: PDFium's text up to a line break, or up to a hyphen it marked (U+FFFE) at a line
# end and joined to the next line itself ("QĐ-" | "UBND"): that is two printed lines, kept apart
# here so each has its own position; the marked hyphen ends the first one as "-".
_LINE = re.compile(r"[^\r\n\ufffe\x02]*[\ufffe\x02]|[^\r\n\ufffe\x02]+")
_BOLD_WEIGHT = 600
_APPENDIX = re.compile(r"^phụ lục\b", re.IGNORECASE)
# Header labels of task tables (core.vocabulary), folded, longest first; and the roles that make one.
_LABELS = sorted({(fold(lab), role) for role, labs in HEADER_VOCABULARY.items() for lab in labs},
                 key=lambda x: -len(x[0]))
_LABEL_RX = [(re.compile(rf"(?<!\w){re.escape(lab)}(?!\w)"), role) for lab, role in _LABELS]
_HEAD_WINDOW = 8  # printed lines a header row's cells may take


def _label_roles(text: str) -> tuple[set[str], int]:
    """Roles whose labels occur in folded `text`, and how many of its words they cover."""
    roles: set[str] = set()
    rest = text
    for rx, role in _LABEL_RX:
        rest, n = rx.subn(" ", rest)
        if n:
            roles.add(role)
    covered = len(text.split()) - len(rest.split())
    return roles, covered


def table_header_at(lines: list[str], i: int) -> int:
    """Lines a task table's header row takes from lines[i] ("Stt Nhiệm vụ … Chủ trì … Thời gian", or
    its cells one per line, any wording of core.vocabulary, any case): 0 when none starts there.
    A header names a task or activity and a lead, deadline or output (the locate stage's
    required_any), and is made of labels (at least 60 % of its words), which tells it from a body
    paragraph that mentions "chủ trì" and "thời gian"."""
    first = fold(lines[i])
    if not first or not any(rx.match(first) for rx, _ in _LABEL_RX):
        return 0
    words = 0
    covered = 0
    roles: set[str] = set()
    for k in range(i, min(len(lines), i + _HEAD_WINDOW)):
        text = fold(lines[k])
        r, c = _label_roles(text)
        words += len(text.split())
        covered += c
        roles |= r
        if roles & {"task", "activity"} and roles & {"lead", "deadline", "output"} and covered >= 0.6 * words:
            return k - i + 1
    return 0


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


# ---- text objects (values stamped at signing) ------------------------------------------------
_HEADER_SHARE = 0.45  # the header block (number, date) lies in the top part of the first page


def _font_name(obj) -> str | None:
    font = pdfium_c.FPDFTextObj_GetFont(obj)
    if not font:
        return None
    buf = ctypes.create_string_buffer(128)
    n = pdfium_c.FPDFFont_GetBaseFontName(font, buf, len(buf))
    return buf.value.decode("latin-1", "replace") or None if n > 0 else None


def _obj_text(obj, tp) -> str:
    n = pdfium_c.FPDFTextObj_GetText(obj, tp, None, 0)  # bytes, UTF-16LE with a terminating NUL
    if n <= 2:
        return ""
    buf = ctypes.create_string_buffer(n)
    pdfium_c.FPDFTextObj_GetText(obj, tp, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)), n)
    return buf.raw[:n - 2].decode("utf-16-le", "replace")


def _form_chain_transform(obj, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Bounds of an object inside Form XObjects, mapped to page space through the forms' matrices."""
    x0, y0, x1, y1 = box
    form = obj.container
    while form is not None:
        m = form.get_matrix()
        pts = [(m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f) for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
        x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
        y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
        form = form.container
    return x0, y0, x1, y1


def page_runs(doc: OpenedPdf, page_no: int, top_share: float = _HEADER_SHARE) -> list[TextRun]:
    """The text objects in the top `top_share` of a page (1-based), in drawing order, with their font,
    size, fill colour and box; plus the text of FreeText and Stamp annotations there (some signing
    tools stamp the number and date as annotations, which a page's text layer leaves out)."""
    page = doc.pdf[page_no - 1]
    tp = page.get_textpage()
    out: list[TextRun] = []
    try:
        height = page.get_height()
        limit = height * (1 - top_share)
        r, g, b, a = (ctypes.c_uint() for _ in range(4))
        size = ctypes.c_float()
        for order, obj in enumerate(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=4)):
            x0, y0, x1, y1 = obj.get_bounds()
            if obj.container is not None:
                x0, y0, x1, y1 = _form_chain_transform(obj, (x0, y0, x1, y1))
            if y1 < limit:
                continue
            text = clean(_obj_text(obj.raw, tp.raw))
            if not text:
                continue
            color = None
            if pdfium_c.FPDFPageObj_GetFillColor(obj.raw, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b),
                                                 ctypes.byref(a)):
                color = (r.value, g.value, b.value)
            fs = size.value if pdfium_c.FPDFTextObj_GetFontSize(obj.raw, ctypes.byref(size)) else None
            out.append(TextRun(page_no, text, x0, y0, x1, y1, fs, _font_name(obj.raw), color, order,
                               "form" if obj.container is not None else "content"))
        n_annots = pdfium_c.FPDFPage_GetAnnotCount(page.raw)
        for k in range(max(0, n_annots)):
            annot = pdfium_c.FPDFPage_GetAnnot(page.raw, k)
            if not annot:
                continue
            try:
                if pdfium_c.FPDFAnnot_GetSubtype(annot) not in (pdfium_c.FPDF_ANNOT_FREETEXT, pdfium_c.FPDF_ANNOT_STAMP):
                    continue
                n = pdfium_c.FPDFAnnot_GetStringValue(annot, b"Contents", None, 0)
                if n <= 2:
                    continue
                buf = ctypes.create_string_buffer(n)
                pdfium_c.FPDFAnnot_GetStringValue(annot, b"Contents", ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)), n)
                text = clean(buf.raw[:n - 2].decode("utf-16-le", "replace"))
                rect = pdfium_c.FS_RECTF()
                if not text or not pdfium_c.FPDFAnnot_GetRect(annot, ctypes.byref(rect)) or rect.top < limit:
                    continue
                out.append(TextRun(page_no, text, rect.left, rect.bottom, rect.right, rect.top,
                                   rect.top - rect.bottom, None, None, 10_000 + k, "annotation"))
            finally:
                pdfium_c.FPDFPage_CloseAnnot(annot)
    finally:
        tp.close()
        page.close()
    return out


def find_first_appendix_page(doc: OpenedPdf) -> int | None:
    """The first page with a "Phụ lục" line followed by a task table's header (`table_header_at`);
    without any "Phụ lục", the first page where a task table's header starts (a table in the body,
    "Phân công nhiệm vụ")."""
    bare = None
    for index in range(doc.page_count):
        with read_page(doc, index) as (_page, tp, _frame):
            lines = [clean(ln) for ln in tp.get_text_range().splitlines() if clean(ln)]
        seen = False
        for k, ln in enumerate(lines):
            if _APPENDIX.match(fold(ln)):
                seen = True
            elif table_header_at(lines, k):
                if seen:
                    return index + 1
                bare = bare or index + 1
                break
    return bare


def ocr_page_lines(doc: OpenedPdf, page_no: int, lang: str, dpi: int, max_pixels: int | None = None) -> list[BodyLine]:
    """A scanned page read whole by Tesseract (automatic layout, so the two-column national header
    comes out as lines too), each line corrected like OCR'd table cells; no font information."""
    from extractors.ocr_image import DEFAULT_MAX_RENDER_PIXELS, page_to_gray_limited
    from extractors.ocr_tesseract import image_to_words, words_to_lines

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
    return ocr_words_to_lines(page_no, words_to_lines(words))


def ocr_words_to_lines(page_no: int, lines) -> list[BodyLine]:
    """Tesseract's lines (each its (word, confidence) pairs, left to right), corrected like OCR'd
    table cells; no font information."""
    from normalizers.ocr_correct import correct_cell

    out = [BodyLine(page_no, clean(" ".join(ws))) for ws in correct_cell([list(ln) for ln in lines])]
    return [ln for ln in out if ln.text.strip(" _-.:")]


def _ocr_usable(ocr) -> bool:
    if ocr is None or getattr(ocr, "ocr", "off") == "off":
        return False
    from extractors.ocr import ocr_available
    return ocr_available(ocr.ocr_lang) is None


_LONE_NUMBER = re.compile(r"^[-–]?\s*\d{1,3}\s*[-–]?$")


def _heading_block(lines: list[BodyLine]) -> list[BodyLine]:
    """From "Phụ lục" (or a title in capitals) through its "(Kèm theo … ngày …)" subtitle."""
    out: list[BodyLine] = []
    attached = False
    for ln in lines:
        out.append(ln)
        attached = attached or "kèm theo" in fold(ln.text)
        if attached and ln.text.rstrip().endswith(")"):
            break  # the subtitle closes the heading
    return out


def split_table_page(got: list[BodyLine], table_below: bool = False) -> tuple[list[BodyLine], list[BodyLine]]:
    """(body lines, heading lines) of the page where the task table starts: the body may end on
    that page above the "Phụ lục" heading, or the table may start in the body with no heading
    ("Phân công nhiệm vụ"); the page number at the top is neither. `table_below`: `got` holds only
    the lines above the table (the table is where they end), else the table is found by its header."""
    texts = [ln.text for ln in got]
    h = len(got) if table_below else next((k for k in range(min(len(got), 80)) if table_header_at(texts, k)), None)
    if got and _LONE_NUMBER.match(got[0].text):
        got, texts = got[1:], texts[1:]
        h = None if h is None else max(0, h - 1)
    if h is None:  # header not recognised: the heading is what the first lines say, no body
        return [], _heading_block(got[:10])
    pre = got[:h]
    a = next((k for k, ln in enumerate(pre) if _APPENDIX.match(fold(ln.text))), None)
    if a is not None:
        return pre[:a], _heading_block(pre[a:])
    k = len(pre)  # no "Phụ lục": the heading is the block of capitals / "(Kèm theo …)" right above the table
    inside = False
    while k > 0:
        t = pre[k - 1].text
        if t.rstrip().endswith(")") and "(" not in t:
            inside = True
        if inside or t.startswith("(") or (sum(c.isupper() for c in t) > 0.8 * max(1, sum(c.isalpha() for c in t))
                                          and not re.match(r"^[IVX]+\.", t)):
            if t.startswith("("):
                inside = False
            k -= 1
            continue
        break
    return pre[:k], pre[k:]


def pdf_to_body_text(doc: OpenedPdf, first_appendix_page: int | None, ocr=None) -> BodyText:
    """Lines of the pages before `first_appendix_page` (1-based; None: every page is body),
    and the appendix heading lines of that page. `ocr` (ReadSettings): pages without a text layer
    are read by Tesseract when it allows OCR and Tesseract is there; otherwise they are listed
    in `pages_without_text`."""
    last = doc.page_count if first_appendix_page is None else min(first_appendix_page - 1, doc.page_count)
    use_ocr = None  # decided on the first page that needs it
    ocr_done: list[int] = []
    above_only: set[int] = set()  # pages whose lines stop where their first table starts

    def lines_of(p: int, above_table: bool = False) -> list[BodyLine]:
        """`above_table`: only the lines above the page's first table are wanted (the table page)."""
        nonlocal use_ocr
        got = page_lines(doc, p)
        if got:
            return got
        # Read by the read stage's OCR workers: a whole page, or what stands above the table when
        # that is all that is wanted (a table page in the body is read whole, here, below).
        read = doc.ocr_text.get(p)
        if read is not None and (read.region == "page" or above_table):
            ocr_done.append(p)
            if read.region == "above_table":
                above_only.add(p)
            return ocr_words_to_lines(p, read.lines)
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
        got = lines_of(first_appendix_page, above_table=True)
        before, heading = split_table_page(got, table_below=first_appendix_page in above_only)
        lines.extend(before)
    pages = list(range(1, last + 1)) + ([first_appendix_page] if first_appendix_page
                                        and any(ln.page == first_appendix_page for ln in lines) else [])
    runs = page_runs(doc, 1) if lines and lines[0].page == 1 else []
    return BodyText(lines, heading, pages, empty, first_appendix_page, ocr_done, runs)
