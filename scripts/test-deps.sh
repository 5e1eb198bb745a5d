#!/usr/bin/env bash
# Installs what `make test` needs on a fresh Debian machine. Safe to run
# again: it only installs what is missing.
set -euo pipefail

need_go_version=1.26
if ! command -v go >/dev/null 2>&1; then
	echo "test-deps: Go is not on PATH; install Go ${need_go_version} (https://go.dev/dl/)" >&2
	exit 1
fi
echo "test-deps: $(go version)"
