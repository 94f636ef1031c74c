# zhizhi front door. `make demo` and `make test` work on a fresh Debian 12 as
# root: both install what is missing first (scripts/deps.sh, idempotent).
SHELL := /bin/bash
JOBS ?= 2
BUILD ?= build
ASAN ?= build-asan
FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
# FUZZ_TARGETS="rule time": only these (names of tests/fuzz/fuzz_NAME.c)
FUZZ_TARGETS ?=
DEMO_FLAGS ?=

.PHONY: deb test-deb all deps build build-asan demo test test-style test-pack test-unit test-asan test-integration test-integration-asan test-e2e bench bench-cockpit fuzz format clean

all: build

deps:
	@bash scripts/deps.sh

# The pages' vendor file (ECharts) comes from npm into web/vendor/.
VENDOR := web/vendor/echarts.min.js
web/vendor/echarts.min.js: node_modules/echarts/dist/echarts.min.js
	@mkdir -p web/vendor && cp $< $@
node_modules/echarts/dist/echarts.min.js: deps

build: deps $(VENDOR)
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZZ_WERROR=ON >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# Debug (assertions on) at -O1, as AddressSanitizer's own docs advise: the
# unit suite ran in 129 s instead of 152 s here, and -O1's extra warnings are
# errors here too.
build-asan: deps
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DZZ_SANITIZE=ON -DZZ_WERROR=ON >/dev/null
	@cmake --build $(ASAN) -j$(JOBS)

# With mosquitto installed (scripts/deps.sh installs it) the demo's live
# records go through a broker on loopback (port DEMO_MQTT_PORT, anonymous,
# stopped with the demo), as field devices' would.
DEMO_MQTT_PORT ?= 18830
demo: build
	@if command -v mosquitto >/dev/null 2>&1; then \
	  conf=$(BUILD)/demo-mosquitto.conf; \
	  printf 'listener $(DEMO_MQTT_PORT) 127.0.0.1\nallow_anonymous true\nlog_dest none\nmax_queued_messages 100000\n' > $$conf; \
	  mosquitto -c $$conf & mq=$$!; trap "kill $$mq 2>/dev/null" EXIT INT TERM; sleep 0.3; \
	  ./$(BUILD)/zhizhi demo --mqtt mqtt://127.0.0.1:$(DEMO_MQTT_PORT) $(DEMO_FLAGS); \
	else \
	  ./$(BUILD)/zhizhi demo $(DEMO_FLAGS); \
	fi

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan: build-asan
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j$(JOBS)

test-integration: build
	ZHIZHI_BIN=$(CURDIR)/$(BUILD)/zhizhi node --test --test-concurrency=2 tests/integration/

# The same suite against the ASan+UBSan binary: any report aborts the server
# and fails the test that was talking to it.
test-integration-asan: build-asan $(VENDOR)
	ZHIZHI_BIN=$(CURDIR)/$(ASAN)/zhizhi ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  node --test --test-concurrency=2 tests/integration/

# The pages (cockpit, dispatch and department consoles) in Debian's Chromium
# through playwright-core; screenshots go to test-results/e2e/. Two files at
# a time, each with its own server and browser (as the integration suite):
# 6.5 instead of 9.7 minutes on 2 cores, and the test waits are for
# conditions, never for time.
test-e2e: build
	ZHIZHI_BIN=$(CURDIR)/$(BUILD)/zhizhi node --test --test-concurrency=2 tests/e2e/

test-pack: deps
	node scenarios/gongshu/tools/check.mjs

# The house style first, in seconds: no banned call in src/ (sprintf, strcpy,
# strtok, atoi, raw malloc outside src/core/ ...: scripts/check-banned.sh
# names file:line) and every C file laid out as .clang-format says (`make
# format` applies it). The tracked files, or all of src/ and tests/ outside
# a git checkout.
STYLE_FILES = $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 2>/dev/null || \
		 find src tests -name '*.[ch]')
test-style: deps
	@bash scripts/check-banned.sh
	@node scripts/errmsgs.mjs
	@clang-format --dry-run --Werror $(STYLE_FILES) || \
	  { echo "test-style: the files above differ from .clang-format; run 'make format'" >&2; exit 1; }
	@echo "test-style: ok"

# Every unit and integration test runs once, under ASan+UBSan (which checks
# everything the release build would, and memory besides); the browser suite
# runs against the release build. test-unit and test-integration run the same
# files on the release build when you want them. Running them on both builds
# took about 4.5 of CI's 25 minutes for no check the sanitizer run lacks.
test: test-style test-pack test-asan test-integration-asan build test-e2e

bench: build
	ZZ_DEPS_BENCH=1 bash scripts/deps.sh
	bash bench/run.sh

fuzz: deps
	@CC=clang cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZZ_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ) -j$(JOBS)
	@for t in $(if $(FUZZ_TARGETS),$(addprefix $(FUZZ)/fuzz_,$(FUZZ_TARGETS)),$(FUZZ)/fuzz_*); do \
	  name=$$(basename $$t); corpus=tests/fuzz/corpus/$${name#fuzz_}; \
	  mkdir -p $(FUZZ)/corpus/$$name; \
	  echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -max_len=70000 $(FUZZ)/corpus/$$name $$corpus || exit 1; \
	done

# The Debian package into $(DEB)/ (debhelper; packaging/build-deb.sh), and
# its check as root on this machine: lintian, install, the unit's ExecStart
# as its user, purge (packaging/test-deb.sh; not part of `make test`).
DEB ?= build-deb
deb: build
	@ZZ_DEPS_DEB=1 bash scripts/deps.sh
	bash packaging/build-deb.sh $(DEB)

test-deb: deb
	bash packaging/test-deb.sh $(DEB)

format: deps
	clang-format -i $(STYLE_FILES)

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ) $(DEB)
