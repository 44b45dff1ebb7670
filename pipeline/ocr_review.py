"""Doubt to the row: which activity rows of a scanned plan an analyst should look at, and why.

Every OCR cell keeps Tesseract's confidence (Cell.ocr_conf, the mean of its words) and the doubts
left by constrained re-reads (Cell.ocr_doubts: a quarter read "II" by one model and "III" by the
other). A stitched row is made of pieces of cells, each piece the cleaned text of one grid cell on
one page: a piece finds its cell again by (page, field, text), the k-th such piece in table order
being the k-th such cell (a lead agency printed in many rows of a page).

A row needs review when any of its cells (its activity fields, its task's Stt and text) was read
with a mean confidence under REVIEW_BELOW_CONF, when its task's or section's numeral was repaired
from the sequence (pipeline.numbering_repair), or when a numeral in it stayed doubtful (a deadline
whose quarter is not sure is flagged, not guessed).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from core.records import ACTIVITY_FIELDS, Cell, LogicalCell, PageGrid, PageRoute, PageTable, StitchedTable
from core.text import clean
from pipeline.numbering_repair import table_grid

REVIEW_BELOW_CONF = 70.0  # a cell read with a lower mean word confidence is worth a look


@dataclass
class RowReview:
    """Aligned with StitchedTable.rows: the columns min_ocr_confidence, needs_review, review_reasons."""
    min_ocr_confidence: float | None = None  # lowest mean OCR confidence of the row's cells; None: no OCR cell
    reasons: list[str] = field(default_factory=list)
    # (field, page, cell bbox in points) of the cells behind the reasons: for the review report's cell
    # images (extractors.ocr.OcrRereader.cell_crop)
    cells: list[tuple[str, int, tuple[float, float, float, float]]] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.reasons)


class _CellIndex:
    """The OCR cells of the page tables' columns, by (page, field, cleaned text), top to bottom.

    The stitched table is built from the page rows in order, so the k-th piece with a given text in
    a field of a page is the k-th such cell: pieces are matched to cells in that order."""

    def __init__(self, grids: Iterable[PageGrid], tables: Iterable[PageTable]):
        self.cells: dict[tuple[int, str, str], list[Cell]] = {}
        grids = [g for g in grids if g.source == PageRoute.OCR]
        for t in tables:
            g = table_grid(t, grids)
            if g is None:
                continue
            by_col = {col: name for name, col in t.columns.items()}
            first = min(r.top for r in t.rows)
            for c in sorted(g.cells, key=lambda c: c.bbox[1]):
                name = by_col.get(c.col)
                text = clean(c.text)
                if name and text and c.bbox[1] >= first - 0.5:
                    self.cells.setdefault((t.page_no, name, text), []).append(c)
        self.used: dict[tuple[int, str, str], int] = {}

    def take(self, page_no: int, name: str, text: str) -> Cell | None:
        key = (page_no, name, text)
        found = self.cells.get(key, [])
        k = self.used.get(key, 0)
        if not found:
            return None
        self.used[key] = k + 1
        return found[min(k, len(found) - 1)]


def review_rows(stitched: StitchedTable, grids: list[PageGrid], tables: list[PageTable], repairs: Iterable = (),
                threshold: float = REVIEW_BELOW_CONF, deadlines: list | None = None) -> list[RowReview]:
    """One RowReview per stitched row (same order). `tables`: the page tables the stitch was made
    from (after the numbering repair); `repairs`: NumberingResult.repairs; `deadlines`: the parsed
    deadline of each row (Normalized.deadlines): an OCR'd deadline that does not parse is flagged."""
    index = _CellIndex(grids, tables)
    repaired = {(r.page_no, r.used): r for r in repairs}
    found: dict[int, list[tuple[int, Cell]]] = {}  # id(LogicalCell) → (page, OCR cell) (a merged cell is matched once)

    def cells_of(name: str, cell: LogicalCell) -> list[tuple[int, Cell]]:
        if id(cell) not in found:
            found[id(cell)] = [(p.page_no, c) for p in cell.pieces
                               if (c := index.take(p.page_no, name, p.text)) is not None]
        return found[id(cell)]

    out: list[RowReview] = []
    for row in stitched.rows:
        review = RowReview()
        task = row.task
        parts: list[tuple[str, LogicalCell]] = []
        if task is not None and task.rows and task.rows[0] is row:
            cells_of("stt", task.stt), cells_of("task", task.text)  # matched in table order: the task's first row
        if task is not None:
            parts += [("stt", task.stt), ("task", task.text)]
        parts += [(n, row.cells[n]) for n in ACTIVITY_FIELDS]
        low: list[str] = []
        for name, lcell in parts:
            for page, c in cells_of(name, lcell):
                if (c.ocr_conf is not None and c.ocr_conf < threshold) or c.ocr_doubts:
                    review.cells.append((name, page, c.bbox))
                if c.ocr_conf is not None:
                    conf = round(float(c.ocr_conf), 1)
                    if review.min_ocr_confidence is None or conf < review.min_ocr_confidence:
                        review.min_ocr_confidence = conf
                    if conf < threshold and name not in low:
                        low.append(name)
                for d in c.ocr_doubts:
                    reason = f"{'doubtful_deadline' if name == 'deadline' else 'doubtful_numeral'}: {d}"
                    if reason not in review.reasons:
                        review.reasons.append(reason)
        if low:
            review.reasons.insert(0, f"low_confidence: {', '.join(low)} under {threshold:g}")
        deadline_cells = cells_of("deadline", row.cells["deadline"])
        if deadlines is not None and deadline_cells and deadlines[len(out)].kind == "unknown" and row.text("deadline"):
            # Read by OCR and not understood: perhaps a misread, never a silent blank
            review.reasons.append(f"unparsed_deadline: {row.text('deadline')!r}")
            for page, c in deadline_cells:
                if ("deadline", page, c.bbox) not in review.cells:
                    review.cells.append(("deadline", page, c.bbox))
        if task is not None:
            for p in task.stt.pieces:
                r = repaired.get((p.page_no, p.text.rstrip(".")))
                if r is not None and r.kind == "task":
                    review.reasons.append(f"repaired_numeral: task {r.used} (read {r.read!r})")
                    _add_cell(review, "stt", r)
            sec = task.section
            if sec is not None:
                r = repaired.get((sec.page_no, sec.numeral.rstrip(".")))
                if r is not None and r.kind == "section":
                    review.reasons.append(f"repaired_numeral: section {r.used} (read {r.read!r})")
                    _add_cell(review, "section", r)
        out.append(review)
    return out


