"""`python -m pipeline batch`: worker pool, hash-incremental, per-document limits, runs.parquet, dataset, dask."""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from pipeline.batch import FAULT_ENV, RUNS_SCHEMA, run_batch
from pipeline.dataset import NULL_PARTITION, dataset_schema, partition_value
from pipeline.folders import LOCK_FILE, MARKER
from pipeline.schemas import SCHEMA_VERSION, TABLES
from pipeline.settings import Settings
from tests.factory import random_plan, render_plan

ROOT = Path(__file__).resolve().parents[1]
N_GOOD = 10


def _plan(path: Path, seed: int) -> Path:
    rng = random.Random(seed)
    render_plan(random_plan(rng, sections=(1, 2), tasks=(1, 3), activities=(1, 2), max_words=20), path, rng=rng)
    return path


@pytest.fixture(scope="module")
def raw_folder(tmp_path_factory) -> Path:
    """10 small generated plans, a text file named .pdf and a truncated PDF."""
    raw = tmp_path_factory.mktemp("raw")
    for i in range(N_GOOD):
        _plan(raw / f"plan-{i:02d}.pdf", 1000 + i)
    (raw / "notes.pdf").write_text("Kế hoạch số 196/KH-UBND — just a text file", encoding="utf-8")
    data = (raw / "plan-00.pdf").read_bytes()
    (raw / "truncated.pdf").write_bytes(data[: len(data) // 2])
    return raw


def _params(tmp: Path, **batch) -> Path:
    data = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    data["batch"].update(batch)
    path = tmp / f"params-{len(list(tmp.glob('params-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _batch(raw: Path, out: Path, *args, env=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "batch", str(raw), "--out", str(out), *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout)


def _runs(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "runs.parquet").set_index("doc_id")


def _read_ok(runs: pd.DataFrame) -> pd.Series:
    """Documents read to the end (their own status: ok, or partial with what is missing named)."""
    return runs.status.isin(["ok", "partial"])


def _hidden(out: Path) -> list[str]:
    """Hidden entries of OUT other than the lock file and the OCR cache."""
    return [p.name for p in out.iterdir() if p.name.startswith(".") and p.name not in (LOCK_FILE, ".cache")]


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet")) if p.name != "runs.parquet"}


@pytest.mark.slow
def test_mixed_folder_then_incremental_runs(raw_folder, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(raw_folder, raw)
    out = tmp_path / "out"
    params = _params(tmp_path)

    first = _batch(raw, out, "--params", params, "--workers", 2)
    assert first.returncode == 1, first.stderr
    runs = _runs(out)
    assert pq.read_schema(out / "runs.parquet").remove_metadata() == RUNS_SCHEMA.remove_metadata()
    assert len(runs) == N_GOOD + 2
    assert _read_ok(runs).sum() == N_GOOD
    assert runs.loc["notes", "status"] == "failed" and "not a PDF" in runs.loc["notes", "error"]
    assert runs.loc["truncated", "status"] == "failed" and "truncated" in runs.loc["truncated", "error"]
    assert runs.loc["plan-03", "pages"] > 0 and runs.loc["plan-03", "seconds"] > 0
    assert "2 failed" in first.stderr and first.stderr.count("FAILED") == 2
    for i in range(N_GOOD):
        assert sorted(p.name for p in (out / f"plan-{i:02d}").iterdir()) == sorted([f"{t}.parquet" for t in TABLES] + [MARKER])
        assert runs.loc[f"plan-{i:02d}", "status"] == pq.read_table(out / f"plan-{i:02d}" / "document.parquet")["status"][0].as_py()
    assert not (out / "notes").exists() and not (out / "truncated").exists()
    assert not _hidden(out), "no temporary files may remain"

    # second run: nothing changed → nothing extracted, files untouched, known failures not retried
    inodes = {p: p.stat().st_ino for p in out.glob("plan-*/*.parquet")}
    second = _batch(raw, out, "--params", params)
    assert second.returncode == 1
    runs = _runs(out)
    assert (runs.action == "skipped").sum() == N_GOOD and runs.reused.all()
    assert set(runs.status[runs.action != "skipped"]) == {"failed"}
    assert set(runs.action[runs.action != "skipped"]) == {"carried over"}
    assert "ok " not in second.stdout
    assert inodes == {p: p.stat().st_ino for p in out.glob("plan-*/*.parquet")}

    # one PDF re-rendered with another seed → only that one is extracted again
    _plan(raw / "plan-03.pdf", 4242)
    third = _batch(raw, out, "--params", params)
    runs = _runs(out)
    assert list(runs.index[runs.action == "extracted"]) == ["plan-03"], third.stdout
    assert (runs.action == "skipped").sum() == N_GOOD - 1
    assert pq.read_table(out / "plan-03" / "document.parquet")["sha256"][0].as_py() == runs.loc["plan-03", "sha256"]

    # extraction settings changed → everything extracted again; a batch-only setting changes nothing
    fourth = _batch(raw, out, "--params", _params(tmp_path, max_pages=500))
    assert (_runs(out).action == "skipped").sum() == N_GOOD, fourth.stdout
    data = yaml.safe_load(params.read_text())
    data["normalize"]["agency_min_score"] = 90.0
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(data))
    _batch(raw, out, "--params", changed)
    runs = _runs(out)
    assert _read_ok(runs).sum() == N_GOOD and (runs.action[_read_ok(runs)] == "extracted").all()

    # the bad files fixed or removed, one plan removed → its folder and dataset rows are gone, exit code 0
    for name in ("notes.pdf", "truncated.pdf", "plan-09.pdf"):
        (raw / name).unlink()
    fifth = _batch(raw, out, "--params", changed)
    assert fifth.returncode == 0, fifth.stderr
    assert not (out / "plan-09").exists() and len(_runs(out)) == N_GOOD - 1
    assert "plan-09" not in set(pd.read_parquet(out / "dataset" / "document").doc_id)


@pytest.mark.slow
def test_dataset_loads_across_partitions(raw_folder, tmp_path):
    out = tmp_path / "out"
    results = run_batch([raw_folder], out, Settings.from_yaml(_params(tmp_path)), workers=2, progress=False)
    assert sum(r.status in ("ok", "partial") for r in results) == N_GOOD
    docs = pd.concat([pd.read_parquet(out / f"plan-{i:02d}" / "document.parquet") for i in range(N_GOOD)])
    assert docs.province.nunique() > 1 and docs.plan_year.nunique() > 1  # several partitions
    for table in ("activities", "tasks", "stitches", "activity_agencies"):
        per_doc = {f"plan-{i:02d}": pq.read_metadata(out / f"plan-{i:02d}" / f"{table}.parquet").num_rows
                   for i in range(N_GOOD)}
        ds = pd.read_parquet(out / "dataset" / table)
        assert len(ds) == sum(per_doc.values()), table
        assert ds.groupby("doc_id").size().to_dict() == {k: v for k, v in per_doc.items() if v}
        for doc_id, province, year in docs[["doc_id", "province", "plan_year"]].itertuples(index=False):
            rows = ds[ds.doc_id == doc_id]
            assert set(rows.province.astype(str)) <= {province} and set(rows.plan_year.astype(int)) <= {year}
        for f in (out / "dataset" / table).rglob("*.parquet"):  # one schema, with its version, in every file
            schema = pq.read_schema(f)
            assert schema == dataset_schema(table) and schema.metadata[b"schema_version"] == SCHEMA_VERSION.encode()
    acts = pd.read_parquet(out / "dataset" / "activities")
    assert len(acts) == docs.activity_count.sum()
    document = pd.read_parquet(out / "dataset" / "document").sort_values("doc_id")
    assert list(document.doc_id) == sorted(docs.doc_id)
    assert list(document.province.astype(str)) == list(docs.sort_values("doc_id").province)
    agencies = pd.read_parquet(out / "dataset" / "agencies")
    per_doc_ids = pd.concat([pd.read_parquet(out / f"plan-{i:02d}" / "agencies.parquet") for i in range(N_GOOD)])
    assert sorted(agencies.agency_id) == sorted(set(per_doc_ids.agency_id))  # each registry row once
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    try:
        import duckdb
    except ImportError:
        pass
    else:
        n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/dataset/activities/**/*.parquet', "
                       f"hive_partitioning = true)").fetchall()[0][0]
        assert n == len(acts)


def test_partition_values():
    assert partition_value(None) == NULL_PARTITION
    assert partition_value("Hưng Yên") == "Hưng Yên"
    assert partition_value("A/B=C") == "A%2FB%3DC"
    assert partition_value(2022) == "2022"


@pytest.mark.slow
def test_limits_stop_documents_without_stopping_the_batch(tmp_path):
    """Real worker processes: one sleeps forever (killed at the deadline), one allocates without bound
    (RLIMIT_AS), one dies by SIGSEGV, one has too many pages; the good one is extracted."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, seed in (("good", 1), ("slow", 2), ("hog", 3), ("crash", 4)):
        _plan(raw / f"{name}.pdf", seed)
    out = tmp_path / "out"
    params = _params(tmp_path, max_seconds_per_document=3.0, max_memory_mb_per_document=256)
    t0 = time.monotonic()
    proc = _batch(raw, out, "--params", params, "--workers", 2, env={FAULT_ENV: "sleep:slow"}, timeout=60)
    assert time.monotonic() - t0 < 30
    assert proc.returncode == 1
    runs = _runs(out)
    assert runs.loc["slow", "status"] == "timeout" and "3 s" in runs.loc["slow", "error"]
    assert runs.loc["slow", "pages"] > 0  # reported by the worker before it stalled
    assert _read_ok(runs.drop("slow")).all()
    assert not (out / "slow").exists() and not _hidden(out)

    # memory and crash, in process (fork from here); the timeout is cached: not run again unless asked
    settings = Settings.from_yaml(params)
    os.environ[FAULT_ENV] = "alloc:hog"
    try:
        (raw / "good.pdf").unlink()
        _plan(raw / "hog.pdf", 33)  # changed bytes: runs again
        res = {r.doc_id: r for r in run_batch([raw], out, settings, workers=2, progress=False)}
        assert res["hog"].status == "memory", res["hog"]
        assert res["slow"].status == "timeout" and res["slow"].reused
        os.environ[FAULT_ENV] = "crash:crash"
        _plan(raw / "crash.pdf", 44)
        res = {r.doc_id: r for r in run_batch([raw], out, settings, workers=2, progress=False, retry_failed=True)}
        assert res["crash"].status == "failed" and "SIGSEGV" in res["crash"].error
        assert res["slow"].status in ("ok", "partial") and not res["slow"].reused  # retried; no fault for it any more
    finally:
        del os.environ[FAULT_ENV]

    few_pages = Settings.from_yaml(_params(tmp_path, max_pages=1))
    res = run_batch([raw], tmp_path / "out2", few_pages, workers=2, progress=False)
    assert {r.status for r in res} == {"failed"} and all("max_pages" in r.error for r in res)


def test_tiny_time_limit_kills_a_real_extraction(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    _plan(raw / "p.pdf", 5)
    res = run_batch([raw], tmp_path / "out", Settings.from_yaml(_params(tmp_path, max_seconds_per_document=0.001)),
                    workers=1, progress=False)
    assert [r.status for r in res] == ["timeout"]
    assert not (tmp_path / "out" / "p").exists()


@pytest.mark.slow
def test_dask_executor_gives_the_same_bytes(raw_folder, tmp_path):
    params = _params(tmp_path)
    local = _batch(raw_folder, tmp_path / "local", "--params", params, "--workers", 2)
    dask = _batch(raw_folder, tmp_path / "dask", "--params", params, "--executor", "dask", "--workers", 2, timeout=90)
    assert local.returncode == dask.returncode == 1, dask.stderr
    a, b = _files(tmp_path / "local"), _files(tmp_path / "dask")
    assert len(a) == N_GOOD * len(TABLES) + N_GOOD * (len(TABLES) - 1) + 2  # documents, dataset, registry, duplicates
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    ra, rb = (_runs(tmp_path / d).drop(columns=["seconds"]) for d in ("local", "dask"))
    pd.testing.assert_frame_equal(ra, rb)


@pytest.mark.slow
def test_forty_mixed_plans_born_digital_and_scanned(tmp_path):
    """The issue's batch: 40 generated plans, born-digital and scanned mixed, two bad files among them.
    38 documents come out, 2 failures are recorded, a second run re-extracts nothing, Dask gives the same bytes."""
    from tests.factory.scan import scan_pdf

    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(38):
        _plan(raw / f"plan-{i:02d}.pdf", 5000 + i)
    for i in range(4):  # a few scans (OCR is the slow part of a test)
        born = raw / f"plan-{i:02d}.pdf"
        scan_pdf(born, raw / f"scan-{i:02d}.pdf", seed=i)
        born.unlink()
    (raw / "minutes.pdf").write_text("Biên bản họp — not a PDF", encoding="utf-8")
    data = (raw / "plan-10.pdf").read_bytes()
    (raw / "cut.pdf").write_bytes(data[: len(data) // 3])
    assert len(list(raw.iterdir())) == 40
    params = _params(tmp_path, workers=2)
    first = _batch(raw, tmp_path / "out", "--params", params, timeout=600)
    assert first.returncode == 1, first.stderr
    runs = _runs(tmp_path / "out")
    assert _read_ok(runs).sum() == 38 and set(runs[runs["status"] == "failed"].index) == {"minutes", "cut"}
    scanned = [pd.read_parquet(tmp_path / "out" / f"scan-{i:02d}" / "document.parquet").iloc[0] for i in range(4)]
    assert all(len(d["ocr_pages"]) > 0 and d["activity_count"] > 0 for d in scanned)
    second = _batch(raw, tmp_path / "out", "--params", params, timeout=600)
    runs2 = _runs(tmp_path / "out")
    assert (runs2["action"] == "skipped").sum() == 38, second.stdout
    dask = _batch(raw, tmp_path / "dask", "--params", params, "--executor", "dask", "--workers", 2, timeout=600)
    assert dask.returncode == 1, dask.stderr
    a, b = _files(tmp_path / "out"), _files(tmp_path / "dask")
    assert a.keys() == b.keys() and [k for k in a if a[k] != b[k]] == []


@pytest.mark.slow
def test_a_normaliser_setting_does_not_run_ocr_again(tmp_path):
    """Fingerprints per stage group and OCR text cached by page image: changing normalize.agency_min_score
    extracts again, but every OCR page comes from OUT/.cache/ocr, and the tables read are the same bytes."""
    from tests.factory.scan import scan_pdf

    raw = tmp_path / "raw"
    raw.mkdir()
    born = _plan(tmp_path / "born.pdf", 77)
    scan_pdf(born, raw / "scan.pdf", seed=3)
    out = tmp_path / "out"
    first = _batch(raw, out, "--params", _params(tmp_path))
    assert first.returncode == 0, first.stderr
    runs = _runs(out)
    n_ocr = len(pq.read_table(out / "scan" / "document.parquet")["ocr_pages"][0].as_py())
    assert n_ocr > 0 and runs.loc["scan", "ocr_pages_read"] >= n_ocr and runs.loc["scan", "ocr_pages_cached"] == 0
    before = {t: (out / "scan" / f"{t}.parquet").read_bytes() for t in ("activities", "ocr_cells", "stitches")}

    data = yaml.safe_load(_params(tmp_path).read_text())
    data["normalize"]["agency_min_score"] = 95.0
    changed = tmp_path / "normalize-changed.yaml"
    changed.write_text(yaml.safe_dump(data))
    second = _batch(raw, out, "--params", changed, "-v")
    assert second.returncode == 0, second.stderr
    assert "settings of normalize changed" in second.stdout
    runs = _runs(out)
    assert runs.loc["scan", "action"] == "extracted"
    assert runs.loc["scan", "ocr_pages_read"] == 0 and runs.loc["scan", "ocr_pages_cached"] >= n_ocr
    assert {t: (out / "scan" / f"{t}.parquet").read_bytes() for t in before} == before

    data["read"]["ocr_line_scale"] = 41.0  # a reading setting: OCR runs again
    changed.write_text(yaml.safe_dump(data))
    third = _batch(raw, out, "--params", changed, "-v")
    assert third.returncode == 0 and "settings of read" in third.stdout
    assert _runs(out).loc["scan", "ocr_pages_read"] >= n_ocr
