#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/browser), from Debian's packages.
#
#   scripts/browser-test-setup.sh      print the chromedriver path on stdout (nothing else)
#
# If CDS_TEST_CHROMEDRIVER is already set, that path is printed and nothing is installed. When
# chromium or chromium-driver is missing and we are root, they are installed with apt-get
# (Playwright's own browser download does not work here). When they cannot be had, it prints
# nothing and exits 0 so the browser tests skip with a reason -- except under CI=true, where it
# exits 1 and the tests fail instead of skipping (tests/browser/conftest.py enforces the same).
set -uo pipefail

log() { echo "browser-test-setup: $*" >&2; }

give_up() {
    log "$*"
    if [[ "${CI:-}" == "true" ]]; then
        log "CI=true: the browser is required, failing"
        exit 1
    fi
    log "browser tests will be skipped"
    exit 0
}

if [[ -n "${CDS_TEST_CHROMEDRIVER:-}" ]]; then
    echo "$CDS_TEST_CHROMEDRIVER"
    exit 0
fi

have_browser() {
    command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1
}

if ! have_browser; then
    if [[ $(id -u) -ne 0 ]]; then
        give_up "chromium / chromedriver not installed and not root (apt-get install chromium chromium-driver)"
    fi
    log "installing Debian's chromium and chromium-driver packages (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    rc=0
    timeout 600 apt-get update -qq >&2 || rc=$?
    if [[ $rc -eq 0 ]]; then
        timeout 900 apt-get install -y -qq chromium chromium-driver >&2 || rc=$?
    fi
    if [[ $rc -ne 0 ]] || ! have_browser; then
        give_up "apt-get could not install chromium and chromium-driver"
    fi
fi

command -v chromedriver
