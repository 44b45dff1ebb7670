"""Stage `assemble`: the stitched logical table → output rows, one list per Parquet table."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from core.numbering import TASK, parse_stt
from core.records import ACTIVITY_FIELDS, Decision, PageGrid, PageRoute, PageTable, StitchDecision, StitchedTable
from pipeline import __version__
from pipeline.completeness import unplaced_rows
from pipeline.numbering_repair import NumberingResult
from pipeline.ocr_review import document_counts, repair_records, review_columns, review_rows, unplaced_records


@dataclass
class Extraction:
    doc_id: str
    tables: dict[str, list[dict]]  # table name (see schemas.TABLES) -> rows

    def count(self, table: str) -> int:
        return len(self.tables[table])


def _task_no(stt: str) -> int | None:
    n = parse_stt(stt or "")
    return n.value if n is not None and n.level == TASK else None


def _has_content(row) -> bool:
    return any(row.text(n) for n in ACTIVITY_FIELDS) or any(c.text() for c in row.extra.values())


def activity_rows(task, parents: set[int]) -> list:
    """A task's activity rows. A task printed as a heading over its sub-tasks ("1. Cải cách thể chế" over
    "1.1", "1.2"; `parents` holds the ids of such tasks) has a row with nothing in its activity cells:
    that row is not an activity."""
    return [r for r in task.rows if id(task) not in parents or _has_content(r)]


def _hierarchy(task) -> dict:
    """Section, task and sub-task of a logical task, as output columns."""
    sec = task.section
    top = task.parent or task
    number = parse_stt(task.stt.text())
    return {
        "table_no": task.table_no,
        "section_no": (sec.numeral or None) if sec else None,
        "section_title": sec.title.text() if sec else None,
        "task_no": _task_no(top.stt.text()),
        "task_text": top.text.text() or None,
        "subtask_no": ((number.text if number else task.stt.text()) or None) if task.parent is not None else None,
        "subtask_text": (task.text.text() or None) if task.parent is not None else None,
    }


def _joined_pages(row, decisions_by_page: dict[int, StitchDecision]) -> list[int]:
    """Pages whose first row was appended to this row."""
    pages = row.pages()
    return [p for p in pages[1:] if p in decisions_by_page and decisions_by_page[p].decision == Decision.CONTINUE_ROW]


def evidence_text(d: StitchDecision) -> str:
    parts = [f"{e.signal}{'(' + e.field + ')' if e.field else ''} {e.weight:+g}: {e.detail}" for e in d.evidence]
    return f"{d.decision} (score {d.score:+g}, confidence {d.confidence:.2f})" + ("; " + "; ".join(parts) if parts else "")


def _deadline_columns(d) -> dict:
    return {"deadline_kind": d.kind, "deadline_start": d.start, "deadline_end": d.end, "deadline_ongoing": d.ongoing,
            "deadline_recurrence": d.recurrence, "deadline_condition": d.condition}


_NO_DEADLINE = dict.fromkeys(["deadline_kind", "deadline_start", "deadline_end", "deadline_ongoing",
                              "deadline_recurrence", "deadline_condition"])


# DocumentMeta fields written to document.parquet under their own names
_META_COLUMNS = ("doc_type_code", "parent_body", "issuer_printed", "issuer_kind", "issuer_level", "subject",
                 "issued_document_type", "issued_document_title", "period_start", "period_end", "number_source",
                 "date_source", "stamp_detail", "plan_identity")


def _mention_rows(key: dict, role: str, mentions) -> list[dict]:
    return [{**key, "role": role, "mention_seq": i, "mention_text": m.text, "agency_id": m.agency_id,
             "agency_name": m.agency_name, "agency_kind": m.agency_kind, "agency_level": m.level,
             "is_group": m.is_group, "qualifier": m.qualifier, "sub_unit": m.sub_unit, "score": float(m.score),
             "mention_kind": m.kind, "place": m.place, "place_ids": list(m.place_ids)}
            for i, m in enumerate(mentions, start=1)]


def _agency_rows(registry, ids: set[str]) -> list[dict]:
    rows = []
    for agency_id in sorted(ids):
        a = registry.get(agency_id)
        rows.append({"agency_id": a.id, "name": a.name, "kind": a.kind, "level": a.level, "is_group": a.is_group,
                     "aliases": list(a.aliases), "valid_from": a.valid_from, "valid_to": a.valid_to,
                     "successor_id": a.successor_id, "registry_version": registry.version,
                     "valid_from_date": a.starts, "valid_to_date": a.ends, "category": a.category, "source": a.source,
                     "predecessor_ids": list(a.predecessor_ids), "place_id": a.place_id})
    return rows


def appendix_texts(stitched: StitchedTable) -> list[tuple[str, str]]:
    """(where, text) of the appendix's task and activity cells, for the reference scan."""
    out = []
    for task in stitched.tasks:
        where = f"appendix {task.section.numeral if task.section else ''}.{task.stt.text()}"
        out.append((where, task.text.text()))
        out += [(where, row.text(n)) for row in task.rows for n in ("activity", "output")]
    return [(w, t) for w, t in out if t]


