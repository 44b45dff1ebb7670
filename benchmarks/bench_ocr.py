"""Seconds per scanned page: the whole pipeline against bare Tesseract on the same page images.

    python benchmarks/bench_ocr.py [--pdf data/raw/hung-yen-2022-196-kh-ubnd-scan.pdf] [--repeat 1]

pipeline   `python -m pipeline extract SCAN --out DIR` in a fresh process: routing, rendering,
           deskew, ruling lines, Tesseract on the cell crops, post-correction, stitching,
           normalisation and Parquet, with the OCR spread over both cores (read.ocr_workers)
tesseract  the same pages rendered at the same dpi (rendering not timed), then plain
           `tesseract PAGE.png - -l vie` per page, two pages at a time (both cores)
repair     the `repair numbering` stage in this process (pipeline.numbering_repair with
           extractors.ocr.OcrRereader): the constrained re-reads of doubtful Stt cells, which the
           pipeline adds once the stage is wired (until then it is not in the `pipeline` time)
Prints seconds per page for each and the pipeline's overhead ratio. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import pypdfium2 as pdfium

    from pipeline.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf", default=str(ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd-scan.pdf"))
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    settings = Settings.from_yaml(ROOT / "params.yaml")
    dpi = settings.read.ocr_dpi
    with tempfile.TemporaryDirectory() as tmp:
        doc = pdfium.PdfDocument(args.pdf)
        images = []
        for i in range(len(doc)):
            img = doc[i].render(scale=dpi / 72, grayscale=True).to_pil()
            images.append(Path(tmp) / f"page-{i + 1}.png")
            img.save(images[-1])
        pages = len(images)

        def bare(img: Path) -> None:
            env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
            subprocess.run(["tesseract", str(img), "-", "-l", settings.read.ocr_lang], check=True, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def tesseract_run() -> float:
            t0 = time.perf_counter()
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(bare, images))
            return time.perf_counter() - t0

        def pipeline_run(k: int) -> float:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pipeline", "extract", args.pdf, "--out", str(Path(tmp) / f"out{k}"),
                            "--params", str(ROOT / "params.yaml")], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
            return time.perf_counter() - t0

        def repair_run() -> tuple[float, int, int]:
            from extractors.ocr import OcrRereader
            from extractors.pdf_document import open_pdf
            from pipeline.numbering_repair import repair_numbering
            from pipeline.stages import run_stages

            run = run_stages(args.pdf, settings, until="locate")
            opened = open_pdf(Path(args.pdf))
            try:
                t0 = time.perf_counter()
                reader = OcrRereader(opened.pdf, run.grids, settings.read)
                result = repair_numbering(run.tables, run.grids, reader.read_numeral)
                return time.perf_counter() - t0, result.rereads, len(result.repairs)
            finally:
                opened.close()

        t_bare = statistics.median(tesseract_run() for _ in range(args.repeat))
        t_pipe = statistics.median(pipeline_run(k) for k in range(args.repeat))
        t_repair, rereads, repairs = repair_run()
    print(f"{Path(args.pdf).name}: {pages} scanned pages at {dpi} dpi, both cores, median of {args.repeat}")
    print(f"{'method':<34} {'seconds':>8} {'s/page':>8}")
    print(f"{'pipeline (PDF -> Parquet)':<34} {t_pipe:8.2f} {t_pipe / pages:8.2f}")
    print(f"{'bare tesseract on page images':<34} {t_bare:8.2f} {t_bare / pages:8.2f}")
    print(f"{'repair numbering (in process)':<34} {t_repair:8.2f} {t_repair / pages:8.2f}"
          f"   {rereads} cells re-read, {repairs} numerals repaired")
    print(f"pipeline / bare tesseract: {t_pipe / t_bare:.2f}x; with the repair stage: {(t_pipe + t_repair) / t_bare:.2f}x")


if __name__ == "__main__":
    main()
