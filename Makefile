# The commands the README names. `make test` is what CI runs.
CARGO ?= cargo
WASM_TARGET := wasm32-wasip2
# Where cargo builds: $CARGO_TARGET_DIR when set, as cargo itself does.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
WASM_DIR := $(TARGET_DIR)/$(WASM_TARGET)/release
FAST_HOST := $(TARGET_DIR)/fast/ferry-host
COMPONENTS := -p ferry-webhook -p ferry-api -p ferry-reconciler -p host-probe
LISTEN ?= 127.0.0.1:3000
# Real Spin for `make test-spin` (its README says how it was built); unpacked into $(SPIN_DIR).
SPIN_TOOLS ?= ../shared/tools/spin
SPIN_DIR := $(abspath $(TARGET_DIR)/spin)

.PHONY: all components host run demo test test-spin bench fmt clippy clean

all: components host

## Build the Spin components (release, as `spin build` does) and the test probe component.
components:
	$(CARGO) build --target $(WASM_TARGET) --release $(COMPONENTS)

host:
	$(CARGO) build -p ferry-host

## Build the components and serve spin.toml on ferry-host (Ctrl-C stops).
run: components host
	./target/debug/ferry-host up --from spin.toml --listen $(LISTEN)

## Ferry on ferry-host against kube-emulator and git-emulator, a sample nginx CD deployed; prints the
## console and API URLs, an admin token and the push command (Ctrl-C stops everything).
## Options: make demo DEMO_ARGS="--listen 127.0.0.1:0 --keep" (ferry-demo --help lists them);
## make demo SPIN=1 serves it on real Spin 3.6.3 from $(SPIN_TOOLS) instead of ferry-host.
demo: components host
	$(CARGO) build -p ferry-demo
ifeq ($(SPIN),1)
	@test -x $(SPIN_TOOLS)/install || { echo "no real Spin at $(SPIN_TOOLS): see its README" >&2; exit 1; }
	eval "$$($(SPIN_TOOLS)/install $(SPIN_DIR))" && spin --version && \
	  $(CARGO) run --quiet -p ferry-demo -- --spin $(SPIN_DIR)/bin/spin $(DEMO_ARGS)
else
	$(CARGO) run --quiet -p ferry-demo -- $(DEMO_ARGS)
endif

## Every test: unit, property, emulator fidelity (real kubectl), host and end-to-end.
test: components
	$(CARGO) build -p ferry-host
	$(CARGO) test --no-fail-fast

## The scenarios that matter (push -> Synced, forged and replayed deliveries, restart on the same
## store, cron self-heal, wasi:keyvalue on SQLite and Redis, and `make demo SPIN=1`) on real Spin
## 3.6.3 instead of ferry-host, through the same harness (FERRY_E2E_HOST=spin). Needs $(SPIN_TOOLS)
## and redis-server.
test-spin: components
	@test -x $(SPIN_TOOLS)/install || { echo "no real Spin at $(SPIN_TOOLS): see its README" >&2; exit 1; }
	eval "$$($(SPIN_TOOLS)/install $(SPIN_DIR))" && spin --version && \
	  FERRY_E2E_HOST=spin FERRY_SPIN=$(SPIN_DIR)/bin/spin \
	  $(CARGO) test -p ferry-e2e --test host_kv --test spin_scenarios && \
	  FERRY_E2E_HOST=spin FERRY_SPIN=$(SPIN_DIR)/bin/spin \
	  $(CARGO) test -p ferry-demo --test demo -- the_demo_deploys_nginx

## Benchmarks: each writes its section under benchmarks/; BENCHMARKS.md gathers them with the machine.
bench: components
	$(CARGO) build --profile fast -p ferry-host
	$(CARGO) run --profile fast -p ferry-e2e --bin host-bench -- --wasm-dir $(WASM_DIR) --host $(FAST_HOST)
	$(CARGO) run --profile fast -p kube-emulator --bin kube-emulator-bench -- 10
	$(CARGO) bench --profile fast -p ferry-core
	$(CARGO) run --profile fast -p ferry-core --example archive_peak_memory
	$(CARGO) run --profile fast -p ferry-core --example archive_stream_memory
	$(CARGO) build --target $(WASM_TARGET) --release -p archive-bench-guest
	$(CARGO) run --profile fast -p archive-bench -- --guest $(WASM_DIR)/archive-bench-guest.wasm --markdown benchmarks/archive-wasm.md
	$(CARGO) run --profile fast -p archive-bench --bin kustomize-bench -- --guest $(WASM_DIR)/kustomize-bench-guest.wasm --markdown benchmarks/kustomize.md
	$(CARGO) run --profile fast -p ferry-engine --example sync_bench -- --markdown benchmarks/sync.md
	$(CARGO) run --profile fast -p ferry-e2e --bin webhook-bench -- --wasm-dir $(WASM_DIR) --host $(FAST_HOST)
	$(CARGO) run --profile fast -p ferry-e2e --bin push-bench -- --wasm-dir $(WASM_DIR) --host $(FAST_HOST)
	$(CARGO) run --profile fast -p ferry-e2e --bin tick-bench -- --wasm-dir $(WASM_DIR) --host $(FAST_HOST)
	$(CARGO) run --profile fast -p ferry-e2e --bin scale-bench -- --wasm-dir $(WASM_DIR) --host $(FAST_HOST)
	$(CARGO) run --profile fast -p ferry-e2e --bin monorepo-bench -- --wasm-dir $(WASM_DIR) --host $(FAST_HOST)
	./scripts/benchmarks-md > BENCHMARKS.md

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	$(CARGO) clean
