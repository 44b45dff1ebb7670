"""Fuzz: damaged copies of a small factory plan through `batch` (issue 10, "done when").

Mutants: byte flips, truncations, deleted and duplicated chunks, garbage after %%EOF. Bounded: a fixed
count from a fixed seed, a per-document time limit, a time limit for the whole batch. Required:
no traceback, no hang (no document stopped by the time limit, the batch returns), and every mutant
whose status is `ok` has all its rows, exactly (compared with the factory's truth)."""
from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.compare import activity_differences
from tests.factory import random_plan, render_plan

ROOT = Path(__file__).resolve().parents[1]
N_MUTANTS = int(os.environ.get("FUZZ_MUTANTS", "40"))
SEED = int(os.environ.get("FUZZ_SEED", "2026"))
PER_DOCUMENT_SECONDS = 30.0
BATCH_SECONDS = 400


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    kind = rng.choice(["flip", "truncate", "delete", "duplicate", "after-eof"])
    n = len(data)
    if kind == "flip":
        b = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            b[rng.randrange(n)] ^= 1 << rng.randrange(8)
        return kind, bytes(b)
    if kind == "truncate":
        return kind, data[: rng.randrange(n // 4, n)]
    if kind in ("delete", "duplicate"):
        start = rng.randrange(n)
        chunk = data[start: start + rng.randint(1, 2000)]
        return kind, data[:start] + (chunk * 2 if kind == "duplicate" else b"") + data[start + len(chunk):]
    garbage = rng.choice([bytes(rng.randrange(256) for _ in range(rng.randint(1, 4000))), b"\n" * 100,
                          b"%PDF-1.4\n% appended by a mail gateway\n", b"\x00" * 2048])
    return kind, data + garbage


def test_mutants_never_traceback_never_hang_and_ok_means_all_rows(tmp_path):
    rng = random.Random(SEED)
    spec_rng = random.Random(SEED)
    source = tmp_path / "plan.pdf"
    truth = render_plan(random_plan(spec_rng, sections=(2, 2), tasks=(2, 2), activities=(1, 2), max_words=14),
                        source, rng=spec_rng)
    data = source.read_bytes()
    raw = tmp_path / "raw"
    raw.mkdir()
    kinds = {}
    (raw / "control.pdf").write_bytes(data)
    for i in range(N_MUTANTS):
        kind, mutant = mutate(data, rng)
        name = f"m{i:03d}-{kind}"
        kinds[name] = kind
        (raw / f"{name}.pdf").write_bytes(mutant)
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["batch"].update(max_seconds_per_document=PER_DOCUMENT_SECONDS, max_memory_mb_per_document=1024,
                           dataset=False)
    params_path = tmp_path / "params.yaml"
    params_path.write_text(yaml.safe_dump(params), encoding="utf-8")
    out = tmp_path / "out"
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pipeline", "batch", str(raw), "--out", str(out), "--params",
                           str(params_path), "--workers", "2", "--no-progress"], cwd=ROOT, capture_output=True,
                          text=True, timeout=BATCH_SECONDS)
    seconds = time.monotonic() - t0
    assert proc.returncode in (0, 1), proc.stderr
    runs = pd.read_parquet(out / "runs.parquet").set_index("doc_id")
    assert len(runs) == N_MUTANTS + 1

    complete, incomplete = [], []
    for doc_id, row in runs.iterrows():
        if row.status not in ("ok", "partial"):
            continue
        acts = pd.read_parquet(out / doc_id / "activities.parquet").to_dict("records")
        diffs = activity_differences(acts, truth, with_pages=False)
        (incomplete if diffs else complete).append(doc_id)
        if row.status == "ok":
            assert diffs == [], f"{doc_id} ({kinds.get(doc_id)}) is ok but: {diffs}"
    assert "control" in complete  # the comparison itself works on the undamaged file

    tracebacks = proc.stderr.count("Traceback") + int((runs.cause == "internal").sum())
    hangs = int((runs.status == "timeout").sum())
    summary = (f"fuzz: {N_MUTANTS} mutants (seed {SEED}) in {seconds:.1f} s: "
               + ", ".join(f"{n} {s}" for s, n in runs.status.value_counts().items())
               + f"; all rows exact: {len(complete)}, rows missing or wrong: {len(incomplete)}"
               + f"; tracebacks {tracebacks}, hangs {hangs}; by kind: "
               + ", ".join(f"{k} {sorted(runs.status[[d for d in runs.index if kinds.get(d) == k]])}"
                           for k in sorted(set(kinds.values()))))
    print(summary)
    internal = runs[runs.cause == "internal"].error.tolist()
    assert tracebacks == 0, f"{summary}\n{internal}\n{proc.stderr[-3000:]}"
    assert hangs == 0, summary
    assert seconds < BATCH_SECONDS


@pytest.mark.parametrize("kind", ["flip", "truncate", "delete", "duplicate", "after-eof"])
def test_mutations_change_the_bytes(kind):
    rng = random.Random(1)
    data = bytes(range(256)) * 40
    for _ in range(50):
        got_kind, mutant = mutate(data, rng)
        if got_kind == kind:
            assert mutant != data
            return
    pytest.fail(f"no {kind} mutation drawn")
