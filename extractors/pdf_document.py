"""Open a PDF safely, tell bad input apart from good, and read each page in its upright frame.

Checks happen before any page is parsed so that a bad file fails fast with a
message naming the file (and the page, when one page is the problem).

Page geometry: PDFium reports character boxes, text-bounded rectangles and page-object bounds in
the page's own (unrotated, y-up) space, whatever the page's /Rotate; the page's width and height
are the displayed ones. Readers work in one frame instead: top-left origin, y down, text upright.
`PageFrame` maps between the two. The frame is turned so that most of the page's text reads left
to right: a landscape table drawn turned on a portrait MediaBox, or a /Rotate page whose content is
turned back, both read as printed.
"""
from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import stat
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from core.errors import BadInputError
from core.records import ErrorItem, OcrPageText, Severity
from extractors.file_integrity import count_page_objects, damaged_streams

log = logging.getLogger(__name__)

# Readers accept "%PDF-" within the first KiB.
_HEAD_WINDOW = 1024
# PDF structure after the last %%EOF means a later revision was cut off (not junk appended).
_STRUCTURE = re.compile(rb"\d+\s+\d+\s+obj\b|\bendobj\b|\bstartxref\b|\btrailer\b|\bxref\b")
# Characters looked at to find the direction of a page's text (spread over the page).
_LAST_STARTXREF = re.compile(rb"startxref\s+(\d+)\s*$")
_XREF_AT = re.compile(rb"\s*(?:xref\b|\d+\s+\d+\s+obj\b)")
_ANGLE_SAMPLES = 150
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO, named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


@dataclass
class OpenedPdf:
    path: Path
    sha256: str
    size_bytes: int
    pdf: pdfium.PdfDocument
    # What reading noticed but could read through (trailing bytes, a render at reduced resolution…).
    warnings: list[ErrorItem] = field(default_factory=list)
    # Damage PDFium reads past silently, judged from the bytes while they are in hand (extractors/file_integrity.py)
    page_objects: int = 0  # distinct /Type /Page objects in the file
    damaged_streams: list[int] = field(default_factory=list)  # objects whose compressed data does not decode
    # Scanned pages' text outside their tables, read by the read stage's OCR workers (page → text)
    ocr_text: dict[int, OcrPageText] = field(default_factory=dict)

    @property
    def page_count(self) -> int:
        return len(self.pdf)

    def close(self) -> None:
        self.pdf.close()

    def warn(self, stage: str, message: str, page: int | None = None) -> None:
        item = ErrorItem(stage, message, Severity.WARNING, page)
        if item not in self.warnings:
            self.warnings.append(item)
            log.warning("%s%s: %s", self.path.name, f", page {page}" if page else "", message)


