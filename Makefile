# The two commands a newcomer runs (see README.md): `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint conformance conformance-report bench clean

$(BIN)/argento: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(BIN)/argento

demo: $(BIN)/argento
	$(BIN)/argento run examples/hello-dag.yaml

test: $(BIN)/argento
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest
	$(BIN)/python tests/ray/netns.py  # the Ray tests, in a private network namespace (see there)

lint: $(BIN)/argento
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

conformance: $(BIN)/argento
	$(BIN)/argento lint --summary ../shared/argo-corpus

conformance-report: $(BIN)/argento
	$(BIN)/python tests/conformance/corpus.py --markdown

bench: $(BIN)/argento
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) build *.egg-info
