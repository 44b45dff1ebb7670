"""The tool never deletes what is not its own and never loses an earlier result (issue 10, defects 1-3, 6).

Every test runs the real command line in a subprocess (or run_batch with real forked workers) on small
factory plans, with sentinel files beside and above OUT that must survive."""
from __future__ import annotations

import errno
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pyarrow.parquet as pq
import pytest
from filelock import FileLock

from pipeline.batch import FAULT_ENV
from pipeline.folders import LOCK_FILE, MARKER, assign_names, is_plain_name, read_marker, safe_name
from pipeline.schemas import TABLES
from tests.factory import random_plan, render_plan

ROOT = Path(__file__).resolve().parents[1]
LONG_VI = ("kế-hoạch-triển-khai-thực-hiện-chương-trình-chuyển-đổi-số-tỉnh-hưng-yên-" * 3).encode()[:246].decode(
    "utf-8", "ignore")  # with ".pdf": a 250-byte name
HOSTILE_STEMS = ["..", ".", ".hidden", LONG_VI[:90], "dòng\nmới", "esc\x1b[31mred", "back\\slash", "dataset",
                 "runs.parquet", " spaced ", "tab\tname"]


def _plan(path: Path, seed: int = 7) -> Path:
    rng = random.Random(seed)
    render_plan(random_plan(rng, sections=(1, 1), tasks=(1, 2), activities=(1, 2), max_words=12), path, rng=rng)
    return path


@pytest.fixture(scope="module")
def plan_pdf(tmp_path_factory) -> bytes:
    return _plan(tmp_path_factory.mktemp("plan") / "p.pdf").read_bytes()


def _cli(*args, env=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=timeout)


def _sentinels(tmp: Path, out: Path) -> list[Path]:
    """Files a user keeps above OUT, beside OUT and in OUT itself."""
    paths = [tmp / "above.txt", out.parent / "beside" / "keep.txt", out / "mine.txt", out / "notes" / "x.txt"]
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("user data", encoding="utf-8")
    return paths


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != LOCK_FILE}


# ---------------------------------------------------------------- names

def test_plain_stems_keep_their_name():
    assert safe_name("hung-yen-2022-196-kh-ubnd") == "hung-yen-2022-196-kh-ubnd"
    assert safe_name("Kế hoạch 196") == "Kế hoạch 196"


@pytest.mark.parametrize("stem", HOSTILE_STEMS + [LONG_VI, "a/b", "nul\x00x"])
def test_any_stem_gives_one_plain_component(stem):
    name = safe_name(stem)
    assert is_plain_name(name) and name not in (".", "..") and "/" not in name
    assert len(name.encode()) <= 120
    assert name == safe_name(stem)  # stable: the next run finds the same folder


def test_same_stem_in_two_folders_gets_two_names(tmp_path):
    a, b = tmp_path / "a" / "plan.pdf", tmp_path / "b" / "plan.pdf"
    for p in (a, b):
        p.parent.mkdir()
        p.write_bytes(b"%PDF-1.7")
    names = assign_names([a, b], tmp_path / "out")
    assert names[a] == "plan" and names[b].startswith("plan-") and names[a] != names[b]
    assert assign_names([a, b], tmp_path / "out") == names


