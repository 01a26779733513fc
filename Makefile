# Tally: the two commands a new user runs are `make demo` and `make test` (see README.md).

APT_PACKAGES := libudev-dev libusb-1.0-0-dev libsqlite3-dev pkg-config umockdev libumockdev-dev
# The test suite also checks the web console in a real browser.
TEST_APT_PACKAGES := $(APT_PACKAGES) chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift
DEMO_ARGS ?=

.PHONY: deps test-deps install-missing build demo test bench clean

# Install the Debian packages that are missing (nothing is installed when all are present).
deps:
	@$(MAKE) --no-print-directory install-missing PACKAGES="$(APT_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory install-missing PACKAGES="$(TEST_APT_PACKAGES)"

install-missing:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build --product tally

# Build and run the demo: sample manifest, simulated scanner and scale, local SQLite file.
demo: build
	$$($(SWIFT) build --show-bin-path)/tally demo $(DEMO_ARGS)

# The whole test suite (unit, device, store, server, browser and end-to-end tests).
test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

# Speed and memory targets, on a release build; writes BENCHMARKS.md (takes a few minutes).
bench: deps
	@command -v sqlite3 >/dev/null || $(SUDO) apt-get install -y -qq sqlite3
	$(SWIFT) build -c release --product tally
	$$($(SWIFT) build -c release --show-bin-path)/tally bench --output BENCHMARKS.md

clean:
	rm -rf .build
