"""Task tables of two or three columns ("TT | Nội dung công việc | Đơn vị chủ trì", "Nhiệm vụ | Thời
gian hoàn thành"), and the small ruled boxes of a plan that are not task tables (signature blocks,
a ruled "Nơi nhận" layout, the national header, indicator tables, a 2×2 box on a body page).

A table is a task table when its header maps a task column and a lead, deadline or output column;
with fewer than four printed columns the cells must bear both labels out (extractors/header.py).
"""
from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from reportlab.pdfgen.canvas import Canvas

from core.errors import BadInputError
from extractors.appendix import grids_to_page_tables
from extractors.header import grid_to_header, is_number_row
from pipeline.settings import LocateSettings
from pipeline.stages import run_stages
from tests.compare import break_differences
from tests.factory.body import draw_body_page
from tests.factory.fonts import font_name
from tests.factory.genre import genre_docs, layout_genre, random_genre_doc
from tests.factory.pages import TableStyle, measure_page
from tests.factory.render import draw_appendix_page
from tests.test_genre import SETTINGS, ambiguous, extract_plan, row_differences
from tests.test_genre_columns import grid

LOCATE = LocateSettings()
ROLES = ("stt", "task", "activity", "output", "lead", "partners", "deadline")


# ---- narrow task tables rebuilt exactly -----------------------------------------------------------

def _column_map_differences(ex, doc) -> list[str]:
    cmap = ex.tables["document"][0]["column_map"]
    specs = [s for s, is_task in zip(doc.tables, doc.task_table) if is_task]
    out = []
    for n, spec in enumerate(specs, start=1):
        got = [(c["col"], c["role"]) for c in cmap if c["table_no"] == n]
        want = [(i, c if c in ROLES else "extra") for i, c in enumerate(spec.columns)]
        if got != want:
            out.append(f"table {n}: columns mapped {got}, printed {want}")
    return out


@settings(max_examples=30, deadline=None)
@given(doc=genre_docs(narrow=True))
def test_narrow_task_tables_reconstruct(doc, tmp_path_factory):
    """2- and 3-column tables: any wording, Stt or not, an activity column under merged task cells,
    number rows, repeated headers, page breaks inside rows and tasks, an indicator table before."""
    assert all(len(s.columns) <= 3 for s, t in zip(doc.tables, doc.task_table) if t)
    plan, ex = extract_plan(doc, tmp_path_factory.mktemp("narrow"))
    assume(not ambiguous(plan))
    diffs = (row_differences(ex.tables["activities"], plan) + break_differences(ex.tables["stitches"], plan.truth)
             + _column_map_differences(ex, doc))
    assert diffs == [], "\n".join(diffs)
    doc_row = ex.tables["document"][0]
    assert doc_row["status"] == "ok", doc_row["errors"]
    assert doc_row["task_table_count"] == sum(doc.task_table)
    assert doc_row["appendix_pages"] == plan.truth.appendix_pages


def test_narrow_tables_over_fixed_plans(tmp_path):
    """Fixed samples covering every narrow shape, with their page breaks: all exact when unambiguous."""
    shapes, failures, breaks = set(), [], 0
    for seed in range(30):
        doc = random_genre_doc(random.Random(seed), narrow=True)
        plan, ex = extract_plan(doc, tmp_path)
        shapes |= {s.columns for s, t in zip(doc.tables, doc.task_table) if t}
        breaks += len(plan.truth.breaks)
        diffs = (row_differences(ex.tables["activities"], plan) + break_differences(ex.tables["stitches"], plan.truth)
                 + _column_map_differences(ex, doc))
        if diffs and not ambiguous(plan):
            failures.append((seed, diffs[:3]))
    assert failures == []
    assert breaks >= 20  # page breaks were exercised (29 in these samples)
    # Two- and three-column shapes, each second role, with Stt and with an activity column.
    assert {len(c) for c in shapes} == {2, 3}
    assert {c[-1] for c in shapes} == {"lead", "deadline", "output"}
    assert any("stt" in c for c in shapes) and any("activity" in c for c in shapes)


# ---- which narrow headers make a task table ---------------------------------------------------------

