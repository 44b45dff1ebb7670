"""The combined dataset: every plan's tables in one tree, for loading all years at once, each plan once.

    OUT/dataset/<table>/<province>/<plan_year>/<doc_id>.parquet   (activities, tasks, stitches,
                                                                  activity_agencies, document, …)
    OUT/dataset/agencies/agencies.parquet      the registry, once (rows of every document, de-duplicated)
    OUT/dataset/duplicates.parquet             documents left out because another one is the same plan

Built from the per-document folders OUT/<stem>/ (those whose files carry the current schema version), so it
always matches them. Every file holds its own `province` and `plan_year` columns (string, int32), so a file
read alone still says where it belongs and pandas, pyarrow, polars and DuckDB read the same types without
partition inference. The folders are named by value but not `key=value`: with hive names pyarrow (and so
pandas) would infer a second, dictionary-typed `province` from the path and refuse to merge it with the
column in the file. Filters on province / plan_year still skip files through the Parquet statistics.
A null province or plan year goes to the folder `unknown`. Folder names are the values as printed (NFC,
e.g. `Hưng Yên`); only `/ \\ % = : ? * " < > |` and control characters are %-encoded.

One plan, once: documents are grouped by their plan identity (`plan_identity`: issuing body, number, issue
date and title, folded); of each group the dataset keeps the born-digital document (no OCR pages) over a
scan, then the newest PDF (modification time of the file the batch read, from OUT/runs.parquet), then the
first by name. The others are listed in duplicates.parquet with the kept doc_id and the reason.

Written into a hidden temporary folder and renamed into place: readers see the old tree or the new one.

    pd.read_parquet("OUT/dataset/activities")
    duckdb: SELECT * FROM read_parquet('OUT/dataset/activities/**/*.parquet')
    polars: pl.scan_parquet("OUT/dataset/activities/**/*.parquet")
"""
from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from core.text import fold
from pipeline.folders import atomic_folder, is_ours
from pipeline.schemas import SCHEMA_VERSION, TABLES

DATASET_DIR = "dataset"
DUPLICATES_FILE = "duplicates.parquet"
RUNS_FILE = "runs.parquet"  # written by pipeline/batch.py; read here for the PDFs' paths
NULL_PARTITION = "unknown"
PARTITION_KEYS = ("province", "plan_year")
PARTITION_FIELDS = {
    "province": pa.field("province", pa.string(), metadata={"doc": "province of the plan (also the folder name)"}),
    "plan_year": pa.field("plan_year", pa.int32(), metadata={"doc": "plan year (also the folder name)"}),
}
PLAN_KEY_FIELD = pa.field("plan_key", pa.string(), metadata={
    "doc": "plan identity: issuing body | number | issue date | title, folded (sha256:… when none is known)"})
_UNSAFE = set('/\\%=:?*"<>|')
log = logging.getLogger(__name__)

DUPLICATES_SCHEMA = pa.schema([
    pa.field("doc_id", pa.string(), nullable=False, metadata={"doc": "the document left out of the dataset"}),
    pa.field("kept_doc_id", pa.string(), nullable=False, metadata={"doc": "the document kept for the same plan"}),
    pa.field("plan_key", pa.string(), nullable=False, metadata={"doc": "their plan identity"}),
    pa.field("reason", pa.string(), nullable=False,
             metadata={"doc": "same_bytes | scan_of_born_digital | older_copy | same_plan"}),
    pa.field("detail", pa.string(), nullable=False, metadata={"doc": "the reason as a sentence"}),
    pa.field("file_name", pa.string(), metadata={"doc": "PDF file name of the left-out document"}),
    pa.field("sha256", pa.string(), metadata={"doc": "its SHA-256"}),
    pa.field("ocr", pa.bool_(), nullable=False, metadata={"doc": "true when it was read by OCR (a scan)"}),
]).with_metadata({"schema_version": SCHEMA_VERSION, "table": "duplicates"})


def partition_value(value) -> str:
    if value is None or value == "":
        return NULL_PARTITION
    return "".join(f"%{ord(c):02X}" if c in _UNSAFE or ord(c) < 32 else c for c in str(value))


