"""Structure from the sequence: a misread Stt numeral never breaks the table (pipeline.numbering_repair),
and doubt reaches the row (pipeline.ocr_review).

Unit tests build page tables by hand (known truth, no Tesseract); the Tesseract tests read the
bundled scanned sample and compare with the born-digital sample's extraction.
"""
from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from core.records import Cell, Fragment, PageGrid, PageRoute, PageRow, PageTable
from pipeline.completeness import unplaced_rows
from pipeline.numbering_repair import decode, numeral_text, parse_numeral, repair_numbering
from pipeline.ocr_review import review_rows
from pipeline.settings import Settings
from pipeline.stitch import page_tables_to_table
from tests.conftest import ROOT

SETTINGS = Settings.from_yaml(ROOT / "params.yaml")
FIELDS = ("stt", "task", "activity", "output", "lead", "partners", "deadline")
COLS = [40.0, 70.0, 220.0, 390.0, 530.0, 625.0, 735.0, 801.0]


def _row(page: int, top: float, stt: str, *, section: str = "", task: str = "", activity: str = "") -> PageRow:
    texts = {"stt": stt, "task": section or task, "activity": "" if section else activity,
             "output": "" if section else (activity and "Báo cáo"), "lead": "" if section else (activity and "Sở Nội vụ"),
             "partners": "", "deadline": "" if section else (activity and "Quý II/2022")}
    from extractors.header import is_roman
    return PageRow(page, {f: Fragment(t, False) for f, t in texts.items()}, top, top + 20, is_section=is_roman(stt))


def _table(page: int, rows: list[PageRow]) -> PageTable:
    return PageTable(page, {f: i for i, f in enumerate(FIELDS)}, {}, rows, 60.0, 60.0 + 20 * len(rows), 595.0, 14.0)


def _grid(table: PageTable, confs: dict[float, float] | None = None, source=PageRoute.OCR) -> PageGrid:
    """The page grid the table came from: one cell per field and row, OCR confidences by row top."""
    ys = [r.top for r in table.rows] + [table.rows[-1].bottom]
    cells = []
    for i, r in enumerate(table.rows):
        for c, f in enumerate(FIELDS):
            conf = (confs or {}).get(r.top, 95.0)
            cells.append(Cell(i, c, 1, 1, (COLS[c], r.top, COLS[c + 1], r.bottom), r.text(f),
                              ocr_raw=r.text(f), ocr_conf=conf if r.text(f) else None))
    return PageGrid(table.page_no, 841.89, 595.28, COLS, ys, cells, source=source, ocr_skew=0.0)


def _plan(stts: list[str], printed: list[str] | None = None) -> list[PageTable]:
    """Rows with these Stt readings, one row each, over pages of four rows; laid out as the
    `printed` numerals say (a section row holds only its title), by default as read."""
    rows = []
    for i, (s, p) in enumerate(zip(stts, printed or stts)):
        page = 2 + i // 4
        top = 80.0 + 20 * (i % 4)
        num = parse_numeral(p)
        rows.append(_row(page, top, s, section=f"Phần {p}") if num and num[0] == "section"
                    else _row(page, top, s, task=f"Nhiệm vụ {i}", activity=f"Hoạt động {i}"))
    return [_table(p, [r for r in rows if r.page_no == p]) for p in sorted({r.page_no for r in rows})]


def _stts(tables: list[PageTable]) -> list[str]:
    return [r.text("stt") for t in tables for r in t.rows]


# ---- the sequence ------------------------------------------------------------------------------------------

def test_numerals_parse_and_print():
    assert parse_numeral("III.") == ("section", (3,))
    assert parse_numeral("12") == ("task", (12,))
    assert parse_numeral("1.2.") == ("task", (1, 2))
    assert parse_numeral("IIII") is None and parse_numeral("a)") is None
    assert numeral_text(("section", (14,))) == "XIV" and numeral_text(("task", (2, 3))) == "2.3"


