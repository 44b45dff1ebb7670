"""Stitch confidences that mean something: the evidence score of a page-break decision → the probability
that the decision is right, measured on the document factory's random plans (their truth is known).

    calibrated_confidence(score)            P(the decision taken at this score is right), 0.5 … 1
    continue_probability(score)             P(the first row of the page continues the row above)

The curve is a logistic (Platt) fit of "truly continues the row above" on the score: two numbers,
monotone, and never 1.0 exactly. It is data: pipeline/data/stitch_calibration.json, written by
`python scripts/calibrate_stitch.py` (which also records the held-out figures the review report shows).
Decisions fixed by the table itself (first page, a Stt number, a section numeral) are not scored: they
keep confidence 1.0.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).with_name("data") / "stitch_calibration.json"


def fit(scores, continues, ridge: float = 1e-3) -> dict:
    """Logistic (Platt) fit of "the row truly continues" on the score, by Newton's method:
    P(continue | s) = 1 / (1 + exp(-(a·s + b))). Two numbers: no bin is fitted on a handful of breaks."""
    s, y = np.asarray(scores, float), np.asarray(continues, float)
    X = np.column_stack([s, np.ones_like(s)])
    w = np.zeros(2)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        step = np.linalg.solve((X * (p * (1 - p))[:, None]).T @ X + ridge * np.eye(2), X.T @ (p - y) + ridge * w)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return {"kind": "logistic", "a": round(float(w[0]), 6), "b": round(float(w[1]), 6), "n": int(len(s)),
            "p_half_at": round(float(-w[1] / w[0]), 3) if w[0] else None}


@lru_cache(maxsize=1)
def _stored(path: Path = DATA) -> tuple[float, float]:
    curve = json.loads(path.read_text(encoding="utf-8"))["curve"]
    return float(curve["a"]), float(curve["b"])


def continue_probability(score: float, curve: dict | None = None) -> float:
    """P(the page's first row continues the row above | evidence score)."""
    a, b = (float(curve["a"]), float(curve["b"])) if curve else _stored()
    return float(1.0 / (1.0 + np.exp(-(a * score + b))))


def calibrated_confidence(score: float, threshold: float = 0.0, curve: dict | None = None) -> float:
    """P(the decision taken at this score is right): the row is continued when score > threshold. Below 0.5
    when the threshold makes the less likely choice (measured: scores just above 0 are mostly new rows)."""
    p = continue_probability(score, curve)
    return round(p if score > threshold else 1.0 - p, 3)


def raw_confidence(score: float) -> float:
    """The uncalibrated confidence stitch.py has recorded so far: a logistic of |score|."""
    return round(1.0 / (1.0 + float(np.exp(-abs(score)))), 3)


def calibration_figures(path: Path = DATA) -> dict | None:
    """What the calibration was fitted on and how it did on held-out plans (None without the data file)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
