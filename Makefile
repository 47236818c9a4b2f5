# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv with Python 3.12 (pyenv's .python-version, or python3.12 on PATH).
PYTHON ?= $(shell command -v python3.12 2>/dev/null || (command -v pyenv >/dev/null && pyenv which python3.12 2>/dev/null) || echo python3.12)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,viz]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/outreach

test: install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV)
