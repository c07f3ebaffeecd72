# Convenience wrapper around CMake. The README's two commands:
#   scripts/install-deps && make demo     build and run the demo
#   make test                             build with ASan+UBSan, run every test
JOBS ?= $(shell nproc)
BUILD ?= build
TESTBUILD ?= build-asan

.PHONY: all build demo test test-build bench fuzz install clean

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILPROOF_TESTS=OFF >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	./scripts/demo $(BUILD)/mailproof

test-build:
	cmake -S . -B $(TESTBUILD) -DCMAKE_BUILD_TYPE=Debug -DMAILPROOF_SANITIZE=ON >/dev/null
	cmake --build $(TESTBUILD) -j $(JOBS)

test: test-build
	cd $(TESTBUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900

bench: build
	./bench/run $(BUILD)

fuzz:
	./fuzz/run 30

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(TESTBUILD) build-fuzz