@pytest.mark.parametrize("command", ["extract", "batch"])
def test_hostile_file_names_never_touch_anything_but_out(tmp_path, plan_pdf, command):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    out = tmp_path / "data" / "out"
    for stem in HOSTILE_STEMS:
        (raw / f"{stem}.pdf").write_bytes(plan_pdf)
    (raw / "hung-yen-2022-196-kh-ubnd.pdf").write_bytes(plan_pdf)
    (raw / f"{LONG_VI}.pdf").write_bytes(plan_pdf)  # 250 bytes: its own name is too long to add anything to
    (raw / ".pdf").write_bytes(plan_pdf)  # a hidden file: no suffix, so only when named
    sentinels = _sentinels(tmp_path, out)
    inputs = [raw] + ([raw / ".pdf"] if command == "extract" else [])
    before = {p: p.read_bytes() for p in raw.iterdir()}
    for _ in range(2):  # the second run replaces (extract) or skips (batch) what the first wrote
        proc = _cli(command, *inputs, "--out", out, "--no-progress" if command == "batch" else "-v")
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode in (0, 1), proc.stderr
    assert all(p.read_text(encoding="utf-8") == "user data" for p in sentinels)
    assert {p: p.read_bytes() for p in raw.iterdir()} == before  # the inputs are untouched
    folders = [d for d in out.iterdir() if (read_marker(d) or {}).get("kind") == "document"]
    # every PDF in the folder (expand picks up `*.pdf`: hidden `.pdf` files only when named) has one folder
    expected = len([p for p in raw.iterdir() if p.suffix == ".pdf"]) + (1 if command == "extract" else 0)
    assert len(folders) == expected, sorted(d.name for d in out.iterdir())
    assert all(d.parent == out and is_plain_name(d.name) for d in folders)
    assert (out / "hung-yen-2022-196-kh-ubnd" / "document.parquet").is_file()
    ids = [pq.read_table(d / "document.parquet")["doc_id"][0].as_py() for d in folders]
    assert sorted(ids) == sorted(d.name for d in folders)  # doc_id is the folder name, all distinct
    assert (out / "notes" / "x.txt").read_text(encoding="utf-8") == "user data"


def test_a_folder_that_is_not_ours_is_never_replaced_or_removed(tmp_path, plan_pdf):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "plan.pdf").write_bytes(plan_pdf)
    (raw / "notes.pdf").write_text("not a PDF", encoding="utf-8")  # fails: an old folder 'notes' would be removed
    out = tmp_path / "out"
    sentinels = _sentinels(tmp_path, out)
    (out / "plan").mkdir()
    (out / "plan" / "thesis.docx").write_text("years of work", encoding="utf-8")
    for command in ("extract", "batch"):
        proc = _cli(command, raw, "--out", out)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert "name collision" in proc.stderr and "not written by this tool" in proc.stderr
    assert (out / "plan" / "thesis.docx").read_text(encoding="utf-8") == "years of work"
    assert all(p.read_text(encoding="utf-8") == "user data" for p in sentinels)
    ours = [d for d in out.iterdir() if (read_marker(d) or {}).get("kind") == "document"]
    assert [d.name[:5] for d in ours] == ["plan-"]


# ---------------------------------------------------------------- prune

def _three(raw: Path, plan_pdf: bytes) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate((11, 12, 13)):
        _plan(raw / f"doc-{i}.pdf", seed)


def test_prune_removes_only_what_this_folder_produced_and_no_longer_holds(tmp_path, plan_pdf):
    raw, other = tmp_path / "raw", tmp_path / "other"
    _three(raw, plan_pdf)
    other.mkdir()
    (other / "elsewhere.pdf").write_bytes(plan_pdf)
    out = tmp_path / "out"
    assert _cli("batch", raw, other, "--out", out).returncode == 0
    everything = _tree(out)
    kept = {k: v for k, v in everything.items() if not k.startswith(("dataset/", "runs.parquet"))}

    one = _cli("batch", raw / "doc-0.pdf", "--out", out)  # one file of the folder: the others stay
    assert one.returncode == 0, one.stderr
    assert {k: v for k, v in _tree(out).items() if k in kept} == kept

    empty = tmp_path / "empty"
    empty.mkdir()
    refused = _cli("batch", empty, "--out", out)  # an empty input: refused, nothing touched
    assert refused.returncode == 2 and "no PDF files" in refused.stderr and "removed" not in refused.stderr
    assert {k: v for k, v in _tree(out).items() if k in kept} == kept

    only_raw = _cli("batch", raw, "--out", out)  # other/ is not an input now: its document stays
    assert only_raw.returncode == 0 and (out / "elsewhere" / "document.parquet").is_file()

    (raw / "doc-1.pdf").unlink()
    kept_off = _cli("batch", raw, "--out", out, "--no-prune")
    assert kept_off.returncode == 0 and (out / "doc-1").is_dir() and "removed" not in kept_off.stderr
    pruned = _cli("batch", raw, "--out", out, "--prune")
    assert pruned.returncode == 0, pruned.stderr
    lines = [line for line in pruned.stderr.splitlines() if line.startswith("removed")]
    assert len(lines) == 1 and "doc-1" in lines[0]
    assert not (out / "doc-1").exists()
    assert (out / "doc-0").is_dir() and (out / "doc-2").is_dir() and (out / "elsewhere").is_dir()
    assert "doc-1" not in set(pd.read_parquet(out / "dataset" / "document").doc_id)


