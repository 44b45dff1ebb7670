"""The plan's body: metadata, sections, targets, legal references and responsibilities.

Expectations for the bundled sample are written from the seed text (tests/fixtures/hung-yen-2022-196-kh-ubnd.seed.txt):
its header block, "II. MỤC TIÊU", the documents it cites and the 16 headings of
"III. TỔ CHỨC THỰC HIỆN". Page numbers are those of the rendered sample PDF.
"""
from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from core.records import BodyLine, Severity
from extractors.body_text import find_first_appendix_page, lines_from_text
from extractors.pdf_document import open_pdf
from normalizers.body import BodyRecords, lines_to_records
from normalizers.body_sections import parse_body, split_abbreviation
from normalizers.plan_meta import issue_place, issuing_body, parse_issue_date, parse_plan_number, recipients, signature
from normalizers.references import find_citations, issuer_from_symbol, parse_date
from normalizers.targets import segment_targets, segments
from pipeline.body import pdf_body_to_records

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd.pdf"


@pytest.fixture(scope="module")
def sample():
    doc = open_pdf(SAMPLE)
    try:
        first = find_first_appendix_page(doc)
        t0 = time.perf_counter()
        records = pdf_body_to_records(doc, first, registry=None)
        elapsed = time.perf_counter() - t0
        yield first, records, elapsed, doc
    finally:
        doc.close()


@pytest.fixture(scope="module")
def rec(sample) -> BodyRecords:
    return sample[1]


# ---- metadata --------------------------------------------------------------------------

def test_first_appendix_page_is_found(sample):
    assert sample[0] == 13


def test_metadata_exactly(rec):
    m = rec.meta
    assert m.issuing_body == "Ủy ban nhân dân tỉnh Hưng Yên"
    assert m.plan_number == "196/KH-UBND"
    assert m.doc_type == "Kế hoạch"
    assert m.issue_date == date(2021, 12, 24)
    assert m.issue_place == "Hưng Yên"
    assert m.province == "Hưng Yên"
    assert m.plan_year == 2022
    assert m.title == "Kế hoạch cải cách hành chính nhà nước tỉnh Hưng Yên năm 2022"
    assert m.signer_name == "Nguyễn Duy Hưng"
    assert m.signer_title == "Phó Chủ tịch"
    assert m.signature_text == "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    assert (m.number_source, m.date_source) == ("header", "header")
    assert m.recipients[0] == "Bộ Nội vụ" and m.recipients[-1] == "Lưu: VT, CVNC" and len(m.recipients) == 12


def test_metadata_of_the_document_around_the_table(rec):
    """The fields that tell the document's type and issuer apart (tests/test_document_types.py has
    every other type); the only body oddity of the sample is its "II" printed twice, a warning."""
    m = rec.meta
    assert (m.doc_type_code, m.parent_body, m.issuer_kind, m.issuer_level) == ("KH", None, "people_committee", "province")
    assert m.issuer_printed == "ỦY BAN NHÂN DÂN / TỈNH HƯNG YÊN"
    assert (m.subject, m.issued_document_type, m.issued_document_title, m.stamp_detail) == (None, None, None, None)
    from normalizers.plan_meta import plan_identity
    assert m.plan_identity == plan_identity("Ủy ban nhân dân tỉnh Hưng Yên", "196/KH-UBND", date(2021, 12, 24),
                                            "Kế hoạch cải cách hành chính nhà nước tỉnh Hưng Yên năm 2022").key
    assert [(w.severity, w.message.split(" (")[0]) for w in rec.warnings] == [
        (Severity.WARNING, "part numeral II printed twice")]


def test_scanned_twin_without_a_number_has_the_same_identity(sample):
    """A scan whose number OCR did not read (and whose header lost its tone marks) is the same plan."""
    _, rec, _, doc = sample
    from extractors.body_text import pdf_to_body_text
    text = pdf_to_body_text(doc, 13)
    lines = [BodyLine(ln.page, "So: .../KH-UBND" if ln.text.startswith("Số:") else
                      ("UY BAN NHAN DAN" if ln.text == "ỦY BAN NHÂN DÂN" else ln.text)) for ln in text.lines]
    got = lines_to_records(lines).meta
    assert got.plan_number is None and got.issuing_body == "Ủy ban nhân dân tỉnh Hưng Yên"
    assert (got.issuer_kind, got.issuer_level) == ("people_committee", "province")
    assert got.plan_identity == rec.meta.plan_identity


def test_number_and_date_fall_back_to_the_appendix_subtitle(sample):
    """Without the header block, the number and date come from "(Kèm theo Kế hoạch số 196 /KH-UBND
    ngày 24 /12/2021 …)" above the appendix table."""
    _, rec, _, doc = sample
    from extractors.body_text import pdf_to_body_text
    text = pdf_to_body_text(doc, 13)
    lines = [ln for ln in text.lines if not (ln.page == 1 and ln.text.startswith(("Số", "Hưng Yên, ngày")))]
    got = lines_to_records(lines, text.appendix_heading)
    assert (got.meta.plan_number, got.meta.issue_date) == ("196/KH-UBND", date(2021, 12, 24))
    assert (got.meta.number_source, got.meta.date_source) == ("appendix", "appendix")


# ---- sections --------------------------------------------------------------------------

