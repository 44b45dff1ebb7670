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
