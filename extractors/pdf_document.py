"""Open a PDF safely and tell bad input apart from good.

Checks happen before any page is parsed so that a bad file fails fast with a
message naming the file (and the page, when one page is the problem).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from core.errors import BadInputError

# Readers accept "%PDF-" within the first KiB and "%%EOF" within the last KiB.
_HEAD_WINDOW = 1024
_TAIL_WINDOW = 1024


@dataclass
class OpenedPdf:
    path: Path
    sha256: str
    size_bytes: int
    pdf: pdfium.PdfDocument

    @property
    def page_count(self) -> int:
        return len(self.pdf)

    def close(self) -> None:
        self.pdf.close()


def open_pdf(path: str | Path) -> OpenedPdf:
    path = Path(path)
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as e:
        raise BadInputError(name, f"cannot read file ({e.strerror})") from None
    if not data:
        raise BadInputError(name, "empty file (0 bytes)")
    if b"%PDF-" not in data[:_HEAD_WINDOW]:
        raise BadInputError(name, "not a PDF (no %PDF- header)")
    if b"%%EOF" not in data[-_TAIL_WINDOW:]:
        raise BadInputError(name, "truncated PDF (no %%EOF marker at the end of the file)")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise BadInputError(name, "encrypted PDF (a password is required to open it)") from None
        raise BadInputError(name, f"unreadable PDF ({msg})") from None
    if len(pdf) == 0:
        pdf.close()
        raise BadInputError(name, "PDF has no pages")
    return OpenedPdf(path=path, sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data), pdf=pdf)


def has_text_layer(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> bool:
    return textpage.count_chars() > 0


def has_images(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))