SECTIONS = [  # (path, title, page_start, page_end, paragraphs)
    ("preamble", None, 1, 1, 1),
    ("I", "MỤC ĐÍCH, YÊU CẦU", 1, 1, 0),
    ("I.1", "Mục đích", 1, 1, 1),
    ("I.2", "Yêu cầu", 1, 1, 3),
    ("II", "MỤC TIÊU", 1, 1, 1),
    ("II.1", "Cải cách thể chế", 1, 2, 4),
    ("II.2", "Cải cách thủ tục hành chính (TTHC)", 2, 2, 7),
    ("II.3", "Cải cách tổ chức bộ máy hành chính nhà nước", 2, 2, 2),
    ("II.4", "Cải cách chế độ công vụ", 2, 2, 3),
    ("II.5", "Cải cách tài chính công", 2, 3, 2),
    ("II.6", "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số", 3, 3, 8),
    ("II", "NHIỆM VỤ, GIẢI PHÁP", 3, 3, 0),  # printed "II" a second time in the seed
    ("II.1", "Cải cách thể chế", 3, 4, 6),
    ("II.2", "Cải cách thủ tục hành chính", 4, 5, 15),
    ("II.3", "Cải cách tổ chức bộ máy", 5, 6, 6),
    ("II.4", "Cải cách chế độ công vụ", 6, 6, 6),
    ("II.5", "Cải cách tài chính công", 6, 7, 6),
    ("II.6", "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số", 7, 8, 8),
    ("III", "TỔ CHỨC THỰC HIỆN", 8, 8, 0),
    ("III.1", "Ban Chỉ đạo cải cách hành chính tỉnh", 8, 9, 11),
    ("III.2", "Các sở, ban, ngành, đơn vị sự nghiệp công lập thuộc tỉnh; Ủy ban nhân dân các huyện, thị xã, "
              "thành phố", 9, 9, 7),
    ("III.3", "Sở Nội vụ", 9, 10, 8),
    ("III.4", "Sở Tư pháp", 10, 10, 1),
    ("III.5", "Văn phòng Ủy ban nhân dân tỉnh", 10, 10, 2),
    ("III.6", "Sở Tài chính", 10, 10, 3),
    ("III.7", "Sở Thông tin và Truyền thông", 10, 11, 2),
    ("III.8", "Sở Khoa học và Công nghệ", 11, 11, 1),
    ("III.9", "Sở Kế hoạch và Đầu tư", 11, 11, 1),
    ("III.10", "Sở Tài nguyên và Môi trường", 11, 11, 1),
    ("III.11", "Sở Văn hóa, Thể thao và Du lịch", 11, 11, 1),
    ("III.12", "Sở Giáo dục và Đào tạo", 11, 11, 2),
    ("III.13", "Sở Y tế", 11, 11, 2),
    ("III.14", "Sở Xây dựng", 11, 11, 1),
    ("III.15", "Sở Lao động, Thương binh và Xã hội", 11, 11, 1),
    ("III.16", "Báo Hưng Yên, Đài Phát thanh - Truyền Hưng Yên", 11, 12, 1),  # "hình" missing in the seed
    ("closing", None, 12, 12, 1),
]


def test_sections_with_pages(rec):
    got = [(s.path, s.title, s.page_start, s.page_end, s.paragraph_count) for s in rec.sections]
    assert got == SECTIONS
    assert [s.seq for s in rec.sections] == list(range(1, len(SECTIONS) + 1))
    twice = [w for w in rec.warnings if "numeral II printed twice" in w.message]
    assert len(twice) == 1 and twice[0].severity == Severity.WARNING and twice[0].stage == "body"


def test_every_seed_paragraph_is_one_section_paragraph(rec, seed_file):
    """Paragraphs wrap over lines and pages in the PDF; each comes back whole, exactly as in the seed."""
    from tests.factory.seed import parse_body as parse_seed_body
    from tests.factory.seed import split_seed
    body, _, _ = split_seed(seed_file.read_text(encoding="utf-8"))
    seed_paras = [b.text for b in parse_seed_body(body) if b.kind == "para" and not b.text.startswith("Nơi nhận")]
    ours = [p for s in rec.sections for p in s.text.split("\n") if p]
    assert ours == seed_paras


def test_section_text_is_searchable(rec):
    s = next(s for s in rec.sections if s.path == "III.16")
    assert "đồng thời đấu tranh chống các hành vi vi phạm pháp luật" in s.text  # joined across pages 11-12
    closing = rec.sections[-1]
    assert closing.text.startswith("Ủy ban nhân dân tỉnh yêu cầu các cơ quan")


# ---- targets ---------------------------------------------------------------------------

