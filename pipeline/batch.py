"""`python -m pipeline batch DIR --out OUT`: a folder of any size, one document per worker process.

    plan      which PDFs need work: sha256 + settings + extractor/schema version against
              OUT/<stem>/document.parquet (unchanged → skipped); earlier failures of the same
              bytes under the same settings and limits are carried over from OUT/runs.parquet
    run       each document in a forked worker process with its own limits: address space
              (RLIMIT_AS, `batch.max_memory_mb_per_document` above the worker's start size),
              wall clock (`batch.max_seconds_per_document`, then SIGKILL) and `batch.max_pages`;
              a worker that dies or is killed is recorded and the rest go on
    executor  local: our own supervisor keeps `workers` children running (fork, select, kill);
              dask: one task per document on a distributed cluster, each task supervising its
              own forked child with the same limits (same bytes out as local)
    record    OUT/runs.parquet (one row per input PDF, written atomically)
    prune     OUT/<stem>/ of PDFs no longer among the inputs is removed (`batch.prune`)
    dataset   OUT/dataset/ rebuilt from the per-document folders (pipeline/dataset.py)

A worker is a fork of a process that has already imported the pipeline, so starting one costs
milliseconds, and a killed worker takes nothing else down.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import resource
import select
import shutil
import signal
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
from pipeline.dataset import DATASET_DIR, build_dataset
from pipeline.schemas import SCHEMA_VERSION, TABLES
from pipeline.settings import BatchSettings, Settings

RUNS_FILE = "runs.parquet"
STATUSES = ("ok", "failed", "skipped", "timeout", "memory")
FAILURES = ("failed", "timeout", "memory")
# Test hook only: "sleep:<doc_id>" makes that document's worker sleep forever, "alloc:<doc_id>" makes it
# allocate without bound, "crash:<doc_id>" makes it die by SIGSEGV. Never set in production.
FAULT_ENV = "PIPELINE_BATCH_FAULT"

RUNS_SCHEMA = pa.schema([
    pa.field("file", pa.string(), nullable=False, metadata={"doc": "PDF path as given"}),
    pa.field("doc_id", pa.string(), nullable=False, metadata={"doc": "document key (file name without .pdf)"}),
    pa.field("sha256", pa.string(), metadata={"doc": "SHA-256 of the PDF bytes (null if unreadable)"}),
    pa.field("status", pa.string(), nullable=False, metadata={"doc": "ok | failed | skipped | timeout | memory"}),
    pa.field("pages", pa.int32(), metadata={"doc": "pages in the PDF (null when not known)"}),
    pa.field("seconds", pa.float64(), nullable=False, metadata={"doc": "wall-clock seconds spent in this run"}),
    pa.field("error", pa.string(), metadata={"doc": "why it failed / was stopped, null when ok or skipped"}),
    pa.field("reused", pa.bool_(), nullable=False,
             metadata={"doc": "true: not run again (skipped, or the same failure as the last run)"}),
    pa.field("fingerprint", pa.string(), nullable=False,
             metadata={"doc": "hash of extraction settings, versions and limits this result holds for"}),
])


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


# ---------------------------------------------------------------- plan

def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def extraction_settings(settings: Settings) -> dict:
    """What an extraction depends on: every stage's settings except `batch`."""
    d = json.loads(json.dumps(settings.as_dict(), sort_keys=True))
    d.pop("batch", None)
    return d


def for_workers(settings: Settings) -> Settings:
    """Settings handed to extract: `batch` reset to its defaults, so document.parquet (its settings_json)
    is the same bytes whatever the worker count, executor or limits."""
    return dataclasses.replace(settings, batch=BatchSettings())


def fingerprint(settings: Settings, limits: Limits) -> str:
    key = {"settings": extraction_settings(settings), "extractor_version": __version__,
           "schema_version": SCHEMA_VERSION, "limits": dataclasses.asdict(limits)}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def up_to_date(folder: Path, sha256: str | None, settings: Settings) -> int | None:
    """Page count when OUT/<stem>/ holds a complete extract of these bytes with these settings, else None."""
    if sha256 is None or not all((folder / f"{t}.parquet").is_file() for t in TABLES):
        return None
    try:
        doc = pq.read_table(folder / "document.parquet",
                            columns=["sha256", "settings_json", "extractor_version", "page_count"])
        meta = doc.schema.metadata or {}
        row = doc.to_pylist()[0]
        recorded = json.loads(row["settings_json"])
    except Exception:  # unreadable or foreign file: extract again
        return None
    recorded.pop("batch", None)
    if (row["sha256"] != sha256 or row["extractor_version"] != __version__
            or meta.get(b"schema_version") != SCHEMA_VERSION.encode()
            or recorded != extraction_settings(settings)):
        return None
    return row["page_count"]


def previous_runs(out: Path) -> dict[str, dict]:
    try:
        return {r["doc_id"]: r for r in pq.read_table(out / RUNS_FILE).to_pylist()}
    except Exception:
        return {}


