# The two commands of the README:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test setup bench clean

demo: setup                       ## build every brief of data/ into out/
	$(BIN)/briefgen build

test: setup                       ## run the test suite
	./scripts/install-test-tools
	$(BIN)/python -m compileall -q briefgen tests examples > /dev/null   # bytecode for every process
	$(BIN)/python -m pytest -q -p no:randomly -n auto --dist loadgroup

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/install-fonts
	./scripts/install-fonts
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dask]'
	touch $@

bench: setup                      ## measure speed (not part of the tests)
	$(BIN)/python benchmarks/bench_render.py

clean:
	rm -rf out $(VENV) .pytest_cache
