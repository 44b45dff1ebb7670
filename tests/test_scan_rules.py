"""Scanned rules are imperfect: photocopies break them into pieces, and a rule lost in part must not
turn cells into overlapping shapes. The grid of a scan with broken rules is the grid of the clean scan.
"""
from __future__ import annotations

import io
import shutil

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein

from extractors.grid import Line, table_to_cells
from pipeline.stages import run_stages
from tests.conftest import SAMPLE_PDF
from tests.factory.scan import PAPER, scan_pdf

FIELDS = ("section_no", "task_no", "activity_seq", "task_text", "activity_text", "output_text", "lead_text",
          "partners_text", "deadline_text")


def _table(h_lines, v_lines):
    return [Line("h", y, a, b) for y, a, b in h_lines] + [Line("v", x, a, b) for x, a, b in v_lines]


def test_cells_are_rectangles_when_a_rule_is_lost_in_part():
    """Three columns, three rows; the rule under row 0 is lost except over column 1. Slot by slot,
    row 0's spanning cell and the cells of columns 0 and 2 below would make one L-shaped group whose
    box covers column 1's cell too. A cell is a rectangle: row 0 stays a row of its own."""
    xs, ys = [0.0, 100.0, 200.0, 300.0], [0.0, 20.0, 60.0, 100.0]
    lines = _table([(0.0, 0, 300), (20.0, 100, 200), (60.0, 0, 300), (100.0, 0, 300)],
                   [(0.0, 0, 100), (100.0, 20, 100), (200.0, 20, 100), (300.0, 0, 100)])
    got_xs, got_ys, cells = table_to_cells(lines, 1.5)
    assert (got_xs, got_ys) == (xs, ys)
    assert (0, 0, 1, 3) in cells, "the spanning top row"
    boxes = [(xs[c], ys[r], xs[c + cs], ys[r + rs]) for r, c, rs, cs in cells]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            overlap_w = min(a[2], b[2]) - max(a[0], b[0])
            overlap_h = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_w <= 0 or overlap_h <= 0, f"cells {a} and {b} overlap"


def test_a_side_ruled_by_pieces_is_ruled_and_a_merged_cell_has_none():
    xs_lines = [(0.0, 0, 60), (100.0, 0, 60)]
    pieces = _table([(0.0, 0, 100), (60.0, 0, 100), (30.0, 0, 40), (30.0, 52, 100)], xs_lines)  # a 12-pt gap
    assert sorted(table_to_cells(pieces, 1.5)[2]) == [(0, 0, 1, 1), (1, 0, 1, 1)]
    stub = _table([(0.0, 0, 100), (60.0, 0, 100), (30.0, 0, 20)], xs_lines)  # a stub at a corner: no rule
    assert table_to_cells(stub, 1.5)[2] == [(0, 0, 2, 1)]


def broken_rules(img: Image.Image, rng: np.random.Generator, gaps_per_page: int = 60, gap_px: int = 12) -> Image.Image:
    """Paper-coloured gaps of gap_px along the page's ruling lines (a worn photocopy)."""
    a = np.asarray(img).copy()
    ink = (a < 150).astype(np.uint8)
    rules = (cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (60, 1)))
             | cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 60))))
    mask = cv2.dilate(rules, np.ones((3, 3), np.uint8)) > 0
    ys, xs = np.nonzero(mask)
    half = gap_px // 2
    for i in rng.choice(len(ys), gaps_per_page, replace=False):
        window = (slice(max(0, ys[i] - half), ys[i] + half), slice(max(0, xs[i] - half), xs[i] + half))
        a[window] = np.where(mask[window], PAPER, a[window])
    return Image.fromarray(a)


