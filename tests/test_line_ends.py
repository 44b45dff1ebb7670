"""Line ends inside cells: a line broken after an in-token hyphen joins without a space, a spaced
hyphen keeps its space, and no control character reaches the output (both engines, body text)."""
from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import yaml
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from core.text import clean, join_line_end_hyphens, printable
from extractors.body_text import page_lines
from extractors.pdf_document import open_pdf
from extractors.text_layer import pdf_to_grids
from pipeline.settings import Settings
from pipeline.stages import extract
from tests.compare import activity_differences, break_differences
from tests.factory import random_geometry, random_plan, render_plan, render_seed
from tests.factory.flow import libreoffice_flow
from tests.factory.fonts import register_fonts

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = Settings.from_yaml(ROOT / "params.yaml")

# Printed lines of one cell → the cell's text as read.
CELLS = [
    (["Quyết định số 12/QĐ-", "UBND ngày 3/1"], "Quyết định số 12/QĐ-UBND ngày 3/1"),
    (["Nghị quyết số 18-", "NQ/TW của BCH"], "Nghị quyết số 18-NQ/TW của BCH"),
    (["lĩnh vực Văn hóa -", "Xã hội và"], "lĩnh vực Văn hóa -\nXã hội và"),
    (["giai đoạn 2021-", "2025 bảo đảm"], "giai đoạn 2021-2025 bảo đảm"),
    (["Sở Nội vụ;", "- Sở Tài chính"], "Sở Nội vụ;\n- Sở Tài chính"),
    (["Nghị định số 61/2018/NĐ-", "CP, Nghị định"], "Nghị định số 61/2018/NĐ-CP, Nghị định"),
    (["-"], "-"),
]


def _has_controls(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cn", "Co", "Cs") and ch != "\n" for ch in text)


def _cells_pdf(path: Path) -> Path:
    """A ruled table: a header row, then one row whose cells hold CELLS' printed lines."""
    regular = register_fonts()[0]
    w, h = landscape(A4)
    c = canvas.Canvas(str(path), pagesize=(w, h), invariant=1)
    xs = [30 + i * 112 for i in range(len(CELLS) + 1)]
    ys = [60, 90, 150]
    c.setFont(regular, 10)
    for i, (lines, _) in enumerate(CELLS):
        c.drawString(xs[i] + 3, h - ys[0] - 18, f"Cột {i + 1}")
        for k, line in enumerate(lines):
            c.drawString(xs[i] + 3, h - ys[1] - 14 - 13 * k, line)
    for y in ys:
        c.line(xs[0], h - y, xs[-1], h - y)
    for x in xs:
        c.line(x, h - ys[0], x, h - ys[-1])
    c.showPage()
    c.save()
    return path


def test_pdfium_marks_a_hyphen_at_a_line_end(tmp_path):
    """What the readers rely on: PDFium joins "QĐ-" | "UBND" itself and reports the hyphen as
    U+FFFE (text ranges) / U+0002 (FPDFText_GetUnicode); "18-" | "NQ/TW" keeps its line break."""
    pdf = pdfium.PdfDocument(str(_cells_pdf(tmp_path / "cells.pdf")))
    text = pdf[0].get_textpage().get_text_range()
    assert "QĐ\ufffeUBND" in text and "18-\r\nNQ/TW" in text


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_cell_line_ends(tmp_path, engine):
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["read"]["engine"] = engine
    doc = open_pdf(_cells_pdf(tmp_path / "cells.pdf"))
    try:
        (grid,) = pdf_to_grids(doc, Settings.build(params).read)
    finally:
        doc.close()
    row = sorted((c for c in grid.cells if c.row == 1), key=lambda c: c.col)
    assert [c.text for c in row] == [want for _, want in CELLS]
    assert not any(_has_controls(c.text) for c in grid.cells)


def test_body_lines_keep_printed_lines_and_read_marked_hyphens(tmp_path):
    doc = open_pdf(_cells_pdf(tmp_path / "cells.pdf"))
    try:
        texts = [ln.text for ln in page_lines(doc, 1)]
    finally:
        doc.close()
    assert "12/QĐ-" in " ".join(texts) and not any(_has_controls(t) for t in texts)
    # PDFium joined "QĐ-" | "UBND" into one text line; the reader gives the two printed lines back.
    first = next(i for i, t in enumerate(texts) if t.endswith("12/QĐ-"))
    assert texts[first + 1].startswith("UBND")


def test_text_helpers():
    assert join_line_end_hyphens("QĐ\ufffeUBND") == "QĐ-UBND"
    assert join_line_end_hyphens("a\x02b") == "a-b"
    assert join_line_end_hyphens("số 18-\r\nNQ/TW") == "số 18-NQ/TW"
    assert join_line_end_hyphens("Văn hóa -\nXã hội") == "Văn hóa -\nXã hội"
    assert join_line_end_hyphens("18-\n- Sở") == "18-\n- Sở"
    assert join_line_end_hyphens("x\u00ad\ny") == "x-y"
    assert printable("a\x00b\u200bc\x07\ufeff\n") == "abc\n"
    assert clean("Uỷ\x0b ban\u200d\x1f  nhân") == "Uỷ ban nhân"


def _hyphen_breaks(path: Path) -> int:
    """Lines of the rendered PDF broken right after an in-token hyphen (marked or not)."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    return text.count("\ufffe") + len(re.findall(r"\w-\r\n\w", text))


def test_seed_in_a_libreoffice_like_flow(tmp_path, seed_file):
    """The sample's text wrapped as LibreOffice does (breaks after in-token hyphens too)."""
    path = tmp_path / "flow.pdf"
    with libreoffice_flow():
        truth = render_seed(seed_file, path)
    assert _hyphen_breaks(path) >= 3
    ex = extract(path, SETTINGS)
    assert activity_differences(ex.tables["activities"], truth) == []
    for name, rows in ex.tables.items():
        for row in rows:
            for k, v in row.items():
                assert not (isinstance(v, str) and _has_controls(v.replace("\t", " "))), (name, k, v)


def test_random_plans_in_a_libreoffice_like_flow(tmp_path):
    """Random plans (their vocabulary has "NĐ-CP", "QĐ-TTg", "2021-2025"…) under the flow wrap,
    random geometry: reconstruction equals the truth, and enough hyphen breaks were printed."""
    breaks, plans = 0, 0
    for seed in range(12):
        rng = random.Random(seed)
        spec = random_plan(rng)
        path = tmp_path / f"flow-{seed}.pdf"
        with libreoffice_flow():
            truth = render_plan(spec, path, geometry=random_geometry(random.Random(seed + 500)), rng=rng)
        n = _hyphen_breaks(path)
        if not n:
            continue
        breaks += n
        plans += 1
        ex = extract(path, SETTINGS)
        diffs = activity_differences(ex.tables["activities"], truth) + break_differences(ex.tables["stitches"], truth)
        assert diffs == [], f"seed={seed}\n" + "\n".join(diffs)
    assert plans >= 3 and breaks >= 10, (plans, breaks)