@pytest.mark.parametrize("read, want", [
    # the bundled scan: task 1's "1" read as "I" made it a second section I
    (["I", "I", "2", "3", "II", "1", "2"], ["I", "1", "2", "3", "II", "1", "2"]),
    # held-out scan: "III" read "II" gave two sections II and shifted every key after it
    (["I", "1", "II", "1", "2", "II", "1", "IV", "1"], ["I", "1", "II", "1", "2", "III", "1", "IV", "1"]),
    # the Vietnamese model's "H" for II, "l" for 1, "11" for II
    (["I", "l", "2", "H", "1", "2"], ["I", "1", "2", "II", "1", "2"]),
    (["I", "1", "11", "1", "III", "1"], ["I", "1", "II", "1", "III", "1"]),
    # numbering that goes on through the plan, and hierarchical numbering
    (["I", "1", "2", "II", "3", "I", "5"], ["I", "1", "2", "II", "3", "4", "5"]),
    (["I", "1", "1.1", "1.Z", "1.3", "2", "2.1"], ["I", "1", "1.1", "1.2", "1.3", "2", "2.1"]),
])
def test_misread_numerals_are_repaired_from_the_sequence(read, want):
    tables = _plan(read, want)
    result = repair_numbering(tables, [_grid(t) for t in tables])
    assert _stts(result.tables) == want
    assert [r.is_section for t in result.tables for r in t.rows] == [parse_numeral(w)[0] == "section" for w in want]
    changed = [(a, b) for a, b in zip(read, want) if a != b]
    assert [(r.read, r.used) for r in result.repairs] == changed
    assert all(r.reason and 0.5 <= r.confidence <= 1.0 for r in result.repairs)
    # no row is added or lost, and the other fragments are untouched
    assert [len(t.rows) for t in result.tables] == [len(t.rows) for t in tables]
    assert [r.text("task") for t in result.tables for r in t.rows] == [r.text("task") for t in tables for r in t.rows]


def test_a_plan_that_really_skips_or_repeats_a_number_is_kept():
    """A confident reading that breaks the sequence is a printed skip, not a misread."""
    for read in (["I", "1", "2", "4", "5"], ["I", "1", "2", "2", "3"], ["I", "1", "III", "1", "IV", "1"],
                 ["I", "1", "2", "3", "5", "II", "1"]):
        tables = _plan(read)
        result = repair_numbering(tables, [_grid(t) for t in tables])
        assert _stts(result.tables) == read and result.repairs == []


def test_born_digital_pages_are_never_repaired():
    tables = _plan(["I", "I", "2", "3"], ["I", "1", "2", "3"])
    result = repair_numbering(tables, [_grid(t, source=PageRoute.TEXT) for t in tables])
    assert _stts(result.tables) == ["I", "I", "2", "3"] and result.repairs == []


def test_an_unsure_reading_is_cheaper_to_overrule():
    rows = _plan(["I", "1", "2", "4", "4"])  # "2 4 4": the first 4 is a 3 misread, or a printed skip + repeat
    sure = repair_numbering(rows, [_grid(t) for t in rows])
    unsure_top = rows[0].rows[3].top
    unsure = repair_numbering(rows, [_grid(rows[0], {unsure_top: 20.0})] + [_grid(t) for t in rows[1:]])
    assert _stts(unsure.tables) == ["I", "1", "2", "3", "4"]
    assert unsure.repairs[0].confidence >= sure.repairs[0].confidence if sure.repairs else True


def test_rereads_are_asked_only_for_doubtful_cells_and_decide():
    tables = _plan(["I", "I", "2", "3", "II", "1"], ["I", "1", "2", "3", "II", "1"])
    asked = []

    class Reading:
        def __init__(self, text, conf, how):
            self.text, self.conf, self.how = text, conf, how

    def reread(page, bbox):
        asked.append((page, bbox[1]))
        return [Reading("1", 95.0, "eng numerals-only psm7"), Reading("1", 97.0, "vie numerals-only psm7")]

    result = repair_numbering(tables, [_grid(t) for t in tables], reread)
    assert asked == [(2, 100.0)], "only the row the sequence overrules is re-read"
    (repair,) = result.repairs
    assert (repair.read, repair.used, repair.kind) == ("I", "1", "task")
    assert "re-read as 1" in repair.reason and len(repair.rereads) == 2 and repair.bbox is not None


def test_decode_prefers_lookalikes_over_jumps():
    tables = _plan(["I", "1", "2", "3", "II", "1"])
    cost, path = decode([])
    assert path == []
    result = repair_numbering(tables, [_grid(t) for t in tables])
    assert result.repairs == []


