"""Stages `describe` and `normalize`: plan metadata, then structured agencies and deadlines per row.

`describe` reads the plan's title, year and province (the year fills deadlines such as
"Tháng 11 hàng năm"; the province fills registry names such as "Báo {province}").
`normalize` resolves every lead/partner cell into registry agencies and parses every
deadline cell; the printed text is never changed, the structured values sit beside it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from extractors.front_matter import FrontMatter
from normalizers.agencies import AgencyRegistry, Mention
from normalizers.deadlines import Deadline, parse_deadline
from normalizers.plan_meta import plan_title, plan_year, province
from pipeline.records import StitchedTable


@dataclass
class PlanMeta:
    title: str | None
    plan_year: int | None
    province: str | None


@dataclass
class Normalized:
    deadlines: list[Deadline]  # one per StitchedTable.rows entry
    leads: list[list[Mention]]
    partners: list[list[Mention]]
    registry: AgencyRegistry
    counts: dict[str, int] = field(default_factory=dict)


def front_matter_to_meta(front: FrontMatter) -> PlanMeta:
    title = plan_title(front.first_page_lines)
    return PlanMeta(title, plan_year(title, front.appendix_heading),
                    province(title, front.appendix_heading, *front.first_page_lines[:4]))


def table_to_normalized(table: StitchedTable, meta: PlanMeta, settings) -> Normalized:
    registry = AgencyRegistry.load(province=meta.province)
    deadlines, leads, partners = [], [], []
    for row in table.rows:
        deadlines.append(parse_deadline(row.text("deadline") or None, meta.plan_year))
        leads.append(registry.resolve_cell(row.text("lead"), meta.plan_year, settings.agency_min_score))
        partners.append(registry.resolve_cell(row.text("partners"), meta.plan_year, settings.agency_min_score))
    mentions = [m for ms in leads + partners for m in ms]
    counts = {
        "mentions_matched": sum(m.agency_id is not None for m in mentions),
        "mentions_unmatched": sum(m.agency_id is None for m in mentions),
        "deadlines_parsed": sum(d.kind != "unknown" for d, r in zip(deadlines, table.rows) if r.text("deadline")),
        "deadlines_unknown": sum(d.kind == "unknown" for d, r in zip(deadlines, table.rows) if r.text("deadline")),
    }
    return Normalized(deadlines, leads, partners, registry, counts)
