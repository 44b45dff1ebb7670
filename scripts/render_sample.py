"""Render the seed plan (Hưng Yên 2022, no. 196/KH-UBND) into the sample PDF, and its scan.

    python scripts/render_sample.py [--seed PATH] [--out data/raw/hung-yen-2022-196-kh-ubnd.pdf]
                                    [--scan-out data/raw/hung-yen-2022-196-kh-ubnd-scan.pdf | --no-scan]

The scanned sample (tests/factory/scan.py: image-only, grey, skewed up to 1°, noisy, JPEG) holds
the first body page and the first SCAN_APPENDIX_PAGES appendix pages, at 200 dpi and JPEG quality
SCAN_QUALITY, to stay under 3 MB; `dvc repro` takes it through the OCR path.

The seed defaults to $PLAN_SEED, else tests/fixtures/hung-yen-2022-196-kh-ubnd.seed.txt in the
repository. The appendix keeps the original page breaks; the table font size is the largest
at which every original page fits (see tests/factory/seed.py).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.factory.render import render_explicit  # noqa: E402
from tests.factory.scan import scan_pdf  # noqa: E402
from tests.factory.seed import default_seed_path, load_seed, seed_geometry  # noqa: E402

SCAN_SEED = 196
SCAN_APPENDIX_PAGES = 9
SCAN_QUALITY = 40


def scan_sample(src: Path, dst: Path, appendix_pages: list[int]) -> list[float]:
    """The bundled scan: page 1 and the first SCAN_APPENDIX_PAGES appendix pages of `src`."""
    pages = [1] + appendix_pages[:SCAN_APPENDIX_PAGES]
    return scan_pdf(src, dst, seed=SCAN_SEED, dpi=200, max_angle=1.0, pages=pages, quality=SCAN_QUALITY)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=Path, default=None, help="seed text file (default: $PLAN_SEED or the fixture in tests/fixtures)")
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd.pdf")
    ap.add_argument("--scan-out", type=Path, default=REPO_ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd-scan.pdf")
    ap.add_argument("--no-scan", action="store_true", help="do not write the scanned sample")
    args = ap.parse_args(argv)

    seed_path = args.seed or default_seed_path()
    started = time.perf_counter()
    seed = load_seed(seed_path)
    geo = seed_geometry(seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    truth = render_explicit(seed.spec, seed.pages, args.out, geometry=geo)
    elapsed = time.perf_counter() - started
    print(f"{args.out}: {truth.page_count} pages (appendix {truth.appendix_pages[0]}-{truth.appendix_pages[-1]}), "
          f"{len(truth.activities)} activities, table font {geo.font_size:g} pt, "
          f"{args.out.stat().st_size / 1024:.0f} KiB, {elapsed:.2f} s")
    if not args.no_scan:
        started = time.perf_counter()
        angles = scan_sample(args.out, args.scan_out, truth.appendix_pages)
        print(f"{args.scan_out}: {len(angles)} scanned pages (skew {min(angles):+.2f}° to {max(angles):+.2f}°), "
              f"{args.scan_out.stat().st_size / 1024:.0f} KiB, {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
