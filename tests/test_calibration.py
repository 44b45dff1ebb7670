"""The stitch confidence calibration (pipeline/calibration.py) against plans it was not fitted on."""
from __future__ import annotations

import math
import random

import pytest

from pipeline import calibration
from pipeline.settings import Settings
from pipeline.stages import extract
from tests.factory.random_plan import random_plan
from tests.factory.render import render_plan

SCORED = {"continue_row", "continue_task", "new_activity"}


def test_curve_is_monotone_and_never_certain():
    scores = [x / 4 for x in range(-80, 81)]
    p = [calibration.continue_probability(s) for s in scores]
    assert all(a <= b for a, b in zip(p, p[1:]))
    assert p[0] < 0.01 and p[-1] > 0.99 and all(0 < v < 1 for s, v in zip(scores, p) if abs(s) <= 8)
    # the decision's confidence: p when the row is continued (score > 0), 1 - p otherwise
    for s in (-6.0, -0.5, 0.5, 6.0):
        c = calibration.calibrated_confidence(s)
        assert c == round(calibration.continue_probability(s) if s > 0 else 1 - calibration.continue_probability(s), 3)
    figures = calibration.calibration_figures()
    assert figures["decisions"] >= 1000 and figures["held_out"]["calibrated"]["brier"] < figures["held_out"]["raw"]["brier"]


def test_fit_recovers_a_known_curve():
    rng = random.Random(3)
    a, b = 1.7, -2.5
    scores = [rng.uniform(-8, 8) for _ in range(4000)]
    ys = [rng.random() < 1 / (1 + math.exp(-(a * s + b))) for s in scores]
    curve = calibration.fit(scores, ys)
    assert curve["a"] == pytest.approx(a, rel=0.15) and curve["b"] == pytest.approx(b, rel=0.15)


def _log_loss(pairs) -> float:
    return -sum(math.log(min(max(c if right else 1 - c, 1e-6), 1 - 1e-6)) for c, right in pairs) / len(pairs)


@pytest.mark.slow
def test_calibrated_confidence_beats_the_raw_one_on_unseen_random_plans(tmp_path):
    """Plans from seeds the stored curve never saw (scripts/calibrate_stitch.py uses 1000-1799); "raw" is the
    logistic of |score| that stitch.py recorded before calibration."""
    settings = Settings()
    cal, raw = [], []
    for k in range(120):
        rng = random.Random(50_000 + k)
        spec = random_plan(rng, sections=(1, 4), tasks=(2, 8), activities=(1, 4), max_words=rng.choice((15, 30, 45)),
                           merge_prob=rng.choice((0.0, 0.15, 0.35)))
        truth = render_plan(spec, tmp_path / f"p{k}.pdf", rng=rng)
        want = {b.page: b.decision for b in truth.breaks}
        for s in extract(tmp_path / f"p{k}.pdf", settings).tables["stitches"]:
            if s["decision"] in SCORED and s["page"] in want:
                right = s["decision"] == want[s["page"]]
                cal.append((calibration.calibrated_confidence(s["score"]), right))
                raw.append((calibration.raw_confidence(s["score"]), right))
    assert len(cal) > 150
    print(f"{len(cal)} decisions: log loss calibrated {_log_loss(cal):.4f}, raw logistic {_log_loss(raw):.4f}")
    assert _log_loss(cal) < _log_loss(raw)
    # it discriminates: the wrong decisions get lower confidence than the right ones, on average
    wrong = [c for c, r in cal if not r]
    if wrong:
        assert sum(wrong) / len(wrong) < sum(c for c, r in cal if r) / sum(1 for _, r in cal if r) - 0.2
