# The README's two commands: `make run` and `make test`. Everything else is what they are made of.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE := ilms_portal.settings

.PHONY: run test setup db lint screenshots clean browser backup restore

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed

db: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_catalogue

run: db
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo
	DEBUG=$${DEBUG:-true} VENV=$(VENV) scripts/run-portal

# The browser test drives Debian's chromium (Playwright never downloads a browser here); the .ods tests save
# files with Debian's LibreOffice, as focal points do.
browser:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium not installed: browser tests will be skipped"; }
	@test -x /usr/bin/soffice || { echo "Installing Debian's LibreOffice Calc for the .ods tests"; \
	  (apt-get update -qq && apt-get install -y -qq libreoffice-calc-nogui >/dev/null) || echo "LibreOffice not installed: .ods tests will be skipped"; }

test: setup browser
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Speed goals beside baselines measured in the same run, on PostgreSQL (a throw-away test database).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ilms_bench
bench: setup
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(PY) -m bench

# ruff for style, import-linter for the layers and cycles of collection/ (pyproject.toml), mypy for the types.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# Walk the submission path in Debian's chromium against a running `make run` and save PNGs in screenshots/.
screenshots: setup
	$(PY) scripts/screenshots.py http://127.0.0.1:8000 screenshots

# One backup of DATABASE_URL and MEDIA_ROOT (README, "Backups"): into $(BACKUP_DIR)/<UTC timestamp>/, TAR=1 for a .tar.
BACKUP_DIR ?= var/backups
backup: setup
	$(PY) manage.py backup --dir "$(BACKUP_DIR)" $(if $(filter 1 yes true,$(TAR)),--tar)

# Restore BACKUP=<folder or .tar> into DATABASE_URL and MEDIA_ROOT; FORCE=1 to overwrite ones that are not empty.
restore: setup
	@test -n "$(BACKUP)" || { echo "Say which backup to restore: make restore BACKUP=var/backups/<UTC timestamp>"; exit 2; }
	$(PY) manage.py restore "$(BACKUP)" $(if $(filter 1 yes true,$(FORCE)),--force)

clean:
	rm -rf var/broker var/test_db.sqlite3*
