"""Page → ruling-line segments, read from the PDF's vector paths with pdfium.

Word draws table borders either as thin filled rectangles or as stroked lines;
both come out here as Rule segments in the page's reading frame (top-left origin, text upright:
extractors/pdf_document.PageFrame). PDFium gives an object's bounds in the space of its container:
paths inside a Form XObject are mapped through the forms' matrices first.
"""
from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from core.records import Rule
from extractors.pdf_document import PageFrame

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _then(m: Matrix, n: Matrix) -> Matrix:
    """m followed by n (PDF row-vector convention: p' = p·m·n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _container_matrix(obj: pdfium.PdfObject, cache: dict[int, Matrix]) -> Matrix:
    """Form space of `obj`'s container → page space (identity for objects directly on the page)."""
    form = obj.container
    if form is None:
        return _IDENTITY
    key = ctypes.cast(form.raw, ctypes.c_void_p).value or 0
    if key not in cache:
        cache[key] = _then(form.get_matrix().get(), _container_matrix(form, cache))
    return cache[key]


def page_to_rules(page: pdfium.PdfPage, max_thickness: float, min_length: float,
                  frame: PageFrame | None = None) -> list[Rule]:
    if frame is None:  # the page as its own space says, upright
        left, bottom, right, top = page.get_bbox()
        frame = PageFrame(0, left, bottom, right, top)
    forms: dict[int, Matrix] = {}
    rules: list[Rule] = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3):
        outer = _container_matrix(obj, forms)
        left, bottom, right, top = obj.get_bounds()
        corners = [_apply(outer, x, y) for x in (left, right) for y in (bottom, top)]
        pts = [frame.point(x, y) for x, y in corners]
        x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
        y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
        w, h = x1 - x0, y1 - y0
        if h <= max_thickness and w >= min_length:
            rules.append(Rule("h", (y0 + y1) / 2, x0, x1))
        elif w <= max_thickness and h >= min_length:
            rules.append(Rule("v", (x0 + x1) / 2, y0, y1))
        elif _is_stroked(obj):
            # A stroked outline (e.g. a rectangle around a cell): take its straight edges.
            rules.extend(_path_edges(obj, _then(obj.get_matrix().get(), outer), frame, min_length))
    return rules


def _is_stroked(obj: pdfium.PdfObject) -> bool:
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill), ctypes.byref(stroke)):
        return False
    return bool(stroke.value)


def _path_edges(obj: pdfium.PdfObject, m: Matrix, frame: PageFrame, min_length: float) -> list[Rule]:
    n = pdfium_c.FPDFPath_CountSegments(obj.raw)
    pts: list[tuple[float, float, int, bool]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for i in range(n):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj.raw, i)
        pdfium_c.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
        px, py = frame.point(*_apply(m, x.value, y.value))
        pts.append((px, py, pdfium_c.FPDFPathSegment_GetType(seg), bool(pdfium_c.FPDFPathSegment_GetClose(seg))))
    out: list[Rule] = []
    start = None
    prev = None
    for px, py, kind, close in pts:
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = prev = (px, py)
            continue
        if prev is not None and kind == pdfium_c.FPDF_SEGMENT_LINETO:
            out.extend(_edge(prev, (px, py), min_length))
        prev = (px, py)
        if close and start is not None:
            out.extend(_edge(prev, start, min_length))
            prev = start
    return out


def _edge(p: tuple[float, float], q: tuple[float, float], min_length: float) -> list[Rule]:
    """A straight edge in frame coordinates (y down) → a Rule, when it is horizontal or vertical."""
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) < 0.5 and abs(x1 - x0) >= min_length:
        return [Rule("h", y0, min(x0, x1), max(x0, x1))]
    if abs(x0 - x1) < 0.5 and abs(y1 - y0) >= min_length:
        return [Rule("v", x0, min(y0, y1), max(y0, y1))]
    return []