A1, A2, A3 = "Cải cách thể chế", "Cải cách thủ tục hành chính", "Cải cách tổ chức bộ máy hành chính nhà nước"
A4, A5, A6 = "Cải cách chế độ công vụ", "Cải cách tài chính công", "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số"
Y21 = "so với năm 2021"
# (area_no, area, clause, value, value_max, unit, comparator, direction, scope, baseline, aspirational, sub_target, page)
TARGETS = [
    (None, None, None, 20.0, None, "địa phương", "within_top", None, None, None, False, False, 1),  # nhóm 20 địa phương
    (None, None, None, None, None, None, "above", "increase", None, "cao hơn so với năm 2021", False, False, 1),
    (None, None, None, 2.0, 5.0, "bậc", "between", "increase", None, None, False, False, 1),  # PCI từ 2 đến 5 bậc
    (None, None, None, None, None, None, "above", None, None, "cao hơn năm 2021", False, False, 1),  # hài lòng
    (1, A1, "a", 100.0, None, "%", "exactly", None, None, None, False, False, 1),
    (1, A1, "b", 100.0, None, "%", "exactly", None, None, None, False, False, 2),
    (1, A1, "c", 100.0, None, "%", "exactly", None, None, None, False, False, 2),
    (1, A1, "d", 100.0, None, "%", "exactly", None, None, None, False, False, 2),
    (2, A2, "a", 95.0, None, "%", "above", None, None, None, False, False, 2),  # Trên 95% … đúng hạn
    (2, A2, "a", 80.0, None, "%", "exactly", None, None, None, True, False, 2),  # phần đầu 80% … trước hạn
    (2, A2, "b", 50.0, None, "%", "at_least", None, "cấp tỉnh", None, False, False, 2),
    (2, A2, "b", 40.0, None, "%", "at_least", None, "cấp huyện", None, False, False, 2),
    (2, A2, "b", 35.0, None, "%", "at_least", None, "cấp xã", None, False, False, 2),
    (2, A2, "c", 90.0, None, "%", "at_least", None, None, None, False, False, 2),
    (2, A2, "c", 85.0, None, "%", "at_least", None, None, None, False, True, 2),  # Trong đó, … đất đai
    (2, A2, "d", 90.0, None, "%", "exactly", None, None, None, False, False, 2),
    (2, A2, "đ", 100.0, None, "%", "exactly", None, None, None, False, False, 2),
    (2, A2, "e", 100.0, None, "%", "exactly", None, None, None, False, False, 2),
    (2, A2, "g", 100.0, None, "%", "exactly", None, None, None, False, False, 2),
    (2, A2, "g", 80.0, None, "%", "at_least", None, None, None, False, True, 2),  # Trong số đó, ít nhất 80%
    (3, A3, "a", 2.5, None, "%", "at_least", "decrease", None, Y21, False, False, 2),
    (3, A3, "a", 2.0, None, "%", "at_least", "decrease", None, Y21, False, False, 2),
    (3, A3, "b", 90.0, None, "%", "at_least", None, None, None, False, False, 2),
    (3, A3, "b", 85.0, None, "%", "at_least", None, None, None, False, False, 2),  # y tế, giáo dục công lập
    (4, A4, "a", 100.0, None, "%", "exactly", None, None, None, False, False, 2),
    (4, A4, "b", 100.0, None, "%", "exactly", None, None, None, False, False, 2),
    (4, A4, "c", 100.0, None, "%", "exactly", None, None, None, False, False, 2),
    (5, A5, "a", None, None, None, None, "increase", None, None, False, False, 2),  # Tăng số đơn vị … tự bảo đảm
    (5, A5, "a", 10.0, None, "%", "at_least", "increase", None, None, False, False, 2),  # page 2, runs onto 3
    (5, A5, "b", 100.0, None, "%", "exactly", None, None, None, False, False, 3),
    (6, A6, "a", 100.0, None, "%", "exactly", None, None, None, False, False, 3),
    (6, A6, "b", 50.0, None, "%", "exactly", None, "cấp tỉnh", None, False, False, 3),
    (6, A6, "b", 40.0, None, "%", "exactly", None, "cấp huyện", None, False, False, 3),
    (6, A6, "b", 20.0, None, "%", "exactly", None, "cấp xã", None, False, False, 3),
    (6, A6, "c", 70.0, None, "%", "exactly", None, None, None, False, False, 3),
    (6, A6, "d", 70.0, None, "%", "exactly", None, "cấp tỉnh", None, True, False, 3),  # Phân đầu 70% cấp tỉnh
    (6, A6, "d", 60.0, None, "%", "exactly", None, "cấp huyện", None, True, False, 3),
    (6, A6, "đ", 20.0, None, "%", "exactly", None, None, None, False, False, 3),
    (6, A6, "e", 100.0, None, "%", "exactly", None, None, None, False, False, 3),
    (6, A6, "g", 50.0, None, "%", "at_least", None, None, None, True, False, 3),  # đạt từ 50% trở lên
    (6, A6, "h", 100.0, None, "%", "exactly", None, None, None, False, False, 3),
]


def _target_row(t):
    return (t.area_no, t.area, t.clause, t.value, t.value_max, t.unit, t.comparator, t.direction, t.scope,
            t.baseline, t.aspirational, t.sub_target, t.page)


def test_target_count(rec):
    assert len(rec.targets) == len(TARGETS) == 41
    assert sum(t.unit == "%" for t in rec.targets) == 36


@pytest.mark.parametrize("i", range(len(TARGETS)))
def test_target(rec, i):
    assert _target_row(rec.targets[i]) == TARGETS[i]


def test_target_texts_and_abbreviation(rec):
    by = {(t.area_no, t.clause, t.value): t for t in rec.targets}
    assert by[(2, "a", 95.0)].text == "Trên 95% số hồ sơ TTHC được trả kết quả giải quyết đúng hạn"
    assert by[(2, "a", 80.0)].text == "phần đầu 80% hồ sơ TTHC trả kết quả trước hạn"
    assert by[(2, "c", 85.0)].text.startswith("Trong đó, mức độ hài lòng về giải quyết các TTHC lĩnh vực đất đai")
    assert by[(2, "c", 90.0)].text.endswith("đạt tối thiểu 90%")
    assert {t.area_abbr for t in rec.targets if t.area_no == 2} == {"TTHC"}
    assert {t.section_path for t in rec.targets} == {"II", "II.1", "II.2", "II.3", "II.4", "II.5", "II.6"}
    assert [t.seq for t in rec.targets] == list(range(1, 42))


