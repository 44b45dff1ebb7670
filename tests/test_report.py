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
        rows[0]["agency_id"] = None
        rows[0]["mention_text"] = "Sở <Không Có>"

    _rewrite(folder, "activities", acts)
    _rewrite(folder, "activity_agencies", mentions)
    text = report.build_report(folder, pdf=SAMPLE)
    assert hostile not in text and report.esc(hostile) in text
    doc = _parse(text)
    ids = {a.get("id") for _, a in doc.tags}
    unknown = re.search(r'<tr class="unknown-deadline"><td><a href="#page-(\d+)">', text)
    assert unknown and unknown.group(1) == "20" and "page-20" in ids
    assert "Khi nào &lt;xong&gt;" in text
    unmatched = re.search(r'<tr class="unmatched-agency"><td><a href="#page-(\d+)">', text)
    assert unmatched and unmatched.group(1) == "13"
    assert "Sở &lt;Không Có&gt;" in text
    assert len(doc.having("tr", "unmatched-agency")) == 1 and len(doc.having("tr", "unknown-deadline")) == 1


def test_clean_sample_says_nothing_is_unmatched(built):
    text = built.read_text(encoding="utf-8")
    assert "Unmatched agency mentions (0)" in text and "Unknown deadlines (0)" in text


def test_cli_errors_are_one_line(extracted, tmp_path, capsys):
    assert report.main([str(tmp_path / "nowhere")]) == 2
    assert "document.parquet" in capsys.readouterr().err
    assert report.main([str(extracted), "--pdf", str(tmp_path / "missing.pdf"), "--out", str(tmp_path / "r.html")]) == 2
    assert "missing.pdf" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_default_output_path_and_other_pdf_is_flagged(extracted, tmp_path):
    folder = tmp_path / extracted.name
    shutil.copytree(extracted, folder)
    assert report.main([str(folder)]) == 0  # PDF found as data/raw/<file_name>
    assert (folder / "report.html").is_file()
    other = tmp_path / "copy.pdf"
    other.write_bytes(SAMPLE.read_bytes() + b"\n%%EOF\n")
    text = report.build_report(folder, pdf=other)
    assert "SHA-256 differs" in text
