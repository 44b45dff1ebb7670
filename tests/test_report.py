"""The review report (pipeline/report.py): built from the bundled sample and looked at in headless Chromium.

Chromium is installed by setup (scripts/setup.sh); when it is missing these tests fail
rather than skip, so a machine without it cannot pass unnoticed.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import report
from pipeline.settings import Settings
from pipeline.stages import extract_to_parquet

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd.pdf"
APPENDIX_PAGES = list(range(13, 37))  # 24 pages
WINDOW = (1400, 3000)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("extract")
    _, folder = extract_to_parquet(SAMPLE, out, Settings.from_yaml(ROOT / "params.yaml"))
    return folder


@pytest.fixture(scope="module")
def built(extracted, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("report") / "report.html"
    assert report.main([str(extracted), "--out", str(target)]) == 0
    return target


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def having(self, tag: str, cls: str | None = None) -> list[dict]:
        return [a for t, a in self.tags if t == tag and (cls is None or cls in (a.get("class") or "").split())]


def _parse(text: str) -> _Collect:
    p = _Collect()
    p.feed(text)
    return p


def chromium() -> str:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    pytest.fail("headless Chromium is needed to check the review report but was not found on PATH "
                "(Debian package `chromium`; scripts/setup.sh installs it, or set $CHROMIUM)")


def _run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd=tmp_path)


# ---------------------------------------------------------------------------------------------


def test_report_lists_every_page_and_decision(built, extracted):
    text = built.read_text(encoding="utf-8")
    doc = _parse(text)
    images = doc.having("img", "page-image")
    assert len(images) == 24
    assert all(re.fullmatch(r"data:image/(webp|png);base64,[A-Za-z0-9+/=]+", a["src"]) for a in images)
    assert [a["id"] for a in doc.having("section", "page")] == [f"page-{n}" for n in APPENDIX_PAGES]
    stitches = pq.read_table(extracted / "stitches.parquet").to_pylist()
    rows = doc.having("tr", "stitch")
    assert [int(a["data-page"]) for a in rows] == [s["page"] for s in stitches] == APPENDIX_PAGES
    blocks = doc.having("div", "decision")
    assert [int(a["data-page"]) for a in blocks] == APPENDIX_PAGES
    for s in stitches:  # the evidence is printed, escaped
        assert report.esc(s["evidence_text"]) in text
    # every grid cell is drawn, merged cells in their own class; 105 activities each on some page
    cells = doc.having("rect", "cell")
    merged = doc.having("rect", "merged")
    assert len(cells) > 24 * 20 and 0 < len(merged) < len(cells)
    assert {a["data-key"] for a in doc.having("tr", "activity")} >= {
        report._key(a) for a in pq.read_table(extracted / "activities.parquet").to_pylist()}
    assert len({report._key(a) for a in pq.read_table(extracted / "activities.parquet").to_pylist()}) == 105


def test_report_is_self_contained_and_deterministic(built, extracted, tmp_path):
    text = built.read_text(encoding="utf-8")
    doc = _parse(text)
    for tag, attrs in doc.tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("data:", "#")), f"<{tag} {name}={value[:60]!r}> points outside the file"
    assert "<link" not in text and "@import" not in text and "url(" not in text
    assert built.stat().st_size < 4_000_000, f"report is {built.stat().st_size} bytes"
    again = tmp_path / "again.html"
    assert report.main([str(extracted), "--out", str(again)]) == 0
    assert again.read_bytes() == built.read_bytes()


def test_report_renders_in_headless_chromium(built, tmp_path):
    from PIL import Image

    dom = _run_chromium(tmp_path, "--dump-dom", built.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    # the page's own script counts images the browser decoded, after load
    assert 'data-images-decoded="24"' in dom.stdout, dom.stdout[:500]
    rendered = _parse(dom.stdout)
    assert len(rendered.having("tr", "stitch")) == 24
    assert len(rendered.having("section", "page")) == 24
    assert len(rendered.having("svg")) >= 24

    shot = tmp_path / "shot.png"
    run = _run_chromium(tmp_path, f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}", built.as_uri())
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    assert image.size == WINDOW
    grey = image.convert("L").histogram()
    ink = sum(grey[:200]) / (WINDOW[0] * WINDOW[1])
    assert ink > 0.02, f"screenshot is nearly blank ({ink:.1%} dark pixels)"
    # the first appendix page is in view with its overlay: grid blue and merged-cell orange strokes
    import numpy as np

    r, g, b = (np.asarray(image, dtype=np.int16)[..., i] for i in range(3))
    orange = int(((r > 180) & (r - b > 100) & (r - g > 40)).sum())
    blue = int(((b > 150) & (r < 90) & (g > 70) & (g < 140)).sum())
    assert orange > 300 and blue > 2000, f"overlay not visible: {orange} orange, {blue} blue pixels"


def _rewrite(folder: Path, name: str, change) -> None:
    path = folder / f"{name}.parquet"
    table = pq.read_table(path)
    rows = table.to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)


def test_unmatched_unknown_and_escaping(extracted, tmp_path):
    folder = tmp_path / extracted.name
    shutil.copytree(extracted, folder)
    hostile = '<script>alert("x")</script> & Sở'

    def acts(rows):
        target = next(r for r in rows if r["page_start"] == 20)
        target["deadline_kind"] = "unknown"
        target["deadline_text"] = "Khi nào <xong>"
        rows[0]["activity_text"] = hostile

    def mentions(rows):
        rows[0]["agency_id"], rows[0]["mention_kind"] = None, "unmatched"
        rows[0]["mention_text"] = "Sở <Không Có>"

    _rewrite(folder, "activities", acts)
    _rewrite(folder, "activity_agencies", mentions)
    text = report.build_report(folder, pdf=SAMPLE)
    assert hostile not in text and report.esc(hostile) in text
    doc = _parse(text)
    ids = {a.get("id") for _, a in doc.tags}
    unknown = doc.having("tr", "unknown-deadline")
    assert [a["data-page"] for a in unknown] == ["20"] and "page-20" in ids
    assert "Khi nào &lt;xong&gt;" in text
    unmatched = doc.having("tr", "unmatched-agency")
    assert [a["data-page"] for a in unmatched] == ["13"]
    assert "Sở &lt;Không Có&gt;" in text
    # the summary counts them, first
    first = {li["data-anchor"]: int(li["data-count"]) for li in doc.having("li", "review-item")}
    assert first["unmatched"] == 1 and first["unknown-deadlines"] == 1 and first["stitches"] == 0
    assert text.index('id="summary"') < text.index('id="stitches"') < text.index('id="page-13"')


def test_clean_sample_says_nothing_is_unmatched(built):
    text = built.read_text(encoding="utf-8")
    assert "Unmatched agency mentions (0)" in text and "Unknown deadlines (0)" in text
    doc = _parse(text)
    counts = {li["data-count"] for li in doc.having("li", "review-item")}
    assert counts == {"0"}  # nothing to review on the clean sample
    # sections about columns this extract does not have are left out, not shown empty
    ids = {a.get("id") for _, a in doc.tags}
    assert "needs-review" in ids and not doc.having("tr", "needs-review-row")  # the column exists, nothing flagged
    assert "repaired" in ids and not doc.having("tr", "repaired-row")
    assert "ocr" in ids and "no page of this document was read by OCR" in text


def test_confidences_shown_are_calibrated(built, extracted):
    from pipeline import calibration

    doc = _parse(built.read_text(encoding="utf-8"))
    shown = {int(a["data-page"]): float(a["data-confidence"]) for a in doc.having("tr", "stitch")}
    for s in pq.read_table(extracted / "stitches.parquet").to_pylist():
        want = calibration.calibrated_confidence(s["score"]) if s["decision"] in report.SCORED else s["confidence"]
        assert shown[s["page"]] == pytest.approx(want, abs=5e-4), s["page"]
    assert "How the decision confidences are calibrated" in built.read_text(encoding="utf-8")


def test_optional_review_columns_are_shown_when_present(extracted, tmp_path):
    """needs_review and repaired-numeral columns (written by later versions) get their own lists."""
    folder = tmp_path / extracted.name
    shutil.copytree(extracted, folder)

    def add_column(name: str, column: str, rows_true) -> None:
        path = folder / f"{name}.parquet"
        table = pq.read_table(path)
        flags = pa.array([i in rows_true for i in range(table.num_rows)], pa.bool_())
        at = table.schema.get_field_index(column)
        table = table.set_column(at, column, flags) if at >= 0 else table.append_column(column, flags)
        pq.write_table(table, path)

    add_column("activities", "needs_review", {3, 50})
    add_column("tasks", "stt_repaired", {7})
    text = report.build_report(folder, pdf=SAMPLE)
    doc = _parse(text)
    acts = pq.read_table(folder / "activities.parquet").to_pylist()
    rows = doc.having("tr", "needs-review-row")
    assert len(rows) == 2 and len(doc.having("tr", "repaired-row")) == 1
    assert report._key(acts[3]) in text and report._key(acts[50]) in text
    counts = {li["data-count"] for li in doc.having("li", "review-item")}
    assert "2" in counts and "1" in counts
    assert len([a for a in doc.having("tr", "activity") if "review" in a["class"].split()]) >= 2


def test_cli_errors_are_one_line(extracted, tmp_path, capsys):
    assert report.main([str(tmp_path / "nowhere")]) == 2
    assert "document.parquet" in capsys.readouterr().err
    assert report.main([str(extracted), "--pdf", str(tmp_path / "missing.pdf"), "--out", str(tmp_path / "r.html")]) == 2
    assert "missing.pdf" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_pdf_found_from_the_batch_record_and_report_written_outside_the_extract(tmp_path, monkeypatch, capsys):
    from pipeline.batch import run_batch

    elsewhere = tmp_path / "inbox" / SAMPLE.name
    elsewhere.parent.mkdir()
    shutil.copy2(SAMPLE, elsewhere)
    out = tmp_path / "data" / "processed"
    [res] = run_batch([elsewhere.parent], out, Settings.from_yaml(ROOT / "params.yaml"), workers=1, progress=False)
    assert res.status == "ok"
    folder = out / SAMPLE.stem
    before = sorted(p.name for p in folder.iterdir())
    empty = tmp_path / "somewhere-else"
    empty.mkdir()
    monkeypatch.chdir(empty)  # no data/raw here: the PDF comes from runs.parquet
    assert report.main([str(folder)]) == 0
    target = tmp_path / "data" / "reports" / f"{SAMPLE.stem}.html"
    assert target.is_file() and str(elsewhere) in target.read_text(encoding="utf-8")
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing added to DVC's output

    lone = tmp_path / "lone" / SAMPLE.stem  # an extract without a batch record, PDF nowhere to be found
    shutil.copytree(folder, lone)
    assert report.main([str(lone), "--out", str(tmp_path / "x.html")]) == 2
    assert "--pdf" in capsys.readouterr().err
    monkeypatch.chdir(ROOT)  # ./data/raw/<file_name> is the last place looked at
    assert report.main([str(lone), "--out", str(tmp_path / "x.html")]) == 0


def test_other_pdf_is_flagged(extracted, tmp_path):
    other = tmp_path / "copy.pdf"
    other.write_bytes(SAMPLE.read_bytes() + b"\n%%EOF\n")
    text = report.build_report(extracted, pdf=other)
    assert "SHA-256 differs" in text


SCAN = ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd-scan.pdf"


def _extract_with_cache(pdf: Path, out: Path) -> Path:
    """As `vnplan extract` and the batch do: OCR readings kept in OUT/.cache/ocr."""
    from pipeline.ocr_cache import ocr_cache

    with ocr_cache(out / ".cache" / "ocr", doc_id=pdf.stem):
        _, folder = extract_to_parquet(pdf, out, Settings.from_yaml(ROOT / "params.yaml"), doc_id=pdf.stem)
    return folder


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> Path:
    return _extract_with_cache(SCAN, tmp_path_factory.mktemp("scan") / "processed")


class _Guard:
    def __init__(self):
        self.on, self.calls = True, []


@pytest.fixture
def no_tesseract(monkeypatch) -> _Guard:
    """Every Tesseract run attempted while the guard is on is recorded and refused."""
    import extractors.ocr_tesseract as tess

    guard = _Guard()
    real = tess.subprocess.run

    def run(cmd, *a, **kw):
        if guard.on and "tesseract" in Path(str(cmd[0])).name:
            guard.calls.append(cmd)
            raise AssertionError("the report ran Tesseract")
        return real(cmd, *a, **kw)

    monkeypatch.setattr(tess.subprocess, "run", run)
    return guard


def _review_rows(text: str) -> list[tuple[str, int]]:
    """(row key, cell images) of each row in the needs-review list."""
    return [(m.group(1), m.group(2).count('class="cell-crop"'))
            for m in re.finditer(r'<tr class="needs-review-row"><td>.*?</td><td>.*?</td><td>(.*?)</td>(.*?)</tr>', text)]


def _repair_rows(text: str) -> list[tuple[str, int]]:
    return [(m.group(1), m.group(2).count("repair-crop"))
            for m in re.finditer(r'<tr class="repaired-row">.*?<td>numbering_repairs</td>.*?<td>(read [^<]*)</td>(.*?)</tr>',
                                 text)]


def _strip_review_cells(folder: Path) -> None:
    """An extract of an older version: no cells behind the reasons recorded."""
    path = folder / "activities.parquet"
    rows = pq.read_table(path).to_pylist()
    for r in rows:
        r["review_cells"] = []
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(path)), path)


def _crop_sizes(text: str, cls: str) -> list[tuple[int, int]]:
    import base64
    import io

    from PIL import Image

    return [Image.open(io.BytesIO(base64.b64decode(m.group(1)))).size
            for m in re.finditer(rf'class="[^"]*{cls}[^"]*"[^>]*src="data:image/png;base64,([^"]+)"', text)]


@pytest.mark.slow
def test_scanned_report_runs_no_ocr_and_shows_every_flagged_cell(scanned, tmp_path, no_tesseract):
    """The report of a scan reads the extraction's Parquet and OCR cache: no Tesseract run; every row flagged
    needs_review and every repaired numeral shows the printed cell beside what was read."""
    import time

    acts = pq.read_table(scanned / "activities.parquet").to_pylist()
    repairs = pq.read_table(scanned / "numbering_repairs.parquet").to_pylist()
    flagged = [a for a in acts if a["needs_review"]]
    assert flagged and repairs  # the bundled scan has both: task 1 read as "I"
    t0 = time.perf_counter()
    text = report.build_report(scanned, pdf=SCAN)
    print(f"report of the bundled scan from its OCR cache: {time.perf_counter() - t0:.1f} s")
    assert no_tesseract.calls == [] and "grid not redrawn" not in text and "from the extraction&#39;s OCR cache" in text
    rows = _review_rows(text)
    assert len(rows) == len(flagged) and all(n >= 1 for _, n in rows), rows
    assert len(_repair_rows(text)) == len(repairs) and all(n == 1 for _, n in _repair_rows(text))
    repaired = next(a for a in flagged if any(r.startswith("repaired_numeral") for r in a["review_reasons"]))
    assert any(c["field"] == "stt" for c in repaired["review_cells"])  # the repair's Stt cell, recorded
    w, h = _crop_sizes(text, "repair-crop")[0]  # the Stt cell at 200 dpi, with its margin
    x0, top, x1, bottom = repairs[0]["bbox"]
    assert abs(w - (x1 - x0 + 6) * 200 / 72) <= 2 and abs(h - (bottom - top + 6) * 200 / 72) <= 2

    # the same report without the cache (pruned, or another version's) and from an older extract: still
    # no OCR, the grid drawn from ocr_cells.parquet, every flagged row still with an image
    out = tmp_path / "processed"
    shutil.copytree(scanned, out / scanned.name)
    _strip_review_cells(out / scanned.name)
    text = report.build_report(out / scanned.name, pdf=SCAN)
    assert no_tesseract.calls == [] and "drawn from ocr_cells.parquet" in text
    rows = _review_rows(text)
    assert len(rows) == len(flagged) and all(n >= 1 for _, n in rows), rows
    assert all(n == 1 for _, n in _repair_rows(text))
    doc = _parse(text)
    cells = pq.read_table(scanned / "ocr_cells.parquet").to_pylist()
    drawn = [a for a in doc.having("rect") if "cell" in (a.get("class") or "").split()]
    appendix = pq.read_table(scanned / "document.parquet")["appendix_pages"][0].as_py()
    assert len(drawn) == sum(1 for c in cells if c["page"] in appendix)


@pytest.mark.slow
def test_a_repaired_section_numeral_of_a_factory_scan_is_shown(seed_file, tmp_path, no_tesseract):
    """Seed 7 of the factory's scan reads section "III" as "II"; the repair stage restores it. Every row of
    that section is flagged, and each shows the Stt cell, also for an extract without review_cells."""
    from tests.factory import render_seed
    from tests.factory.scan import scan_pdf

    born, scan = tmp_path / "born.pdf", tmp_path / "raw" / "scan7.pdf"
    scan.parent.mkdir()
    render_seed(seed_file, born)
    scan_pdf(born, scan, seed=7)
    no_tesseract.on = False  # the extraction reads the scan
    folder = _extract_with_cache(scan, tmp_path / "out")
    no_tesseract.on = True
    repairs = pq.read_table(folder / "numbering_repairs.parquet").to_pylist()
    section = [r for r in repairs if r["kind"] == "section" and r["status"] == "repaired"]
    assert [(r["read"], r["used"]) for r in section] == [("II", "III")]
    acts = pq.read_table(folder / "activities.parquet").to_pylist()
    flagged = [a for a in acts if a["needs_review"]]
    in_section = [a for a in flagged if "repaired_numeral: section III (read 'II')" in a["review_reasons"]]
    assert in_section and all(a["section_no"] == "III" for a in in_section)
    for strip in (False, True):
        if strip:
            _strip_review_cells(folder)
        text = report.build_report(folder, pdf=scan)
        rows = _review_rows(text)
        assert len(rows) == len(flagged) and all(n >= 1 for _, n in rows), (strip, rows)
        assert [n for _, n in _repair_rows(text)] == [1] * len(repairs)
        assert "read &#39;II&#39;, used &#39;III&#39;" in text
    assert no_tesseract.calls == []


@pytest.mark.slow
def test_scanned_sample_report_shows_ocr_cells(scanned):
    folder = scanned
    text = report.build_report(folder, pdf=SCAN)
    doc = _parse(text)
    cells = pq.read_table(folder / "ocr_cells.parquet").to_pylist()
    ocr_pages = sorted({c["page"] for c in cells})
    assert [int(a["data-page"]) for a in doc.having("tr", "ocr-page-summary")] == ocr_pages
    assert len(doc.having("tr", "ocr-cell")) == len(cells)
    changed = [c for c in cells if c["raw_text"] is not None and c["raw_text"] != c["text"]]
    low = [c for c in cells if c["confidence"] is not None and c["confidence"] < report.LOW_OCR_CONFIDENCE]
    assert changed, "the scanned sample has post-corrected cells"
    assert len([a for a in doc.having("tr", "ocr-cell") if "corrected" in a["class"].split()]) == len(changed)
    assert len([a for a in doc.having("tr", "ocr-cell") if "low" in a["class"].split()]) == len(low)
    for c in changed[:20]:  # raw reading beside the corrected text
        assert report.esc(c["raw_text"]) in text and report.esc(c["text"]) in text
    items = [(li["data-anchor"], int(li["data-count"])) for li in doc.having("li", "review-item")]
    assert sorted(n for a, n in items if a == "ocr") == sorted([len(low), len(changed)])


def test_rows_to_review_show_the_cell_image_beside_the_text(extracted, tmp_path):
    """A row flagged needs_review, with the box of the cell behind it: the report cuts that cell out of
    the page (what was printed) and shows it beside the text read."""
    folder = tmp_path / extracted.name
    shutil.copytree(extracted, folder)
    path = folder / "activities.parquet"
    rows = pq.read_table(path).to_pylist()
    target = next(r for r in rows if r["page_start"] == 20)
    target["needs_review"], target["review_reasons"] = True, ["low_confidence: deadline 41"]
    target["review_cells"] = [{"field": "deadline", "page": 20, "x0": 700.0, "top": 100.0, "x1": 780.0, "bottom": 140.0}]
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(path)), path)
    doc = _parse(report.build_report(folder, pdf=SAMPLE))
    [row] = doc.having("tr", "needs-review-row")
    crops = [a for _, a in doc.tags if "cell-crop" in (a.get("class") or "")]
    assert len(crops) == 1 and crops[0]["src"].startswith("data:image/png;base64,")
    import base64
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(crops[0]["src"].split(",", 1)[1])))
    # 80 x 40 pt plus a 3-pt margin on each side, at 200 dpi
    assert abs(image.width - 86 * 200 / 72) <= 2 and abs(image.height - 46 * 200 / 72) <= 2