def expand(inputs: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for item in inputs:
        p = Path(item)
        files.extend(sorted(q for q in p.iterdir() if q.suffix.lower() == ".pdf" and q.is_file()) if p.is_dir() else [p])
    return files


# ---------------------------------------------------------------- run one document (in the worker process)

def _vm_size() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


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
            send(status="failed", error=f"{Path(task.file).name}: {pages} pages, more than batch.max_pages "
                                        f"({limits.max_pages}); not read")
            return
        _fault(task.doc_id)
        from pipeline.stages import extract_to_parquet
        extraction, _ = extract_to_parquet(task.file, out, settings)
        send(status="ok", pages=extraction.tables["document"][0]["page_count"])
    except BadInputError as e:
        send(status="failed", error=str(e))
    except MemoryError:
        send(status="memory", error=f"{Path(task.file).name}: out of memory (more than "
                                    f"batch.max_memory_mb_per_document = {limits.memory_mb} MB)")
    except BaseException as e:  # a bug: recorded with its traceback's last frame, the batch goes on
        tb = traceback.extract_tb(e.__traceback__)
        where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        try:
            send(status="failed", error=f"{Path(task.file).name}: internal error {type(e).__name__}: {e}{where}")
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
    final: dict | None = None


def _cleanup_partial(out: Path, doc_id: str) -> None:
    """A killed worker may leave write.py's hidden temp/old folders behind."""
    if not out.is_dir():
        return
    for p in out.iterdir():
        if p.name.startswith(f".{doc_id}.") and (p.name.endswith(".tmp") or p.name.endswith(".old")):
            shutil.rmtree(p, ignore_errors=True)


def _finish(r: _Running, out: Path, limits: Limits, status_hint: str | None, ru_maxrss_kb: int, wstatus: int) -> Result:
    seconds = time.monotonic() - r.started
    if status_hint == "timeout":
        status, error = "timeout", (f"{Path(r.task.file).name}: stopped after {limits.seconds:g} s "
                                    f"(batch.max_seconds_per_document)")
    elif r.final is not None:
        status, error = r.final["status"], r.final.get("error")
        r.pages = r.final.get("pages", r.pages)
    else:
        sig = os.WTERMSIG(wstatus) if os.WIFSIGNALED(wstatus) else None
        what = f"signal {signal.Signals(sig).name}" if sig else f"exit code {os.WEXITSTATUS(wstatus)}"
        status, error = "failed", (f"{Path(r.task.file).name}: worker process died ({what}, "
                                   f"peak RSS {ru_maxrss_kb // 1024} MB)")
    _cleanup_partial(out, r.task.doc_id)
    if status != "ok":
        stale = out / r.task.doc_id
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)  # an older extract would no longer match this file
    return Result(r.task.file, r.task.doc_id, r.task.sha256, status, r.pages, round(seconds, 3), error)


def _kill_group(pid: int) -> None:
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except (ProcessLookupError, PermissionError):
            pass


def run_local(tasks: list[Task], out: Path, settings: Settings, limits: Limits, workers: int,
              on_result: Callable[[Result], None] = lambda r: None, on_tick: Callable[[], None] = lambda: None
              ) -> list[Result]:
    """Keep up to `workers` forked children running; kill one past its deadline; never raise for a document."""
    out.mkdir(parents=True, exist_ok=True)
    import pipeline.stages  # noqa: F401  (imported once here, inherited by every fork)

    pending = list(tasks)
    pending.reverse()  # pop() takes them in the given order
    running: dict[int, _Running] = {}
    results: list[Result] = []

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
            while pending and len(running) < workers:
                task = pending.pop()
                rfd, wfd = os.pipe()
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:  # worker: its own process group, so a kill also ends its helpers (tesseract)
                    os.setpgid(0, 0)
                    os.close(rfd)
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    _child(task, out, settings, limits, wfd)
                os.close(wfd)
                try:
                    os.setpgid(pid, pid)
                except (ProcessLookupError, PermissionError):
                    pass  # already done by the child (or it is gone)
                running[rfd] = _Running(task, pid, rfd, time.monotonic())
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
                        elif "pages" in msg:
                            r.pages = msg["pages"]
                else:
                    reap(r)
            now = time.monotonic()
            for r in [r for r in running.values() if now - r.started > limits.seconds]:
                reap(r, "timeout")
            on_tick()
    finally:
        for r in list(running.values()):  # interrupted: leave no worker behind
            _kill_group(r.pid)
            try:
                os.waitpid(r.pid, 0)
            except ChildProcessError:
                pass
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
                res = Result(t.file, t.doc_id, t.sha256, "failed", error=f"{Path(t.file).name}: dask task failed: {e}")
            results.append(res)
            on_result(res)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return results


# ---------------------------------------------------------------- progress

