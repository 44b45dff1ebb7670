"""Bad input: one clear line naming file (and page), exit code 1, nothing written, other files still done."""
from __future__ import annotations

import io
import random
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from pipeline.folders import LOCK_FILE, MARKER
from pipeline.schemas import TABLES
from tests.factory import random_plan, render_plan
from tests.factory.fonts import register_fonts

ROOT = Path(__file__).resolve().parents[1]


def _good(path: Path) -> Path:
    render_plan(random_plan(random.Random(7)), path, rng=random.Random(7))
    return path


def _table_pdf(path: Path, header: list[str], encrypt: str | None = None) -> Path:
    """A one-page ruled table with the given header and one data row."""
    regular = register_fonts()[0]
    w, h = landscape(A4)
    c = canvas.Canvas(str(path), pagesize=(w, h), invariant=1, encrypt=encrypt)
    xs = [40 + i * 110 for i in range(len(header) + 1)]
    ys = [60, 90, 130]
    c.setFont(regular, 11)
    for i, label in enumerate(header):
        c.drawString(xs[i] + 3, h - ys[0] - 18, label)
        c.drawString(xs[i] + 3, h - ys[1] - 18, f"ô {i}")
    for y in ys:
        c.line(xs[0], h - y, xs[-1], h - y)
    for x in xs:
        c.line(x, h - ys[0], x, h - ys[-1])
    c.showPage()
    c.save()
    return path


def _body_only(path: Path) -> Path:
    regular = register_fonts()[0]
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setFont(regular, 12)
    c.drawString(72, 760, "KẾ HOẠCH Cải cách hành chính nhà nước năm 2022 (không có phụ lục)")
    c.showPage()
    c.save()
    return path


def _scanned(path: Path) -> Path:
    """Page 1 has text; page 2 is only an image of a ruled table (a scan)."""
    regular = register_fonts()[0]
    img = Image.new("L", (800, 500), 255)
    d = ImageDraw.Draw(img)
    for x in range(50, 800, 120):
        d.line([(x, 50), (x, 450)], fill=0, width=2)
    for y in range(50, 460, 80):
        d.line([(50, y), (770, y)], fill=0, width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    w, h = landscape(A4)
    c = canvas.Canvas(str(path), pagesize=(w, h), invariant=1)
    c.setFont(regular, 12)
    c.drawString(72, h - 72, "Phụ lục")
    c.showPage()
    c.drawImage(ImageReader(buf), 20, 20, width=w - 40, height=h - 40)
    c.showPage()
    c.save()
    return path


def _run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "extract", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True)


def _cases(tmp: Path) -> dict[str, tuple[Path, str, int | None]]:
    good = _good(tmp / "good.pdf")
    not_pdf = tmp / "notes.pdf"
    not_pdf.write_text("Kế hoạch số 196/KH-UBND — this is a text file", encoding="utf-8")
    empty = tmp / "empty.pdf"
    empty.write_bytes(b"")
    truncated = tmp / "truncated.pdf"
    data = good.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    return {
        "not_pdf": (not_pdf, "not a PDF", None),
        "empty": (empty, "empty file", None),
        "truncated": (truncated, "truncated", None),
        "encrypted": (_table_pdf(tmp / "locked.pdf", ["Stt", "Nhiệm vụ", "Chủ trì", "Phối hợp", "Thời gian"], encrypt="mật-khẩu"), "encrypted", None),
        "no_table": (_body_only(tmp / "body-only.pdf"), "no appendix table", None),
        "unknown_header": (_table_pdf(tmp / "odd-header.pdf", ["Mục", "Việc làm", "Ghi chú", "Kinh phí", "Nguồn vốn"]), "unknown header wording 'Mục | Việc làm | Ghi chú | Kinh phí | Nguồn vốn'", 1),
        # The image is a ruled table with nothing written in it: OCR reads the page, finds no header.
        "scanned": (_scanned(tmp / "scan.pdf"), "no appendix table found", 2),
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad")
    cases = _cases(tmp)
    out = tmp / "out"
    files = [tmp / "good.pdf"] + [p for p, _, _ in cases.values()]
    return cases, out, _run(*files, "--out", out)


@pytest.mark.parametrize("case", ["not_pdf", "empty", "truncated", "encrypted", "no_table", "unknown_header", "scanned"])
def test_bad_file_gets_one_clear_line(batch, case):
    cases, out, proc = batch
    path, reason, page = cases[case]
    lines = [l for l in proc.stderr.splitlines() if l.startswith("FAILED") and path.name in l]
    assert len(lines) == 1, proc.stderr
    assert reason in lines[0]
    if page is not None:
        assert f"{path.name}, page {page}:" in lines[0]
    assert not (out / path.stem).exists(), "nothing may be written for a bad file"


def test_batch_keeps_good_results_and_fails_overall(batch):
    cases, out, proc = batch
    assert proc.returncode == 1
    assert f"{len(cases)} of {len(cases) + 1} file(s) failed" in proc.stderr
    assert sorted(p.name for p in (out / "good").iterdir()) == sorted([f"{t}.parquet" for t in TABLES] + [MARKER])
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name not in (LOCK_FILE, ".cache")], \
        "no temporary folders may remain"


def test_single_bad_file_exit_code(tmp_path):
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"%PDF-1.7\n garbage")
    proc = _run(bad, "--out", tmp_path / "out")
    assert proc.returncode == 1
    assert "x.pdf" in proc.stderr and proc.stdout == ""


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    """Atomic output: a crash while writing the third table leaves no folder and no temp files."""
    import pyarrow.parquet as pq

    from pipeline.settings import Settings
    from pipeline.stages import extract_to_parquet

    good = _good(tmp_path / "plan.pdf")
    calls = {"n": 0}
    real = pq.write_table

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(*a, **k)

    monkeypatch.setattr(pq, "write_table", flaky)
    out = tmp_path / "out"
    with pytest.raises(OSError):
        extract_to_parquet(good, out, Settings())
    assert list(out.iterdir()) == []  # not even the folder's marker


def test_scanned_page_with_ocr_off_is_a_clear_error(tmp_path):
    import yaml

    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["read"]["ocr"] = "off"
    p = tmp_path / "params.yaml"
    p.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    scan = _scanned(tmp_path / "scan.pdf")
    proc = _run(scan, "--out", tmp_path / "out", "--params", p)
    assert proc.returncode == 1
    assert "FAILED scan.pdf, page 2: page has no text layer" in proc.stderr
    assert not (tmp_path / "out" / "scan").exists()
