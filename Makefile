# The two commands: `make run` (the embedded demo) and `make test` (every gate CI runs).
# Everything else here is a piece of one of those two.

VENV := .venv
BIN := $(VENV)/bin
PYTEST := $(BIN)/pytest -p no:cacheprovider -q
PORT ?= 8000
SECRET_KEY_PATH := $(CURDIR)/var/secret_key
# Runs a command with PostgreSQL, Redis, Dovecot and Chromium at hand, found, installed or
# started for the run; it sets POSTGRES_URL and REDIS_URL (see the script).
WITH_SERVICES := bash scripts/test-services.sh

# The two pytest passes, as shell commands for WITH_SERVICES: $$POSTGRES_URL is the server the
# script chose. An empty DATABASE_URL means SQLite in settings, whatever the environment holds.
PYTEST_SQLITE := echo "==> pytest on SQLite" && DATABASE_URL= $(PYTEST)
PYTEST_POSTGRES := echo "==> pytest on PostgreSQL ($$POSTGRES_URL)" \
	&& DATABASE_URL="$$POSTGRES_URL" $(PYTEST)

.DEFAULT_GOAL := help
.PHONY: help bootstrap bootstrap-runtime run test lint format typecheck migrations-check \
	test-sqlite test-postgres bench

help:
	@echo "make run            start Sustain with demo data on http://127.0.0.1:$(PORT)/"
	@echo "make test           lint, type check, migrations check, tests on SQLite and PostgreSQL"
	@echo "                    (finds, installs or starts PostgreSQL, Redis, Dovecot, Chromium)"
	@echo "make lint | format | test-sqlite | test-postgres | bench"

# Everything: the runtime dependencies and the dev group (tests, linters, type checker).
bootstrap:
	@bash scripts/bootstrap.sh

# What the product needs at run time only: `make run` installs no test or lint tools.
bootstrap-runtime:
	@bash scripts/bootstrap.sh runtime

# The secret key is generated once and kept in var/ so that sessions survive a restart; a
# SECRET_KEY or SECRET_KEY_FILE from the caller's environment wins (settings refuse both).
run: bootstrap-runtime
	@if [ ! -s var/secret_key ]; then \
		mkdir -p var && (umask 077 && $(BIN)/python -c \
			'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key); \
	fi
	@if [ -z "$${SECRET_KEY:-}" ] && [ -z "$${SECRET_KEY_FILE:-}" ]; then \
		export SECRET_KEY_FILE="$(SECRET_KEY_PATH)"; \
	fi; \
	export PORT="$(PORT)"; \
	export SUSTAIN_BASE_URL="$${SUSTAIN_BASE_URL:-http://127.0.0.1:$(PORT)}"; \
	exec $(BIN)/sustain run

test: bootstrap lint typecheck migrations-check
	@$(WITH_SERVICES) bash scripts/test-passes.sh

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: bootstrap
	$(BIN)/ruff check --select I --fix .
	$(BIN)/ruff format .

typecheck: bootstrap
	SUSTAIN_TESTING=1 $(BIN)/mypy sustain

migrations-check: bootstrap
	SUSTAIN_TESTING=1 $(BIN)/sustain makemigrations --check --dry-run

test-sqlite: bootstrap
	@$(WITH_SERVICES) sh -c '$(PYTEST_SQLITE)'

test-postgres: bootstrap
	@$(WITH_SERVICES) sh -c '$(PYTEST_POSTGRES)'

bench: bootstrap
	@if [ -f bench/run_all.sh ]; then \
		bash bench/run_all.sh; \
	else \
		echo "no benchmarks yet (bench/run_all.sh does not exist)"; \
	fi
