"""The import contract: layers point one way.

    core         imports nothing of ours (records, errors, text helpers, vocabulary)
    normalizers  may import core
    extractors   may import core and normalizers
    pipeline     may import everything above

Checked on the source (every import statement, lazy ones inside functions included), so a
violation fails here and in CI before anyone has to find the cycle by hand.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("core", "normalizers", "extractors", "pipeline", "tests", "benchmarks", "scripts")
ALLOWED = {
    "core": {"core"},
    "normalizers": {"core", "normalizers"},
    "extractors": {"core", "normalizers", "extractors"},
    "pipeline": {"core", "normalizers", "extractors", "pipeline"},
}


def imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import of one of our packages in `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, n.split(".")[0]) for n in names if n.split(".")[0] in OURS]
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_layers_point_one_way(package: str) -> None:
    bad = [f"{p.relative_to(ROOT)}:{line} imports {target}"
           for p in sorted((ROOT / package).rglob("*.py"))
           for line, target in imported_packages(p) if target not in ALLOWED[package]]
    assert not bad, "imports against the layer order:\n" + "\n".join(bad)


def test_contract_sees_lazy_imports(tmp_path: Path) -> None:
    # The checker itself must catch an import hidden inside a function.
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from pipeline.stages import extract\n    import extractors.grid\n")
    assert imported_packages(f) == [(2, "pipeline"), (3, "extractors")]
