# aws-ir: incident response for AWS, as code.
#
#   make demo    synthesize, bring up the emulated AWS, deploy, fire a finding, watch it run
#   make test    everything CI runs: artifact check, linters, unit, snapshot, harness and
#                end-to-end tests on the emulated AWS
#
# Tools are pinned and installed into the project (.venv, .venv-lint, node_modules) by the
# targets that need them; nothing downloads at run time after that.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export CARGO_TARGET_DIR ?= $(HOME)/.cache/aws-ir/target
export CARGO_TERM_COLOR ?= never
# Every build under make goes through clippy-driver, which is rustc plus clippy's lints on the
# workspace crates only: the SDK crates then compile once, for the tests, the emulator, the demo
# and the lint alike (`cargo clippy` is a check build, a second compile of every SDK crate).
# `make lint` denies what it reports (tools/deny_warnings.py).
CLIPPY_DRIVER := $(shell command -v clippy-driver 2>/dev/null)
ifneq ($(CLIPPY_DRIVER),)
export RUSTC_WORKSPACE_WRAPPER := $(CLIPPY_DRIVER)
endif

PY          := .venv/bin/python
LINT        := .venv-lint/bin
LOCAL       := .local
LINT_OUT    := $(LOCAL)/lint

.PHONY: help setup synth sdk check lint lint-judges test test-unit test-harness test-e2e demo demo-org bench package \
        build-cost emulator-up emulator-down clean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

# --- tools ------------------------------------------------------------------------------------

.venv/.installed: e2e/harness/requirements.txt
	python3 -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check -r e2e/harness/requirements.txt
	touch $@

.venv-lint/.installed: tools/requirements-lint.txt
	python3 -m venv .venv-lint
	.venv-lint/bin/pip install --quiet --disable-pip-version-check -r tools/requirements-lint.txt
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

setup: .venv/.installed .venv-lint/.installed node_modules/.installed ## install the pinned tools

# --- codegen ----------------------------------------------------------------------------------

synth: ## write statemachines/ and cloudformation/ from the playbooks
	cargo run -q -p codegen

check: ## fail with a diff if a committed artifact differs from a fresh synthesis, or vendor/ from a fresh prune
	cargo run -q -p codegen -- --check
	python3 tools/sdk.py check

# The AWS SDK service crates are built from vendor/: the published crates of the versions
# Cargo.lock names, pruned to the operations the code calls (tools/sdk.py; #23). Run after the
# code calls an operation it did not before, or after a new version in vendor/<crate>/Cargo.toml.
sdk: ## prune the AWS SDK service crates in vendor/ to the operations the code calls
	cargo metadata -q --format-version 1 >/dev/null
	python3 tools/sdk.py prune

lint: .venv-lint/.installed node_modules/.installed ## outside judges on the generated artifacts, plus fmt and clippy
	cargo fmt --all -- --check
	@test -n "$(CLIPPY_DRIVER)" || { echo "lint: clippy-driver is not on PATH (rustup component add clippy)"; exit 1; }
	rm -rf $(LINT_OUT)/policies && mkdir -p $(LINT_OUT)/policies
	cargo run -q -p codegen -- policies --out $(LINT_OUT)/policies
	@# The judges read generated files only, so they run beside the build (every target, through
	@# clippy-driver), which leaves a core idle in its links and last crates; their report follows.
	@$(MAKE) --no-print-directory lint-judges >$(LINT_OUT)/judges.log 2>&1 & judges=$$!; \
	built=0; cargo build -q --workspace --all-targets --message-format=json | python3 tools/deny_warnings.py || built=$$?; \
	judged=0; wait $$judges || judged=$$?; cat $(LINT_OUT)/judges.log; \
	test $$built -eq 0 && test $$judged -eq 0
	@echo "lint: fmt, clippy, cfn-lint, asl-validator, checkov and parliament are clean"

