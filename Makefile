# The two commands of the contract: `make run` and `make test` (see README.md).
# Without DATABASE_URL both start the embedded PostgreSQL under .data/; without REDIS_URL Celery
# tasks run in-process.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

# Resolve the database once per recipe: the given DATABASE_URL, or the embedded server's.
WITH_DB = export DATABASE_URL="$${DATABASE_URL:-$$($(BIN)/python scripts/embedded_db.py)}" && test -n "$$DATABASE_URL" &&

.PHONY: run test setup install db lint bench worker beat stop-db clean translations totp

run: setup
	@$(WITH_DB) $(BIN)/python manage.py seed_demo && \
	  $(BIN)/python manage.py demo_logins && \
	  echo "Serving http://127.0.0.1:$(PORT)/" && \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: setup
	@$(WITH_DB) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Everything both commands need, idempotent and fast the second time.
setup: install translations
	@$(WITH_DB) $(BIN)/python manage.py migrate --noinput -v 0 && \
	  $(BIN)/python manage.py load_geography && \
	  $(BIN)/python manage.py collectstatic --noinput -v 0

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.12 for example)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

# Compiled with polib, so no system gettext is needed on a fresh machine.
translations: install
	@$(BIN)/python scripts/compile_translations.py

lint: install
	@$(BIN)/ruff check .
	@$(WITH_DB) $(BIN)/python manage.py makemigrations --check --dry-run

worker: setup
	@$(WITH_DB) $(BIN)/celery -A config worker -l info

beat: setup
	@$(WITH_DB) $(BIN)/celery -A config beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler

# Benchmark (issue 9): fill the database first, e.g. `make bench BENCH_CHILDREN=1000000`.
BENCH_CHILDREN ?= 100000
bench: setup
	@$(WITH_DB) $(BIN)/python manage.py shell -c "from beneficiaries.models import Child; import sys; sys.exit(0 if Child.objects.count() >= $(BENCH_CHILDREN) else 1)" \
	  || $(BIN)/python manage.py generate_scale_data --children $(BENCH_CHILDREN) --provinces 15,82; \
	  $(BIN)/python benchmarks/bench.py

# The current two-factor code of the demo accounts that need one (official, national, admin).
totp:
	@$(WITH_DB) $(BIN)/python manage.py demo_totp_code

stop-db:
	@$(BIN)/python scripts/embedded_db.py stop

clean: stop-db
	rm -rf $(VENV) .data staticfiles
