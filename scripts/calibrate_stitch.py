"""Calibrate the stitch confidence on the document factory's random plans (their page breaks are known).

    python scripts/calibrate_stitch.py [--plans 800] [--out pipeline/data/stitch_calibration.json]

Renders random plans with random page geometry (tests/factory), extracts them with the built-in settings,
and pairs every scored page-break decision (continue_row / continue_task / new_activity: the ones the
evidence vote decides) with the truth. Fits pipeline.calibration on the even plans, measures on the odd
ones (Brier score and log loss of the calibrated vs the raw logistic confidence, reliability by bin), then
fits the curve that is stored on all of them. The same arguments give the same file.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import calibration  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.stages import extract  # noqa: E402
from tests.factory.random_plan import random_plan  # noqa: E402
from tests.factory.render import render_plan  # noqa: E402

SCORED = {"continue_row", "continue_task", "new_activity"}


def collect(plans: int, seed0: int) -> list[dict]:
    rows = []
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(plans):
            rng = random.Random(seed0 + k)
            spec = random_plan(rng, sections=(1, 4), tasks=(2, 8), activities=(1, 4),
                               max_words=rng.choice((15, 30, 45)), merge_prob=rng.choice((0.0, 0.15, 0.35)))
            pdf = Path(tmp) / f"plan-{k}.pdf"
            truth = render_plan(spec, pdf, rng=rng)
            want = {b.page: b.decision for b in truth.breaks}
            try:
                stitches = extract(pdf, settings).tables["stitches"]
            except Exception as e:  # a plan the extractor refuses says nothing about confidences
                print(f"plan {k}: {e}", file=sys.stderr)
                continue
            for s in stitches:
                if s["decision"] in SCORED and s["page"] in want:
                    rows.append({"plan": k, "page": s["page"], "score": s["score"], "decision": s["decision"],
                                 "truth": want[s["page"]], "continues": want[s["page"]] == "continue_row"})
    return rows


def _scores(rows: list[dict], conf) -> dict:
    """Brier score and log loss of a confidence function over decisions (right = 1)."""
    brier = loss = 0.0
    for r in rows:
        c = min(max(conf(r), 1e-6), 1 - 1e-6)
        right = float(r["decision"] == r["truth"])
        brier += (c - right) ** 2
        loss -= right * math.log(c) + (1 - right) * math.log(1 - c)
    n = max(len(rows), 1)
    return {"brier": round(brier / n, 4), "log_loss": round(loss / n, 4)}


def reliability(rows: list[dict], conf, edges=(0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.001)) -> list[dict]:
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = [r for r in rows if lo <= conf(r) < hi]
        if inside:
            out.append({"confidence": f"{lo:.2f}–{min(hi, 1.0):.2f}", "decisions": len(inside),
                        "mean_confidence": round(sum(conf(r) for r in inside) / len(inside), 3),
                        "right": round(sum(r["decision"] == r["truth"] for r in inside) / len(inside), 3)})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plans", type=int, default=800)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=calibration.DATA)
    ap.add_argument("--rows", type=Path, default=None, help="keep the collected decisions as JSON here (or reuse them)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.rows is not None and args.rows.is_file():
        rows = json.loads(args.rows.read_text())
    else:
        rows = collect(args.plans, args.seed)
        if args.rows is not None:
            args.rows.write_text(json.dumps(rows))
    train = [r for r in rows if r["plan"] % 2 == 0]
    held = [r for r in rows if r["plan"] % 2 == 1]
    curve = calibration.fit([r["score"] for r in train], [r["continues"] for r in train])

    def cal(r):
        return calibration.calibrated_confidence(r["score"], curve=curve)

    def raw(r):
        return calibration.raw_confidence(r["score"])

    final = calibration.fit([r["score"] for r in rows], [r["continues"] for r in rows])
    data = {
        "about": "stitch score → P(first row continues the row above), a logistic fit (pipeline/calibration.py) "
                 "by scripts/calibrate_stitch.py on the factory's random plans",
        "plans": args.plans, "seed": args.seed, "decisions": len(rows),
        "wrong": sum(r["decision"] != r["truth"] for r in rows),
        "held_out": {"decisions": len(held), "raw": _scores(held, raw), "calibrated": _scores(held, cal),
                     "reliability_raw": reliability(held, raw), "reliability_calibrated": reliability(held, cal)},
        "curve": final,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in data.items() if k != "curve"}, indent=1, ensure_ascii=False))
    print(f"{len(rows)} decisions from {args.plans} plans in {time.perf_counter() - t0:.0f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
