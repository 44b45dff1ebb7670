"""`python -m pipeline batch DIR --out OUT`: a folder of any size, one document per worker process.

    lock      one writer per OUT (pipeline/folders.py); a second run refuses with one line
    plan      which PDFs need work: each input gets a safe, distinct folder name (pipeline/folders.py);
              sha256 + stage fingerprints + extractor/schema version against the folder's `.vnplan`
              marker, whose recorded file sizes and hashes are checked too (a damaged file is extracted
              again, never reported up to date); earlier failures that are the document's own (bad input,
              a limit, a crash) of the same bytes under the same settings are carried over from
              OUT/runs.parquet; failures of the machine (a full or read-only disk, a bug) never are
    run       each document in a forked worker process with its own limits: address space
              (RLIMIT_AS, `batch.max_memory_mb_per_document` above the worker's start size),
              wall clock (`batch.max_seconds_per_document`, then SIGKILL) and `batch.max_pages`;
              a worker that dies or is killed is recorded and the rest go on. Workers die with the
              batch (PR_SET_PDEATHSIG: also after `kill -9` of the batch; SIGTERM stops them too).
              OCR text is cached by page image (OUT/.cache/ocr), so a change of a later stage's
              settings re-runs only the cheap part.
    executor  local: our own supervisor keeps `workers` children running (fork, select, kill);
              dask: one task per document on a distributed cluster, each task supervising its
              own forked child with the same limits (same bytes out as local)
    record    OUT/runs.parquet (one row per input PDF, written atomically); `status` is the document's
              own (ok | partial from its document.parquet, or failed | timeout | memory)
    prune     OUT/<doc>/ whose recorded source PDF lay in one of the input folders and is gone
              (`batch.prune`, `--prune/--no-prune`; one line per removal; never on an empty input)
    dataset   OUT/dataset/ rebuilt from the per-document folders (pipeline/dataset.py)
    cache     OUT/.cache/ocr keeps only the readings the extracts under OUT were made from
              (`batch.prune_cache`, `--prune-cache/--no-prune-cache`; pipeline/ocr_cache.prune_cache)

A worker is a fork of a process that has already imported the pipeline, so starting one costs
milliseconds, and a killed worker takes nothing else down.
"""
from __future__ import annotations

import ctypes
import dataclasses
import errno
import hashlib
import json
import logging
import os
import resource
import select
import signal
import stat
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from core.errors import BadInputError
from pipeline import __version__
from pipeline.dataset import DATASET_DIR, build_dataset, find_duplicates
from pipeline.folders import (
    NotOurs,
    assign_names,
    cleanup_temporaries,
    file_digest,
    marker_source,
    read_marker,
    remove_own,
    source_key,
    verify,
)
from pipeline.schemas import SCHEMA_VERSION, TABLES
from pipeline.settings import BatchSettings, Settings
from pipeline.write import stage_fingerprints

log = logging.getLogger(__name__)

RUNS_FILE = "runs.parquet"
CACHE_DIR = ".cache"
STATUSES = ("ok", "partial", "failed", "timeout", "memory")
FAILURES = ("failed", "timeout", "memory")
# Causes of a failure that belong to the document: the same bytes fail the same way again, so the
# failure is carried over ("not run again"). Any other cause (the disk, a bug) is retried next time.
STICKY = ("input", "limit", "crash")
# Errors of the machine, not of the document: stop the batch with one line.
DISK_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EFBIG}
# Test hook only: "sleep:<doc_id>" makes that document's worker sleep forever, "alloc:<doc_id>" makes it
# allocate without bound, "crash:<doc_id>" makes it die by SIGSEGV, "enospc:<doc_id>" makes its write fail
# as on a full disk. Never set in production.
FAULT_ENV = "PIPELINE_BATCH_FAULT"

