# The two commands a newcomer runs (see README.md): `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint conformance conformance-report bench clean

# Stamps, not $(BIN)/argento: `make demo` installs fewer extras than `make test` into the same venv.
DEV := $(VENV)/.installed-test
DEMO := $(VENV)/.installed-demo

$(DEV): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@ $(DEMO)

$(DEMO): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[mlflow,sklearn]'
	@touch $@

# The seed's whole pipeline: starts the server and MLflow, trains, evaluates, deploys 2 replicas, predicts.
demo: $(DEMO)
	$(BIN)/argento quickstart

# Two workers, a test file each at a time (tests wait on processes more than they compute). A test that fails
# is run once more after 2 s; one that passes then is listed as "RERUN" in the summary — a timing bug to find,
# not noise to ignore — and one that fails twice fails the build.
test: $(DEV)
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest -n 2 --dist loadfile --reruns 1 --reruns-delay 2 -rR
	$(BIN)/python tests/ray/netns.py --reruns 1 --reruns-delay 2 -rR  # the Ray tests, in a private network namespace (see there)

lint: $(DEV)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

conformance: $(DEV)
	$(BIN)/argento lint --summary ../shared/argo-corpus

conformance-report: $(DEV)
	$(BIN)/python tests/conformance/corpus.py --markdown
	@echo ""
	$(BIN)/python tests/conformance/argo_facts/report.py --markdown

bench: $(DEV)
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) build *.egg-info