def _read_regular_file(path: Path) -> bytes:
    """The file's bytes; anything but a regular file (a FIFO would block forever) is refused."""
    name = path.name or str(path)
    try:
        # O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting for one.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        if os.path.isdir(path):
            raise BadInputError(name, "not a regular file (a directory)") from None
        raise BadInputError(name, f"cannot read file ({e.strerror or e})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((k for test, k in _KINDS if test(mode)), "a special file")
            raise BadInputError(name, f"not a regular file ({kind})")
        with os.fdopen(fd, "rb", closefd=True) as f:
            fd = -1
            return f.read()
    except OSError as e:
        raise BadInputError(name, f"cannot read file ({e.strerror or e})") from None
    finally:
        if fd >= 0:
            os.close(fd)


def _cut_short(data: bytes) -> bool:
    """True when the file's end is missing: PDF objects after the last %%EOF (a later revision cut
    off), or no %%EOF and no complete trailer ("startxref <offset>" at the very end, pointing at an
    xref table or stream). Other bytes after %%EOF (padding, mail footers) are harmless."""
    end = data.rfind(b"%%EOF")
    if end >= 0:
        return _STRUCTURE.search(data, end + 5) is not None
    m = _LAST_STARTXREF.search(data[-64:])
    if m is None:
        return True
    offset = int(m.group(1))
    return _XREF_AT.match(data, min(offset, len(data))) is None


def open_pdf(path: str | Path) -> OpenedPdf:
    path = Path(path)
    name = path.name or str(path)
    data = _read_regular_file(path)
    if not data:
        raise BadInputError(name, "empty file (0 bytes)")
    if b"%PDF-" not in data[:_HEAD_WINDOW]:
        raise BadInputError(name, "not a PDF (no %PDF- header)")
    truncated = _cut_short(data)
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise BadInputError(name, "encrypted PDF (a password is required to open it)") from None
        if truncated:
            raise BadInputError(name, "truncated PDF (its end is missing)") from None
        raise BadInputError(name, f"unreadable PDF ({msg})") from None
    if truncated:
        # PDFium may rebuild a cut file from what is left; its last revision or pages may be gone.
        pdf.close()
        raise BadInputError(name, "truncated PDF (its end is missing: no complete %%EOF trailer)")
    if len(pdf) == 0:
        pdf.close()
        raise BadInputError(name, "PDF has no pages")
    doc = OpenedPdf(path=path, sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data), pdf=pdf,
                    page_objects=count_page_objects(data), damaged_streams=damaged_streams(data))
    try:
        for index in range(len(pdf)):  # ~0.6 ms a page: a broken page fails the file before any OCR is spent
            load_page(doc, index).close()
    except BadInputError:
        pdf.close()
        raise
    extra = data[data.rfind(b"%%EOF") + 5:]
    if b"%%EOF" not in data:
        doc.warn("open", "no %%EOF marker at the end (the cross-reference trailer is complete)")
    elif extra.strip(b"\r\n\t \x00"):
        doc.warn("open", f"{len(extra)} byte(s) after the final %%EOF were ignored")
    return doc


def load_page(doc: OpenedPdf, index: int) -> pdfium.PdfPage:
    """Page `index` (0-based); a page PDFium cannot load is bad input naming the file and page."""
    try:
        return doc.pdf[index]
    except pdfium.PdfiumError as e:
        raise BadInputError(doc.path.name, f"cannot load page ({e})", index + 1) from None


def load_textpage(doc: OpenedPdf, page: pdfium.PdfPage, index: int) -> pdfium.PdfTextPage:
    try:
        return page.get_textpage()
    except pdfium.PdfiumError as e:
        raise BadInputError(doc.path.name, f"cannot read the page's text ({e})", index + 1) from None


