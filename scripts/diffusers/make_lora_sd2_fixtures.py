#!/usr/bin/env python3
"""Writes the SD 2.x LoRA reference fixtures the Swift Diffusion tests compare against.

The sd2-tiny counterpart of make_lora_vae_fixtures.py (whose helpers it imports: the
open_clip stand-in, the peft version bypass, the LoRA file builders, parser and merge, the
case builder and the loop that renders and checks the cases).
Run by hand (never by CI) from the repository root, after make_reference_fixtures.py has
written Tests/DiffusionTests/Fixtures/sd2-tiny, in the same virtual environment (torch CPU,
diffusers, transformers, peft, safetensors; no torchvision):

    /tmp/venv/bin/python scripts/diffusers/make_lora_sd2_fixtures.py

Tested with torch 2.13 (CPU), diffusers 0.42.1, transformers 5.25, peft 0.21.2. It is
deterministic (every tensor comes from a seeded torch.Generator), touches nothing that
make_lora_vae_fixtures.py writes, and rewrites:

Tests/DiffusionTests/Fixtures/lora-sd2/  (LoRA files only: every file in it is a LoRA for sd2-tiny)
- sd2_kohya.safetensors: kohya / AUTOMATIC1111 names (`lora_unet_<diffusers path with _>`,
  `lora_te_text_model_encoder_layers_<i>_...`), `.lora_down.weight` / `.lora_up.weight` /
  `.alpha` (0-dim). U-Net: attn1/attn2 to_q/k/v/to_out_0, ff_net_0_proj (GEGLU, out = 2x
  inner), ff_net_2 and every transformer's proj_in/proj_out -- Linear in SD 2
  (use_linear_projection), so 2-D factors down [r,in], up [out,r]. Text encoder: every
  layer's self_attn_{q,k,v,out}_proj and mlp_fc1/fc2. Rank 4, alpha 1.5 (scale 0.375), F16.
  Metadata ss_network_dim 4, ss_network_alpha 1.5, ss_network_module networks.lora, ss_v2 True.
- sd2_peft.safetensors: diffusers/PEFT names `unet.<path>.lora_A.weight` / `.lora_B.weight`
  on every U-Net attention Linear (attn1/attn2 to_q/k/v/to_out.0) plus conv1 of four resnets
  (3x3: lora_A [r,in,3,3], lora_B [out,r,1,1]; in = 8->16, 16->16 and the skip-concatenated
  24->16, 24->8 of the up path), and `text_encoder.text_model.encoder.layers.<i>.
  {self_attn.{q,k,v,out}_proj,mlp.fc1,mlp.fc2}.lora_A/B.weight`. Rank 2, no alpha (alpha =
  rank, scale 1), BF16.

Beside the folder (not inside: everything in it is offered as a LoRA):
- lora-sd2-cases.json: the shape of lora/lora-cases.json (name, prompts with tags,
  prompts_without_tags, negatives, seeds, guidance, steps, width, height, sampler, loras,
  diffusers_unet_check). sd2-tiny, 64x64, samplers built from sd2-tiny's own DDIM
  v-prediction scheduler config (as make_reference_fixtures.py does for pipeline-sd2.json):
    sd2-kohya  "a red fox <lora:sd2_kohya:0.9> in the snow" / "blurry", seed 42, g 7.5, 4 steps, ddim
    sd2-two    "<lora:sd2_peft:-0.7>a castle <lora:sd2_kohya:0.5>" / no negative, seed 3, g 5.0, 4 steps, euler_a
    sd2-batch  ["a cat <lora:sd2_peft:1>", "a dog"] / [none, "ugly"], seeds [1, 2], g 7.5, 3 steps, euler
- refs-lora-sd2.safetensors: `image.<case>`, uint8 NHWC [n,64,64,3]. Reference = the
  AUTOMATIC1111 merge, as in make_lora_vae_fixtures.py: in a deep copy of the pipeline
  (sd2-tiny loaded in fp32), for every LoRA of the image W <- W + weight * (alpha / rank) *
  (up @ down) (convs: up.flatten(1) @ down.flatten(1) reshaped to W) in BOTH the U-Net and
  the text encoder, read back from the files as written; then the pipeline runs the prompt
  with the tags cut out. Every image is made on its own (one prompt, one generator), the
  batch case too: image i of sd2-batch is what a batch must reproduce for image i.
  "diffusers_unet_check" = max |uint8 difference| between the U-Net-only hand merge and
  diffusers' own load_lora_weights + set_adapters (text-encoder keys removed on both sides;
  null where diffusers could not be used; 0 for an image without LoRA). Before that run the
  script also asserts that diffusers wrapped exactly the file's U-Net modules and that PEFT's
  get_delta_weight equals the hand merge's alpha/rank * up @ down for each (relative 1e-5).
"""