RUNS_SCHEMA = pa.schema([
    pa.field("file", pa.string(), nullable=False, metadata={"doc": "PDF path as given"}),
    pa.field("doc_id", pa.string(), nullable=False,
             metadata={"doc": "document key = folder name (the file stem, made safe and distinct)"}),
    pa.field("sha256", pa.string(), metadata={"doc": "SHA-256 of the PDF bytes (null if unreadable)"}),
    pa.field("status", pa.string(), nullable=False,
             metadata={"doc": "the document's own status: ok | partial (as in its document.parquet) | failed | "
                              "timeout | memory"}),
    pa.field("pages", pa.int32(), metadata={"doc": "pages in the PDF (null when not known)"}),
    pa.field("seconds", pa.float64(), nullable=False, metadata={"doc": "wall-clock seconds spent in this run"}),
    pa.field("error", pa.string(), metadata={"doc": "why it failed / was stopped, null when ok or partial"}),
    pa.field("reused", pa.bool_(), nullable=False,
             metadata={"doc": "true: not run again (up to date, or the same failure as the last run)"}),
    pa.field("fingerprint", pa.string(), nullable=False,
             metadata={"doc": "hash of extraction settings, versions and limits this result holds for"}),
    pa.field("action", pa.string(), nullable=False,
             metadata={"doc": "extracted | skipped (up to date) | carried over (same failure as the last run)"}),
    pa.field("cause", pa.string(),
             metadata={"doc": "of a failure: input | limit | crash (carried over) | disk | internal (retried)"}),
    pa.field("ocr_pages_read", pa.int32(), metadata={"doc": "pages read by Tesseract in this run"}),
    pa.field("ocr_pages_cached", pa.int32(), metadata={"doc": "OCR pages taken from OUT/.cache/ocr"}),
    pa.field("duplicate_of", pa.string(),
             metadata={"doc": "doc_id of the document kept in dataset/ for the same plan (null: this one is kept)"}),
    pa.field("duplicate_reason", pa.string(),
             metadata={"doc": "same_bytes | scan_of_born_digital | older_copy | same_plan (see dataset/duplicates)"}),
])


class OutputUnwritable(OSError):
    """OUT cannot be written (read-only, full, no permission): the batch stops with one line."""


@dataclass(frozen=True)
class Task:
    file: str
    doc_id: str
    sha256: str | None
    size: int


@dataclass(frozen=True)
class Limits:
    seconds: float
    memory_mb: int
    max_pages: int

    @classmethod
    def of(cls, b: BatchSettings) -> Limits:
        return cls(float(b.max_seconds_per_document), int(b.max_memory_mb_per_document), int(b.max_pages))


@dataclass
class Result:
    file: str
    doc_id: str
    sha256: str | None
    status: str
    pages: int | None = None
    seconds: float = 0.0
    error: str | None = None
    reused: bool = False
    fingerprint: str = ""
    action: str = "extracted"
    cause: str | None = None
    ocr_pages_read: int | None = None
    ocr_pages_cached: int | None = None
    duplicate_of: str | None = None
    duplicate_reason: str | None = None


# ---------------------------------------------------------------- plan

def extraction_settings(settings: Settings) -> dict:
    """What an extraction depends on: every stage's settings except `batch`."""
    d = json.loads(json.dumps(settings.as_dict(), sort_keys=True))
    d.pop("batch", None)
    return d


def for_workers(settings: Settings) -> Settings:
    """Settings handed to extract: `batch` reset to its defaults, so document.parquet (its settings_json)
    is the same bytes whatever the worker count, executor or limits."""
    return settings.model_copy(update={"batch": BatchSettings()})


def fingerprint(settings: Settings, limits: Limits) -> str:
    key = {"settings": extraction_settings(settings), "extractor_version": __version__,
           "schema_version": SCHEMA_VERSION, "limits": dataclasses.asdict(limits)}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def up_to_date(folder: Path, sha256: str | None, settings: Settings) -> tuple[int | None, str] | None:
    """(page count, document status) when OUT/<doc>/ holds an intact extract of these bytes with these
    settings, else None (with a line saying why, when the folder exists)."""
    if sha256 is None or not folder.is_dir():
        return None
    marker = read_marker(folder)
    if marker is None or marker.get("kind") != "document":
        return None
    if marker.get("pdf_sha256") != sha256:
        return None
    if marker.get("version") != __version__ or marker.get("schema_version") != SCHEMA_VERSION:
        log.info("extracting %s again: written by version %s", folder.name, marker.get("version"))
        return None
    changed = [g for g, h in stage_fingerprints(extraction_settings(settings)).items()
               if (marker.get("fingerprints") or {}).get(g) != h]
    if changed:
        log.info("extracting %s again: settings of %s changed", folder.name, ", ".join(changed))
        return None
    problem = verify(folder)
    missing = [t for t in TABLES if f"{t}.parquet" not in (marker.get("files") or {})]
    if problem is None and missing:
        problem = f"no {missing[0]}.parquet"
    if problem is None:
        try:
            for t in TABLES:
                pq.read_metadata(folder / f"{t}.parquet")  # a readable footer
            doc = pq.read_table(folder / "document.parquet", columns=["sha256", "page_count", "status"])
            row = doc.to_pylist()[0]
            if row["sha256"] != sha256:
                problem = "document.parquet describes other bytes"
        except Exception as e:  # unreadable: extract again
            problem = f"unreadable table ({type(e).__name__})"
    if problem is not None:
        log.warning("extracting %s again: its folder is damaged (%s)", folder.name, problem)
        return None
    return row["page_count"], row["status"]


