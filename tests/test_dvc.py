"""`dvc repro` on a fresh copy: builds Parquet, does nothing the second time, reruns when a PDF is added."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.schemas import TABLES

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "hung-yen-2022-196-kh-ubnd"


def _sh(cmd: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.slow
def test_dvc_repro_fresh_then_noop_then_new_pdf(tmp_path):
    repo = tmp_path / "repo"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for rel in tracked:
        if rel.split("/")[0] in {"core", "pipeline", "extractors", "normalizers", "data", ".dvc"} or rel in {
                "dvc.yaml", "params.yaml", ".dvcignore", ".gitignore"}:
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, repo / rel)
    env = {**os.environ, "DVC_NO_ANALYTICS": "1", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(repo), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    dvc = [sys.executable, "-m", "dvc"]
    _sh(["git", "init", "-q"], repo, env)
    _sh(["git", "add", "-A"], repo, env)
    _sh(["git", "commit", "-qm", "fresh clone"], repo, env)

    first = _sh(dvc + ["repro"], repo, env)
    out = repo / "data" / "processed" / SAMPLE
    assert sorted(p.name for p in out.iterdir() if p.name != ".vnplan") == sorted(f"{t}.parquet" for t in TABLES), \
        first.stdout  # .vnplan: the marker of a folder this tool wrote (pipeline/folders.py)
    assert "Running stage 'extract'" in first.stdout

    second = _sh(dvc + ["repro"], repo, env)
    assert "Running stage" not in second.stdout, second.stdout

    shutil.copy2(repo / "data" / "raw" / f"{SAMPLE}.pdf", repo / "data" / "raw" / "copy-2023.pdf")
    third = _sh(dvc + ["repro"], repo, env)
    assert "Running stage 'extract'" in third.stdout
    assert (repo / "data" / "processed" / "copy-2023" / "activities.parquet").is_file()
    assert (out / "activities.parquet").is_file()
