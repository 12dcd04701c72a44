# elearn: `make run` starts the platform with the demo course; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# uv writes the lock (`make lock`), pinned so that every machine writes the same; pip alone
# installs from it.
UV_VERSION := 0.13.9
LOCK_TOOL := .venv-lock/.uv-$(UV_VERSION)

.PHONY: run test lint format check bench lock clean

# Every package at the version and hash in requirements/dev.txt (runtime, dev, pip and setuptools),
# then the project itself offline: a requirement of pyproject.toml the lock lacks stops here.
$(VENV)/.installed: pyproject.toml requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "elearn needs Python 3.11 or newer; this is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(VENV)/bin/python -m pip install --quiet --no-index --no-build-isolation -e ".[dev]" \
	  || { echo "requirements/dev.txt does not hold what pyproject.toml asks for: run make lock" >&2; exit 1; }
	@touch $@

# Web (gunicorn, reloading on code changes) and a Celery worker, with SQLite and a broker on the
# filesystem under var/. Ctrl-C stops both.
run: export DEBUG ?= 1
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_demo --site-domain 127.0.0.1:$(PORT)
	$(PY) manage.py run_platform --port $(PORT)

test: $(VENV)/.installed
	$(VENV)/bin/pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: lint
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

bench: $(VENV)/.installed
	$(PY) bench/run.py

UV_COMPILE = .venv-lock/bin/uv pip compile --quiet --universal --python-version 3.11 \
	--generate-hashes $(if $(UPGRADE),--upgrade)

# The lock, from pyproject.toml and requirements/*.in, for every Python from 3.11 and every
# platform (--universal): dev.txt, what make and CI install; runtime.txt, the same versions without
# the dev tools, for production; fuzz.txt, schemathesis for .ci/fuzz. Versions already locked stay
# while their ranges allow them; `make lock UPGRADE=1` takes the newest each range allows.
lock: $(LOCK_TOOL)
	UV_CUSTOM_COMPILE_COMMAND="make lock" $(UV_COMPILE) pyproject.toml requirements/install.in \
	  --extra dev -o requirements/dev.txt
	UV_CUSTOM_COMPILE_COMMAND="make lock" $(UV_COMPILE) pyproject.toml requirements/install.in \
	  -c requirements/dev.txt -o requirements/runtime.txt
	UV_CUSTOM_COMPILE_COMMAND="make lock" $(UV_COMPILE) requirements/fuzz.in -o requirements/fuzz.txt
	UV_CUSTOM_COMPILE_COMMAND="make lock" $(UV_COMPILE) requirements/ralph.in -o requirements/ralph.txt

# Ralph, a learning record store, for tests/xapi/test_ralph.py (which skip without it; .ci/run
# installs it): a virtualenv of its own, from its hashed lock.
.venv-ralph/.installed: requirements/ralph.txt
	rm -rf .venv-ralph
	$(PYTHON) -m venv .venv-ralph
	.venv-ralph/bin/python -m pip install --quiet --require-hashes -r requirements/ralph.txt
	@touch $@

# uv in a virtualenv of its own, so that it never meets the locked packages.
$(LOCK_TOOL):
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet "uv==$(UV_VERSION)"
	@touch $@

clean:
	rm -rf $(VENV) .venv-fuzz .venv-lock .venv-ralph var