import json
import os
import re
import shutil
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_lora_vae_fixtures as base_script  # noqa: E402  (also: open_clip stand-in, peft version bypass, 1 thread)
from make_lora_vae_fixtures import (  # noqa: E402
    FIX,
    cases_from,
    describe_lora,
    kohya_attention_lora,
    log,
    lora_pair,
    module_tables,
    parse_lora,
    render_lora_cases,
    save_sorted_metadata,
)

torch.set_num_threads(1)

SD2 = os.path.join(FIX, "sd2-tiny")
LORA_DIR = os.path.join(FIX, "lora-sd2")
CASES_PATH = os.path.join(FIX, "lora-sd2-cases.json")
REFS_PATH = os.path.join(FIX, "refs-lora-sd2.safetensors")

PEFT_CONV1 = (
    "down_blocks.1.resnets.0.conv1",  # 8 -> 16
    "mid_block.resnets.0.conv1",  # 16 -> 16
    "up_blocks.2.resnets.2.conv1",  # 24 (16 + 8 skip) -> 16
    "up_blocks.3.resnets.0.conv1",  # 24 (16 + 8 skip) -> 8
)


def load_pipe():
    return base_script.load_pipe(SD2)


def lora_file(name):
    return base_script.lora_file(name, LORA_DIR)


# ---------------------------------------------------------------------------------------
# Random LoRA files.


def build_lora_files(pipe):
    unet, te = module_tables(pipe)
    files = {}

    # 1. sd2_kohya: rank 4, alpha 1.5, F16
    gen = torch.Generator().manual_seed(201)
    sd = kohya_attention_lora(gen, unet, te, 4, 1.5)
    conv = [k for k, v in sd.items() if k.endswith(".lora_down.weight") and v.ndim != 2]
    assert not conv, f"not Linear in sd2-tiny: {conv}"
    meta = {"ss_network_dim": "4", "ss_network_alpha": "1.5", "ss_network_module": "networks.lora", "ss_v2": "True"}
    files["sd2_kohya"] = ({k: v.to(torch.float16) for k, v in sd.items()}, meta)

    # 2. sd2_peft: rank 2, no alpha, BF16
    gen = torch.Generator().manual_seed(202)
    sd = {}
    for path, mod in unet.items():
        if re.search(r"\.attn[12]\.(to_q|to_k|to_v|to_out\.0)$", path):
            down, up = lora_pair(gen, mod, 2, "linear")
        elif path in PEFT_CONV1:
            down, up = lora_pair(gen, mod, 2, "conv")
        else:
            continue
        sd[f"unet.{path}.lora_A.weight"], sd[f"unet.{path}.lora_B.weight"] = down, up
    for path, mod in te.items():
        if re.search(r"encoder\.layers\.\d+\.(self_attn\.(q|k|v|out)_proj|mlp\.fc[12])$", path):
            down, up = lora_pair(gen, mod, 2, "linear")
            sd[f"text_encoder.{path}.lora_A.weight"], sd[f"text_encoder.{path}.lora_B.weight"] = down, up
    assert all(f"unet.{p}.lora_A.weight" in sd for p in PEFT_CONV1)
    files["sd2_peft"] = ({k: v.to(torch.bfloat16) for k, v in sd.items()}, None)
    return files


