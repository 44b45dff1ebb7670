"""The column-role mapper, the numbering parser and the table finder on hand-made grids with known answers."""
from __future__ import annotations

import pytest

from core.errors import BadInputError, SettingsError
from core.numbering import is_sequence, parse_stt, split_leading_number
from core.records import Cell, PageGrid
from extractors.appendix import grids_to_page_tables
from extractors.header import grid_to_header, is_number_row, label_role
from pipeline.assemble import _hierarchy, activity_rows
from pipeline.settings import LocateSettings, Settings, StitchSettings
from pipeline.stitch import page_tables_to_table

LOCATE = LocateSettings()


def grid(xs, rows, page=1, spans=(), caption=""):
    """A PageGrid from rows of texts; spans: {(row, col): (row_span, col_span)}; None marks a covered slot."""
    spans = dict(spans)
    ys = [40.0 + 30 * i for i in range(len(rows) + 1)]
    cells = []
    for r, texts in enumerate(rows):
        for c, text in enumerate(texts):
            if text is None:
                continue
            rs, cs = spans.get((r, c), (1, 1))
            cells.append(Cell(r, c, rs, cs, (xs[c], ys[r], xs[c + cs], ys[r + rs]), text))
    return PageGrid(page, 842.0, 595.0, list(xs), ys, cells, 14.0, caption=caption)


@pytest.mark.parametrize("label, role", [
    ("Stt", "stt"), ("Số TT", "stt"), ("NỘI DUNG", "task"), ("Nhiệm vụ, giải pháp", "task"), ("Nội dung công việc", "task"),
    ("Tên nhiệm vụ", "task"), ("Nội dung hoạt động", "activity"), ("Hoạt động", "activity"),
    ("Sản phẩm đầu ra", "output"), ("Kết quả dự kiến", "output"), ("Hình thức văn bản", "output"),
    ("ĐƠN VỊ CHỦ TRÌ", "lead"), ("Đơn vị thực hiện", "lead"), ("Cơ quan tham mưu", "lead"), ("Người phụ trách", "lead"),
    ("Phối hợp thực hiện", "partners"), ("Cơ quan, đơn vị phối hợp", "partners"),
    ("Thời gian thực hiện", "deadline"), ("Thời hạn", "deadline"), ("Tiến độ", "deadline"), ("THỜI GIAN HOÀN THÀNH", "deadline"),
    ("Ghi chú", "extra"), ("Kinh phí", "extra"), ("Nguồn kinh phí", "extra"), ("Cấp trình", "extra"),
    ("Kết quả hiện nay", "extra"),
    # OCR damage: one wrong tone or letter in a head word.
    ("Cơ quan chủ trỉ", "lead"), ("Thòi hạn hoàn thành", "deadline"), ("Phối hơp", "partners"),
])
def test_label_roles(label, role):
    hit = label_role(label, LOCATE.min_similarity)
    assert hit is not None and hit[0] == role, hit


@pytest.mark.parametrize("label", ["Số tiền", "Mục", "", "Việc làm"])
def test_labels_without_a_role(label):
    assert label_role(label, LOCATE.min_similarity) is None


def test_vocabulary_grows_through_settings():
    settings = LocateSettings(extra_head_words={"lead": ["bộ phận làm"]})
    g = grid([0, 30, 300, 420, 520], [["TT", "Nội dung", "Bộ phận làm", "Ghi chú"], ["1", "Rà soát văn bản", "Nhóm công tác số 1", ""]])
    assert grid_to_header(g, LOCATE) is None  # neither "Bộ phận làm" nor its cells name a lead; no deadline
    m = grid_to_header(g, settings)
    assert m is not None and m.columns == {"stt": 0, "task": 1, "lead": 2}
    with pytest.raises(SettingsError):
        Settings.build({"locate": {"extra_head_words": {"boss": ["x"]}}})
    with pytest.raises(SettingsError):
        Settings.build({"locate": {"required_any": ["leader"]}})


def test_columns_mapped_by_content_when_labels_say_nothing():
    # "#" over row numbers, a blank label over deadlines: the cells decide; "Ghi chú" stays extra.
    g = grid([0, 30, 300, 420, 520], [
        ["#", "Nội dung", "", "Ghi chú"],
        ["1", "Xây dựng kế hoạch", "Quý I/2024", ""],
        ["2", "Tổ chức hội nghị", "Tháng 6/2024", "Trọng tâm"],
        ["3", "Báo cáo kết quả", "Thường xuyên", ""],
    ])
    m = grid_to_header(g, LOCATE)
    assert m is not None and m.columns == {"stt": 0, "task": 1, "deadline": 2}
    how = {r.col: (r.role, r.how) for r in m.column_map}
    assert how == {0: ("stt", "content"), 1: ("task", "label"), 2: ("deadline", "content"), 3: ("extra", "unmapped")}
    assert m.extra == {"extra:Ghi chú": 3}


