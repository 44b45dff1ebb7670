"""The page-break judge on hand-made page tables: each signal moves the decision the way it should."""
from __future__ import annotations

import pytest

from core.records import FIELDS, Fragment, PageRow, PageTable
from pipeline.settings import StitchSettings
from pipeline.stitch import page_tables_to_table, word_joins


def _row(page: int, texts: list[str], covered=(), fills=None) -> PageRow:
    """fills: None (geometry unknown), True (every cell full to its bottom) or the set of fields that are full."""
    def full(f, t):
        if fills is None or not t:
            return None
        return True if fills is True else f in fills
    frags = {f: Fragment(t, f in covered, 1, full(f, t)) for f, t in zip(FIELDS, texts)}
    return PageRow(page, frags, 0, 10, is_section=texts[0] in {"I", "II"})


def _page(page: int, rows: list[PageRow], bottom: float = 550) -> PageTable:
    return PageTable(page, {f: i for i, f in enumerate(FIELDS)}, {}, rows, 40, bottom, 595, 14)


def _stitch(last_of_first_page: list[str], first_of_second: list[str], fills=True, bottom: float = 550, settings=None):
    p1 = _page(1, [_row(1, ["I", "Cải cách thể chế", "", "", "", "", ""]),
                   _row(1, last_of_first_page, fills=fills)], bottom)
    p2 = _page(2, [_row(2, first_of_second), _row(2, ["2", "Nhiệm vụ khác", "Hoạt động", "Báo cáo", "Sở Nội vụ", "", "Năm 2022"])])
    return page_tables_to_table([p1, p2], settings or StitchSettings())


ROW = ["1", "Thể chế hóa", "Tham mưu UBND tỉnh phê", "Công văn phê bình,", "Văn phòng", "Các sở, ban, ngành", "Thường"]


def test_cut_row_is_joined_with_evidence():
    t = _stitch(ROW, ["", "", "bình, kiểm điểm", "kiểm điểm", "UBND tỉnh", "tỉnh; UBND cấp huyện", "xuyên"])
    d = t.decisions[1]
    assert d.decision == "continue_row" and d.confidence > 0.95
    signals = {(e.signal, e.field) for e in d.evidence}
    assert {("lowercase_start", "activity"), ("deadline_incomplete", "deadline"), ("dangling_end", "lead")} <= signals
    row = t.rows[0]
    assert row.text("deadline") == "Thường xuyên" and row.text("lead") == "Văn phòng UBND tỉnh"
    assert row.pages() == [1, 2] and len(t.rows) == 2


def test_task_text_continues_beside_a_new_activity():
    done = ["3", "Tăng cường tham vấn", "Phối hợp với các cơ quan", "Hội thảo", "Các sở, ban, ngành tỉnh", "Sở Tư pháp", "Năm 2022"]
    t = _stitch(done, ["", "trong quá trình xây dựng", "Phối hợp xây dựng dự thảo", "Báo cáo thẩm định", "Sở Tư pháp",
                       "Các sở, ban, ngành tỉnh", "Năm 2022"], fills={"task"}, bottom=500)
    d = t.decisions[1]
    assert d.decision == "continue_task"
    assert {"room_left_above", "deadline_complete", "row_ended_early"} <= {e.signal for e in d.evidence}
    assert t.tasks[0].text.text() == "Tăng cường tham vấn trong quá trình xây dựng"
    assert [r.text("activity") for r in t.tasks[0].rows] == ["Phối hợp với các cơ quan", "Phối hợp xây dựng dự thảo"]


def test_new_activity_of_same_task_at_page_top():
    done = ["1", "Kiện toàn bộ máy", "Rà soát chức năng", "Quyết định", "Các sở, ban, ngành tỉnh", "Sở Nội vụ", "Khi có văn bản hướng dẫn"]
    t = _stitch(done, ["", "", "Sắp xếp tổ chức bộ máy", "Quyết định", "Các sở, ban, ngành tỉnh", "Sở Nội vụ", "Thường xuyên"], fills=None)
    assert t.decisions[1].decision == "new_activity"
    assert len(t.tasks[0].rows) == 2 and t.tasks[0].rows[1].inherited == []


