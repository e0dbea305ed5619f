#!/usr/bin/env python3
"""diffusers on PyTorch (CPU) timings for the full SD 1.5 architecture with random weights,
the reference side of `Renderer benchmark --pytorch PYTHON`, which runs this script part by
part beside the Swift engine and prints both with ratios. Run by hand, never by CI:

    /path/to/venv/bin/python scripts/diffusers/benchmark_pytorch.py --repeats 3 --threads 2 --latent 64 --batch 1 2 4

Measures: text encoder (batch 2 x 77 tokens), U-Net calls at the given batches (latent 64x64
= 512x512 images, timestep 500, N(0,1) inputs), VAE decode (batch 1); median of `repeats`
calls after one warm-up; peak RSS (VmHWM) of the process at the end. Prints one line per
measurement and, last, the same numbers as one JSON object.

`--save-pipeline DIR` instead writes the random-weight models as a diffusers folder in fp16
(SD 1.5's real sizes, for the Renderer's memory measurement, scripts/diffusers/memory.sh);
the tokenizer, scheduler and model_index.json come from the tiny test fixture, which has
SD 1.5's own.
"""

import argparse
import json
import os
import shutil
import statistics
import time

import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel


def vm(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1048576
    return 0.0


def timed(name, repeats, fn):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    median = statistics.median(times)
    print(f"{name}: median {median:.3f} s ({', '.join(f'{x:.3f}' for x in times)})", flush=True)
    return median


def models():
    torch.manual_seed(0)
    text = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                                        num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu")).eval()
    unet = UNet2DConditionModel(cross_attention_dim=768, attention_head_dim=8, sample_size=64).eval()
    vae = AutoencoderKL(down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                        block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4, sample_size=512).eval()
    return text, unet, vae


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--latent", type=int, default=64)
    ap.add_argument("--batch", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    ap.add_argument("--skip-text", action="store_true")
    ap.add_argument("--skip-vae", action="store_true")
    ap.add_argument("--save-pipeline", metavar="DIR")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    text, unet, vae = models()
    if a.save_pipeline:
        fixture = os.path.join(os.path.dirname(__file__), "../../Tests/DiffusionTests/Fixtures/sd1-tiny")
        for part in ["tokenizer", "scheduler"]:
            shutil.copytree(os.path.join(fixture, part), os.path.join(a.save_pipeline, part), dirs_exist_ok=True)
        shutil.copy(os.path.join(fixture, "model_index.json"), a.save_pipeline)
        text.half().save_pretrained(a.save_pipeline + "/text_encoder")
        unet.half().save_pretrained(a.save_pipeline + "/unet")
        vae.half().save_pretrained(a.save_pipeline + "/vae")
        return
    dtype = getattr(torch, a.dtype)
    if dtype != torch.float32:
        text, unet, vae = text.to(dtype), unet.to(dtype), vae.to(dtype)
    print(f"torch {torch.__version__}, {a.dtype}, {a.threads} threads; params unet {sum(p.numel() for p in unet.parameters()):,}, "
          f"text {sum(p.numel() for p in text.parameters()):,}, vae {sum(p.numel() for p in vae.parameters()):,}; RSS {vm('VmRSS'):.2f} GB", flush=True)
    result = {"torch": torch.__version__, "dtype": a.dtype, "unet": {}}
    g = torch.Generator().manual_seed(7)
    with torch.inference_mode():
        ids = torch.tensor([[49406] + [320] * 20 + [49407] * 56] * 2)
        if not a.skip_text:
            result["text"] = timed("text encoder, batch 2 x 77 tokens", max(a.repeats, 5), lambda: text(ids))
        for b in a.batch:
            x = torch.randn(b, 4, a.latent, a.latent, generator=g).to(dtype)
            c = torch.randn(b, 77, 768, generator=g).to(dtype)
            result["unet"][str(b)] = timed(f"U-Net, batch {b}, latent {a.latent}x{a.latent}", a.repeats,
                                           lambda: unet(x, 500, encoder_hidden_states=c))
        z = torch.randn(1, 4, a.latent, a.latent, generator=g).to(dtype)
        if not a.skip_vae:
            result["vae"] = timed(f"VAE decode, batch 1, latent {a.latent}x{a.latent}", max(1, a.repeats - 1), lambda: vae.decode(z))
    result["peak_rss_gb"] = vm("VmHWM")
    print(f"peak RSS (VmHWM) {result['peak_rss_gb']:.2f} GB")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
