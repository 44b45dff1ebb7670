"""Page → ruling-line segments, read from the PDF's vector paths with pdfium.

Word draws table borders either as thin filled rectangles or as stroked lines;
both come out here as Rule segments in top-left page coordinates.
"""
from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from core.records import Rule


def page_to_rules(page: pdfium.PdfPage, max_thickness: float, min_length: float) -> list[Rule]:
    height = page.get_height()
    rules: list[Rule] = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        if h <= max_thickness and w >= min_length:
            y = height - (top + bottom) / 2
            rules.append(Rule("h", y, left, right))
        elif w <= max_thickness and h >= min_length:
            x = (left + right) / 2
            rules.append(Rule("v", x, height - top, height - bottom))
        elif _is_stroked(obj):
            # A stroked outline (e.g. a rectangle around a cell): take its straight edges.
            rules.extend(_path_edges(obj, height, min_length))
    return rules


def _is_stroked(obj: pdfium.PdfObject) -> bool:
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill), ctypes.byref(stroke)):
        return False
    return bool(stroke.value)


def _path_edges(obj: pdfium.PdfObject, height: float, min_length: float) -> list[Rule]:
    m = obj.get_matrix()
    a, b, c, d, e, f = m.get()
    n = pdfium_c.FPDFPath_CountSegments(obj.raw)
    pts: list[tuple[float, float, int, bool]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for i in range(n):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj.raw, i)
        pdfium_c.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
        px, py = a * x.value + c * y.value + e, b * x.value + d * y.value + f
        pts.append((px, py, pdfium_c.FPDFPathSegment_GetType(seg), bool(pdfium_c.FPDFPathSegment_GetClose(seg))))
    out: list[Rule] = []
    start = None
    prev = None
    for px, py, kind, close in pts:
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = prev = (px, py)
            continue
        if prev is not None and kind == pdfium_c.FPDF_SEGMENT_LINETO:
            out.extend(_edge(prev, (px, py), height, min_length))
        prev = (px, py)
        if close and start is not None:
            out.extend(_edge(prev, start, height, min_length))
            prev = start
    return out


def _edge(p, q, height, min_length) -> list[Rule]:
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) < 0.5 and abs(x1 - x0) >= min_length:
        return [Rule("h", height - y0, min(x0, x1), max(x0, x1))]
    if abs(x0 - x1) < 0.5 and abs(y1 - y0) >= min_length:
        return [Rule("v", x0, height - max(y0, y1), height - min(y0, y1))]
    return []
