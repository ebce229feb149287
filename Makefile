# `make run` and `make test` set up everything they need on a fresh Debian machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-8)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Needed at run time: WeasyPrint lays out the weekly notice's PDF with Debian's pango
# (>= 1.44; bookworm has 1.50) and subsets its fonts with harfbuzz; the Chinese font.
RUNTIME_PACKAGES := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
RUNTIME_CHECK := fc-list :lang=zh | grep -q . && ldconfig -p | grep -q libpangoft2-1.0.so.0 \
	&& ldconfig -p | grep -q libharfbuzz-subset.so.0
DEBIAN_PACKAGES := chromium gettext $(RUNTIME_PACKAGES)
# pg_dump, pg_restore and psql for the backup tests, only when the tests run on PostgreSQL.
NEEDS_PG_CLIENT := $(if $(filter postgres%,$(DATABASE_URL)),yes)
ifdef NEEDS_PG_CLIENT
DEBIAN_PACKAGES += postgresql-client
endif

.PHONY: run test test-fast test-browser check-deploy bench lint format messages system-packages runtime-packages

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

# What the app itself needs from Debian (see RUNTIME_PACKAGES), for `make run`.
runtime-packages:
	@if ! { $(RUNTIME_CHECK); }; then \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(RUNTIME_PACKAGES); \
	fi

# Debian's chromium for the browser tests (Playwright may not download its own),
# a Chinese font so screenshots are not boxes, gettext for the catalogue, the
# run-time packages, and on PostgreSQL its client tools.
system-packages:
	@if ! command -v chromium >/dev/null || ! { $(RUNTIME_CHECK); } || ! command -v msgfmt >/dev/null \
		|| { [ -n "$(NEEDS_PG_CLIENT)" ] && ! command -v pg_restore >/dev/null; }; then \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(DEBIAN_PACKAGES); \
	fi

run: $(STAMP) runtime-packages
	DJANGO_DEBUG=true $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=true $(PY) manage.py seed_demo
	@echo "Serving at http://127.0.0.1:8000/ (the outbox worker runs alongside; e-mails print here)"
	@# The task worker (django-tasks-db) delivers 催报 and notices; the trap stops it with runserver.
	@# remind_late every 10 minutes stands in for the cron line README gives for production
	@# (it is cron-safe: each week x region x occasion is reminded once).
	DJANGO_DEBUG=true $(PY) manage.py db_worker --no-startup-delay & WORKER=$$!; \
	( while sleep 600; do DJANGO_DEBUG=true $(PY) manage.py remind_late || true; done ) & REMINDER=$$!; \
	trap 'kill $$WORKER $$REMINDER 2>/dev/null; wait $$WORKER 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP) system-packages
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory check-deploy
	@# The browser tests run alone, after the rest: their live servers share the SQLite
	@# test file with the tests that start a second app process (tests/test_shared_cache.py).
	$(PY) -m pytest -m "not browser"
	$(PY) -m pytest -m browser

# Django's deployment checks under the production environment README documents (HTTPS,
# the defaults of config/settings.py; a throw-away key of the required length): any
# warning fails.
PRODUCTION_ENV := DJANGO_SECRET_KEY=check-deploy-only-0d7f3a9c52e84b1f96ac0e27b4d5f8a1c3e6 \
	DJANGO_ALLOWED_HOSTS=gas.example.gov.cn
check-deploy: $(STAMP)
	$(PRODUCTION_ENV) $(PY) manage.py check --deploy --fail-level WARNING

test-fast: $(STAMP) runtime-packages
	$(PY) -m pytest -m "not browser"

test-browser: $(STAMP) system-packages
	$(PY) -m pytest -m browser

bench: $(STAMP) runtime-packages
	$(PY) bench/run.py --db all

lint: $(STAMP)
	$(PY) -m ruff check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

messages: $(STAMP)
	DJANGO_DEBUG=true $(PY) manage.py makemessages -l zh_Hans --no-location --ignore=.venv
	DJANGO_DEBUG=true $(PY) manage.py compilemessages -l zh_Hans --ignore=.venv
