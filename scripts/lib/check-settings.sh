#!/usr/bin/env bash
# Checks run.sh's settings before anything is installed, built or started, and reports
# every problem at once (a fix-one-rerun-find-the-next loop costs a build each time).
# Prints the problems on stderr and exits 2 when there is any; prints nothing otherwise.
# Never prints the token, only what is wrong with its shape.
#   scripts/lib/check-settings.sh        reads TELEGRAM_BOT_TOKEN and LIENZO_MODEL
set -uo pipefail

problems=()

token=${TELEGRAM_BOT_TOKEN:-}
if [ -z "$token" ]; then
  problems+=("TELEGRAM_BOT_TOKEN is not set: the token @BotFather gave the bot, like 123456789:AAE… (digits, a colon, 35 letters, digits, _ or -)")
elif [[ ! $token =~ ^[0-9]+:[A-Za-z0-9_-]{30,50}$ ]]; then
  hint=""
  secret=${token#*:}
  case "$token" in
    bot*) hint=" (drop the leading \"bot\": it belongs to the URL, not the token)" ;;
    *[[:space:]]*) hint=" (it holds a space or a line break: copy it again)" ;;
    \"*|\'*) hint=" (it holds quotes: remove them)" ;;
    *:*) hint=" (${#secret} characters after the colon; @BotFather's have 35)" ;;
    *) hint=" (there is no colon)" ;;
  esac
  problems+=("TELEGRAM_BOT_TOKEN does not look like a bot token: expected <digits>:<35 letters, digits, _ or ->$hint")
fi

model=${LIENZO_MODEL:-}
if [ -z "$model" ]; then
  problems+=("LIENZO_MODEL is not set: a Stable Diffusion 1.x/2.x model, as a diffusers folder or a .safetensors file")
elif [ ! -e "$model" ]; then
  problems+=("LIENZO_MODEL=$model: no such file or folder")
elif [ -d "$model" ]; then
  if [ ! -r "$model" ] || [ ! -x "$model" ]; then
    problems+=("LIENZO_MODEL=$model: the folder cannot be read by $(id -un)")
  elif [ ! -d "$model/unet" ]; then
    problems+=("LIENZO_MODEL=$model: not a diffusers model folder (no unet/ inside)")
  fi
elif [[ ${model,,} != *.safetensors ]]; then
  problems+=("LIENZO_MODEL=$model: neither a diffusers folder nor a .safetensors file")
elif [ ! -r "$model" ]; then
  problems+=("LIENZO_MODEL=$model: the file cannot be read by $(id -un)")
elif [ ! -s "$model" ]; then
  problems+=("LIENZO_MODEL=$model: the file is empty")
fi

command -v swift >/dev/null || problems+=("swift is not on PATH: install Swift 6.1 or later from swift.org")

if [ ${#problems[@]} -gt 0 ]; then
  echo "run.sh cannot start; fix these first:" >&2
  for problem in "${problems[@]}"; do echo "  - $problem" >&2; done
  exit 2
fi
