# piiri: `make run` starts a server with embedded defaults; `make test` runs
# every test, installing what the tests need first.

GO        ?= go
BIN       := bin/piiri
FUZZTIME  ?= 10s
# Packages whose tests exercise concurrency run under the race detector.
RACE_PKGS := ./sfu/... ./signaling/... ./server/... ./bot/... ./netcheck/...

.PHONY: run build test test-deps check unit fuzz bench clean

run: build
	./$(BIN) serve

build:
	$(GO) build -o $(BIN) ./cmd/piiri

test: test-deps check unit fuzz

# Installs what the tests need on a fresh machine (Chromium).
test-deps:
	./scripts/test-deps.sh

# Formatting and static checks.
check:
	@fmt_out="$$(gofmt -l .)"; if [ -n "$$fmt_out" ]; then echo "gofmt needed:"; echo "$$fmt_out"; exit 1; fi
	$(GO) vet ./...

# The browser packages (e2e/...) run one at a time: two sets of Chromiums
# on two cores starve each other's fake capture devices and media.
unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v '/e2e')
	$(GO) test -count=1 -p 1 ./e2e/...
	$(GO) test -count=1 -race $(RACE_PKGS)

# A short run of every fuzz target; the seed corpora also run in `unit`.
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZTIME) ./signaling
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./config
	$(GO) test -run='^$$' -fuzz='^FuzzClassify$$' -fuzztime=$(FUZZTIME) ./sfu/portmux

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./sfu

clean:
	rm -rf bin
