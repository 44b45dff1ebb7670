"""Speed of the whole extract against the table readers people would otherwise use.

    python benchmarks/bench_extract.py [--min-pages 30] [--repeat 3]

Renders a long random plan (30+ pages) with the test document factory, then times,
on the same file in the same run:
  pipeline      `python -m pipeline extract FILE --out DIR` in a fresh process (start-up, imports,
                every stage and the Parquet writes included)
  pdfplumber    a fresh process running pdfplumber's own page.extract_tables() on every page
  camelot       a fresh process running camelot.read_pdf(pages="all", flavor="lattice", engine="vector")
  pypdfium2     a fresh process extracting plain text of every page (the floor for reading text)
and prints seconds, ms/page, pages/s and each one's ratio to pdfplumber. It also prints the
in-process time of each pipeline stage. No timing is asserted anywhere: these are measurements.
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASELINES = {
    "pdfplumber extract_tables": "import pdfplumber,sys\nwith pdfplumber.open(sys.argv[1]) as pdf:\n"
                                 "    n=sum(len(p.extract_tables()) for p in pdf.pages)\n",
    "camelot lattice (vector)": "import camelot,sys\n"
                                "t=camelot.read_pdf(sys.argv[1],pages='all',flavor='lattice',engine='vector')\n",
    "pypdfium2 plain text": "import pypdfium2 as p,sys\nd=p.PdfDocument(sys.argv[1])\n"
                            "s=sum(len(d[i].get_textpage().get_text_range()) for i in range(len(d)))\n",
}


def make_plan(min_pages: int, out: Path) -> tuple[Path, int]:
    from tests.factory import random_plan, render_plan

    rng = random.Random(2022)
    pdf = out / "bench-plan.pdf"
    truth = render_plan(random_plan(rng, min_pages=min_pages), pdf, rng=rng)
    return pdf, truth.page_count


def time_process(cmd: list[str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def stage_times(pdf: Path, out: Path) -> dict[str, float]:
    """One in-process run of the pipeline's own stage list, each stage timed by the runner."""
    from pipeline.settings import Settings
    from pipeline.stages import run_stages

    return run_stages(pdf, Settings.from_yaml(ROOT / "params.yaml"), out_dir=out / "stages").timings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-pages", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        pdf, pages = make_plan(args.min_pages, out)
        py = sys.executable
        results = {"pipeline (PDF → Parquet)": time_process(
            [py, "-m", "pipeline", "extract", str(pdf), "--out", str(out / "p"), "--params", "params.yaml"], args.repeat)}
        for name, code in BASELINES.items():
            script = out / f"baseline_{len(results)}.py"  # not named like the module it imports
            script.write_text(code)
            results[name] = time_process([py, str(script), str(pdf)], args.repeat)
        base = results["pdfplumber extract_tables"]
        print(f"plan: {pages} pages ({pdf.stat().st_size // 1024} KiB), median of {args.repeat} runs, each a fresh process")
        print(f"{'method':<28} {'seconds':>8} {'ms/page':>8} {'pages/s':>8} {'speed vs pdfplumber':>20}")
        for name, sec in results.items():
            print(f"{name:<28} {sec:8.2f} {1000 * sec / pages:8.1f} {pages / sec:8.1f} {base / sec:19.2f}x")
        # First run in this process: registry load, first model loads and empty caches included (what one
        # `extract` of one PDF pays); second run: warm caches (what a long batch worker mostly pays).
        for label, stages in (("cold", stage_times(pdf, out)), ("warm", stage_times(pdf, out))):
            total = sum(stages.values())
            print(f"pipeline stages in-process, {label} (ms/page): " + ", ".join(
                f"{k} {1000 * v / pages:.1f}" for k, v in stages.items()) + f"; total {1000 * total / pages:.1f}")
            print(f"  normalisation (agencies + deadlines) share: {100 * stages['normalize'] / total:.1f}%; "
                  f"body (metadata, targets, references, duties): {100 * stages['body'] / total:.1f}%")


if __name__ == "__main__":
    main()
