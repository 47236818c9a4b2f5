# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv with Python 3.12 (pyenv's .python-version, or python3.12 on PATH).
PYTHON ?= $(shell command -v python3.12 2>/dev/null || (command -v pyenv >/dev/null && pyenv which python3.12 2>/dev/null) || echo python3.12)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,viz]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/outreach

# The web app's browser test drives Debian's Chromium; install it when missing and we can.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else echo "note: /usr/bin/chromium missing (sudo apt-get install chromium); the browser test will be skipped"; fi; \
	fi

test: install browser
	$(BIN)/python -m pytest -q -n auto

# The speed benchmark (minutes): runs from this checkout, writes results/bench/.
bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python experiments/bench/bench.py

clean:
	rm -rf $(VENV)
