"""What the file's bytes say about damage PDFium reads past without a word.

PDFium repairs damaged files quietly:
  * a broken page tree or cross-reference table can leave pages out of `len(pdf)`. The page
    objects are still in the file: more distinct objects whose dictionary says `/Type /Page`
    than pages read means pages were lost. Objects inside compressed object streams are not
    seen, so the count can only be too low, never too high: no false alarm on such files.
  * a damaged compressed stream (a page's content, a font) is decoded up to the damage and the
    rest is dropped: a table stops halfway with nothing to show for it. Every Flate stream is
    decompressed here; one that fails or ends before its data does is damaged. Encrypted files
    are skipped (their streams cannot be decompressed without the key).
"""
from __future__ import annotations

import base64
import re
import zlib

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


_STREAM = re.compile(rb"(?<![\d])(\d{1,10})\s+\d{1,5}\s+obj\b(?:(?!endobj).){0,4096}?stream(?:\r\n|\n|\r)", re.S)
_FILTERS = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_NAMES = {b"FlateDecode": "flate", b"Fl": "flate", b"ASCII85Decode": "a85", b"A85": "a85",
          b"ASCIIHexDecode": "hex", b"AHx": "hex"}


def _decode_step(kind: str, data: bytes) -> bytes:
    """One filter; raises ValueError (or zlib.error) when the data is damaged."""
    if kind == "a85":
        body = data.strip()
        body = body[2:] if body.startswith(b"<~") else body
        end = body.find(b"~>")
        if end < 0:
            raise ValueError("ASCII85 data without its end marker")
        return base64.a85decode(body[:end])
    if kind == "hex":
        body = re.sub(rb"\s", b"", data)
        end = body.find(b">")
        if end < 0:
            raise ValueError("hex data without its end marker")
        return bytes.fromhex((body[:end] + (b"0" if end % 2 else b"")).decode("ascii"))
    d = zlib.decompressobj()
    out = d.decompress(data) + d.flush()
    if not d.eof:
        raise ValueError("compressed data ends before its stream does")
    return out


def damaged_streams(data: bytes) -> list[int]:
    """Object numbers of streams whose Flate/ASCII85/hex encoding cannot be decoded to its end.

    Only the leading filters we can check are applied (an image's DCT or CCITT data is not judged)."""
    if re.search(rb"/Encrypt\s", data):
        return []
    damaged = []
    for m in _STREAM.finditer(data):
        f = _FILTERS.search(m.group(0))
        if not f:
            continue
        kinds = []
        for name in re.findall(rb"/([A-Za-z0-9]+)", f.group(1)):
            if name not in _NAMES:
                break
            kinds.append(_NAMES[name])
        if not kinds:
            continue
        end = data.find(b"endstream", m.end())
        payload = data[m.end(): end] if end >= 0 else b""
        try:
            if end < 0:
                raise ValueError("no endstream")
            for kind in kinds:
                payload = _decode_step(kind, payload)
        except (ValueError, zlib.error):
            damaged.append(int(m.group(1)))
    return damaged