# ---- references ------------------------------------------------------------------------

NQ, ND, QD, CT, KH = "Nghị quyết", "Nghị định", "Quyết định", "Chỉ thị", "Kế hoạch"
CP, TTG, UB, TW = "Chính phủ", "Thủ tướng Chính phủ", "Ủy ban nhân dân tỉnh", "Ban Chấp hành Trung ương"
# (type, number, symbol, year, date, issuer, cited_in, clause, mentions)
REFERENCES = [
    (KH, "184", "KH-UBND", 2021, date(2021, 12, 7), UB, "preamble", None, 3),
    (NQ, "76", "NQ-CP", 2021, date(2021, 7, 15), CP, "I.1", None, 2),
    (CT, "23", "CT-TTg", 2021, date(2021, 9, 2), TTG, "I.1", None, 2),
    (ND, "43", "NĐ-CP", 2011, date(2011, 6, 13), CP, "II.6", "e", 1),
    (QD, "468", "QĐ-TTg", 2021, date(2021, 3, 27), TTG, "II.2", "g", 1),
    (ND, "45", "NĐ-CP", 2020, date(2020, 4, 8), CP, "II.2", "n", 1),
    (ND, "107", "NĐ-CP", 2020, date(2020, 9, 14), CP, "II.3", "a", 1),
    (ND, "24", "NĐ-CP", 2014, date(2014, 4, 4), CP, "II.3", "a", 1),
    (ND, "108", "NĐ-CP", 2020, date(2020, 9, 14), CP, "II.3", "a", 1),
    (ND, "37", "NĐ-CP", 2014, date(2014, 5, 5), CP, "II.3", "a", 1),
    (NQ, "19", "NQ/TW", 2017, date(2017, 10, 20), TW, "II.3", "b", 3),  # dated only at its 3rd mention
    (ND, "120", "NĐ-CP", 2020, date(2020, 10, 7), CP, "II.3", "b", 1),
    (ND, "62", "NĐ-CP", 2020, date(2020, 6, 1), CP, "II.3", "c", 1),
    (ND, "106", "NĐ-CP", 2020, date(2020, 9, 10), CP, "II.3", "c", 1),
    (NQ, "18", "NQ/TW", 2017, date(2017, 10, 25), TW, "II.3", "d", 2),
    (NQ, "99", "NQ-CP", 2020, date(2020, 6, 24), CP, "II.3", "đ", 1),
    (KH, "36", "KH-UBND", 2018, date(2018, 3, 30), UB, "II.5", "a", 1),
    (KH, "37", "KH-UBND", 2018, date(2018, 3, 30), UB, "II.5", "a", 1),
    (ND, "130", "NĐ-CP", 2005, date(2005, 10, 17), CP, "II.5", "b", 2),
    (ND, "117", "NĐ-CP", 2013, date(2013, 10, 7), CP, "II.5", "b", 1),
    (ND, "60", "NĐ-CP", 2021, date(2021, 6, 21), CP, "II.5", "c", 1),
    (ND, "32", "NĐ-CP", 2019, date(2019, 4, 10), CP, "II.5", "c", 1),
    (NQ, "17", "NQ-CP", 2019, date(2019, 3, 7), CP, "II.6", "a", 1),
    (QD, "942", "QĐ-TTg", 2021, date(2021, 6, 15), TTG, "II.6", "a", 1),
    (NQ, "06", "NQ/TU", None, None, "Tỉnh ủy", "II.6", "a", 1),
    (QD, "28", "QĐ-TTg", 2018, date(2018, 7, 12), TTG, "II.6", "d", 1),
    (QD, "458", "QĐ-TTg", 2020, date(2020, 4, 3), TTG, "II.6", "g", 1),
]


def test_reference_count(rec):
    assert len(rec.references) == len(REFERENCES) == 27


@pytest.mark.parametrize("i", range(len(REFERENCES)))
def test_reference(rec, i):
    r = rec.references[i]
    assert (r.type, r.number, r.symbol, r.year, r.date, r.issuer, r.cited_in, r.cited_in_clause, r.mentions) \
        == REFERENCES[i]


def test_reference_details(rec):
    by = {r.code: r for r in rec.references}
    assert set(by) >= {"107/2020/NĐ-CP", "19-NQ/TW", "76/NQ-CP", "184/KH-UBND"}
    assert by["76/NQ-CP"].citation == "Nghị quyết số 76/NQ-CP ngày 15/7/2021"
    assert by["76/NQ-CP"].issuer_text == "Chính phủ"
    assert by["184/KH-UBND"].cited_in_all == ["preamble", "I.1", "III.2"]
    assert by["06-NQ/TU"].issuer_text == "Ban Chấp hành Đảng bộ tỉnh"
    # the two "II" parts are told apart by seq: 43/2011 is cited in MỤC TIÊU (seq 11), 107/2020 in NHIỆM VỤ
    assert (by["43/2011/NĐ-CP"].cited_in_seq, by["107/2020/NĐ-CP"].cited_in_seq) == (11, 15)
    assert by["458/QĐ-TTg"].page == 8
    assert "196/KH-UBND" not in by  # the plan itself (appendix subtitle) is not a reference


