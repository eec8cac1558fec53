# How to work on ordo: the same commands in the README, in CI (.ci/run) and in your head.
# `make help` lists them.

CARGO ?= cargo
# cargo-nextest runs the test binaries in parallel; without it, plain `cargo test` does the job.
NEXTEST := $(shell $(CARGO) nextest --version >/dev/null 2>&1 && echo yes)

.DEFAULT_GOAL := help
.PHONY: help run test lint fmt check-purity bench doc fuzz-api reliability

## List the targets.
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-z-]+:/{if(doc){split($$0,t,":"); printf "  make %-13s %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)

## Build and start the server on ./data/ordo.db with demo data (http://127.0.0.1:8080).
run:
	$(CARGO) run --release -p ordo-app --bin ordo -- serve --demo

## Every test: unit, property, contract (SQLite always; PostgreSQL when ORDO_TEST_PG_URL is set), black-box.
# Doc tests first: CI reads the last runner's closing line, which must count the real suite.
test:
ifeq ($(NEXTEST),yes)
	$(CARGO) test --workspace --doc --quiet
	$(CARGO) nextest run --workspace --no-fail-fast
else
	@echo "cargo-nextest not found: using cargo test (doc tests included)"
	$(CARGO) test --workspace --no-fail-fast
endif

## The reliability suite (oversell, database loss, kill -9, hostile input); docs/RELIABILITY.md.
# Part of `make test` too; here alone, with the input fuzzing run far longer.
reliability:
	$(CARGO) test -p ordo-app --test reliability -- --test-threads 1
	PROPTEST_CASES=$${PROPTEST_CASES:-20000} $(CARGO) test -p ordo-domain --test hostile_input

## Fuzz the API from its own OpenAPI document (schemathesis, in a venv outside the repository).
fuzz-api:
	bash scripts/fuzz-api.sh

## Formatting check, the dependency rule, and clippy with warnings as errors.
lint: check-purity
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Format every crate in place.
fmt:
	$(CARGO) fmt --all

## ordo-domain stays pure (no I/O, async, web or database crate); no adapter depends on another.
check-purity:
	bash scripts/check-purity.sh

## Benchmarks (store placements, WebSocket fan-out, the whole system under load); figures and method in docs/PERFORMANCE.md.
bench:
	$(CARGO) bench --workspace

## The domain's API documentation (target/doc/ordo_domain), warnings as errors.
doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -p ordo-domain --no-deps
