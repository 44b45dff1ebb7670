"""Typed records passed between stages.

Coordinates are PDF points with the origin at the TOP-left of the page
(y grows downwards), like pdfplumber, so "top" < "bottom".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    """A document's outcome. OK means complete: every check of the tables passed."""
    OK = "ok"
    PARTIAL = "partial"  # read, but something named in the errors is missing
    FAILED = "failed"  # nothing usable was written


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"  # an oddity of the document that does not make its tables incomplete
    ERROR = "error"  # something the output lacks, or a stage that could not finish


@dataclass(frozen=True)
class ErrorItem:
    """One problem a stage found: where (stage, page) and what."""
    stage: str
    message: str
    severity: Severity = Severity.WARNING
    page: int | None = None  # 1-based PDF page, when the problem has one


class Decision(StrEnum):
    """What the first data row of an appendix page is, relative to the row above it."""
    FIRST_PAGE = "first_page"
    CONTINUE_ROW = "continue_row"  # the row cut by the page break goes on
    CONTINUE_TASK = "continue_task"  # the task text goes on, a new activity starts
    NEW_ACTIVITY = "new_activity"
    NEW_TASK = "new_task"
    NEW_SECTION = "new_section"


class PageRoute(StrEnum):
    """How a page is read."""
    TEXT = "text"  # the PDF's text layer
    OCR = "ocr"  # Tesseract on the page image
    OCR_IF_AVAILABLE = "ocr-if-available"  # text layer without rules but with images: the table may be a picture
    SCAN_ERROR = "scan-error"  # an image-only page while OCR is off


FIELDS = ("stt", "task", "activity", "output", "lead", "partners", "deadline")
ACTIVITY_FIELDS = ("activity", "output", "lead", "partners", "deadline")


@dataclass(frozen=True)
class Rule:
    """A ruling line segment: horizontal (y fixed) or vertical (x fixed)."""
    orientation: str  # "h" | "v"
    pos: float  # y for "h", x for "v"
    start: float  # x0 for "h", top for "v"
    end: float


@dataclass(frozen=True)
class Cell:
    row: int  # index of the first grid row the cell covers
    col: int
    row_span: int
    col_span: int
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom
    text: str  # NFC, printed lines joined by "\n"
    # For cells on the table's bottom edge: does the text run down to the cell's bottom (no room
    # for another line)? None elsewhere or when empty. Word fills a cut cell to the page bottom.
    fills_bottom: bool | None = None
    ocr_raw: str | None = None  # OCR cells: Tesseract's reading before post-correction
    ocr_conf: float | None = None  # OCR cells: mean word confidence, 0-100
    ocr_min_conf: float | None = None  # OCR cells: the lowest word confidence, 0-100
    # OCR cells: why a reading stays doubtful after constrained re-reads, e.g. "quarter: 'II' or 'III'"
    ocr_doubts: tuple[str, ...] = ()


@dataclass
class PageGrid:
    """One page's ruled table, as cells on a grid of row and column boundaries."""
    page_no: int  # 1-based
    width: float
    height: float
    xs: list[float]  # column boundaries, left to right
    ys: list[float]  # row boundaries, top to bottom
    cells: list[Cell]
    line_pitch: float = 14.0  # typical distance between text lines in this table
    source: PageRoute = PageRoute.TEXT  # TEXT (the PDF's text layer) or OCR (read from the page image)
    caption: str = ""  # text printed between the table above (or the page top) and this table, lines by "\n"
    # OCR pages: degrees the page image was turned back by (cells are in the deskewed frame), so a
    # cell can be cut out of a fresh render again for a constrained re-read (extractors.ocr.OcrRereader)
    ocr_skew: float | None = None
    # OCR pages scanned sideways or upside down: degrees counter-clockwise the image was turned to read
    # upright (extractors.ocr.upright_turn); cells are in that turned frame, as are width and height
    ocr_turn: int = 0

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1

    def cell_at(self, row: int, col: int) -> Cell | None:
        for c in self.cells:
            if c.row <= row < c.row + c.row_span and c.col <= col < c.col + c.col_span:
                return c
        return None


@dataclass(frozen=True)
class Fragment:
    """What one field shows in one physical row of one page."""
    text: str  # "" when the cell is empty or covered
    covered: bool  # the row lies under a cell that started on an earlier row of this page
    span: int = 1  # grid rows the source cell spans (1 = not merged)
    fills_bottom: bool | None = None  # the source cell's Cell.fills_bottom


@dataclass
class PageRow:
    page_no: int
    fragments: dict[str, Fragment]  # field -> fragment
    top: float
    bottom: float
    is_section: bool = False
    section_numeral: str = ""  # section rows: the numeral ("I", "PHẦN I", "A"; "" for an unnumbered row)
    section_title: str = ""  # section rows: the title as printed

    def text(self, name: str) -> str:
        f = self.fragments.get(name)
        return f.text if f else ""


@dataclass
class PageTable:
    """One appendix page: its data rows under the (possibly repeated) header."""
    page_no: int
    columns: dict[str, int]  # canonical field -> grid column
    header_labels: dict[str, str]  # canonical field -> label as printed ("" when no header on this page)
    rows: list[PageRow]
    table_top: float
    table_bottom: float
    page_height: float
    line_height: float  # typical text line pitch on this page, for geometry evidence
    table_no: int = 1  # 1-based: which task table of the document this page belongs to
    table_title: str = ""  # the table's caption ("Phụ lục II …"), as printed
    extra_labels: dict[str, str] = field(default_factory=dict)  # extra column key → label as printed
    column_map: list = field(default_factory=list)  # extractors.header.ColumnRole per printed column (header pages)


