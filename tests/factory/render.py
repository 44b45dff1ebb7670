"""Drawing plans into PDFs that look like Word exports (text layer + stroked ruling lines)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from .body import draw_body_page, layout_body
from .geometry import PageGeometry
from .layout import layout_appendix
from .pages import AppendixPage, MeasuredPage, TableStyle, measure_page
from .spec import FIELDS, PlanSpec, Truth
from .truth import build_truth


@dataclass
class PlanLayout:
    """Everything decided before drawing: body lines per page, appendix pages, truth."""
    spec: PlanSpec
    geometry: PageGeometry
    body: list  # list[list[body.TextLine]]
    appendix: list[AppendixPage]
    truth: Truth


def layout_plan(spec: PlanSpec, geometry: PageGeometry | None = None) -> PlanLayout:
    """Automatic layout without writing a PDF (fast; used for property tests)."""
    geo = geometry or PageGeometry()
    return _assemble(spec, geo, layout_appendix(spec, geo))


def layout_explicit(spec: PlanSpec, pages: list[AppendixPage], geometry: PageGeometry | None = None,
                    ) -> PlanLayout:
    """Layout with the appendix page breaks given (the seed); every page must fit."""
    geo = geometry or PageGeometry()
    style = TableStyle.from_spec(spec)
    for k, page in enumerate(pages):
        over = measure_page(page, style, geo).overflow
        if over > 1e-3:
            raise ValueError(f"appendix page {k} overflows the bottom margin by {over:.1f} pt")
    return _assemble(spec, geo, pages)


def _assemble(spec: PlanSpec, geo: PageGeometry, pages: list[AppendixPage]) -> PlanLayout:
    body = layout_body(spec, geo)
    truth = build_truth(spec, pages, len(body) + 1, len(body) + len(pages))
    return PlanLayout(spec, geo, body, pages, truth)


def render_plan(spec: PlanSpec, path: str | Path, *, geometry: PageGeometry | None = None,
                rng: random.Random | None = None) -> Truth:
    """Lay the plan out (body, then appendix with automatic page breaks), write the PDF,
    return the truth. Without a geometry, rng (if given) draws one with random_geometry."""
    if geometry is None and rng is not None:
        from .random_plan import random_geometry
        geometry = random_geometry(rng)
    plan = layout_plan(spec, geometry)
    write_pdf(plan, path)
    return plan.truth


def render_explicit(spec: PlanSpec, pages: list[AppendixPage], path: str | Path, *,
                    geometry: PageGeometry | None = None) -> Truth:
    """Lower-level renderer: the appendix pages (rows, merges, page breaks) are given."""
    plan = layout_explicit(spec, pages, geometry)
    write_pdf(plan, path)
    return plan.truth


def write_pdf(plan: PlanLayout, path: str | Path) -> None:
    geo = plan.geometry
    # invariant=1: fixed document id and dates, so the same plan gives the same bytes.
    canvas = Canvas(str(path), pagesize=geo.body_size, invariant=1, pageCompression=1)
    canvas.setTitle(f"Kế hoạch {plan.spec.number}")
    canvas.setAuthor(f"UBND tỉnh {plan.spec.province}")
    canvas.setCreator("tests.factory")
    for lines in plan.body:
        canvas.setPageSize(geo.body_size)
        draw_body_page(canvas, lines)
        canvas.showPage()
    style = TableStyle.from_spec(plan.spec)
    for page in plan.appendix:
        canvas.setPageSize(geo.appendix_size)
        draw_appendix_page(canvas, measure_page(page, style, geo), geo, style.columns)
        canvas.showPage()
    canvas.save()


def draw_appendix_page(canvas, m: MeasuredPage, geo: PageGeometry, columns: tuple[str, ...] = FIELDS) -> None:
    for line in m.title:
        canvas.setFont(line.font, line.size)
        canvas.drawCentredString(geo.margin_left + geo.text_width / 2, line.baseline, line.text)

    col_x = geo.col_x_for(columns)
    xs = [col_x[f] for f in columns] + [geo.margin_left + geo.text_width]
    tops = m.row_tops()
    bottoms = [t - h for t, h in zip(tops, m.heights)]
    last_row, last_col = len(m.heights) - 1, len(columns)
    size, lead = geo.font_size, geo.leading

    canvas.setLineWidth(geo.rule_width)
    canvas.setStrokeColorRGB(0, 0, 0)
    for box in m.cells:
        x0, x1 = xs[box.col0], xs[box.col1]
        top, bottom = tops[box.row0], bottoms[box.row1]
        # One stroked segment per cell edge: top and left edges of every cell, plus the
        # right/bottom edges on the table's outer border. A merged cell therefore has no
        # rule between its rows, and a spanned cell none between its columns.
        canvas.line(x0, top, x1, top)
        canvas.line(x0, top, x0, bottom)
        if box.col1 == last_col:
            canvas.line(x1, top, x1, bottom)
        if box.row1 == last_row:
            canvas.line(x0, bottom, x1, bottom)
        # Text: top-aligned, one drawString per line.
        canvas.setFont(box.font, size)
        for i, text in enumerate(box.lines):
            base = top - geo.pad_y - i * lead - geo.baseline_offset(size, lead)
            if box.align == "center":
                canvas.drawCentredString((x0 + x1) / 2, base, text)
            else:
                canvas.drawString(x0 + geo.pad_x, base, text)