# ---------------------------------------------------------------- one writer

def test_a_second_writer_is_refused_with_one_line_and_nothing_sticks(tmp_path, plan_pdf):
    raw = tmp_path / "raw"
    _three(raw, plan_pdf)
    out = tmp_path / "out"
    assert _cli("batch", raw, "--out", out).returncode == 0
    before = _tree(out)
    lock = FileLock(str(out / LOCK_FILE))
    with lock:  # another run is writing OUT
        for command in ("batch", "extract"):
            proc = _cli(command, raw, "--out", out)
            assert proc.returncode == 2, proc.stderr
            assert proc.stderr.strip().count("\n") == 0 and "another run" in proc.stderr
        t0 = time.monotonic()
        waited = _cli("batch", raw, "--out", out, "--wait", "1")
        assert waited.returncode == 2 and time.monotonic() - t0 >= 1
    assert _tree(out) == before
    again = _cli("batch", raw, "--out", out)
    assert again.returncode == 0 and (pd.read_parquet(out / "runs.parquet").action == "skipped").all()


def test_two_batches_at_once_leave_every_result(tmp_path, plan_pdf):
    raw = tmp_path / "raw"
    _three(raw, plan_pdf)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline", "batch", str(raw), "--out", str(out), "--wait", "120"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 3 and runs.status.isin(["ok", "partial"]).all()
    assert sorted(runs.action) == ["skipped"] * 3  # the second waited, then found everything done
    for i in range(3):
        assert (out / f"doc-{i}" / "activities.parquet").is_file()


# ---------------------------------------------------------------- faults of OUT