@dataclass
class Evidence:
    signal: str  # e.g. "empty_below", "lowercase_start", "word_joins", "deadline_incomplete", "gap_to_bottom"
    field: str  # canonical field or "" for page-level signals
    weight: float  # > 0 votes "continues the row above", < 0 votes "new row"
    detail: str


@dataclass
class StitchDecision:
    page_no: int  # the page whose first data row was judged
    decision: Decision
    score: float
    confidence: float  # 0.5 .. 1.0
    evidence: list[Evidence] = field(default_factory=list)
    table_no: int = 1


@dataclass
class Piece:
    """A piece of a logical cell: its text and the page it was printed on."""
    text: str
    page_no: int


@dataclass
class LogicalCell:
    """A cell of the reconstructed table. Rows under one merged cell share the same object."""
    pieces: list[Piece] = field(default_factory=list)

    def add(self, text: str, page_no: int) -> None:
        if text:
            self.pieces.append(Piece(text, page_no))

    def text(self) -> str:
        return " ".join(p.text for p in self.pieces).strip()

    def pages(self) -> list[int]:
        return sorted({p.page_no for p in self.pieces})


@dataclass
class LogicalSection:
    numeral: str
    title: LogicalCell
    page_no: int
    table_no: int = 1
    printed: str = ""  # the row's cell as printed when numeral and title share it ("I. CẢI CÁCH THỂ CHẾ")


@dataclass
class LogicalTask:
    section: LogicalSection | None
    stt: LogicalCell
    text: LogicalCell
    page_no: int  # page of its first row
    rows: list[LogicalRow] = field(default_factory=list)
    table_no: int = 1
    parent: LogicalTask | None = None  # a sub-task's task ("1.1", "a)" under "1")


@dataclass
class LogicalRow:
    """An activity row of the reconstructed table."""
    task: LogicalTask | None
    cells: dict[str, LogicalCell]  # ACTIVITY_FIELDS -> cell (shared with rows above when merged)
    inherited: list[str] = field(default_factory=list)  # activity fields filled from a merged cell above
    page_no: int = 0  # page where the row starts
    extra: dict[str, LogicalCell] = field(default_factory=dict)  # extra column key → cell (columns with no field)

    def text(self, name: str) -> str:
        return self.cells[name].text()

    def pages(self) -> list[int]:
        """Pages where this row's own (not inherited) cells print text."""
        own = {p for n, c in self.cells.items() if n not in self.inherited for p in c.pages()}
        return sorted(own or {self.page_no})


@dataclass
class StitchedTable:
    sections: list[LogicalSection]
    tasks: list[LogicalTask]
    rows: list[LogicalRow]
    decisions: list[StitchDecision]
    tables: list[PageTable] = field(default_factory=list)  # the located page tables, in order


# ---- the plan's body (pages before the appendix), as lines of text ----

@dataclass(frozen=True)
class BodyLine:
    page: int  # 1-based PDF page
    text: str  # NFC, whitespace collapsed
    bold: bool | None = None  # None: not known (no font information)
    x0: float | None = None  # left edge of the first character (PDF points from the left)
    x1: float | None = None  # right edge of the last character
    baseline: float | None = None  # PDF y of the baseline (from the bottom of the page)
    size: float | None = None  # font size of the first character


@dataclass(frozen=True)
class OcrPageText:
    """The printed lines of a scanned page outside its tables, read on the OCR workers together with
    the cells (so the body stage does not read the page again, one page after another). `region`:
    "page" (a page without a ruled table: all of it) or "above_table" (the part above its first table:
    where the body ends and the appendix heading stands). Each line is its words as Tesseract read
    them, left to right, as (text, confidence 0..100); not yet post-corrected."""
    page: int  # 1-based
    region: str  # "page" | "above_table"
    lines: tuple[tuple[tuple[str, float], ...], ...] = ()


@dataclass
class BodyText:
    lines: list[BodyLine]  # body pages, top to bottom
    appendix_heading: list[BodyLine] = field(default_factory=list)  # lines above the appendix table
    body_pages: list[int] = field(default_factory=list)
    pages_without_text: list[int] = field(default_factory=list)
    first_appendix_page: int | None = None
    ocr_pages: list[int] = field(default_factory=list)  # pages read by Tesseract
    header_runs: list[TextRun] = field(default_factory=list)  # text objects of the first page (stamped values)


@dataclass(frozen=True)
class TextRun:
    """One text object of a page as drawn (a Tj/TJ show, or an annotation's text): for reading values
    stamped onto a signed document as separate objects (its number and date beside "Số:" / "ngày")."""
    page: int  # 1-based
    text: str  # NFC, whitespace collapsed
    x0: float  # PDF points from the left
    bottom: float  # PDF y from the bottom of the page
    x1: float
    top: float
    size: float | None = None  # font size
    font: str | None = None  # base font name
    color: tuple[int, int, int] | None = None  # fill colour (RGB 0-255)
    order: int = 0  # position in the page's drawing order (stamps come after the text they fill)
    source: str = "content"  # content | form (inside a Form XObject) | annotation
