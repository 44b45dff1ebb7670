"""Body pages (portrait): national header, title, headings, paragraphs, signature.

Laid out into a list of pages of positioned text lines first, so the page count is
known without drawing anything. No ruled lines: the extractor must find no table here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .fonts import font_name, text_width, wrap
from .geometry import PageGeometry
from .spec import PlanSpec
from .table import norm


@dataclass
class TextLine:
    text: str
    x: float
    baseline: float
    font: str
    size: float
    align: str = "left"  # "left" | "center" (x is the centre)


def national_header(spec: PlanSpec) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(text, style) lines of the two header columns, built from the spec's metadata."""
    d = spec.issued
    left = [("ỦY BAN NHÂN DÂN", "regular"), (f"TỈNH {spec.province.upper()}", "bold"),
            (f"Số: {spec.number}", "regular")]
    right = [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "bold"), ("Độc lập - Tự do - Hạnh phúc", "bold"),
             (f"{spec.province}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}", "italic")]
    return left, right


def _font(style: str) -> str:
    return font_name(bold=style == "bold", italic=style == "italic")


def layout_body(spec: PlanSpec, geo: PageGeometry) -> list[list[TextLine]]:
    size, lead = geo.body_font_size, geo.body_leading
    page_w, page_h = geo.body_size
    left, width = geo.body_margin_left, geo.body_text_width
    top, bottom = page_h - geo.body_margin_top, geo.body_margin_bottom
    pages: list[list[TextLine]] = [[]]
    y = top

    def need(height: float) -> None:
        nonlocal y
        if y - height < bottom and pages[-1]:
            pages.append([])
            y = top

    def put(text: str, x: float, font: str, align: str = "left", sz: float = size) -> None:
        nonlocal y
        need(lead)
        pages[-1].append(TextLine(text, x, y - geo.baseline_offset(sz, lead), font, sz, align))
        y -= lead

    def lines(text: str, font: str, indent: float = 0.0, align: str = "left") -> None:
        x = left + width / 2 if align == "center" else left + indent
        for line in wrap(norm(text), width - indent, font, size):
            put(line, x, font, align)

    for block in spec.body:
        if block.kind == "national_header":
            l_col, r_col = national_header(spec)
            hsize = size - 1  # Word plans set this block a point smaller
            x_l, x_r = left + width * 0.2, left + width * 0.68
            y0 = y
            for col, x in ((l_col, x_l), (r_col, x_r)):
                y = y0
                for text, style in col:
                    put(text, x, _font(style), "center", hsize)
            y -= geo.body_para_gap * 2
        elif block.kind == "title":
            lines(block.text, font_name(bold=True), align="center")
        elif block.kind == "heading":
            need(lead * 2)  # keep a heading with the next line
            lines(block.text, font_name(bold=True))
        elif block.kind == "item":
            lines(block.text, font_name(), indent=14.0)
            continue  # list items have no gap between them
        elif block.kind == "signature":
            sig = block.text.split("\n")
            need(lead * len(sig))
            x = left + width * 0.72
            for text in sig:
                put(norm(text), x, font_name(bold=True), "center")
        else:  # "para" and anything unknown
            lines(block.text, font_name())
        y -= geo.body_para_gap
    return pages


def draw_body_page(canvas, lines: list[TextLine]) -> None:
    for line in lines:
        canvas.setFont(line.font, line.size)
        if line.align == "center":
            canvas.drawCentredString(line.x, line.baseline, line.text)
        else:
            canvas.drawString(line.x, line.baseline, line.text)


def body_fits_width(lines: list[TextLine], geo: PageGeometry) -> bool:
    """Every line stays inside the page's side margins (used by tests)."""
    for ln in lines:
        w = text_width(ln.text, ln.font, ln.size)
        x0 = ln.x - w / 2 if ln.align == "center" else ln.x
        if x0 < geo.body_margin_left - 1 or x0 + w > geo.body_size[0] - geo.body_margin_right + 1:
            return False
    return True


