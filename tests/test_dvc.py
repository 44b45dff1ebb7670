"""`dvc repro` on a fresh clone: builds Parquet and the metrics, leaves git clean (the committed dvc.lock
and data/metrics match), does nothing the second time, and reruns when a PDF is added."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.schemas import TABLES

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "hung-yen-2022-196-kh-ubnd"
# what the extract stage reads or the DVC setup needs
COPIED = {"core", "pipeline", "extractors", "normalizers", "data", ".dvc"}
COPIED_FILES = {"dvc.yaml", "dvc.lock", "params.yaml", ".dvcignore", ".gitignore"}


def _sh(cmd: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.slow
def test_dvc_repro_fresh_clone_is_clean_then_noop_then_new_pdf(tmp_path):
    repo = tmp_path / "repo"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    for rel in tracked:
        if (rel.split("/")[0] in COPIED or rel in COPIED_FILES) and (ROOT / rel).is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, repo / rel)
    assert (repo / "dvc.lock").is_file() and (repo / "data" / "metrics" / "metrics.json").is_file(), \
        "dvc.lock and data/metrics/ must be committed"
    env = {**os.environ, "DVC_NO_ANALYTICS": "1", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(repo), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    dvc = [sys.executable, "-m", "dvc"]
    git_status = ["git", "status", "--porcelain", "--untracked-files=all"]
    _sh(["git", "init", "-q"], repo, env)
    _sh(["git", "add", "-A"], repo, env)
    _sh(["git", "commit", "-qm", "fresh clone"], repo, env)

    first = _sh(dvc + ["repro"], repo, env)
    out = repo / "data" / "processed" / SAMPLE
    assert sorted(p.name for p in out.iterdir() if p.name != ".vnplan") == sorted(f"{t}.parquet" for t in TABLES), \
        first.stdout  # .vnplan: the marker of a folder this tool wrote (pipeline/folders.py)
    assert "Running stage 'extract'" in first.stdout
    # the committed lock and metrics are what a fresh clone produces: nothing to commit afterwards
    assert _sh(git_status, repo, env).stdout == "", _sh(["git", "diff"], repo, env).stdout[-3000:]

    shown = _sh(dvc + ["metrics", "show", "--json"], repo, env).stdout
    (workspace,) = json.loads(shown).values()  # one revision: the workspace
    figures = workspace["data"]["data/metrics/metrics.json"]["data"]
    assert figures["activities"] == 105 and figures["documents"] == 1  # the scan is the same plan
    assert figures["duplicates"] == 1 and figures["mentions_unmatched"] == 0
    plots = _sh(dvc + ["plots", "show", "--json"], repo, env).stdout
    assert "2022Q2" in plots and "deadlines_per_quarter.csv" in plots

    second = _sh(dvc + ["repro"], repo, env)
    assert "Running stage" not in second.stdout, second.stdout

    shutil.copy2(repo / "data" / "raw" / f"{SAMPLE}.pdf", repo / "data" / "raw" / "copy-2023.pdf")
    third = _sh(dvc + ["repro"], repo, env)
    assert "Running stage 'extract'" in third.stdout and "Running stage 'metrics'" in third.stdout
    assert (repo / "data" / "processed" / "copy-2023" / "activities.parquet").is_file()
    assert (out / "activities.parquet").is_file()
    # `dvc metrics diff` compares the re-run with the last commit: one more duplicate, the same activities
    diff = json.loads(_sh(dvc + ["metrics", "diff", "--json"], repo, env).stdout)["data/metrics/metrics.json"]
    assert diff["duplicates"] == {"old": 1, "new": 2, "diff": 1}
    assert "activities" not in diff  # unchanged: the copy is counted once
