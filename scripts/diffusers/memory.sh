#!/usr/bin/env bash
# Peak memory of a real render with SD 1.5-size fp16 weights (random values, saved by
# diffusers as a pipeline folder): the Renderer's `render` command at 512x512, 2 steps,
# under /usr/bin/time. Run by hand from the repository root, never by CI:
#   PYTHON=/path/to/venv/bin/python scripts/diffusers/memory.sh [float32|bfloat16]
set -euo pipefail
PYTHON=${PYTHON:-python3}
PRECISION=${1:-bfloat16}
MODEL=${MODEL:-.data/sd15-random-fp16}
swift build -c release --product Renderer >/dev/null
if [ ! -f "$MODEL/unet/diffusion_pytorch_model.safetensors" ]; then
    "$PYTHON" scripts/diffusers/benchmark_pytorch.py --save-pipeline "$MODEL"
fi
du -sh "$MODEL"/{unet,vae,text_encoder}
out=$(mktemp --suffix .png)
/usr/bin/time -f "peak RSS %M KiB, %e s wall" .build/release/Renderer render --model "$MODEL" --precision "$PRECISION" \
    --prompt "a lighthouse at dusk" --steps 2 --width 512 --height 512 --seed 1 --out "$out" --quiet
rm -f "$out"