# ---- documents of every type that carries task tables ------------------------------------------
# A document's header block as printed, with or without its number and date stamped at signing,
# page numbers at the top of pages from page 2, an attached plan (Quyết định, Nghị quyết) and an
# appendix page with a task table. `render_document` writes it and returns nothing: the spec is
# the truth (`DocumentSpec.expected`).

@dataclass
class DocumentSpec:
    doc_type: str  # the type line ("KẾ HOẠCH"), "" for a Công văn (its subject stands under the number)
    issuer_lines: list[str]  # the header's left column above "Số:" ("UBND TỈNH X", "SỞ Y")
    number: str  # "196/KH-UBND", "402-CV/VPĐU"
    place: str
    issued: date
    title_lines: list[str]  # under the type line; for a Công văn its "V/v …" lines
    motto: tuple[str, str] | None = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
    party: bool = False  # Party document: "Số 402-CV/VPĐU", no colon
    authority: str | None = None  # "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH X" under a Quyết định's title
    paragraphs: list[tuple[str, str]] = field(default_factory=list)  # (kind, text): para | heading
    signature: list[str] = field(default_factory=list)
    signer: str = "Nguyễn Văn An"
    attached: list[str] = field(default_factory=list)  # the issued plan's type line, title and note
    attached_paragraphs: list[tuple[str, str]] = field(default_factory=list)
    appendix_title: list[str] = field(default_factory=list)
    table_labels: list[str] = field(default_factory=lambda: ["TT", "Nội dung", "Đơn vị chủ trì", "Thời gian"])
    stamp: str = "none"  # none | inline | form | annotation | offset: how the number and date are stamped
    table_on_body_page: bool = False  # the appendix heading and table under the body's last line, same page
    page_numbers: bool = True
    expected: dict = field(default_factory=dict)  # the metadata a perfect reader gives


_STAMP_COLOR = (0.0, 0.0, 0.8)  # stamps are often blue or red
_GAP = "          "  # the blank Word leaves for the stamped number / day / month


def _number_parts(spec: DocumentSpec) -> tuple[str, str]:
    """("196", "/KH-UBND") for the stamp: the digits and what the template prints after the blank."""
    num = spec.number
    k = 0
    while k < len(num) and num[k].isdigit():
        k += 1
    return num[:k], num[k:]


def header_texts(spec: DocumentSpec) -> tuple[str, str]:
    """The number line and the place-date line as the Word text prints them (blank when stamped)."""
    label = "Số " if spec.party else "Số: "
    digits, rest = _number_parts(spec)
    d = spec.issued
    if spec.stamp == "none":
        return f"{label}{spec.number}", f"{spec.place}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"
    return f"{label}{_GAP}{rest}", f"{spec.place}, ngày{_GAP}tháng{_GAP}năm {d.year}"


@dataclass
class _Stamp:
    text: str
    x: float
    baseline: float
    size: float


