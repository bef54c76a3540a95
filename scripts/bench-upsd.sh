#!/usr/bin/env bash
# Load-tests our upsd and the real (C) upsd 2.8.0 in one run, on the same machine, both fed by
# the same real dummy-ups driver (tests/fixtures/dev/usbhid-ups.dev), and prints a Markdown
# table for the README. Needs Debian's nut-server (scripts/test.sh installs it) and root or a
# high enough `ulimit -n` for the idle-connection runs.
#
#   scripts/bench-upsd.sh [SECONDS_PER_RUN]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

cargo build --release -q -p nut-examples
load=target/release/nut-load
ours_bin=target/release/upsd

dir="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT

mkdir -p "$dir/state" "$dir/real" "$dir/ours" "$dir/ours1"
cp tests/fixtures/dev/usbhid-ups.dev "$dir/real/"
for side in real ours ours1; do
    printf '[ups]\n\tdriver = dummy-ups\n\tport = %s/real/usbhid-ups.dev\n\tdesc = "bench"\n' "$dir" > "$dir/$side/ups.conf"
    : > "$dir/$side/upsd.users"
done
printf 'LISTEN 127.0.0.1 35493\n' > "$dir/real/upsd.conf"
printf 'LISTEN 127.0.0.1 35494\n' > "$dir/ours/upsd.conf"
printf 'LISTEN 127.0.0.1 35496\n' > "$dir/ours1/upsd.conf"
export NUT_STATEPATH="$dir/state" NUT_ALTPIDPATH="$dir/state"
root=(); [ "$(id -u)" = 0 ] && root=(-u root)

NUT_CONFPATH="$dir/real" /lib/nut/dummy-ups -a ups -F "${root[@]}" >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 100); do [ -S "$dir/state/dummy-ups-ups" ] && break; sleep 0.1; done
NUT_CONFPATH="$dir/real" /lib/nut/upsd -F "${root[@]}" >/dev/null 2>&1 & real_pid=$!; pids+=($real_pid)
NUT_CONFPATH="$dir/ours" NUT_ALTPIDPATH="$dir/ours" "$ours_bin" -F >/dev/null 2>&1 & ours_pid=$!; pids+=($ours_pid)
NUT_CONFPATH="$dir/ours1" NUT_ALTPIDPATH="$dir/ours1" "$ours_bin" -F --threads 2 >/dev/null 2>&1 & ours1_pid=$!; pids+=($ours1_pid)
"$load" --null-server 127.0.0.1:35495 >/dev/null 2>&1 & null_pid=$!; pids+=($null_pid)
for port in 35493 35494 35496; do
    for _ in $(seq 100); do
        upsc "ups@127.0.0.1:$port" ups.status 2>/dev/null | grep -qv WAIT && break
        sleep 0.1
    done
done

rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
row() { # label, args...
    local label="$1"; shift
    local r o
    r="$("$load" --pid "$real_pid" "$@" 127.0.0.1:35493 2>&1 | tail -n 1)" || r="failed: $r"
    o="$("$load" --pid "$ours_pid" "$@" 127.0.0.1:35494 2>&1 | tail -n 1)" || o="failed: $o"
    printf '| %s | %s | %s |\n' "$label" "$r" "$o"
}

echo "| run | real upsd 2.8.0 | ours |"
echo "|---|---|---|"
printf '| RSS idle, 1 UPS (kB) | %s | %s |\n' "$(rss "$real_pid")" "$(rss "$ours_pid")"
per_idle() { # pid port: memory per idle connection, from RSS before and with 10000 open,
    # measured first, on fresh servers: later runs leave freed memory to reuse
    local before with
    before="$(rss "$1")"
    with="$(timeout 120 "$load" --pid "$1" --idle 10000 -s 1 -c 1 -r "GET VAR ups ups.status" \
        "127.0.0.1:$2" 2>&1 | sed -n 's/.*server RSS: \([0-9]*\) kB.*/\1/p')"
    [ -n "$with" ] && awk -v b="$before" -v w="$with" 'BEGIN { printf "%.2f KB (RSS %d -> %d kB)", (w - b) / 10000, b, w }' || echo "failed"
}
printf '| memory per idle connection (10000 open) | %s | %s |\n' "$(per_idle "$real_pid" 35493)" "$(per_idle "$ours_pid" 35494)"
row "GET VAR, 1 connection" -s "$seconds" -c 1 -r "GET VAR ups ups.status"
row "GET VAR, 256 connections" -s "$seconds" -c 256 -r "GET VAR ups ups.status"
row "LIST VAR (46 vars), 1 connection" -s "$seconds" -c 1 -r "LIST VAR ups"
row "GET VAR, 16 connections, 1000 idle open" -s "$seconds" -c 16 --idle 1000 -r "GET VAR ups ups.status"
row "GET VAR, 16 connections" -s "$seconds" -c 16 -r "GET VAR ups ups.status"
idle() { timeout 120 "$load" --idle 10000 -s 0 -c 1 "127.0.0.1:$1" 2>&1 | sed -n 1p; }
printf '| 10000 idle connections | %s | %s |\n' "$(idle 35493)" "$(idle 35494)"
printf '| do-nothing server (ceiling), GET VAR, 256 connections | %s | |\n' \
    "$("$load" --pid "$null_pid" -s "$seconds" -c 256 -r "GET VAR ups ups.status" 127.0.0.1:35495 2>&1 | tail -n 1)"
one_thread() { # label, args...: ours with --threads 2, in the "ours" column
    local label="$1"; shift
    printf '| %s | | %s |\n' "$label" \
        "$("$load" --pid "$ours1_pid" "$@" 127.0.0.1:35496 2>&1 | tail -n 1)"
}
printf '| RSS idle, ours with `--threads 2` (kB) | | %s |\n' "$(rss "$ours1_pid")"
one_thread "GET VAR, 1 connection, ours with \`--threads 2\`" -s "$seconds" -c 1 -r "GET VAR ups ups.status"
one_thread "GET VAR, 256 connections, ours with \`--threads 2\`" -s "$seconds" -c 256 -r "GET VAR ups ups.status"
printf '| RSS after the runs (kB) | %s | %s |\n' "$(rss "$real_pid")" "$(rss "$ours_pid")"
