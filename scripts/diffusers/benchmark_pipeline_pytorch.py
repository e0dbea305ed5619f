#!/usr/bin/env python3
"""diffusers on PyTorch (CPU, fp32): whole images on full-size architectures with random
weights, the reference side of `Renderer bench-pipeline --pytorch PYTHON`. Run by hand,
never by CI:

    /path/to/venv/bin/python scripts/diffusers/benchmark_pipeline_pytorch.py --size 512 --threads 2 --rows turbo-1 lcm-4 sd15-20

Rows (the same as the Swift side):
- turbo-1: SD 2.1 architecture (SD-Turbo), EulerDiscreteScheduler with trailing spacing, 1 step, guidance 0.
- lcm-4: SD 1.5 architecture, LCMScheduler, 4 steps, guidance 1 (no CFG), as with LCM-LoRA.
- sd15-20: SD 1.5 architecture, EulerDiscreteScheduler, 20 steps, guidance 7.5.
Each row warms up on a 64x64 one-step image, then runs the pipeline once to latents (`output_type="latent"`, text encoding included),
then decodes those latents once with the full AutoencoderKL and once with TAESD
(AutoencoderTiny, TAESD's own configuration). Prints one line per measurement and, last,
{row: {"denoise": s, "vae": s, "taesd": s}} as JSON. The tokenizers come from the tiny test
fixtures, which carry the real CLIP vocabulary.
"""

import argparse
import json
import os
import time

import torch
from diffusers import (AutoencoderKL, AutoencoderTiny, EulerDiscreteScheduler, LCMScheduler, StableDiffusionPipeline,
                       UNet2DConditionModel)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "DiffusionTests", "Fixtures")
SD15_SCHEDULER = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
                      steps_offset=1)


def models(arch):
    torch.manual_seed(0)
    if arch == "sd21":
        text = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=1024, intermediate_size=4096, num_hidden_layers=23,
                                            num_attention_heads=16, max_position_embeddings=77, hidden_act="gelu")).eval()
        unet = UNet2DConditionModel(cross_attention_dim=1024, attention_head_dim=(5, 10, 20, 20), use_linear_projection=True,
                                    sample_size=64).eval()
        tokenizer = CLIPTokenizer.from_pretrained(os.path.join(FIX, "sd2-tiny", "tokenizer"))
    else:
        text = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                                            num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu")).eval()
        unet = UNet2DConditionModel(cross_attention_dim=768, attention_head_dim=8, sample_size=64).eval()
        tokenizer = CLIPTokenizer.from_pretrained(os.path.join(FIX, "sd1-tiny", "tokenizer"))
    vae = AutoencoderKL(down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                        block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4, sample_size=512).eval()
    return text, unet, vae, tokenizer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rows", nargs="*", default=["turbo-1", "lcm-4", "sd15-20"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    taesd = AutoencoderTiny().eval()
    rows = {
        "turbo-1": ("sd21", EulerDiscreteScheduler(**SD15_SCHEDULER, timestep_spacing="trailing"), 1, 0.0),
        "lcm-4": ("sd15", LCMScheduler(**SD15_SCHEDULER, set_alpha_to_one=False, clip_sample=False), 4, 1.0),
        "sd15-20": ("sd15", EulerDiscreteScheduler(**SD15_SCHEDULER), 20, 7.5),
    }
    result = {}
    with torch.inference_mode():
        for name in a.rows:
            arch, scheduler, steps, guidance = rows[name]
            text, unet, vae, tokenizer = models(arch)
            pipe = StableDiffusionPipeline(vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
                                           safety_checker=None, feature_extractor=None, requires_safety_checker=False)
            pipe.set_progress_bar_config(disable=True)
            # a 64x64 one-step image first, as a serving process is warm; then one run each
            warm = pipe("warm-up", num_inference_steps=1, guidance_scale=guidance, width=64, height=64, output_type="latent").images
            vae.decode(warm / vae.config.scaling_factor)
            taesd.decode(warm)
            g = torch.Generator().manual_seed(42)
            t = time.perf_counter()
            latents = pipe("a photograph of an astronaut riding a horse", num_inference_steps=steps, guidance_scale=guidance,
                           width=a.size, height=a.size, generator=g, output_type="latent").images
            denoise = time.perf_counter() - t
            t = time.perf_counter()
            vae.decode(latents / vae.config.scaling_factor)
            full = time.perf_counter() - t
            t = time.perf_counter()
            taesd.decode(latents / taesd.config.scaling_factor)
            tiny = time.perf_counter() - t
            print(f"{name}: text -> latents {denoise:.2f} s, VAE {full:.2f} s, TAESD {tiny:.2f} s", flush=True)
            result[name] = {"denoise": denoise, "vae": full, "taesd": tiny}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
