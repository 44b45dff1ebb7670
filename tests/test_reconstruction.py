"""Reconstruction = truth: the bundled sample (the real plan's page breaks) and random plans."""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from pipeline.settings import Settings
from pipeline.stages import extract
from tests.compare import activity_differences, break_differences
from tests.factory import random_geometry, random_plan, render_plan, render_seed

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd.pdf"
SETTINGS = Settings.from_yaml(ROOT / "params.yaml")


@pytest.fixture(scope="module")
def seed_truth(seed_file, tmp_path_factory):
    fresh = tmp_path_factory.mktemp("seed") / SAMPLE.name
    return fresh, render_seed(seed_file, fresh)


def test_bundled_sample_is_the_rendered_seed(seed_truth):
    fresh, _ = seed_truth
    assert SAMPLE.read_bytes() == fresh.read_bytes(), "data/raw sample is stale: run python scripts/render_sample.py"


def test_bundled_sample_reconstructs_field_by_field(seed_truth):
    _, truth = seed_truth
    ex = extract(SAMPLE, SETTINGS)
    doc = ex.tables["document"][0]
    assert (doc["section_count"], doc["task_count"], doc["activity_count"]) == (7, 58, 105)
    assert doc["appendix_pages"] == truth.appendix_pages
    assert doc["page_count"] == truth.page_count
    assert activity_differences(ex.tables["activities"], truth) == []
    assert break_differences(ex.tables["stitches"], truth) == []
    tasks = ex.tables["tasks"]
    assert len(tasks) == 58 and sum(t["activity_count"] for t in tasks) == 105


def test_sample_decisions_carry_evidence():
    ex = extract(SAMPLE, SETTINGS)
    by_page = {s["page"]: s for s in ex.tables["stitches"]}
    joined = [a for a in ex.tables["activities"] if "Thường xuyên" == a["deadline_text"] and a["joined_at_pages"]]
    assert joined, "the 'Thường' | 'xuyên' rows must be joined"
    for a in joined:
        for page in a["joined_at_pages"]:
            s = by_page[page]
            assert s["decision"] == "continue_row" and s["confidence"] > 0.9
            assert any(e["signal"] == "deadline_incomplete" for e in s["evidence"]), s["evidence_text"]


def _check(seed: int, geometry_rng_seed: int, tmp: Path) -> Counter:
    rng = random.Random(seed)
    spec = random_plan(rng)
    geometry = random_geometry(random.Random(geometry_rng_seed))
    pdf = tmp / f"plan-{seed}-{geometry_rng_seed}.pdf"
    truth = render_plan(spec, pdf, geometry=geometry, rng=rng)
    ex = extract(pdf, SETTINGS)
    diffs = activity_differences(ex.tables["activities"], truth) + break_differences(ex.tables["stitches"], truth)
    assert diffs == [], f"seed={seed} geometry={geometry_rng_seed}\n" + "\n".join(diffs)
    return Counter(b.decision for b in truth.breaks)


@given(seed=st.integers(0, 2**31 - 1), geometry_seed=st.integers(0, 2**31 - 1))
def test_random_plans_reconstruct(seed, geometry_seed, tmp_path_factory):
    _check(seed, geometry_seed, tmp_path_factory.mktemp("prop"))


def test_fixed_random_plans_cover_every_break_kind(tmp_path):
    kinds = Counter()
    for seed in range(40):
        kinds += _check(seed, seed + 1000, tmp_path)
    assert set(kinds) >= {"continue_row", "continue_task", "new_activity", "new_task", "new_section"}, kinds