def test_two_columns_claiming_one_role_go_to_the_content():
    g = grid([0, 30, 250, 350, 450, 560], [
        ["TT", "Nhiệm vụ", "Tiến độ", "Chủ trì", "Thời gian"],
        ["1", "Rà soát thủ tục", "Đang triển khai theo kế hoạch", "Sở Nội vụ", "Quý II/2024"],
        ["2", "Số hóa hồ sơ", "Chưa thực hiện xong", "Sở Tư pháp", "Năm 2024"],
    ])
    m = grid_to_header(g, LOCATE)
    assert m is not None
    assert m.columns["deadline"] == 4 and m.columns["lead"] == 3
    assert [r.role for r in m.column_map] == ["stt", "task", "extra", "lead", "deadline"]


def test_two_row_header():
    spans = {(0, 0): (2, 1), (0, 1): (2, 1), (0, 2): (1, 2), (0, 4): (2, 1)}
    g = grid([0, 30, 300, 420, 540, 620], [
        ["Stt", "Nhiệm vụ", "Đơn vị thực hiện", None, "Thời gian"],
        [None, None, "Chủ trì", "Phối hợp", None],
        ["1", "Xây dựng kế hoạch", "Sở Nội vụ", "Các sở, ban, ngành", "Quý I/2024"],
    ], spans=spans)
    m = grid_to_header(g, LOCATE)
    assert m is not None
    assert m.columns == {"stt": 0, "task": 1, "lead": 2, "partners": 3, "deadline": 4}
    assert m.data_start == 2 and m.labels["lead"] == "Đơn vị thực hiện / Chủ trì"


@pytest.mark.parametrize("texts, is_numbers", [
    (["", "1", "2", "3", "4"], True), (["(1)", "(2)", "(3)", "(4)"], True), (["A", "B", "1", "2", "3"], True),
    (["1", "2", "3", "(4)=(2)+(3)"], True), (["I", "Cải cách thể chế", "", ""], False),
    (["1", "Rà soát", "Sở Nội vụ", "Quý I"], False),
    # OCR misread one number ("5" as "s"): the others still number the columns in step
    (["", "1", "2", "3", "4", "s", "6"], True), (["1", "2", "°", "4", "5"], True),
    (["1", "3", "s", "4"], False), (["1", "2", "s"], False), (["1", "2", "3", "Sở Nội vụ"], False),
    (["", "1", "2", "3", "4", "s", "x"], False),
])
def test_column_number_rows(texts, is_numbers):
    assert is_number_row(texts) is is_numbers


def test_continuation_page_with_spacer_and_split_columns():
    head = grid([0, 30, 300, 420, 520], [
        ["Stt", "Nội dung", "Chủ trì", "Thời hạn"],
        ["1", "Rà soát văn bản", "Sở Tư pháp", "Quý I/2024"],
    ], page=5)
    # Page 6: no header; a 2 pt spacer column after Stt (a rule of another row) and the lead column
    # split in two by a rule the header page does not have; widths a little off.
    cont = grid([0, 29, 31, 301, 360, 421, 520], [
        ["2", None, "Kiểm tra công vụ", "Văn phòng", "UBND tỉnh", "Quý II/2024"],
        ["3", None, "Tổng kết", "Sở Nội vụ", "", "Tháng 12/2024"],
    ], page=6, spans={(0, 0): (1, 2), (1, 0): (1, 2)})
    tables = grids_to_page_tables("x.pdf", [head, cont], LOCATE)
    assert [t.page_no for t in tables] == [5, 6]
    rows = tables[1].rows
    assert [(r.text("stt"), r.text("task"), r.text("lead"), r.text("deadline")) for r in rows] == [
        ("2", "Kiểm tra công vụ", "Văn phòng UBND tỉnh", "Quý II/2024"), ("3", "Tổng kết", "Sở Nội vụ", "Tháng 12/2024")]