def previous_runs(out: Path) -> dict[str, dict]:
    try:
        return {r["doc_id"]: r for r in pq.read_table(out / RUNS_FILE).to_pylist()}
    except Exception:
        return {}


def expand(inputs: Iterable[str | Path]) -> list[Path]:
    """The PDF files of the inputs (a folder: its *.pdf regular files, sorted). A named input or a *.pdf
    entry that is not a regular file (a FIFO, a device, a folder, a broken link) is left out with a line:
    opening a FIFO would block forever."""
    files: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            for q in sorted(p.iterdir()):
                if q.suffix.lower() != ".pdf":
                    log.debug("ignored %s: not a .pdf file", q)
                elif _regular(q):
                    files.append(q)
        elif _regular(p):
            files.append(p)
    return files


def _regular(p: Path) -> bool:
    try:
        mode = p.stat().st_mode
    except OSError as e:
        log.warning("skipped %s: %s", p, e.strerror or e)
        return False
    if not stat.S_ISREG(mode):
        log.warning("skipped %s: not a regular file", p)
        return False
    return True


# ---------------------------------------------------------------- run one document (in the worker process)

def _vm_size() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel sends SIGKILL to this worker when the batch dies, even by `kill -9`."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _fault(doc_id: str) -> None:
    spec = os.environ.get(FAULT_ENV, "")
    kind, _, target = spec.partition(":")
    if not spec or target != doc_id:
        return
    if kind == "sleep":
        while True:
            time.sleep(3600)
    if kind == "alloc":
        hog = []
        while True:
            hog.append(bytearray(64 << 20))
    if kind == "crash":
        import faulthandler
        faulthandler.disable()  # an expected crash: no traceback dump on stderr
        os.kill(os.getpid(), signal.SIGSEGV)
    if kind == "enospc":
        import pyarrow.parquet

        def full(*a, **k):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        pyarrow.parquet.write_table = full


def _child(task: Task, out: Path, settings: Settings, limits: Limits, wfd: int) -> None:
    """Runs in the forked worker; reports JSON lines on wfd; never returns."""
    def send(**msg):
        os.write(wfd, (json.dumps(msg) + "\n").encode())

    try:
        cap = _vm_size() + limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        pages = None
        try:
            import pypdfium2 as pdfium
            pdf = pdfium.PdfDocument(task.file)
            pages = len(pdf)
            pdf.close()
        except Exception:
            pass  # extract() below says what is wrong with the file
        send(pages=pages)
        if pages is not None and pages > limits.max_pages:
            send(status="failed", cause="input", error=f"{Path(task.file).name}: {pages} pages, more than "
                                                       f"batch.max_pages ({limits.max_pages}); not read")
            return
        _fault(task.doc_id)
        from pipeline.ocr_cache import ocr_cache
        from pipeline.stages import extract_to_parquet
        with ocr_cache(out / CACHE_DIR / "ocr", on_page=lambda n, cached: send(page_done=n, cached=cached),
                       doc_id=task.doc_id) as cache:
            extraction, _ = extract_to_parquet(task.file, out, settings, doc_id=task.doc_id)
        doc = extraction.tables["document"][0]
        send(status=doc["status"], pages=doc["page_count"], ocr_read=cache.read, ocr_cached=cache.hits)
    except BadInputError as e:
        send(status="failed", cause="input", error=str(e))
    except MemoryError:
        send(status="memory", cause="limit", error=f"{Path(task.file).name}: out of memory (more than "
                                                   f"batch.max_memory_mb_per_document = {limits.memory_mb} MB)")
    except NotOurs as e:
        send(status="failed", cause="disk", error=f"{Path(task.file).name}: {e}")
    except OSError as e:
        if e.errno in DISK_ERRNOS:
            send(status="failed", cause="disk", error=f"cannot write {out}: {e.strerror or e}")
        else:
            send(status="failed", cause="internal", error=f"{Path(task.file).name}: {type(e).__name__}: {e}")
    except BaseException as e:  # a bug: recorded with its traceback's last frame, the batch goes on
        tb = traceback.extract_tb(e.__traceback__)
        where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        try:
            send(status="failed", cause="internal",
                 error=f"{Path(task.file).name}: internal error {type(e).__name__}: {e}{where}")
        except BaseException:
            pass
    finally:
        os._exit(0)


