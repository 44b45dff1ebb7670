"""Red seals and blue signatures over scanned text are removed before reading (extractors.ocr_image.colour_to_gray)."""
from __future__ import annotations

import shutil

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageDraw
from rapidfuzz.distance import Levenshtein

from extractors import ocr, ocr_image
from tests.factory.scan import SEAL_RED, SIGNATURE_BLUE, scan_pdf
from tests.test_ocr import READ, SAMPLE, _text_grid


def _printed_page() -> Image.Image:
    """Black bars (text) and a ruling line on white."""
    img = Image.new("L", (400, 300), 255)
    d = ImageDraw.Draw(img)
    for y in range(40, 260, 30):
        d.rectangle([40, y, 360, y + 8], fill=20)
    d.line([(20, 150), (380, 150)], fill=0, width=2)
    return img


@pytest.mark.parametrize("colour", [SEAL_RED, SIGNATURE_BLUE])
def test_overprint_is_made_transparent(colour):
    page = _printed_page()
    layer = Image.new("RGB", page.size, (255, 255, 255))
    ImageDraw.Draw(layer).ellipse([120, 60, 300, 240], fill=colour)
    stamped = np.asarray(ImageChops.multiply(page.convert("RGB"), layer))
    want = np.asarray(page).astype(int)
    plain = np.asarray(page.convert("RGB").convert("L")).astype(int)
    got = ocr_image.colour_to_gray(stamped).astype(int)
    assert np.abs(got - want).max() <= 30, "print under the seal stays, the seal goes"
    naive = np.asarray(Image.fromarray(stamped).convert("L")).astype(int)
    assert np.abs(naive - plain).max() > 100, "a plain grey conversion keeps the seal as ink"


def test_grey_pages_are_unchanged():
    page = np.asarray(_printed_page().convert("RGB"))
    assert np.array_equal(ocr_image.colour_to_gray(page), np.asarray(_printed_page()))


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_a_sealed_scan_reads_as_well_as_a_clean_one(tmp_path):
    """A colour scan of the first appendix page with a red seal and a blue signature over the
    agency columns: the grid is found and the cells read as well as the unsealed page (measured:
    1.3% character errors with the seal removed, 2.8% when it is read as grey ink)."""
    sealed = tmp_path / "sealed.pdf"
    seals: list = []
    scan_pdf(SAMPLE, sealed, seed=11, pages=[13], seal=True, seals=seals)
    want, keep = _text_grid(SAMPLE, 13)
    pdf = pdfium.PdfDocument(str(sealed))
    rates = {}
    try:
        page = pdf[0]
        for remove in (True, False):
            gray = ocr_image.page_to_gray(page, READ.ocr_dpi, remove_overprint=remove)
            result = ocr.gray_to_ocr_page(gray, 13, page.get_width(), page.get_height(), READ.ocr_dpi, READ)
            grids, _ = ocr.ocr_page_to_grids(result, READ)
            got = grids[0]
            if [(c.row, c.col, c.row_span, c.col_span) for c in got.cells] != \
                    [(c.row, c.col, c.row_span, c.col_span) for c in want[0].cells]:
                rates[remove] = 1.0
                continue
            errors = sum(Levenshtein.distance(a.text, b.text) for a, b in zip(want[0].cells, got.cells))
            rates[remove] = errors / sum(len(a.text) for a in want[0].cells)
    finally:
        pdf.close()
    print(f"sealed page: CER {rates[True]:.2%} with the seal removed, {rates[False]:.2%} without")
    assert rates[True] <= 0.02
    assert rates[True] < rates[False]


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_a_garbled_header_label_is_read_again_with_the_vocabulary():
    """"TT" read as "EE": in a row that reads as a header, the cell is re-read (vocabulary letters only)."""
    import cv2
    from PIL import ImageFont

    from core.records import Cell, PageGrid
    from tests.factory.fonts import font_files

    dpi, k = 300, 300 / 72
    xs, ys = [40.0, 80.0, 240.0, 400.0, 520.0], [40.0, 70.0, 100.0]
    labels = ["TT", "Nội dung", "Chủ trì", "Thời gian"]
    img = Image.new("L", (int(600 * k), int(200 * k)), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(next(p for p in font_files() if "Serif-Bold" in p.name)), int(12 * k))
    for x0, label in zip(xs, labels):
        d.text(((x0 + 6) * k, 48 * k), label, font=font, fill=0)
    ok, png = cv2.imencode(".png", np.asarray(img))
    page = ocr.OcrPage(5, 841.89, 595.28, 0.0, [], [], 0.0, png.tobytes(), dpi)
    read = ["EE", *labels[1:]]
    cells = [Cell(0, c, 1, 1, (xs[c], ys[0], xs[c + 1], ys[1]), read[c], ocr_raw=read[c], ocr_conf=40.0) for c in range(4)]
    cells += [Cell(1, c, 1, 1, (xs[c], ys[1], xs[c + 1], ys[2]), "1" if c == 0 else "x") for c in range(4)]
    grid = PageGrid(5, 841.89, 595.28, xs, ys, cells)
    fixed = ocr.fix_header_labels(grid, page, READ)
    assert [c.text for c in fixed.cells if c.row == 0] == labels
    assert fixed.cells[0].ocr_raw == "EE"
    assert [c.text for c in fixed.cells if c.row == 1] == ["1", "x", "x", "x"], "data rows are not touched"
    # a row that does not read as a header is left alone
    lone = PageGrid(5, 841.89, 595.28, xs, ys, [Cell(0, 0, 1, 1, cells[0].bbox, "EE")] + cells[4:])
    assert ocr.fix_header_labels(lone, page, READ) is lone


