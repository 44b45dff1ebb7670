"""The normalised tables of the bundled sample: agencies and deadlines beside the printed text."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd.pdf"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    out = tmp_path_factory.mktemp("norm")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(SAMPLE), "--out", str(out),
                           "--params", str(ROOT / "params.yaml")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "agencies" in proc.stdout and "deadlines" in proc.stdout  # the per-document summary is printed
    return out / SAMPLE.stem


def test_document_metadata_and_summary(out):
    doc = pd.read_parquet(out / "document.parquet").iloc[0]
    assert doc["plan_year"] == 2022 and doc["province"] == "Hưng Yên"
    assert doc["title"] == "Kế hoạch cải cách hành chính nhà nước tỉnh Hưng Yên năm 2022"
    assert doc["deadlines_unknown"] == 0 and doc["deadlines_parsed"] == 105
    assert doc["mentions_unmatched"] == 0 and doc["mentions_matched"] > 2 * 105 - 10


def test_deadline_columns(out):
    acts = pd.read_parquet(out / "activities.parquet")
    q2 = acts[acts["deadline_text"] == "Quý II/2022"]
    assert len(q2) > 0 and (q2["deadline_kind"] == "quarter").all()
    assert set(q2["deadline_start"]) == {dt.date(2022, 4, 1)} and set(q2["deadline_end"]) == {dt.date(2022, 6, 30)}
    cont = acts[acts["deadline_text"] == "Thường xuyên"]
    assert (cont["deadline_kind"] == "continuous").all() and cont["deadline_ongoing"].all()
    cond = acts[acts["deadline_text"].str.startswith("Khi")]
    assert (cond["deadline_kind"] == "conditional").all() and (cond["deadline_condition"] == cond["deadline_text"]).all()


def test_every_activity_has_a_resolved_lead(out):
    acts = pd.read_parquet(out / "activities.parquet")
    ment = pd.read_parquet(out / "activity_agencies.parquet")
    leads = ment[ment["role"] == "lead"]
    keys = ["section_no", "task_no", "activity_seq"]
    assert len(leads.drop_duplicates(keys)) == len(acts) == 105
    assert leads["agency_id"].notna().all()
    agencies = pd.read_parquet(out / "agencies.parquet")
    assert set(ment["agency_id"].dropna()) == set(agencies["agency_id"])
    # "which tasks does Sở Nội vụ lead?" is one filter, whatever the spelling in the cell
    noi_vu = leads[leads["agency_name"] == "Sở Nội vụ"]
    assert len(noi_vu) >= 20
    vp = leads[leads["mention_text"].str.contains("Văn phòng UBND tỉnh")]
    assert set(vp["agency_name"]) == {"Văn phòng Ủy ban nhân dân tỉnh"}