def test_damaged_table_file_is_never_reported_up_to_date(tmp_path, plan_pdf):
    raw = tmp_path / "raw"
    _three(raw, plan_pdf)
    out = tmp_path / "out"
    assert _cli("batch", raw, "--out", out).returncode == 0
    good = (out / "doc-1" / "activities.parquet").read_bytes()
    damaged = bytearray(good)
    damaged[len(damaged) // 2] ^= 0xFF  # one flipped byte inside a column chunk: the footer still reads
    (out / "doc-1" / "activities.parquet").write_bytes(bytes(damaged))
    (out / "doc-2" / "tasks.parquet").write_bytes(b"")
    proc = _cli("batch", raw, "--out", out)
    assert proc.returncode == 0, proc.stderr
    runs = pd.read_parquet(out / "runs.parquet").set_index("doc_id")
    assert runs.loc["doc-0", "action"] == "skipped"
    assert runs.loc["doc-1", "action"] == runs.loc["doc-2", "action"] == "extracted"
    assert "doc-1" in proc.stderr and "damaged" in proc.stderr
    assert (out / "doc-1" / "activities.parquet").read_bytes() == good
    pq.read_table(out / "doc-2" / "tasks.parquet")


def test_full_disk_is_one_line_and_does_not_stick(tmp_path, plan_pdf):
    raw = tmp_path / "raw"
    _three(raw, plan_pdf)
    out = tmp_path / "out"
    assert _cli("batch", raw, "--out", out).returncode == 0
    _plan(raw / "doc-1.pdf", 99)  # changed: to be extracted again, on a disk that is now full
    before = _tree(out)
    proc = _cli("batch", raw, "--out", out, "--workers", "1", env={FAULT_ENV: "enospc:doc-1"})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert [line for line in proc.stderr.splitlines() if line.startswith("error:")] == \
        [f"error: cannot write {out}: {os.strerror(errno.ENOSPC)}"]
    assert {k: v for k, v in _tree(out).items() if k.startswith("doc-")} == \
        {k: v for k, v in before.items() if k.startswith("doc-")}  # nothing lost, nothing half-written
    proc = _cli("batch", raw, "--out", out)  # the disk has room again: it runs, it is not "the same failure"
    assert proc.returncode == 0, proc.stderr
    runs = pd.read_parquet(out / "runs.parquet").set_index("doc_id")
    assert runs.loc["doc-1", "action"] == "extracted" and runs.loc["doc-1", "status"] in ("ok", "partial")


def _read_only_mount(path: Path) -> bool:
    path.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_read_only_out_is_one_line(tmp_path, plan_pdf):
    ro = tmp_path / "ro"
    if os.geteuid() != 0 or not _read_only_mount(ro):
        pytest.skip("needs a read-only mount (root)")
    try:
        raw = tmp_path / "raw"
        raw.mkdir()
        (raw / "p.pdf").write_bytes(plan_pdf)
        for command in ("batch", "extract"):
            for out in (ro, ro / "sub"):
                proc = _cli(command, raw, "--out", out)
                assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
                assert proc.stderr.count("\n") == 1 and "Read-only file system" in proc.stderr, proc.stderr
    finally:
        subprocess.run(["umount", str(ro)], check=False)


def test_fifo_among_the_inputs_is_skipped_with_a_line(tmp_path, plan_pdf):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "p.pdf").write_bytes(plan_pdf)
    os.mkfifo(raw / "pipe.pdf")
    for command in ("batch", "extract"):
        proc = _cli(command, raw, "--out", tmp_path / "out", timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert "skipped" in proc.stderr and "pipe.pdf: not a regular file" in proc.stderr


# ---------------------------------------------------------------- workers die with the batch

def _workers_of(parent: psutil.Process) -> list[psutil.Process]:
    return [c for c in parent.children(recursive=True)]


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_the_batch(tmp_path, plan_pdf, how):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("slow-a", "slow-b"):
        _plan(raw / f"{name}.pdf", len(name))
    env = {**os.environ, FAULT_ENV: "sleep:slow-a"}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "batch", str(raw), "--out", str(tmp_path / "out"),
                             "--workers", "2"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    workers: list[psutil.Process] = []
    while time.monotonic() < deadline and not workers:
        workers = _workers_of(parent)
        time.sleep(0.1)
    assert workers, "no worker started"
    time.sleep(0.5)
    os.kill(proc.pid, how)
    proc.wait(timeout=30)
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == [], f"workers still running after {how.name} of the batch: {alive}"
    if how == signal.SIGTERM:
        assert "Traceback" not in proc.stderr.read().decode()


# ---------------------------------------------------------------- what the user sees

def test_folders_respect_the_umask(tmp_path, plan_pdf):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "p.pdf").write_bytes(plan_pdf)
    old = os.umask(0o027)
    try:
        for command in ("batch", "extract"):
            out = tmp_path / f"out-{command}"
            assert _cli(command, raw, "--out", out).returncode == 0
            assert (out / "p").stat().st_mode & 0o777 == 0o750
            if command == "batch":
                assert (out / "dataset").stat().st_mode & 0o777 == 0o750
    finally:
        os.umask(old)


