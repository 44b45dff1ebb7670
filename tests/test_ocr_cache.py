"""The OCR cache (pipeline/ocr_cache.py): entries read back as the page record they stored, whatever fields
the record gains; offline use never runs Tesseract; pruning removes only readings no extract under OUT uses,
only files the cache wrote, and `--no-prune-cache` keeps everything."""
from __future__ import annotations

import dataclasses
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from core.records import Rule
from extractors.ocr import OcrPage, OcrWord
from pipeline import ocr_cache as oc
from pipeline.folders import atomic_folder
from pipeline.settings import Settings
from tests.conftest import ROOT

READ = Settings().read


def _page(page_no: int = 3) -> OcrPage:
    words = [OcrWord(10.0, 20.0, 30.0, 28.5, "Quý", 91.0, (0, 1, 2)),
             OcrWord(32.0, 20.0, 50.0, 28.5, "II/2022", 62.5, (0, 1, 2), doubt="quarter: 'II' or 'III'")]
    return OcrPage(page_no, 842.0, 595.0, -0.4, [Rule("h", 100.0, 40.0, 800.0), Rule("v", 40.0, 100.0, 500.0)], words,
                   seconds=12.5, header_png=b"\x89PNG\r\n\x1a\n-bytes", dpi=300.0)


def _gray(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (60, 40), dtype=np.uint8)


def test_an_entry_reads_back_as_every_field_of_the_page_but_the_seconds():
    page = _page()
    data = json.loads(json.dumps(oc.page_to_entry(page)))  # through the file format
    back = oc.entry_to_page(data, page.page_no, page.width, page.height)
    assert back.seconds == 0.0  # not stored: the same page gives the same bytes
    assert back == OcrPage(**{**vars(page), "seconds": 0.0})
    assert back.words[1].doubt == "quarter: 'II' or 'III'" and isinstance(back.words[0].line, tuple)
    assert back.header_png == page.header_png and back.dpi == 300.0
    # the same image as another page of another file: its own number and size
    other = oc.entry_to_page(data, 9, 595.0, 842.0)
    assert (other.page_no, other.width, other.height) == (9, 595.0, 842.0) and other.words == page.words


def test_a_page_read_turned_keeps_its_turned_frame_and_body_text():
    """A page scanned sideways was read turned a quarter: asked for by its stored size, it comes back in
    the frame it was read in; its body lines carry the page number asked for."""
    from core.records import OcrPageText

    page = replace(_page(), width=595.0, height=842.0, turn=90, text=OcrPageText(3, "page", ((("Phụ", 90.0),),)))
    data = json.loads(json.dumps(oc.page_to_entry(page)))
    back = oc.entry_to_page(data, 7, 842.0, 595.0)  # the PDF page is landscape-sized, the reading portrait
    assert (back.width, back.height, back.turn) == (595.0, 842.0, 90)
    assert back.text == OcrPageText(7, "page", ((("Phụ", 90.0),),))


def test_a_field_added_or_removed_later_does_not_break_old_entries():
    data = oc.page_to_entry(_page())
    del data["page"]["header_png"]  # an entry written before the record had this field: its default
    data["page"]["words"][0]["gone"] = 1  # a field the record no longer has: ignored
    back = oc.entry_to_page(data, 3, 842.0, 595.0)
    assert back.header_png is None and back.words[0].text == "Quý"
    data["page"]["__dc__"] = "os.system"  # an entry may only name the tool's record classes
    with pytest.raises(ValueError):
        oc.entry_to_page(data, 3, 842.0, 595.0)
    with pytest.raises(ValueError):
        oc.entry_to_page({**oc.page_to_entry(_page()), "format": 1}, 3, 842.0, 595.0)


def test_hits_offline_misses_and_damaged_entries(tmp_path):
    calls = []

    def real(gray, page_no, width, height, dpi, settings):
        calls.append(page_no)
        return _page(page_no)

    cache = oc.OcrCache(tmp_path)
    read = cache.wrap(real)
    first = read(_gray(), 3, 842.0, 595.0, 300, READ)
    again = read(_gray(), 3, 842.0, 595.0, 300, READ)
    assert calls == [3] and (cache.read, cache.hits) == (1, 1)
    # the header image is not kept: the header re-readings it serves are cached beside the page
    assert again == dataclasses.replace(first, seconds=0.0, header_png=None)
    read(_gray(), 3, 842.0, 595.0, 300, READ.model_copy(update={"ocr_line_scale": 41.0}))  # another setting
    read(_gray(1), 3, 842.0, 595.0, 300, READ)  # another image
    read(_gray(), 3, 842.0, 595.0, 300, READ.model_copy(update={"ocr_workers": 7}))  # nothing read differs: a hit
    assert calls == [3, 3, 3] and len(cache.used) == 3

    offline = oc.OcrCache(tmp_path, offline=True)
    assert offline.wrap(real)(_gray(), 4, 842.0, 595.0, 300, READ).page_no == 4
    with pytest.raises(oc.CacheMiss):
        offline.wrap(real)(_gray(2), 4, 842.0, 595.0, 300, READ)
    assert calls == [3, 3, 3]

    for p in tmp_path.glob("*.json"):
        p.write_text("{not json", encoding="utf-8")  # a damaged entry is a miss, and is written again
    read(_gray(), 3, 842.0, 595.0, 300, READ)
    assert calls == [3, 3, 3, 3]