# ---------------------------------------------------------------- supervise workers (parent side)

@dataclass
class _Running:
    task: Task
    pid: int
    fd: int
    started: float
    buf: bytes = b""
    pages: int | None = None
    pages_done: int = 0
    final: dict | None = None


def _finish(r: _Running, out: Path, limits: Limits, status_hint: str | None, ru_maxrss_kb: int, wstatus: int) -> Result:
    seconds = time.monotonic() - r.started
    name = Path(r.task.file).name
    read = cached = None
    cause: str | None
    error: str | None
    if status_hint == "timeout":
        status, cause, error = "timeout", "limit", (f"{name}: stopped after {limits.seconds:g} s "
                                                    f"(batch.max_seconds_per_document)")
    elif r.final is not None:
        status, cause, error = r.final["status"], r.final.get("cause"), r.final.get("error")
        r.pages = r.final.get("pages", r.pages)
        read, cached = r.final.get("ocr_read"), r.final.get("ocr_cached")
    else:
        sig = os.WTERMSIG(wstatus) if os.WIFSIGNALED(wstatus) else None
        what = f"signal {signal.Signals(sig).name}" if sig else f"exit code {os.WEXITSTATUS(wstatus)}"
        status, cause, error = "failed", "crash", (f"{name}: worker process died ({what}, "
                                                   f"peak RSS {ru_maxrss_kb // 1024} MB)")
    cleanup_temporaries(out, r.task.doc_id)
    if status in FAILURES and cause != "disk":
        # An older extract of OTHER bytes no longer matches this file; one of the same bytes stays.
        marker = read_marker(out / r.task.doc_id)
        if marker is not None and marker.get("pdf_sha256") != r.task.sha256:
            remove_own(out, r.task.doc_id)
    return Result(r.task.file, r.task.doc_id, r.task.sha256, status, r.pages, round(seconds, 3), error,
                  cause=cause if status in FAILURES else None, ocr_pages_read=read, ocr_pages_cached=cached)


def _kill_group(pid: int) -> None:
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except (ProcessLookupError, PermissionError):
            pass