def dataset_schema(name: str) -> pa.Schema:
    """The schema of every file of one table in the dataset: the per-document schema plus the partition
    columns (and, for document, the plan identity), with the schema version in its metadata."""
    schema = TABLES[name]
    if name != "agencies":
        for key in PARTITION_KEYS:
            if key not in schema.names:
                schema = schema.append(PARTITION_FIELDS[key])
            elif schema.field(key).type != PARTITION_FIELDS[key].type:
                schema = schema.set(schema.get_field_index(key), PARTITION_FIELDS[key])
    if name == "document" and PLAN_KEY_FIELD.name not in schema.names:
        schema = schema.append(PLAN_KEY_FIELD)
    return schema.with_metadata({"schema_version": SCHEMA_VERSION, "table": name})


# ---------------------------------------------------------------- one plan, once

def _key_part(value) -> str:
    """Folded: case, tone-mark placement and spacing around punctuation do not matter."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return fold(value).replace("|", "/") if value else ""


def plan_identity(doc: dict) -> str:
    """A plan's identity from its document row: issuing body, number, issue date, title (folded, so tone-mark
    placement, case and spacing around punctuation do not matter). A document without number and title (nothing
    to tell plans apart) is only itself: its bytes. The body stage's own key (`plan_identity`, which also
    matches a scan whose number was not read) is used when the document has one."""
    if doc.get("plan_identity"):
        return f"plan:{doc['plan_identity']}"
    if not doc.get("plan_number") and not doc.get("title"):
        return f"sha256:{doc.get('sha256')}"
    return "|".join(_key_part(doc.get(k)) for k in ("issuing_body", "plan_number", "issue_date", "title"))


@dataclass(frozen=True)
class Duplicate:
    doc_id: str
    kept_doc_id: str
    plan_key: str
    reason: str  # same_bytes | scan_of_born_digital | older_copy | same_plan
    detail: str
    file_name: str | None = None
    sha256: str | None = None
    ocr: bool = False


def recorded_pdf_paths(out: Path) -> dict[str, Path]:
    """doc_id → the PDF the batch read (OUT/runs.parquet `file`, relative paths taken from the current folder)."""
    try:
        rows = pq.read_table(out / RUNS_FILE, columns=["doc_id", "file"]).to_pylist()
    except Exception:  # no batch yet (extract only), or an unreadable file: fall back to the folders
        return {}
    return {r["doc_id"]: Path(r["file"]) for r in rows if r.get("file")}


def _mtime(path: Path | None, folder: Path) -> float:
    for p in (path, folder / "document.parquet"):
        if p is not None:
            try:
                return p.stat().st_mtime
            except OSError:
                continue
    return 0.0


def _split_by_number(groups: dict[str, list]) -> dict[str, list]:
    """Documents with one identity but different printed numbers are different plans (two plans of one body,
    same day, same title); a document whose number was not read (a scan) joins the group when only one
    number is known there, and stays apart when the numbers disagree."""
    out: dict[str, list] = {}
    for key, members in groups.items():
        numbers = {_key_part(doc.get("plan_number")) for _, doc in members} - {""}
        if len(numbers) <= 1:
            out[key] = members
            continue
        for rank, doc in members:
            number = _key_part(doc.get("plan_number"))
            sub_key = f"{key}|{number}" if number else f"{key}|sha256:{doc.get('sha256')}"
            out.setdefault(sub_key, []).append((rank, doc))
    return out


def find_duplicates(out: str | Path, folders: list[Path] | None = None,
                    paths: dict[str, Path] | None = None) -> list[Duplicate]:
    """The documents of OUT that are the same plan as another one there, with the one the dataset keeps.
    `paths`: doc_id → PDF read, when the caller knows them (the batch, before it writes runs.parquet)."""
    out = Path(out)
    folders = document_folders(out) if folders is None else folders
    paths = {**recorded_pdf_paths(out), **(paths or {})}
    groups: dict[str, list[tuple[tuple, dict]]] = {}
    for d in folders:
        doc = pq.read_table(d / "document.parquet").slice(0, 1).to_pylist()[0]
        scan = bool(doc.get("ocr_pages"))
        # born-digital first, then the newest PDF, then name order (so the choice is reproducible)
        rank = (scan, -_mtime(paths.get(d.name), d), d.name)
        groups.setdefault(plan_identity(doc), []).append((rank, {**doc, "doc_id": d.name, "_scan": scan}))
    groups = _split_by_number(groups)
    dups = []
    for key, members in sorted(groups.items()):
        members.sort(key=lambda m: m[0])
        kept = members[0][1]
        for _, doc in members[1:]:
            if doc["sha256"] == kept["sha256"]:
                reason, detail = "same_bytes", f"the same PDF bytes as {kept['doc_id']}"
            elif doc["_scan"] and not kept["_scan"]:
                reason, detail = "scan_of_born_digital", f"a scan of the plan; the born-digital {kept['doc_id']} is kept"
            elif _mtime(paths.get(doc["doc_id"]), out / doc["doc_id"]) < _mtime(paths.get(kept["doc_id"]), out / kept["doc_id"]):
                reason, detail = "older_copy", f"an older file of the plan; the newer {kept['doc_id']} is kept"
            else:
                reason, detail = "same_plan", f"the same plan as {kept['doc_id']} (kept: first by name)"
            dups.append(Duplicate(doc["doc_id"], kept["doc_id"], key, reason,
                                  f"{doc['doc_id']} is {detail} ({doc.get('plan_number') or 'no number'})",
                                  doc.get("file_name"), doc.get("sha256"), doc["_scan"]))
    return sorted(dups, key=lambda x: x.doc_id)


def duplicates_table(dups: list[Duplicate]) -> pa.Table:
    rows = [dict(doc_id=d.doc_id, kept_doc_id=d.kept_doc_id, plan_key=d.plan_key, reason=d.reason, detail=d.detail,
                 file_name=d.file_name, sha256=d.sha256, ocr=d.ocr) for d in dups]
    return pa.Table.from_pylist(rows, schema=DUPLICATES_SCHEMA)


# ---------------------------------------------------------------- the tree

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


def _with_partition(table: pa.Table, name: str, doc: dict) -> pa.Table:
    """One document's table with the dataset's schema: partition columns (and plan_key) filled from its
    document row, columns in the dataset's order and types."""
    schema = dataset_schema(name)
    n = table.num_rows
    values = {"province": doc.get("province"), "plan_year": doc.get("plan_year"), "plan_key": plan_identity(doc)}
    for f in schema:
        if f.name not in table.column_names:
            table = table.append_column(f.name, pa.array([values[f.name]] * n, type=f.type))
    return table.select(schema.names).cast(schema)


