"""The combined dataset (pipeline/dataset.py): one plan once, and types that pandas, DuckDB and polars
read the same way."""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.batch import run_batch
from pipeline.dataset import DATASET_DIR, DUPLICATES_FILE, build_dataset, dataset_schema, find_duplicates, plan_identity
from pipeline.schemas import TABLES
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd.pdf"
SCAN = ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd-scan.pdf"
SETTINGS = Settings.from_yaml(ROOT / "params.yaml")


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> Path:
    """A batch of the sample and a renamed copy of it (newer file)."""
    base = tmp_path_factory.mktemp("dataset")
    raw = base / "raw"
    raw.mkdir()
    shutil.copy2(SAMPLE, raw / SAMPLE.name)
    shutil.copy2(SAMPLE, raw / "ke-hoach-196-ban-sao.pdf")
    old = (raw / SAMPLE.name).stat().st_mtime
    os.utime(raw / "ke-hoach-196-ban-sao.pdf", (old + 60, old + 60))
    results = run_batch([raw], base / "out", SETTINGS, workers=2, progress=False)
    assert [r.status for r in results] == ["ok", "ok"]
    return base / "out"


def test_the_same_plan_twice_is_counted_once(copies):
    acts = pd.read_parquet(copies / DATASET_DIR / "activities")
    assert len(acts) == 105 and acts.doc_id.nunique() == 1
    docs = pd.read_parquet(copies / DATASET_DIR / "document")
    assert list(docs.plan_number) == ["196/KH-UBND"]
    assert list(docs.doc_id) == ["ke-hoach-196-ban-sao"]  # same bytes, both born-digital: the newer file
    dups = pd.read_parquet(copies / DATASET_DIR / DUPLICATES_FILE)
    assert dups[["doc_id", "kept_doc_id", "reason"]].values.tolist() == [
        ["hung-yen-2022-196-kh-ubnd", "ke-hoach-196-ban-sao", "same_bytes"]]
    assert dups.plan_key.iloc[0] == docs.plan_key.iloc[0]
    # the per-document folders stay as extracted: both are there
    assert (copies / "hung-yen-2022-196-kh-ubnd" / "activities.parquet").is_file()


def test_plan_identity_is_folded():
    doc = {"issuing_body": "Ủy ban nhân dân tỉnh Hưng Yên", "plan_number": "196/KH-UBND",
           "issue_date": dt.date(2021, 12, 24), "title": "Kế hoạch cải cách hành chính năm 2022", "sha256": "a"}
    same = {**doc, "issuing_body": "UỶ BAN NHÂN DÂN  TỈNH HƯNG YÊN", "plan_number": "196 / KH-UBND",
            "issue_date": dt.datetime(2021, 12, 24), "sha256": "b"}
    assert plan_identity(same) == plan_identity(doc)
    for key, other in (("plan_number", "197/KH-UBND"), ("issue_date", dt.date(2022, 12, 24)),
                       ("issuing_body", "Ủy ban nhân dân tỉnh Hà Nam"), ("title", "Kế hoạch chuyển đổi số năm 2022")):
        assert plan_identity({**doc, key: other}) != plan_identity(doc), key
    # nothing to tell plans apart by: only the same bytes are the same plan
    blank = {"issuing_body": None, "plan_number": None, "issue_date": None, "title": None}
    assert plan_identity({**blank, "sha256": "x"}) != plan_identity({**blank, "sha256": "y"})


def _fake(out: Path, src: Path, doc_id: str, mtime: float, **changes) -> None:
    """A copy of an extracted folder under another name, with document fields changed."""
    folder = out / doc_id
    shutil.copytree(src, folder)
    path = folder / "document.parquet"
    table = pq.read_table(path)
    rows = table.to_pylist()
    rows[0].update(doc_id=doc_id, **changes)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)
    os.utime(path, (mtime, mtime))