def layout_document(spec: DocumentSpec, geo: PageGeometry | None = None) -> tuple[list[list[TextLine]], list[_Stamp]]:
    """Body pages of positioned lines (page numbers included) and the stamps of page 1."""
    geo = geo or PageGeometry()
    size, lead = geo.body_font_size, geo.body_leading
    page_w, page_h = geo.body_size
    left, width = geo.body_margin_left, geo.body_text_width
    top, bottom = page_h - geo.body_margin_top, geo.body_margin_bottom
    pages: list[list[TextLine]] = [[]]
    y = top
    regular, bold, italic = font_name(), font_name(bold=True), font_name(italic=True)

    def new_page() -> None:
        nonlocal y
        pages.append([])
        y = top
        if spec.page_numbers:  # Decree 30/2020: centred in the top margin from page 2
            pages[-1].append(TextLine(str(len(pages)), left + width / 2, page_h - geo.body_margin_top / 2,
                                      regular, size - 1, "center"))

    def put(text: str, x: float, font: str, align: str = "left", sz: float = size) -> float:
        nonlocal y
        if y - lead < bottom and pages[-1]:
            new_page()
        base = y - geo.baseline_offset(sz, lead)
        pages[-1].append(TextLine(text, x, base, font, sz, align))
        y -= lead
        return base

    def lines(text: str, font: str, align: str = "left", indent: float = 0.0) -> None:
        x = left + width / 2 if align == "center" else left + indent
        for ln in wrap(norm(text), width - indent, font, size):
            put(ln, x, font, align)

    # the header block: issuer over the number (left), motto over place and date (right)
    hsize = size - 1
    x_l, x_r = left + width * 0.2, left + width * 0.68
    number_line, date_line = header_texts(spec)
    y0 = y
    number_base = date_base = 0.0
    for text in spec.issuer_lines:
        put(text, x_l, bold, "center", hsize)
    number_base = put(number_line, x_l, regular, "center", hsize)
    subject_y = y
    y = y0
    if spec.motto:
        for text in spec.motto:
            put(text, x_r, bold, "center", hsize)
    if spec.motto and len(spec.motto) < len(spec.issuer_lines):
        y -= lead * (len(spec.issuer_lines) - len(spec.motto))
    date_base = put(date_line, x_r, italic, "center", hsize)
    y = min(y, subject_y)
    if not spec.doc_type:  # a Công văn: the subject under the number, in the left column
        for text in spec.title_lines:
            put(text, x_l, regular, "center", hsize)
    y -= geo.body_para_gap * 2
    if spec.doc_type:
        put(spec.doc_type, left + width / 2, bold, "center")
        for text in spec.title_lines:
            put(text, left + width / 2, bold, "center")
    if spec.authority:
        y -= geo.body_para_gap
        put(spec.authority, left + width / 2, bold, "center")
    y -= geo.body_para_gap

    def paragraphs(items: list[tuple[str, str]]) -> None:
        nonlocal y
        for kind, text in items:
            if kind == "heading":
                lines(text, bold)
            else:
                lines(text, regular, indent=0.0)
            y -= geo.body_para_gap

    paragraphs(spec.paragraphs)
    if spec.signature:
        if y - lead * (len(spec.signature) + 4) < bottom:
            new_page()
        put("Nơi nhận:", left, bold)
        x_s = left + width * 0.72
        y += lead
        for text in spec.signature:
            put(text, x_s, bold, "center")
        put("- Như trên;", left, regular)
        put("- Lưu: VT.", left, regular)
        y -= lead
        put(spec.signer, x_s, bold, "center")
    if spec.attached:
        new_page()
        for text in spec.attached:
            font = italic if text.startswith("(") else bold
            for ln in wrap(norm(text), width, font, size):
                put(ln, left + width / 2, font, "center")
        y -= geo.body_para_gap
        paragraphs(spec.attached_paragraphs)

    stamps: list[_Stamp] = []
    if spec.stamp != "none":
        digits, _rest = _number_parts(spec)
        label = "Số " if spec.party else "Số: "
        x_num = x_l - text_width(number_line, regular, hsize) / 2 + text_width(label, regular, hsize) + 4
        d = spec.issued
        x_date0 = x_r - text_width(date_line, italic, hsize) / 2
        day_x = x_date0 + text_width(f"{spec.place}, ngày ", italic, hsize) + 4
        month_x = x_date0 + text_width(f"{spec.place}, ngày{_GAP}tháng ", italic, hsize) + 4
        if spec.stamp == "offset":  # one full date above the date line, the number a little raised
            stamps = [_Stamp(digits, x_num, number_base + 3, hsize),
                      _Stamp(f"{d.day:02d}/{d.month:02d}/{d.year}", x_date0 + 20, date_base + lead * 1.6, hsize)]
        else:
            stamps = [_Stamp(digits, x_num, number_base, hsize), _Stamp(f"{d.day:02d}", day_x, date_base, hsize),
                      _Stamp(f"{d.month:02d}", month_x, date_base, hsize)]
    return pages, stamps