lint-judges: .venv-lint/.installed node_modules/.installed  # make lint runs this beside its build, after writing the policies it reads
	$(LINT)/cfn-lint cloudformation/*.json organization/member*.json organization/security-account.json
	npx --no-install asl-validator $(addprefix --json-path ,$(wildcard statemachines/*.asl.json))
	$(LINT)/checkov -d cloudformation --framework cloudformation --compact --quiet --skip-download
	$(LINT)/checkov -d organization --framework cloudformation --compact --quiet --skip-download
	$(LINT)/parliament --directory $(LINT_OUT)/policies --include_policy_extension json </dev/null

# --- tests ------------------------------------------------------------------------------------

test-unit: ## unit and snapshot tests (no network)
	cargo test -q --workspace --exclude e2e

test-harness: .venv/.installed ## the emulator extensions, each against a real moto server
	.venv/bin/pytest e2e/harness -q

test-e2e: .venv/.installed ## deploy the generated stacks into the emulated AWS and run the scenarios
	cargo test -q -p e2e

test: setup check lint test-unit test-harness test-e2e ## everything CI runs
	@echo "make test: all green"

# --- the emulated AWS -------------------------------------------------------------------------

emulator-up: .venv/.installed ## start moto (+ cargo lambda watch); prints the exports
	e2e/harness/up.sh

emulator-down: ## stop everything emulator-up started
	e2e/harness/down.sh

demo: .venv/.installed ## the main job: synthesize, deploy to the emulated AWS, fire a finding, watch, answer
	tools/demo.sh

demo-org: .venv/.installed ## the same across an organization: member accounts join, a group and a key of theirs are put right from the security account
	tools/demo-org.sh

# The CPUs `make package` builds the Lambda zip for: x86_64 into $(CARGO_TARGET_DIR)/lambda,
# arm64 (Graviton; cross-compiled with the zig cargo-lambda brings) into .../lambda-arm64.
# `make package ARCH=x86_64` builds one. irctl deploy gives the stacks the zip's architecture.
ARCH ?= x86_64 arm64

# Each task's own zip (its binary links only that task's code and clients), and the bootstrap
# that serves every task; irctl deploy takes the per-task zips when they are all there. Without
# unwind tables: with panic = "abort" nothing unwinds, a panic still says where, and the zips are
# 6% smaller (3.0-4.5 MB instead of 3.2-4.8 for x86_64 here).
package: .venv/.installed ## the release Lambda zips for real AWS, per ARCH: $(CARGO_TARGET_DIR)/lambda[-arm64]/<task>/bootstrap.zip, and bootstrap/bootstrap.zip for every task
	@for arch in $(ARCH); do \
		case $$arch in \
			x86_64) flags=""; dir=lambda ;; \
			arm64) flags=--arm64; dir=lambda-arm64; \
				rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu ;; \
			*) echo "package: ARCH=$$arch: build x86_64, arm64 or both"; exit 2 ;; \
		esac; \
		PATH="$(CURDIR)/.venv/bin:$$PATH" RUSTFLAGS="$${RUSTFLAGS:-} -C force-unwind-tables=no" \
			cargo lambda build --release $$flags -p tasks --features per-task-binaries --bins \
			--output-format binary --lambda-dir $(CARGO_TARGET_DIR)/$$dir || exit 1; \
		.venv/bin/python tools/zip_lambdas.py $(CARGO_TARGET_DIR)/$$dir || exit 1; \
	done

bench: .venv/.installed ## Normalize robustness; synthesis speed against the CDK peer; EC2 containment, settings recovery, IP blocking, custody hashing and an organization's accounts at once on the emulator; Lambda cold start and memory
	cargo build -q --release -p codegen
	cargo build -q -p irctl -p tasks --bins
	@# Every part runs; the target fails when any missed its target (or failed to run).
	@# Robustness: 100,000 mutated events through Normalize (#19); a crash is kept as a sample.
	cargo run -q -p tasks --example normalize_fuzz; fuzz=$$?; \
	python3 tools/bench.py; synth=$$?; .venv/bin/python tools/bench_ec2.py; ec2=$$?; \
		.venv/bin/python tools/bench_settings.py; settings=$$?; .venv/bin/python tools/bench_ip.py; ip=$$?; \
		.venv/bin/python tools/bench_custody.py; custody=$$?; .venv/bin/python tools/bench_org.py; org=$$?; \
		$(MAKE) --no-print-directory package >/dev/null && \
		cargo build -q --release --manifest-path tools/hello-lambda/Cargo.toml --target-dir $(CARGO_TARGET_DIR)/hello-lambda && \
		.venv/bin/python tools/bench_coldstart.py; cold=$$?; \
		test $$fuzz -eq 0 && test $$synth -eq 0 && test $$ec2 -eq 0 && test $$settings -eq 0 && test $$ip -eq 0 && test $$custody -eq 0 && test $$org -eq 0 && test $$cold -eq 0
	@# The build cost takes an hour from a fresh clone; BENCH_BUILD_COST=0 leaves it out. The EC2
	@# part ends with a 500-instance request (about 30 minutes here); BENCH_FLEET=0 leaves it out.
	@if [[ "$${BENCH_BUILD_COST:-1}" != 0 ]]; then $(MAKE) --no-print-directory build-cost; fi

build-cost: ## fresh clone, empty target: time make demo, make test, make package and one-task rebuilds (#23)
	tools/build_cost.sh

clean: emulator-down
	rm -rf $(LOCAL)
