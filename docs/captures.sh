#!/usr/bin/env bash
# Makes the text pictures in README.md: a bgmux client runs inside a task
# of a second bgmux server, and `bgmux capture` takes that task's screen,
# so each picture is what a client really drew, not a drawing.
# Usage: docs/captures.sh [BGMUX]   (default: target/release/bgmux)
set -euo pipefail
bin=${1:-target/release/bgmux}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
dir=$(mktemp -d)
chmod 700 "$dir"
trap 'BGMUX_STATE_DIR=$dir/inner-state "$bin" -S "$dir/inner" kill-server 2>/dev/null; BGMUX_STATE_DIR=$dir/outer-state "$bin" -S "$dir/outer" kill-server 2>/dev/null; rm -rf "$dir"' EXIT
inner() { BGMUX_STATE_DIR=$dir/inner-state "$bin" -S "$dir/inner" -f /dev/null "$@"; }
outer() { BGMUX_STATE_DIR=$dir/outer-state "$bin" -S "$dir/outer" -f /dev/null "$@"; }
settle() { sleep 1.5; }  # the pictures want waiting detection and ages to settle

inner run --name build -- sh -c 'printf "   Compiling libc v0.2.191\n   Compiling bgmux v0.1.0\n    Finished release in 41.2s\n"' >/dev/null
inner run --name tests -- sh -c 'printf "running 212 tests\n...\ntest result: FAILED. 210 passed; 2 failed\n"; exit 101' >/dev/null
inner run --name server -- sh -c 'printf "listening on 127.0.0.1:8080\nGET /health 200 0.4ms\n"; sleep 600' >/dev/null
inner run --name deploy -- sh -c 'printf "deploy to production? [y/N] "; read answer' >/dev/null
settle
outer run --name view --size 100x24 -- env BGMUX_STATE_DIR="$dir/inner-state" TERM=xterm-256color "$bin" -S "$dir/inner" -f /dev/null attach server >/dev/null
settle
outer send view --keys C-b t k k
settle
echo '### The switcher (C-b t)'; echo '```'; outer capture view; echo '```'
outer send view --keys q C-b : 
outer send view --enter split build tests server deploy
settle
echo '### A split view (/split build tests server deploy)'; echo '```'; outer capture view; echo '```'
