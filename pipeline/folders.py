"""What this tool may create, replace and delete under OUT, and nothing else.

    names     every input PDF gets a folder name that is one plain path component: the file's stem when it
              is an ordinary name (`hung-yen-2022-196-kh-ubnd`), else a slug plus a short hash
              (`...pdf`, a newline, an escape sequence, 250 bytes of Vietnamese); a second file whose name
              is taken (same stem in another folder, or a folder of someone else's) gets `<name>-<hash of
              its path>`. The hash is stable, so incremental runs find their folder again.
    marker    every folder we write holds `.vnplan` (JSON: writer, kind, source path relative to OUT, file sizes and
              hashes), written into the hidden temporary folder before it is renamed into place, so the
              folder and its marker appear together. Only a folder carrying our marker (or, from before
              markers, holding nothing but our table files) is ever replaced or removed, and only
              directly under OUT.
    lock      one writer per OUT (`OUT/.vnplan.lock`, an flock through `filelock`: released by the
              kernel when the process dies, so a killed run never leaves it held).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from pipeline import __version__
from pipeline.schemas import TABLES

log = logging.getLogger(__name__)

MARKER = ".vnplan"
WRITER = "vnplan"
LOCK_FILE = ".vnplan.lock"
TMP_PREFIX = ".vnplan-tmp."
OLD_PREFIX = ".vnplan-old."
# Names OUT itself uses: a PDF called `dataset.pdf` or `runs.parquet.pdf` must not take them.
RESERVED = {"dataset", "runs.parquet", "runs", ".cache"}
MAX_NAME_BYTES = 120  # well under the 255-byte limit of a path component, leaving room for temp prefixes
_BAD_CHARS = re.compile(r"[/\\\x00]")


class NotOurs(OSError):
    """A path under OUT that this tool did not write: never replaced, never removed."""


class OutBusy(RuntimeError):
    """Another run holds OUT's lock."""


# ---------------------------------------------------------------- names

def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def is_plain_name(name: str) -> bool:
    """One ordinary path component: printable, no slash, not hidden, not `.`/`..`, not too long, not reserved."""
    return (bool(name) and name == unicodedata.normalize("NFC", name) and not name.startswith(".")
            and name == name.strip() and not _BAD_CHARS.search(name)
            and not any(unicodedata.category(c).startswith("C") for c in name)
            and len(name.encode("utf-8", "surrogateescape")) <= MAX_NAME_BYTES
            and name.casefold() not in RESERVED)


def _slug(name: str, limit: int = 80) -> str:
    name = unicodedata.normalize("NFC", name)
    name = "".join("-" if _BAD_CHARS.match(c) or unicodedata.category(c).startswith(("C", "Z")) else c for c in name)
    name = re.sub(r"-{2,}", "-", name).strip(" .-")
    out = ""
    for c in name:  # cut at a character boundary, by bytes
        if len((out + c).encode("utf-8", "surrogateescape")) > limit:
            break
        out += c
    return out.rstrip(" .-") or "document"


def safe_name(stem: str) -> str:
    """The folder name for a file stem: the stem itself when it is plain, else `<slug>-<hash of the stem>`."""
    return stem if is_plain_name(stem) else f"{_slug(stem)}-{_short_hash(stem)}"


def source_key(path: str | Path) -> str:
    """The identity of an input file: its absolute, resolved path."""
    return str(Path(path).resolve())


def recorded_source(path: str | Path, out: Path) -> str:
    """How a marker records its source: relative to OUT (`../raw/x.pdf`), so a clone elsewhere writes the
    same bytes (DVC hashes the output folder)."""
    return Path(os.path.relpath(source_key(path), out.resolve())).as_posix()


def marker_source(folder: Path, marker: dict) -> str | None:
    """The resolved absolute path of the PDF a document folder was made from (None: not recorded)."""
    rel = marker.get("source")
    if not rel:
        return None
    return os.path.normpath(os.path.join(folder.parent.resolve(), rel))


def assign_names(paths: Iterable[Path], out: Path) -> dict[Path, str]:
    """One distinct, safe folder name per input path (in the order given).

    A name already used by an earlier input, by a folder under OUT that is not ours, or by one of our
    folders made from another file that still exists, gets `-<hash of the resolved path>` appended."""
    names: dict[Path, str] = {}
    taken: set[str] = set()
    for path in paths:
        name = safe_name(path.stem)
        src = source_key(path)
        why = None
        if name.casefold() in taken:
            why = "the same name as another input"
        else:
            why = _clash(out / name, src)
        if why is not None:
            new = f"{_slug(name)}-{_short_hash(src)}"
            log.warning("name collision: %s: %s; its folder is %s", path, why, new)
            name = new
        taken.add(name.casefold())
        names[path] = name
    return names


def _clash(folder: Path, src: str) -> str | None:
    if not folder.exists() and not folder.is_symlink():
        return None
    marker = read_marker(folder)
    if marker is None:
        if is_ours(folder, "document"):
            return None  # written before markers existed: ours, and its source is not known
        return f"{folder} exists and was not written by this tool"
    other = marker_source(folder, marker)
    if marker.get("kind") == "document" and (other in (None, src) or not os.path.lexists(other)):
        return None  # this file's folder, or that of a file that is gone (moved or renamed)
    return f"{folder} holds the results of {other}"


