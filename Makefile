# torchcv_nb task runner. `make help` lists the targets; README.md explains the two that matter.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Notebook test flags to turn on (settings.ini tst_flags: slow cuda cuda_build). Empty = the fast tier.
FLAGS  ?=
# Notebooks run in parallel, one per worker process (pytest-xdist); each worker's torch gets NB_THREADS threads so
# that JOBS x NB_THREADS matches the cores. JOBS=1 runs them one after the other with every core each.
JOBS       ?= $(shell nproc)
NB_THREADS ?= $(shell echo $$(( $$(nproc) / $(JOBS) > 0 ? $$(nproc) / $(JOBS) : 1 )))
# Where the quickstart demo writes its executed notebook, figures and HTML.
DEMO_OUT ?= runs/quickstart
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# This machine's pip config lists local indexes that lack some packages; pip warns about each one. Hide that noise.
QUIET_PIP := { grep -v 'is ignored: it is neither a file nor a directory' || true; }

# CUDA sources compile without a GPU when these are set before Python starts (see ../shared/ENVIRONMENT.md).
export CUDA_HOME            ?= /usr/local/cuda
export TORCH_CUDA_ARCH_LIST ?= 9.0
export TORCH_EXTENSIONS_DIR ?= $(HOME)/.cache/torch_extensions

.PHONY: help venv demo test test-full test-gpu check-sync test-nbs docs check-docs check-wheel lab ensure-chromium clean

help:
	@echo "make demo        run the course's end-to-end demo headless (outputs in $(DEMO_OUT)/)"
	@echo "make test        fast tier: sync check, every notebook (slow/cuda cells skipped), harness tests, docs + browser check"
	@echo "make test-full   full tier: as test, with FLAGS='slow cuda_build', plus the wheel check (what CI runs)"
	@echo "make test-gpu    as test-full plus 'cuda' cells: run on a machine with a GPU"
	@echo "make lab         open the course in JupyterLab"
	@echo "make docs        build the docs site into docs/_site"
	@echo "Each target creates the virtual environment ($(VENV)) first if it is missing or out of date."

venv: $(VENV)/.installed
$(VENV)/.installed: settings.ini setup.py pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 2>&1 | $(QUIET_PIP)
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]" 2>&1 | $(QUIET_PIP)
	@touch $@

demo: venv
	@mkdir -p $(DEMO_OUT)
	$(BIN)/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=1800 \
	  --output-dir $(DEMO_OUT) --output quickstart nbs/90_tutorial.quickstart.ipynb
	$(BIN)/jupyter nbconvert --to markdown $(DEMO_OUT)/quickstart.ipynb --output-dir $(DEMO_OUT)
	$(BIN)/jupyter nbconvert --to html $(DEMO_OUT)/quickstart.ipynb --output-dir $(DEMO_OUT)
	$(BIN)/torchcv_nb train cls/shapes_resnet18 --out $(DEMO_OUT)/cls_shapes_resnet18 --overwrite
	$(BIN)/torchcv_nb val $(DEMO_OUT)/cls_shapes_resnet18
	@echo "Demo done: $(DEMO_OUT)/quickstart.ipynb (executed), quickstart.html, quickstart.md and figures in $(DEMO_OUT)/quickstart_files/;"
	@echo "the command-line run (a narrow ResNet-18 on Shapes: config, logs, metrics, checkpoints, figures) is in $(DEMO_OUT)/cls_shapes_resnet18/"

test: venv check-sync test-nbs check-docs

test-full: FLAGS = slow cuda_build
test-full: test check-wheel

test-gpu: FLAGS = slow cuda_build cuda
test-gpu: test

# Notebooks and library must be in sync: exporting and cleaning may not change anything.
check-sync: venv
	@before=$$(git status --porcelain -- nbs torchcv_nb; git diff -- nbs torchcv_nb | sha1sum); \
	$(BIN)/nbdev_export; $(BIN)/nbdev_clean; \
	after=$$(git status --porcelain -- nbs torchcv_nb; git diff -- nbs torchcv_nb | sha1sum); \
	if [ "$$before" != "$$after" ]; then \
	  echo "nbdev_export / nbdev_clean changed files: the library or notebook metadata was out of sync."; \
	  git status --short -- nbs torchcv_nb; echo "Review the changes and commit notebooks and library together."; exit 1; \
	fi; echo "check-sync: notebooks and library are in sync"

test-nbs: venv ensure-chromium
	$(BIN)/python tests/prebuild.py --flags "$(FLAGS)"
	OMP_NUM_THREADS=$(NB_THREADS) $(BIN)/python -m pytest --flags "$(FLAGS)" $(if $(filter-out 1,$(JOBS)),-n $(JOBS) --dist load --maxschedchunk 1)

docs: venv
	$(BIN)/python docs/build.py

check-docs: docs ensure-chromium
	$(BIN)/python docs/check_site.py

check-wheel: venv
	rm -rf dist build
	$(BIN)/python -m build --wheel --outdir dist . 2>&1 | $(QUIET_PIP) | tail -n 1
	$(PYTHON) -m venv build/wheel-venv
	build/wheel-venv/bin/python -m pip install -q -c constraints.txt dist/*.whl 2>&1 | $(QUIET_PIP)
	cd build && wheel-venv/bin/python ../tests/check_wheel.py

lab: venv
	$(BIN)/jupyter lab nbs $(if $(SUDO),,--allow-root)

ensure-chromium:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null || \
	  { echo "Installing Debian's chromium for the docs browser check"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf _proc docs/_site docs/_artifacts dist build runs .pytest_cache test-results
