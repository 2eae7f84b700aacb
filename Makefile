# The two commands of the README: `make run` (the portal with demo data) and `make test` (the whole suite).
# The work is done by the scripts in scripts/; this file only orders it.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check --quiet
# Test tools from Debian: the browser tests drive its Chromium, in Chinese; compilemessages needs gettext.
TEST_APT_PACKAGES := chromium fonts-noto-cjk gettext

.PHONY: run test test-faults fuzz lint messages bench dotenv services test-tools

run: $(VENV)/.installed-run dotenv
	$(PY) scripts/run.py

# Everything but the fault-injection tests, which stop and start PostgreSQL and Redis (make test-faults).
test: $(VENV)/.installed-dev dotenv test-tools services
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m ruff check .
	$(PY) -m pytest -m "not faults"

# pytest exits with 5 when no test carries the marker: nothing to run is not a failure.
test-faults: $(VENV)/.installed-dev dotenv test-tools services
	$(PY) -m pytest -m faults || [ $$? -eq 5 ]

# The long fuzzing pass (make test runs a bounded one, 4 cases per operation, to keep CI under 20 minutes): FUZZ_EXAMPLES generated cases per operation.
fuzz: $(VENV)/.installed-dev dotenv services
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(PY) -m pytest tests/trust/test_api_fuzz.py -p no:cacheprovider

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .

messages: $(VENV)/.installed-run dotenv
	scripts/ensure_apt.sh gettext
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var

# The harness drives the server with wrk (Debian's package). BENCH_ARGS="--scale province" for the big one.
bench: $(VENV)/.installed-dev dotenv services
	@if [ -f bench/__main__.py ]; then scripts/ensure_apt.sh wrk && $(PY) -m bench $(BENCH_ARGS); \
	else echo "The benchmarks are not there yet (bench/__main__.py): nothing to run."; fi

# --- the virtual environment: installed again only when a requirements file changes ---------------
$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: requirements.txt | $(VENV)/bin/python
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(VENV)/bin/python
	$(PIP) install -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

dotenv:
	@$(PYTHON) scripts/ensure_env.py

test-tools:
	scripts/ensure_apt.sh $(TEST_APT_PACKAGES)

services: $(VENV)/.installed-run
	$(PY) scripts/local_services.py ensure