def _records(doc_id: str, items) -> list[dict]:
    return [{"doc_id": doc_id, **asdict(item)} for item in items]


def stitched_to_extraction(doc_id: str, file_name: str, sha256: str, size_bytes: int, page_count: int,
                           grids: list[PageGrid], tables: list[PageTable], stitched: StitchedTable, body, normalized,
                           settings, numbering: NumberingResult | None = None) -> Extraction:
    meta = body.meta
    reviews = review_rows(stitched, grids, tables, numbering.repairs if numbering is not None else (),
                          deadlines=normalized.deadlines)
    lost = unplaced_rows(tables, stitched)
    ocr_grids = [g for g in grids if g.source == PageRoute.OCR]
    ocr_pages = sorted({g.page_no for g in ocr_grids} | set(body.ocr_pages))
    by_page = {d.page_no: d for d in stitched.decisions}
    tables_extra: dict[int, dict[str, str]] = {}
    for t in tables:
        tables_extra.setdefault(t.table_no, {}).update(t.extra_labels)
    index = {id(r): i for i, r in enumerate(stitched.rows)}
    activities, tasks, mentions = [], [], []
    titles = {t.table_no: t.table_title for t in tables}
    parents = {id(t.parent) for t in stitched.tasks if t.parent is not None}
    for task in stitched.tasks:
        own_rows = activity_rows(task, parents)
        base = {"doc_id": doc_id, **_hierarchy(task)}
        table_key = {"table_no": task.table_no, "table_title": titles.get(task.table_no) or None}
        row_pages = [p for r in own_rows for p in r.pages()]
        tasks.append({
            **base, **table_key, "stt_text": task.stt.text(), "level": "subtask" if task.parent is not None else "task",
            "activity_count": len(own_rows),
            "page_start": min(row_pages + task.text.pages() or [task.page_no]),
            "page_end": max(row_pages + task.text.pages() or [task.page_no]),
            "task_pages": task.text.pages(),
        })
        for seq, row in enumerate(own_rows, start=1):
            i = index[id(row)]
            key = {"doc_id": doc_id, "table_no": task.table_no, "section_no": base["section_no"], "task_no": base["task_no"],
                   "subtask_no": base["subtask_no"], "activity_seq": seq}
            mentions += _mention_rows(key, "lead", normalized.leads[i]) + _mention_rows(key, "partner", normalized.partners[i])
            labels = tables_extra.get(task.table_no, {})
            activities.append({
                **base, "activity_seq": seq,
                **{f"{n}_text": row.text(n) or None for n in ACTIVITY_FIELDS},
                "page_start": row.pages()[0], "page_end": row.pages()[-1],
                "inherited": [f"{n}_text" for n in row.inherited],
                "task_pages": task.text.pages(),
                **{f"{n}_pages": row.cells[n].pages() for n in ACTIVITY_FIELDS},
                "joined_at_pages": _joined_pages(row, by_page),
                **(_deadline_columns(normalized.deadlines[i]) if row.text("deadline") else _NO_DEADLINE),
                **table_key, "stt_text": task.stt.text() or None,
                "extra": [(labels.get(k, k), c.text()) for k, c in row.extra.items()],
                **review_columns(reviews[i]),
            })
    stitches = [{
        "doc_id": doc_id, "table_no": d.table_no, "page": d.page_no, "decision": d.decision, "score": d.score, "confidence": d.confidence,
        "evidence": [{"signal": e.signal, "field": e.field, "weight": e.weight, "detail": e.detail} for e in d.evidence],
        "evidence_text": evidence_text(d),
    } for d in stitched.decisions]
    labels = next((t.header_labels for t in tables if t.header_labels), {})
    document = [{
        "doc_id": doc_id, "file_name": file_name, "sha256": sha256, "size_bytes": size_bytes,
        "page_count": page_count, "doc_type": meta.doc_type, "title": meta.title, "issuing_body": meta.issuing_body,
        "plan_number": meta.plan_number, "issue_date": meta.issue_date, "issue_place": meta.issue_place,
        "signer_name": meta.signer_name, "signer_title": meta.signer_title, "recipients": meta.recipients,
        "plan_year": meta.plan_year, "province": meta.province,
        **{name: getattr(meta, name) for name in _META_COLUMNS},
        "ocr_pages": ocr_pages, **normalized.counts, "appendix_pages": [t.page_no for t in tables],
        "section_count": len(stitched.sections), "task_count": len(stitched.tasks),
        "activity_count": len(activities), "header_labels": list(labels.items()),
        "task_table_count": len({t.table_no for t in tables}),
        "table_titles": [titles[n] for n in sorted(titles)],
        "column_map": [{"table_no": t.table_no, "col": r.col, "label": r.label, "role": r.role, "how": r.how,
                        "score": float(r.score), "why": r.why} for t in tables for r in t.column_map],
        **document_counts(reviews, numbering, lost),
        "extractor_version": __version__, "settings_json": json.dumps(settings.as_dict(), sort_keys=True, ensure_ascii=False),
        # status, errors, warnings and problems are set by the check stage (pipeline/completeness.py)
    }]
    duties = _records(doc_id, body.responsibilities)
    referenced = {m["agency_id"] for m in mentions if m["agency_id"]} | {i for d in duties for i in d["agency_ids"]}
    return Extraction(doc_id, {
        "activities": activities, "tasks": tasks, "stitches": stitches, "activity_agencies": mentions,
        "agencies": _agency_rows(normalized.registry, referenced), "sections": _records(doc_id, body.sections),
        "targets": _records(doc_id, body.targets), "references": _records(doc_id, body.references),
        "responsibilities": duties, "ocr_cells": _ocr_cell_rows(doc_id, ocr_grids),
        "numbering_repairs": (repair_records(doc_id, numbering.repairs) + repair_records(doc_id, numbering.doubtful, "doubtful")
                              if numbering is not None else []),
        "unplaced": unplaced_records(doc_id, lost), "document": document})


def _ocr_cell_rows(doc_id: str, grids: list[PageGrid]) -> list[dict]:
    return [{"doc_id": doc_id, "page": g.page_no, "row": c.row, "col": c.col, "row_span": c.row_span,
             "col_span": c.col_span, "x0": c.bbox[0], "top": c.bbox[1], "x1": c.bbox[2], "bottom": c.bbox[3],
             "text": c.text, "raw_text": c.ocr_raw, "confidence": c.ocr_conf, "page_turn": g.ocr_turn}
            for g in grids for c in g.cells]
