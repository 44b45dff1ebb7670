"""The README's data dictionary is the one generated from the schemas (it cannot drift)."""
from pathlib import Path

from pipeline.data_dictionary import BEGIN, END, data_dictionary_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_readme_data_dictionary_is_current():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == data_dictionary_markdown(), "run: python -m pipeline.data_dictionary and paste into README"


def test_readme_commands_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./scripts/test.sh" in text and "dvc repro" in text
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
