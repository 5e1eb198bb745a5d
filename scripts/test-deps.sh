#!/usr/bin/env bash
# Installs what `make test` needs on a fresh Debian machine: Chromium for
# the browser tests. Safe to run again: it installs only what is missing.
set -euo pipefail

if ! command -v go >/dev/null 2>&1; then
	echo "test-deps: Go is not on PATH; install Go 1.26 (https://go.dev/dl/)" >&2
	exit 1
fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		sudo=sudo
	else
		sudo=
	fi
	echo "test-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# A fresh machine may have no package lists yet.
	if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}"; then
		$sudo apt-get update
		$sudo apt-get install -y --no-install-recommends "${missing[@]}"
	fi
fi
echo "test-deps: $(go version); $(/usr/bin/chromium --version 2>/dev/null)"
