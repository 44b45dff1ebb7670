"""Tests of the document factory itself, read back with pdfplumber as an independent reader."""
from __future__ import annotations

import random
import unicodedata
from collections import Counter, defaultdict
from dataclasses import replace

import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factory import PageGeometry, layout_plan, random_geometry, random_plan, render_plan, render_seed
from tests.factory.fonts import text_width
from tests.factory.pages import TableStyle, fits, measure_page
from tests.factory.random_plan import check_vocabulary
from tests.factory.render import layout_explicit, write_pdf
from tests.factory.seed import default_seed_path, load_seed, parse_seed_blocks, seed_decision, seed_geometry
from tests.factory.spec import ACTIVITY_FIELDS, FIELDS
from tests.factory.table import COL, logical_rows, norm, owner

DECISIONS = {"continue_row", "continue_task", "new_activity", "new_task", "new_section"}
SEED = default_seed_path()
needs_seed = pytest.mark.skipif(not SEED.is_file(), reason=f"seed not found: {SEED} (set PLAN_SEED)")


def read_tables(page) -> list[list[tuple[str, ...]]]:
    """pdfplumber's tables, cells as printed lines joined by a space; None (the lower part of
    a merged cell, or the columns a cell spans) reads as ""."""
    return [[tuple(" ".join((c or "").split()) for c in row) for row in t] for t in page.extract_tables()]


def expected_rows(page, spec) -> list[tuple[str, ...]]:
    """What the layout says a page's table holds, in the same form as read_tables."""
    rows = []
    if page.header:
        rows.append(tuple(spec.header[f] for f in FIELDS))
        if spec.number_row:
            rows.append(("",) + tuple(str(i) for i in range(1, len(FIELDS))))
    for r in page.rows:
        rows.append(tuple("" if f in r.covered else norm(r.cells[i]) for i, f in enumerate(FIELDS)))
    return rows


def rebuild_texts(spec, pages) -> dict[tuple, str]:
    """A perfect extractor's view: every printed piece appended to the cell it belongs to."""
    refs = logical_rows(spec)
    parts = defaultdict(list)
    for page in pages:
        for row in page.rows:
            if row.section:
                continue
            ref = refs[row.ref]
            if "task" not in row.covered and row.cells[COL["task"]]:
                parts[ref.s, ref.t, "task"].append(row.cells[COL["task"]])
            for name in ACTIVITY_FIELDS:
                if name not in row.covered and row.cells[COL[name]]:
                    parts[ref.s, ref.t, owner(spec, ref, name), name].append(row.cells[COL[name]])
    return {k: " ".join(v) for k, v in parts.items()}


def check_truth_against_pages(spec, plan) -> None:
    texts = rebuild_texts(spec, plan.appendix)
    truth = plan.truth
    assert len(truth.activities) == sum(len(t.activities) for s in spec.sections for t in s.tasks)
    assert truth.appendix_pages == list(range(truth.appendix_pages[0], truth.page_count + 1))
    assert [b.page for b in truth.breaks] == truth.appendix_pages[1:]
    assert {b.decision for b in truth.breaks} <= DECISIONS
    refs = [r for r in logical_rows(spec) if r.kind == "activity"]
    for ref, act in zip(refs, truth.activities):
        assert texts.get((ref.s, ref.t, "task"), "") == act.task_text
        for name in ACTIVITY_FIELDS:
            assert texts.get((ref.s, ref.t, owner(spec, ref, name), name), "") == getattr(act, f"{name}_text")
        assert truth.appendix_pages[0] <= act.page_start <= act.page_end <= truth.page_count


# ---- the seed -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("seed") / "seed.pdf"
    truth = render_seed(SEED, path)
    with pdfplumber.open(path) as pdf:
        pages = [(read_tables(p), len(p.lines) + len(p.rects), p.height, [t.bbox for t in p.find_tables()])
                 for p in pdf.pages]
    return truth, pages


