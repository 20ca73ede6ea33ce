# Thin wrapper over CMake. `make demo` and `make test` do all set-up on a fresh Debian 12.
JOBS ?= $(shell nproc)
BUILD ?= build
SAN_BUILD ?= build-san
RELEASE_BUILD ?= build-release
DB ?= demo.db
PORT ?= 8080
FUZZ_SECONDS ?= 30

.PHONY: all build san release layers bootstrap test test-fast test-sqlite test-pg demo bench fuzz format clean

all: build

bootstrap:
	@bash scripts/bootstrap

$(BUILD)/Makefile: CMakeLists.txt
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCXG_WERROR=ON >/dev/null

build: $(BUILD)/Makefile
	@cmake --build $(BUILD) -j $(JOBS)

san:
	@cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DASAN=ON -DUBSAN=ON -DCXG_WERROR=ON >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)

# the -O3 build users get from a plain `cmake -DCMAKE_BUILD_TYPE=Release`, with warnings as
# errors here so a warning only the optimizer finds (maybe-uninitialized, ...) is caught
release:
	@cmake -S . -B $(RELEASE_BUILD) -DCMAKE_BUILD_TYPE=Release -DCXG_WERROR=ON >/dev/null
	@cmake --build $(RELEASE_BUILD) -j $(JOBS)

# the include order of the layers (also the ctest layers_check)
layers:
	@bash scripts/check-layers

# the release build, then every suite on the normal build (SQLite, and PostgreSQL as the pg_
# variants on a throwaway cluster that ctest's pg fixture starts), then on the ASan+UBSan build
# (which registers the pg_ variants of the store and ingest suites only: CXG_PG_SAN_SUITES)
test: bootstrap build san release
	@echo "== fuzzing: each harness for $(FUZZ_SECONDS) s"
	@bash scripts/fuzz $(FUZZ_SECONDS)
	@echo "== tests: normal build"
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@echo "== tests: AddressSanitizer + UndefinedBehaviorSanitizer build"
	@cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS)

test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# one backend only: the SQLite suites, or the pg_ variants (with their cluster fixture)
test-sqlite: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE pg

test-pg: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L pg

demo: bootstrap build
	@bash scripts/demo $(BUILD)/cxgarden $(DB) $(PORT)

fuzz:
	@bash scripts/fuzz $(FUZZ_SECONDS)

bench: build
	@bash bench/run.sh

format:
	@clang-format -i $$(git ls-files '*.c' '*.h' '*.cpp')

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(RELEASE_BUILD) build-fuzz
