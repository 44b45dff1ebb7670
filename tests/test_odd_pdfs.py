"""Odd inputs at the reading layer: one clear BadInputError (file and page) or a correct reading,
never a traceback, a hang or gigabytes of memory."""
from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from PIL import Image, ImageDraw
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from core.errors import BadInputError
from extractors.ocr_image import page_to_gray_limited, render_dpi
from extractors.pdf_document import open_pdf
from pipeline.settings import Settings
from pipeline.stages import extract

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd.pdf"
SETTINGS = Settings.from_yaml(ROOT / "params.yaml")


def _cli(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "extract", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def _page_kid_to_missing_object(data: bytes, page: int) -> bytes:
    """The page tree's reference to page `page` (1-based) pointed at an object that does not exist."""
    kids = re.search(rb"/Kids\s*\[([^\]]*)\]", data)
    assert kids is not None
    refs = list(re.finditer(rb"(\d+)\s+0\s+R", kids.group(1)))
    ref = refs[page - 1]
    missing = b"9" * len(ref.group(1))
    assert not re.search(rb"\n" + missing + rb"\s+0\s+obj", data)
    start = kids.start(1) + ref.start(1)
    return data[:start] + missing + data[start + len(ref.group(1)):]


def test_page_that_cannot_be_loaded_is_one_line_naming_file_and_page(tmp_path):
    bad = tmp_path / "broken-page.pdf"
    bad.write_bytes(_page_kid_to_missing_object(SAMPLE.read_bytes(), 14))
    with pytest.raises(BadInputError) as e:
        extract(bad, SETTINGS)
    assert e.value.page == 14 and "cannot load page" in e.value.reason
    proc = _cli(bad, "--out", tmp_path / "out")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "FAILED broken-page.pdf, page 14: cannot load page" in proc.stderr


@pytest.mark.parametrize("tail", [b"\n" + bytes(random.Random(5).randrange(256) for _ in range(4096)),
                                  b"\r\n" + b"\x00" * 3000, b"\n-- \nSent from a scanner\n" * 200])
def test_bytes_after_eof_do_not_make_a_readable_pdf_truncated(tmp_path, tail):
    odd = tmp_path / SAMPLE.name
    odd.write_bytes(SAMPLE.read_bytes() + tail)
    doc = open_pdf(odd)
    try:
        warned = [w.message for w in doc.warnings]
    finally:
        doc.close()
    assert tail.strip(b"\r\n\t \x00") == b"" or any("after the final %%EOF" in w for w in warned)
    assert len(extract(odd, SETTINGS).tables["activities"]) == 105


def test_cut_pdfs_are_truncated(tmp_path):
    data = SAMPLE.read_bytes()
    half = tmp_path / "half.pdf"
    half.write_bytes(data[: len(data) // 2])
    # A later revision (an incremental update) cut off before its %%EOF: PDFium could still read
    # the earlier one, which would be silently out of date.
    update = tmp_path / "cut-update.pdf"
    update.write_bytes(data + b"\n60 0 obj\n<< /Producer (signing tool) >>\nendobj\nxref\n0 1\n")
    for path in (half, update):
        with pytest.raises(BadInputError, match="truncated"):
            open_pdf(path)


def test_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    with pytest.raises(BadInputError, match=r"not a regular file \(a FIFO"):
        open_pdf(fifo)
    proc = _cli(fifo, "--out", tmp_path / "out", timeout=60)  # a hang fails here, not forever
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "pipe.pdf" in proc.stderr


def test_directory_symlink_loop_and_unreadable_file(tmp_path, monkeypatch):
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    with pytest.raises(BadInputError, match="directory"):
        open_pdf(folder)
    loop = tmp_path / "loop.pdf"
    loop.symlink_to(loop)
    with pytest.raises(BadInputError, match="cannot read file") as e:
        open_pdf(loop)
    assert "loop.pdf" in str(e.value)
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(SAMPLE.read_bytes())
    real_open = os.open

    def denied(path, *a, **k):  # root reads every file: make the refusal happen regardless
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **k)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(BadInputError, match=r"locked.pdf: cannot read file \(Permission denied\)"):
        open_pdf(locked)


def _huge_image_page(path: Path, side_pt: float = 14_400) -> Path:
    img = Image.new("L", (600, 600), 255)
    d = ImageDraw.Draw(img)
    for k in range(50, 600, 100):
        d.line([(k, 50), (k, 550)], fill=0, width=2)
        d.line([(50, k), (550, k)], fill=0, width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    c = canvas.Canvas(str(path), pagesize=(side_pt, side_pt), invariant=1)
    c.drawImage(ImageReader(buf), 0, 0, width=side_pt, height=side_pt)
    c.showPage()
    c.save()
    return path


def test_huge_page_render_is_capped(tmp_path):
    """A 14,400-pt page at 300 dpi would be 3.6 Gpx (3.6 GB grey): rendered within the cap instead."""
    doc = open_pdf(_huge_image_page(tmp_path / "huge.pdf"))
    try:
        page = doc.pdf[0]
        cap = SETTINGS.read.max_render_pixels
        dpi = render_dpi(page, 300, cap)
        assert dpi < 300 and (14_400 * dpi / 72) ** 2 <= cap
        gray, used = page_to_gray_limited(page, 300, 2_000_000)
        assert used < 300 and gray.size <= 2_000_000 and gray.size > 1_900_000
        assert render_dpi(page, 300, 10**12) == 300
        page.close()
    finally:
        doc.close()


def test_huge_page_is_read_at_a_lower_resolution_with_a_warning(tmp_path):
    from extractors.ocr import ocr_available
    from extractors.text_layer import pdf_to_grids

    if ocr_available(SETTINGS.read.ocr_lang) is not None:
        pytest.skip("Tesseract with the Vietnamese model is not installed")
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["read"]["max_render_pixels"] = 4_000_000
    doc = open_pdf(_huge_image_page(tmp_path / "huge.pdf"))
    try:
        pdf_to_grids(doc, Settings.build(params).read)  # its 48-pt-thick drawn lines are no table rules
        warnings = [w for w in doc.warnings if w.stage == "read"]
    finally:
        doc.close()
    assert [w.page for w in warnings] == [1] and "at 10 dpi instead of 300" in warnings[0].message
