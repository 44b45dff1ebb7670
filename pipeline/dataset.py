"""The combined dataset: every document's tables in one hive-partitioned tree, for loading all years at once.

    OUT/dataset/<table>/province=<province>/plan_year=<year>/<doc_id>.parquet   (activities, tasks,
                                                                                stitches, activity_agencies,
                                                                                document)
    OUT/dataset/agencies/agencies.parquet      the registry, once (rows of every document, de-duplicated)

Built from the per-document folders OUT/<stem>/ (those whose files carry the current schema version), so it
always matches them: a rebuild is hard links (or copies) of the per-document files, plus a rewrite of
document.parquet without its province and plan_year columns (they come back from the partition path, as
hive readers expect). A null province or plan year goes to `__HIVE_DEFAULT_PARTITION__`, which pyarrow,
pandas, polars and DuckDB read back as null. Partition values are written as printed (NFC, e.g.
`province=Hưng Yên`); only `/ \\ % = : ? * " < > |` and control characters are %-encoded.
Written into a hidden temporary folder and renamed into place: readers see the old tree or the new one.

    pd.read_parquet("OUT/dataset/activities")
    duckdb: SELECT * FROM read_parquet('OUT/dataset/activities/**/*.parquet', hive_partitioning = true)
    polars: pl.scan_parquet("OUT/dataset/activities/**/*.parquet", hive_partitioning=True)
"""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.folders import atomic_folder, is_ours
from pipeline.schemas import SCHEMA_VERSION, TABLES

DATASET_DIR = "dataset"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
PARTITION_KEYS = ("province", "plan_year")
_UNSAFE = set('/\\%=:?*"<>|')
log = logging.getLogger(__name__)


def partition_value(value) -> str:
    if value is None or value == "":
        return NULL_PARTITION
    return "".join(f"%{ord(c):02X}" if c in _UNSAFE or ord(c) < 32 else c for c in str(value))


def dataset_schema(name: str) -> pa.Schema:
    """The schema of every file of one table in the dataset (partition keys left to the path)."""
    schema = TABLES[name]
    if name == "document":
        schema = pa.schema([f for f in schema if f.name not in PARTITION_KEYS])
    return schema.with_metadata({"schema_version": SCHEMA_VERSION, "table": name})


def document_folders(out: Path) -> list[Path]:
    """Per-document folders with a complete extract of the current schema version, by name."""
    folders = []
    for d in sorted(out.iterdir()):
        if not d.is_dir() or d.name.startswith(".") or d.name == DATASET_DIR or not is_ours(d, "document"):
            continue
        if not all((d / f"{t}.parquet").is_file() for t in TABLES):
            continue
        meta = pq.read_schema(d / "document.parquet").metadata or {}
        if meta.get(b"schema_version") != SCHEMA_VERSION.encode():
            log.warning("dataset: left out %s: schema version %r, not %r (extract it again)",
                        d.name, meta.get(b"schema_version"), SCHEMA_VERSION)
            continue
        folders.append(d)
    return folders


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)  # per-document files are replaced by rename, never rewritten in place
    except OSError:
        shutil.copyfile(src, dst)


def build_dataset(out: str | Path, compression: str = "zstd") -> Path:
    out = Path(out)
    final = out / DATASET_DIR
    comp = None if compression == "none" else compression
    with atomic_folder(final, "dataset", hash_files=False) as tmp:
        agencies: dict[tuple, dict] = {}
        for d in document_folders(out):
            doc = pq.read_table(d / "document.parquet")
            row = doc.slice(0, 1).to_pylist()[0]
            part = f"province={partition_value(row['province'])}/plan_year={partition_value(row['plan_year'])}"
            for name in TABLES:
                if name == "agencies":
                    for a in pq.read_table(d / "agencies.parquet").to_pylist():
                        agencies.setdefault((a["agency_id"], a["registry_version"]), a)
                    continue
                target = tmp / name / part / f"{d.name}.parquet"
                target.parent.mkdir(parents=True, exist_ok=True)
                if name == "document":
                    table = doc.select([f.name for f in dataset_schema(name)]).cast(dataset_schema(name))
                    pq.write_table(table, target, compression=comp)
                else:
                    _link_or_copy(d / f"{name}.parquet", target)
        (tmp / "agencies").mkdir()
        rows = [agencies[k] for k in sorted(agencies)]
        pq.write_table(pa.Table.from_pylist(rows, schema=dataset_schema("agencies")),
                       tmp / "agencies" / "agencies.parquet", compression=comp)
        for name in TABLES:  # an empty batch still gives every table's folder
            (tmp / name).mkdir(exist_ok=True)
    return final
