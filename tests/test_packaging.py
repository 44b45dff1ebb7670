"""Packaging: every imported package declared, the `vnplan` command and its help, and (slow) `pip install`
of the repository into a fresh virtual environment giving a working `vnplan` from another folder."""
from __future__ import annotations

import ast
import importlib.metadata as md
import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import __version__
from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "extractors", "normalizers", "pipeline")
SAMPLE = ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd.pdf"


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imports() -> dict[str, set[str]]:
    """Top-level third-party modules imported by our packages → files importing them."""
    found: dict[str, set[str]] = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
                for n in names:
                    top = n.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in PACKAGES:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_imported_package_is_declared():
    project = _project()
    declared = {_name(r) for r in project["dependencies"]}
    extras = {e: {_name(r) for r in reqs} for e, reqs in project["optional-dependencies"].items()}
    dists = md.packages_distributions()  # import name → distributions providing it (installed here)
    missing = {}
    for module, files in _imports().items():
        names = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
        if names & declared:
            continue
        if module in {"distributed", "dask"} and names & extras["dask"]:
            continue  # only --executor dask imports them, lazily
        missing[module] = sorted(files)
    assert not missing, f"imported but not declared in pyproject.toml [project] dependencies: {missing}"
    assert project["scripts"]["vnplan"] == "pipeline.cli:main"
    assert {"pytest", "hypothesis", "reportlab", "duckdb", "polars"} <= extras["test"]


def test_package_data_is_declared():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    data = setuptools["package-data"]
    import fnmatch

    for pkg, folder in (("normalizers", "data"), ("pipeline", "templates"), ("pipeline", "data")):
        files = [p for p in (ROOT / pkg / folder).iterdir() if p.is_file()]
        assert files
        for f in files:
            rel = f"{folder}/{f.name}"
            assert any(fnmatch.fnmatch(rel, pat) for pat in data[pkg]), f"{pkg}/{rel} is not package data"


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"vnplan {__version__}"
    with pytest.raises(SystemExit):
        main(["--help"])
    top = capsys.readouterr().out
    assert top.startswith("usage: vnplan") and all(c in top for c in ("extract", "batch", "report"))
    for command, option in (("extract", "--params"), ("batch", "--executor"), ("report", "--pdf")):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        assert text.startswith(f"usage: vnplan {command}") and option in text
        assert len(text.splitlines()) > 6  # a description and every option, not one line


def _run(cmd: list, cwd: Path, env: dict | None = None, timeout: int = 1800) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.mark.slow
def test_pip_install_into_a_fresh_venv_gives_a_working_vnplan(tmp_path):
    """A real fresh venv (no system site-packages); pip fetches the dependencies from the package registry
    (PIP_INDEX_URL / PIP_FIND_LINKS / the pip cache apply). What it checks: the declared dependencies are
    enough, the console script exists, and extract + report work from a folder that is not the repository,
    with the package data (registry, lexicon, templates, calibration) coming from the installed package."""
    src = tmp_path / "src"  # a copy, so the build leaves nothing in the working tree
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    for rel in tracked:
        if rel.split("/")[0] in PACKAGES or rel in {"pyproject.toml", "README.md"}:
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, system_site_packages=False)
    bin_dir = env_dir / "bin"
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    _run([bin_dir / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", f"{src}[dask]"], tmp_path, env)

    work = tmp_path / "elsewhere"
    work.mkdir()
    pdf = work / "plan.pdf"
    shutil.copy2(SAMPLE, pdf)
    assert _run([bin_dir / "vnplan", "--version"], work, env).stdout.strip() == f"vnplan {__version__}"
    out = _run([bin_dir / "vnplan", "extract", pdf, "--out", work / "out"], work, env).stdout
    assert out.startswith("ok plan.pdf: 7 sections, 58 tasks, 105 activities"), out
    assert pq.read_metadata(work / "out" / "plan" / "activities.parquet").num_rows == 105
    imported = _run([bin_dir / "python", "-c", "import pipeline, distributed; print(pipeline.__file__)"], work, env).stdout
    assert str(env_dir) in imported  # the installed package, not the repository
    rep = _run([bin_dir / "vnplan", "report", work / "out" / "plan", "--pdf", pdf, "--out", work / "r.html"], work, env)
    assert "report" in rep.stdout and "Review first" in (work / "r.html").read_text(encoding="utf-8")
