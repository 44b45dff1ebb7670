"""Review report: one self-contained HTML file per extracted document, for a person checking it.

    vnplan report OUT/<stem> [--pdf PATH] [--out FILE.html] [--params params.yaml] [--dpi 100]

It opens on a summary: counts, status, and what to review first (low-confidence page-break decisions,
`needs_review` rows, repaired numerals, OCR corrections and unsure OCR cells, unmatched agency mentions,
unknown deadlines), each linking to its list and page. Then every page-break decision with its evidence
and a calibrated confidence (pipeline/calibration.py), the OCR'd pages cell by cell (confidence, Tesseract's
raw reading beside the corrected text), and each appendix page as an image with the detected grid drawn
over it beside the rows reconstructed from it. Sections about columns an extract does not have are left
out. Images are inlined as data: URIs; nothing is fetched from outside; the same inputs give the same bytes.

The PDF is the one the extraction read: --pdf, else the path recorded in document.parquet or in the
batch's OUT/runs.parquet, else data/raw/<file_name> under the current folder. The report is written
outside the extract's folder (which DVC tracks): by default OUT/../reports/<stem>.html.
The grid is recomputed by re-running the read and locate stages with the settings the extraction
recorded (document.parquet `settings_json`), or with --params when given. No OCR is run: scanned pages
come from the extraction's OCR cache (OUT/.cache/ocr, read offline: pipeline/ocr_cache.py), and when
it no longer holds a page, their grid is drawn from ocr_cells.parquet. The cell images beside a flagged
row are cut from a 200-dpi render of the page: its review_cells, the Stt cell of each repaired numeral
it names (numbering_repairs.bbox), else, on a scanned page, its own cells found in ocr_cells.parquet.
HTML comes from the Jinja2 templates in pipeline/templates/ with autoescaping on.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import escape

from core.records import Cell, PageGrid, PageRoute, PageTable
from pipeline import calibration

CACHE_DIR = ".cache"  # OUT/.cache/ocr: the extraction's OCR cache (pipeline.batch.CACHE_DIR)

HELP = "write a self-contained HTML review report of one extracted document"
DESCRIPTION = ("Write one self-contained HTML file for reviewing an extract folder OUT/<stem>: a summary of what "
               "to check first, page-break decisions with calibrated confidences, OCR cells (raw vs corrected), "
               "and every appendix page with its grid beside the rows read from it. Written to "
               "OUT/../reports/<stem>.html unless --out is given.")
DEFAULT_DPI = 100
REPORTS_DIR = "reports"
LOW_CONFIDENCE = 0.9  # calibrated decisions below this are listed first
LOW_OCR_CONFIDENCE = 80.0  # Tesseract mean word confidence (0-100) below which a cell is listed
PDF_PATH_COLUMNS = ("source_path", "pdf_path", "file_path", "path")  # document.parquet, when a version records one

FIELD_COLUMNS = [  # (activities column, header shown, pages column)
    ("activity_text", "Hoạt động", "activity_pages"),
    ("output_text", "Kết quả/ Sản phẩm", "output_pages"),
    ("lead_text", "Chủ trì", "lead_pages"),
    ("partners_text", "Phối hợp", "partners_pages"),
    ("deadline_text", "Thời gian", "deadline_pages"),
]
INHERITED_NAMES = {"activity": "activity_text", "output": "output_text", "lead": "lead_text",
                   "partners": "partners_text", "deadline": "deadline_text"}
SCORED = {"continue_row", "continue_task", "new_activity"}  # decided by the evidence vote, not by the table


def esc(value) -> str:
    """Any value as HTML text, escaped as the templates escape it ("" for None)."""
    return "" if value is None else str(escape(str(value)))


def confidence_class(confidence: float) -> str:
    if confidence >= 0.95:
        return "conf-high"
    if confidence >= 0.75:
        return "conf-mid"
    return "conf-low"


# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass
class ReportInputs:
    folder: Path
    document: dict
    activities: list[dict]
    stitches: list[dict]
    mentions: list[dict]
    tables: dict[str, list[dict]] = field(default_factory=dict)  # the other tables present (ocr_cells, tasks, …)


def _read(folder: Path, name: str) -> list[dict]:
    import pyarrow.parquet as pq

    path = folder / f"{name}.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found (is {folder} an extract folder OUT/<stem>?)")
    return pq.read_table(path).to_pylist()


def load_inputs(folder: str | Path) -> ReportInputs:
    folder = Path(folder)
    docs = _read(folder, "document")
    if len(docs) != 1:
        raise ValueError(f"{folder / 'document.parquet'}: expected one row, found {len(docs)}")
    others = {p.stem: _read(folder, p.stem) for p in sorted(folder.glob("*.parquet"))
              if p.stem not in {"document", "activities", "stitches", "activity_agencies"}}
    return ReportInputs(folder, docs[0], _read(folder, "activities"), _read(folder, "stitches"),
                        _read(folder, "activity_agencies"), others)


def _settings(document: dict, params: str | Path | None):
    from pipeline.settings import Settings

    if params is not None:
        return Settings.from_yaml(params), f"from {params}"
    try:
        return Settings.build(json.loads(document["settings_json"])), "as recorded in document.parquet"
    except Exception as e:  # an older or newer settings layout: the built-in defaults
        return Settings(), f"built-in defaults (recorded settings unusable: {e})"


def _candidates(folder: Path, document: dict) -> list[Path]:
    """Where the extracted PDF may be, most trusted first."""
    import pyarrow.parquet as pq

    folder = folder.resolve()
    found: list[Path] = [Path(document[c]) for c in PDF_PATH_COLUMNS if document.get(c)]
    runs = folder.parent / "runs.parquet"
    if runs.is_file():
        try:
            rows = pq.read_table(runs, columns=["doc_id", "file"]).to_pylist()
        except Exception:  # a foreign or older runs file: the other places remain
            rows = []
        for r in rows:
            if r["doc_id"] == folder.name and r.get("file"):
                p = Path(r["file"])
                # relative to where the batch ran: usually the folder above OUT's parent (the repository) or here
                found += [p] if p.is_absolute() else [p, folder.parent.parent.parent / p, folder.parent.parent / p]
    found.append(Path("data") / "raw" / document["file_name"])
    return found


def find_pdf(folder: str | Path, document: dict, pdf: str | Path | None = None) -> Path:
    """The PDF to draw: --pdf, else the recorded path (document.parquet, OUT/runs.parquet), else data/raw/<file_name>."""
    if pdf is not None:
        if not Path(pdf).is_file():
            raise FileNotFoundError(f"PDF {pdf} not found")
        return Path(pdf)
    tried = _candidates(Path(folder), document)
    for p in tried:
        if p.is_file():
            return p
    raise FileNotFoundError(f"PDF of {document['doc_id']} not found (looked at {', '.join(map(str, dict.fromkeys(tried)))}): "
                            "pass --pdf PATH")


def default_output(folder: str | Path) -> Path:
    """OUT/../reports/<stem>.html: beside the batch's output folder, so DVC's tracked output stays as written."""
    folder = Path(folder).resolve()
    return folder.parent.parent / REPORTS_DIR / f"{folder.name}.html"


# ---------------------------------------------------------------------------------------------
# The PDF: page images and re-detected grids


@dataclass
class PageView:
    page_no: int
    width: float  # PDF points
    height: float
    image_uri: str
    image_px: tuple[int, int]
    grids: list = field(default_factory=list)  # PageGrid
    table: PageTable | None = None  # when the locate stage kept this page
    crops: dict[tuple[float, ...], str] = field(default_factory=dict)  # cell box (points) → image of the cell
    recorded: bool = False  # grids drawn from ocr_cells.parquet (no OCR reading of the page in the cache)


def recorded_grids(ocr_cells: list[dict]) -> dict[int, PageGrid]:
    """page → the grid of its recorded OCR cells (ocr_cells.parquet; their text is not drawn)."""
    by_page: dict[int, list[Cell]] = {}
    for c in ocr_cells:
        by_page.setdefault(c["page"], []).append(
            Cell(c["row"], c["col"], c["row_span"], c["col_span"], (c["x0"], c["top"], c["x1"], c["bottom"]), ""))
    return {p: PageGrid(p, 0.0, 0.0, sorted({v for c in cells for v in (c.bbox[0], c.bbox[2])}),
                        sorted({v for c in cells for v in (c.bbox[1], c.bbox[3])}), cells, source=PageRoute.OCR)
            for p, cells in by_page.items()}


CROP_DPI = 200  # cell images of rows to review: sharp enough to read a numeral or a tone mark
CROP_MARGIN = 3.0  # points around the cell box (OCR boxes are in the deskewed frame; scans lean ≤ 1°)


def _png_uri(image) -> str:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _turned_gray(page, dpi: int, max_pixels: int, turn: int):
    """The page rendered grey, turned as the read stage read it (a page scanned sideways: ocr_cells.page_turn)."""
    import numpy as np

    from extractors.ocr_image import page_to_gray_limited

    gray, used = page_to_gray_limited(page, dpi, max_pixels)
    return np.ascontiguousarray(np.rot90(gray, turn // 90)), used


def _cell_crops(page, boxes: list[tuple[float, ...]], max_pixels: int, turn: int = 0) -> dict[tuple[float, ...], str]:
    """Each box (x0, top, x1, bottom in points, in the page as read) cut out of one render of the page."""
    from PIL import Image

    gray, used = _turned_gray(page, CROP_DPI, max_pixels, turn)
    image, k = Image.fromarray(gray, mode="L"), used / 72.0
    out = {}
    for box in boxes:
        x0, top, x1, bottom = box
        cut = (max(0, int((x0 - CROP_MARGIN) * k)), max(0, int((top - CROP_MARGIN) * k)),
               min(image.width, int((x1 + CROP_MARGIN) * k)), min(image.height, int((bottom + CROP_MARGIN) * k)))
        if cut[2] > cut[0] and cut[3] > cut[1]:
            out[box] = _png_uri(image.crop(cut))
    return out


REPAIR_REASON = re.compile(r"repaired_numeral: (task|section) (\S+) \(read")  # pipeline/ocr_review.py's words
MIN_FALLBACK_TEXT = 6  # characters: a shorter recorded cell text may be found in any row


def _norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _repair_box(row: dict, kind: str, used: str, repairs: list[dict]) -> tuple[int, tuple[float, ...]] | None:
    """The Stt cell of the repair a row's reason names: that kind and numeral, on the row's first page or
    the closest page before it (a section's numeral is printed above its tasks)."""
    found = [r for r in repairs if r["kind"] == kind and r["used"] == used and r.get("bbox") and r["status"] == "repaired"]
    start = row.get("page_start") or row.get("page") or 0
    found.sort(key=lambda r: (r["page"] > start, abs(start - r["page"])))
    return (found[0]["page"], tuple(found[0]["bbox"])) if found else None


FALLBACK_FIELDS = ("activity", "output", "deadline", "lead", "partners")


def _fallback_boxes(row: dict, reason: str, cells_by_page: dict[int, list[dict]]
                    ) -> list[tuple[int, tuple[float, ...], str]]:
    """Recorded OCR cells of the row itself, when no cell behind its reasons is known: the row is found by
    its activity cell (the longest recorded text that is part of activity_text), then the cells of the
    fields its reasons name (e.g. "low_confidence: deadline") that lie beside it and hold part of that
    field's text. Only the activity cell when no named cell is found."""
    def found(name: str, beside: tuple[float, float] | None = None) -> tuple[int, tuple[float, ...]] | None:
        text = _norm(row.get(f"{name}_text"))
        best = None
        for p in row.get(f"{name}_pages") or [row.get("page_start")]:
            for c in cells_by_page.get(p, []):
                t = _norm(c.get("text"))
                if not t or t not in text or (beside is None and len(t) < MIN_FALLBACK_TEXT):
                    continue
                if beside is not None and (c["bottom"] <= beside[0] or c["top"] >= beside[1]):
                    continue
                if best is None or len(t) > best[0]:
                    best = (len(t), p, (c["x0"], c["top"], c["x1"], c["bottom"]))
        return None if best is None else (best[1], best[2])

    anchor = found("activity")
    if anchor is None:
        return []
    words = set(re.split(r"[^a-z]+", reason))  # "doubtful_deadline: …", "low_confidence: lead, deadline under 70"
    named = [n for n in FALLBACK_FIELDS if n != "activity" and n in words]
    out = []
    for name in named:
        got = found(name, (anchor[1][1], anchor[1][3]))
        if got is not None and got[0] == anchor[0]:
            out.append((got[0], got[1], name))
    return out or [(anchor[0], anchor[1], "activity")]


def review_images(row: dict, repairs: list[dict], cells_by_page: dict[int, list[dict]],
                  ocr_pages: set[int]) -> list[tuple[int, tuple[float, ...], str]]:
    """(page, box, field) of the cells to show beside a flagged row: the cells behind its reasons
    (review_cells), the Stt cell of each repaired numeral it names (numbering_repairs.bbox), and, on a
    scanned page with neither, a recorded cell of the row itself."""
    src = row.get("source") or row
    out: list[tuple[int, tuple[float, ...], str]] = [
        (c["page"], (c["x0"], c["top"], c["x1"], c["bottom"]), c.get("field") or "") for c in src.get("review_cells") or []]
    for kind, used in REPAIR_REASON.findall(row.get("reason") or ""):
        found = _repair_box(src, kind, used, repairs)
        if found is not None:
            out.append((found[0], found[1], "stt"))
    pages = set(src.get("activity_pages") or []) | {src.get("page_start") or row.get("page")}
    if not out and pages & ocr_pages:
        out += _fallback_boxes(src, row.get("reason") or "", cells_by_page)
    once: dict = {}
    for b in out:  # each cell once, with its first label
        once.setdefault((b[0], b[1]), b)
    return list(once.values())


def _image_uri(page, dpi: int, max_pixels: int, scanned: bool = False, turn: int = 0) -> tuple[str, tuple[int, int]]:
    """The page as a grey image: lossless WebP (a text page packs to ~25 KB at 100 dpi), PNG without WebP support
    or for a scanned page (its noise packs no smaller in WebP, which takes 5 times as long: 0.3 s a page).
    Rendered with the read stage's pixel cap, so a huge page costs no more here than in the extraction."""
    from PIL import Image, features

    image = Image.fromarray(_turned_gray(page, dpi, max_pixels, turn)[0], mode="L")
    buf = io.BytesIO()
    if features.check("webp") and not scanned:
        image.save(buf, format="WEBP", lossless=True, method=4)
        mime = "image/webp"
    else:
        image.save(buf, format="PNG", optimize=not scanned)
        mime = "image/png"
    return f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode("ascii"), image.size


def load_pages(pdf_path: Path, pages: list[int], settings, dpi: int,
               crops: dict[int, list[tuple[float, ...]]] | None = None, cache: Path | None = None,
               ocr_cells: list[dict] | None = None, scanned: set[int] | frozenset[int] = frozenset()
               ) -> tuple[dict[int, PageView], list[str]]:
    """Render the given pages (and the cell images `crops` asks for) and re-run read + locate; problems are
    returned as notes, not raised.

    No OCR is run: scanned pages are read from the extraction's OCR cache (`cache`, OUT/.cache/ocr), which
    holds every Tesseract reading of the read stage; when it lacks a page (pruned, another version or other
    settings), the grids of the OCR pages are drawn from the cells the extraction recorded (`ocr_cells`)."""
    from extractors.pdf_document import load_page, open_pdf
    from pipeline.ocr_cache import CacheMiss, ocr_cache
    from pipeline.stages import run_stages

    notes: list[str] = []
    turns = {c["page"]: c.get("page_turn") or 0 for c in ocr_cells or []}  # pages scanned sideways, read turned
    doc = open_pdf(pdf_path)
    try:
        views: dict[int, PageView] = {}
        for n in sorted(set(pages) | set(crops or {})):  # a cell image may lie on a page outside the appendix
            if not 1 <= n <= doc.page_count:
                notes.append(f"page {n} is not in {pdf_path.name} ({doc.page_count} pages)")
                continue
            page = load_page(doc, n - 1)
            try:
                turn = turns.get(n, 0)
                w, h = page.get_size()[::-1] if turn % 180 else page.get_size()
                uri, px = (_image_uri(page, dpi, settings.read.max_render_pixels, n in scanned, turn) if n in pages
                           else ("", (0, 0)))
                cells = _cell_crops(page, (crops or {}).get(n, []), settings.read.max_render_pixels, turn)
            finally:
                page.close()
            views[n] = PageView(n, float(w), float(h), uri, px, crops=cells)
        grids: list = []
        tables: list = []
        try:
            with ocr_cache(cache, offline=True):
                located_run = run_stages(pdf_path, settings, until="locate")  # the pipeline's own read + locate
            grids, tables = located_run.grids, located_run.tables
        except CacheMiss as e:
            recorded = recorded_grids(ocr_cells or [])
            for n, g in recorded.items():
                if n in views:
                    views[n].grids.append(g)
                    views[n].recorded = True
            notes.append(f"grid of the OCR pages drawn from ocr_cells.parquet ({len(recorded)} pages), "
                         f"not redetected: {e} (the report runs no OCR)")
            tables = []
        except Exception as e:  # e.g. a scanned page this version cannot read: still show the images
            notes.append(f"grid not redrawn: read/locate failed on {pdf_path.name}: {e}")
        for g in grids:
            if g.page_no in views:
                views[g.page_no].grids.append(g)
        for t in tables:
            if t.page_no in views:
                views[t.page_no].table = t
        if tables:
            located = {t.page_no for t in tables}
            if located != set(pages):
                notes.append("the re-run locate stage finds appendix pages "
                              f"{sorted(located)}, the extraction recorded {sorted(pages)}")
        return views, notes
    finally:
        doc.close()


# ---------------------------------------------------------------------------------------------
# What the templates show, as plain data


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _key(a: dict) -> str:
    task = "" if a.get("task_no") is None else str(a["task_no"])
    return f'{a.get("section_no") or ""}.{task}.{a["activity_seq"]}'


def _first_page(pages, fallback: int) -> int:
    return min(pages) if pages else fallback


def decision_view(d: dict) -> dict:
    """A stitch decision with the confidence the report shows: calibrated for scored decisions."""
    scored = d["decision"] in SCORED
    conf = calibration.calibrated_confidence(d["score"]) if scored else d["confidence"]
    evidence = [{"sign": "pos" if e["weight"] > 0 else "neg" if e["weight"] < 0 else "zero",
                 "signal": e["signal"], "field": e.get("field"), "weight": f'{e["weight"]:+g}', "detail": e["detail"]}
                for e in d.get("evidence") or []]
    return {**d, "scored": scored, "shown_confidence": conf, "cls": confidence_class(conf),
            "score_text": f'{d["score"]:+g}', "evidence_items": evidence}


def svg_view(view: PageView, decision: dict | None) -> dict:
    table_top = view.table.table_top if view.table is not None else None
    appendix_grid, grids = None, []
    for g in view.grids:
        is_appendix = view.recorded or (table_top is not None and abs(g.ys[0] - table_top) < 0.5)
        if is_appendix and appendix_grid is None:
            appendix_grid = g
        cells = []
        for c in sorted(g.cells, key=lambda c: (c.row, c.col)):
            x0, top, x1, bottom = c.bbox
            merged = c.row_span > 1 or c.col_span > 1
            cells.append({"cls": "cell merged" if merged else "cell", "x": _fmt(x0), "y": _fmt(top),
                          "w": _fmt(x1 - x0), "h": _fmt(bottom - top),
                          "title": f"row {c.row} col {c.col}" + (f", spans {c.row_span}×{c.col_span}" if merged else "")})
        grids.append({"cls": "grid" if is_appendix else "grid other-table", "rows": g.n_rows, "cols": g.n_cols,
                      "cells": cells})
    first = None
    if appendix_grid is not None and view.table is not None and view.table.rows and decision is not None:
        row = view.table.rows[0]  # the row the page-break decision is about
        x0, x1 = appendix_grid.xs[0], appendix_grid.xs[-1]
        first = {"cls": decision["cls"], "x": _fmt(x0 - 3), "y": _fmt(row.top - 1), "w": _fmt(x1 - x0 + 6),
                 "h": _fmt(row.bottom - row.top + 2),
                 "title": f'{decision["decision"]} (confidence {decision["shown_confidence"]:.2f})'}
    return {"width": _fmt(view.width), "height": _fmt(view.height), "grids": grids, "first": first}


def rows_view(page_no: int, activities: list[dict]) -> list[dict]:
    """The reconstructed rows with text on this page, with section rows between them."""
    out: list[dict] = []
    section = task = None
    for a in (a for a in activities if a["page_start"] <= page_no <= a["page_end"]):
        if a.get("section_no") != section:
            section = a.get("section_no")
            out.append({"kind": "section", "text": f'{section or ""} {a.get("section_title") or ""}'.strip()})
        inherited = {INHERITED_NAMES.get(n, n) for n in (a.get("inherited") or [])}
        this_task = (a.get("section_no"), a.get("task_no"), a.get("task_text"))
        cells = []
        for col, _, pages_col in FIELD_COLUMNS:
            on_page = page_no in (a.get(pages_col) or [])
            cls = "inherited" if col in inherited or (a.get(col) and not on_page) else ""
            if col == "deadline_text" and a.get("deadline_kind") == "unknown":
                cls = (cls + " flag").strip()  # listed under "Unknown deadlines"
            cells.append({"text": a.get(col), "cls": cls,
                          "kind": a.get("deadline_kind") if col == "deadline_text" else None})
        out.append({"kind": "activity", "key": _key(a), "joined": page_no in (a.get("joined_at_pages") or []),
                    "task_text": a.get("task_text") if this_task != task else None, "cells": cells,
                    "review": bool(a.get("needs_review"))})
        task = this_task
    return out


def unmatched_view(inputs: ReportInputs) -> list[dict]:
    by_key = {(a.get("section_no"), a.get("task_no"), a["activity_seq"]): a for a in inputs.activities}
    rows = []
    for m in inputs.mentions:
        if m.get("agency_id") is not None or m.get("mention_kind", "unmatched") != "unmatched":
            continue  # persons are named officials, not agencies the registry lacks
        a = by_key.get((m.get("section_no"), m.get("task_no"), m["activity_seq"])) or {}
        page = _first_page(a.get("lead_pages" if m["role"] == "lead" else "partners_pages"), a.get("page_start", 0))
        rows.append({**m, "page": page, "key": _key(m), "score_text": f'{m["score"]:.1f}'})
    rows.sort(key=lambda m: (m["page"], m.get("section_no") or "", m.get("task_no") or 0, m["activity_seq"],
                             m["role"], m["mention_seq"]))
    return rows


def unknown_view(inputs: ReportInputs) -> list[dict]:
    rows = [{"page": _first_page(a.get("deadline_pages"), a["page_start"]), "key": _key(a), "text": a.get("deadline_text")}
            for a in inputs.activities if a.get("deadline_kind") == "unknown"]
    return sorted(rows, key=lambda r: r["page"])


def _flag_set(value) -> bool:
    """A review flag column's value says "look at this": true, a non-empty text or list."""
    if isinstance(value, bool) or value is None:
        return bool(value)
    if isinstance(value, (str, list, tuple)):
        return len(value) > 0
    return False


def _reason(row: dict, flag: str) -> str:
    """The row's own explanation, from a text column beside the flag when the version writes one."""
    for col in (f"{flag}_reason", f"{flag}_reasons", "review_reason", "review_reasons", "warnings"):
        v = row.get(col)
        if v:
            return "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)
    v = row.get(flag)
    return "" if isinstance(v, bool) else ("; ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v or ""))


def flagged_rows(inputs: ReportInputs, match) -> list[dict]:
    """Rows of any table with a column whose name `match`es that is set (needs_review, *repaired*, …)."""
    tables = {"activities": inputs.activities, **{k: v for k, v in inputs.tables.items() if k != "ocr_cells"}}
    out = []
    for name, rows in tables.items():
        cols = [c for c in (rows[0] if rows else {}) if match(c)]
        for col in cols:
            for r in rows:
                if _flag_set(r.get(col)):
                    page = r.get("page_start") or r.get("page") or 0
                    where = _key(r) if "activity_seq" in r else (r.get("path") or r.get("stt_text") or r.get("seq") or "")
                    out.append({"table": name, "column": col, "page": page, "where": where, "reason": _reason(r, col),
                                "cells": r.get("review_cells") or [], "source": r, "images": [],
                                "text": r.get("activity_text") or r.get("task_text") or r.get("title") or r.get("text")})
    return sorted(out, key=lambda r: (r["page"], r["table"], str(r["where"])))


def flag_columns(inputs: ReportInputs, match) -> list[str]:
    tables = {"activities": inputs.activities, **inputs.tables}
    return sorted({f"{name}.{c}" for name, rows in tables.items() if rows for c in rows[0] if match(c)})


def _is_review(col: str) -> bool:
    return col == "needs_review"


def _is_repair(col: str) -> bool:
    return "repaired" in col and not col.endswith(("_reason", "_reasons"))


def ocr_view(inputs: ReportInputs) -> dict | None:
    """OCR'd pages cell by cell, or None when the extract has no ocr_cells table (an older version)."""
    if "ocr_cells" not in inputs.tables:
        return None
    pages: dict[int, list[dict]] = {}
    for c in sorted(inputs.tables["ocr_cells"], key=lambda c: (c["page"], c["row"], c["col"])):
        conf = c.get("confidence")
        corrected = c.get("raw_text") is not None and (c.get("raw_text") or "") != (c.get("text") or "")
        low = conf is not None and conf < LOW_OCR_CONFIDENCE
        pages.setdefault(c["page"], []).append({**c, "corrected": corrected, "low": low,
                                                "conf_text": "" if conf is None else f"{conf:.0f}"})
    summary = []
    for page, cells in pages.items():
        confs = [c["confidence"] for c in cells if c.get("confidence") is not None]
        summary.append({"page": page, "cells": len(cells), "corrected": sum(c["corrected"] for c in cells),
                        "low": sum(c["low"] for c in cells),
                        "mean": f"{sum(confs) / len(confs):.1f}" if confs else "–",
                        "min": f"{min(confs):.0f}" if confs else "–"})
    return {"pages": pages, "summary": summary, "ocr_pages": list(inputs.document.get("ocr_pages") or []),
            "corrected": sum(s["corrected"] for s in summary), "low": sum(s["low"] for s in summary),
            "threshold": LOW_OCR_CONFIDENCE}


def calibration_view() -> dict | None:
    figures = calibration.calibration_figures()
    if figures is None:
        return None
    curve = figures["curve"]
    points = [{"score": f"{s:+g}", "p": f"{calibration.continue_probability(s, curve):.3f}"}
              for s in (-4, -2, 0, 1, 2, 3, 4, 5, 6, 8)]
    return {**figures, "points": points}


# ---------------------------------------------------------------------------------------------
# The report


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("pipeline", "templates"), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def build_report(folder: str | Path, pdf: str | Path | None = None, params: str | Path | None = None,
                 dpi: int = DEFAULT_DPI) -> str:
    """The report's HTML for one extract folder OUT/<stem>."""
    inputs = load_inputs(folder)
    doc = inputs.document
    pdf_path = find_pdf(folder, doc, pdf)
    notes: list[str] = []
    if hashlib.sha256(pdf_path.read_bytes()).hexdigest() != doc["sha256"]:
        notes.append(f"{pdf_path.name} is not the file that was extracted (SHA-256 differs): images and grid "
                     "may not match the rows")
    settings, settings_note = _settings(doc, params)
    pages = sorted(doc.get("appendix_pages") or [])
    repairs = inputs.tables.get("numbering_repairs") or []
    ocr_cells = inputs.tables.get("ocr_cells") or []
    cells_by_page: dict[int, list[dict]] = {}
    for c in ocr_cells:
        cells_by_page.setdefault(c["page"], []).append(c)
    review_cols, repair_cols = flag_columns(inputs, _is_review), flag_columns(inputs, _is_repair)
    needs_review = flagged_rows(inputs, _is_review) if review_cols else None
    wanted: dict[int, list[tuple[float, ...]]] = {}  # page → boxes of the cell images to cut out
    for r in needs_review or []:
        r["boxes"] = review_images(r, repairs, cells_by_page, set(doc.get("ocr_pages") or []))
        for page, box, _ in r["boxes"]:
            wanted.setdefault(page, []).append(box)
    for rep in repairs:
        if rep.get("bbox"):
            wanted.setdefault(rep["page"], []).append(tuple(rep["bbox"]))
    views, page_notes = load_pages(pdf_path, pages, settings, dpi, crops={p: list(dict.fromkeys(b))
                                                                            for p, b in wanted.items()},
                                   cache=Path(folder).resolve().parent / CACHE_DIR / "ocr", ocr_cells=ocr_cells,
                                   scanned=set(doc.get("ocr_pages") or []))
    notes += page_notes

    def image(page: int, box: tuple[float, ...], label: str) -> dict | None:
        view = views.get(page)
        uri = view.crops.get(tuple(box)) if view is not None else None
        return None if uri is None else {"uri": uri, "label": f"{label} cell, page {page}".strip()}

    for r in needs_review or []:  # the cell images beside the text read
        r["images"] = [im for b in r["boxes"] if (im := image(*b)) is not None]
    stitches = [decision_view(d) for d in sorted(inputs.stitches, key=lambda d: d["page"])]
    decisions = {d["page"]: d for d in stitches}
    unmatched, unknown = unmatched_view(inputs), unknown_view(inputs)
    ocr = ocr_view(inputs)
    repaired = flagged_rows(inputs, _is_repair) if repair_cols else None
    if "numbering_repairs" in inputs.tables:  # the repair stage's own evidence: what was read, what is used, why
        repair_cols = [*repair_cols, "numbering_repairs"]
        repaired = (repaired or []) + [
            {"table": "numbering_repairs", "column": "stt", "page": r["page"], "where": r["kind"],
             "reason": f"read {r['read']!r}, used {r['used']!r} ({r['status']}, confidence {r['confidence']:.2f}): "
                       f"{r['reason']}", "text": "; ".join(r["rereads"] or []),
             "images": [im] if r.get("bbox") and (im := image(r["page"], tuple(r["bbox"]), "Stt")) else []}
            for r in repairs]
    low = [d for d in stitches if d["scored"] and d["shown_confidence"] < LOW_CONFIDENCE]

    n_merged = sum(1 for v in views.values() for g in v.grids for c in g.cells if c.row_span > 1 or c.col_span > 1)
    n_cells = sum(len(g.cells) for v in views.values() for g in v.grids)
    warnings = doc.get("warnings")
    meta = [
        ("document", doc["doc_id"]), ("file", f"{doc['file_name']} (drawn from {pdf_path})"), ("title", doc.get("title")),
        ("plan", " · ".join(str(v) for v in (doc.get("plan_number"), doc.get("issuing_body"),
                                             doc.get("issue_date") and f"{doc['issue_date']:%d/%m/%Y}") if v) or None),
        ("province / year", f'{doc.get("province") or "?"} / {doc.get("plan_year") or "?"}'),
        ("pages", f'{doc["page_count"]} in the PDF; appendix on {len(pages)}: '
                  f'{pages[0] if pages else "-"}–{pages[-1] if pages else "-"}'
                  + (f'; {len(doc["ocr_pages"])} read by OCR' if doc.get("ocr_pages") else "")),
        ("grid redrawn", f"{n_cells} cells, {n_merged} merged; settings {settings_note}"
                         + ("; OCR pages from the cells the extraction recorded" if any(v.recorded for v in views.values())
                            else "; OCR pages from the extraction's OCR cache" if doc.get("ocr_pages") else "")),
        ("extractor", doc.get("extractor_version")),
    ]
    counts = [
        ("sections", doc["section_count"]), ("tasks", doc["task_count"]), ("activities", doc["activity_count"]),
        ("agency mentions matched", doc["mentions_matched"]), ("unmatched", doc["mentions_unmatched"]),
        ("deadlines parsed", doc["deadlines_parsed"]), ("unknown", doc["deadlines_unknown"]),
        ("page-break decisions", len(stitches)),
    ]
    review = [  # (anchor, what, how many); None: this extract has no such column
        ("stitches", f"page-break decisions with confidence below {LOW_CONFIDENCE:g}", len(low)),
        ("needs-review", "rows flagged needs_review", None if needs_review is None else len(needs_review)),
        ("repaired", "repaired numerals", None if repaired is None else len(repaired)),
        ("ocr", f"OCR cells below confidence {LOW_OCR_CONFIDENCE:g}", None if ocr is None or not ocr["summary"] else ocr["low"]),
        ("ocr", "OCR cells changed by the post-corrector", None if ocr is None or not ocr["summary"] else ocr["corrected"]),
        ("unmatched", "unmatched agency mentions", len(unmatched)),
        ("unknown-deadlines", "unknown deadlines", len(unknown)),
    ]
    page_views = []
    for n in pages:
        view, decision = views.get(n), decisions.get(n)
        page_views.append({"n": n, "decision": decision, "ocr": n in (doc.get("ocr_pages") or []),
                           "image": None if view is None else {"uri": view.image_uri, "w": view.image_px[0],
                                                               "h": view.image_px[1], "svg": svg_view(view, decision)},
                           "rows": rows_view(n, inputs.activities)})
    return _environment().get_template("report.html.j2").render(
        doc=doc, meta=meta, counts=counts, status=doc["status"], errors=doc.get("errors") or [],
        warnings=warnings if isinstance(warnings, list) else ([warnings] if warnings else []),
        review=review, notes=notes, pages=pages, stitches=stitches, low=low, unmatched=unmatched, unknown=unknown,
        needs_review=needs_review, review_cols=review_cols, repaired=repaired, repair_cols=repair_cols, ocr=ocr,
        calibration=calibration_view(), low_confidence=LOW_CONFIDENCE, page_views=page_views,
        field_headers=[h for _, h, _ in FIELD_COLUMNS])


def write_report(folder: str | Path, out: str | Path | None = None, **kw) -> Path:
    text = build_report(folder, **kw)
    target = Path(out) if out is not None else default_output(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target


# ---------------------------------------------------------------------------------------------
# Command line


def _run(args) -> int:
    try:
        path = write_report(args.folder, args.out, pdf=args.pdf, params=args.params, dpi=args.dpi)
    except (FileNotFoundError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # BadInputError (unreadable PDF) and the like: one line, not a traceback
        from core.errors import BadInputError

        if isinstance(e, BadInputError):
            print(f"FAILED {e}", file=sys.stderr)
            return 1
        raise
    print(f"report {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("folder", help="an extract folder OUT/<stem> (with document.parquet, activities.parquet, …)")
    parser.add_argument("--pdf", default=None,
                        help="the PDF (default: the path recorded by the extraction or the batch's runs.parquet, "
                             "else data/raw/<file_name>)")
    parser.add_argument("--out", default=None, help="HTML file to write (default: OUT/../reports/<stem>.html)")
    parser.add_argument("--params", default=None,
                        help="params.yaml for re-detecting the grid (default: the settings recorded by the extract)")
    parser.add_argument("--dpi", type=int, default=DEFAULT_DPI, help=f"page image resolution (default {DEFAULT_DPI})")
    parser.set_defaults(func=_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="vnplan report", description=DESCRIPTION))
    return _run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
