# vigie — build, test and demo. `make demo` and `make test` work on a fresh
# machine with Go installed and no internet beyond the Go module proxy.

GO        ?= go
BIN       ?= bin/vigie
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
FUZZTIME  ?= 20s
DEMO_OUT  ?= demo-report
DEMO_HTML := $(abspath $(DEMO_OUT))/founding/report.html
DIST      ?= dist
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

.PHONY: all build cross crosscheck test demo bench lint fuzz browser clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/vigie

# cross builds vigie for every platform of PLATFORMS into DIST, as
# vigie-GOOS-GOARCH (.exe on Windows), without cgo.
cross:
	@set -e; for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; \
	  case $$os in windows) ext=.exe;; esac; \
	  echo "cross $$os/$$arch -> $(DIST)/vigie-$$os-$$arch$$ext"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' \
	    -o $(DIST)/vigie-$$os-$$arch$$ext ./cmd/vigie; \
	done

# crosscheck type-checks every package, tests included, for the other
# platforms (linux/arm64, darwin and windows on amd64 and arm64) from
# source: a few seconds, where cross builds cost minutes on a cold cache.
crosscheck:
	$(GO) run ./internal/crosscheck

# browser makes sure a Chromium is available for the browser tests and the
# demo: when there is none, Debian's chromium-headless-shell (the cheapest to
# run; vigie prefers it) is installed with apt if we are root; otherwise we
# say what to do (browser tests then skip, unless VIGIE_REQUIRE_BROWSER=1).
browser:
	@if command -v chromium-headless-shell >/dev/null 2>&1 || command -v chrome-headless-shell >/dev/null 2>&1 \
	   || command -v headless_shell >/dev/null 2>&1; then \
	  :; \
	elif command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
	   || command -v google-chrome >/dev/null 2>&1; then \
	  echo "make: using the full Chromium; Chromium's headless shell scans at about a third of its CPU"; \
	  echo "      (Debian/Ubuntu: sudo apt-get install chromium-headless-shell)."; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "make: installing Debian's chromium-headless-shell (browser tests need a Chromium)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium-headless-shell fonts-liberation >/dev/null) \
	    || echo "make: could not install chromium-headless-shell; browser tests will skip"; \
	else \
	  echo "make: no Chromium found and cannot install it here."; \
	  echo "      Install it (Debian/Ubuntu: sudo apt-get install chromium-headless-shell, or chromium)"; \
	  echo "      or pass --browser PATH; browser tests will skip until then."; \
	fi

test: browser
	$(GO) vet ./...
	$(GO) run ./internal/crosscheck
	$(GO) test -race -timeout 9m ./...

# demo scans the lab's sites (offline) with the browser visits: like `make
# test`, it first makes sure Chromium is there (browser), then says which
# report to open.
demo: browser build
	$(BIN) demo --out $(DEMO_OUT)
	@echo
	@echo "Open the founding case's report in a browser:"
	@echo "  file://$(DEMO_HTML)"

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# fuzz runs every fuzz target for FUZZTIME each.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

clean:
	rm -rf bin $(DIST) $(DEMO_OUT)