class Progress:
    """One status line on stderr (only when stderr is a terminal): documents, pages, rate, ETA."""

    def __init__(self, total: int, stream=None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total, self.done, self.pages, self.t0, self.last = total, 0, 0, time.monotonic(), 0.0

    def update(self, res: Result | None = None) -> None:
        if res is not None:
            self.done += 1
            self.pages += res.pages or 0
        now = time.monotonic()
        if not self.enabled or (res is None and now - self.last < 0.5):
            return
        self.last = now
        dt = max(now - self.t0, 1e-9)
        rate = self.done / dt
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta_s = f"{int(eta) // 60}:{int(eta) % 60:02d}" if eta == eta else "?"
        self.stream.write(f"\r\x1b[K{self.done}/{self.total} documents, {self.pages} pages, "
                          f"{rate * 60:.1f} docs/min, {self.pages / dt * 60:.0f} pages/min, ETA {eta_s}")
        self.stream.flush()

    def message(self, text: str, stream=None) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
        print(text, file=stream or sys.stdout, flush=True)
        if self.enabled:
            self.update(None)

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


# ---------------------------------------------------------------- the batch

def write_runs(out: Path, results: list[Result]) -> Path:
    rows = [dataclasses.asdict(r) for r in sorted(results, key=lambda r: (r.doc_id, r.file))]
    table = pa.Table.from_pylist(rows, schema=RUNS_SCHEMA).replace_schema_metadata({"table": "runs"})
    tmp = out / f".{RUNS_FILE}.{os.getpid()}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, out / RUNS_FILE)
    return out / RUNS_FILE


def prune(out: Path, keep: set[str]) -> list[str]:
    """Remove OUT/<stem>/ document folders (those holding a document.parquet) whose PDF is not an input."""
    removed = []
    for d in sorted(out.iterdir()) if out.is_dir() else []:
        if (d.is_dir() and not d.name.startswith(".") and d.name != DATASET_DIR and d.name not in keep
                and (d / "document.parquet").is_file()):
            shutil.rmtree(d)
            removed.append(d.name)
    return removed


def run_batch(inputs: list[str | Path], out: str | Path, settings: Settings, *, workers: int | None = None,
              executor: str | None = None, scheduler: str | None = None, retry_failed: bool = False,
              progress: bool | None = None) -> list[Result]:
    """Plan, run, record, prune, rebuild the dataset. Returns one Result per input PDF."""
    b = settings.batch
    workers = workers or b.workers or os.cpu_count() or 1
    executor = executor or b.executor
    scheduler = b.scheduler if scheduler is None else scheduler
    limits = Limits.of(b)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    fp = fingerprint(settings, limits)
    before = previous_runs(out)
    worker_settings = for_workers(settings)

    results: list[Result] = []
    todo: list[Task] = []
    seen: dict[str, str] = {}
    for path in expand(inputs):
        doc_id = path.stem
        if doc_id in seen or doc_id == DATASET_DIR:
            why = (f"same document key as {seen[doc_id]}" if doc_id in seen
                   else f"the name '{DATASET_DIR}' is reserved for the combined dataset")
            results.append(Result(str(path), doc_id, None, "failed", error=f"{path.name}: {why}", fingerprint=fp))
            continue
        seen[doc_id] = str(path)
        try:
            sha = sha256_file(path)
            size = path.stat().st_size
        except OSError as e:
            results.append(Result(str(path), doc_id, None, "failed", error=f"{path.name}: {e.strerror or e}",
                                  fingerprint=fp))
            continue
        pages = up_to_date(out / doc_id, sha, settings)
        if pages is not None:
            results.append(Result(str(path), doc_id, sha, "skipped", pages, reused=True, fingerprint=fp))
            continue
        prev = before.get(doc_id)
        if (not retry_failed and prev and prev.get("sha256") == sha and prev.get("fingerprint") == fp
                and prev.get("status") in FAILURES):
            results.append(Result(str(path), doc_id, sha, prev["status"], prev["pages"], 0.0, prev["error"],
                                  reused=True, fingerprint=fp))
            label = "FAILED" if prev["status"] == "failed" else prev["status"].upper()
            print(f"{label} {prev['error']} (same file and settings as the last run: not run again; "
                  f"--retry-failed runs it)", file=sys.stderr)
            continue
        todo.append(Task(str(path), doc_id, sha, size))

    todo.sort(key=lambda t: (-t.size, t.doc_id))  # largest first: the pool ends together
    bar = Progress(len(todo), enabled=progress)

    def done(res: Result) -> None:
        res.fingerprint = fp
        bar.update(res)
        if res.status == "ok":
            bar.message(f"ok {Path(res.file).name}: {res.pages} pages ({res.seconds:.2f} s)")
        else:
            bar.message(f"{res.status.upper() if res.status != 'failed' else 'FAILED'} {res.error}", sys.stderr)

    bar.update(None)
    if todo:
        if executor == "dask":
            results += run_dask(todo, out, worker_settings, limits, workers, scheduler, done)
        else:
            results += run_local(todo, out, worker_settings, limits, workers, done, lambda: bar.update(None))
    bar.close()
    for r in results:
        r.fingerprint = fp
    if b.prune:
        for name in prune(out, set(seen)):
            print(f"removed {out / name}: its PDF is no longer among the inputs", file=sys.stderr)
    write_runs(out, results)
    if b.dataset:
        build_dataset(out, compression=settings.write.compression)
    return results