@pytest.mark.parametrize("rows, columns", [
    ([["TT", "Nội dung công việc", "Đơn vị chủ trì"], ["1", "Rà soát thủ tục hành chính", "Sở Tư pháp"],
      ["2", "Số hóa hồ sơ, kết quả giải quyết", "Văn phòng UBND tỉnh"]], {"stt": 0, "task": 1, "lead": 2}),
    ([["STT", "Nhiệm vụ", "Thời gian hoàn thành"], ["1", "Xây dựng kế hoạch kiểm tra", "Quý I/2024"],
      ["2", "Tổ chức hội nghị tổng kết", "Tháng 12/2024"]], {"stt": 0, "task": 1, "deadline": 2}),
    ([["Nhiệm vụ", "Sản phẩm"], ["Rà soát quy trình nội bộ", "Báo cáo kết quả rà soát"],
      ["Công bố thủ tục", "Quyết định của Chủ tịch UBND tỉnh"]], {"task": 0, "output": 1}),
    ([["Nội dung", "Cơ quan thực hiện"], ["Kiểm tra công vụ", "Sở Nội vụ"]], {"task": 0, "lead": 1}),
])
def test_narrow_task_headers(rows, columns):
    xs = [0, 40, 400, 560][:len(rows[0]) + 1] if len(rows[0]) == 3 else [0, 400, 560]
    m = grid_to_header(grid(xs, rows), LOCATE)
    assert m is not None and m.columns == columns


def test_three_columns_and_a_spacer():
    # A 3 pt spacer after Stt made by a rule of another row: one printed column, three roles.
    g = grid([0, 30, 33, 400, 560], [
        ["TT", None, "Nội dung công việc", "Đơn vị chủ trì"],
        ["1", None, "Rà soát thủ tục hành chính", "Sở Tư pháp"],
        ["2", "", "Số hóa hồ sơ", "Văn phòng UBND tỉnh"],
    ], spans={(0, 0): (1, 2), (1, 0): (1, 2)})
    tables = grids_to_page_tables("x.pdf", [g], LOCATE)
    assert tables[0].columns == {"stt": 0, "task": 2, "lead": 3}
    assert [(r.text("stt"), r.text("task"), r.text("lead")) for r in tables[0].rows] == [
        ("1", "Rà soát thủ tục hành chính", "Sở Tư pháp"), ("2", "Số hóa hồ sơ", "Văn phòng UBND tỉnh")]


# Small ruled boxes that are not task tables, as a plan prints them.
NOT_TASK_TABLES = {
    "national header": [["ỦY BAN NHÂN DÂN\nTỈNH HƯNG YÊN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"],
                        ["Số: 196/KH-UBND", "Hưng Yên, ngày 20 tháng 12 năm 2021"]],
    "nơi nhận": [["Nơi nhận:\n- Bộ Nội vụ;\n- TT Tỉnh ủy, HĐND tỉnh;\n- Chủ tịch, các PCT UBND tỉnh;\n- Lưu: VT.",
                  "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nNguyễn Văn An"]],
    "signature block": [["NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ"], ["Trần Thị Bình", "Lê Văn Cường"]],
    "signature block with roles": [["Người thực hiện", "Lãnh đạo đơn vị"], ["(Ký, ghi rõ họ tên)", "(Ký, đóng dấu)"]],
    "indicator table": [["TT", "Chỉ tiêu", "Kết quả"], ["1", "Tỷ lệ hồ sơ trực tuyến", "95%"],
                        ["2", "Tỷ lệ hài lòng", "90%"]],
    "results of a report": [["TT", "Nội dung", "Kết quả"], ["1", "Tỷ lệ hồ sơ đúng hạn", "98,5%"],
                            ["2", "Số thủ tục được cắt giảm", "12"]],
    "tasks without a lead, deadline or output": [["TT", "Nhiệm vụ"], ["1", "Rà soát thủ tục hành chính"],
                                                 ["2", "Số hóa hồ sơ"]],
    "2x2 box on a body page": [["Nội dung", "Thời gian"], ["Hội nghị trực tuyến toàn tỉnh", "Hội trường tầng 3, Sở Nội vụ"]],
    "2x2 box of labels only": [["Nội dung", "Thời gian"], ["", ""]],
    "header with no cells under it": [["STT", "Nhiệm vụ", "Đơn vị chủ trì"]],
}


@pytest.mark.parametrize("name", sorted(NOT_TASK_TABLES))
def test_small_boxes_are_not_task_tables(name):
    rows = NOT_TASK_TABLES[name]
    xs = [0, 260, 520] if len(rows[0]) == 2 else [0, 40, 400, 520]
    g = grid(xs, rows)
    assert grid_to_header(g, LOCATE) is None
    with pytest.raises(BadInputError, match="no appendix table found"):
        grids_to_page_tables("x.pdf", [g], LOCATE)


