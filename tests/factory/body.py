"""Body pages (portrait): national header, title, headings, paragraphs, signature.

Laid out into a list of pages of positioned text lines first, so the page count is
known without drawing anything. No ruled lines: the extractor must find no table here.
"""
from __future__ import annotations

from dataclasses import dataclass

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