def test_born_digital_over_scan_then_the_newest(copies, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    src = copies / "hung-yen-2022-196-kh-ubnd"
    _fake(out, src, "a-scan-newest", 3000.0, ocr_pages=[1, 2, 3], sha256="1" * 64)
    _fake(out, src, "b-born-old", 1000.0, sha256="2" * 64)
    _fake(out, src, "c-born-new", 2000.0, sha256="3" * 64)
    _fake(out, src, "d-other-plan", 500.0, sha256="4" * 64, plan_number="197/KH-UBND")
    dups = {d.doc_id: (d.kept_doc_id, d.reason) for d in find_duplicates(out)}
    assert dups == {"a-scan-newest": ("c-born-new", "scan_of_born_digital"), "b-born-old": ("c-born-new", "older_copy")}
    messages: list[str] = []
    build_dataset(out, log=messages.append)
    assert len(messages) == 2 and all(m.startswith("duplicate ") for m in messages)
    docs = pd.read_parquet(out / DATASET_DIR / "document")
    assert sorted(docs.doc_id) == ["c-born-new", "d-other-plan"]


def test_types_are_the_same_everywhere(copies):
    ds = copies / DATASET_DIR
    for name in TABLES:
        files = sorted((ds / name).rglob("*.parquet"))
        assert files, name
        for f in files:  # every file carries its own partition columns, plan_year int32 like the documents
            schema = pq.read_schema(f)
            assert schema == dataset_schema(name), f
            if name != "agencies":
                assert schema.field("plan_year").type == pa.int32() and schema.field("province").type == pa.string()
    per_doc = pq.read_schema(copies / "hung-yen-2022-196-kh-ubnd" / "document.parquet")
    assert per_doc.field("plan_year").type == pa.int32()
    acts = pd.read_parquet(ds / "activities")
    assert acts.plan_year.dtype == "int32" and (acts.province == "Hưng Yên").all()
    # dates compare with Timestamps, no astype(str)
    q2 = acts[acts.deadline_end.between(pd.Timestamp("2022-04-01"), pd.Timestamp("2022-06-30"))]
    assert len(q2) > 0 and set(q2.deadline_text) >= {"Quý II/2022"}


def test_duckdb_and_polars_read_the_dataset_alike(copies):
    duckdb = pytest.importorskip("duckdb", reason="test dependency (requirements.txt)")
    pl = pytest.importorskip("polars", reason="test dependency (requirements.txt)")
    ds = copies / DATASET_DIR
    acts = pd.read_parquet(ds / "activities")
    want = acts[acts.deadline_end.between(pd.Timestamp("2022-04-01"), pd.Timestamp("2022-06-30"))]
    glob = f"{ds}/activities/**/*.parquet"
    con = duckdb.connect()
    rel = con.sql(f"SELECT plan_year, province, count(*) AS n FROM read_parquet('{glob}') "
                  "WHERE deadline_end BETWEEN TIMESTAMP '2022-04-01' AND TIMESTAMP '2022-06-30' GROUP BY ALL")
    assert rel.fetchall() == [(2022, "Hưng Yên", len(want))]
    types = dict(zip(con.sql(f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true)").columns,
                     con.sql(f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true)").types))
    assert str(types["plan_year"]) == "INTEGER" and str(types["deadline_end"]).startswith("TIMESTAMP")
    lazy = pl.scan_parquet(glob)
    got = (lazy.filter(pl.col("deadline_end").is_between(dt.datetime(2022, 4, 1), dt.datetime(2022, 6, 30)))
           .group_by("plan_year", "province").len().collect())
    assert got.rows() == [(2022, "Hưng Yên", len(want))]
    assert lazy.collect_schema()["plan_year"] == pl.Int32
    assert pl.read_parquet(f"{ds}/document/**/*.parquet")["doc_id"].to_list() == ["ke-hoach-196-ban-sao"]
    dups = con.sql(f"SELECT doc_id, kept_doc_id FROM read_parquet('{ds}/{DUPLICATES_FILE}')").fetchall()
    assert dups == [("hung-yen-2022-196-kh-ubnd", "ke-hoach-196-ban-sao")]


@pytest.mark.slow
def test_sample_renamed_copy_and_scan_give_one_plan(tmp_path, caplog):
    raw = tmp_path / "raw"
    raw.mkdir()
    for src, name in ((SAMPLE, SAMPLE.name), (SAMPLE, "renamed.pdf"), (SCAN, SCAN.name)):
        shutil.copy2(src, raw / name)
    with caplog.at_level(logging.WARNING, logger="pipeline"):  # the CLI prints these log lines
        results = run_batch([raw], tmp_path / "out", SETTINGS, workers=2, progress=False)
    assert sorted(r.status for r in results) == ["ok", "ok", "ok"]
    err = caplog.text
    ds = tmp_path / "out" / DATASET_DIR
    acts = pd.read_parquet(ds / "activities")
    docs = pd.read_parquet(ds / "document")
    assert len(acts) == 105 and list(docs.plan_number) == ["196/KH-UBND"] and not docs.ocr_pages.iloc[0].size
    dups = pd.read_parquet(ds / DUPLICATES_FILE).set_index("doc_id")
    kept = docs.doc_id.iloc[0]
    assert kept in {"renamed", SAMPLE.stem}
    assert set(dups.index) == {"renamed", SAMPLE.stem, SCAN.stem} - {kept}
    assert dups.loc[SCAN.stem, "reason"] == "scan_of_born_digital" and dups.loc[SCAN.stem, "ocr"]
    assert (dups.kept_doc_id == kept).all()
    assert err.count("duplicate ") == 2 and SCAN.stem in err  # said on the command line


def test_readme_query_runs_as_printed(copies, monkeypatch):
    """The README's "Loading the data" snippet, run on a batch's output (no astype(str) needed)."""
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"## Loading the data\n\n```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(copies.parent)
    (copies.parent / "data").mkdir(exist_ok=True)
    if not (copies.parent / "data" / "processed").exists():
        (copies.parent / "data" / "processed").symlink_to(copies)
    lines = code.strip().splitlines()
    scope: dict = {}
    exec("\n".join(lines[:-1]), scope)
    q2 = eval(lines[-1], scope)
    assert len(q2) > 0 and (q2.agency_name == "Sở Nội vụ").all()
    assert q2.deadline_start.between(pd.Timestamp("2022-04-01"), pd.Timestamp("2022-06-30")).all()


def test_metrics_of_the_dataset(copies, tmp_path):
    import csv
    import json

    from pipeline.metrics import write_metrics

    processed = tmp_path / "processed"
    shutil.copytree(copies, processed)
    metrics, plot = write_metrics(processed, tmp_path / "metrics")
    m = json.loads(metrics.read_text())
    assert (m["documents"], m["activities"], m["task_count"], m["duplicates"]) == (1, 105, 58, 1)
    assert m["mentions_unmatched"] == 0 and m["deadlines_unknown"] == 0 and m["deadlines_parsed"] == 105
    assert m["needs_review_rows"] == 0  # the born-digital sample has nothing to review
    acts = pd.read_parquet(processed / DATASET_DIR / "activities")
    quarters = {r["quarter"]: int(r["activities"]) for r in csv.DictReader(plot.open())}
    assert sum(quarters.values()) == acts.deadline_end.notna().sum()
    assert quarters["2022Q2"] == acts.deadline_end.between(pd.Timestamp("2022-04-01"), pd.Timestamp("2022-06-30")).sum()
    again, _ = write_metrics(processed, tmp_path / "again")
    assert again.read_bytes() == metrics.read_bytes()  # no timings: the same data gives the same file
    # flagged rows are counted
    [f] = list((processed / DATASET_DIR / "activities").rglob("*.parquet"))
    t = pq.read_table(f)
    flags = pa.array([i % 10 == 0 for i in range(t.num_rows)])
    pq.write_table(t.set_column(t.schema.get_field_index("needs_review"), "needs_review", flags), f)
    m = json.loads(write_metrics(processed, tmp_path / "flagged")[0].read_text())
    assert m["needs_review_rows"] == 11 and m["review"] == {"activities.needs_review": 11}
