"""Page geometry: page sizes, margins, type size and the table's column widths."""
from __future__ import annotations

import math
from dataclasses import dataclass

from .spec import FIELDS

A4_PORTRAIT = (595.28, 841.89)
A4_LANDSCAPE = (841.89, 595.28)
# Printed column widths of a typical plan appendix, in points (they sum to 761 = the
# landscape text width with the default side margins).
DEFAULT_COL_WEIGHTS = (30.0, 150.0, 170.0, 140.0, 95.0, 110.0, 66.0)
# Weight of a column with no canonical field ("Ghi chú", "Kinh phí").
EXTRA_COL_WEIGHT = 70.0
_EPS = 1e-6
# Descent of Times-like fonts as a fraction of the size (pdfminer draws a glyph box from
# baseline + descent to baseline + descent + size); used to centre glyphs in a line box.
_DESCENT = 0.216


@dataclass(frozen=True)
class PageGeometry:
    # Appendix pages (landscape) ------------------------------------------------------
    appendix_size: tuple[float, float] = A4_LANDSCAPE
    margin_top: float = 42.5
    margin_bottom: float = 42.5  # random_geometry varies this to move page breaks around
    margin_left: float = 40.0
    margin_right: float = 40.89
    font_size: float = 12.0  # table text
    line_spacing: float = 1.15  # Word's "single" spacing for Times-like fonts
    col_weights: tuple[float, ...] = DEFAULT_COL_WEIGHTS  # scaled to the text width
    pad_x: float = 3.0  # cell padding
    pad_y: float = 2.0
    rule_width: float = 0.6
    title_size: float = 13.0  # appendix title lines
    title_gap: float = 8.0  # between the appendix title and the table
    # Body pages (portrait) -----------------------------------------------------------
    body_size: tuple[float, float] = A4_PORTRAIT
    body_margin_top: float = 56.7
    body_margin_bottom: float = 56.7
    body_margin_left: float = 85.0
    body_margin_right: float = 56.7
    body_font_size: float = 13.0
    body_line_spacing: float = 1.2
    body_para_gap: float = 6.0

    # ---- table metrics -------------------------------------------------------------
    @property
    def leading(self) -> float:
        return self.font_size * self.line_spacing

    @property
    def text_width(self) -> float:
        return self.appendix_size[0] - self.margin_left - self.margin_right

    @property
    def col_widths(self) -> dict[str, float]:
        total = sum(self.col_weights)
        return {f: w * self.text_width / total for f, w in zip(FIELDS, self.col_weights)}

    @property
    def col_x(self) -> dict[str, float]:
        """Left edge of every column."""
        return self.col_x_for(FIELDS)

    def widths_for(self, columns: tuple[str, ...]) -> dict[str, float]:
        """Widths of the printed columns (any subset and order, extra columns too), filling the text width."""
        if tuple(columns) == FIELDS:
            return self.col_widths
        weight = dict(zip(FIELDS, self.col_weights))
        ws = [weight.get(c, EXTRA_COL_WEIGHT) for c in columns]
        total = sum(ws)
        return {c: w * self.text_width / total for c, w in zip(columns, ws)}

    def col_x_for(self, columns: tuple[str, ...]) -> dict[str, float]:
        xs, x = {}, self.margin_left
        for f, w in self.widths_for(columns).items():
            xs[f] = x
            x += w
        return xs

    def cell_height(self, n_lines: int, leading: float | None = None) -> float:
        """Height a cell needs for n lines; an empty cell still holds one (Word's paragraph mark)."""
        return 2 * self.pad_y + max(n_lines, 1) * (leading or self.leading)

    def lines_fitting(self, height: float) -> int:
        return max(0, math.floor((height - 2 * self.pad_y) / self.leading + _EPS))

    def baseline_offset(self, size: float, leading: float) -> float:
        """Distance from a line box's top to the baseline, glyph box centred in the line."""
        return (leading + size) / 2 - _DESCENT * size

    # ---- body metrics ---------------------------------------------------------------
    @property
    def body_leading(self) -> float:
        return self.body_font_size * self.body_line_spacing

    @property
    def body_text_width(self) -> float:
        return self.body_size[0] - self.body_margin_left - self.body_margin_right
