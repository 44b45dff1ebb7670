"""Command line: `python -m pipeline extract FILE_OR_DIR [...] --out DIR [--params params.yaml]`.

One line per file, starting with the document's own status (ok | partial, as in its document.parquet).
A bad file prints one line naming the file (and page) and makes the exit code 1, but never stops the
other files of the same run. Bad settings, a busy or unwritable OUT: one line, exit code 2, before any
document is read.

`python -m pipeline batch DIR [...] --out DIR [--params params.yaml] [--workers N] [--executor local|dask]
[--scheduler ADDRESS] [--retry-failed] [--prune/--no-prune] [--prune-cache/--no-prune-cache] [--no-progress]`: the same per-document folders
from a pool of worker processes, incremental by content hash, with per-document limits, OUT/runs.parquet and
OUT/dataset/ (pipeline/batch.py). Exit code 1 if any document failed, timed out or ran out of memory.

`-v` shows more (why a document is extracted again, ignored files), `-q` only problems.
"""
from __future__ import annotations

import argparse
import errno
import logging
import sys
import time
import traceback
from pathlib import Path

from core.errors import BadInputError, SettingsError
from pipeline import report
from pipeline.batch import CACHE_DIR, DISK_ERRNOS, OutputUnwritable, expand, read_marker, remove_own
from pipeline.folders import NotOurs, OutBusy, assign_names, file_digest, locked
from pipeline.settings import Settings

log = logging.getLogger("pipeline")


class _Lines(logging.Handler):
    """Log records as plain lines: below WARNING on stdout, the rest on stderr; through tqdm.write so a
    progress bar stays below them."""

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm import tqdm
        try:
            tqdm.write(self.format(record), file=sys.stdout if record.levelno < logging.WARNING else sys.stderr)
        except Exception:
            self.handleError(record)


def _setup_logging(verbosity: int) -> None:
    root = logging.getLogger("pipeline")
    root.handlers[:] = [_Lines()]
    root.handlers[0].setFormatter(logging.Formatter("%(message)s"))
    root.setLevel(logging.DEBUG if verbosity > 0 else logging.WARNING if verbosity < 0 else logging.INFO)
    root.propagate = False


def _settings(args) -> Settings | None:
    """The settings of --params (built-in defaults without it); None after one line saying why they are bad."""
    try:
        return Settings.from_yaml(args.params) if args.params else Settings()
    except SettingsError as e:
        log.error("error: %s: %s", args.params, e)
        return None


def _disk_error(e: OSError) -> bool:
    return e.errno in DISK_ERRNOS or isinstance(e, OutputUnwritable)


def _extract_command(args) -> int:
    from pipeline.ocr_cache import ocr_cache
    from pipeline.stages import extract_to_parquet

    settings = _settings(args)
    if settings is None:
        return 2
    missing = [i for i in args.inputs if not Path(i).exists()]
    if missing:
        log.error("error: not found: %s", ", ".join(missing))
        return 2
    files = expand(args.inputs)
    if not files:
        log.error("error: no PDF files given")
        return 2
    out = Path(args.out)
    failed = 0
    try:
        with locked(out, args.wait):
            names = assign_names(files, out)
            for path in files:
                t0 = time.perf_counter()
                try:
                    with ocr_cache(out / CACHE_DIR / "ocr", doc_id=names[path]):
                        extraction, folder = extract_to_parquet(path, out, settings, doc_id=names[path])
                except NotOurs as e:
                    failed += 1
                    log.error("FAILED %s: %s", path.name, e)
                    continue
                except OSError as e:
                    if _disk_error(e) and e.errno != errno.EACCES or _under(e.filename, out):
                        raise  # the output side: stop with one line
                    failed += 1
                    log.error("FAILED %s: %s", path.name, e.strerror or e)
                    continue
                except BadInputError as e:
                    failed += 1
                    marker = read_marker(out / names[path])
                    if marker is not None and marker.get("pdf_sha256") != _sha(path):
                        remove_own(out, names[path])  # an older extract of other bytes no longer matches this file
                    log.error("FAILED %s", e)
                    continue
                except Exception as e:  # a bug: one line (the traceback with -v), the other files go on
                    failed += 1
                    tb = traceback.extract_tb(e.__traceback__)
                    where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
                    log.error("FAILED %s: internal error %s: %s%s", path.name, type(e).__name__, e, where)
                    log.debug("traceback of the internal error", exc_info=True)
                    continue
                doc = extraction.tables["document"][0]
                log.info(f"{doc['status']} {path.name}: {doc['section_count']} sections, {doc['task_count']} tasks, "
                         f"{doc['activity_count']} activities on {len(doc['appendix_pages'])} appendix pages"
                         + (f" ({len(doc['ocr_pages'])} by OCR)" if doc["ocr_pages"] else "")
                         + f"; agencies {doc['mentions_matched']} matched / {doc['mentions_unmatched']} unmatched; "
                         f"deadlines {doc['deadlines_parsed']} parsed / {doc['deadlines_unknown']} unknown "
                         f"({time.perf_counter() - t0:.2f} s) -> {folder}")
    except OutBusy as e:
        log.error("error: %s", e)
        return 2
    except OSError as e:
        log.error("error: cannot write %s: %s", out, e.strerror or e)
        return 2
    if failed:
        log.error("%d of %d file(s) failed", failed, len(files))
    return 1 if failed else 0


