"""Every page is read as displayed upright: rotated and mixed-orientation copies of the bundled
sample give the same output tables, field by field, as the sample itself."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from core.errors import BadInputError
from extractors.pdf_document import open_pdf, read_page
from extractors.text_layer import _PdfiumText, pdf_to_grids
from pipeline.settings import Settings
from pipeline.stages import extract
from tests.factory.transform import PageTurn, turned_beside_upright_text, turned_copy

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd.pdf"
SETTINGS = Settings.from_yaml(ROOT / "params.yaml")
# What names the file rather than its content.
_FILE_FIELDS = {"doc_id", "file_name", "sha256", "size_bytes"}


def _content(tables: dict) -> dict:
    return {name: [{k: v for k, v in row.items() if k not in _FILE_FIELDS} for row in rows]
            for name, rows in tables.items()}


@pytest.fixture(scope="module")
def upright():
    ex = extract(SAMPLE, SETTINGS)
    assert ex.tables["document"][0]["activity_count"] == 105
    return _content(ex.tables)


def _assert_same(upright: dict, path: Path) -> None:
    got = _content(extract(path, SETTINGS).tables)
    assert len(got["activities"]) == 105
    for name in upright:
        assert got[name] == upright[name], f"table {name} differs"


# /Rotate × the angle the content is drawn at. (90, 90): the way printers store a landscape page
# (portrait MediaBox, content turned, /Rotate turning it back); (0, 90): a landscape table drawn
# turned on a portrait page; (90, 0): /Rotate alone; (180, 180): upside down twice.
TURNS = [(r, c) for r in (0, 90, 180, 270) for c in (0, 90, 180, 270)]


@pytest.mark.parametrize("rotate,content", TURNS, ids=[f"rotate{r}-content{c}" for r, c in TURNS])
def test_every_page_turned_reads_the_same(upright, tmp_path, rotate, content):
    path = turned_copy(SAMPLE, tmp_path / SAMPLE.name, lambda i: PageTurn(rotate, content, "form"))
    _assert_same(upright, path)


@pytest.mark.parametrize("rotate,content", [(0, 90), (90, 90), (270, 270), (180, 0)])
def test_content_turned_in_the_page_itself_reads_the_same(upright, tmp_path, rotate, content):
    """The page objects themselves transformed (no Form XObject), content stream regenerated."""
    path = turned_copy(SAMPLE, tmp_path / SAMPLE.name, lambda i: PageTurn(rotate, content, "objects"))
    _assert_same(upright, path)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mixed_orientations_read_the_same(upright, tmp_path, seed):
    rng = random.Random(seed)
    turns = [PageTurn(rng.choice((0, 90, 180, 270)), rng.choice((0, 90, 180, 270)), rng.choice(("form", "objects")))
             for _ in range(36)]
    turns[0] = PageTurn()  # the body's first page as printed; the rest anything
    _assert_same(upright, turned_copy(SAMPLE, tmp_path / SAMPLE.name, turns))


def test_appendix_only_turned_like_a_printer_landscape(upright, tmp_path):
    """Body pages portrait and upright; appendix pages stored portrait with the table drawn turned
    (no /Rotate: they display sideways), which used to drop them."""
    path = turned_copy(SAMPLE, tmp_path / SAMPLE.name, lambda i: PageTurn(0, 90 if i >= 12 else 0, "form"))
    _assert_same(upright, path)


def test_turned_table_beside_upright_text_on_one_page(upright, tmp_path):
    """Appendix pages holding the table drawn turned (scaled to fit) below upright text lines: each
    table is read in the frame its own text is upright in (on some pages the upright text is the
    majority, on others the table's). Scaling changes measured gaps, not decisions."""
    path = turned_beside_upright_text(SAMPLE, tmp_path / SAMPLE.name, set(range(12, 36)))
    got = _content(extract(path, SETTINGS).tables)
    assert got["activities"] == upright["activities"]
    assert got["tasks"] == upright["tasks"]
    assert [s["decision"] for s in got["stitches"]] == [s["decision"] for s in upright["stitches"]]
    assert got["tasks"][0]["table_title"] == upright["tasks"][0]["table_title"]
    assert {r["table_title"] for r in got["activities"]} == {r["table_title"] for r in upright["activities"]}
    # The upright notes, seen from the table's frame, run up the page: neither a caption nor a cell.
    doc = open_pdf(path)
    try:
        grids = pdf_to_grids(doc, SETTINGS.read)
        with read_page(doc, 13, 90) as (_, textpage, frame):  # a turned page, read in its table's frame
            table_view = _PdfiumText(textpage, frame).upright_text((0.0, 0.0, frame.width, frame.height))
        with read_page(doc, 13, 0) as (_, textpage, frame):  # the same page as the notes read
            notes_view = _PdfiumText(textpage, frame).upright_text((0.0, 0.0, frame.width, frame.height))
    finally:
        doc.close()
    sample = open_pdf(SAMPLE)
    try:
        sample_grids = pdf_to_grids(sample, SETTINGS.read)
    finally:
        sample.close()
    assert [(g.page_no, g.caption) for g in grids] == [(g.page_no, g.caption) for g in sample_grids]
    assert not any("Note" in c.text for g in grids for c in g.cells)
    assert "Stt" in table_view and "Note" not in table_view
    assert "Note 1:" in notes_view and "Stt" not in notes_view


@pytest.mark.parametrize("rotate,content", [(90, 0), (90, 90), (0, 90), (0, 180)])
def test_pdfplumber_engine_refuses_turned_pages(tmp_path, rotate, content):
    """pdfminer's layout of a rotated page is subtly wrong: the second engine says so instead of
    returning wrong cells."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["read"]["engine"] = "pdfplumber"
    settings = Settings.build(params)
    # Only the first appendix page turned: the refusal names it.
    path = turned_copy(SAMPLE, tmp_path / SAMPLE.name, lambda i: PageTurn(rotate, content) if i == 12 else None)
    with pytest.raises(BadInputError) as e:
        extract(path, settings)
    assert e.value.page == 13 and "read.engine: pdfium" in e.value.reason