def run_local(tasks: list[Task], out: Path, settings: Settings, limits: Limits, workers: int,
              on_result: Callable[[Result], None] = lambda r: None,
              on_tick: Callable[[int, int], None] = lambda done, total: None,
              stop: Callable[[], bool] = lambda: False) -> list[Result]:
    """Keep up to `workers` forked children running; kill one past its deadline; never raise for a document.
    `on_tick(done, total)` gets the pages done so far and the pages known of the running workers;
    `stop()` true: start no more."""
    out.mkdir(parents=True, exist_ok=True)
    import pipeline.ocr_cache  # noqa: F401  (imported once here, inherited by every fork: a worker's
    import pipeline.stages  # noqa: F401  memory limit counts from its start, so heavy imports go first)
    from extractors import ocr  # noqa: F401  (the cache wraps it: OpenCV is loaded before the limit)

    pending = list(tasks)
    pending.reverse()  # pop() takes them in the given order
    running: dict[int, _Running] = {}
    results: list[Result] = []
    parent = os.getpid()

    def reap(r: _Running, hint: str | None = None) -> None:
        if hint == "timeout":
            _kill_group(r.pid)
        _, wstatus, usage = os.wait4(r.pid, 0)
        os.close(r.fd)
        del running[r.fd]
        res = _finish(r, out, limits, hint, usage.ru_maxrss, wstatus)
        results.append(res)
        on_result(res)

    try:
        while pending or running:
            while pending and len(running) < workers and not stop():
                task = pending.pop()
                rfd, wfd = os.pipe()
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:  # worker: its own process group, so a kill also ends its helpers (tesseract)
                    try:
                        os.setpgid(0, 0)
                        os.close(rfd)
                        for sig in (signal.SIGINT, signal.SIGTERM):
                            signal.signal(sig, signal.SIG_DFL)
                        _die_with_parent(parent)
                    except BaseException:
                        os._exit(1)
                    _child(task, out, settings, limits, wfd)
                os.close(wfd)
                try:
                    os.setpgid(pid, pid)
                except (ProcessLookupError, PermissionError):
                    pass  # already done by the child (or it is gone)
                running[rfd] = _Running(task, pid, rfd, time.monotonic())
            if stop():
                pending.clear()
            if not running:
                break
            now = time.monotonic()
            wait = min([r.started + limits.seconds - now for r in running.values()] + [0.5])
            ready, _, _ = select.select(list(running), [], [], max(0.0, wait))
            for fd in ready:
                r = running[fd]
                chunk = os.read(fd, 65536)
                if chunk:
                    r.buf += chunk
                    *lines, r.buf = r.buf.split(b"\n")
                    for line in lines:
                        msg = json.loads(line)
                        if "status" in msg:
                            r.final = msg
                        elif "page_done" in msg:
                            r.pages_done += 1
                        elif "pages" in msg:
                            r.pages = msg["pages"]
                else:
                    reap(r)
            now = time.monotonic()
            for r in [r for r in running.values() if now - r.started > limits.seconds]:
                reap(r, "timeout")
            on_tick(sum(r.pages_done for r in running.values()), sum(r.pages or 0 for r in running.values()))
    finally:
        for r in list(running.values()):  # interrupted: leave no worker behind
            _kill_group(r.pid)
            try:
                os.waitpid(r.pid, 0)
            except ChildProcessError:
                pass
            os.close(r.fd)
            cleanup_temporaries(out, r.task.doc_id)
    return results


def run_one(task: Task, out: str, settings: Settings, limits: Limits) -> Result:
    """One document under the same supervision (the unit of work of the dask executor)."""
    return run_local([task], Path(out), settings, limits, workers=1)[0]


