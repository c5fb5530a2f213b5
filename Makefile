# Everything runs in a virtual environment this Makefile makes itself (.venv/).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
OUT    ?= out

.PHONY: install demo test lint bench bench-compare bench-peers fuzz samples docs gallery clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,remote,dask]'
	touch $(STAMP)
	@# An editable install leaves histplot's own modules uncompiled; with PYTHONDONTWRITEBYTECODE set,
	@# every command would compile them again at start-up.
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m compileall -q histplot >/dev/null

install: $(STAMP)

## demo: install, then report on every bundled sample: figures, summary.md/json and index.html in out/
demo: $(STAMP)
	rm -rf $(OUT)
	$(BIN)/histplot report sample_histories/ -o $(OUT)/
	@cat $(OUT)/summary.md
	@echo "open $(OUT)/index.html for every figure"

## test: install, then run the whole test suite, one pytest-xdist worker per core (a test file stays on
## one worker, so that its module fixtures, such as the shared report, are built once)
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

## lint: ruff's checks and its formatting check (configured in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check histplot tests scripts benchmarks
	$(BIN)/ruff format --check histplot tests scripts benchmarks

## bench: install, then time histplot against its baselines (generated data, fresh processes; ~10 min)
bench: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m compileall -q histplot >/dev/null
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

## bench-peers: the bench table plus the peers (plot_keras_history, livelossplot, losslint, runmedic),
## installed into their own venv (.venv-peers/), never the project's
PEERS_VENV ?= .venv-peers
PEERS       = plot-keras-history livelossplot losslint runmedic
$(PEERS_VENV)/.installed-stamp:
	$(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install --quiet $(PEERS)
	touch $@

bench-peers: $(STAMP) $(PEERS_VENV)/.installed-stamp
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m compileall -q histplot >/dev/null
	$(BIN)/python -m benchmarks.peers --peers $(PEERS_VENV) $(BENCH_ARGS)

## bench-compare: each row of the last bench run (benchmarks/results.json) against the run before it
## (results.prev.json), or COMPARE_ARGS="OLD.json NEW.json"; flags rows more than 5 % slower
bench-compare: $(STAMP)
	$(BIN)/python -m benchmarks.compare $(COMPARE_ARGS)

## fuzz: the hypothesis fuzz tests over every reader with many more examples
fuzz: $(STAMP)
	HISTPLOT_FUZZ_EXAMPLES=2000 $(BIN)/python -m pytest -q tests/test_fuzz.py

## samples: regenerate sample_histories/ from scripts/make_samples.py
samples: $(STAMP)
	$(BIN)/python scripts/make_samples.py sample_histories

## docs: regenerate docs/cli.md, the CLI reference, from --help
docs: $(STAMP)
	$(BIN)/python scripts/cli_reference.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis *.egg-info

## gallery: render a fixed list of real runs from $HISTPLOT_CORPUS into gallery/ (index.html) to look at
gallery: $(STAMP)
	$(BIN)/python scripts/gallery.py gallery
