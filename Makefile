# Precinct. `make run` and `make test` are all a fresh machine with Go needs; `make help` lists the targets.

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin/precinct
VULNDB   ?= $(abspath ../shared/vulndb)

GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.1.4
# The browser tests drive Debian's Chromium; Playwright never downloads one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all help build run test testclient test-short test-web chromium web screenshots bench load-realtime generate webtools lint lint-api vuln docs tidy clean

all: build

## help: this list of targets
help:
	@awk '/^## [a-z-]+: / { sub(/^## /, ""); i = index($$0, ": "); printf "  %-14s %s\n", substr($$0, 1, i - 1), substr($$0, i + 2) }' $(MAKEFILE_LIST)

## build: the precinct binary in bin/, with the version stamped in
build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/precinct

## run: build and start the server on the embedded database (./data)
run: build
	./$(BIN) serve

## test: vet, every test with the race detector, then the browser tests (test-web)
test: testclient webtools chromium
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 8m ./...
	@# What measures allocation and memory runs again without the race
	@# detector, which distorts both (they skip under -race).
	$(GO) test -count=1 -run 'Megapixel' ./internal/civil/civilhttp/
	$(WEB_TESTS)

## testclient: the real socket.io-client the realtime tests drive (npm ci)
testclient:
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix internal/realtime/testdata/client --no-audit --no-fund --loglevel=error; \
	else \
		echo "!!! npm is missing: the Socket.IO client tests will be SKIPPED (install Node 20 and npm)"; \
	fi

## test-web: the dashboard's type check and browser tests (Playwright, Debian's Chromium) on the real binary
test-web: webtools chromium
	$(WEB_TESTS)

# The dashboard's type check, then its browser tests (web/tests, web/playwright.config.ts).
define WEB_TESTS
@if command -v npm >/dev/null 2>&1; then \
	npm run --prefix web --silent check && npm run --prefix web --silent test:browser; \
else \
	echo "!!! npm is missing: the dashboard's browser tests are SKIPPED (install Node 20.19+ and npm)"; \
fi
endef

## chromium: Debian's Chromium for the browser tests, installed with apt-get when missing
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "chromium is missing: installing Debian's package"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; \
	}

## web: rebuild the dashboard into web/dist (commit it: the binary embeds it; a test fails when it is stale)
web: webtools
	npm run --prefix web --silent build

## screenshots: the browser tests, writing the pages' PNGs to docs/screenshots/
screenshots: webtools chromium
	PRECINCT_SCREENSHOTS=1 npm run --prefix web --silent test:browser

## test-short: every test without the race detector, for a quick loop
test-short:
	$(GO) test -count=1 ./...

## bench: the benchmarks whose numbers docs/performance.md keeps
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./internal/httpx/ ./internal/app/ ./internal/civil/civilhttp/ ./internal/dispatch/dispatchhttp/ | tee bench.out

## load-realtime: the real-time figures of docs/performance.md (1,000 sockets, 20,000 positions/s)
load-realtime: testclient
	PRECINCT_RT_LOAD=1 $(GO) test -count=1 -run 'TestRealtimeLoad' -v -timeout 15m ./internal/realtime/realtimehttp/

## generate: from docs/openapi.yaml, pkg/client (oapi-codegen) and web's TypeScript types (openapi-typescript)
generate: webtools
	$(GO) generate ./pkg/client/
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: web/src/lib/api/schema.d.ts was NOT regenerated (install Node 20.19+ and npm)"; exit 1; }
	npm run --prefix web --silent generate

## webtools: web's pinned tools, Redocly CLI and openapi-typescript (npm ci)
webtools:
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix web --no-audit --no-fund --loglevel=error; \
	else \
		echo "!!! npm is missing: the OpenAPI lint and the TypeScript types' freshness check will be SKIPPED (install Node 20.19+ and npm)"; \
	fi

## lint: formatting, vet, staticcheck, and lint-api
lint: lint-api
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## lint-api: Redocly's lint of docs/openapi.yaml (redocly.yaml), and web's TypeScript types fresh and compiling
lint-api: webtools
	@if command -v npm >/dev/null 2>&1; then \
		npm run --prefix web --silent lint:api && npm run --prefix web --silent check:api; \
	else \
		echo "!!! npm is missing: the OpenAPI lint and the TypeScript types' freshness check are SKIPPED"; \
	fi

## vuln: known vulnerabilities reachable from the code, from the offline database
vuln:
	$(GO) run $(GOVULNCHECK) -db file://$(VULNDB) ./...

## docs: regenerate docs/cli.md from the command tree (a test fails when it is stale)
docs:
	$(GO) test -count=1 -run '^TestCLIDocs$$' ./cmd/precinct -update

## tidy: go mod tidy
tidy:
	$(GO) mod tidy

## clean: remove bin/ and benchmark output
clean:
	rm -rf bin bench.out
