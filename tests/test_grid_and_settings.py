"""Grid building from ruling lines (synthetic rules with known cells) and settings validation."""
from pathlib import Path

import pytest
import yaml

from core.errors import SettingsError
from core.records import Rule
from extractors.grid import lines_to_tables, rules_to_lines, table_to_cells
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _box_rules(xs, ys, skip_h=(), skip_v=()):
    """Rules of a grid; skip_h holds (row_boundary_index, col) edges left out (a vertical merge)."""
    rules = []
    for k, y in enumerate(ys):
        for c in range(len(xs) - 1):
            if (k, c) not in skip_h:
                rules.append(Rule("h", y + (0.3 if c % 2 else 0.0), xs[c], xs[c + 1]))  # slight jitter, as in real PDFs
    for k, x in enumerate(xs):
        for r in range(len(ys) - 1):
            if (k, r) not in skip_v:
                rules.append(Rule("v", x, ys[r], ys[r + 1]))
    return rules


def test_merged_cells_come_from_missing_rules():
    xs, ys = [0, 30, 100, 200, 260], [0, 20, 40, 60, 80]
    # Column 1 merged over rows 1-3 (no rule at boundaries 2 and 3); row 0 columns 2-3 spanned (no vertical at x=200).
    rules = _box_rules(xs, ys, skip_h={(2, 1), (3, 1)}, skip_v={(3, 0)})
    lines = rules_to_lines(rules, snap_tol=1.5, join_tol=2.0)
    tables = lines_to_tables(lines, tol=1.5)
    assert len(tables) == 1
    gx, gy, cells = table_to_cells(tables[0], tol=1.5)
    assert len(gx) == 5 and len(gy) == 5
    assert (1, 1, 3, 1) in cells
    assert (0, 2, 1, 2) in cells
    assert (1, 0, 1, 1) in cells and (3, 3, 1, 1) in cells
    covered = sum(rs * cs for _, _, rs, cs in cells)
    assert covered == 16


def test_separate_tables_and_stray_lines():
    t1 = _box_rules([0, 50, 100, 150, 200], [0, 20, 40])
    t2 = _box_rules([0, 50, 100, 150, 200], [300, 320, 340])
    stray = [Rule("h", 500, 10, 90)]  # an underline under the national motto is not a table
    tables = lines_to_tables(rules_to_lines(t1 + t2 + stray, 1.5, 2.0), tol=1.5)
    assert len(tables) == 2


def test_collinear_pieces_are_joined():
    rules = [Rule("h", 10, 0, 50), Rule("h", 10.4, 51, 100), Rule("h", 10, 140, 200)]
    lines = rules_to_lines(rules, snap_tol=1.5, join_tol=2.0)
    spans = sorted((l.start, l.end) for l in lines)
    assert spans == [(0, 100), (140, 200)]


def test_params_yaml_mirrors_settings():
    data = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    built = Settings.build(data)
    defaults = Settings().as_dict()
    assert set(data) == set(defaults)
    for stage, values in defaults.items():
        assert set(data[stage]) == set(values), f"params.yaml '{stage}' keys differ from {stage} settings"
    assert built.as_dict() == defaults  # params.yaml states the defaults


@pytest.mark.parametrize("bad", [
    {"read": {"snap_tolerence": 1}},  # misspelt key
    {"reed": {}},  # unknown stage
    {"read": {"snap_tolerance": -1}},
    {"locate": {"min_similarity": 120}},
    {"write": {"compression": "lz77"}},
    {"stitch": {"threshold": "high"}},  # the reliability issue's cases: wrong type,
    {"locate": {"max_header_rows": 2.5}},  # a fraction for a whole number,
    {"stitch": {"use_word_segmentation": "no"}},  # the string "no" (which bool() reads as true),
    {"locate": {"required_fields": "stt"}},  # a string for a list (each letter would be a field),
    {"locate": {"required_fields": ["stt", "chủ trì"]}},  # a field that does not exist
    {"batch": {"prune": "false"}},
])
def test_bad_settings_are_rejected(bad):
    with pytest.raises(SettingsError):
        Settings.build(bad)


class _Source:
    """Text by box: a title line above the table at y 10-30, cell texts below."""

    def __init__(self, lines):
        self.lines = lines  # (y, x, text)

    def text(self, box):
        x0, top, x1, bottom = box
        return "\n".join(t for y, x, t in self.lines if top <= y <= bottom and x0 <= x <= x1)

    def lowest_text_bottom(self, box):
        return None


def test_grids_keep_the_caption_printed_above_them():
    from extractors.grid import rules_to_grids
    from pipeline.settings import ReadSettings

    t1 = _box_rules([0, 50, 100, 150, 200], [40, 60, 80])
    t2 = _box_rules([0, 50, 100, 150, 200], [300, 320, 340])
    src = _Source([(15, 20, "Phụ lục I"), (25, 20, "CÁC CHỈ TIÊU"), (50, 20, "Stt"), (200, 20, "Phụ lục II"), (310, 20, "TT")])
    g1, g2 = rules_to_grids(3, 842, 595, t1 + t2, src, ReadSettings())
    assert g1.caption == "Phụ lục I\nCÁC CHỈ TIÊU" and g2.caption == "Phụ lục II"  # only the text since the table above