def test_appendix_cells_add_references(sample):
    _, _, _, doc = sample
    cells = [("appendix V.6", "Ban hành tiêu chí … (Thực hiện nhiệm vụ tại Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 "
                              "của Chính phủ)"),
             ("appendix VI.7", "Đảm bảo cung cấp đầy đủ thông tin theo Nghị định 43/2011 của Chính phủ"),
             ("appendix I.9", "Triển khai Thông tư số 01/2022/TT-BNV ngày 10 tháng 1 năm 2022 của Bộ Nội vụ")]
    got = pdf_body_to_records(doc, 13, extra_texts=cells, registry=None)
    by = {r.code: r for r in got.references}
    assert by["43/2011/NĐ-CP"].mentions == 2  # "Nghị định 43/2011" (no symbol) is the same document
    assert by["43/2011/NĐ-CP"].cited_in_all == ["II.6", "appendix VI.7"]
    assert by["60/2021/NĐ-CP"].mentions == 2
    tt = by["01/2022/TT-BNV"]
    assert (tt.type, tt.date, tt.issuer, tt.cited_in, tt.page) == ("Thông tư", date(2022, 1, 10), "Bộ Nội vụ",
                                                                   "appendix I.9", None)
    assert len(got.references) == 28


# ---- responsibilities ------------------------------------------------------------------

# (heading_no, agency_text, duties, clause letters)
HEADINGS = [
    (1, "Ban Chỉ đạo cải cách hành chính tỉnh", 10, "abcdđeghik"),
    (2, "Các sở, ban, ngành, đơn vị sự nghiệp công lập thuộc tỉnh; Ủy ban nhân dân các huyện, thị xã, thành phố",
     7, "abcdđeg"),
    (3, "Sở Nội vụ", 8, "abcdđegh"),
    (4, "Sở Tư pháp", 1, ""),
    (5, "Văn phòng Ủy ban nhân dân tỉnh", 2, "ab"),
    (6, "Sở Tài chính", 3, "abc"),
    (7, "Sở Thông tin và Truyền thông", 1, ""),  # two paragraphs, no letters: one duty
    (8, "Sở Khoa học và Công nghệ", 1, ""),
    (9, "Sở Kế hoạch và Đầu tư", 1, ""),
    (10, "Sở Tài nguyên và Môi trường", 1, ""),
    (11, "Sở Văn hóa, Thể thao và Du lịch", 1, ""),
    (12, "Sở Giáo dục và Đào tạo", 1, ""),
    (13, "Sở Y tế", 1, ""),
    (14, "Sở Xây dựng", 1, ""),
    (15, "Sở Lao động, Thương binh và Xã hội", 1, ""),
    (16, "Báo Hưng Yên, Đài Phát thanh - Truyền Hưng Yên", 1, ""),
]


def test_all_sixteen_headings_with_their_duties(rec):
    got = {}
    for r in rec.responsibilities:
        no, text, n, letters = got.get(r.heading_no, (r.heading_no, r.agency_text, 0, ""))
        got[r.heading_no] = (no, text, n + 1, letters + (r.duty_clause or ""))
    assert list(got.values()) == HEADINGS
    assert len(rec.responsibilities) == 41
    assert all(r.duty_text for r in rec.responsibilities)


def test_duty_texts_and_pages(rec):
    by = {(r.heading_no, r.duty_seq): r for r in rec.responsibilities}
    r = by[(1, 1)]
    assert r.lead_in == "Tham mưu, giúp UBND tỉnh thực hiện công tác chỉ đạo, điều hành. Cụ thể:"
    assert r.duty_text.startswith("Tăng cường sự lãnh đạo, chỉ đạo của các cấp ủy Đảng")
    assert (by[(1, 10)].page, by[(1, 10)].page_end) == (8, 9)  # "k) …" runs over the page break
    seven = by[(7, 1)]
    assert seven.duty_text.split("\n") == [
        "Chủ trì, phối hợp các cơ quan có liên quan tham mưu và chịu trách nhiệm trước UBND tỉnh kết quả thực hiện các "
        "mục tiêu, nhiệm vụ: xây dựng chính quyền điện tử, chính quyền số; phân cấp QLNN về phát thanh và truyền hình.",
        "Chủ trì, theo dõi, tổng hợp việc triển khai thực hiện nhiệm vụ về xây dựng chính quyền điện tử, chính quyền số."]
    assert (seven.page, seven.section_path) == (11, "III.7")
    last = by[(16, 1)]
    assert (last.page, last.page_end) == (11, 12)
    assert last.duty_text.endswith("về thực hiện CCHC trên địa bàn tỉnh.")  # the closing words are not a duty
    assert by[(3, 5)].duty_clause == "đ"


class _FakeMention:
    def __init__(self, text, agency_id, name):
        self.text, self.agency_id, self.agency_name = text, agency_id, name


class _FakeRegistry:
    def resolve_cell(self, text, year=None):
        parts = [p.strip() for p in text.split(",") if p.strip()]
        return [_FakeMention(p, "so-noi-vu" if p == "Sở Nội vụ" else None, "Sở Nội vụ" if p == "Sở Nội vụ" else None)
                for p in parts]


def test_headings_resolved_with_a_registry(sample):
    doc = sample[3]
    got = pdf_body_to_records(doc, 13, registry=_FakeRegistry())
    noi_vu = [r for r in got.responsibilities if r.heading_no == 3]
    assert {tuple(r.agency_ids) for r in noi_vu} == {("so-noi-vu",)}
    assert noi_vu[0].agency_names == ["Sở Nội vụ"]
    bao = next(r for r in got.responsibilities if r.heading_no == 16)
    assert bao.agency_ids == [] and bao.agency_unmatched == ["Báo Hưng Yên", "Đài Phát thanh - Truyền Hưng Yên"]