def _draw_table_page(canvas, spec: DocumentSpec, geo: PageGeometry, y: float | None = None,
                     page_size: tuple[float, float] | None = None, margins: tuple[float, float] | None = None) -> None:
    """An appendix: heading, then a small ruled task table under `table_labels` (by default on a
    landscape page of its own; `y`, `page_size`, `margins`: below the text of a body page)."""
    w, h = page_size or geo.appendix_size
    x0, x1 = (margins[0], w - margins[1]) if margins else (geo.margin_left, w - geo.margin_right)
    y = h - geo.margin_top if y is None else y
    for i, text in enumerate(spec.appendix_title):
        canvas.setFont(font_name(bold=not text.startswith("("), italic=text.startswith("(")), geo.title_size)
        canvas.drawCentredString((x0 + x1) / 2, y - (i + 1) * geo.title_size * 1.3, text)
    top = y - (len(spec.appendix_title) + 1) * geo.title_size * 1.3 - geo.title_gap
    n = len(spec.table_labels)
    widths = [0.06] + [0.94 / (n - 1)] * (n - 1)
    xs = [x0]
    for wd in widths:
        xs.append(xs[-1] + wd * (x1 - x0))
    rows = [spec.table_labels, ["1", "Rà soát văn bản quy phạm pháp luật", "Sở Tư pháp", "Quý II/2025"][:n],
            ["2", "Công khai thủ tục hành chính", "Văn phòng", "Tháng 6/2025"][:n]]
    rh = 24.0
    canvas.setLineWidth(0.6)
    for r, cells in enumerate(rows):
        yt = top - r * rh
        canvas.line(x0, yt, x1, yt)
        for c, text in enumerate(cells):
            canvas.setFont(font_name(bold=r == 0), geo.font_size)
            canvas.drawString(xs[c] + 3, yt - 16, text)
    yb = top - len(rows) * rh
    canvas.line(x0, yb, x1, yb)
    for x in xs:
        canvas.line(x, top, x, yb)


def render_document(spec: DocumentSpec, path, geo: PageGeometry | None = None) -> int:
    """Write the document (body pages, stamps, an appendix page when `appendix_title` is set);
    returns the 1-based page of the appendix table (0 when there is none)."""
    from reportlab.pdfgen.canvas import Canvas

    geo = geo or PageGeometry()
    pages, stamps = layout_document(spec, geo)
    canvas = Canvas(str(path), pagesize=geo.body_size, invariant=1, pageCompression=1)
    for k, page in enumerate(pages):
        canvas.setPageSize(geo.body_size)
        draw_body_page(canvas, page)
        if spec.table_on_body_page and k == len(pages) - 1:
            y_last = min(ln.baseline for ln in page) - geo.body_leading
            _draw_table_page(canvas, spec, geo, y_last, geo.body_size, (geo.body_margin_left, geo.body_margin_right))
        if k == 0 and stamps:  # drawn after the page's own text, as a signing tool adds them
            if spec.stamp == "annotation":
                for s in stamps:
                    w = text_width(s.text, font_name(bold=True), s.size)
                    canvas.freeTextAnnotation(s.text, f"/Helv {s.size:.0f} Tf 0 0 1 rg",
                                              Rect=(s.x, s.baseline - 2, s.x + w + 2, s.baseline + s.size))
            elif spec.stamp == "form":
                canvas.beginForm("stamp")
                canvas.setFillColorRGB(*_STAMP_COLOR)
                for s in stamps:
                    canvas.setFont(font_name(bold=True), s.size)
                    canvas.drawString(s.x - 30, s.baseline - 5, s.text)
                canvas.endForm()
                canvas.saveState()
                canvas.translate(30, 5)  # the form is placed by its matrix
                canvas.doForm("stamp")
                canvas.restoreState()
            else:
                canvas.saveState()
                canvas.setFillColorRGB(*_STAMP_COLOR)
                for s in stamps:
                    canvas.setFont(font_name(bold=True), s.size)
                    canvas.drawString(s.x, s.baseline, s.text)
                canvas.restoreState()
        canvas.showPage()
    table_page = len(pages) if spec.table_on_body_page else 0
    if spec.appendix_title and not spec.table_on_body_page:
        canvas.setPageSize(geo.appendix_size)
        if spec.page_numbers:
            canvas.setFont(font_name(), geo.font_size)
            canvas.drawCentredString(geo.appendix_size[0] / 2, geo.appendix_size[1] - geo.margin_top / 2,
                                     str(len(pages) + 1))
        _draw_table_page(canvas, spec, geo)
        canvas.showPage()
        table_page = len(pages) + 1
    canvas.save()
    return table_page