@dataclass(frozen=True)
class PageFrame:
    """Page space (PDFium: unrotated, y up) ↔ reading frame (top-left origin, y down, text upright).

    `rotation` is how far (clockwise, as /Rotate) the page is turned to read it; (x0, y0, x1, y1) is
    the visible page box (MediaBox ∩ CropBox) in page space."""
    rotation: int
    x0: float
    y0: float
    x1: float
    y1: float
    # Sampled characters per turn that makes them upright (text_rotations), as (turn, count).
    votes: tuple[tuple[int, int], ...] = field(default=(), compare=False)

    @property
    def width(self) -> float:
        return self.x1 - self.x0 if self.rotation in (0, 180) else self.y1 - self.y0

    @property
    def height(self) -> float:
        return self.y1 - self.y0 if self.rotation in (0, 180) else self.x1 - self.x0

    def point(self, x: float, y: float) -> tuple[float, float]:
        r = self.rotation
        if r == 0:
            return x - self.x0, self.y1 - y
        if r == 90:
            return y - self.y0, x - self.x0
        if r == 180:
            return self.x1 - x, y - self.y0
        return self.y1 - y, self.x1 - x

    def inverse(self, X: float, Y: float) -> tuple[float, float]:
        r = self.rotation
        if r == 0:
            return X + self.x0, self.y1 - Y
        if r == 90:
            return Y + self.x0, X + self.y0
        if r == 180:
            return self.x1 - X, Y + self.y0
        return self.x1 - Y, self.y1 - X

    def box(self, left: float, bottom: float, right: float, top: float) -> tuple[float, float, float, float]:
        """A page-space rectangle → (x0, top, x1, bottom) in the frame."""
        (ax, ay), (bx, by) = self.point(left, bottom), self.point(right, top)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)

    def page_box(self, x0: float, top: float, x1: float, bottom: float) -> tuple[float, float, float, float]:
        """A frame rectangle → (left, bottom, right, top) in page space."""
        (ax, ay), (bx, by) = self.inverse(x0, top), self.inverse(x1, bottom)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def char_rotation(textpage: pdfium.PdfTextPage, index: int) -> int | None:
    """The clockwise turn (0/90/180/270) that makes character `index` upright; None: a space, a
    generated character, or text at another angle (a diagonal watermark).

    FPDFText_GetCharAngle is measured in page space (it ignores /Rotate), clockwise."""
    raw = textpage.raw
    if pdfium_c.FPDFText_IsGenerated(raw, index) == 1 or pdfium_c.FPDFText_GetUnicode(raw, index) <= 32:
        return None
    a = pdfium_c.FPDFText_GetCharAngle(raw, index)
    if a < 0:
        return None
    deg = math.degrees(a) % 360
    q = int(round(deg / 90)) % 4 * 90
    if abs((deg - q + 180) % 360 - 180) > 5:
        return None
    return (360 - q) % 360


def text_rotations(textpage: pdfium.PdfTextPage) -> Counter[int]:
    """Votes (sampled characters) for each turn that makes the page's text upright."""
    n = textpage.count_chars()
    votes: Counter[int] = Counter()
    for i in range(0, max(n, 0), max(1, n // _ANGLE_SAMPLES)):
        r = char_rotation(textpage, i)
        if r is not None:
            votes[r] += 1
    return votes


def text_rotation(textpage: pdfium.PdfTextPage) -> int | None:
    """The turn that makes most of the page's text upright; None: no text."""
    votes = text_rotations(textpage)
    return votes.most_common(1)[0][0] if votes else None


@contextmanager
def read_page(doc: OpenedPdf, index: int,
              rotation: int | None = None) -> Iterator[tuple[pdfium.PdfPage, pdfium.PdfTextPage, PageFrame]]:
    """Page `index` (0-based), its text page and its reading frame (`rotation`: that turn instead
    of the one most of its text asks for).

    PDFium orders the text page's characters (and breaks its lines) as the page is displayed, so
    when the text is not upright as displayed, the page's rotation is set (in memory, for the time
    of the read) to the one that shows it upright and the text page is built again; the page's own
    /Rotate is restored afterwards (rendering shows the page as its file says)."""
    page = load_page(doc, index)
    textpage = None
    own = page.get_rotation()
    turned = False
    try:
        textpage = load_textpage(doc, page, index)
        votes = text_rotations(textpage)
        if rotation is None and votes:
            rotation = votes.most_common(1)[0][0]
        if rotation is None:
            rotation = own  # no text to go by: as displayed
        elif rotation != own:
            textpage.close()
            page.set_rotation(rotation)
            turned = True
            textpage = load_textpage(doc, page, index)
        try:
            left, bottom, right, top = page.get_bbox()
        except pdfium.PdfiumError:
            left, bottom, right, top = page.get_mediabox()
        try:
            yield page, textpage, PageFrame(rotation, left, bottom, right, top, tuple(sorted(votes.items())))
        except pdfium.PdfiumError as e:  # a broken object on the page: bad input, not a bug
            raise BadInputError(doc.path.name, f"cannot read the page ({e})", index + 1) from None
    finally:
        if textpage is not None:
            textpage.close()
        if turned:
            page.set_rotation(own)
        page.close()


def has_text_layer(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> bool:
    return textpage.count_chars() > 0


def has_images(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))
