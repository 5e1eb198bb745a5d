#!/usr/bin/env bash
# Installs what `make test` needs on a fresh Debian machine: Chromium for
# the browser tests, iproute2 and iptables for their network namespaces and
# firewall profiles, squid (the web proxy of the firewall tests; they run
# their own instance, and the packaged service is not needed) and openssl
# (for its password file), ffmpeg (ffprobe checks the recordings the
# recorder writes), and axe-core
# (into .cache/, ignored by git) for the accessibility checks. Safe to run
# again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

AXE_VERSION=4.14.1

if ! command -v go >/dev/null 2>&1; then
	echo "test-deps: Go is not on PATH; install Go 1.26 (https://go.dev/dl/)" >&2
	exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi

apt_install() {
	echo "test-deps: installing $*"
	export DEBIAN_FRONTEND=noninteractive
	# A fresh machine may have no package lists yet.
	if ! $sudo apt-get install -y --no-install-recommends "$@"; then
		$sudo apt-get update
		$sudo apt-get install -y --no-install-recommends "$@"
	fi
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/sbin/squid ] || missing+=(squid)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
if [ ${#missing[@]} -gt 0 ]; then
	apt_install "${missing[@]}"
fi

axe=.cache/axe/node_modules/axe-core/axe.min.js
if [ ! -f "$axe" ] || ! grep -q "axe v$AXE_VERSION" "$axe"; then
	echo "test-deps: installing axe-core $AXE_VERSION into .cache/axe"
	npm install --no-save --no-audit --no-fund --prefix .cache/axe "axe-core@$AXE_VERSION"
fi

echo "test-deps: $(go version); $(/usr/bin/chromium --version 2>/dev/null); axe-core $AXE_VERSION"