def run_dask(tasks: list[Task], out: Path, settings: Settings, limits: Limits, workers: int, scheduler: str,
             on_result: Callable[[Result], None] = lambda r: None) -> list[Result]:
    """One dask task per document (pure=False: re-run on request). Without a scheduler address, a LocalCluster
    of `workers` single-threaded worker processes. The workers must see the same paths (shared filesystem)."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    results: list[Result] = []
    try:
        futures = [client.submit(run_one, t, str(out), settings, limits, key=f"extract-{i}-{t.doc_id}", pure=False)
                   for i, t in enumerate(tasks)]
        for fut in as_completed(futures):
            try:
                res = fut.result()
            except Exception as e:  # the dask worker itself was lost
                t = tasks[futures.index(fut)]
                res = Result(t.file, t.doc_id, t.sha256, "failed", error=f"{Path(t.file).name}: dask task failed: {e}",
                             cause="internal")
            results.append(res)
            on_result(res)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return results


# ---------------------------------------------------------------- progress

class Progress:
    """A tqdm bar on stderr (only when stderr is a terminal), counted in pages: pages of finished documents
    plus the OCR pages running workers report one by one; the total grows as page counts become known."""

    def __init__(self, total_docs: int, enabled: bool | None = None):
        from tqdm import tqdm

        enabled = sys.stderr.isatty() if enabled is None else enabled
        self.docs, self.total_docs, self.finished_pages = 0, total_docs, 0
        self.bar = tqdm(total=0, unit="page", desc=f"0/{total_docs} documents", disable=not enabled,
                        file=sys.stderr, dynamic_ncols=True, leave=False)

    def tick(self, running_done: int, running_total: int) -> None:
        self.bar.n = self.finished_pages + min(running_done, running_total or running_done)
        self.bar.total = max(self.finished_pages + running_total, self.bar.n)
        self.bar.refresh()

    def result(self, res: Result) -> None:
        self.docs += 1
        self.finished_pages += res.pages or 0
        self.bar.set_description(f"{self.docs}/{self.total_docs} documents", refresh=False)
        self.tick(0, 0)

    def close(self) -> None:
        self.bar.close()


# ---------------------------------------------------------------- the batch

def write_runs(out: Path, results: list[Result]) -> Path:
    rows = [dataclasses.asdict(r) for r in sorted(results, key=lambda r: (r.doc_id, r.file))]
    table = pa.Table.from_pylist(rows, schema=RUNS_SCHEMA).replace_schema_metadata({"table": "runs"})
    target = out / RUNS_FILE
    if target.exists() or target.is_symlink():
        try:
            ours = not target.is_symlink() and (pq.read_schema(target).metadata or {}).get(b"table") == b"runs"
        except Exception:
            ours = False
        if not ours:
            raise NotOurs(f"{target} exists and was not written by this tool: not replaced")
    tmp = out / f".{RUNS_FILE}.{os.getpid()}.tmp"
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, out / RUNS_FILE)
    finally:
        tmp.unlink(missing_ok=True)
    return out / RUNS_FILE


def prune(out: Path, input_dirs: list[Path], keep: set[str]) -> list[str]:
    """Remove OUT/<doc>/ folders this tool wrote whose recorded source PDF lay directly in one of the input
    folders and is no longer there. Folders of other inputs, of PDFs that still exist, and anything not
    ours stay."""
    dirs = {source_key(d) for d in input_dirs}
    removed = []
    for d in sorted(out.iterdir()) if out.is_dir() else []:
        if d.name in keep or d.name.startswith(".") or d.name == DATASET_DIR or d.is_symlink() or not d.is_dir():
            continue
        marker = read_marker(d)
        src = marker_source(d, marker) if marker is not None else None
        if marker is None or marker.get("kind") != "document" or not src:
            continue
        if str(Path(src).parent) in dirs and not os.path.lexists(src) and remove_own(out, d.name):
            removed.append(d.name)
            log.warning("removed %s: its PDF %s is no longer in the input folder", d, src)
    return removed


def prune_ocr_cache(out: Path, since: float | None = None):
    """OUT/.cache/ocr keeps only the readings the extracts now under OUT were made from (pipeline/ocr_cache.py)."""
    from pipeline.folders import is_ours
    from pipeline.ocr_cache import prune_cache

    docs = {d.name for d in out.iterdir() if not d.name.startswith(".") and d.name != DATASET_DIR
            and is_ours(d, "document")}
    res = prune_cache(out / CACHE_DIR / "ocr", docs, since)
    if res.removed:
        log.info("OCR cache: removed %d page reading(s) no extract uses (%.1f MB), %d kept",
                 res.removed, res.freed_bytes / 1e6, res.kept)
    return res


def _stop_on_sigterm():
    """SIGTERM ends the batch like Ctrl-C: the supervisor's `finally` kills every worker."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        return None


