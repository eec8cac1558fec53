# How to work on ordo: the same commands in the README, in CI and in your head.

CARGO ?= cargo
NEXTEST := $(shell $(CARGO) nextest --version >/dev/null 2>&1 && echo yes)

.PHONY: run test lint fmt check-purity bench doc

## Build and start the server on ./data/ordo.db with demo data (http://127.0.0.1:8080).
run:
	$(CARGO) run --release -p ordo-app --bin ordo -- serve --demo

## Every test: unit, contract (SQLite always; PostgreSQL when ORDO_TEST_PG_URL is set), black-box.
test:
	$(CARGO) test --workspace --doc --quiet
ifeq ($(NEXTEST),yes)
	$(CARGO) nextest run --workspace --no-fail-fast
else
	$(CARGO) test --workspace --no-fail-fast
endif

## Formatting, clippy with warnings as errors, and the dependency rule.
lint: check-purity
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

check-purity:
	./scripts/check-purity.sh

## Benchmarks; figures and method in docs/PERFORMANCE.md.
bench:
	$(CARGO) bench --workspace

## The domain's API documentation, warnings as errors.
doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -p ordo-domain --no-deps
