"""`ok` means complete: the checks of pipeline/completeness.py on hand-made tables and on the samples."""
from __future__ import annotations

import pytest

from core.records import FIELDS, Fragment, LogicalCell, LogicalSection, PageGrid, PageRow, PageTable, Severity, StitchedTable
from pipeline.completeness import check_numbering, check_pages, check_placement, section_ordinal, task_number
from pipeline.settings import StitchSettings
from pipeline.stitch import page_tables_to_table


def _row(page: int, texts: list[str], bottom: float = 10) -> PageRow:
    frags = {f: Fragment(t, False, 1, None) for f, t in zip(FIELDS, texts)}
    return PageRow(page, frags, bottom - 10, bottom, is_section=texts[0] in {"I", "II", "III", "IV"})


def _page(page: int, rows: list[PageRow], height: float = 595) -> PageTable:
    return PageTable(page, {f: i for i, f in enumerate(FIELDS)}, {}, rows, 40, max(r.bottom for r in rows), height, 14)


def _task(n: str, text: str = "Nhiệm vụ") -> list[str]:
    return [n, f"{text} {n}", "Hoạt động", "Báo cáo", "Sở Nội vụ", "", "Năm 2022"]


def _stitched(*pages: PageTable) -> tuple[list[PageTable], StitchedTable]:
    return list(pages), page_tables_to_table(list(pages), StitchSettings())


def test_complete_table_has_no_errors():
    tables, st = _stitched(_page(1, [_row(1, ["I", "Thể chế", "", "", "", "", ""]), _row(1, _task("1")), _row(1, _task("2"))]),
                           _page(2, [_row(2, ["II", "Thủ tục", "", "", "", "", ""]), _row(2, _task("1"))]))
    assert check_placement(tables, st) == [] and check_numbering(st) == []


def test_a_cell_the_stitcher_drops_is_reported_with_its_page():
    tables, st = _stitched(_page(1, [_row(1, ["I", "Thể chế", "", "", "", "", ""]), _row(1, _task("1"))]))
    # Simulate a stitcher that loses a row (as the scanned sample's section row once swallowed task 1).
    st.rows.clear()
    st.tasks[0].rows.clear()
    errors = check_placement(tables, st)
    assert errors and all(e.severity == Severity.ERROR and e.page == 1 for e in errors)
    assert any("activity 'Hoạt động'" in e.message for e in errors)


def test_section_row_text_beyond_its_title_is_not_silently_lost():
    # A section row that also carries an activity's cells (an OCR misread of the row above): the
    # stitcher keeps the title only, so the other cells must show up as unplaced.
    row = _row(1, ["I", "Thể chế", "Sửa đổi văn bản", "Nghị quyết", "Sở Tư pháp", "", "Năm 2022"])
    tables, st = _stitched(_page(1, [row, _row(1, _task("1"))]))
    missing = {e.message.split(": ")[1].split()[0] for e in check_placement(tables, st)}
    assert missing == {"activity", "output", "lead", "deadline"}


@pytest.mark.parametrize("numerals, breaks", [
    (["I", "II", "III"], []),
    (["I", "II", "II"], ["II"]),  # an OCR misread of III
    (["I", "III"], ["III"]),
    (["A", "B", "C"], []),
    (["PHẦN I", "PHẦN II"], []),
])
def test_section_numbering(numerals, breaks):
    st = StitchedTable([LogicalSection(n, LogicalCell(), 1) for n in numerals], [], [], [])
    assert [e.message.split("'")[1] for e in check_numbering(st)] == breaks


def test_task_numbering_restarting_or_straight_through_both_pass_gaps_fail():
    restart = _page(1, [_row(1, ["I", "A", "", "", "", "", ""]), _row(1, _task("1")), _row(1, _task("2")),
                        _row(1, ["II", "B", "", "", "", "", ""]), _row(1, _task("1"))])
    through = _page(1, [_row(1, ["I", "A", "", "", "", "", ""]), _row(1, _task("1")), _row(1, _task("2")),
                        _row(1, ["II", "B", "", "", "", "", ""]), _row(1, _task("3"))])
    gap = _page(1, [_row(1, ["I", "A", "", "", "", "", ""]), _row(1, _task("1")), _row(1, _task("3"))])
    assert check_numbering(_stitched(restart)[1]) == []
    assert check_numbering(_stitched(through)[1]) == []
    assert [e.message for e in check_numbering(_stitched(gap)[1])] == ["task numbering breaks at '3' after 1 (section 'I')"]


def test_numeral_parsers():
    assert [section_ordinal(t) for t in ("I", "IV.", "IX", "PHẦN III", "B.", "IIII", "")] == [1, 4, 9, 3, 2, None, None]
    assert [task_number(t) for t in ("1", "2.", "1.2", "a)", "")] == [(1,), (2,), (1, 2), None, None]


def test_a_hole_in_the_appendix_pages_is_reported():
    tables = [_page(p, [_row(p, _task(str(p)))]) for p in (3, 4, 6)]
    grids = [PageGrid(p, 842, 595, [0, 1], [0, 1], []) for p in (3, 4, 5, 6)]
    errors = check_pages(tables, grids, page_count=8)
    assert [(e.page, "not recognised" in e.message) for e in errors] == [(5, True)]


def test_born_digital_sample_is_ok_and_body_oddities_are_warnings(sample_run):
    doc = sample_run.extraction.tables["document"][0]
    assert doc["status"] == "ok" and doc["errors"] == []
    assert any("printed twice" in w for w in doc["warnings"])  # a body oddity: reported, not a downgrade
    assert {p["severity"] for p in doc["problems"]} == {"warning"}


def test_pages_lost_from_a_damaged_page_tree_make_the_document_partial(tmp_path, params):
    """Seven page references cut from the page tree (and its /Count): PDFium reads 29 pages without a word."""
    import re

    from pipeline.stages import run_stages
    from tests.conftest import SAMPLE_PDF

    data = SAMPLE_PDF.read_bytes()
    kids = re.search(rb"/Kids\s*\[([^\]]*)\]", data)
    refs = re.findall(rb"\d+ 0 R", kids.group(1))
    count = re.search(rb"/Count (\d+)", data)
    assert count and int(count.group(1)) == len(refs) == 36
    short = b"/Kids [ " + b" ".join(refs[:-7]) + b" ]"
    data = data[:kids.start()] + short.ljust(len(kids.group(0))) + data[kids.end():]
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(data.replace(b"/Count 36", b"/Count 29"))
    doc = run_stages(damaged, params, until="check").extraction.tables["document"][0]
    assert doc["status"] == "partial"
    assert doc["errors"] == ["the file holds 36 page objects but only 29 pages could be read: 7 page(s) lost to damage"]


def test_page_objects_are_counted_once_and_pages_trees_are_not_pages():
    from extractors.page_objects import count_page_objects

    data = (b"%PDF-1.4\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >> endobj\n"
            b"2 0 obj << /Type /Page /Parent 1 0 R >> endobj\n3 0 obj <</Type/Page/Parent 1 0 R>> endobj\n"
            b"2 0 obj << /Type /Page /Parent 1 0 R /Rotate 90 >> endobj\n"  # an incremental update of page 2
            b"4 0 obj << /Length 20 >> stream\n/Type /Page inside a stream\nendstream endobj\n%%EOF")
    assert count_page_objects(data) == 2