def test_an_output_column_of_figures_does_not_make_a_wide_table_a_task_table():
    """"Kết quả" heads measured figures too: with no lead or deadline, the output cells must be words."""
    figures = [["Stt", "Nội dung", "Đơn vị tính", "Kết quả"], ["1", "Tỷ lệ hồ sơ trực tuyến", "%", "95"],
               ["2", "Số thủ tục cắt giảm", "Thủ tục", "12"]]
    words = [["Stt", "Nội dung", "Ghi chú", "Kết quả"], ["1", "Rà soát thủ tục", "", "Báo cáo rà soát"],
             ["2", "Công bố thủ tục", "Trọng tâm", "Quyết định công bố"]]
    xs = [0, 40, 300, 400, 520]
    assert grid_to_header(grid(xs, figures), LOCATE) is None
    m = grid_to_header(grid(xs, words), LOCATE)
    assert m is not None and m.columns == {"stt": 0, "task": 1, "output": 3}


@pytest.mark.parametrize("texts, is_numbers", [
    (["(1)", "(2)"], True), (["", "1", "2"], True), (["1", "2", "3"], True), (["1", ""], False),
    (["1", "Rà soát"], False), (["", "", "1", "2"], False), (["I", "Cải cách thể chế"], False),
])
def test_number_rows_of_narrow_tables(texts, is_numbers):
    assert is_number_row(texts) is is_numbers


def test_a_repeated_narrow_header_over_a_cut_row():
    """The header repeated on a page holding only a cut row's tail: still the header, not data."""
    xs = [0, 40, 400, 560]
    head = grid(xs, [["TT", "Nội dung công việc", "Đơn vị chủ trì"], ["1", "Rà soát thủ tục hành chính", "Sở Tư pháp"],
                     ["2", "Số hóa hồ sơ, kết quả", "Văn phòng UBND tỉnh"]], page=4, caption="Phụ lục\nNHIỆM VỤ")
    tail = grid(xs, [["TT", "Nội dung công việc", "Đơn vị chủ trì"], ["", "giải quyết thủ tục", ""]], page=5)
    tables = grids_to_page_tables("x.pdf", [head, tail], LOCATE)
    assert [(t.page_no, t.table_no) for t in tables] == [(4, 1), (5, 1)]
    assert [r.text("task") for r in tables[1].rows] == ["giải quyết thủ tục"]


# ---- rendered plans with ruled boxes that are not task tables ------------------------------------------

def _box(canvas: Canvas, x: float, top: float, widths: list[float], rows: list[list[str]], size: float = 10.0,
         page_height: float = 842.0) -> None:
    """A ruled table of text rows, drawn the way Word prints one (lines and text, top-origin `top`)."""
    pitch = size * 1.3
    heights = [(max(t.count("\n") for t in row) + 1) * pitch + 6 for row in rows]
    xs = [x]
    for w in widths:
        xs.append(xs[-1] + w)
    ys = [top]
    for h in heights:
        ys.append(ys[-1] + h)
    for y in ys:
        canvas.line(xs[0], page_height - y, xs[-1], page_height - y)
    for xv in xs:
        canvas.line(xv, page_height - ys[0], xv, page_height - ys[-1])
    canvas.setFont(font_name(), size)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            for k, line in enumerate(text.split("\n")):
                canvas.drawString(xs[c] + 3, page_height - (ys[r] + 3 + (k + 1) * pitch - 0.25 * size), line)


def _decoy_page(canvas: Canvas, size: tuple[float, float]) -> None:
    """A page of ruled boxes no plan reader may take for a task table."""
    canvas.setPageSize(size)
    w, h = size
    rows = NOT_TASK_TABLES
    _box(canvas, 60, 40, [200, 260], rows["national header"], page_height=h)
    _box(canvas, 60, 140, [230, 230], rows["2x2 box on a body page"], page_height=h)
    _box(canvas, 60, 220, [40, 280, 140], rows["indicator table"], page_height=h)
    _box(canvas, 60, 320, [230, 230], rows["nơi nhận"], page_height=h)
    _box(canvas, 60, 460, [230, 230], rows["signature block"], page_height=h)
    canvas.showPage()


