# salesmind: `make demo` sets everything up and runs the demo; `make test` runs the whole test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export SALESMIND_HOME ?= $(CURDIR)/var/demo

.PHONY: demo test install install-test serve bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[ml,postgres]"
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/pip install -q -e ".[ml,postgres,test]"
	touch $@

install: $(BIN)/.installed

install-test: $(BIN)/.installed-test

demo: install
	$(BIN)/salesmind demo --size small --reset
	$(BIN)/salesmind score crm-train --kind lead
	$(BIN)/salesmind score crm-train --kind opportunity
	$(BIN)/salesmind score rescore --kind lead
	$(BIN)/salesmind score rescore --kind opportunity
	$(BIN)/salesmind forecast history --freq month --horizon 3
	$(BIN)/salesmind forecast pipeline --period quarter --days-back 7
	$(BIN)/salesmind forecast pipeline --period quarter
	$(BIN)/salesmind customers refresh --as-of $$($(BIN)/python -c "import datetime as d; print(d.date.today() - d.timedelta(days=60))")
	$(BIN)/salesmind customers refresh --as-of $$($(BIN)/python -c "import datetime as d; print(d.date.today() - d.timedelta(days=30))")
	$(BIN)/salesmind customers refresh
	$(BIN)/salesmind calls analyse
	$(BIN)/salesmind deals health
	$(BIN)/salesmind discounts train
	$(BIN)/salesmind replies classify
	$(BIN)/salesmind serve --mail-catcher

serve: install
	$(BIN)/salesmind serve

test: install-test
	bash scripts/test.sh $(ARGS)

bench: install-test
	$(BIN)/pip install -q -e ".[ml,postgres,test,bench]"
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache
