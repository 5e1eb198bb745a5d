# piiri: `make run` starts a server with embedded defaults; `make test` runs
# every test, installing what the tests need first.

GO        ?= go
BIN       ?= bin/piiri
# Packages whose tests exercise concurrency run under the race detector.
# sfu/record (encoding real media with ffmpeg, recording in real time) runs
# on its own after them: beside the server's full-room test it took the
# CPU that test's eleven bots need.
RACE_PKGS := ./recording ./sfu ./sfu/portmux ./sfu/speech ./sfu/turn ./signaling/... ./server/... ./bot/... ./netcheck/...
ALONE_PKGS := ./sfu/record

# The version and commit `piiri version`, /healthz and piiri_build_info
# report; the commit ends in -dirty like the version when the tree has
# changes.
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)$(if $(filter %-dirty,$(VERSION)),-dirty)
LDFLAGS   := -X piiri/internal/buildinfo.version=$(VERSION) -X piiri/internal/buildinfo.commit=$(COMMIT)

# Fuzz budgets are counts of inputs (-fuzztime=Nx), never durations: Go
# 1.26's fuzz coordinator fails at random with "context deadline exceeded"
# and no failing input when a duration runs out (golang/go#75804, fixed in
# Go 1.27). Each count takes a few seconds on the 2-core test machine.
# FUZZTIME=500000x make fuzz runs every target longer.
FUZZ_DECODE   ?= 30000x
FUZZ_PARSE    ?= 20000x
FUZZ_CLASSIFY ?= 40000x
FUZZ_API      ?= 20000x
FUZZ_TURNS    ?= 20000x
FUZZ_CACHE    ?= 20000x
FUZZ_REWRITE  ?= 50000x
FUZZTIME      ?=

# Test output goes through scripts/testreport, which shows every skipped
# test with its reason and every "NOT CHECKED" note: plain `go test ./...`
# hides them for packages that pass. pipefail keeps go test's exit status.
SHELL       := /bin/bash
.SHELLFLAGS := -o pipefail -ec
TESTREPORT  := $(GO) run ./scripts/testreport

.PHONY: run demo build test test-deps check unit fuzz bench clean

run: build
	./$(BIN) serve

# A server with a demo group, its people's links printed.
demo: build
	./$(BIN) demo

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/piiri

test: test-deps check unit fuzz

# Installs what the tests need on a fresh machine (Chromium).
test-deps:
	./scripts/test-deps.sh

# Formatting and static checks.
check:
	@fmt_out="$$(gofmt -l .)"; if [ -n "$$fmt_out" ]; then echo "gofmt needed:"; echo "$$fmt_out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# The browser packages (e2e/...) run one at a time: two sets of Chromiums
# on two cores starve each other's fake capture devices and media.
unit:
	$(GO) test -json -count=1 $$($(GO) list ./... | grep -v -e '/e2e' -e '/sfu/record$$') | $(TESTREPORT)
	$(GO) test -json -count=1 -p 1 ./e2e/... | $(TESTREPORT)
	$(GO) test -json -count=1 -race $(RACE_PKGS) | $(TESTREPORT)
	$(GO) test -json -count=1 -race $(ALONE_PKGS) | $(TESTREPORT)

# A short run of every fuzz target; the seed corpora also run in `unit`.
fuzz:
	@case "$(FUZZTIME)" in ""|*[0-9]x) ;; *) echo "FUZZTIME=$(FUZZTIME): give a count such as 100000x, not a duration (golang/go#75804)"; exit 2;; esac
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(or $(FUZZTIME),$(FUZZ_DECODE)) ./signaling
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(or $(FUZZTIME),$(FUZZ_PARSE)) ./config
	$(GO) test -run='^$$' -fuzz='^FuzzClassify$$' -fuzztime=$(or $(FUZZTIME),$(FUZZ_CLASSIFY)) ./sfu/portmux
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeRequest$$' -fuzztime=$(or $(FUZZTIME),$(FUZZ_API)) ./api
	$(GO) test -run='^$$' -fuzz='^FuzzTurnStatistics$$' -fuzztime=$(or $(FUZZTIME),$(FUZZ_TURNS)) ./control
	$(GO) test -run='^$$' -fuzz='^FuzzCache$$' -fuzztime=$(or $(FUZZTIME),$(FUZZ_CACHE)) ./sfu/packetcache
	$(GO) test -run='^$$' -fuzz='^FuzzRewrite$$' -fuzztime=$(or $(FUZZTIME),$(FUZZ_REWRITE)) ./sfu/simulcast

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./sfu

clean:
	rm -rf bin
