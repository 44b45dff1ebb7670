"""Normalisers used by the extractor: folding for comparison, phrase completeness, header vocabulary."""
import pytest

from core.text import clean, fold, is_lower_start
from extractors.header import is_roman, label_to_field
from normalizers.phrases import deadline_is_complete, ends_dangling


@pytest.mark.parametrize("a, b", [
    ("Văn phòng Uỷ ban nhân dân tỉnh", "Văn phòng Ủy ban nhân dân tỉnh"),
    ("Chuẩn hoá", "chuẩn hóa"),
    ("THỦY", "thuỷ"),
    ("Kết quả/ Sản phẩm", "Kết quả /Sản phẩm"),
    ("Nhie\u0302\u0323m vu\u0323", "Nhiệm vụ"),  # decomposed (NFD) input
])
def test_fold_equates_spelling_variants(a, b):
    assert fold(a) == fold(b)


@pytest.mark.parametrize("a, b", [("quý", "qúy"), ("hoàng", "hòang"), ("Sở Nội vụ", "Sở Tư pháp")])
def test_fold_keeps_different_words_apart(a, b):
    assert fold(a) != fold(b)


def test_clean_is_nfc_and_collapses_whitespace():
    assert clean("  Thường\n xuyên\t ") == "Thường xuyên"
    assert clean("Nhie\u0302\u0323m") == "Nhiệm"


@pytest.mark.parametrize("text, lower", [("bình, kiểm điểm", True), ("UBND tỉnh", False), ("(cắt giảm", True), ("90% TTHC", False)])
def test_lower_start(text, lower):
    assert is_lower_start(text) is lower


@pytest.mark.parametrize("text", [
    "Năm 2022", "Quý II/2022", "Quý III, IV/2022", "Thường xuyên", "Tháng 11 hàng năm", "Tháng 01/2022",
    "Quý IV/2022 và thường xuyên", "Từ Quý II/2022 đến hết Quý IV/2025", "Khi có yêu cầu",
    "Theo thời hạn tại Kế hoạch của UBND tỉnh", "Khi có chủ trương của Thủ tướng Chính phủ",
])
def test_complete_deadlines(text):
    assert deadline_is_complete(text)


@pytest.mark.parametrize("text", ["Thường", "Quý", "Năm", "Quý II/2022 và", "Tháng 11 hàng", "Khi có văn bản hướng dẫn của"])
def test_cut_deadlines(text):
    assert not deadline_is_complete(text)


@pytest.mark.parametrize("text, dangling", [("Kế hoạch số hóa của", True), ("Văn phòng", True), ("UBND cấp", True),
                                            ("Các sở, ban, ngành,", True), ("Sở Tư pháp", False), ("Năm 2022", False)])
def test_dangling_end(text, dangling):
    assert ends_dangling(text) is dangling


@pytest.mark.parametrize("label, field", [
    ("Stt", "stt"), ("TT", "stt"), ("STT", "stt"), ("Nội dung", "task"), ("Nhiệm vụ", "task"),
    ("Hoạt động", "activity"), ("Kết quả/ Sản phẩm", "output"), ("Sản phẩm", "output"), ("Kết quả, sản phẩm", "output"),
    ("Cơ quan chủ trì", "lead"), ("Chủ trì", "lead"), ("Đơn vị chủ trì", "lead"), ("Cơ quan phối hợp", "partners"),
    ("Thời gian hoàn thành", "deadline"), ("THỜI HẠN HOÀN THÀNH", "deadline"), ("Thời gian", "deadline"),
    ("Thòi gian hoàn thành", "deadline"),  # one OCR-like slip still matches fuzzily
])
def test_header_labels(label, field):
    hit = label_to_field(label, 86.0)
    assert hit is not None and hit[0] == field


@pytest.mark.parametrize("label", ["Ghi chú", "Kinh phí", "Số tiền", ""])
def test_unknown_header_labels(label):
    assert label_to_field(label, 86.0) is None


@pytest.mark.parametrize("text, roman", [("I", True), ("IV", True), ("VII", True), ("XII.", True), ("1", False), ("", False), ("IIII", False), ("Ý", False)])
def test_roman(text, roman):
    assert is_roman(text) is roman