def test_several_tables_and_a_table_that_is_not_a_task_table():
    indicators = grid([0, 30, 300, 420, 520], [["Stt", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch"], ["1", "Tỷ lệ hồ sơ", "%", "95"]],
                      page=3, caption="Phụ lục I\nCÁC CHỈ TIÊU")
    tasks = grid([0, 30, 300, 420, 520], [["TT", "Nhiệm vụ", "Chủ trì", "Thời gian"], ["1", "Rà soát", "Sở Nội vụ", "Quý I/2024"]],
                 page=4, caption="5\nPhụ lục II\nNHIỆM VỤ TRỌNG TÂM")
    more = grid([0, 30, 300, 420, 520], [["TT", "Nội dung", "Đơn vị chủ trì", "Thời hạn"], ["1", "Kiểm tra", "Sở Tư pháp", "Năm 2024"]],
                page=5, caption="Phụ lục III\nNHIỆM VỤ KHÁC")
    tables = grids_to_page_tables("x.pdf", [indicators, tasks, more], LOCATE)
    assert [(t.page_no, t.table_no, t.table_title) for t in tables] == [
        (4, 1, "Phụ lục II NHIỆM VỤ TRỌNG TÂM"), (5, 2, "Phụ lục III NHIỆM VỤ KHÁC")]
    stitched = page_tables_to_table(tables, StitchSettings())
    assert [(t.table_no, t.text.text()) for t in stitched.tasks] == [(1, "Rà soát"), (2, "Kiểm tra")]


def test_no_task_table_names_the_best_candidate():
    g = grid([0, 30, 300, 420, 520], [["Stt", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch"], ["1", "Tỷ lệ hồ sơ", "%", "95"]])
    with pytest.raises(BadInputError) as e:
        grids_to_page_tables("x.pdf", [g], LOCATE)
    msg = str(e.value)
    assert "'Stt | Chỉ tiêu | Đơn vị tính | Kế hoạch'" in msg
    assert "could not fill: task, lead, deadline or output" in msg and "Chỉ tiêu → extra" in msg


def test_sections_tasks_and_subtasks():
    g = grid([0, 40, 300, 420, 520], [
        ["Stt", "Nội dung", "Chủ trì", "Thời gian"],
        ["PHẦN I", "NHIỆM VỤ CHUNG", None, None],
        ["1", "Cải cách thể chế", "", ""],
        ["1.1", "Rà soát văn bản", "Sở Tư pháp", "Quý I/2024"],
        ["1.2", "Kiểm tra văn bản", "Sở Tư pháp", "Quý II/2024"],
        ["2", "Tuyên truyền", "Sở Thông tin", "Năm 2024"],
        ["", "B. NHIỆM VỤ RIÊNG", None, None],
        ["a)", "Số hóa hồ sơ", "Văn phòng", "Năm 2024"],
    ], spans={(1, 1): (1, 3), (6, 1): (1, 3)})
    tables = grids_to_page_tables("x.pdf", [g], LOCATE)
    stitched = page_tables_to_table(tables, StitchSettings())
    assert [(s.numeral, s.title.text()) for s in stitched.sections] == [("PHẦN I", "NHIỆM VỤ CHUNG"), ("B", "NHIỆM VỤ RIÊNG")]
    rows = [_hierarchy(t) for t in stitched.tasks]
    assert [(r["section_no"], r["task_no"], r["subtask_no"], r["task_text"], r["subtask_text"]) for r in rows] == [
        ("PHẦN I", 1, None, "Cải cách thể chế", None),
        ("PHẦN I", 1, "1.1", "Cải cách thể chế", "Rà soát văn bản"),
        ("PHẦN I", 1, "1.2", "Cải cách thể chế", "Kiểm tra văn bản"),
        ("PHẦN I", 2, None, "Tuyên truyền", None),
        ("B", None, None, "Số hóa hồ sơ", None),  # "a)" with no task above it in its section is a task
    ]
    parents = {id(t.parent) for t in stitched.tasks if t.parent is not None}
    # Task 1 is a heading over its sub-tasks: its own row (no lead, no deadline) is not an activity.
    assert [len(activity_rows(t, parents)) for t in stitched.tasks] == [0, 1, 1, 1, 1]


@pytest.mark.parametrize("text, level, value", [
    ("I", "section", 1), ("IV.", "section", 4), ("PHẦN II", "section", 2), ("Phần thứ ba", "section", 3), ("B.", "section", 2),
    ("1", "task", 1), ("12.", "task", 12), ("(3)", "task", 3), ("1.2", "subtask", 2), ("a)", "subtask", 1), ("đ)", "subtask", 5),
    ("-", "subtask", None),
])
def test_numbering(text, level, value):
    n = parse_stt(text)
    assert n is not None and (n.level, n.value) == (level, value)


@pytest.mark.parametrize("text", ["Sở", "Quý I/2024", "", "IIII", "Nội dung"])
def test_not_numbers(text):
    assert parse_stt(text) is None


def test_leading_numbers_and_sequences():
    lead, _ = split_leading_number("II. CẢI CÁCH THỂ CHẾ")
    assert lead is not None and lead.text == "II"
    assert split_leading_number("PHẦN I - NHIỆM VỤ CHUNG") == (parse_stt("PHẦN I"), "NHIỆM VỤ CHUNG")
    assert split_leading_number("Cải cách thể chế") == (None, "Cải cách thể chế")
    assert is_sequence([1, 2, 3]) and not is_sequence([1, 3])


def test_a_section_row_across_the_whole_table_stt_column_included():
    g = grid([0, 30, 300, 420, 520], [
        ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"],
        ["I. HOÀN THIỆN THỂ CHẾ", None, None, None],
        ["1", "Rà soát văn bản", "Sở Tư pháp", "Quý I/2024"],
        ["NHIỆM VỤ KHÁC", None, None, None],
        ["2", "Kiểm tra", "Sở Nội vụ", "Năm 2024"],
    ], spans={(1, 0): (1, 4), (3, 0): (1, 4)})
    stitched = page_tables_to_table(grids_to_page_tables("x.pdf", [g], LOCATE), StitchSettings())
    assert [(s.numeral, s.title.text()) for s in stitched.sections] == [("I", "HOÀN THIỆN THỂ CHẾ"), ("", "NHIỆM VỤ KHÁC")]
    assert [(t.section.title.text() if t.section else None, t.stt.text()) for t in stitched.tasks] == [("HOÀN THIỆN THỂ CHẾ", "1"), ("NHIỆM VỤ KHÁC", "2")]
