"""Pages the file holds, counted from its bytes, to tell when PDFium could not reach some of them.

PDFium repairs damaged files quietly: a broken page tree or cross-reference table can leave
pages out of `len(pdf)` without any error. The page objects are still in the file: a count of
the distinct objects whose dictionary says `/Type /Page` that exceeds the page count means
pages were lost. Objects inside compressed object streams are not seen, so the count can only
be too low, never too high: the check never raises a false alarm on such files.
"""
from __future__ import annotations

import re

_OBJ = re.compile(rb"(?<![\d])(\d{1,10})\s+(\d{1,5})\s+obj\b")
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_END = re.compile(rb"endobj|stream\b")
_DICT_WINDOW = 8192  # a page dictionary is short; never scan a stream's content


def count_page_objects(data: bytes) -> int:
    """Distinct object numbers in `data` whose dictionary is a page (`/Type /Page`, not `/Pages`)."""
    pages = set()
    for m in _OBJ.finditer(data):
        window = data[m.end(): m.end() + _DICT_WINDOW]
        end = _END.search(window)
        if _PAGE.search(window[: end.start() if end else len(window)]):
            pages.add(int(m.group(1)))
    return len(pages)