def test_headings_resolved_with_the_project_registry(sample):
    from normalizers.body import default_registry
    registry = default_registry("Hưng Yên")
    if registry is None:
        pytest.skip("agency registry not available")
    got = pdf_body_to_records(sample[3], 13)  # registry="auto"
    ids = {r.heading_no: r.agency_ids for r in got.responsibilities}
    assert ids[3] == ["so-noi-vu"]
    assert len(ids) == 16 and sum(bool(v) for v in ids.values()) >= 14


# ---- speed -----------------------------------------------------------------------------

def test_body_is_fast(sample):
    _, _, _, doc = sample
    t0 = time.perf_counter()
    pdf_body_to_records(doc, 13, registry=None)
    assert time.perf_counter() - t0 < 1.0  # about 0.05 s for 12 body pages on the reference machine


# ---- parsers on small strings with OCR-like noise --------------------------------------

@pytest.mark.parametrize("text, number", [
    ("Số: 196/KH-UBND", "196/KH-UBND"),
    ("Số:196/KH-UBND", "196/KH-UBND"),
    ("Số: 196 /KH-UBND", "196/KH-UBND"),
    ("Sô: 196 / KH - UBND", "196/KH-UBND"),  # OCR: ố read as ô, spaces around every separator
    ("Số 12/2021/QĐ-UBND", "12/2021/QĐ-UBND"),
    ("Số: 06-KH/TU", "06-KH/TU"),
    ("TỈNH HƯNG YÊN Số: 196/KH-UBND Hưng Yên, ngày 24 tháng 12 năm 2021", "196/KH-UBND"),
    ("Kế hoạch năm 2022", None),
])
def test_plan_number(text, number):
    assert parse_plan_number(text) == number


@pytest.mark.parametrize("text, day", [
    ("ngày 24 /12/2021", date(2021, 12, 24)),
    ("Hưng Yên, ngày 24 tháng 12 năm 2021", date(2021, 12, 24)),
    ("Hưng Yên, ngày 24  tháng  12  năm  2021", date(2021, 12, 24)),
    ("ngày 07/12/2021", date(2021, 12, 7)),
    ("ngày 5-3-2022", date(2022, 3, 5)),
    ("Ngày 24 / 12 / 2021", date(2021, 12, 24)),
    ("ngày    tháng 12 năm 2021", None),  # left blank for the signer to fill in
    ("ngày 31/02/2021", None),
])
def test_issue_date(text, day):
    assert parse_issue_date(text) == day


@pytest.mark.parametrize("header, body", [
    ("ỦY BAN NHÂN DÂN\nTỈNH HƯNG YÊN\nSố: 196/KH-UBND", "Ủy ban nhân dân tỉnh Hưng Yên"),
    # the two header columns read line by line, interleaved with the national motto
    ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỈNH HƯNG YÊN Độc lập - Tự do - Hạnh phúc\nSố:196/KH-UBND",
     "Ủy ban nhân dân tỉnh Hưng Yên"),
    ("UỶ BAN NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI", "Ủy ban nhân dân thành phố Hà Nội"),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", None),
])
def test_issuing_body(header, body):
    assert issuing_body(header) == body


def test_issue_place():
    assert issue_place("Số: 196/KH-UBND Hưng Yên, ngày 24 tháng 12 năm 2021") == "Hưng Yên"


def test_signature_block():
    lines = ["- Lưu: VT, CVNC.", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "(Đã ký)", "Nguyễn Duy Hưng"]
    assert signature(lines) == ("Nguyễn Duy Hưng", "Phó Chủ tịch", "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH")
    # a two-column layout read line by line: the signature sits at the end of recipient lines
    mixed = ["Nơi nhận: TM. ỦY BAN NHÂN DÂN", "- Bộ Nội vụ; CHỦ TỊCH", "- Lưu: VT.", "Trần Văn Quang"]
    assert signature(mixed) == ("Trần Văn Quang", "Chủ tịch", "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH")
    assert recipients(mixed) == ["Bộ Nội vụ", "Lưu: VT"]


@pytest.mark.parametrize("text, expected", [
    # (type, number, symbol, code, date, issuer_text)
    ("Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ ban hành",
     [("Nghị quyết", "76", "NQ-CP", "76/NQ-CP", date(2021, 7, 15), "Chính phủ")]),
    ("theo Kế hoạch số 196 /KH-UBND ngày 24 /12/2021 của UBND tỉnh",
     [("Kế hoạch", "196", "KH-UBND", "196/KH-UBND", date(2021, 12, 24), "UBND tỉnh")]),
    ("Nghị định 107/2020/NĐ-CP", [("Nghị định", "107", "NĐ-CP", "107/2020/NĐ-CP", None, None)]),
    ("Nghị quyết số 19-NQ/TW Hội nghị Trung ương sáu", [("Nghị quyết", "19", "NQ/TW", "19-NQ/TW", None, None)]),
    ("Quyết định số: 468 / QĐ - TTg ngày 27 tháng 3 năm 2021 của Thủ tướng Chính phủ về",
     [("Quyết định", "468", "QĐ-TTg", "468/QĐ-TTg", date(2021, 3, 27), "Thủ tướng Chính phủ")]),
    ("Nghị định 43/2011 của Chính phủ", [("Nghị định", "43", None, "43/2011", None, "Chính phủ")]),
    ("Luật số 80/2015/QH13; Thông báo số 12/TB-UBND",
     [("Luật", "80", "QH13", "80/2015/QH13", None, None), ("Thông báo", "12", "TB-UBND", "12/TB-UBND", None, None)]),
    ("triển khai 76/NQ-CP và Chỉ thị 23/CT-TTg", [("Nghị quyết", "76", "NQ-CP", "76/NQ-CP", None, None),
                                                 ("Chỉ thị", "23", "CT-TTg", "23/CT-TTg", None, None)]),
    ("mức độ 3, mức độ 4; giai đoạn 2021-2025; Quý II/2022; 15/7/2021", []),
])
def test_citations(text, expected):
    got = [(c.type, c.number, c.symbol, c.code, c.date, c.issuer_text) for c in find_citations(text)]
    assert got == expected


