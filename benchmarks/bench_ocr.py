"""Seconds per scanned page: the whole pipeline against bare Tesseract on the same page images.

    python benchmarks/bench_ocr.py [--pdf data/raw/hung-yen-2022-196-kh-ubnd-scan.pdf] [--repeat 1]

pipeline          `python -m pipeline extract SCAN --out DIR` in a fresh process with an empty OUT (no
                  OCR cache): routing, rendering, deskew, ruling lines, Tesseract on the cell crops and
                  on the body text, numeral re-reads and repairs, post-correction, stitching,
                  normalisation and Parquet, with the OCR spread over both cores (read.ocr_workers)
bare, as typed     `tesseract PAGE.png - -l vie` on each page image, one page after another, in the
                  default environment: what a user runs in a shell loop (Tesseract's own OpenMP
                  threads; on this 2-core machine kind they fight each other, see the figures)
bare, both cores  the same with OMP_THREAD_LIMIT=1, two pages at a time: the fastest way to run bare
                  Tesseract here, the hard baseline
The page images are the scan's own: each page's image taken out of the PDF at its stored resolution
(a page that is not one image is rendered at read.ocr_dpi). The pipeline renders them at read.ocr_dpi
(300: measured more accurate than the native 200 dpi, see extractors/ocr.py), so it reads more
pixels than the bare runs do. Prints seconds, seconds per page and the ratios. Nothing is asserted.
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


def page_images(pdf_path: str, folder: Path, dpi: int) -> list[Path]:
    """Each page's image as stored in the file (the largest image object), else the page rendered."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    doc = pdfium.PdfDocument(pdf_path)
    out = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
            path = folder / f"page-{i + 1}.png"
            if images:
                biggest = max(images, key=lambda o: o.get_px_size()[0] * o.get_px_size()[1])
                biggest.get_bitmap(render=False).to_pil().convert("L").save(path)
            else:
                page.render(scale=dpi / 72, grayscale=True).to_pil().save(path)
            out.append(path)
    finally:
        doc.close()
    return out


def main() -> None:
    from PIL import Image

    from pipeline.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf", default=str(ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd-scan.pdf"))
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    settings = Settings.from_yaml(ROOT / "params.yaml")
    lang = settings.read.ocr_lang
    with tempfile.TemporaryDirectory() as tmp:
        images = page_images(args.pdf, Path(tmp), settings.read.ocr_dpi)
        pages = len(images)
        sizes = sorted({Image.open(p).size for p in images})

        def bare(img: Path, one_thread: bool) -> None:
            env = {**os.environ, "OMP_THREAD_LIMIT": "1"} if one_thread else None
            subprocess.run(["tesseract", str(img), "-", "-l", lang], check=True, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def bare_as_typed() -> float:
            t0 = time.perf_counter()
            for img in images:
                bare(img, one_thread=False)
            return time.perf_counter() - t0

        def bare_both_cores() -> float:
            t0 = time.perf_counter()
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda img: bare(img, True), images))
            return time.perf_counter() - t0

        def pipeline_run(k: int) -> float:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pipeline", "extract", args.pdf, "--out", str(Path(tmp) / f"out{k}"),
                            "--params", str(ROOT / "params.yaml")], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
            return time.perf_counter() - t0

        t_pipe = statistics.median(pipeline_run(k) for k in range(args.repeat))
        t_typed = statistics.median(bare_as_typed() for _ in range(args.repeat))
        t_cores = statistics.median(bare_both_cores() for _ in range(args.repeat))
    print(f"{Path(args.pdf).name}: {pages} scanned pages, page images {', '.join(f'{w}x{h}' for w, h in sizes)} px; "
          f"pipeline reads at {settings.read.ocr_dpi} dpi; median of {args.repeat}")
    print(f"{'method':<40} {'seconds':>8} {'s/page':>8} {'pipeline / it':>14}")
    for name, t in (("pipeline (PDF -> Parquet, fresh process)", t_pipe),
                    ("bare tesseract, as typed (one by one)", t_typed),
                    ("bare tesseract, one thread, both cores", t_cores)):
        print(f"{name:<40} {t:8.2f} {t / pages:8.2f} {t_pipe / t:13.2f}x")


if __name__ == "__main__":
    main()
