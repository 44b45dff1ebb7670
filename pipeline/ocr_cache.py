"""OCR text cached by page image: OUT/.cache/ocr/<sha256>.json, one file per page reading.

The key is the rendered page image itself (its pixels, shape and resolution) plus every `read` setting
and the extractor version, so a hit is exactly what Tesseract would read again. A change of a later
stage's settings (normalize, stitch…) then re-runs only the cheap part of an extraction. Files are
written to a temporary name and renamed, so a reader never sees half a file; a damaged file is a miss.

Used as a context manager around an extraction: it routes `extractors.ocr.gray_to_ocr_page` (the one
function that runs Tesseract on a page) through the cache for that extraction only.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from pipeline import __version__

log = logging.getLogger(__name__)


class OcrCache:
    def __init__(self, folder: Path | None, on_page: Callable[[int, bool], None] | None = None):
        self.folder, self.on_page = folder, on_page
        self.hits = self.read = 0

    def key(self, gray, dpi, settings) -> str:
        s = settings.model_dump(mode="json") if hasattr(settings, "model_dump") else dict(vars(settings))
        s.pop("ocr_workers", None)  # how many pages at once changes nothing read
        h = hashlib.sha256(json.dumps({"v": __version__, "dpi": dpi, "shape": list(gray.shape), "dtype": str(gray.dtype),
                                       "settings": s}, sort_keys=True).encode())
        h.update(memoryview(gray).cast("B") if gray.flags["C_CONTIGUOUS"] else gray.tobytes())
        return h.hexdigest()

    def wrap(self, real):
        from core.records import Rule
        from extractors.ocr import OcrPage, OcrWord

        def cached(gray, page_no, width, height, dpi, settings):
            path = self.folder / f"{self.key(gray, dpi, settings)}.json" if self.folder is not None else None
            if path is not None:
                try:
                    d = json.loads(path.read_text(encoding="utf-8"))
                    page = OcrPage(page_no, width, height, d["skew"], [Rule(*r) for r in d["rules"]],
                                   [_word(OcrWord, w) for w in d["words"]])
                    self.hits += 1
                    self._report(page_no, True)
                    return page
                except (OSError, ValueError, KeyError, TypeError):
                    pass  # no entry, or a damaged one: read the page
            page = real(gray, page_no, width, height, dpi, settings)
            self.read += 1
            if path is not None:
                self._store(path, page)
            self._report(page_no, False)
            return page
        return cached

    def _report(self, page_no: int, hit: bool) -> None:
        if self.on_page is not None:
            try:
                self.on_page(page_no, hit)
            except OSError:
                pass

    def _store(self, path: Path, page) -> None:
        data = {"skew": page.skew,  # not the seconds it took: the same page gives the same bytes
                "rules": [[r.orientation, r.pos, r.start, r.end] for r in page.rules],
                "words": [[w.x0, w.top, w.x1, w.bottom, w.text, w.conf, list(w.line)] for w in page.words]}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
        except OSError as e:  # a cache that cannot be written only costs time
            log.debug("OCR cache not written (%s)", e)
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)


def _word(cls, w: list):
    x0, top, x1, bottom, text, conf, line = w
    return cls(x0=x0, top=top, x1=x1, bottom=bottom, text=text, conf=conf, line=tuple(line))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def ocr_cache(folder: Path | None, on_page: Callable[[int, bool], None] | None = None) -> Iterator[OcrCache]:
    """Within the block, OCR page readings come from / go to `folder` (None: no cache, pages still counted)."""
    from extractors import ocr

    cache = OcrCache(folder, on_page)
    real = ocr.gray_to_ocr_page
    ocr.gray_to_ocr_page = cache.wrap(real)
    try:
        yield cache
    finally:
        ocr.gray_to_ocr_page = real
