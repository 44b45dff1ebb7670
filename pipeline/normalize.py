"""Stage `normalize`: structured agencies and deadlines for every appendix row.

Every lead/partner cell is resolved into registry agencies and every deadline cell is
parsed; the printed text is never changed, the structured values sit beside it. The
plan's year (from the body) fills deadlines such as "Tháng 11 hàng năm"; its province
fills registry names such as "Báo {province}".
"""
from __future__ import annotations

from dataclasses import dataclass, field

from core.records import StitchedTable
from normalizers.agencies import AgencyRegistry, Mention, registry_for
from normalizers.deadlines import Deadline, parse_deadline
from normalizers.plan_meta import DocumentMeta


@dataclass
class Normalized:
    deadlines: list[Deadline]  # one per StitchedTable.rows entry
    leads: list[list[Mention]]
    partners: list[list[Mention]]
    registry: AgencyRegistry
    counts: dict[str, int] = field(default_factory=dict)


def table_to_normalized(table: StitchedTable, meta: DocumentMeta, settings) -> Normalized:
    registry = registry_for(meta.province)
    deadlines, leads, partners = [], [], []
    for row in table.rows:
        deadlines.append(parse_deadline(row.text("deadline") or None, meta.plan_year))
        leads.append(registry.resolve_cell(row.text("lead"), meta.plan_year, settings.agency_min_score))
        partners.append(registry.resolve_cell(row.text("partners"), meta.plan_year, settings.agency_min_score))
    mentions = [m for ms in leads + partners for m in ms]
    filled = [d for d, r in zip(deadlines, table.rows) if r.text("deadline")]
    counts = {
        "mentions_matched": sum(m.agency_id is not None and m.kind != "person" for m in mentions),
        # persons ("Ông Nguyễn Văn A") are not agencies: counted apart, never as unmatched
        "mentions_unmatched": sum(m.kind == "unmatched" for m in mentions),
        "mentions_person": sum(m.kind == "person" for m in mentions),
        "deadlines_parsed": sum(d.kind != "unknown" for d in filled),
        "deadlines_unknown": sum(d.kind == "unknown" for d in filled),
    }
    return Normalized(deadlines, leads, partners, registry, counts)
