"""Words plans print, as data: header labels of the task table (used by the header finder and the OCR lexicon)."""
from __future__ import annotations

# Canonical field → printed labels seen in plans (any case, any tone-mark placement).
HEADER_VOCABULARY: dict[str, list[str]] = {
    "stt": ["Stt", "TT", "Số TT", "Số thứ tự"],
    "task": ["Nhiệm vụ", "Nội dung", "Nội dung nhiệm vụ", "Nhiệm vụ cụ thể", "Tên nhiệm vụ", "Nhiệm vụ, giải pháp"],
    "activity": ["Hoạt động", "Nội dung hoạt động", "Hoạt động cụ thể", "Các hoạt động", "Nội dung công việc"],
    "output": ["Kết quả/ Sản phẩm", "Kết quả, sản phẩm", "Kết quả - Sản phẩm", "Sản phẩm", "Kết quả",
               "Sản phẩm đầu ra", "Kết quả đầu ra", "Dự kiến sản phẩm", "Sản phẩm dự kiến", "Hình thức sản phẩm"],
    "lead": ["Chủ trì", "Cơ quan chủ trì", "Đơn vị chủ trì", "Cơ quan chủ trì thực hiện", "Đơn vị chủ trì thực hiện",
             "Cơ quan, đơn vị chủ trì", "Chủ trì thực hiện"],
    "partners": ["Phối hợp", "Cơ quan phối hợp", "Đơn vị phối hợp", "Cơ quan, đơn vị phối hợp", "Phối hợp thực hiện"],
    "deadline": ["Thời gian", "Thời gian hoàn thành", "Thời hạn hoàn thành", "Thời gian thực hiện", "Thời hạn",
                 "Tiến độ", "Tiến độ thực hiện", "Tiến độ hoàn thành", "Thời gian triển khai"],
}
