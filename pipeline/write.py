"""Stage `write`: Parquet files, all or nothing.

Tables are written into a hidden temporary folder beside the target and moved
into place only when every file is complete, so a crash never leaves a
half-written document folder behind.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.assemble import Extraction
from pipeline.schemas import SCHEMA_VERSION, TABLES


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


@contextmanager
def atomic_folder(final: Path):
    """Yield a hidden temporary folder beside `final`; on success it replaces `final` whole,
    on any error it is removed and `final` is left as it was."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    try:
        yield tmp
        old = None
        if final.exists():
            old = final.parent / f".{final.name}.{os.getpid()}.old"
            final.rename(old)
        tmp.rename(final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_extraction(extraction: Extraction, out_dir: str | Path, settings) -> Path:
    final = Path(out_dir) / extraction.doc_id
    compression = None if settings.compression == "none" else settings.compression
    with atomic_folder(final) as tmp:
        for name, table in extraction_to_arrow(extraction).items():
            pq.write_table(table, tmp / f"{name}.parquet", compression=compression)
    return final
