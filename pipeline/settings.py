"""One validated settings model per stage (pydantic v2), mirrored key by key in params.yaml.

Strict: an unknown key, a value of the wrong type (`"no"` for a boolean, `2.5` for a whole number,
`high` for a number), a value out of range or not among the allowed words is a SettingsError whose
message is ONE line naming every bad key. The CLI checks the settings before it reads any document
or touches OUT, so a bad params.yaml never costs an earlier result.

Each stage model accepts None (defaults), a dict (from params.yaml) or an instance: `ReadSettings.build(x)`.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from core.errors import SettingsError
from core.records import FIELDS
from core.vocabulary import EXTRA, ROLES

Positive = Annotated[float, Field(gt=0)]
Score = Annotated[float, Field(gt=0, le=100)]  # a rapidfuzz score
Share = Annotated[float, Field(gt=0, le=1)]


def _ocr_lang(v: str) -> str:
    if not re.fullmatch(r"[A-Za-z_]+(\+[A-Za-z_]+)*", v):
        raise ValueError("must be Tesseract model names joined by '+', e.g. vie or vie+eng")
    return v


def _fields(v: list[str]) -> list[str]:
    unknown = [f for f in v if f not in FIELDS]
    if unknown:
        raise ValueError(f"unknown field name(s) {unknown}; fields: {', '.join(FIELDS)}")
    return v


def _roles(v: dict[str, list[str]]) -> dict[str, list[str]]:
    unknown = sorted(set(v) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; roles: {', '.join(ROLES)} (whole labels name a role, not 'extra')")
    return v


def _roles_or_extra(v: dict[str, list[str]]) -> dict[str, list[str]]:
    unknown = sorted(set(v) - set(ROLES) - {EXTRA})
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; roles: {', '.join((*ROLES, EXTRA))}")
    return v


def _one_line(model: str, err: ValidationError) -> str:
    parts = []
    for e in err.errors(include_url=False):
        where = ".".join(str(x) for x in (model, *e["loc"]))
        msg = e["msg"].replace("Value error, ", "")
        if e["type"] == "extra_forbidden":
            parts.append(f"{where}: unknown key")
        elif e["type"] == "model_type" or e["type"] == "dict_type":
            parts.append(f"{where}: expected a mapping, got {type(e['input']).__name__}")
        else:
            parts.append(f"{where}: {msg} (got {e['input']!r})")
    return "; ".join(parts)


class _Stage(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True, frozen=False)

    @classmethod
    def build(cls, value: Any = None, name: str | None = None):
        """`name`: how messages call this stage (its params.yaml key; default the class name)."""
        name = name or cls.__name__
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            raise SettingsError(f"{name}: expected a mapping, got {type(value).__name__}")
        try:
            return cls.model_validate(value)
        except ValidationError as e:
            known = ", ".join(cls.model_fields)
            msg = _one_line(name, e)
            raise SettingsError(msg + (f" (known keys: {known})" if "unknown key" in msg else "")) from None

    def replace(self, **changes: Any):
        """A copy with some values changed, validated like a params file (SettingsError when bad)."""
        return type(self).build({**self.model_dump(), **changes})


class ReadSettings(_Stage):
    """Stage `read`: PDF pages → ruled-table grids."""
    engine: Literal["pdfium", "pdfplumber"] = "pdfium"  # pdfium (fast) | pdfplumber (independent second reading)
    max_rule_thickness: Positive = 2.5  # pt: a filled shape thinner than this is a rule
    min_rule_length: Positive = 2.0  # pt
    snap_tolerance: Positive = 1.5  # pt: rule positions closer than this are the same line
    join_tolerance: Positive = 2.0  # pt: collinear segments with a gap up to this are joined
    cell_inset: Annotated[float, Field(ge=0)] = 1.0  # pt: text is read this far inside the cell's rules
    min_columns: Annotated[int, Field(gt=0)] = 2  # fewer ruled columns are not read (locate tells task tables)
    # Scanned pages (extractors/ocr.py). A page goes through OCR when it has no usable text layer
    # (no characters but an image, or garbage: see extractors/ocr_route.py).
    ocr: Literal["off", "auto", "force"] = "auto"  # off (such a page is an error) | auto | force (every page)
    ocr_dpi: Annotated[int, Field(ge=100, le=600)] = 300  # render scanned pages at this resolution
    ocr_lang: Annotated[str, AfterValidator(_ocr_lang)] = "vie"  # Tesseract model(s), e.g. "vie" or "vie+eng"
    ocr_workers: Annotated[int, Field(ge=0, le=64)] = 2  # pages read at once (threads); 0 = one per core
    ocr_line_scale: Positive = 40.0  # shortest ruling line found in an image = shorter page side / this
    # A scanned rule is noisier than a drawn one: a faint or doubled rule is seen as two edges a point or
    # two apart, a photocopied one has gaps. No cell is this thin / no cell border breaks this long.
    ocr_snap_tolerance: Positive = 3.0  # pt: on scanned pages, rules closer than this are one line
    ocr_join_tolerance: Positive = 8.0  # pt: on scanned pages, collinear pieces with a gap up to this are joined
    ocr_correct: bool = True  # Vietnamese post-correction of OCR text (normalizers/ocr_correct.py)
    max_render_pixels: Annotated[int, Field(ge=1_000_000)] = 40_000_000  # larger pages: rendered at a lower dpi, a warning


class LocateSettings(_Stage):
    """Stage `locate`: find task tables by their header; map columns to roles by label and content."""
    min_similarity: Score = 86.0  # rapidfuzz ratio (0-100) for a header word to match the vocabulary (OCR damage)
    min_fields: Annotated[int, Field(gt=0)] = 2  # a header must map at least this many roles
    required_fields: Annotated[list[str], AfterValidator(_fields)] = Field(default_factory=lambda: ["task"])
    max_header_rows: Annotated[int, Field(gt=0)] = 3  # header may be stacked over this many grid rows
    column_tolerance: Positive = 4.0  # pt: a page without header continues the table if its columns match
    # ... and at least one of these roles
    required_any: Annotated[list[str], AfterValidator(_fields)] = Field(default_factory=lambda: ["lead", "deadline", "output"])
    # More words, without code (core/data/table_vocabulary.yaml has the packaged ones):
    extra_head_words: Annotated[dict[str, list[str]], AfterValidator(_roles_or_extra)] = Field(default_factory=dict)
    extra_labels: Annotated[dict[str, list[str]], AfterValidator(_roles)] = Field(default_factory=dict)  # whole labels
    extra_agency_heads: list[str] = Field(default_factory=list)  # first words of a body's or person's name
    content_min_share: Share = 0.6  # share of a column's cells that must fit a role to map it by content
    content_sample_rows: Annotated[int, Field(gt=0)] = 20  # cells per column looked at for content evidence
    min_column_overlap: Share = 0.6  # a continuation page's column must cover this share of the role's width
    spacer_width: Positive = 8.0  # pt: narrower grid columns are spacers (boundaries from other rows' rules)
    max_label_words: Annotated[int, Field(gt=0)] = 12  # a header cell with more words is data, not a label


class StitchSettings(_Stage):
    """Stage `stitch`: page-break decisions and merged-cell fill-down."""
    threshold: float = 0.0  # evidence score above this → the first row continues the row above
    use_word_segmentation: bool = True  # underthesea: does the join form one word ("Thường" + "xuyên")?
    word_segmentation_margin: Positive = 3.0  # consult word segmentation only when |score| is below this
    gap_lines_new_row: Positive = 1.5  # table ends this many text lines above the page's lowest table bottom → row ended


class NormalizeSettings(_Stage):
    """Stage `normalize`: agencies against the registry, deadlines through the grammar."""
    agency_min_score: Score = 88.0  # rapidfuzz score (0-100) a mention needs to match a registry name fuzzily


class WriteSettings(_Stage):
    """Stage `write`: Parquet output."""
    compression: Literal["zstd", "snappy", "gzip", "none"] = "zstd"


class BatchSettings(_Stage):
    """`python -m pipeline batch`: worker pool, per-document limits, combined dataset.

    Not part of what an extraction depends on: changing these never re-extracts an unchanged PDF
    (except that earlier failures are retried when a limit changes)."""
    workers: Annotated[int, Field(ge=0, le=256)] = 0  # worker processes; 0 = one per CPU core
    executor: Literal["local", "dask"] = "local"  # local (process pool of our own) | dask (--scheduler ADDRESS)
    scheduler: str = ""  # dask scheduler address; empty = a LocalCluster with `workers` workers
    max_seconds_per_document: Positive = 300.0  # wall-clock; the worker process is killed after this
    max_memory_mb_per_document: Annotated[int, Field(gt=0)] = 2048  # address space a worker may add (RLIMIT_AS)
    max_pages: Annotated[int, Field(gt=0)] = 2000  # a PDF with more pages is recorded as failed without being read
    prune: bool = True  # remove OUT/<doc>/ of PDFs this input folder once produced and no longer holds
    dataset: bool = True  # rebuild OUT/dataset/<table>/province=…/plan_year=…/ after the batch
    # after a batch, remove the OCR readings in OUT/.cache/ocr that no extract under OUT was made from
    prune_cache: bool = True


_STAGES: dict[str, type[_Stage]] = {"read": ReadSettings, "locate": LocateSettings, "stitch": StitchSettings,
                                    "normalize": NormalizeSettings, "write": WriteSettings, "batch": BatchSettings}


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    read: ReadSettings = Field(default_factory=ReadSettings)
    locate: LocateSettings = Field(default_factory=LocateSettings)
    stitch: StitchSettings = Field(default_factory=StitchSettings)
    normalize: NormalizeSettings = Field(default_factory=NormalizeSettings)
    write: WriteSettings = Field(default_factory=WriteSettings)
    batch: BatchSettings = Field(default_factory=BatchSettings)

    @classmethod
    def build(cls, value: Any = None) -> Settings:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise SettingsError(f"params: expected a mapping of stages ({', '.join(_STAGES)}), "
                                f"got {type(value).__name__}")
        unknown = sorted(str(k) for k in set(value) - set(_STAGES))
        if unknown:
            raise SettingsError(f"params: unknown stage(s) {unknown}; known: {sorted(_STAGES)}")
        errors, parts = [], {}
        for name, model in _STAGES.items():
            try:
                parts[name] = model.build(value.get(name), name)
            except SettingsError as e:
                errors.append(str(e))
        if errors:
            raise SettingsError("; ".join(errors))
        return cls(**parts)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Settings:
        """Read and check a params file; every problem (missing, not UTF-8, bad YAML, not a mapping,
        bad values) is one SettingsError line."""
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as e:
            raise SettingsError(f"cannot read it: {e.strerror or e}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise SettingsError(f"not UTF-8 text (byte {e.start})") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            problem = getattr(e, "problem", None) or str(e).splitlines()[0]
            raise SettingsError(f"YAML syntax error{where}: {problem}") from None
        return cls.build(data)

    def as_dict(self) -> dict:
        return self.model_dump(mode="json")