# ---- nothing lost -------------------------------------------------------------------------------------

def test_a_task_taken_for_a_section_loses_text_and_it_is_reported():
    tables = _plan(["I", "I", "2"], ["I", "1", "2"])
    grids = [_grid(t) for t in tables]
    before = page_tables_to_table(tables, SETTINGS.stitch)
    lost = unplaced_rows(tables, before)
    assert {u.text for u in lost} >= {"Hoạt động 1", "Sở Nội vụ"}, "the misread row's cells did not reach the output"
    result = repair_numbering(tables, grids)
    after = page_tables_to_table(result.tables, SETTINGS.stitch)
    assert unplaced_rows(result.tables, after) == []
    assert [(t.section.numeral, t.stt.text(), t.text.text()) for t in after.tasks] == [
        ("I", "1", "Nhiệm vụ 1"), ("I", "2", "Nhiệm vụ 2")]
    assert [s.title.text() for s in after.sections] == ["Phần I"]


def test_rows_before_the_first_task_are_unplaced():
    tables = [_table(2, [_row(2, 80.0, "", task="", activity="Hoạt động mồ côi"), _row(2, 100.0, "I", section="Phần I"),
                         _row(2, 120.0, "1", task="Nhiệm vụ", activity="Hoạt động")])]
    lost = unplaced_rows(tables, page_tables_to_table(tables, SETTINGS.stitch))
    assert {(u.text, u.reason) for u in lost} >= {("Hoạt động mồ côi", "in a row before the first numbered task")}


# ---- doubt to the row -------------------------------------------------------------------------------------

def test_rows_carry_their_lowest_confidence_and_why_they_need_review():
    tables = _plan(["I", "I", "2", "3"], ["I", "1", "2", "3"])
    grids = [_grid(t, {140.0: 41.0}) for t in tables]  # the row of task 3 was read badly
    doubt = "quarter: read 'II', re-read 'III' / 'II'"
    g = grids[0]
    g.cells = [dataclasses.replace(c, ocr_doubts=(doubt,) if (c.row, c.col) == (2, 6) else ()) for c in g.cells]
    result = repair_numbering(tables, grids)
    stitched = page_tables_to_table(result.tables, SETTINGS.stitch)
    reviews = review_rows(stitched, grids, result.tables, result.repairs)
    assert len(reviews) == len(stitched.rows) == 3
    first, second, third = reviews
    assert first.needs_review and any(r.startswith("repaired_numeral: task 1") for r in first.reasons)
    assert second.needs_review and second.reasons == [f"doubtful_deadline: {doubt}"]
    assert third.min_ocr_confidence == 41.0 and third.reasons[0].startswith("low_confidence")
    assert {(f, p) for f, p, _ in third.cells} == {(f, 2) for f in ("stt", "task", "activity", "output", "lead", "deadline")}
    assert [(f, p) for f, p, _ in second.cells] == [("deadline", 2)]
    assert first.min_ocr_confidence == 95.0


def test_born_digital_rows_need_no_review():
    tables = _plan(["I", "1", "2"])
    grids = [_grid(t, source=PageRoute.TEXT) for t in tables]
    stitched = page_tables_to_table(tables, SETTINGS.stitch)
    assert all(r.min_ocr_confidence is None and not r.needs_review for r in review_rows(stitched, grids, tables))


# ---- the bundled scanned sample ----------------------------------------------------------------------------

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")


def scan_to_stitched(path, settings=SETTINGS):
    """The stages up to `locate`, then the numbering repair with re-reads, then `stitch`: what the
    pipeline does once the integrator wires the stage (README of pipeline/numbering_repair.py)."""
    from extractors.ocr import OcrRereader
    from pipeline.stages import run_stages

    run = run_stages(path, settings, until="locate")
    from extractors.pdf_document import open_pdf
    doc = open_pdf(path)
    try:
        reader = OcrRereader(doc.pdf, run.grids, settings.read)
        result = repair_numbering(run.tables, run.grids, reader.read_numeral)
    finally:
        doc.close()
    return run, result, page_tables_to_table(result.tables, settings.stitch), reader