def run_batch(inputs: list[str | Path], out: str | Path, settings: Settings, *, workers: int | None = None,
              executor: str | None = None, scheduler: str | None = None, retry_failed: bool = False,
              progress: bool | None = None, prune_outputs: bool | None = None,
              prune_cache: bool | None = None) -> list[Result]:
    """Plan, run, record, prune, rebuild the dataset. Returns one Result per input PDF.

    The caller holds OUT's lock (pipeline.folders.locked). Raises ValueError when the inputs hold no PDF
    (nothing is touched), OutputUnwritable when OUT cannot be written (the batch stops)."""
    b = settings.batch
    workers = workers or b.workers or os.cpu_count() or 1
    executor = executor or b.executor
    scheduler = b.scheduler if scheduler is None else scheduler
    do_prune = b.prune if prune_outputs is None else prune_outputs
    limits = Limits.of(b)
    started = time.time()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotOurs(f"{out} is not a folder")
    files = expand(inputs)
    if not files:
        raise ValueError(f"no PDF files in {', '.join(map(str, inputs))}: nothing done"
                         + (" (and nothing pruned)" if do_prune else ""))
    out.mkdir(parents=True, exist_ok=True)
    cleanup_temporaries(out)  # left by a run that was killed (we hold the lock: nobody else is writing)
    for stale in out.glob(f".{RUNS_FILE}.*.tmp"):
        stale.unlink(missing_ok=True)
    fp = fingerprint(settings, limits)
    before = previous_runs(out)
    worker_settings = for_workers(settings)
    names = assign_names(files, out)

    results: list[Result] = []
    todo: list[Task] = []
    for path in files:
        doc_id = names[path]
        try:
            sha = file_digest(path)
            size = path.stat().st_size
        except OSError as e:
            results.append(Result(str(path), doc_id, None, "failed", error=f"{path.name}: {e.strerror or e}",
                                  fingerprint=fp, cause="input"))
            log.warning("FAILED %s: %s", path.name, e.strerror or e)
            continue
        current = up_to_date(out / doc_id, sha, settings)
        if current is not None:
            pages, status = current
            results.append(Result(str(path), doc_id, sha, status, pages, reused=True, fingerprint=fp,
                                  action="skipped"))
            log.info("skipped %s: up to date (%s) in %s", path.name, status, out / doc_id)
            continue
        prev = before.get(doc_id)
        if (not retry_failed and prev and prev.get("sha256") == sha and prev.get("fingerprint") == fp
                and prev.get("status") in FAILURES and prev.get("cause") in STICKY):
            results.append(Result(str(path), doc_id, sha, prev["status"], prev["pages"], 0.0, prev["error"],
                                  reused=True, fingerprint=fp, action="carried over", cause=prev["cause"]))
            label = "FAILED" if prev["status"] == "failed" else prev["status"].upper()
            log.warning("%s %s (same file and settings as the last run: not run again; --retry-failed runs it)",
                        label, prev["error"])
            continue
        todo.append(Task(str(path), doc_id, sha, size))

    todo.sort(key=lambda t: (-t.size, t.doc_id))  # largest first: the pool ends together
    bar = Progress(len(todo), enabled=progress)
    disk_error: list[str] = []

    def done(res: Result) -> None:
        res.fingerprint = fp
        bar.result(res)
        if res.status in ("ok", "partial"):
            extra = ""
            if res.ocr_pages_read or res.ocr_pages_cached:
                extra = f", OCR {res.ocr_pages_read} pages read / {res.ocr_pages_cached} from cache"
            log.info("%s %s: %s pages%s (%.2f s) -> %s", res.status, Path(res.file).name, res.pages, extra,
                     res.seconds, out / res.doc_id)
        elif res.cause == "disk":
            disk_error.append(res.error or "cannot write")
        else:
            log.warning("%s %s", res.status.upper() if res.status != "failed" else "FAILED", res.error)

    previous_handler = _stop_on_sigterm()
    try:
        if todo:
            if executor == "dask":
                results += run_dask(todo, out, worker_settings, limits, workers, scheduler, done)
            else:
                results += run_local(todo, out, worker_settings, limits, workers, done, bar.tick,
                                     stop=lambda: bool(disk_error))
    finally:
        bar.close()
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
    for r in results:
        r.fingerprint = fp
    if disk_error:
        # Keep the last run's record for documents this run did not finish; nothing of theirs is lost.
        ran = {r.doc_id for r in results if r.cause != "disk"}
        kept = [r for r in results if r.cause != "disk"]
        kept += [Result(**{k: v for k, v in row.items() if k in {f.name for f in dataclasses.fields(Result)}})
                 for d, row in before.items() if d not in ran and row.get("status") in STATUSES]
        try:
            write_runs(out, kept)
        except OSError:
            pass
        raise OutputUnwritable(disk_error[0])
    try:
        if do_prune:
            dirs = [Path(i) for i in inputs if Path(i).is_dir()]
            prune(out, dirs, {r.doc_id for r in results})
        # One plan, once: a renamed copy or a scan of a plan already here is named, and left out of dataset/.
        dups = find_duplicates(out, paths={r.doc_id: Path(r.file) for r in results})
        by_doc = {d.doc_id: d for d in dups}
        for r in results:
            if r.doc_id in by_doc:
                r.duplicate_of, r.duplicate_reason = by_doc[r.doc_id].kept_doc_id, by_doc[r.doc_id].reason
        write_runs(out, results)
        if b.dataset:
            try:
                build_dataset(out, compression=settings.write.compression, duplicates=dups, log=log.warning)
            except NotOurs as e:
                log.warning("dataset not rebuilt: %s", e)
        if b.prune_cache if prune_cache is None else prune_cache:
            prune_ocr_cache(out, since=started - 2.0)  # mtime granularity: 1-2 s on some file systems
    except OSError as e:
        if e.errno in DISK_ERRNOS:
            raise OutputUnwritable(f"cannot write {out}: {e.strerror or e}") from None
        raise
    return results