def _document(out: Path, name: str) -> None:
    with atomic_folder(out / name, kind="document") as tmp:
        (tmp / "document.parquet").write_bytes(b"PAR1")


def _entry(folder: Path, key: str, size: int = 100) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{key}.json"
    p.write_text(json.dumps({"format": oc.FORMAT, "pad": "x" * size}), encoding="utf-8")
    return p


def _used(folder: Path, doc: str, keys: list[str]) -> None:
    cache = oc.OcrCache(folder)
    cache.used = set(keys)
    cache.record_use(doc)


def test_prune_removes_only_unused_readings_the_cache_wrote(tmp_path):
    out = tmp_path / "out"
    folder = out / ".cache" / "ocr"
    keep, old, gone_doc = "a" * 64, "b" * 64, "c" * 64
    for k in (keep, old, gone_doc):
        _entry(folder, k)
    _document(out, "plan")
    _used(folder, "plan", [keep])
    _used(folder, "removed-plan", [gone_doc])  # a document no longer under OUT
    users = {out / ".cache" / "notes.txt": "mine", folder / "README.txt": "mine too",
             folder / ("d" * 63 + ".json"): "not a cache name", folder / "sub" / ("e" * 64 + ".json"): "in a sub-folder"}
    for p, text in users.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    outside = tmp_path / "precious.json"
    outside.write_text("outside", encoding="utf-8")
    os.symlink(outside, folder / ("f" * 64 + ".json"))  # named like an entry, but a link
    (folder / ".x1y2.tmp").write_text("half", encoding="utf-8")  # a killed writer's temporary

    res = oc.prune_cache(folder, {"plan"})
    assert (res.removed, res.kept, res.skipped) == (2, 1, None)
    assert sorted(p.name for p in folder.glob("*.json")) == sorted([f"{keep}.json", "d" * 63 + ".json", "f" * 64 + ".json"])
    assert not (folder / ".x1y2.tmp").exists()
    assert all(p.read_text(encoding="utf-8") == text for p, text in users.items())
    assert outside.read_text(encoding="utf-8") == "outside" and (folder / ("f" * 64 + ".json")).is_symlink()
    assert sorted(p.name for p in (folder / oc.USED_DIR).iterdir()) == ["plan.json"]


def test_an_extract_without_a_use_list_needs_nothing_and_lists_follow_the_last_extraction(tmp_path):
    """No list: the extract read no page through the cache (or is older than lists, and its entries are of a
    format this version never reads). A re-extraction that used no key drops the document's old list."""
    out = tmp_path / "out"
    folder = out / ".cache" / "ocr"
    entries = [_entry(folder, k) for k in ("1" * 64, "2" * 64)]
    _document(out, "plan")
    _document(out, "born-digital")
    _used(folder, "plan", ["1" * 64])
    res = oc.prune_cache(folder, {"plan", "born-digital"})
    assert (res.removed, res.kept) == (1, 1) and entries[0].is_file() and not entries[1].exists()

    with oc.ocr_cache(folder, doc_id="plan"):
        pass  # extracted again, now without OCR (e.g. read.ocr: off on a born-digital copy)
    assert not (folder / oc.USED_DIR / "plan.json").exists()
    assert oc.prune_cache(folder, {"plan", "born-digital"}).removed == 1 and not entries[0].exists()


def test_a_batch_of_born_digital_files_leaves_no_cache_folder(tmp_path):
    with oc.ocr_cache(tmp_path / ".cache" / "ocr", doc_id="plan"):
        pass
    assert not (tmp_path / ".cache").exists()


