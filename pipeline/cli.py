"""Command line: `python -m pipeline extract FILE_OR_DIR [...] --out DIR [--params params.yaml]`.

One line per file. A bad file prints one line naming the file (and page) and
makes the exit code 1, but never stops the other files of the same run.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from pipeline.errors import BadInputError, SettingsError
from pipeline.settings import Settings
from pipeline.stages import extract_to_parquet


def _expand(inputs: list[str]) -> list[Path]:
    files: list[Path] = []
    for item in inputs:
        p = Path(item)
        files.extend(sorted(q for q in p.iterdir() if q.suffix.lower() == ".pdf" and q.is_file()) if p.is_dir() else [p])
    return files


def _extract_command(args) -> int:
    try:
        settings = Settings.from_yaml(args.params) if args.params else Settings()
    except (SettingsError, OSError) as e:
        print(f"error: {args.params}: {e}", file=sys.stderr)
        return 2
    files = _expand(args.inputs)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="extract plan PDFs into Parquet tables, one folder per PDF")
    ex.add_argument("inputs", nargs="+", help="PDF files or folders of PDFs")
    ex.add_argument("--out", required=True, help="output folder; each PDF gets OUT/<file stem>/")
    ex.add_argument("--params", default=None, help="params.yaml with the stage settings (default: built-in)")
    ex.set_defaults(func=_extract_command)
    args = parser.parse_args(argv)
    return args.func(args)