def test_header_re_reads_stop_at_the_header(monkeypatch):
    """Only header rows are read again: a clean header ends the search, and a data row in which two
    cells merely start with a label's words ("Phối hợp với …", "Chủ trì …") is not a header."""
    from core.records import Cell, PageGrid

    calls: list[str] = []
    monkeypatch.setattr(ocr, "image_to_words", lambda image, **kw: calls.append(kw["lang"]) or [])
    xs, ys = [40.0, 80.0, 240.0, 400.0, 520.0], [40.0, 70.0, 100.0, 130.0]
    page = ocr.OcrPage(5, 841.89, 595.28, 0.0, [], [], 0.0, _png_with_ink(), 300)

    def grid(rows):
        cells = [Cell(r, c, 1, 1, (xs[c], ys[r], xs[c + 1], ys[r + 1]), t) for r, row in enumerate(rows)
                 for c, t in enumerate(row)]
        return PageGrid(5, 841.89, 595.28, xs, ys[:len(rows) + 1], cells)

    clean_header = grid([["TT", "Nội dung", "Chủ trì", "Thời gian"],
                         ["1", "Phối hợp với các sở", "Chủ trì xây dựng", "x"]])
    assert ocr.fix_header_labels(clean_header, page, READ) is clean_header
    data_first = grid([["1", "Phối hợp với các sở, ngành", "Chủ trì xây dựng đề án", "Quý II/2022"],
                       ["2", "Rà soát văn bản", "Sở Tư pháp", "Năm 2022"]])
    assert ocr.fix_header_labels(data_first, page, READ) is data_first
    assert calls == []
    damaged = grid([["EE", "Nội dung", "Chủ trì", "Thời gian"], ["1", "x", "x", "x"]])
    ocr.fix_header_labels(damaged, page, READ)
    assert len(calls) == len(set(calls)) >= 1, "the damaged cell is re-read, by each model once"
    calls.clear()
    lost = grid([["", "Nội dung", "Chủ trì", "Thời gian"], ["1", "x", "x", "x"]])  # "TT" read as nothing
    ocr.fix_header_labels(lost, page, READ)
    assert len(calls) == len(set(calls)) >= 1, "a label read as nothing (its cell has ink) is re-read"


def _png_with_ink() -> bytes:
    import cv2

    img = np.full((int(200 * 300 / 72), int(600 * 300 / 72)), 255, np.uint8)
    img[40 * 300 // 72:130 * 300 // 72:7, :] = 0  # ink in every cell
    ok, png = cv2.imencode(".png", img)
    return png.tobytes()