# ---------------------------------------------------------------------------------------
# Cases.


def lora_cases():
    raw = [
        dict(name="sd2-kohya", prompts=["a red fox <lora:sd2_kohya:0.9> in the snow"], negatives=["blurry"], seeds=[42], guidance=7.5, steps=4, sampler="ddim"),
        dict(name="sd2-two", prompts=["<lora:sd2_peft:-0.7>a castle <lora:sd2_kohya:0.5>"], negatives=[None], seeds=[3], guidance=5.0, steps=4, sampler="euler_a"),
        dict(name="sd2-batch", prompts=["a cat <lora:sd2_peft:1>", "a dog"], negatives=[None, "ugly"], seeds=[1, 2], guidance=7.5, steps=3, sampler="euler"),
    ]
    return cases_from(raw)


def check_adapter(pipe, adapter, c, i, l):
    """diffusers wrapped every U-Net module of the file, with the same W delta as the hand merge."""
    from peft.tuners.lora import LoraLayer

    mine = {p: (d, u, a) for t, p, d, u, a in parse_lora(lora_file(l["name"]), load_pipe()) if t == "unet"}
    got = {n: m for n, m in pipe.unet.named_modules() if isinstance(m, LoraLayer) and adapter in m.lora_A}
    assert set(got) == set(mine), (adapter, sorted(set(got) ^ set(mine))[:5])
    worst = 0.0
    for p, (d, u, a) in mine.items():
        ref = ((a if a is not None else d.shape[0]) / d.shape[0]) * (u.flatten(1) @ d.flatten(1)).reshape(got[p].get_base_layer().weight.shape)
        with torch.no_grad():
            worst = max(worst, float((got[p].get_delta_weight(adapter) - ref).abs().max() / ref.abs().max()))
    log(f"  {c['name']}[{i}] {l['name']}: diffusers wrapped all {len(got)} U-Net modules of the file; max relative |delta W - hand delta W| = {worst:.1e}")
    assert worst < 1e-5


def main():
    shutil.rmtree(LORA_DIR, ignore_errors=True)
    os.makedirs(LORA_DIR)
    pipe = load_pipe()
    base = pipe.scheduler.config
    assert base["_class_name"] == "DDIMScheduler" and base["prediction_type"] == "v_prediction", base
    assert pipe.unet.config.use_linear_projection and pipe.text_encoder.config.hidden_act == "gelu"
    files = build_lora_files(pipe)
    for name, (sd, meta) in files.items():
        save_sorted_metadata({k: v.contiguous() for k, v in sd.items()}, lora_file(name), meta)
        parsed = parse_lora(lora_file(name), pipe)  # every key names a module of sd2-tiny
        log(f"{name}: {len(parsed)} modules ({sum(t == 'unet' for t, *_ in parsed)} U-Net, {sum(t == 'te' for t, *_ in parsed)} text encoder)")

    cases = lora_cases()
    refs = render_lora_cases(pipe, base, cases, model=SD2, lora_dir=LORA_DIR, check_adapter=check_adapter, exact_without_lora=True)
    save_file({k: v.contiguous() for k, v in refs.items()}, REFS_PATH)
    with open(CASES_PATH, "w") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
    total = 0
    for name in files:
        fn = lora_file(name)
        total += os.path.getsize(fn)
        log(f"{name}: {os.path.getsize(fn)} bytes, {describe_lora(fn)}")
    for fn in (CASES_PATH, REFS_PATH):
        total += os.path.getsize(fn)
        log(f"{os.path.relpath(fn, FIX)}: {os.path.getsize(fn)} bytes")
    log(f"total {total} bytes")
    assert sorted(os.listdir(LORA_DIR)) == sorted(n + ".safetensors" for n in files)


if __name__ == "__main__":
    main()