def test_cli_runs_and_document_agree_on_status(tmp_path, plan_pdf):
    raw = tmp_path / "raw"
    _three(raw, plan_pdf)
    proc = _cli("batch", raw, "--out", tmp_path / "out")
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet").set_index("doc_id")
    ext = _cli("extract", raw, "--out", tmp_path / "ext")
    for i in range(3):
        doc = pd.read_parquet(tmp_path / "out" / f"doc-{i}" / "document.parquet").iloc[0]
        assert runs.loc[f"doc-{i}", "status"] == doc.status
        assert f"{doc.status} doc-{i}.pdf:" in proc.stdout
        assert f"{doc.status} doc-{i}.pdf:" in ext.stdout


def test_quiet_and_verbose(tmp_path, plan_pdf):
    raw = tmp_path / "raw"
    _three(raw, plan_pdf)
    out = tmp_path / "out"
    quiet = _cli("batch", "-q", raw, "--out", out)
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    verbose = _cli("batch", "-v", raw, "--out", out)
    assert verbose.stdout.count("skipped doc-") == 3


def test_marker_records_source_and_files(tmp_path, plan_pdf):
    import json

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "p.pdf").write_bytes(plan_pdf)
    assert _cli("extract", raw / "p.pdf", "--out", tmp_path / "out").returncode == 0
    marker = json.loads((tmp_path / "out" / "p" / MARKER).read_text(encoding="utf-8"))
    assert marker["writer"] == "vnplan" and marker["kind"] == "document"
    assert marker["source"] == "../raw/p.pdf"  # relative to OUT: a clone elsewhere writes the same bytes
    assert marker["pdf_sha256"] == hashlib.sha256(plan_pdf).hexdigest()
    assert sorted(marker["files"]) == sorted(f"{t}.parquet" for t in TABLES)
    for name, rec in marker["files"].items():
        data = (tmp_path / "out" / "p" / name).read_bytes()
        assert rec == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    shutil.rmtree(tmp_path / "out")


def test_out_that_is_a_file_or_holds_foreign_names(tmp_path, plan_pdf):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "p.pdf").write_bytes(plan_pdf)
    not_a_folder = tmp_path / "out.txt"
    not_a_folder.write_text("user data", encoding="utf-8")
    for command in ("batch", "extract"):
        proc = _cli(command, raw, "--out", not_a_folder)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert not_a_folder.read_text(encoding="utf-8") == "user data"
    out = tmp_path / "out"  # a folder of the user's that happens to hold `dataset/` and `runs.parquet`
    (out / "dataset").mkdir(parents=True)
    (out / "dataset" / "survey.csv").write_text("user data", encoding="utf-8")
    (out / "runs.parquet").write_text("user data", encoding="utf-8")
    proc = _cli("batch", raw, "--out", out)
    assert proc.returncode == 2 and "runs.parquet exists and was not written by this tool" in proc.stderr
    assert "Traceback" not in proc.stderr
    (out / "runs.parquet").unlink()
    proc = _cli("batch", raw, "--out", out)
    assert proc.returncode == 0 and "dataset not rebuilt" in proc.stderr, proc.stderr
    assert (out / "dataset" / "survey.csv").read_text(encoding="utf-8") == "user data"
    assert (out / "p" / "document.parquet").is_file()


def test_folders_from_before_markers_are_ours_only_when_they_hold_nothing_else(tmp_path):
    from pipeline.folders import is_ours, remove_own

    old = tmp_path / "old"  # an extract written before markers existed: our table files only
    old.mkdir()
    for t in ("document", "activities"):
        (old / f"{t}.parquet").write_bytes(b"PAR1")
    mixed = tmp_path / "mixed"  # the same, plus a file of the user's
    shutil.copytree(old, mixed)
    (mixed / "notes.txt").write_text("user data", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(old)
    assert is_ours(old, "document") and not is_ours(mixed, "document") and not is_ours(link, "document")
    assert not remove_own(tmp_path, "mixed") and not remove_own(tmp_path, "link") and not remove_own(tmp_path, "..")
    assert mixed.is_dir() and old.is_dir()
    assert remove_own(tmp_path, "old") and not old.exists()