def test_a_symlinked_cache_folder_is_not_pruned(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    entry = _entry(elsewhere, "9" * 64)
    (tmp_path / "out" / ".cache").mkdir(parents=True)
    os.symlink(elsewhere, tmp_path / "out" / ".cache" / "ocr")
    assert oc.prune_cache(tmp_path / "out" / ".cache" / "ocr", set()).removed == 0
    assert entry.is_file()


# ---- through the batch: Tesseract on a small factory scan ------------------------------------------------

def _batch(raw: Path, out: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "batch", str(raw), "--out", str(out), "--no-progress",
                           "--workers", "1", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_batch_keeps_only_the_readings_of_the_latest_run(tmp_path):
    from tests.factory import random_plan, render_plan
    from tests.factory.scan import scan_pdf

    raw = tmp_path / "raw"
    raw.mkdir()
    rng = random.Random(77)
    render_plan(random_plan(rng, sections=(1, 2), tasks=(1, 3), activities=(1, 2), max_words=20),
                tmp_path / "born.pdf", rng=rng)
    scan_pdf(tmp_path / "born.pdf", raw / "scan.pdf", seed=3)
    out = tmp_path / "out"
    folder = out / ".cache" / "ocr"
    user = out / ".cache" / "my-notes.txt"  # a user's file beside the cache folder
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["batch"]["dataset"] = False

    def run(*args, **read):
        path = tmp_path / "params.yaml"
        params["read"].update(read)
        path.write_text(yaml.safe_dump(params), encoding="utf-8")
        done = _batch(raw, out, "--params", path, *args)
        assert done.returncode == 0, done.stderr
        return {p.name for p in folder.glob("*.json")}

    first = run()
    user.write_text("keep me", encoding="utf-8")
    n_ocr = len(pq.read_table(out / "scan" / "document.parquet")["ocr_pages"][0].as_py())
    assert n_ocr > 0 and len(first) >= n_ocr
    assert max(p.stat().st_size for p in folder.glob("*.json")) < 200_000  # no page image in an entry
    # read from the cache alone (a miss would raise): the same tables as read by Tesseract
    from pipeline.stages import extract_to_parquet

    with oc.ocr_cache(folder, offline=True) as cache:
        _, again = extract_to_parquet(raw / "scan.pdf", tmp_path / "again", Settings.build(params))
    assert cache.hits >= n_ocr and cache.read == 0
    for t in ("activities", "ocr_cells", "stitches", "tasks", "numbering_repairs"):
        assert pq.read_table(again / f"{t}.parquet").equals(pq.read_table(out / "scan" / f"{t}.parquet")), t
    assert run() == first  # nothing changed: skipped, and its readings are still the ones in use
    kept = run("--no-prune-cache", ocr_line_scale=41.0)  # a reading setting: new readings, old ones kept
    assert first < kept and len(kept) >= 2 * n_ocr
    second = run(ocr_line_scale=41.0)  # up to date; pruned: only what the extract now under OUT uses
    assert second == kept - first
    assert user.read_text(encoding="utf-8") == "keep me"
    # A batch keeps what was written less than 2 s before it started (pipeline/batch.py: file systems
    # with a coarse mtime); the readings of the last run must be older than that to be pruned.
    time.sleep(max(0.0, 2.1 - (time.time() - max(p.stat().st_mtime for p in folder.glob("*.json")))))
    run(ocr_line_scale=42.0)
    assert not (second & {p.name for p in folder.glob("*.json")})
    assert user.read_text(encoding="utf-8") == "keep me"


def test_readings_of_this_run_are_kept_even_without_an_extract(tmp_path):
    """A document that timed out has no extract, but the pages it read this run are kept for the next."""
    import time

    out = tmp_path / "out"
    folder = out / ".cache" / "ocr"
    old, new = _entry(folder, "7" * 64), _entry(folder, "8" * 64)
    long_ago = time.time() - 3600
    os.utime(old, (long_ago, long_ago))
    started = time.time() - 60
    res = oc.prune_cache(folder, set(), since=started)
    assert (res.removed, res.kept) == (1, 1) and new.is_file() and not old.exists()

    # a hit marks its entry as used by this run
    os.utime(new, (long_ago, long_ago))
    cache = oc.OcrCache(folder)
    key = cache.key(_gray(), 300, READ)
    (folder / f"{key}.json").write_text(json.dumps(oc.page_to_entry(_page())), encoding="utf-8")
    os.utime(folder / f"{key}.json", (long_ago, long_ago))
    cache.wrap(lambda *a: pytest.fail("read although cached"))(_gray(), 3, 842.0, 595.0, 300, READ)
    assert (folder / f"{key}.json").stat().st_mtime >= started
