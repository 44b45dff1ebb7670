"""Stage `write`: Parquet files, all or nothing, in a folder marked as ours.

Tables are written into a hidden temporary folder beside the target and moved into place only when every
file is complete (pipeline/folders.py: atomic_folder), so a crash never leaves a half-written document
folder behind, and a folder this tool did not write is never replaced. The folder's `.vnplan` marker
records the source PDF (for prune), every file's size and hash (checked before a batch skips it) and one
fingerprint per stage group (which settings the result depends on).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.assemble import Extraction
from pipeline.folders import atomic_folder, recorded_source, safe_name

__all__ = ["atomic_folder", "extraction_to_arrow", "stage_fingerprints", "write_extraction"]  # atomic_folder: as before
from pipeline.schemas import SCHEMA_VERSION, TABLES

# Which settings each part of the work depends on. OCR text (the expensive part) depends only on `read`
# and is cached by page image (pipeline/ocr_cache.py), so a change in `normalize` re-runs only cheap work.
# Every stage not named here (read, locate, stitch, and any stage added later) is in the "read" group.
LATER_GROUPS = {"normalize": ("normalize",), "write": ("write",)}
NOT_EXTRACTION = ("batch",)


def stage_fingerprints(settings: dict) -> dict[str, str]:
    """One short hash per stage group of a settings dict (Settings.as_dict(); `batch` ignored)."""
    later = {s for stages in LATER_GROUPS.values() for s in stages}
    groups = {"read": tuple(sorted(s for s in settings if s not in later and s not in NOT_EXTRACTION)),
              **LATER_GROUPS}
    return {group: hashlib.sha256(json.dumps({s: settings.get(s) for s in stages}, sort_keys=True,
                                             ensure_ascii=False).encode()).hexdigest()[:16]
            for group, stages in groups.items()}


def _as_built(schema: pa.Schema) -> pa.Schema:
    """The schema rows are built with: timestamp columns as date32, since rows carry datetime.date values
    (pyarrow converts date → timestamp by cast, not from Python objects)."""
    return pa.schema([f.with_type(pa.date32()) if pa.types.is_timestamp(f.type) else f for f in schema])


def extraction_to_arrow(extraction: Extraction) -> dict[str, pa.Table]:
    out = {}
    for name, schema in TABLES.items():
        table = pa.Table.from_pylist(extraction.tables[name], schema=_as_built(schema)).cast(schema)
        out[name] = table.replace_schema_metadata({"schema_version": SCHEMA_VERSION, "table": name})
    return out


def write_extraction(extraction: Extraction, out_dir: str | Path, settings, source: str | Path | None = None) -> Path:
    """OUT/<safe name of doc_id>/<table>.parquet plus the `.vnplan` marker."""
    final = Path(out_dir) / safe_name(extraction.doc_id)
    compression = None if settings.compression == "none" else settings.compression
    doc = extraction.tables["document"][0] if extraction.tables.get("document") else {}
    try:
        recorded = json.loads(doc.get("settings_json") or "{}")
    except ValueError:
        recorded = {}
    meta = {"doc_id": extraction.doc_id, "source": recorded_source(source, Path(out_dir)) if source is not None else None,
            "pdf_sha256": doc.get("sha256"), "schema_version": SCHEMA_VERSION,
            "fingerprints": stage_fingerprints(recorded)}
    with atomic_folder(final, "document", meta) as tmp:
        for name, table in extraction_to_arrow(extraction).items():
            pq.write_table(table, tmp / f"{name}.parquet", compression=compression)
    return final
