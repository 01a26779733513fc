# Tally: the two commands a new user runs are `make demo` and `make test` (see README.md).

APT_PACKAGES := libudev-dev libusb-1.0-0-dev libsqlite3-dev pkg-config umockdev libumockdev-dev
# The test suite also checks the web console in a real browser.
TEST_APT_PACKAGES := $(APT_PACKAGES) chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift
DEMO_ARGS ?=

.PHONY: deps test-deps install-missing build demo test bench clean udev-rules install install-files uninstall

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

# The udev rules are generated from the hardware profiles and committed; regenerate after changing a profile
# (a test fails while the committed file is stale).
UDEV_RULES := udev-rules/69-tally.rules
udev-rules: deps
	$(SWIFT) build --product tally
	$$($(SWIFT) build --show-bin-path)/tally udev-rules --profiles hardware-profiles --output $(UDEV_RULES)

# ---- Installation on a dock PC ---------------------------------------------------------------------
# `sudo make install` builds a release binary (or takes TALLY_BIN=path) and installs it with the profiles,
# the udev rules, the systemd unit and the sysusers file; `sudo make uninstall` removes them. DESTDIR=dir
# stages everything under dir and then touches nothing outside it (no user, no udev, no systemd).
PREFIX ?= /usr/local
DESTDIR ?=
TALLY_BIN ?=
BINDIR := $(PREFIX)/bin
SYSCONFDIR := /etc
CONFIGDIR := $(SYSCONFDIR)/tally
PROFILEDIR := $(CONFIGDIR)/hardware-profiles
UDEVRULESDIR := $(SYSCONFDIR)/udev/rules.d
# Units of software the administrator installs go in /etc/systemd/system, which systemd always reads
# (PREFIX/lib/systemd/system is read only for PREFIX=/usr/local).
UNITDIR := $(SYSCONFDIR)/systemd/system
SYSUSERSDIR := $(SYSCONFDIR)/sysusers.d
STATEDIR := /var/lib/tally
PROFILE_FILES := $(sort $(wildcard hardware-profiles/*.yaml)) hardware-profiles/README.md

# Every installed file as source|destination|mode: install and uninstall both read this one list.
INSTALL_FILES = \
	'$(TALLY_BIN)|$(BINDIR)/tally|0755' \
	$(foreach f,$(PROFILE_FILES),'$(f)|$(PROFILEDIR)/$(notdir $(f))|0644') \
	'$(UDEV_RULES)|$(UDEVRULESDIR)/69-tally.rules|0644' \
	'systemd/tally.service|$(UNITDIR)/tally.service|0644' \
	'systemd/tally.sysusers|$(SYSUSERSDIR)/tally.conf|0644'
# The sample configuration is installed only when there is none, and kept by uninstall once edited.
CONFIG_SAMPLE := config/tally.yaml
CONFIG_FILE := $(CONFIGDIR)/tally.yaml

install:
	@bin="$(TALLY_BIN)"; \
	if [ -z "$$bin" ]; then \
	  $(SWIFT) build -c release --product tally || exit 1; \
	  bin="$$($(SWIFT) build -c release --show-bin-path)/tally"; \
	fi; \
	$(MAKE) --no-print-directory install-files TALLY_BIN="$$bin"

install-files:
	@test -x "$(TALLY_BIN)" || { echo "install: no tally binary at '$(TALLY_BIN)'"; exit 1; }
	@set -e; for entry in $(INSTALL_FILES); do \
	  src=$${entry%%|*}; rest=$${entry#*|}; dest=$${rest%|*}; mode=$${rest##*|}; \
	  install -D -m $$mode "$$src" "$(DESTDIR)$$dest"; \
	  echo "installed $(DESTDIR)$$dest"; \
	done
	@if [ "$(PREFIX)" != /usr/local ]; then \
	  sed -i 's|/usr/local/bin/tally|$(BINDIR)/tally|' "$(DESTDIR)$(UNITDIR)/tally.service"; \
	fi
	@if [ -e "$(DESTDIR)$(CONFIG_FILE)" ]; then \
	  echo "kept $(DESTDIR)$(CONFIG_FILE) (an existing configuration is never overwritten)"; \
	else \
	  install -D -m 0644 $(CONFIG_SAMPLE) "$(DESTDIR)$(CONFIG_FILE)"; \
	  echo "installed $(DESTDIR)$(CONFIG_FILE) (sample: edit it, then systemctl restart tally)"; \
	fi
	@if [ -n "$(DESTDIR)" ]; then \
	  install -d -m 0750 "$(DESTDIR)$(STATEDIR)"; \
	  echo "staged in $(DESTDIR): no user created, udev and systemd not reloaded"; \
	else \
	  if ! getent passwd tally >/dev/null; then \
	    if command -v systemd-sysusers >/dev/null; then systemd-sysusers $(SYSUSERSDIR)/tally.conf; \
	    else adduser --system --group --home $(STATEDIR) --no-create-home tally; fi; \
	  fi; \
	  install -d -m 0750 -o tally -g tally $(STATEDIR); \
	  if command -v udevadm >/dev/null && udevadm control --reload 2>/dev/null; then \
	    udevadm trigger --subsystem-match=usb --subsystem-match=tty --subsystem-match=input || true; \
	    echo "udev rules reloaded"; \
	  else \
	    echo "note: udev is not running here; the rules apply from the next boot (or udevadm control --reload)"; \
	  fi; \
	  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then \
	    systemctl daemon-reload && echo "systemd reloaded: systemctl enable --now tally"; \
	  else \
	    echo "note: systemd is not running here; run systemctl daemon-reload on the target"; \
	  fi; \
	fi

# Leaves the custody log (STATEDIR), an edited configuration and the tally user in place.
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then \
	  systemctl disable --now tally.service 2>/dev/null || true; \
	fi
	@for entry in $(INSTALL_FILES); do \
	  rest=$${entry#*|}; dest=$${rest%|*}; \
	  if [ -e "$(DESTDIR)$$dest" ]; then rm -f "$(DESTDIR)$$dest"; echo "removed $(DESTDIR)$$dest"; fi; \
	done
	@if [ -e "$(DESTDIR)$(CONFIG_FILE)" ]; then \
	  if cmp -s $(CONFIG_SAMPLE) "$(DESTDIR)$(CONFIG_FILE)"; then \
	    rm -f "$(DESTDIR)$(CONFIG_FILE)"; echo "removed $(DESTDIR)$(CONFIG_FILE) (unchanged sample)"; \
	  else \
	    echo "kept $(DESTDIR)$(CONFIG_FILE) (edited)"; \
	  fi; \
	fi
	@for dir in $(PROFILEDIR) $(CONFIGDIR) $(STATEDIR); do \
	  rmdir "$(DESTDIR)$$dir" 2>/dev/null || true; \
	done
	@if [ -d "$(DESTDIR)$(STATEDIR)" ]; then echo "kept $(DESTDIR)$(STATEDIR) (the custody log)"; fi
	@if [ -z "$(DESTDIR)" ]; then \
	  if command -v udevadm >/dev/null && udevadm control --reload 2>/dev/null; then echo "udev rules reloaded"; fi; \
	  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then systemctl daemon-reload; fi; \
	  echo "the tally user and group are kept (they may own $(STATEDIR)); remove them with deluser tally"; \
	fi
