"""The normalised tables of the bundled sample: agencies and deadlines beside the printed text."""
from __future__ import annotations

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
    assert set(q2["deadline_start"]) == {pd.Timestamp(2022, 4, 1)} and set(q2["deadline_end"]) == {pd.Timestamp(2022, 6, 30)}
    assert q2["deadline_end"].between(pd.Timestamp("2022-04-01"), pd.Timestamp("2022-06-30")).all()  # no astype(str)
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
    duties = pd.read_parquet(out / "responsibilities.parquet")
    referenced = set(ment["agency_id"].dropna()) | {i for ids in duties["agency_ids"] for i in ids}
    assert referenced == set(agencies["agency_id"])  # exactly the registry rows the document refers to
    # "which tasks does Sở Nội vụ lead?" is one filter, whatever the spelling in the cell
    noi_vu = leads[leads["agency_name"] == "Sở Nội vụ"]
    assert len(noi_vu) >= 20
    vp = leads[leads["mention_text"].str.contains("Văn phòng UBND tỉnh")]
    assert set(vp["agency_name"]) == {"Văn phòng Ủy ban nhân dân tỉnh"}


def test_body_tables(out):
    doc = pd.read_parquet(out / "document.parquet").iloc[0]
    assert (doc["plan_number"], doc["issue_date"], doc["issuing_body"]) == (
        "196/KH-UBND", pd.Timestamp(2021, 12, 24), "Ủy ban nhân dân tỉnh Hưng Yên")
    assert (doc["signer_name"], doc["signer_title"]) == ("Nguyễn Duy Hưng", "Phó Chủ tịch")
    targets = pd.read_parquet(out / "targets.parquet")
    assert len(targets) == 41 and (targets["unit"] == "%").sum() == 36
    digit = targets[(targets["area"] == "Cải cách thủ tục hành chính") & (targets["clause"] == "b")]
    assert dict(zip(digit["scope"], digit["value"])) == {"cấp tỉnh": 50.0, "cấp huyện": 40.0, "cấp xã": 35.0}
    refs = pd.read_parquet(out / "references.parquet")
    nq76 = refs[refs["code"] == "76/NQ-CP"].iloc[0]
    assert (nq76["type"], nq76["date"], nq76["issuer"]) == ("Nghị quyết", pd.Timestamp(2021, 7, 15), "Chính phủ")
    assert "468/QĐ-TTg" in set(refs["code"])  # cited in the appendix only
    duties = pd.read_parquet(out / "responsibilities.parquet")
    assert duties["heading_no"].nunique() == 16 and len(duties) == 41
    assert duties[duties["heading_no"] == 3]["agency_ids"].iloc[0].tolist() == ["so-noi-vu"]
    sections = pd.read_parquet(out / "sections.parquet")
    assert len(sections) == 36 and sections["page_end"].max() < 13  # the body ends before the appendix (page 13)