def _under(filename, folder: Path) -> bool:
    try:
        return filename is not None and Path(filename).resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError, TypeError):
        return False


def _sha(path: Path) -> str | None:
    try:
        return file_digest(path)
    except OSError:
        return None


def _batch_command(args) -> int:
    from pipeline.batch import STATUSES, run_batch

    settings = _settings(args)
    if settings is None:
        return 2
    missing = [i for i in args.inputs if not Path(i).exists()]
    if missing:
        log.error("error: not found: %s", ", ".join(missing))
        return 2
    if args.workers is not None and args.workers < 1:
        log.error("error: --workers must be at least 1")
        return 2
    out = Path(args.out)
    t0 = time.perf_counter()
    try:
        with locked(out, args.wait):
            results = run_batch(args.inputs, out, settings, workers=args.workers, executor=args.executor,
                                scheduler=args.scheduler, retry_failed=args.retry_failed,
                                progress=False if args.no_progress else None, prune_outputs=args.prune,
                                prune_cache=args.prune_cache)
    except (OutBusy, ValueError, NotOurs) as e:
        log.error("error: %s", e)
        return 2
    except OSError as e:  # documents fail inside their workers: what reaches here is about OUT itself
        log.error("error: %s", e if isinstance(e, OutputUnwritable) else f"cannot write {out}: {e.strerror or e}")
        return 2
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    reused = sum(r.action == "skipped" for r in results)
    bad = counts["failed"] + counts["timeout"] + counts["memory"]
    line = (f"{len(results)} document(s) in {time.perf_counter() - t0:.1f} s: "
            + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
            + (f" ({reused} up to date)" if reused else "") + f" -> {out / 'runs.parquet'}")
    (log.error if bad else log.info)(line)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    from pipeline import __version__

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="count", default=0, help="more lines (why work is redone)")
    common.add_argument("-q", "--quiet", action="count", default=0, help="only problems")
    parser = argparse.ArgumentParser(
        prog="vnplan", description="Vietnamese plan PDFs → Parquet tables (also run as `python -m pipeline`).",
        epilog="`vnplan COMMAND --help` describes each command.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{extract,batch,report}")
    ex = sub.add_parser("extract", help="extract plan PDFs into Parquet tables, one folder per PDF", parents=[common],
                        description="Extract plan PDFs into OUT/<file stem>/*.parquet, one line per file; a bad "
                                    "file is reported and the others go on (exit code 1).")
    ex.add_argument("inputs", nargs="+", help="PDF files or folders of PDFs")
    ex.add_argument("--out", required=True, help="output folder; each PDF gets OUT/<file stem>/")
    ex.add_argument("--params", default=None, help="params.yaml with the stage settings (default: built-in)")
    ex.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                    help="wait this long for another run writing OUT (default: refuse at once)")
    ex.set_defaults(func=_extract_command)
    ba = sub.add_parser("batch", help="extract a folder of any size with a worker pool, incrementally", parents=[common],
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
    ba.add_argument("--prune", action=argparse.BooleanOptionalAction, default=None,
                    help="remove OUT/<doc>/ of PDFs gone from the input folders (default: batch.prune)")
    ba.add_argument("--prune-cache", action=argparse.BooleanOptionalAction, default=None,
                    help="after the batch, remove OCR readings in OUT/.cache/ocr that no extract under OUT was "
                         "made from; --no-prune-cache keeps everything (default: batch.prune_cache)")
    ba.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                    help="wait this long for another run writing OUT (default: refuse at once)")
    ba.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    ba.set_defaults(func=_batch_command)
    report.add_arguments(sub.add_parser("report", help=report.HELP, description=report.DESCRIPTION, parents=[common]))
    args = parser.parse_args(argv)
    _setup_logging(args.verbose - args.quiet)
    return args.func(args)
