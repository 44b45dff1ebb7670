"""Command line: `python -m pipeline extract FILE_OR_DIR [...] --out DIR [--params params.yaml]`.

One line per file. A bad file prints one line naming the file (and page) and
makes the exit code 1, but never stops the other files of the same run.

`python -m pipeline batch DIR [...] --out DIR [--params params.yaml] [--workers N] [--executor local|dask]
[--scheduler ADDRESS] [--retry-failed] [--no-progress]`: the same per-document folders from a pool of worker
processes, incremental by content hash, with per-document limits, OUT/runs.parquet and OUT/dataset/
(pipeline/batch.py). Exit code 1 if any document failed, timed out or ran out of memory.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from core.errors import BadInputError, SettingsError
from pipeline import report
from pipeline.batch import expand
from pipeline.settings import Settings
from pipeline.stages import extract_to_parquet


def _settings(args) -> Settings | None:
    """The settings of --params (built-in defaults without it); None after printing why they are bad."""
    try:
        return Settings.from_yaml(args.params) if args.params else Settings()
    except (SettingsError, OSError) as e:
        print(f"error: {args.params}: {e}", file=sys.stderr)
        return None


def _extract_command(args) -> int:
    settings = _settings(args)
    if settings is None:
        return 2
    files = expand(args.inputs)
    if not files:
        print("error: no PDF files given", file=sys.stderr)
        return 2
    failed = 0
    for path in files:
        t0 = time.perf_counter()
        try:
            extraction, folder = extract_to_parquet(path, args.out, settings)
        except BadInputError as e:
            failed += 1
            stale = Path(args.out) / path.stem
            if stale.is_dir():
                shutil.rmtree(stale)  # an older extract of this file would no longer match it
            print(f"FAILED {e}", file=sys.stderr)
            continue
        doc = extraction.tables["document"][0]
        print(f"ok {path.name}: {doc['section_count']} sections, {doc['task_count']} tasks, "
              f"{doc['activity_count']} activities on {len(doc['appendix_pages'])} appendix pages"
              + (f" ({len(doc['ocr_pages'])} by OCR)" if doc["ocr_pages"] else "")
              + f"; agencies {doc['mentions_matched']} matched / {doc['mentions_unmatched']} unmatched; "
              f"deadlines {doc['deadlines_parsed']} parsed / {doc['deadlines_unknown']} unknown "
              f"({time.perf_counter() - t0:.2f} s) -> {folder}")
    if failed:
        print(f"{failed} of {len(files)} file(s) failed", file=sys.stderr)
    return 1 if failed else 0


def _batch_command(args) -> int:
    from pipeline.batch import run_batch

    settings = _settings(args)
    if settings is None:
        return 2
    missing = [i for i in args.inputs if not Path(i).exists()]
    if missing:
        print(f"error: not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    results = run_batch(args.inputs, args.out, settings, workers=args.workers, executor=args.executor,
                        scheduler=args.scheduler, retry_failed=args.retry_failed,
                        progress=False if args.no_progress else None)
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "skipped", "failed", "timeout", "memory")}
    bad = counts["failed"] + counts["timeout"] + counts["memory"]
    print(f"{len(results)} document(s) in {time.perf_counter() - t0:.1f} s: "
          + ", ".join(f"{n} {s}" for s, n in counts.items() if n) + f" -> {Path(args.out) / 'runs.parquet'}",
          file=sys.stderr if bad else sys.stdout)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    from pipeline import __version__

    parser = argparse.ArgumentParser(
        prog="vnplan", description="Vietnamese plan PDFs → Parquet tables (also run as `python -m pipeline`).",
        epilog="`vnplan COMMAND --help` describes each command.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{extract,batch,report}")
    ex = sub.add_parser("extract", help="extract plan PDFs into Parquet tables, one folder per PDF",
                        description="Extract plan PDFs into OUT/<file stem>/*.parquet, one line per file; a bad "
                                    "file is reported and the others go on (exit code 1).")
    ex.add_argument("inputs", nargs="+", help="PDF files or folders of PDFs")
    ex.add_argument("--out", required=True, help="output folder; each PDF gets OUT/<file stem>/")
    ex.add_argument("--params", default=None, help="params.yaml with the stage settings (default: built-in)")
    ex.set_defaults(func=_extract_command)
    ba = sub.add_parser("batch", help="extract a folder of any size with a worker pool, incrementally",
                        description="Extract folders of PDFs with a pool of worker processes (or dask), skipping "
                                    "unchanged files; writes OUT/<stem>/, OUT/runs.parquet and OUT/dataset/.")
    ba.add_argument("inputs", nargs="+", help="folders of PDFs (or PDF files)")
    ba.add_argument("--out", required=True, help="output folder: OUT/<stem>/, OUT/runs.parquet, OUT/dataset/")
    ba.add_argument("--params", default=None, help="params.yaml (stage settings and the batch: block)")
    ba.add_argument("--workers", type=int, default=None, help="worker processes (default: batch.workers; 0 there = cores)")
    ba.add_argument("--executor", choices=["local", "dask"], default=None, help="default: batch.executor")
    ba.add_argument("--scheduler", default=None,
                    help="dask scheduler address (default: batch.scheduler; empty = a LocalCluster)")
    ba.add_argument("--retry-failed", action="store_true",
                    help="run again files that failed last time although nothing changed")
    ba.add_argument("--no-progress", action="store_true", help="no progress line even on a terminal")
    ba.set_defaults(func=_batch_command)
    report.add_arguments(sub.add_parser("report", help=report.HELP, description=report.DESCRIPTION))
    args = parser.parse_args(argv)
    return args.func(args)