@needs_seed
def test_seed_logical_table():
    seed = load_seed(SEED)
    sections = seed.spec.sections
    tasks = [t for s in sections for t in s.tasks]
    assert (len(sections), len(tasks), sum(len(t.activities) for t in tasks)) == (7, 58, 105)
    assert [s.numeral for s in sections] == ["I", "II", "III", "IV", "V", "VI", "VII"]
    assert len(seed.pages) == 24
    assert seed.spec.appendix_title == [
        "Phụ lục", "NHIỆM VỤ CỤ THỂ CỦA KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH TỈNH HƯNG YÊN NĂM 2022",
        "(Kèm theo Kế hoạch số 196 /KH-UBND ngày 24 /12/2021 của UBND tỉnh Hưng Yên)"]
    assert (seed.spec.number, seed.spec.province, str(seed.spec.issued)) == ("196/KH-UBND", "Hưng Yên", "2021-12-24")


@needs_seed
def test_seed_font_size_is_the_largest_that_fits():
    seed = load_seed(SEED)
    geo = seed_geometry(seed)
    style = TableStyle.from_spec(seed.spec)
    assert all(fits(p, style, geo) for p in seed.pages)
    larger = [s for s in (12.0, 11.5, 11.0, 10.5, 10.0, 9.5) if s > geo.font_size]
    for size in larger:
        assert not all(fits(p, style, replace(geo, font_size=size)) for p in seed.pages)


@needs_seed
def test_seed_pages_read_back_as_the_seed_blocks(seed_pdf):
    truth, pages = seed_pdf
    blocks = parse_seed_blocks(SEED)
    spec = load_seed(SEED).spec
    assert len(truth.appendix_pages) == len(blocks) == 24
    for k, pno in enumerate(truth.appendix_pages):
        tables, _, _, _ = pages[pno - 1]
        assert len(tables) == 1, f"appendix page {k}: {len(tables)} tables"
        header, numbers, *data = tables[0]
        assert header == tuple(spec.header[f] for f in FIELDS)
        assert numbers == ("", "1", "2", "3", "4", "5", "6")
        assert data == blocks[k], f"appendix page {k} (PDF page {pno})"


@needs_seed
def test_seed_body_pages_have_no_table_and_no_rules(seed_pdf):
    truth, pages = seed_pdf
    body = range(1, truth.appendix_pages[0])
    assert len(body) >= 5
    for pno in body:
        tables, n_rules, height, _ = pages[pno - 1]
        assert tables == [] and n_rules == 0
        assert height > 800  # portrait


@needs_seed
def test_seed_breaks_and_split_rows(seed_pdf):
    truth, pages = seed_pdf
    assert [b.decision for b in truth.breaks] == [seed_decision(k) for k in range(1, 24)]
    assert [b.page for b in truth.breaks] == truth.appendix_pages[1:]
    # A page whose last row continues on the next page is filled down to the bottom margin.
    geo = seed_geometry(load_seed(SEED))
    bottom = geo.appendix_size[1] - geo.margin_bottom
    for k, pno in enumerate(truth.appendix_pages[:-1]):
        (table_bottom,) = [bbox[3] for bbox in pages[pno - 1][3]]
        if seed_decision(k + 1) == "continue_row":
            assert table_bottom == pytest.approx(bottom, abs=0.5)
        else:
            assert table_bottom < bottom - 1


@needs_seed
def test_seed_truth_rows():
    seed = load_seed(SEED)
    plan = layout_explicit(seed.spec, seed.pages, seed_geometry(seed))
    truth = plan.truth
    assert truth == seed.truth(truth.appendix_pages[0], truth.page_count)
    acts = truth.activities
    assert len(acts) == 105
    first = truth.appendix_pages[0]

    def find(section, task, seq):
        return next(a for a in acts if (a.section_no, a.task_no, a.activity_seq) == (section, task, seq))

    # Task I.3 continues at the top of page 2 while its 2nd activity starts there.
    i3 = find("I", 3, 2)
    assert i3.task_text.endswith("xã hội trong quá trình xây dựng và ban hành văn bản quy phạm pháp luật.")
    assert (i3.page_start, i3.page_end) == (first + 1, first + 1)
    assert find("I", 3, 1).page_end == first
    # A whole row split by a page break.
    row = find("II", 6, 5)
    assert row.activity_text.startswith("Tham mưu UBND tỉnh phê bình, kiểm điểm")
    assert row.deadline_text == "Thường xuyên" and row.lead_text == "Văn phòng UBND tỉnh"
    assert row.page_end == row.page_start + 1
    # In a task's first row an empty cell is empty, not merged.
    assert find("II", 4, 1).partners_text == "" and find("II", 4, 1).inherited == ()
    # Merged cells: the values of the row above, flagged as inherited.
    for seq in (2, 3):
        a = find("III", 5, seq)
        assert a.inherited == ("lead_text", "partners_text", "deadline_text")
        assert (a.lead_text, a.deadline_text) == ("Sở Nội vụ", "Thường xuyên")
    merged = find("II", 8, 4)
    assert merged.inherited == ("activity_text",)
    assert merged.activity_text == find("II", 8, 3).activity_text
    assert merged.activity_text.startswith("Tham mưu, giúp UBND tỉnh ban hành và triển khai")
    assert all(unicodedata.is_normalized("NFC", a.task_text + a.activity_text) for a in acts)
    check_truth_against_pages(seed.spec, plan)