def _render_with_decoys(doc, path: Path, before: bool, after: bool):
    """The genre plan with a page of decoy boxes after its body (before the tables) and/or at its end."""
    plan = layout_genre(doc)
    geo = doc.geometry
    canvas = Canvas(str(path), pagesize=geo.body_size, invariant=1)
    for lines in plan.body:
        canvas.setPageSize(geo.body_size)
        draw_body_page(canvas, lines)
        canvas.showPage()
    if before:
        _decoy_page(canvas, geo.body_size)
    styles = [TableStyle.from_spec(s) for s in doc.tables]
    for i, page in plan.pages:
        canvas.setPageSize(geo.appendix_size)
        draw_appendix_page(canvas, measure_page(page, styles[i], geo), geo, styles[i].columns)
        canvas.showPage()
    if after:
        _decoy_page(canvas, geo.appendix_size)
    canvas.save()
    if before:  # every appendix page one later
        t = plan.truth
        plan.truth = replace(t, appendix_pages=[p + 1 for p in t.appendix_pages],
                             activities=[replace(a, page_start=a.page_start + 1, page_end=a.page_end + 1)
                                         for a in t.activities],
                             breaks=[replace(b, page=b.page + 1) for b in t.breaks])
    return plan


@pytest.mark.parametrize("seed", [3, 11])
@pytest.mark.parametrize("before, after", [(True, False), (False, True)])
def test_decoy_boxes_beside_a_narrow_task_table(seed, before, after, tmp_path):
    doc = random_genre_doc(random.Random(seed), narrow=True)
    plan = _render_with_decoys(doc, tmp_path / "plan.pdf", before, after)
    ex = run_stages(tmp_path / "plan.pdf", SETTINGS, until="check").extraction
    assert ex is not None
    diffs = (row_differences(ex.tables["activities"], plan) + break_differences(ex.tables["stitches"], plan.truth)
             + _column_map_differences(ex, doc))
    assert diffs == [], "\n".join(diffs)
    assert ex.tables["document"][0]["task_table_count"] == sum(doc.task_table)


def test_a_page_of_decoy_boxes_alone_has_no_task_table(tmp_path):
    pdf = tmp_path / "boxes.pdf"
    canvas = Canvas(str(pdf), invariant=1)
    _decoy_page(canvas, (595.0, 842.0))
    canvas.save()
    run = run_stages(pdf, SETTINGS, until="read")
    assert len(run.grids) == 5  # every box is read now (two columns and more) ...
    with pytest.raises(BadInputError, match="no appendix table found"):  # ... and none is a task table
        grids_to_page_tables(pdf.name, run.grids, SETTINGS.locate)



@pytest.mark.parametrize("box", ["nơi nhận", "signature block", "national header"])
def test_a_box_first_on_the_next_page_does_not_continue_a_narrow_table(box):
    """A two-column box as wide as a two-column task table, first on the page after it: its columns
    overlap the table's by more than half, but its middle rule is not the table's."""
    head = grid([0, 400, 560], [["Nội dung công việc", "Đơn vị chủ trì"], ["Rà soát thủ tục hành chính", "Sở Tư pháp"],
                                ["Số hóa hồ sơ", "Văn phòng UBND tỉnh"]], page=4, caption="Phụ lục\nNHIỆM VỤ")
    other = grid([0, 280, 560], NOT_TASK_TABLES[box], page=5)
    tables = grids_to_page_tables("x.pdf", [head, other], LOCATE)
    assert [t.page_no for t in tables] == [4]


def test_a_narrow_table_continues_on_a_page_ruled_alike():
    head = grid([0, 400, 560], [["Nội dung công việc", "Đơn vị chủ trì"], ["Rà soát thủ tục hành chính", "Sở Tư pháp"]],
                page=4, caption="Phụ lục\nNHIỆM VỤ")
    cont = grid([0.5, 401, 559.5], [["Số hóa hồ sơ", "Văn phòng UBND tỉnh"], ["Kiểm tra công vụ", "Sở Nội vụ"]], page=5)
    tables = grids_to_page_tables("x.pdf", [head, cont], LOCATE)
    assert [(t.page_no, [r.text("lead") for r in t.rows]) for t in tables] == [
        (4, ["Sở Tư pháp"]), (5, ["Văn phòng UBND tỉnh", "Sở Nội vụ"])]