@pytest.mark.parametrize("symbol, issuer", [
    ("NQ-CP", "Chính phủ"), ("QĐ-TTg", "Thủ tướng Chính phủ"), ("KH-UBND", "Ủy ban nhân dân tỉnh"),
    ("NQ/TW", "Ban Chấp hành Trung ương"), ("QH13", "Quốc hội"), ("TTLT-BNV-BTC", "Bộ Nội vụ; Bộ Tài chính"),
    ("XYZ-ABC", None),
])
def test_issuer_from_symbol(symbol, issuer):
    assert issuer_from_symbol(symbol) == issuer


def test_parse_date_skips_impossible_dates():
    assert parse_date("ngày 31/02/2021, ngày 01/03/2021") == date(2021, 3, 1)


@pytest.mark.parametrize("title, split", [
    ("Cải cách thủ tục hành chính (TTHC)", ("Cải cách thủ tục hành chính", "TTHC")),
    ("Cải cách thể chế", ("Cải cách thể chế", None)),
    ("Xây dựng (giai đoạn 2)", ("Xây dựng (giai đoạn 2)", None)),
])
def test_split_abbreviation(title, split):
    assert split_abbreviation(title) == split


@pytest.mark.parametrize("clause, rows", [
    # (value, comparator, scope) per row
    ("Trên 95% số hồ sơ được trả đúng hạn; phấn đấu 80% hồ sơ trả trước hạn.",
     [(95.0, "above", None), (80.0, "exactly", None)]),
    ("Số hóa kết quả của cấp tỉnh, cấp huyện, cấp xã đạt tỷ lệ tối thiểu tương ứng 50%, 40%, 35%.",
     [(50.0, "at_least", "cấp tỉnh"), (40.0, "at_least", "cấp huyện"), (35.0, "at_least", "cấp xã")]),
    ("Tỷ lệ đạt từ 50 % trở lên.", [(50.0, "at_least", None)]),  # a stray space before %
    ("Giảm tối đa 5% chi phí.", [(5.0, "up_to", None)]),
    ("Tỷ lệ hồ sơ trễ hạn dưới 2%.", [(2.0, "below", None)]),
    ("Tỷ lệ đạt 98,5%.", [(98.5, "exactly", None)]),
    ("Xếp hạng tăng từ 2 đến 5 bậc.", [(2.0, "between", None)]),
    ("Hoàn thiện cơ sở dữ liệu dùng chung của tỉnh.", [(None, None, None)]),
])
def test_segment_targets(clause, rows):
    got = [(r["value"], r["comparator"], r["scope"]) for _, seg in segments(clause) for r in segment_targets(seg)]
    assert got == rows


# ---- a plan from plain text (no fonts, no positions), with OCR-like noise -----------------

PLAIN = """ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH BẮC NINH Độc lập - Tự do - Hạnh phúc
Số:25 /KH-UBND Bắc Ninh, ngày 10 /01/2023
KẾ HOẠCH
Cải cách hành chính tỉnh Bắc Ninh năm 2023
Căn cứ Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ; Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:
I. MỤC TIÊU
1. Cải cách thủ tục hành chính (TTHC)
a) Tối thiểu 98 % hồ sơ được giải quyết đúng hạn.
b) 80% cấp tỉnh, 70% cấp huyện thực hiện số hóa.
II. TỔ CHỨC THỰC HIỆN
1. Sở Nội vụ
a) Tham mưu UBND tỉnh theo Nghị quyết số 76/NQ-CP.
b) Tổng hợp, báo cáo.
2. Văn phòng Ủy ban nhân dân tỉnh
Chủ trì kiểm soát TTHC theo Nghị định số 61/2018/NĐ-CP ngày 23 tháng 4 năm 2018 của
Chính phủ.
Trên đây là Kế hoạch cải cách hành chính năm 2023 của tỉnh.
Nơi nhận:
- Bộ Nội vụ;
- Lưu: VT.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Nguyễn Văn An
"""