def build_dataset(out: str | Path, compression: str = "zstd", duplicates: list[Duplicate] | None = None,
                  log: Callable[[str], None] = log.warning) -> Path:
    """Rebuild OUT/dataset/ from the per-document folders; one line through `log` per duplicate left out.
    `duplicates`: the result of find_duplicates(out) when the caller already has it (e.g. for runs.parquet)."""
    out = Path(out)
    final = out / DATASET_DIR
    comp = None if compression == "none" else compression
    folders = document_folders(out)
    dups = find_duplicates(out, folders) if duplicates is None else duplicates
    left_out = {d.doc_id for d in dups}
    for dup in dups:
        log(f"duplicate {dup.detail}: left out of {final}")
    with atomic_folder(final, "dataset", hash_files=False) as tmp:
        agencies: dict[tuple, dict] = {}
        for d in folders:
            if d.name in left_out:
                continue
            doc = pq.read_table(d / "document.parquet").slice(0, 1).to_pylist()[0]
            part = Path(partition_value(doc.get("province")), partition_value(doc.get("plan_year")))
            for name in TABLES:
                if name == "agencies":
                    for a in pq.read_table(d / "agencies.parquet").to_pylist():
                        agencies.setdefault((a["agency_id"], a["registry_version"]), a)
                    continue
                target = tmp / name / part / f"{d.name}.parquet"
                target.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(_with_partition(pq.read_table(d / f"{name}.parquet"), name, doc), target,
                               compression=comp)
        (tmp / "agencies").mkdir()
        rows = [agencies[k] for k in sorted(agencies)]
        pq.write_table(pa.Table.from_pylist(rows, schema=dataset_schema("agencies")),
                       tmp / "agencies" / "agencies.parquet", compression=comp)
        pq.write_table(duplicates_table(dups), tmp / DUPLICATES_FILE, compression=comp)
        for name in TABLES:  # an empty batch still gives every table's folder
            (tmp / name).mkdir(exist_ok=True)
    return final


def _main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m pipeline.dataset", description="rebuild OUT/dataset/ from OUT/<stem>/")
    p.add_argument("out", help="the batch's output folder (data/processed)")
    p.add_argument("--compression", default="zstd")
    args = p.parse_args(argv)
    print(build_dataset(args.out, args.compression))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