def _add_cell(review: RowReview, name: str, repair) -> None:
    """The repaired numeral's cell (NumeralRepair.bbox), so the report shows what was printed there."""
    if repair.bbox:
        x0, top, x1, bottom = (float(v) for v in repair.bbox)
        cell = (name, repair.page_no, (x0, top, x1, bottom))
        if cell not in review.cells:
            review.cells.append(cell)


# ---- rows for the output tables (the integrator adds them in assemble) ----------------------------------

def review_columns(review: RowReview) -> dict:
    """The activity columns: min_ocr_confidence (float or None), needs_review (bool), review_reasons (list[str])."""
    return {"min_ocr_confidence": review.min_ocr_confidence, "needs_review": review.needs_review,
            "review_reasons": list(review.reasons),
            "review_cells": [{"field": f, "page": page, "x0": float(b[0]), "top": float(b[1]), "x1": float(b[2]),
                              "bottom": float(b[3])} for f, page, b in review.cells]}


def repair_records(doc_id: str, repairs: Iterable, status: str = "repaired") -> list[dict]:
    """Rows of a `numbering_repairs` table: one per NumeralRepair (status "repaired" or "doubtful")."""
    return [{"doc_id": doc_id, "page": r.page_no, "row_top": float(r.row_top), "kind": r.kind, "read": r.read,
             "rereads": list(r.rereads), "used": r.used, "reason": r.reason, "confidence": float(r.confidence),
             "status": status, "bbox": [float(v) for v in r.bbox] if r.bbox else None} for r in repairs]


def unplaced_records(doc_id: str, unplaced: Iterable) -> list[dict]:
    """Rows of an `unplaced` table: one per UnplacedRow (text of the page grid missing from the output)."""
    return [{"doc_id": doc_id, "page": u.page_no, "row_top": float(u.row_top), "field": u.field, "text": u.text,
             "reason": u.reason} for u in unplaced]


def document_counts(reviews: list[RowReview], numbering, unplaced: list) -> dict:
    """Columns of document.parquet: how many rows need review, numerals repaired, cells re-read, texts unplaced."""
    return {"needs_review_count": sum(r.needs_review for r in reviews),
            "numeral_repair_count": len(numbering.repairs) if numbering is not None else 0,
            "numeral_doubt_count": len(numbering.doubtful) if numbering is not None else 0,
            "reread_cell_count": numbering.rereads if numbering is not None else 0,
            "unplaced_count": len(unplaced)}
