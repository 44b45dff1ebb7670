"""Shared test set-up: Hypothesis profiles and the seed document's location."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]

# "ci" is reproducible (same examples every run); "dev" explores new ones.
settings.register_profile("ci", derandomize=True, max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def seed_path() -> Path:
    """The text rendering of the real Hưng Yên 2022 plan, kept in tests/fixtures ($PLAN_SEED overrides)."""
    from tests.factory.seed import default_seed_path
    return default_seed_path()


@pytest.fixture(scope="session")
def seed_file() -> Path:
    path = seed_path()
    if not path.is_file():
        pytest.fail(f"seed text not found at {path}: set PLAN_SEED to its path")
    return path


SAMPLE_PDF = ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd.pdf"
SCAN_PDF = ROOT / "data" / "raw" / "hung-yen-2022-196-kh-ubnd-scan.pdf"


@pytest.fixture(scope="session")
def params():
    from pipeline.settings import Settings
    return Settings.from_yaml(ROOT / "params.yaml")


@pytest.fixture(scope="session")
def sample_run(params):
    """The bundled born-digital sample through every stage but `write`, once per test session."""
    from pipeline.stages import run_stages
    return run_stages(SAMPLE_PDF, params, until="check")


@pytest.fixture(scope="session")
def scan_run(params):
    """The bundled scanned sample through every stage but `write` (OCR: ~15 s), once per test session."""
    from pipeline.stages import run_stages
    return run_stages(SCAN_PDF, params, until="check")
