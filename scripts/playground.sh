#!/usr/bin/env bash
# The whole bot on this machine, with no Telegram token: the Bot API emulator plus the
# three stages against a private PostgreSQL. You play a Telegram user in this terminal;
# every line you type is a message to the bot. The bot's replies and its answers to
# button presses are printed, and written with its images to a folder of this run's own,
# OUT/<date>_<time> (OUT/latest points at the newest), so no run overwrites another.
#
#   scripts/playground.sh [--out .data/playground] [--language en|es] [--port 8081]
#
# Type e.g.   a castle at dusk --seed 42 --steps 20
#             /status    /quota    /cancel    /help
#             /press <message_id> <data>   (presses a button under a photo)
#             a line ending in \ goes on into the next, for a pasted AUTOMATIC1111 block:
#               a castle at dusk \
#               Negative prompt: blurry \
#               Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 42, Size: 512x512
# Ctrl-D or Ctrl-C stops everything. LIENZO_SCRATCH_PATH=DIR builds there instead of .build.
#
# The images: the Renderer renders with LIENZO_MODEL, by default the engine's tiny test
# model (Tests/DiffusionTests/Fixtures/sd1-tiny, random weights). THE IMAGES ARE NOISE:
# the point is to see the whole bot work. For real pictures, set LIENZO_MODEL to a
# Stable Diffusion 1.x/2.x diffusers folder or .safetensors file.
set -euo pipefail
cd "$(dirname "$0")/.."

out=.data/playground
language=en
port=8081
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --language) language=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    *) echo "usage: scripts/playground.sh [--out DIR] [--language en|es] [--port N]" >&2; exit 2 ;;
  esac
done

scripts/install-packages.sh >/dev/null
build=(swift build ${LIENZO_SCRATCH_PATH:+--scratch-path "$LIENZO_SCRATCH_PATH"})
# SwiftPM's own progress goes to the terminal: a first build takes minutes.
for product in BotAPIEmulatorServer Ingest Deliver Renderer; do
  echo "building $product…" >&2
  "${build[@]}" --product "$product" >&2
done
bin=$("${build[@]}" --show-bin-path)

out=$(scripts/lib/run-folder.sh "$out")
pgdir=$(mktemp -d /tmp/lienzo-playground.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/pg-cluster.sh stop "$pgdir/pg" >/dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap cleanup EXIT
# A signal would end bash without its EXIT trap (PostgreSQL left running): exit instead.
trap 'exit 143' TERM
trap 'exit 130' INT

export DATABASE_URL=$(PG_FAST=1 scripts/pg-cluster.sh start "$pgdir/pg")
export TELEGRAM_BOT_TOKEN=123456:TEST-emulator-token   # the emulator's fixed test token, not a real one
export TELEGRAM_API_URL=http://127.0.0.1:$port
export LIENZO_MODEL=${LIENZO_MODEL:-$PWD/Tests/DiffusionTests/Fixtures/sd1-tiny}
export LIENZO_METRICS_PORT=${LIENZO_METRICS_PORT:-0}
export LOG_LEVEL=${LOG_LEVEL:-warning}
export DELIVER_STATUS_INTERVAL=${DELIVER_STATUS_INTERVAL:-1}

# Migrate once, then start the stages; they retry until the emulator answers.
"$bin/Ingest" migrate 2>>"$out/stages.log"
"$bin/Ingest" 2>>"$out/stages.log" & pids+=($!)
"$bin/Deliver" 2>>"$out/stages.log" & pids+=($!)
"$bin/Renderer" 2>>"$out/stages.log" & pids+=($!)
echo "Stages running (logs: $out/stages.log). Images are noise without real weights."
# In the background, so a TERM's trap runs at once (bash runs it only after a foreground
# command ends); `<&0` keeps this terminal as its input, which `&` would replace with /dev/null.
"$bin/BotAPIEmulatorServer" --port "$port" --out "$out" --language "$language" <&0 & pids+=($!)
wait "${pids[-1]}"
