"""One validated settings object per stage, mirrored key by key in params.yaml.

Each accepts None (defaults), a dict (from params.yaml) or an instance;
an unknown key or an out-of-range value is a SettingsError naming it.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import yaml

from core.errors import SettingsError


class _Validated:
    @classmethod
    def build(cls, value=None):
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            raise SettingsError(f"{cls.__name__}: expected a mapping, got {type(value).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise SettingsError(f"{cls.__name__}: unknown key(s) {unknown}; known: {sorted(known)}")
        return cls(**value)

    def _positive(self, *names: str) -> None:
        for n in names:
            v = getattr(self, n)
            if not isinstance(v, (int, float)) or v <= 0:
                raise SettingsError(f"{type(self).__name__}.{n} must be a positive number, got {v!r}")


@dataclass
class ReadSettings(_Validated):
    """Stage `read`: PDF pages → ruled-table grids."""
    engine: str = "pdfium"  # pdfium (fast) | pdfplumber (independent second reading)
    max_rule_thickness: float = 2.5  # pt: a filled shape thinner than this is a rule
    min_rule_length: float = 2.0  # pt
    snap_tolerance: float = 1.5  # pt: rule positions closer than this are the same line
    join_tolerance: float = 2.0  # pt: collinear segments with a gap up to this are joined
    cell_inset: float = 1.0  # pt: text is read this far inside the cell's rules
    min_columns: int = 4  # fewer ruled columns than this is not a plan table
    # Scanned pages (extractors/ocr.py). A page goes through OCR when it has no usable text layer
    # (no characters but an image, or garbage: see extractors/ocr_route.py).
    ocr: str = "auto"  # off (such a page is an error) | auto (OCR such pages) | force (OCR every page)
    ocr_dpi: int = 300  # render scanned pages at this resolution for ruling lines and Tesseract
    ocr_lang: str = "vie"  # Tesseract model(s), e.g. "vie" or "vie+eng"
    ocr_workers: int = 2  # pages read at once (threads, one tesseract process each); 0 = one per core
    ocr_line_scale: float = 40.0  # shortest ruling line found in an image = shorter page side / this
    ocr_correct: bool = True  # Vietnamese post-correction of OCR text (normalizers/ocr_correct.py)
    max_render_pixels: int = 40_000_000  # a page is rendered at a lower dpi (with a warning) rather than larger

    def __post_init__(self):
        if self.engine not in {"pdfium", "pdfplumber"}:
            raise SettingsError(f"ReadSettings.engine must be pdfium|pdfplumber, got {self.engine!r}")
        self._positive("max_rule_thickness", "min_rule_length", "snap_tolerance", "join_tolerance", "min_columns")
        if self.cell_inset < 0:
            raise SettingsError(f"ReadSettings.cell_inset must be >= 0, got {self.cell_inset!r}")
        if self.ocr not in {"off", "auto", "force"}:
            raise SettingsError(f"ReadSettings.ocr must be off|auto|force, got {self.ocr!r}")
        if not isinstance(self.ocr_dpi, int) or isinstance(self.ocr_dpi, bool) or not 100 <= self.ocr_dpi <= 600:
            raise SettingsError(f"ReadSettings.ocr_dpi must be a whole number from 100 to 600, got {self.ocr_dpi!r}")
        if not isinstance(self.ocr_lang, str) or not re.fullmatch(r"[A-Za-z_]+(\+[A-Za-z_]+)*", self.ocr_lang):
            raise SettingsError(f"ReadSettings.ocr_lang must be Tesseract model names joined by '+', got {self.ocr_lang!r}")
        if not isinstance(self.ocr_workers, int) or isinstance(self.ocr_workers, bool) or not 0 <= self.ocr_workers <= 64:
            raise SettingsError(f"ReadSettings.ocr_workers must be a whole number from 0 to 64, got {self.ocr_workers!r}")
        self._positive("ocr_line_scale")
        if not isinstance(self.ocr_correct, bool):
            raise SettingsError(f"ReadSettings.ocr_correct must be true or false, got {self.ocr_correct!r}")


@dataclass
class LocateSettings(_Validated):
    """Stage `locate`: find task tables by their header; map columns to roles by label and content."""
    min_similarity: float = 86.0  # rapidfuzz ratio (0-100) for a header word to match the vocabulary (OCR damage)
    min_fields: int = 2  # a header must map at least this many roles
    required_fields: list[str] = field(default_factory=lambda: ["task"])  # roles a task table must have
    max_header_rows: int = 3  # header may be stacked over this many grid rows
    column_tolerance: float = 4.0  # pt: a page without header continues the table if its columns match
    required_any: list[str] = field(default_factory=lambda: ["lead", "deadline"])  # ... and at least one of these
    # More words, without code (core/data/table_vocabulary.yaml has the packaged ones):
    extra_head_words: dict[str, list[str]] = field(default_factory=dict)  # role (or "extra") → head phrases, tried first
    extra_labels: dict[str, list[str]] = field(default_factory=dict)  # role → whole labels
    extra_agency_heads: list[str] = field(default_factory=list)  # first words of a body's or person's name
    content_min_share: float = 0.6  # share of a column's cells that must fit a role to map it by content
    content_sample_rows: int = 20  # cells per column looked at for content evidence
    min_column_overlap: float = 0.6  # a continuation page's column must cover this share of the role's width
    spacer_width: float = 8.0  # pt: narrower grid columns are spacers (boundaries from other rows' rules)
    max_label_words: int = 12  # a header cell with more words is data, not a label

    def __post_init__(self):
        from core.vocabulary import check_roles

        self._positive("min_similarity", "min_fields", "max_header_rows", "column_tolerance", "content_sample_rows",
                       "spacer_width", "max_label_words")
        if self.min_similarity > 100:
            raise SettingsError(f"LocateSettings.min_similarity must be <= 100, got {self.min_similarity!r}")
        for name in ("content_min_share", "min_column_overlap"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not 0 < v <= 1:
                raise SettingsError(f"LocateSettings.{name} must be a share in (0, 1], got {v!r}")
        words = {"extra_head_words": self.extra_head_words, "extra_labels": self.extra_labels}
        for name, value in words.items():
            if not isinstance(value, dict) or not all(isinstance(v, list) and all(isinstance(w, str) for w in v)
                                                      for v in value.values()):
                raise SettingsError(f"LocateSettings.{name} must map roles to lists of words, got {value!r}")
        if not isinstance(self.extra_agency_heads, list) or not all(isinstance(w, str) for w in self.extra_agency_heads):
            raise SettingsError(f"LocateSettings.extra_agency_heads must be a list of words, got {self.extra_agency_heads!r}")
        try:
            check_roles(self.required_fields, "LocateSettings.required_fields")
            check_roles(self.required_any, "LocateSettings.required_any")
            check_roles(self.extra_head_words, "LocateSettings.extra_head_words")
            check_roles(set(self.extra_labels) - {"extra"}, "LocateSettings.extra_labels")
            if "extra" in self.extra_labels:
                raise ValueError("LocateSettings.extra_labels: whole labels name a role, not 'extra' (use extra_head_words)")
        except ValueError as e:
            raise SettingsError(str(e)) from None


@dataclass
class StitchSettings(_Validated):
    """Stage `stitch`: page-break decisions and merged-cell fill-down."""
    threshold: float = 0.0  # evidence score above this → the first row continues the row above
    use_word_segmentation: bool = True  # underthesea: does the join form one word ("Thường" + "xuyên")?
    word_segmentation_margin: float = 3.0  # consult word segmentation only when |score| is below this
    gap_lines_new_row: float = 1.5  # table ends this many text lines above the page's lowest table bottom → row ended

    def __post_init__(self):
        self._positive("gap_lines_new_row", "word_segmentation_margin")


@dataclass
class NormalizeSettings(_Validated):
    """Stage `normalize`: agencies against the registry, deadlines through the grammar."""
    agency_min_score: float = 88.0  # rapidfuzz score (0-100) a mention needs to match a registry name fuzzily

    def __post_init__(self):
        self._positive("agency_min_score")
        if self.agency_min_score > 100:
            raise SettingsError(f"NormalizeSettings.agency_min_score must be <= 100, got {self.agency_min_score!r}")


@dataclass
class WriteSettings(_Validated):
    """Stage `write`: Parquet output."""
    compression: str = "zstd"

    def __post_init__(self):
        if self.compression not in {"zstd", "snappy", "gzip", "none"}:
            raise SettingsError(f"WriteSettings.compression must be zstd|snappy|gzip|none, got {self.compression!r}")


@dataclass
class BatchSettings(_Validated):
    """`python -m pipeline batch`: worker pool, per-document limits, combined dataset.

    Not part of what an extraction depends on: changing these never re-extracts an unchanged PDF
    (except that earlier failures are retried when a limit changes)."""
    workers: int = 0  # worker processes; 0 = one per CPU core
    executor: str = "local"  # local (process pool of our own) | dask (distributed; --scheduler ADDRESS)
    scheduler: str = ""  # dask scheduler address; empty = a LocalCluster with `workers` workers
    max_seconds_per_document: float = 300.0  # wall-clock; the worker process is killed after this
    max_memory_mb_per_document: int = 2048  # address space a worker may add on top of its start size (RLIMIT_AS)
    max_pages: int = 2000  # a PDF with more pages is recorded as failed without being read
    prune: bool = True  # remove OUT/<stem>/ of PDFs no longer in the input folder
    dataset: bool = True  # rebuild OUT/dataset/<table>/province=…/plan_year=…/ after the batch

    def __post_init__(self):
        if not isinstance(self.workers, int) or isinstance(self.workers, bool) or self.workers < 0:
            raise SettingsError(f"BatchSettings.workers must be an integer >= 0, got {self.workers!r}")
        if self.executor not in {"local", "dask"}:
            raise SettingsError(f"BatchSettings.executor must be local|dask, got {self.executor!r}")
        if not isinstance(self.scheduler, str):
            raise SettingsError(f"BatchSettings.scheduler must be a string, got {self.scheduler!r}")
        self._positive("max_seconds_per_document", "max_memory_mb_per_document", "max_pages")


@dataclass
class Settings:
    read: ReadSettings = field(default_factory=ReadSettings)
    locate: LocateSettings = field(default_factory=LocateSettings)
    stitch: StitchSettings = field(default_factory=StitchSettings)
    normalize: NormalizeSettings = field(default_factory=NormalizeSettings)
    write: WriteSettings = field(default_factory=WriteSettings)
    batch: BatchSettings = field(default_factory=BatchSettings)

    @classmethod
    def build(cls, value: dict | None = None) -> Settings:
        value = value or {}
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise SettingsError(f"params: unknown stage(s) {unknown}; known: {sorted(known)}")
        parts = {name: f.default_factory().build(value.get(name)) for name, f in known.items()}  # type: ignore[misc]
        return cls(**parts)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Settings:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls.build(data)

    def as_dict(self) -> dict:
        return asdict(self)
