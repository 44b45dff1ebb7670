"""Run figures for DVC: `python -m pipeline.metrics data/processed --out data/metrics`.

    data/metrics/metrics.json                 documents, activities, unmatched mentions, unknown deadlines,
                                              needs-review rows, … (`dvc metrics show`, `dvc metrics diff`)
    data/metrics/deadlines_per_quarter.csv    activities due per quarter, by deadline_end (`dvc plots show`)

Read from OUT/dataset/ (each plan once, see pipeline/dataset.py), or from the per-document folders when there
is no dataset (output of `extract`). Only what the files hold: a column this version does not write yet
(`needs_review`, `status`, …) gives no figure rather than a zero. No timings: the same extraction gives the
same bytes, so a re-run that changes nothing leaves git clean.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.schemas import TABLES

DATASET_DIR = "dataset"
METRICS_FILE = "metrics.json"
PLOT_FILE = "deadlines_per_quarter.csv"
# per-document counters of document.parquet summed over the dataset (those the schema has)
DOCUMENT_SUMS = ("section_count", "task_count", "activity_count", "mentions_matched", "mentions_unmatched",
                 "deadlines_parsed", "deadlines_unknown")


def is_review_flag(column: str, typ: pa.DataType) -> bool:
    """Boolean "look at this row" columns, counted where a table has them: needs_review and any *repaired*
    column (the review report lists the same rows)."""
    return pa.types.is_boolean(typ) and (column == "needs_review" or "repaired" in column)


def _files(processed: Path, table: str) -> list[Path]:
    tree = processed / DATASET_DIR / table
    if (processed / DATASET_DIR).is_dir():
        return sorted(tree.rglob("*.parquet")) if tree.is_dir() else []
    return sorted(p for p in processed.glob(f"*/{table}.parquet") if not p.parent.name.startswith("."))


def read_table(processed: str | Path, table: str) -> pa.Table:
    """One table over every plan (dataset first, else the document folders); an empty table when there is none."""
    files = _files(Path(processed), table)
    if not files:
        return TABLES[table].empty_table()
    parts = [pq.read_table(f) for f in files]
    return pa.concat_tables(parts, promote_options="permissive")


def _count_true(table: pa.Table, column: str) -> int:
    return int(pc.sum(pc.cast(pc.fill_null(table[column], False), pa.int64())).as_py() or 0)


def compute_metrics(processed: str | Path) -> dict:
    processed = Path(processed)
    doc = read_table(processed, "document")
    acts = read_table(processed, "activities")
    m: dict = {"documents": doc.num_rows, "activities": acts.num_rows}
    for col in DOCUMENT_SUMS:
        if col in doc.column_names:
            m[col] = int(pc.sum(doc[col]).as_py() or 0)
    if "ocr_pages" in doc.column_names:
        m["documents_ocr"] = int(pc.sum(pc.greater(pc.list_value_length(doc["ocr_pages"]), 0)).as_py() or 0)
    if "status" in doc.column_names:
        for vc in pc.value_counts(doc["status"]).to_pylist():
            m[f"documents_{vc['values']}"] = vc["counts"]
    dups = processed / DATASET_DIR / "duplicates.parquet"
    if dups.is_file():
        m["duplicates"] = pq.read_metadata(dups).num_rows
    review: dict[str, int] = {}
    for table in ("activities", "tasks", "stitches", "activity_agencies", "sections"):
        t = acts if table == "activities" else read_table(processed, table)
        for f in t.schema:
            if is_review_flag(f.name, f.type):
                review[f"{table}.{f.name}"] = _count_true(t, f.name)
    if review:
        m["needs_review_rows"] = sum(n for k, n in review.items() if k.endswith("needs_review"))
        m["review"] = review
    return m


def deadlines_per_quarter(processed: str | Path) -> list[dict]:
    """[{quarter: "2022Q2", activities: n}] of activities by the quarter of deadline_end, in time order."""
    acts = read_table(processed, "activities")
    counts: dict[str, int] = {}
    for end in acts["deadline_end"].to_pylist() if "deadline_end" in acts.column_names else []:
        if end is not None:
            key = f"{end.year}Q{(end.month - 1) // 3 + 1}"
            counts[key] = counts.get(key, 0) + 1
    return [{"quarter": q, "activities": counts[q]} for q in sorted(counts)]


def write_metrics(processed: str | Path, out: str | Path) -> tuple[Path, Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    metrics = out / METRICS_FILE
    tmp = metrics.with_name(metrics.name + ".tmp")
    tmp.write_text(json.dumps(compute_metrics(processed), indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                   encoding="utf-8")
    tmp.replace(metrics)
    plot = out / PLOT_FILE
    tmp = plot.with_name(plot.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["quarter", "activities"], lineterminator="\n")
        w.writeheader()
        w.writerows(deadlines_per_quarter(processed))
    tmp.replace(plot)
    return metrics, plot


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.metrics", description=__doc__.splitlines()[0])
    p.add_argument("processed", help="the batch's output folder (data/processed)")
    p.add_argument("--out", default="data/metrics", help="folder for metrics.json and deadlines_per_quarter.csv")
    args = p.parse_args(argv)
    if not Path(args.processed).is_dir():
        print(f"error: {args.processed} is not a folder", file=sys.stderr)
        return 2
    metrics, plot = write_metrics(args.processed, args.out)
    print(f"metrics {metrics}, plot {plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
