# The two commands: `make run` (the embedded demo) and `make test` (every gate CI runs).
# Everything else here is a piece of one of those two.

VENV := .venv
BIN := $(VENV)/bin
PYTEST := $(BIN)/pytest -p no:cacheprovider -q
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/sustain
PORT ?= 8000
SECRET_KEY_PATH := $(CURDIR)/var/secret_key

.DEFAULT_GOAL := help
.PHONY: help bootstrap run test lint format typecheck migrations-check test-sqlite test-postgres bench

help:
	@echo "make run            start Sustain with demo data on http://127.0.0.1:$(PORT)/"
	@echo "make test           lint, type check, migrations check, tests on SQLite and PostgreSQL"
	@echo "make lint | format | test-sqlite | test-postgres | bench"

bootstrap:
	@bash scripts/bootstrap.sh

# The secret key is generated once and kept in var/ so that sessions survive a restart; a
# SECRET_KEY or SECRET_KEY_FILE from the caller's environment wins (settings refuse both).
run: bootstrap
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
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

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

# An empty DATABASE_URL means SQLite in settings, whatever the caller's environment holds.
test-sqlite: bootstrap
	@echo "==> pytest on SQLite"
	DATABASE_URL= $(PYTEST)

test-postgres: bootstrap
	@echo "==> pytest on PostgreSQL ($(POSTGRES_URL))"
	DATABASE_URL=$(POSTGRES_URL) $(PYTEST)

bench: bootstrap
	@if [ -f bench/run_all.sh ]; then \
		bash bench/run_all.sh; \
	else \
		echo "no benchmarks yet (bench/run_all.sh does not exist)"; \
	fi
