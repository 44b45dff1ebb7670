"""notebooks/explore.ipynb runs top to bottom on the bundled sample and draws its chart.

The kernel is ipykernel's `python3` from this virtual environment (requirements.txt), started
in the repository root. $PLAN_DATA points the notebook at an empty folder, so it runs the extract
itself (its subprocess path) instead of reading whatever data/processed holds on this machine.
"""
from __future__ import annotations

import base64
import io
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"


def _outputs(nb, kind: str) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == kind]


def test_notebook_runs_and_draws_the_deadline_chart(tmp_path, monkeypatch):
    try:
        import ipykernel  # noqa: F401  (the kernel runs this interpreter)
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError as e:
        pytest.fail(f"{e.name} is missing: run scripts/setup.sh (requirements.txt)")
    monkeypatch.setenv("PLAN_DATA", str(tmp_path / "processed"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")

    from jupyter_client import KernelManager

    assert KernelManager(kernel_name="python3").format_kernel_cmd()[0] == sys.executable  # this venv's Python
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=300, allow_errors=False,
                            resources={"metadata": {"path": str(ROOT)}})
    try:
        client.execute()
    except CellExecutionError as e:
        pytest.fail(f"notebook cell failed:\n{str(e)[-3000:]}")

    assert not _outputs(nb, "error")
    stdout = "".join(o.text for o in _outputs(nb, "stream") if o.name == "stdout")
    assert "105 activities on 24 appendix pages" in stdout
    assert str(tmp_path / "processed") in stdout  # it extracted into $PLAN_DATA itself
    assert (tmp_path / "processed" / "hung-yen-2022-196-kh-ubnd" / "activity_agencies.parquet").is_file()

    rich = [o for kind in ("display_data", "execute_result") for o in _outputs(nb, kind)]
    charts = [o for o in rich if "image/png" in o.data]
    assert len(charts) == 1, "expected one chart (deadlines per quarter)"
    from PIL import Image

    chart = Image.open(io.BytesIO(base64.b64decode(charts[0].data["image/png"])))
    assert chart.width > 600 and chart.height > 250
    tables = "\n".join(o.data.get("text/plain", "") for o in rich)
    assert "Sở Nội vụ" in tables  # tasks per lead agency
    assert "2022Q2" in tables  # deadlines per quarter
    assert "conditional" in tables and "dated" in tables  # conditional vs dated tasks