# ---------------------------------------------------------------- markers and ownership

def read_marker(folder: Path) -> dict | None:
    p = folder / MARKER
    try:
        if folder.is_symlink() or p.is_symlink() or not p.is_file():
            return None
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("writer") == WRITER else None


def is_ours(folder: Path, kind: str) -> bool:
    """A folder this tool wrote: our marker of that kind, or (older outputs) nothing but our own files."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    marker = read_marker(folder)
    if marker is not None:
        return marker.get("kind") == kind
    entries = list(folder.iterdir())
    if kind == "document":
        allowed = {f"{t}.parquet" for t in TABLES} | {"report.html"}  # `report` wrote into the folder then
        return (any(e.name == "document.parquet" for e in entries)
                and all(e.name in allowed and e.is_file() and not e.is_symlink() for e in entries))
    if kind == "dataset":
        return bool(entries) and all(e.name in TABLES and e.is_dir() and not e.is_symlink() for e in entries)
    return False


def _direct_child(out: Path, name: str) -> Path:
    if not name or name in (".", "..") or _BAD_CHARS.search(name):
        raise NotOurs(f"{name!r} is not a plain folder name")
    p = out / name
    if p.parent.resolve() != out.resolve():
        raise NotOurs(f"{p} is not directly under {out}")
    return p


def remove_own(out: Path, name: str, kind: str = "document") -> bool:
    """Remove OUT/<name> if this tool wrote it (checked); False (and a warning) when it is not ours."""
    try:
        p = _direct_child(out, name)
    except NotOurs as e:
        log.warning("not removed: %s", e)
        return False
    if not p.exists():
        return False
    if not is_ours(p, kind):
        log.warning("not removed: %s was not written by this tool", p)
        return False
    shutil.rmtree(p)
    return True


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _group_mode(path: Path) -> None:
    """mkdtemp makes 0700; the final folder gets what mkdir would give (0777 less the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o777 & ~mask)


@contextlib.contextmanager
def atomic_folder(final: Path, kind: str | None = None, meta: dict | None = None,
                  hash_files: bool = True) -> Iterator[Path]:
    """Yield a hidden temporary folder beside `final`; on success our marker is written into it and it replaces
    `final` whole; on any error it is removed and `final` is left as it was. A `final` we did not write is
    never replaced (NotOurs). `kind`: "document" or "dataset" (default: by the folder's name)."""
    if kind is None:
        kind = "dataset" if final.name == "dataset" else "document"
    final.parent.mkdir(parents=True, exist_ok=True)
    _direct_child(final.parent, final.name)
    if (final.exists() or final.is_symlink()) and not is_ours(final, kind):
        raise NotOurs(f"{final} exists and was not written by this tool: not replaced")
    tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(TMP_PREFIX, final.name), dir=final.parent))
    try:
        yield tmp
        files = {}
        if hash_files:
            for p in sorted(tmp.iterdir()):
                if p.is_file():
                    files[p.name] = {"size": p.stat().st_size, "sha256": file_digest(p)}
        marker = {"writer": WRITER, "kind": kind, "version": __version__, "name": final.name,
                  **(meta or {}), "files": files}
        with open(tmp / MARKER, "w", encoding="utf-8") as f:
            json.dump(marker, f, ensure_ascii=False, sort_keys=True, indent=1)
            f.flush()
            os.fsync(f.fileno())
        _group_mode(tmp)
        old = None
        if final.exists():
            old = final.parent / f"{_temp_prefix(OLD_PREFIX, final.name)}{os.getpid()}"
            final.rename(old)
        tmp.rename(final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def verify(folder: Path) -> str | None:
    """None when every file the marker lists is there with its recorded size and hash; else what is wrong."""
    marker = read_marker(folder)
    if marker is None:
        return "no marker"
    files = marker.get("files") or {}
    if not files:
        return "the marker lists no files"
    for name, rec in files.items():
        p = folder / name
        try:
            if p.stat().st_size != rec.get("size"):
                return f"{name}: size differs from the recorded one"
            if file_digest(p) != rec.get("sha256"):
                return f"{name}: content differs from the recorded one"
        except OSError as e:
            return f"{name}: {e.strerror or e}"
    return None


def _temp_prefix(kind: str, name: str) -> str:
    return f"{kind}{_short_hash(name)}."


def cleanup_temporaries(out: Path, name: str | None = None) -> None:
    """Hidden temporary/old folders a killed writer left under OUT (only ours: by their prefix), of the
    folder `name` only (other writers may be busy), or all of them (only while holding OUT's lock, before
    any worker starts)."""
    if not out.is_dir():
        return
    prefixes = (TMP_PREFIX, OLD_PREFIX) if name is None else (_temp_prefix(TMP_PREFIX, name), _temp_prefix(OLD_PREFIX, name))
    for p in out.iterdir():
        if p.name.startswith(prefixes) and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)


# ---------------------------------------------------------------- one writer per OUT

@contextlib.contextmanager
def locked(out: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold OUT's lock while writing; OutBusy when another run holds it for longer than `wait` seconds."""
    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(out / LOCK_FILE), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise OutBusy(f"{out} is being written by another run (lock {out / LOCK_FILE}); "
                      f"wait for it to finish or use another --out") from None
    try:
        yield
    finally:
        lock.release()
