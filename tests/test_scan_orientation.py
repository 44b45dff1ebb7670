"""Scanned pages stored sideways or upside down (no /Rotate: the image itself is turned) are read upright.

A landscape appendix page is often scanned onto a portrait page sideways, and a page fed the wrong way
comes out upside down. The grid of such a page is still found, but its cells read as noise; the page
is read again turned (extractors.ocr.upright_turn) and gives the same rows as the upright scan.
"""
from __future__ import annotations

import io
import shutil

import pypdfium2 as pdfium
import pytest

from pipeline.stages import run_stages
from tests.conftest import SAMPLE_PDF
from tests.factory.scan import scan_pdf

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
FIELDS = ("section_no", "task_no", "activity_seq", "task_text", "activity_text", "output_text", "lead_text",
          "partners_text", "deadline_text", "deadline_kind", "deadline_start")


def turned_copy(src, dst, turns: dict[int, int]) -> None:
    """An image-only PDF of `src`'s pages, page i's image turned by turns[i] degrees counter-clockwise
    (the page's size follows the image: a sideways landscape page becomes a portrait page)."""
    doc = pdfium.PdfDocument(src)
    images = []
    try:
        for i in range(len(doc)):
            img = doc[i].render(scale=200 / 72, grayscale=True).to_pil().convert("L")
            images.append(img.rotate(turns.get(i + 1, 0), expand=True))
    finally:
        doc.close()
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=200.0, save_all=True, append_images=images[1:])
    dst.write_bytes(buf.getvalue())


@pytest.fixture(scope="module")
def upright(tmp_path_factory):
    folder = tmp_path_factory.mktemp("orientation")
    scan = folder / "upright.pdf"
    scan_pdf(SAMPLE_PDF, scan, seed=4, pages=[13, 14, 15])
    return scan


def _rows(run):
    return [tuple(a[f] for f in FIELDS) for a in run.extraction.tables["activities"]]


def test_pages_scanned_sideways_or_upside_down_are_read_upright(upright, tmp_path, params):
    same = tmp_path / "same.pdf"
    turned_copy(upright, same, {})  # the same images, none turned
    want = run_stages(same, params, until="check")
    assert want.extraction.tables["document"][0]["status"] == "ok"
    turned = tmp_path / "turned.pdf"
    turned_copy(upright, turned, {1: 90, 2: 180, 3: 270})
    got = run_stages(turned, params, until="check")
    assert {g.page_no: g.ocr_turn for g in got.grids} == {1: 270, 2: 180, 3: 90}
    assert got.extraction.tables["document"][0]["status"] == "ok", got.extraction.tables["document"][0]["errors"]
    assert len(_rows(got)) == len(_rows(want)) > 0
    assert _rows(got) == _rows(want)
    turns = {c["page"]: c["page_turn"] for c in got.extraction.tables["ocr_cells"]}
    assert turns == {1: 270, 2: 180, 3: 90}, "the cell boxes say which frame they are in"


def test_an_upright_page_is_not_turned(upright, params):
    run = run_stages(upright, params, until="read")
    assert {g.ocr_turn for g in run.grids} == {0}
