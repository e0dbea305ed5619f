#!/usr/bin/env python3
"""Writes the tiled-VAE-decode reference fixtures the Swift Diffusion tests compare against.

Run by hand (never by CI) from the repository root, in the same virtual environment as
make_lora_vae_fixtures.py (torch CPU, diffusers, safetensors; no torchvision), whose
helpers it imports (open_clip stand-in, 1 thread, reinit_):

    /tmp/venv/bin/python scripts/diffusers/make_vae_tiling_fixtures.py

Tested with torch 2.13 (CPU), diffusers 0.42.1. Independent of the other fixtures.
Deterministic (every tensor comes from a seeded torch.Generator). Rewrites
Tests/DiffusionTests/Fixtures/vae-tiled/:

- vae/: a diffusers AutoencoderKL folder (config.json + diffusion_pytorch_model.safetensors,
  F16 values so the folder stays small): block_out_channels (8, 16, 16), layers_per_block 1,
  norm_num_groups 4, latent_channels 4, sample_size 32. Three levels, so the decoder
  upsamples 4x and diffusers' tiling geometry is
      tile_sample_min_size = 32, tile_latent_min_size = int(32 / 2**2) = 8,
      overlap_size = int(8 * 0.75) = 6, blend_extent = int(32 * 0.25) = 8, row_limit = 24.
  Every parameter non-zero (reinit_: weights N(0, 1/fan_in), norm scales 1 + 0.1 N, every
  bias 0.1 N), F16-exact.
- refs-vae-tiled.safetensors (float32):
  - `tiled.latents` (1,4,19,29): larger than the 8x8 tile both ways and not multiples of
    the 6-latent stride, so the last tile row is 1 latent (4 pixels) high, narrower than the
    blend extent (blend_v's min() takes over), and the last column 5 latents wide.
  - `tiled.decoded` (1,3,76,116): vae.enable_tiling(); vae.decode(z) (takes tiled_decode).
  - `untiled.decoded` (1,3,76,116): vae.disable_tiling(); vae.decode(z), the same latents.
  - `small.latents` (1,4,8,6) and `small.decoded` (1,3,32,24): with tiling enabled, a
    latent no larger than the tile takes the untiled path (checked here against the
    untiled decode: equal).
  - `sample40.latents` (1,4,12,17), `sample40.decoded`: the same weights with
    sample_size 40 (tile_latent 10, overlap 7, blend 10, row_limit 30), where row_limit is
    not 4 x overlap: diffusers' tiled output is then (1,3,50,72), not 4x the latent
    (48x68). Shows the geometry is copied, not re-derived.
- vae-tiled.json: the geometry above, max |tiled - untiled| and the small-path check.

Size: about 0.42 MB (weights 0.14 MB in F16, references 0.28 MB).
"""

import json
import os
import shutil
import sys
import types

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.modules.setdefault("open_clip", types.ModuleType("open_clip"))  # see make_lora_vae_fixtures.py
from make_reference_fixtures import reinit_  # noqa: E402

from diffusers import AutoencoderKL  # noqa: E402

torch.set_num_threads(1)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "DiffusionTests", "Fixtures", "vae-tiled")


def log(*a):
    print(*a, flush=True)


def build():
    gen = torch.Generator().manual_seed(2468)
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 3,
        up_block_types=("UpDecoderBlock2D",) * 3,
        block_out_channels=(8, 16, 16),
        layers_per_block=1,
        latent_channels=4,
        norm_num_groups=4,
        sample_size=32,
        scaling_factor=0.18215,
    ).eval()
    reinit_(vae, gen, torch.float16)
    return vae


def geometry(vae):
    return dict(
        tile_sample_min_size=vae.tile_sample_min_size,
        tile_latent_min_size=vae.tile_latent_min_size,
        overlap_size=int(vae.tile_latent_min_size * (1 - vae.tile_overlap_factor)),
        blend_extent=int(vae.tile_sample_min_size * vae.tile_overlap_factor),
        row_limit=vae.tile_sample_min_size - int(vae.tile_sample_min_size * vae.tile_overlap_factor),
    )


def decode(vae, z, tiled):
    if tiled:
        vae.enable_tiling()
    else:
        vae.disable_tiling()
    with torch.no_grad():
        return vae.decode(z).sample.contiguous()


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    folder = os.path.join(OUT, "vae")
    build().to(torch.float16).save_pretrained(folder, safe_serialization=True)
    vae = AutoencoderKL.from_pretrained(folder, torch_dtype=torch.float32).eval()
    geo = geometry(vae)
    log("geometry", geo)
    assert geo == dict(tile_sample_min_size=32, tile_latent_min_size=8, overlap_size=6, blend_extent=8, row_limit=24), geo

    g = torch.Generator().manual_seed(97)
    z = torch.randn(1, 4, 19, 29, generator=g)
    small = torch.randn(1, 4, 8, 6, generator=g)
    z40 = torch.randn(1, 4, 12, 17, generator=g)
    refs = {"tiled.latents": z, "small.latents": small, "sample40.latents": z40}
    refs["tiled.decoded"] = decode(vae, z, tiled=True)
    refs["untiled.decoded"] = decode(vae, z, tiled=False)
    refs["small.decoded"] = decode(vae, small, tiled=True)
    small_check = float((refs["small.decoded"] - decode(vae, small, tiled=False)).abs().max())
    assert small_check == 0, small_check
    seam = float((refs["tiled.decoded"] - refs["untiled.decoded"]).abs().max())
    log(f"tiled.decoded {list(refs['tiled.decoded'].shape)}: max |tiled - untiled| = {seam:.4f}, "
        f"untiled scale {float(refs['untiled.decoded'].abs().max()):.3f}")
    assert seam > 0.05, "the tiling changed nothing: the test would not show it ran"

    vae40 = AutoencoderKL.from_pretrained(folder, torch_dtype=torch.float32, sample_size=40).eval()
    geo40 = geometry(vae40)
    log("sample_size 40 geometry", geo40)
    refs["sample40.decoded"] = decode(vae40, z40, tiled=True)
    log(f"sample40.decoded {list(refs['sample40.decoded'].shape)} from latents {list(z40.shape)}")
    assert list(refs["sample40.decoded"].shape) == [1, 3, 50, 72]

    save_file({k: v.contiguous() for k, v in refs.items()}, os.path.join(OUT, "refs-vae-tiled.safetensors"))
    with open(os.path.join(OUT, "vae-tiled.json"), "w") as f:
        json.dump(dict(geometry=geo, sample40_geometry=geo40, max_tiled_minus_untiled=seam, small_tiled_minus_untiled=small_check), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
