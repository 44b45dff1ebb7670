"""Find the appendix table by its header and map printed columns to canonical fields.

Plans word their headers differently ("TT"/"Stt", "Nội dung"/"Nhiệm vụ",
"Cơ quan chủ trì"/"Chủ trì", "Thời gian hoàn thành"/"Thời gian" …). Labels are
folded (case, tone-mark placement, spacing) and matched exactly, then fuzzily.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from core.records import FIELDS, Cell, PageGrid
from core.text import clean, fold
from core.vocabulary import HEADER_VOCABULARY

_CHOICES = {fold(label): name for name, labels in HEADER_VOCABULARY.items() for label in labels}
_ROMAN = re.compile(r"^(?=[IVXLC])M*(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})\.?$")


def is_roman(text: str) -> bool:
    return bool(_ROMAN.match(text.strip()))


def label_to_field(label: str, min_similarity: float) -> tuple[str, float] | None:
    key = fold(label)
    if not key:
        return None
    if key in _CHOICES:
        return _CHOICES[key], 100.0
    best = process.extractOne(key, list(_CHOICES), scorer=fuzz.ratio)
    if best and best[1] >= min_similarity:
        return _CHOICES[best[0]], float(best[1])
    return None


@dataclass
class HeaderMatch:
    columns: dict[str, int]  # field -> grid column
    labels: dict[str, str]  # field -> label as printed
    data_start: int  # first grid row below header (and number row)


def cells_by_position(grid: PageGrid) -> dict[tuple[int, int], Cell]:
    at = {}
    for c in grid.cells:
        for r in range(c.row, c.row + c.row_span):
            for k in range(c.col, c.col + c.col_span):
                at[(r, k)] = c
    return at


def _is_number_row(grid: PageGrid, at, row: int) -> bool:
    texts = [at[(row, c)].text for c in range(grid.n_cols) if (row, c) in at and at[(row, c)].row == row]
    nums = [t.strip() for t in texts if t.strip()]
    return (len(nums) >= 3 and all(n.isdigit() for n in nums)
            and [int(n) for n in nums] == list(range(int(nums[0]), int(nums[0]) + len(nums))))


def grid_to_header(grid: PageGrid, settings) -> HeaderMatch | None:
    at = cells_by_position(grid)
    for depth in range(1, min(settings.max_header_rows, grid.n_rows) + 1):
        # The header ends below every cell that starts in its rows (a tall "Stt" cell spans them all).
        end = max((c.row + c.row_span for c in grid.cells if c.row < depth), default=depth)
        if end != depth:
            continue
        columns: dict[str, int] = {}
        labels: dict[str, str] = {}
        scores: dict[str, float] = {}
        for col in range(grid.n_cols):
            for row in reversed(range(depth)):  # the lowest label names the column (stacked headers)
                cell = at.get((row, col))
                if cell is None or cell.col != col:
                    continue
                hit = label_to_field(clean(cell.text), settings.min_similarity)
                if hit:
                    name, score = hit
                    if name not in columns or score > scores[name]:
                        columns[name], labels[name], scores[name] = col, clean(cell.text), score
                    break
        if "stt" not in columns:
            _infer_stt_column(grid, at, depth, columns, labels)
        if len(columns) >= settings.min_fields and all(f in columns for f in settings.required_fields):
            start = depth
            if start < grid.n_rows and _is_number_row(grid, at, start):
                start += 1
            ordered = {f: columns[f] for f in FIELDS if f in columns}
            return HeaderMatch(ordered, {f: labels[f] for f in ordered}, start)
    return None


def _infer_stt_column(grid: PageGrid, at, depth: int, columns: dict[str, int], labels: dict[str, str]) -> None:
    """Plans number their rows in the first column; when its label is unreadable (OCR: "TT" → "T+r")
    or unusual ("#", "Số"), the column still counts as Stt if it is left of every recognised
    column and its cells below the header hold only row numbers, Roman numerals or nothing."""
    if 0 in columns.values() or len(columns) < 3:
        return
    values = [at[(r, 0)].text.strip() for r in range(depth, grid.n_rows) if (r, 0) in at and at[(r, 0)].row == r]
    filled = [v for v in values if v]
    if filled and all(re.fullmatch(r"\d{1,3}\.?", v) or is_roman(v) for v in filled):
        columns["stt"] = 0
        cell = at.get((0, 0))
        labels["stt"] = clean(cell.text) if cell else ""


def header_text(grid: PageGrid) -> str:
    """The first grid row's labels, for error messages."""
    at = cells_by_position(grid)
    labels = []
    for col in range(grid.n_cols):
        cell = at.get((0, col))
        if cell is not None and cell.col == col:
            labels.append(clean(cell.text) or "∅")
    return " | ".join(labels)