# ---- random plans ------------------------------------------------------------------------

def test_vocabulary_is_narrower_than_its_columns():
    assert check_vocabulary() == []


def test_render_is_deterministic(tmp_path):
    spec = random_plan(random.Random(5))
    geo = random_geometry(random.Random(6))
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    assert render_plan(spec, a, geometry=geo) == render_plan(spec, b, geometry=geo)
    assert a.read_bytes() == b.read_bytes()
    assert render_plan(spec, b, rng=random.Random(6)) == render_plan(spec, a, geometry=geo)


def test_random_layouts_cover_every_break_kind():
    seen = Counter()
    for seed in range(300):
        rng = random.Random(seed)
        spec = random_plan(rng)
        plan = layout_plan(spec, random_geometry(rng))
        seen.update(b.decision for b in plan.truth.breaks)
        check_truth_against_pages(spec, plan)
    assert set(seen) == DECISIONS, seen


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_random_layout_keeps_every_piece_of_text(seed):
    rng = random.Random(seed)
    spec = random_plan(rng, max_words=rng.choice((10, 45)), merge_prob=rng.choice((0.0, 0.15, 0.5)))
    plan = layout_plan(spec, random_geometry(rng))
    check_truth_against_pages(spec, plan)
    for page in plan.appendix:  # never an empty continuation piece
        if page.rows[0].continued:
            assert any(c.strip() for c in page.rows[0].cells)
    assert_text_inside_cells(spec, plan)


def assert_text_inside_cells(spec, plan) -> None:
    geo, style = plan.geometry, TableStyle.from_spec(spec)
    xs = [geo.col_x[f] for f in FIELDS] + [geo.margin_left + geo.text_width]
    for page in plan.appendix:
        m = measure_page(page, style, geo)
        assert m.overflow <= 1e-6
        for box in m.cells:
            inner = xs[box.col1] - xs[box.col0] - 2 * geo.pad_x
            assert all(text_width(line, box.font, geo.font_size) <= inner + 1e-6 for line in box.lines)
            assert geo.cell_height(len(box.lines)) <= sum(m.heights[box.row0:box.row1 + 1]) + 1e-6


@pytest.mark.parametrize("seed", [0, 3, 11, 27])
def test_random_pdfs_read_back_as_laid_out(seed, tmp_path):
    rng = random.Random(seed)
    spec = random_plan(rng)
    plan = layout_plan(spec, random_geometry(rng))
    path = tmp_path / "plan.pdf"
    write_pdf(plan, path)
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == plan.truth.page_count
        for pno in range(1, plan.truth.appendix_pages[0]):
            assert pdf.pages[pno - 1].extract_tables() == []
        for k, pno in enumerate(plan.truth.appendix_pages):
            tables = read_tables(pdf.pages[pno - 1])
            assert len(tables) == 1
            assert tables[0] == expected_rows(plan.appendix[k], spec), f"seed {seed}, appendix page {k}"


def test_long_plan_for_benchmarks():
    spec = random_plan(random.Random(1), min_pages=30)
    plan = layout_plan(spec, PageGeometry())
    assert len(plan.appendix) >= 30
    check_truth_against_pages(spec, plan)