def test_empty_piece_of_a_merged_cell_is_inherited_at_page_top():
    done = ["1", "Kiểm tra", "Xây dựng Kế hoạch kiểm tra", "Công văn", "Sở Nội vụ", "Các sở, ban, ngành tỉnh", "Thường xuyên"]
    # The activity and output above stop with room for more lines: their pieces below are new text.
    t = _stitch(done, ["", "", "Báo cáo kết quả kiểm tra", "Biên bản", "", "", ""], fills={"task"})
    assert t.decisions[1].decision == "new_activity"
    new = t.tasks[0].rows[1]
    assert new.inherited == ["lead", "partners", "deadline"] and new.text("lead") == "Sở Nội vụ"


@pytest.mark.parametrize("left, right, joined", [
    ("Thường", "xuyên", True), ("Công văn phê", "bình, kiểm điểm", True), ("có liên", "quan", True),
    ("văn bản QPPL", "Chỉ thị", False), ("Năm 2022", "2023", False), ("Văn phòng", "UBND tỉnh", False),
])
def test_word_segmentation_across_the_join(left, right, joined):
    assert word_joins(left, right) is joined


def test_word_segmentation_adds_evidence_only_when_asked():
    above = ["1", "Thể chế hóa", "Thực hiện thường", "Báo cáo", "Sở Tư pháp", "Các sở, ban, ngành tỉnh", "Năm 2022"]
    below = ["", "", "xuyên rà soát", "", "", "", ""]
    clear = _stitch(above, below)  # evidence far from the threshold: the segmenter is not consulted
    assert not any(e.signal == "word_joins" for e in clear.decisions[1].evidence)
    asked = _stitch(above, below, settings=StitchSettings(word_segmentation_margin=100))
    assert any(e.signal == "word_joins" and e.field == "activity" for e in asked.decisions[1].evidence)
    off = _stitch(above, below, settings=StitchSettings(use_word_segmentation=False, word_segmentation_margin=100))
    assert not any(e.signal == "word_joins" for e in off.decisions[1].evidence)


# ---- tables without an activity column, or without Stt: a task is one row ----

SHORT = ("task", "lead", "deadline")


def _short_page(page: int, rows: list[tuple[str, str, str]], fills=None) -> PageTable:
    prows = [PageRow(page, {f: Fragment(t, False, 1, fills if t else None) for f, t in zip(SHORT, r)}, 0, 10) for r in rows]
    return PageTable(page, {f: i for i, f in enumerate(SHORT)}, {}, prows, 40, 550, 595, 14)


def test_without_stt_or_activity_a_row_cut_by_the_break_goes_on():
    p1 = _short_page(1, [("Rà soát văn bản", "Sở Tư pháp", "Quý I/2024"), ("Tổ chức kiểm tra việc thực hiện", "Văn phòng", "Thường")], True)
    p2 = _short_page(2, [("các quy định của tỉnh", "UBND tỉnh", "xuyên"), ("Tổng kết", "Sở Nội vụ", "Năm 2024")])
    t = page_tables_to_table([p1, p2], StitchSettings())
    assert t.decisions[1].decision == "continue_row"
    assert [task.text.text() for task in t.tasks] == [
        "Rà soát văn bản", "Tổ chức kiểm tra việc thực hiện các quy định của tỉnh", "Tổng kết"]
    assert t.rows[1].text("deadline") == "Thường xuyên" and t.rows[1].text("activity") == ""


def test_without_stt_or_activity_a_new_row_at_the_page_top_is_a_task():
    p1 = _short_page(1, [("Rà soát văn bản", "Sở Tư pháp", "Quý I/2024")], False)
    p2 = _short_page(2, [("Tổ chức hội nghị", "Sở Nội vụ", "Năm 2024")])
    t = page_tables_to_table([p1, p2], StitchSettings())
    assert t.decisions[1].decision == "new_task"
    assert [len(task.rows) for task in t.tasks] == [1, 1]
