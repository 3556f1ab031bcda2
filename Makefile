# Two entry points for a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test docs docs-test bench compiled clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/exsim run scenarios/quickstart.yaml --out out/quickstart

# The suite's files are shared out over the cores (pytest-xdist), each file whole on one worker so the runs
# its tests share are made once: about 3 minutes on 2 cores instead of 4 to 5.
test: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks docs
	$(BIN)/ruff format --check sim tests benchmarks docs
	$(BIN)/python -m pytest -n auto --dist loadfile

# The documentation (docs/, Sphinx): HTML into docs/_build/html, warnings as errors. docs-test runs the
# examples on its pages (Sphinx's doctest builder); tests/test_docs.py does both on every `make test`.
# -E reads every page again: pages made by docs/_ext from the code are never left stale (a few seconds).
docs: $(STAMP)
	$(BIN)/python -m sphinx -E -W --keep-going -b html -d docs/_build/doctrees docs docs/_build/html

docs-test: $(STAMP)
	$(BIN)/python -m sphinx -E -W --keep-going -b doctest -d docs/_build/doctrees docs docs/_build/doctest

# The optional compiled core (Cython, a C compiler): sim/model/_compiled/, loaded only while every source it was
# built from is unchanged (sim/model/compiled.py); `exsim --version` says which build runs, EXSIM_PURE=1 forces pure.
COMPILED := sim/model/_compiled/manifest.json
compiled: $(COMPILED)

$(COMPILED): $(STAMP) $(wildcard sim/model/*.py sim/model/*.pxd sim/model/roles/*.py sim/model/roles/*.pxd)
	$(BIN)/python -m sim.model.build

# The benchmarks run the compiled model (each prints which build ran; bench_compiled.py sets it beside pure Python).
bench: $(STAMP) $(COMPILED)
	$(BIN)/python benchmarks/bench_network.py
	$(BIN)/python benchmarks/bench_day.py
	$(BIN)/python benchmarks/bench_sites.py
	$(BIN)/python benchmarks/bench_edge.py
	$(BIN)/python benchmarks/bench_faults.py
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_outputs.py --repeat 3
	$(BIN)/python benchmarks/bench_size.py
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_compiled.py

clean:
	rm -rf $(VENV) out .pytest_cache docs/_build docs/_generated sim/model/_compiled
