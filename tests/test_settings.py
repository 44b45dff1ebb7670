"""Settings are refused up front (issue 10 defect 4, issue 9): one line, exit code 2, before any document is
read, and an earlier result in OUT is never touched."""
from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from core.errors import SettingsError
from pipeline.settings import LocateSettings, Settings, StitchSettings
from tests.factory import random_plan, render_plan

ROOT = Path(__file__).resolve().parents[1]
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


def _with(stage: str, key: str, value) -> dict:
    data = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    data[stage][key] = value
    return data


# (what the params file holds, a word the one-line message must contain)
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "wrong type": (yaml.safe_dump(_with("stitch", "threshold", "high")).encode(), "stitch.threshold"),
    "float for an int": (yaml.safe_dump(_with("locate", "max_header_rows", 2.5)).encode(), "max_header_rows"),
    "string no for a bool": (yaml.safe_dump(_with("stitch", "use_word_segmentation", "no")).encode(),
                             "use_word_segmentation"),
    "string for a list": (yaml.safe_dump(_with("locate", "required_fields", "stt")).encode(), "required_fields"),
    "unknown field name": (yaml.safe_dump(_with("locate", "required_fields", ["stt", "chu_tri"])).encode(),
                           "chu_tri"),
    "bool for an int": (yaml.safe_dump(_with("read", "ocr_dpi", True)).encode(), "ocr_dpi"),
    "out of range": (yaml.safe_dump(_with("normalize", "agency_min_score", 101)).encode(), "agency_min_score"),
    "not an allowed word": (yaml.safe_dump(_with("read", "ocr", "sometimes")).encode(), "read.ocr"),
    "unknown key": (yaml.safe_dump(_with("batch", "wrokers", 2)).encode(), "wrokers"),
    "unknown stage": (b"reed:\n  engine: pdfium\n", "reed"),
    "YAML syntax error": (b"read:\n  engine: [pdfium\nlocate: {}\n", "YAML syntax error at line"),
    "tab indentation": (b"read:\n\tengine: pdfium\n", "YAML syntax error"),
    "not UTF-8": ("stitch:\n  threshold: 0.0  # ngưỡng\n".encode("utf-16"), "not UTF-8"),
    "Latin-1": ("write:\n  compression: zstd  # café\n".encode("latin-1"), "not UTF-8"),
    "a list, not a mapping": (b"- read\n- locate\n", "expected a mapping"),
    "a scalar": (b"42\n", "expected a mapping"),
    "a stage that is not a mapping": (b"read: fast\n", "expected a mapping"),
    "missing file": (b"", "cannot read it"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_params_file_is_one_settings_error(tmp_path, case):
    data, word = BAD_FILES[case]
    path = tmp_path / "params.yaml"
    if case != "missing file":
        path.write_bytes(data)
    with pytest.raises(SettingsError) as e:
        Settings.from_yaml(path)
    assert word in str(e.value) and "\n" not in str(e.value)


def test_every_bad_key_is_named_at_once():
    with pytest.raises(SettingsError) as e:
        Settings.build({"read": {"ocr_dpi": 2.5}, "stitch": {"threshold": "high"}})
    assert "read.ocr_dpi" in str(e.value) and "stitch.threshold" in str(e.value)


def test_good_values_keep_their_types():
    s = Settings.build({"stitch": {"threshold": 1}, "locate": {"required_fields": ["stt"]}})
    assert s.stitch.threshold == 1.0 and isinstance(s.stitch.threshold, float)  # an int is a fine float
    assert Settings.from_yaml(ROOT / "params.yaml").as_dict() == Settings().as_dict()
    assert StitchSettings(word_segmentation_margin=100).word_segmentation_margin == 100
    assert LocateSettings.build(None) == LocateSettings()
    # YAML's own booleans (unquoted no/yes/false) are booleans; only the *string* "no" is refused
    assert Settings.build(yaml.safe_load("stitch:\n  use_word_segmentation: no\n")).stitch.use_word_segmentation is False


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> tuple[Path, Path, dict[str, bytes]]:
    """A folder of two plans and an OUT holding their results from an earlier batch."""
    tmp = tmp_path_factory.mktemp("earlier")
    raw = tmp / "raw"
    raw.mkdir()
    for i in range(2):
        rng = random.Random(300 + i)
        render_plan(random_plan(rng, sections=(1, 1), tasks=(1, 2), activities=(1, 2), max_words=12),
                    raw / f"p{i}.pdf", rng=rng)
    out = tmp / "out"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "batch", str(raw), "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return raw, out, _tree(out)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


CLI_CASES = [("batch", c) for c in ("wrong type", "float for an int", "string no for a bool", "unknown field name",
                                     "YAML syntax error", "not UTF-8", "a list, not a mapping", "missing file")]
CLI_CASES += [("extract", c) for c in ("wrong type", "float for an int", "YAML syntax error")]


@pytest.mark.parametrize(("command", "case"), CLI_CASES)
def test_cli_refuses_bad_settings_before_reading_anything(earlier, tmp_path, command, case):
    raw, out, before = earlier
    data, word = BAD_FILES[case]
    params = tmp_path / "params.yaml"
    if case != "missing file":
        params.write_bytes(data)
    fresh = tmp_path / "fresh-out"
    for target in (out, fresh):
        t0 = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "pipeline", command, str(raw), "--out", str(target),
                               "--params", str(params)], cwd=ROOT, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONFAULTHANDLER": "0"})
        assert time.monotonic() - t0 < 10
        assert proc.returncode == 2
        assert proc.stdout == "" and proc.stderr.count("\n") == 1 and word in proc.stderr, proc.stderr
        assert proc.stderr.startswith(f"error: {params}:")
    assert _tree(out) == before  # nothing lost, nothing rewritten
    assert not fresh.exists()  # nothing created: no document was read
