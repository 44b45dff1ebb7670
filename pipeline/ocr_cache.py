"""OCR text cached by page image: OUT/.cache/ocr/<sha256>.json, one file per page reading.

The key is the rendered page image itself (its pixels, shape and resolution) plus every `read` setting,
the extractor version and the cache's own format, so a hit is exactly what Tesseract would read again.
A change of a later stage's settings (normalize, stitch…) then re-runs only the cheap part of an
extraction. Files are written to a temporary name and renamed, so a reader never sees half a file; a
damaged file is a miss.

An entry holds every field of the page record (`extractors.ocr.OcrPage`, its words and rules) but the
seconds it took, written field by field with the dataclass's own field names: a field added later with
a default reads back as its default from an older entry, a field removed is ignored.

Used as a context manager around an extraction: it routes the two functions of the read stage that run
Tesseract, `extractors.ocr.gray_to_ocr_page` (a page) and `extractors.ocr.fix_header_labels` (header
cells re-read once the grid is known, keyed by that grid and the page's header image), through the
cache for that extraction only. With `doc_id`, the
keys the extraction used are recorded in OUT/.cache/ocr/used/<doc_id>.json when it succeeds, so
`prune` can remove what no extract under OUT was made from (superseded settings, re-scanned or
removed files). With `offline=True` a miss raises CacheMiss instead of running Tesseract (the review
report: it redraws a grid only from readings already made).
"""
from __future__ import annotations

import base64
import contextlib
import dataclasses
import enum
import hashlib
import importlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pipeline import __version__

log = logging.getLogger(__name__)

FORMAT = 2  # of an entry: 1 lost the words' doubts and the header image (a hit read differently from a miss)
USED_DIR = "used"  # per-document lists of the keys its latest extraction used
ENTRY = re.compile(r"[0-9a-f]{64}\.json")  # what this tool writes in the cache folder, and all prune may remove
USED_ENTRY = re.compile(r"[^/\\]+\.json")
TMP_ENTRY = re.compile(r"\..+\.tmp")  # a temporary file of _write_atomic left by a killed writer
SKIPPED_FIELDS = {"seconds"}  # not stored: the same page gives the same bytes
# Classes an entry may name: the page record and what it is made of, nothing else is instantiated on reading
ALLOWED_MODULES = ("core.", "extractors.")


CACHE_ATTR = "_vnplan_ocr_cache"  # set on a page record read through the cache: (its key, its header re-readings)


def _mark(page, key: str, fixes: list[str]) -> bool:
    """Remember on the page record which entry it is; False when the record takes no attribute (slots)."""
    try:
        setattr(page, CACHE_ATTR, (key, fixes))
        return True
    except (AttributeError, TypeError):
        return False


class CacheMiss(LookupError):
    """An offline cache was asked for a page it does not hold."""


# ---- entries: dataclasses field by field, tagged, so new fields with defaults read back ------------------

def _encode(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__dc__": f"{type(value).__module__}.{type(value).__qualname__}",
                **{f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)
                   if f.name not in SKIPPED_FIELDS}}
    if isinstance(value, enum.Enum):
        return {"__enum__": f"{type(value).__module__}.{type(value).__qualname__}", "value": _encode(value.value)}
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if hasattr(value, "item") and not isinstance(value, (str, int, float, bool)):  # a numpy scalar
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise TypeError(f"cannot store {type(value).__name__} in the OCR cache")


def _class(name: str, kind: type | None = None) -> Any:
    module, _, qual = name.rpartition(".")
    if not module.startswith(ALLOWED_MODULES):
        raise ValueError(f"{name}: not a record class of this tool")
    cls: Any = importlib.import_module(module)
    for part in qual.split("."):
        cls = getattr(cls, part)
    if not isinstance(cls, type):
        raise ValueError(f"{name}: not a class")
    if not (issubclass(cls, kind) if kind is not None else dataclasses.is_dataclass(cls)):
        raise ValueError(f"{name}: not a record class")
    return cls


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__b64__" in value:
        return base64.b64decode(value["__b64__"])
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    if "__enum__" in value:
        return _class(value["__enum__"], enum.Enum)(_decode(value["value"]))
    cls = _class(value["__dc__"])
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    return cls(**{k: _decode(v) for k, v in value.items() if k in known})  # a missing field: its default


def page_to_entry(page) -> dict:
    return {"format": FORMAT, "page": _encode(page)}


