# carecircle — the commands in README.md. Everything the project needs is installed from here.
SHELL := /bin/bash
PYTHON ?= python3.11
HOST ?= 127.0.0.1
PORT ?= 8000
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE := carecircle.settings

.PHONY: run serve sync uv migrate demo test test-clock lint format bench browser clean

uv:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || \
		(echo "Installing uv with pip…" && $(PYTHON) -m pip install --quiet --user uv)

$(VENV)/.synced: pyproject.toml uv.lock | uv
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

sync: $(VENV)/.synced

migrate: sync
	CARECIRCLE_DEMO=true $(PY) manage.py migrate --noinput

demo: migrate
	CARECIRCLE_DEMO=true $(PY) manage.py load_demo

run: demo
	CARECIRCLE_DEMO=true HOST=$(HOST) PORT=$(PORT) bash scripts/serve.sh

browser:
	@bash scripts/ensure_browser.sh

test: sync browser
	@bash scripts/test.sh

# The date- and hour-dependent tests at pinned instants (Monday 00:05, Friday 15:55, Sunday 23:50,
# both clock changes, New Year's Eve); `make test` runs it too.
test-clock: sync
	@bash scripts/test_clock.sh

lint: sync
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=src $(VENV)/bin/lint-imports
	CARECIRCLE_DEMO=true DATABASE_URL=sqlite:///:memory: $(PY) manage.py makemigrations --check --dry-run
	CARECIRCLE_DEMO=true $(VENV)/bin/mypy --strict src/carecircle/engine
	CARECIRCLE_DEMO=true $(VENV)/bin/mypy $$(find src/carecircle \( -name services.py -o -name selectors.py -o -path '*/services/*.py' -o -path '*/selectors/*.py' \) | sort)

format: sync
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The benchmarks also need the "bench" dependency group (locust), which `make test` leaves out.
bench: sync
	$(UV) sync --locked --python $(PYTHON) --group bench
	@bash scripts/bench.sh

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
