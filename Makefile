# Two commands do all the set-up: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails, Slack messages and the printed sign-in line point at the local server unless set.
SITE_URL ?= http://$(HOST):$(PORT)
export SITE_URL

.PHONY: run test lint fmt bench migrate seed demo worker beat check-deploy clean lock upgrade faults

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Everything installs from the lock files (exact versions), the project itself without its dependencies.
$(STAMP): requirements.lock requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# After adding or changing a dependency in pyproject.toml: pin it (and only what it needs) in the locks.
PIP_COMPILE = $(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "pip-tools>=7.4"
	$(PIP_COMPILE) -o requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock pyproject.toml

# Move every pin to the newest release the pyproject.toml ranges allow; then run `make test`.
upgrade: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "pip-tools>=7.4"
	$(PIP_COMPILE) --upgrade -o requirements.lock pyproject.toml
	$(PIP_COMPILE) --upgrade --extra dev -c requirements.lock -o requirements-dev.lock pyproject.toml

install: $(STAMP)

migrate: $(STAMP)
	mkdir -p var
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

seed: migrate
	DEBUG=1 $(BIN)/python manage.py seed_taxonomy

demo: seed
	DEBUG=1 $(BIN)/python manage.py demo_data

run: demo
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=0 SECRET_KEY=lint-only-$$(date +%s)-a-long-random-string-for-the-deploy-check-only ALLOWED_HOSTS=portal.example.com \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The fault-injection suite alone (real PostgreSQL, Redis, Celery worker; prints its figures).
faults: $(STAMP)
	$(BIN)/python -m pytest tests/faults -s $(PYTEST_ARGS)

worker: $(STAMP)
	$(BIN)/celery -A mktgops_portal worker -l info

beat: $(STAMP)
	$(BIN)/celery -A mktgops_portal beat -l info

clean:
	rm -rf $(VENV) var staticfiles
