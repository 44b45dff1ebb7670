"""Documents per minute of `batch` on one folder: local pool with 1 and 2 workers, and Dask.

    python benchmarks/bench_batch.py [--plans 40] [--repeat 1]

Renders N random plans with the test document factory into a temporary folder, then runs the
batch into a fresh output folder each time (so nothing is skipped) and prints documents/minute,
pages/minute and each setup's ratio to one local worker. Dask uses a LocalCluster of 2 worker
processes, started inside the timing (as a user of `--executor dask` without a scheduler pays it).
No timing is asserted anywhere: these are measurements.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from pipeline.batch import run_batch
    from pipeline.settings import Settings
    from tests.factory import random_plan, render_plan

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plans", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    settings = Settings.from_yaml(ROOT / "params.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        pages = 0
        for i in range(args.plans):
            rng = random.Random(i)
            pages += render_plan(random_plan(rng), raw / f"plan-{i:03d}.pdf", rng=rng).page_count
        setups: dict[str, dict[str, Any]] = {
            "local, 1 worker": dict(workers=1, executor="local"),
            "local, 2 workers": dict(workers=2, executor="local"),
            "dask LocalCluster, 2 workers": dict(workers=2, executor="dask", scheduler="")}
        times: dict[str, float] = {}
        for name, kw in setups.items():
            runs = []
            for r in range(args.repeat):
                out = Path(tmp) / f"out-{len(times)}-{r}"
                t0 = time.perf_counter()
                results = run_batch([raw], out, settings, progress=False, **kw)
                runs.append(time.perf_counter() - t0)
                assert sum(x.status == "ok" for x in results) == args.plans, [x.error for x in results if x.error]
            times[name] = statistics.median(runs)
        base = times["local, 1 worker"]
        print(f"batch of {args.plans} plans, {pages} pages; median of {args.repeat} run(s); fresh output each run")
        print(f"{'setup':<30} {'seconds':>8} {'docs/min':>9} {'pages/min':>10} {'vs 1 worker':>12}")
        for name, sec in times.items():
            print(f"{name:<30} {sec:8.2f} {60 * args.plans / sec:9.0f} {60 * pages / sec:10.0f} {base / sec:11.2f}x")


if __name__ == "__main__":
    main()
