# mxp — the two commands are `make run` and `make test`; the rest is for developers.
#
#   make run     install what is missing, build, run mxpd on its embedded default
#   make test    install what the tests need, build, run every test: the suite in
#                Release, again under ASan+UBSan, and the concurrent ones under TSan
#   make asan    build and run the suite under ASan+UBSan only
#   make tsan    build and run the concurrent structures' tests under TSan only
#   make bench   build and run the benchmarks (prints figures and ratios)
#   make bench-netdata  mxpd against netdata 1.37's exporting engine on the same plugin
#                (DIMS="100000 1000000" by default): CPU per exported metric, ratio
#   make fuzz    build the libFuzzer targets (clang) and run each for FUZZ_SECONDS
#                (default 120; FUZZ_RUNS=N stops a target after N executions instead)
#   make soak    build Release and run the soak (tests/soak/soak.sh): 1M synthetic series
#                sent as graphite and remote write to VictoriaMetrics, which is restarted
#                every K seconds (default 27: not a multiple of the 10 s exports, so
#                restarts hit every moment of their cycle) for M minutes (default 10);
#                prints mxpd's RSS over time, the metrics produced / delivered / lost,
#                0 unaccounted. `make test` runs two minutes of it (soak/2min)
#   make install install mxpd, libmxp, headers, pkg-config and CMake files, the man
#                page, the systemd unit and a default config (PREFIX=/usr/local,
#                DESTDIR= for staging)
#   make clean   remove every build folder

MAKEFLAGS += --no-print-directory

BUILD   ?= build
JOBS    ?= $(shell nproc)
WERROR  ?= $(if $(CI),ON,OFF)
CMAKE_FLAGS = -DMXP_WERROR=$(WERROR)

PREFIX  ?= /usr/local

.PHONY: all run test asan tsan bench bench-netdata fuzz soak install clean deps deps-test release

all: release

deps:
	@tools/install-deps.sh run

deps-test:
	@tools/install-deps.sh test

release: deps
	@cmake -S . -B $(BUILD)/release -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD)/release -j $(JOBS)

run: release
	$(BUILD)/release/mxpd $(ARGS)

test: deps-test
	@cmake -S . -B $(BUILD)/release -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD)/release -j $(JOBS)
	cd $(BUILD)/release && ctest --output-on-failure
	@$(MAKE) --no-print-directory asan-run tsan-run

# -LE soak: the soak's two minutes judge mxpd's RSS, which ASan's shadow memory and
# quarantine make meaningless, and 1M series under ASan would not keep up with the
# schedule; it runs in the Release tree only.
asan: deps-test asan-run
asan-run:
	@cmake -S . -B $(BUILD)/asan -DCMAKE_BUILD_TYPE=Asan $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD)/asan -j $(JOBS)
	cd $(BUILD)/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -LE soak

tsan: deps-test tsan-run
tsan-run:
	@cmake -S . -B $(BUILD)/tsan -DCMAKE_BUILD_TYPE=Tsan -DCMAKE_C_COMPILER=clang $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD)/tsan -j $(JOBS)
	cd $(BUILD)/tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest --output-on-failure -L tsan

bench: release
	@tools/install-deps.sh bench
	@for b in $(BUILD)/release/bench/bench_*; do echo "== $$b"; $$b || exit 1; done

bench-netdata: release
	@tools/install-deps.sh bench-netdata
	@bench/bench_netdata.sh $(BUILD)/release $(DIMS)

fuzz: deps-test
	@cmake -S . -B $(BUILD)/fuzz -DCMAKE_BUILD_TYPE=Fuzz -DCMAKE_C_COMPILER=clang $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD)/fuzz -j $(JOBS)
	@tools/fuzz.sh $(BUILD)/fuzz $(TARGETS)

K ?= 27
M ?= 10
soak: deps-test
	@cmake -S . -B $(BUILD)/release -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD)/release -j $(JOBS) --target mxpd
	tests/soak/soak.sh --restart-every $(K) --minutes $(M) $(BUILD)/release/mxpd

# A tree of its own: the install prefix is written into the unit and mxp.pc at configure time.
install: deps
	@cmake -S . -B $(BUILD)/install -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD)/install -j $(JOBS) --target mxp mxpd
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)/install

clean:
	rm -rf $(BUILD)