def _image_pdf(src, dst, change=lambda img: img) -> None:
    doc = pdfium.PdfDocument(src)
    try:
        images = [change(doc[i].render(scale=200 / 72, grayscale=True).to_pil().convert("L")) for i in range(len(doc))]
    finally:
        doc.close()
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=200.0, save_all=True, append_images=images[1:])
    dst.write_bytes(buf.getvalue())


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_a_scan_with_broken_rules_reads_like_the_clean_scan(tmp_path, params):
    scan = tmp_path / "scan.pdf"
    scan_pdf(SAMPLE_PDF, scan, seed=9, pages=[13, 14, 15, 16])
    clean, broken = tmp_path / "clean.pdf", tmp_path / "broken.pdf"
    _image_pdf(scan, clean)
    rng = np.random.default_rng(1)
    _image_pdf(scan, broken, lambda img: broken_rules(img, rng))
    want = run_stages(clean, params, until="check").extraction
    got = run_stages(broken, params, until="check").extraction
    assert got.tables["document"][0]["status"] == "ok", got.tables["document"][0]["errors"]
    want_rows, got_rows = want.tables["activities"], got.tables["activities"]
    keys = ("section_no", "task_no", "activity_seq")
    assert len(want_rows) >= 6
    assert [tuple(a[k] for k in keys) for a in got_rows] == [tuple(a[k] for k in keys) for a in want_rows]
    # the same cells, so the same text but for what the gaps change in Tesseract's view of a crop
    errors = sum(Levenshtein.distance(w[f] or "", g[f] or "") for w, g in zip(want_rows, got_rows) for f in FIELDS[3:])
    chars = sum(len(w[f] or "") for w in want_rows for f in FIELDS[3:])
    assert errors <= 0.005 * chars, f"{errors} of {chars} characters differ"


def _ink_table(strokes=(), broken_header=False):
    """A ruled table drawn as ink (300 dpi): rows at 50/100/118/200 pt, a full-width section row
    100-118; the column rule at x=150 stops above the section row and starts again below it."""
    from extractors import ocr_image  # noqa: F401  (the same package the pipeline reads with)

    k = 300 / 72
    ink = np.zeros((int(595 * k), int(842 * k)), np.uint8)  # a page: the shortest rule looked for is 15 pt

    def hl(y, x0, x1, t=0.8):
        ink[int((y - t / 2) * k):int((y + t / 2) * k) + 1, int(x0 * k):int(x1 * k)] = 255

    def vl(x, y0, y1, t=0.8):
        ink[int(y0 * k):int(y1 * k), int((x - t / 2) * k):int((x + t / 2) * k) + 1] = 255

    for y in (30, 50, 100, 118, 200):
        hl(y, 50, 550)
    vl(50, 30, 200)
    vl(550, 30, 200)
    if broken_header:  # the header row's column rule 30-50, broken by a 4-pt gap
        vl(150, 30, 38), vl(150, 42, 50)
    else:
        vl(150, 30, 50)
    vl(150, 50, 100)
    vl(150, 118, 200)
    for x, y0, y1 in strokes:
        vl(x, y0, y1, 1.0)
    return ink


def _cells(ink):
    from extractors import ocr, ocr_image
    from extractors.grid import lines_to_tables, rules_to_lines
    from pipeline.settings import Settings

    s = Settings().read
    min_len = max(3, int(min(ink.shape) / s.ocr_line_scale))
    h, v = ocr_image.ink_to_rule_masks(ink, min_len)
    rules = ocr_image.masks_to_rules(h, v, 300, min_len, s.max_rule_thickness * 300 / 72)
    rules += ocr.rule_pieces(ink, rules, 300, s)
    ss = ocr.scan_settings(s)
    (table,) = lines_to_tables(rules_to_lines(rules, ss.snap_tolerance, ss.join_tolerance), ss.snap_tolerance,
                               min_cols=ss.min_columns)
    return sorted(table_to_cells(table, ss.snap_tolerance)[2])


def test_a_letter_stroke_under_a_rule_that_stops_does_not_split_the_section_row():
    section_row = (2, 0, 1, 2)
    assert section_row in _cells(_ink_table())
    assert section_row in _cells(_ink_table(strokes=[(150.0, 103, 111)])), "a lone 'l' on the column's line"


def test_pieces_of_a_broken_header_rule_are_taken_back():
    assert (0, 0, 1, 1) in _cells(_ink_table(broken_header=True)) and (0, 1, 1, 1) in _cells(_ink_table(broken_header=True))
