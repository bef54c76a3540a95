#!/usr/bin/env bash
# The one command that passes every test on a fresh Debian machine with a Rust toolchain:
# installs what is missing (the real NUT for interop tests, socat, snmpsim, cargo-fuzz), then
# runs formatting, lint, build, the whole test suite and every fuzz target.
#
#   scripts/test.sh            everything (what CI runs)
#   FUZZ_SECONDS=5 scripts/test.sh   shorter fuzzing while developing (CI uses 30)
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz_seconds="${FUZZ_SECONDS:-30}"

step() { printf '\n==> %s\n' "$*"; }

install_debian_packages() {
    local missing=()
    [ -x /lib/nut/upsd ] || missing+=(nut-server)
    command -v upsc >/dev/null 2>&1 || missing+=(nut-client)
    [ -x /lib/nut/snmp-ups ] || missing+=(nut-snmp)
    [ -x /lib/nut/generic_modbus ] || missing+=(nut-modbus)
    command -v snmpsimd >/dev/null 2>&1 || missing+=(snmpsim)
    command -v /usr/sbin/snmpd >/dev/null 2>&1 || missing+=(snmpd)
    command -v socat >/dev/null 2>&1 || missing+=(socat)
    command -v cc >/dev/null 2>&1 || missing+=(gcc)
    if [ "${#missing[@]}" -gt 0 ]; then
        step "installing Debian packages: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

install_cargo_fuzz() {
    if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
        step "installing cargo-fuzz"
        cargo install cargo-fuzz --locked
    fi
}

install_debian_packages
install_cargo_fuzz

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "nut-core builds without std"
cargo build -p nut-core --no-default-features
cargo build -p nut-protocol --no-default-features
cargo build -p nut-hal --no-default-features

step "cargo build --release"
cargo build --release --workspace

step "cargo test"
cargo test --workspace

step "fuzzing every target for ${fuzz_seconds}s with its seed corpus"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(
    cd fuzz
    cargo +nightly fuzz build -O
    for target in $(cargo +nightly fuzz list); do
        mkdir -p "$scratch/$target"
        echo "--- fuzz $target"
        # New inputs go to the scratch corpus (first dir); the committed seeds are read only.
        if ! cargo +nightly fuzz run -O "$target" "$scratch/$target" "corpus/$target" -- \
            -max_total_time="$fuzz_seconds" -print_final_stats=1 >"$scratch/$target.log" 2>&1; then
            tail -n 60 "$scratch/$target.log"
            echo "fuzz target $target FAILED"
            exit 1
        fi
        grep -E '^(stat::number_of_executed_units|Done )' "$scratch/$target.log" || true
    done
)
echo
echo "all checks passed"