@needs_tesseract
@pytest.mark.slow
def test_bundled_scan_keeps_every_task_under_its_own_number():
    """Task I.1 used to be lost (its "1" read as "I": section I's title replaced by its text). Every
    task of the scanned pages is present under its own number with the born-digital sample's text."""
    from pipeline.stages import extract

    born = extract(ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd.pdf", SETTINGS)
    appendix = born.tables["document"][0]["appendix_pages"]
    run, result, stitched, reader = scan_to_stitched(ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd-scan.pdf")
    from scripts.render_sample import SCAN_APPENDIX_PAGES
    scanned = {p: i + 2 for i, p in enumerate(appendix[:SCAN_APPENDIX_PAGES])}  # born page → scan page
    last_scanned = max(scanned)
    want = [t for t in born.tables["tasks"] if t["page_start"] in scanned]
    got = {(t.section.numeral if t.section else None, t.stt.text().rstrip(".")): t for t in stitched.tasks}
    assert [k for k in ((w["section_no"], str(w["task_no"])) for w in want) if k not in got] == []
    assert len(stitched.tasks) == len(want)
    for w in want:
        g = got[(w["section_no"], str(w["task_no"]))]
        text = g.text.text()
        expected = w["task_text"] if w["page_end"] <= last_scanned else w["task_text"][:len(text)]
        assert Levenshtein.normalized_distance(expected, text) <= 0.03, (w["task_no"], expected, text)
    born_titles = {s["section_no"]: s["section_title"] for s in born.tables["tasks"]}
    assert {s.numeral: s.title.text() for s in stitched.sections} == {k: born_titles[k] for k in ("I", "II")}
    assert unplaced_rows(result.tables, stitched) == []
    assert any((r.read, r.used) == ("I", "1") for r in result.repairs)
    assert result.rereads <= 5, "re-reads only for doubtful cells"


# ---- numerals inside text ------------------------------------------------------------------------------------

def _glyphs(text: str, px: int = 66) -> np.ndarray:
    """`text` set in the plans' serif font (Liberation Serif), black on white, cap height ~px."""
    from PIL import Image, ImageDraw, ImageFont

    from tests.factory.fonts import font_files

    path = next(p for p in font_files() if "Serif-Regular" in p.name)
    font = ImageFont.truetype(str(path), int(px * 1.5))
    img = Image.new("L", (int(px * 1.2 * len(text)) + 40, int(px * 2.2)), 255)
    ImageDraw.Draw(img).text((20, 10), text, font=font, fill=0)
    return np.asarray(img)


@pytest.mark.parametrize("text, want", [("I/2022", "I"), ("II/2022", "II"), ("III/2022", "III"), ("IV/2022", "IV"),
                                        ("III,", "III"), ("II", "II"), ("VII", "VII"), ("2022", None),
                                        ("XII", None)])
def test_quarters_are_read_by_their_strokes(text, want):
    from extractors.ocr import roman_strokes
    assert roman_strokes(_glyphs(text)) == want


def test_numerals_in_text_that_need_a_second_look():
    from extractors.ocr import text_numeral_targets
    from extractors.ocr_tesseract import Word

    def line(*tokens, conf=96.0, row=0):
        return [Word(100 * i, 50 * row, 80, 30, conf if t.startswith("?") else 96.0, t.lstrip("?"), (1, 1, row))
                for i, t in enumerate(tokens)]

    sure = line("Quý", "II/2022")
    assert text_numeral_targets(sure) == []
    assert text_numeral_targets(sure, every_quarter=True) == [(1, "quarter")]
    assert text_numeral_targets(line("Quý", "?II/2022", conf=45.0)) == [(1, "quarter")]
    assert text_numeral_targets(line("Quý", "II/2O22")) == [(1, "quarter")], "not a quarter as read"
    assert sorted(text_numeral_targets(line("Quý", "II,", "IV/2022"))) == [(1, "quarter"), (2, "quarter")], \
        "a list of quarters that skips one"
    assert text_numeral_targets(line("Quý", "III,", "IV/2022")) == []
    assert text_numeral_targets(line("khóa", "?XII", conf=50.0)) == [(1, "roman")]
    assert text_numeral_targets(line("ngày", "?30/6/2022", conf=60.0)) == [(1, "date")]
    # "Quý" ends a line and its numeral starts the next one, in the same cell
    two_lines = line("Quý") + line("II/2022", "và", row=1)
    assert text_numeral_targets(two_lines, [0, 0, 0], every_quarter=True) == [(1, "quarter")]


def test_output_rows_for_repairs_reviews_and_the_document():
    from pipeline.ocr_review import document_counts, repair_records, review_columns, unplaced_records

    tables = _plan(["I", "I", "2"], ["I", "1", "2"])
    grids = [_grid(t) for t in tables]
    before = page_tables_to_table(tables, SETTINGS.stitch)
    result = repair_numbering(tables, grids)
    stitched = page_tables_to_table(result.tables, SETTINGS.stitch)
    reviews = review_rows(stitched, grids, result.tables, result.repairs)
    (rec,) = repair_records("doc", result.repairs)
    assert (rec["page"], rec["kind"], rec["read"], rec["used"], rec["status"]) == (2, "task", "I", "1", "repaired")
    cols = review_columns(reviews[0])
    assert cols["needs_review"] is True and cols["min_ocr_confidence"] == 95.0 and cols["review_reasons"]
    lost = unplaced_rows(tables, before)
    assert {r["text"] for r in unplaced_records("doc", lost)} >= {"Hoạt động 1"}
    assert document_counts(reviews, result, []) == {"needs_review_count": 1, "numeral_repair_count": 1,
                                                   "numeral_doubt_count": 0, "reread_cell_count": 0, "unplaced_count": 0}


@pytest.mark.parametrize("read, strokes, want, doubtful", [
    ("III/2022", "III", "III/2022", False),  # strokes and readings agree
    ("II/2022", "III", "III/2022", True),  # serif I's joined: the strokes count them
    ("IV/2022", "I", "IV/2022", True),  # the V's arms broke in the band: the strokes missed it
])
def test_strokes_count_the_is_and_the_readings_say_whether_there_is_a_v(monkeypatch, read, strokes, want, doubtful):
    from extractors import ocr
    from extractors.ocr_tesseract import Word

    image = np.full((200, 900), 255, np.uint8)
    image[60:120, 300:340] = 0  # ink where the numeral is (its crop is read by the stubs below)
    words = [Word(100, 60, 150, 60, 96.0, "Quý", (1, 1, 1)), Word(300, 60, 200, 60, 60.0, read, (1, 1, 1))]
    crop = ocr._Crop(0, 0, image)
    monkeypatch.setattr(ocr, "roman_strokes", lambda img: strokes)
    # each constrained re-read reads what the free reading read, in the first (only) band of the stack
    gap = int(round(ocr.STACK_GAP_PT * 300 * ocr.REREAD_SCALE / 72))
    monkeypatch.setattr(ocr, "image_to_words", lambda img, **kw: [Word(gap, gap + 5, 100, 40, 80.0, read, (1, 1, 1))])
    out, doubts = ocr.reread_text_numerals(image, [(w, crop) for w in words], 300, "vie")
    assert out[1][0].text == want
    assert (1 in doubts) is doubtful


def test_an_ocr_deadline_that_does_not_parse_is_flagged():
    from normalizers.deadlines import parse_deadline

    tables = _plan(["I", "1", "2"])
    t = tables[0]
    t.rows[2].fragments["deadline"] = Fragment("Qưý lI/2O22", False)  # misread past the parser
    grids = [_grid(t)]
    grids[0].cells = [dataclasses.replace(c, text="Qưý lI/2O22", ocr_raw="Qưý lI/2O22")
                      if (c.row, c.col) == (2, 6) else c for c in grids[0].cells]
    stitched = page_tables_to_table(tables, SETTINGS.stitch)
    deadlines = [parse_deadline(r.text("deadline") or None, 2022) for r in stitched.rows]
    assert [d.kind for d in deadlines] == ["quarter", "unknown"]
    reviews = review_rows(stitched, grids, tables, (), deadlines=deadlines)
    assert not reviews[0].needs_review
    assert reviews[1].reasons == ["unparsed_deadline: 'Qưý lI/2O22'"]
    assert [(f, p) for f, p, _ in reviews[1].cells] == [("deadline", 2)]
    # the same text on a born-digital page is not a reading to check
    born = [_grid(t, source=PageRoute.TEXT)]
    assert not any(r.needs_review for r in review_rows(stitched, born, tables, (), deadlines=deadlines))
