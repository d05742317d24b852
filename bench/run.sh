#!/bin/sh
# Reproduces BENCHMARKS.md with one command: builds bgmux in release mode,
# runs the side-by-side comparison (muxbench: raw pty, script, tmux, GNU
# screen, dtach and bgmux), the floor of its `many` scenario
# (bench/adapters/floor.toml), then bgmux's own benchmarks (bench/extra.py:
# `run` round trip, idle and flood scale curves, server CPU per byte of a
# flood, split panes, latency with busy panes, the switcher). Results go to
# bench/results/ (or $1).
#
#   bench/run.sh                 # full run, about 15 minutes on 2 cores
#   QUICK=1 bench/run.sh /tmp/r  # smoke run, about 2 minutes
#
# Needs ../shared/bench (or BGMUX_SHARED) and, for the comparison, tmux,
# screen and dtach (`apt-get install -y tmux screen dtach`); a multiplexer
# that is missing is skipped by muxbench with a message.
set -eu
cd "$(dirname "$0")/.."
shared=${BGMUX_SHARED:-../shared}
out=${1:-bench/results}
target=${CARGO_TARGET_DIR:-target}
mkdir -p "$out"
cargo build --release --locked
bin="$PWD/$target/release"
case $target in /*) bin="$target/release" ;; esac
for tool in tmux screen dtach; do
    command -v "$tool" >/dev/null || echo "bench/run.sh: $tool not found; muxbench skips it (apt-get install -y $tool)" >&2
done
quick=
[ -n "${QUICK:-}" ] && quick=--quick
PATH="$bin:$PATH" python3 "$shared/bench/muxbench.py" run $quick \
    --sut "raw,script,tmux,screen,dtach,generic:$shared/bench/adapters/bgmux.toml" \
    --json "$out/muxbench.json" --md "$out/muxbench.md"
# The floor of `many` for anything that starts a task with a command of
# its own (bench/adapters/floor.toml), beside the raw pty, dtach and bgmux
# in one run, so that the ratios compare.
PATH="$bin:$PATH" python3 "$shared/bench/muxbench.py" run $quick --scenario many \
    --sut "raw,dtach,generic:bench/adapters/floor.toml,generic:$shared/bench/adapters/bgmux.toml" \
    --json "$out/many-floor.json" --md "$out/many-floor.md"
python3 bench/extra.py $quick --bin "$bin/bgmux" --json "$out/extra.json" --md "$out/extra.md"
echo "bench/run.sh: results in $out/ (muxbench.md, many-floor.md, extra.md)" >&2
