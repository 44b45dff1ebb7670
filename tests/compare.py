"""Compare an extraction with the factory's ground truth, field by field, with readable differences."""
from __future__ import annotations

from dataclasses import asdict

from tests.factory.spec import Truth

TEXT_FIELDS = ("section_no", "section_title", "task_no", "task_text", "activity_seq", "activity_text",
               "output_text", "lead_text", "partners_text", "deadline_text")


def _norm(v):
    return "" if v is None else v


def activity_differences(extracted: list[dict], truth: Truth, with_pages: bool = True, limit: int = 15) -> list[str]:
    diffs = []
    if len(extracted) != len(truth.activities):
        diffs.append(f"{len(extracted)} activities extracted, {len(truth.activities)} expected")
    for i, (got, want) in enumerate(zip(extracted, (asdict(a) for a in truth.activities))):
        key = f"row {i} ({want['section_no']}.{want['task_no']}.{want['activity_seq']})"
        fields = TEXT_FIELDS + (("page_start", "page_end") if with_pages else ())
        for f in fields:
            if _norm(got[f]) != _norm(want[f]):
                diffs.append(f"{key} {f}: got {got[f]!r}, expected {want[f]!r}")
        if sorted(got["inherited"]) != sorted(want["inherited"]):
            diffs.append(f"{key} inherited: got {got['inherited']}, expected {list(want['inherited'])}")
        if len(diffs) >= limit:
            diffs.append("…")
            break
    return diffs


def break_differences(stitches: list[dict], truth: Truth) -> list[str]:
    got = {s["page"]: s for s in stitches if s["decision"] != "first_page"}
    diffs = []
    for b in truth.breaks:
        s = got.get(b.page)
        if s is None:
            diffs.append(f"page {b.page}: no decision recorded, expected {b.decision}")
        elif s["decision"] != b.decision:
            diffs.append(f"page {b.page}: decided {s['decision']}, expected {b.decision} — {s['evidence_text']}")
    return diffs
