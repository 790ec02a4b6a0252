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

.PHONY: run test lint fmt bench migrate seed demo worker beat check-deploy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

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

worker: $(STAMP)
	$(BIN)/celery -A mktgops_portal worker -l info

beat: $(STAMP)
	$(BIN)/celery -A mktgops_portal beat -l info

clean:
	rm -rf $(VENV) var staticfiles