def test_plain_text_plan():
    got = lines_to_records(lines_from_text(PLAIN))
    m = got.meta
    assert (m.issuing_body, m.plan_number, m.issue_date, m.province, m.plan_year) == (
        "Ủy ban nhân dân tỉnh Bắc Ninh", "25/KH-UBND", date(2023, 1, 10), "Bắc Ninh", 2023)
    assert (m.signer_name, m.signer_title, m.recipients) == ("Nguyễn Văn An", "Chủ tịch", ["Bộ Nội vụ", "Lưu: VT"])
    assert [s.path for s in got.sections] == ["preamble", "I", "I.1", "II", "II.1", "II.2", "closing"]
    assert [(t.area, t.area_abbr, t.clause, t.value, t.comparator, t.scope) for t in got.targets] == [
        ("Cải cách thủ tục hành chính", "TTHC", "a", 98.0, "at_least", None),
        ("Cải cách thủ tục hành chính", "TTHC", "b", 80.0, "exactly", "cấp tỉnh"),
        ("Cải cách thủ tục hành chính", "TTHC", "b", 70.0, "exactly", "cấp huyện")]
    assert [(r.code, r.mentions, r.cited_in, r.date) for r in got.references] == [
        ("76/NQ-CP", 2, "preamble", date(2021, 7, 15)), ("61/2018/NĐ-CP", 1, "II.2", date(2018, 4, 23))]
    assert [(r.heading_no, r.duty_clause, r.duty_text) for r in got.responsibilities] == [
        (1, "a", "Tham mưu UBND tỉnh theo Nghị quyết số 76/NQ-CP."), (1, "b", "Tổng hợp, báo cáo."),
        (2, None, "Chủ trì kiểm soát TTHC theo Nghị định số 61/2018/NĐ-CP ngày 23 tháng 4 năm 2018 của Chính phủ.")]


def test_no_text_gives_empty_records_with_warnings():
    got = lines_to_records([])
    assert (got.sections, got.targets, got.references, got.responsibilities) == ([], [], [], [])
    assert "plan number not found" in [w.message for w in got.warnings]


def test_heading_continued_on_a_bold_line():
    lines = [BodyLine(1, "III. TỔ CHỨC THỰC HIỆN", True), BodyLine(1, "2. Các sở, ban, ngành; Ủy ban nhân dân các", True),
             BodyLine(1, "huyện, thị xã, thành phố", True), BodyLine(1, "a) Căn cứ Kế hoạch của tỉnh.", False)]
    body = parse_body(lines)
    assert [(s.path, s.title) for s in body.sections] == [
        ("III", "TỔ CHỨC THỰC HIỆN"), ("III.2", "Các sở, ban, ngành; Ủy ban nhân dân các huyện, thị xã, thành phố")]


def test_plain_numbered_headings_in_a_document_with_bold_titles():
    """Bold title and parts, but "1. …" sections in regular type: numbering alone tells them."""
    lines = [BodyLine(1, "KẾ HOẠCH", True), BodyLine(1, "Cải cách hành chính năm 2023", True),
             BodyLine(1, "I. MỤC TIÊU", True), BodyLine(1, "1. Cải cách thể chế", False),
             BodyLine(1, "a) 100% văn bản được kiểm tra.", False), BodyLine(1, "2. Cải cách tài chính công", False),
             BodyLine(1, "Tăng thêm tối thiểu 10% mức độ tự chủ.", False)]
    got = lines_to_records(lines)
    assert [s.path for s in got.sections] == ["I", "I.1", "I.2"]
    assert [(t.area, t.value) for t in got.targets] == [("Cải cách thể chế", 100.0), ("Cải cách tài chính công", 10.0)]


def test_sample_as_noisy_plain_text(sample):
    """The sample's lines without fonts or positions, with OCR-like spacing in numbers and dates:
    the same sections, targets, references and duties."""
    _, rec, _, doc = sample
    from extractors.body_text import pdf_to_body_text
    text = pdf_to_body_text(doc, 13)

    def noisy(s: str) -> str:
        return (s.replace("Số: 196/KH-UBND", "Số:196 /KH - UBND").replace("184/KH-UBND", "184 /KH-UBND")
                .replace("ngày 07/12/2021", "ngày 07 /12/2021").replace("15/7/2021", "15 / 7 /2021"))

    plain = [BodyLine(ln.page, noisy(ln.text)) for ln in text.lines]
    got = lines_to_records(plain, [BodyLine(ln.page, ln.text) for ln in text.appendix_heading])
    assert (got.meta.plan_number, got.meta.issue_date) == ("196/KH-UBND", date(2021, 12, 24))
    assert [s.path for s in got.sections] == [s.path for s in rec.sections]
    assert [_target_row(t) for t in got.targets] == TARGETS
    assert [(r.type, r.number, r.symbol, r.date, r.mentions) for r in got.references] == \
        [(r[0], r[1], r[2], r[4], r[8]) for r in REFERENCES]
    assert [(r.heading_no, r.duty_clause) for r in got.responsibilities] == \
        [(r.heading_no, r.duty_clause) for r in rec.responsibilities]


def test_first_appendix_page_found_when_not_given(sample):
    got = pdf_body_to_records(sample[3], None, registry=None)
    assert got.body_pages == list(range(1, 13))
    assert len(got.sections) == len(SECTIONS)


def test_issuer_lines_lose_scan_specks_but_not_a_hyphen_that_joins_them():
    from normalizers.plan_meta import read_issuer

    specks = read_issuer(["_ ỦY BAN NHÂN DÂN : CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "'TỈNH HƯNG YÊN Độc lập - Tự do - Hạnh phúc",
                          "Số: 196/KH-UBND Hưng Yên, ngày 24 tháng 12 năm 2021"])
    assert (specks.body, specks.kind, specks.level) == ("Ủy ban nhân dân tỉnh Hưng Yên", "people_committee", "province")
    wrapped = read_issuer(["ỦY BAN NHÂN DÂN", "TỈNH BÀ RỊA -", "VŨNG TÀU", "Số: 1/KH-UBND"])
    assert wrapped.body == "Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu"