def entry_to_page(data: dict, page_no: int, width: float, height: float):
    """The stored page, as the page asked for (the same image may be another page of another file)."""
    if data.get("format") != FORMAT:
        raise ValueError("another cache format")
    page = _decode(data["page"])
    if getattr(page, "turn", 0) % 180:  # read turned a quarter (extractors.ocr.upright_turn): its frame is too
        width, height = height, width
    text = getattr(page, "text", None)
    if text is not None and getattr(text, "page", page_no) != page_no:
        page = dataclasses.replace(page, text=dataclasses.replace(text, page=page_no))
    return dataclasses.replace(page, page_no=page_no, width=width, height=height)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _touch(path: Path) -> None:
    """A hit marks the entry as used by this run (its mtime), for prune_cache(since=…)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def _write_atomic(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ---- the cache ------------------------------------------------------------------------------------------

class OcrCache:
    def __init__(self, folder: Path | None, on_page: Callable[[int, bool], None] | None = None,
                 offline: bool = False):
        self.folder, self.on_page, self.offline = folder, on_page, offline
        self.hits = self.read = 0
        self.used: set[str] = set()  # keys read or written by this extraction

    def key(self, gray, dpi, settings) -> str:
        s = settings.model_dump(mode="json") if hasattr(settings, "model_dump") else dict(vars(settings))
        s.pop("ocr_workers", None)  # how many pages at once changes nothing read
        h = hashlib.sha256(json.dumps({"v": __version__, "format": FORMAT, "dpi": dpi, "shape": list(gray.shape),
                                       "dtype": str(gray.dtype), "settings": s}, sort_keys=True).encode())
        h.update(memoryview(gray).cast("B") if gray.flags["C_CONTIGUOUS"] else gray.tobytes())
        return h.hexdigest()

    def wrap(self, real):
        def cached(gray, page_no, width, height, dpi, settings):
            key = self.key(gray, dpi, settings) if self.folder is not None else ""
            path = self.folder / f"{key}.json" if self.folder is not None else None
            if path is not None:
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                    fixes = [f for f in data.get("header_fixes") or [] if isinstance(f, str)]
                    if not all(_regular(path.with_name(f"{f}.json")) for f in fixes):
                        raise ValueError("a header re-reading of the page is missing")
                    page = entry_to_page(data, page_no, width, height)
                    _mark(page, key, fixes)
                    self.hits += 1
                    self.used.update([key, *fixes])
                    _touch(path)
                    self._report(page_no, True)
                    return page
                except (OSError, ValueError, KeyError, TypeError, AttributeError, ImportError):
                    pass  # no entry, or a damaged or foreign one: read the page
            if self.offline:
                raise CacheMiss(f"page {page_no}: no OCR reading of this image in {self.folder}")
            page = real(gray, page_no, width, height, dpi, settings)
            self.read += 1
            if path is not None:
                self._store(path, key, page, settings)
            self._report(page_no, False)
            return page
        return cached

    def wrap_header_fix(self, real):
        """fix_header_labels re-reads header cells with Tesseract: cached too, keyed by the page's reading and
        the grid it is given, so a run from the cache runs no Tesseract at all."""
        def cached(grid, page, settings, *args, **kw):
            origin = getattr(page, CACHE_ATTR, None)
            if origin is None or self.folder is None:  # a page not read through the cache
                return real(grid, page, settings, *args, **kw)
            page_key, fixes = origin
            key = self._header_key(page_key, grid, settings, args, kw)
            path = self.folder / f"{key}.json"
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("format") != FORMAT:
                    raise ValueError("another cache format")
                fixed = dataclasses.replace(_decode(data["grid"]), page_no=grid.page_no)
                self.used.add(key)
                _touch(path)
                return fixed
            except (OSError, ValueError, KeyError, TypeError, AttributeError, ImportError):
                pass
            if self.offline:
                raise CacheMiss(f"page {page.page_no}: no header re-reading of this grid in {self.folder}")
            if page.header_png is None:  # a cached page whose reading did not make this grid (should not be)
                log.warning("page %s: header cells not re-read (the OCR cache lacks them)", page.page_no)
            fixed = real(grid, page, settings, *args, **kw)
            try:
                _write_atomic(path, {"format": FORMAT, "grid": _encode(dataclasses.replace(fixed, page_no=0))})
                self.used.add(key)
                fixes.append(key)
            except (OSError, TypeError) as e:
                log.debug("OCR cache not written (%s)", e)
            return fixed
        return cached

    def _header_key(self, page_key: str, grid, settings, args, kw) -> str:
        s = settings.model_dump(mode="json") if hasattr(settings, "model_dump") else dict(vars(settings))
        s.pop("ocr_workers", None)
        # the page number is not part of it: the same image may be another page of another file
        return hashlib.sha256(json.dumps({"v": __version__, "format": FORMAT, "fn": "fix_header_labels",
                                          "page": page_key, "settings": s, "args": [list(args), kw],
                                          "grid": _encode(dataclasses.replace(grid, page_no=0))},
                                         sort_keys=True).encode()).hexdigest()

    def _report(self, page_no: int, hit: bool) -> None:
        if self.on_page is not None:
            try:
                self.on_page(page_no, hit)
            except OSError:
                pass

    def _store(self, path: Path, key: str, page, settings) -> None:
        """The page's entry, without its header image (1-1.5 MB of a 300-dpi scan): the header re-readings
        that image serves are made now, each cached under its own key, and listed in the entry, so a hit
        holds everything the read stage asks of the page. Written last: a reader never finds a page
        without its header re-readings."""
        fixes: list[str] = []
        marked = _mark(page, key, fixes)
        if page.header_png is not None and marked:
            from extractors import ocr

            try:
                ocr.ocr_page_to_grids(page, settings)  # routes each grid through wrap_header_fix
            except Exception as e:  # the read stage will say what is wrong; the entry keeps the image
                log.debug("header re-readings not cached (%s)", e)
                marked, fixes[:] = False, []
        try:
            # a record that takes no mark keeps its header image: a hit then re-reads header cells itself
            entry = page_to_entry(dataclasses.replace(page, header_png=None) if marked else page)
            entry["header_fixes"] = fixes
            _write_atomic(path, entry)
            self.used.update([key, *fixes])
        except (OSError, TypeError) as e:  # a cache that cannot be written only costs time
            log.debug("OCR cache not written (%s)", e)

    def record_use(self, doc_id: str) -> None:
        """used/<doc_id>.json: the keys of this extraction, replacing the document's earlier list; none when
        it used no key (so a batch of born-digital files leaves no OUT/.cache, and which lists exist does
        not depend on which worker finished first: DVC hashes OUT)."""
        if self.folder is None or not USED_ENTRY.fullmatch(f"{doc_id}.json") or doc_id.startswith("."):
            return
        path = self.folder / USED_DIR / f"{doc_id}.json"
        if not self.used:
            with contextlib.suppress(OSError):
                if _regular(path):
                    path.unlink()
            return
        try:
            _write_atomic(path, {"format": FORMAT, "doc_id": doc_id, "keys": sorted(self.used)})
        except OSError as e:
            log.debug("OCR cache use not recorded (%s)", e)


@contextlib.contextmanager
def ocr_cache(folder: Path | None, on_page: Callable[[int, bool], None] | None = None, doc_id: str | None = None,
              offline: bool = False) -> Iterator[OcrCache]:
    """Within the block, OCR page readings come from / go to `folder` (None: no cache, pages still counted).
    `doc_id`: record the keys used under used/<doc_id>.json when the block ends without an error.
    `offline`: a page not in the cache raises CacheMiss (Tesseract is never run)."""
    from extractors import ocr

    cache = OcrCache(folder, on_page, offline)
    real, real_fix = ocr.gray_to_ocr_page, ocr.fix_header_labels
    ocr.gray_to_ocr_page, ocr.fix_header_labels = cache.wrap(real), cache.wrap_header_fix(real_fix)
    try:
        yield cache
    finally:
        ocr.gray_to_ocr_page, ocr.fix_header_labels = real, real_fix
    if doc_id is not None:
        cache.record_use(doc_id)


# ---- pruning --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class PruneResult:
    removed: int = 0  # entries removed
    freed_bytes: int = 0
    kept: int = 0
    skipped: str | None = None  # why nothing was pruned


def _regular(p: Path) -> bool:
    return not p.is_symlink() and p.is_file()


def prune_cache(folder: Path, documents: set[str], since: float | None = None) -> PruneResult:
    """Remove the entries no document in `documents` (the extracts now under OUT) was made from, the use
    lists of documents no longer there, and temporaries of killed writers. `since`: entries read or written
    from then on (the run that prunes, by mtime) are kept too, so the pages a document that failed or timed
    out has already read are not read again. Only files this tool writes are touched (by their names:
    <sha256>.json, used/<doc>.json, .<x>.tmp), never a symlink, nothing in a sub-folder other than used/,
    nothing outside `folder`.

    An extract without a use list needs nothing: it read no page through the cache (a list is written
    whenever one did), or it was made before use lists, whose entries are of an older FORMAT that this
    version never reads (the format is part of every key)."""
    res = PruneResult()
    if folder.is_symlink() or not folder.is_dir():
        res.skipped = "no cache folder"
        return res
    used_dir = folder / USED_DIR
    keep: set[str] = set()
    for doc in sorted(documents):
        p = used_dir / f"{doc}.json"
        try:
            if used_dir.is_symlink() or not _regular(p):
                continue
            data = json.loads(p.read_text(encoding="utf-8"))
            if data.get("format") == FORMAT:
                keep.update(k for k in data["keys"] if isinstance(k, str))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a damaged list: that document's readings are read again if ever needed
    for p in sorted(folder.iterdir()):
        name = p.name
        if ENTRY.fullmatch(name) and _regular(p):
            try:
                recent = since is not None and p.stat().st_mtime >= since
            except OSError:
                continue
            if name[:-5] in keep or recent:
                res.kept += 1
                continue
            gone = p
        elif TMP_ENTRY.fullmatch(name) and _regular(p):
            gone = p  # the caller holds OUT's lock: no writer is busy
        else:
            continue  # anything else is not ours to remove
        with contextlib.suppress(OSError):
            size = gone.stat().st_size
            gone.unlink()
            res.removed += ENTRY.fullmatch(name) is not None
            res.freed_bytes += size
    if used_dir.is_dir() and not used_dir.is_symlink():
        for p in sorted(used_dir.iterdir()):
            stale = (not p.name.startswith(".") and USED_ENTRY.fullmatch(p.name) is not None
                     and p.name[:-5] not in documents)
            if (stale or TMP_ENTRY.fullmatch(p.name)) and _regular(p):
                with contextlib.suppress(OSError):
                    p.unlink()
    return res
