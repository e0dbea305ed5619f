#!/usr/bin/env python3
"""Writes the SD 2.x LoRA reference fixtures the Swift Diffusion tests compare against.

The sd2-tiny counterpart of make_lora_vae_fixtures.py (whose helpers it imports: the
open_clip stand-in, the peft version bypass, the LoRA file parser and merge, run_one).
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

import copy
import json
import os
import re
import shutil
import sys

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_lora_vae_fixtures import (  # noqa: E402  (also: open_clip stand-in, peft version bypass, 1 thread)
    FIX,
    diff,
    kohya_name,
    log,
    lora_pair,
    merge,
    module_tables,
    parse_lora,
    parse_tags,
    run_one,
    save_sorted_metadata,
)

from diffusers import StableDiffusionPipeline  # noqa: E402

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
    pipe = StableDiffusionPipeline.from_pretrained(SD2, torch_dtype=torch.float32, safety_checker=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def lora_file(name):
    return os.path.join(LORA_DIR, name + ".safetensors")


# ---------------------------------------------------------------------------------------
# Random LoRA files.


def build_lora_files(pipe):
    unet, te = module_tables(pipe)
    files = {}

    # 1. sd2_kohya: rank 4, alpha 1.5, F16
    gen = torch.Generator().manual_seed(201)
    sd = {}
    alpha = torch.tensor(1.5)
    for path, mod in unet.items():
        attn = re.search(r"\.attn[12]\.(to_q|to_k|to_v|to_out\.0)$", path) or path.endswith((".ff.net.0.proj", ".ff.net.2"))
        proj = re.search(r"attentions\.\d+\.(proj_in|proj_out)$", path)
        if not (attn or proj):
            continue
        assert isinstance(mod, torch.nn.Linear), f"{path} is not Linear in sd2-tiny"
        down, up = lora_pair(gen, mod, 4, "linear")
        k = kohya_name("unet", path)
        sd[k + ".lora_down.weight"], sd[k + ".lora_up.weight"], sd[k + ".alpha"] = down, up, alpha.clone()
    for path, mod in te.items():
        if re.search(r"encoder\.layers\.\d+\.(self_attn\.(q|k|v|out)_proj|mlp\.fc[12])$", path):
            down, up = lora_pair(gen, mod, 4, "linear")
            k = kohya_name("te", path)
            sd[k + ".lora_down.weight"], sd[k + ".lora_up.weight"], sd[k + ".alpha"] = down, up, alpha.clone()
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
    cases = []
    for c in raw:
        stripped, loras = zip(*(parse_tags(p) for p in c["prompts"]))
        cases.append(
            dict(
                name=c["name"],
                prompts=c["prompts"],
                prompts_without_tags=list(stripped),
                negatives=c["negatives"],
                seeds=c["seeds"],
                guidance=c["guidance"],
                steps=c["steps"],
                width=64,
                height=64,
                sampler=c["sampler"],
                loras=list(loras),
            )
        )
    return cases


def plain_image(pipe, base, c, i):
    return run_one(pipe, base, c["sampler"], c["prompts_without_tags"][i], c["negatives"][i], c["seeds"][i], c["guidance"], c["steps"])


def reference_image(base_pipe, base, c, i, parts=("unet", "te")):
    pipe = copy.deepcopy(base_pipe)
    for l in c["loras"][i]:
        merge(pipe, lora_file(l["name"]), l["weight"], parts)
    return plain_image(pipe, base, c, i)


def diffusers_unet_image(base, c, i):
    """diffusers' own LoRA loading, U-Net half only (text-encoder keys removed)."""
    from peft.tuners.lora import LoraLayer

    pipe = load_pipe()
    names, weights = [], []
    for j, l in enumerate(c["loras"][i]):
        sd = {k: v for k, v in load_file(lora_file(l["name"])).items() if not k.startswith(("lora_te", "text_encoder."))}
        adapter = f"a{j}_{l['name']}"
        mine = {p: (d, u, a) for t, p, d, u, a in parse_lora(lora_file(l["name"]), load_pipe()) if t == "unet"}
        pipe.load_lora_weights(sd, adapter_name=adapter)
        # every U-Net module of the file got this adapter, with the same W delta as the hand merge
        got = {n: m for n, m in pipe.unet.named_modules() if isinstance(m, LoraLayer) and adapter in m.lora_A}
        assert set(got) == set(mine), (adapter, sorted(set(got) ^ set(mine))[:5])
        worst = 0.0
        for p, (d, u, a) in mine.items():
            ref = ((a if a is not None else d.shape[0]) / d.shape[0]) * (u.flatten(1) @ d.flatten(1)).reshape(got[p].get_base_layer().weight.shape)
            with torch.no_grad():
                worst = max(worst, float((got[p].get_delta_weight(adapter) - ref).abs().max() / ref.abs().max()))
        log(f"  {c['name']}[{i}] {l['name']}: diffusers wrapped all {len(got)} U-Net modules of the file; max relative |delta W - hand delta W| = {worst:.1e}")
        assert worst < 1e-5
        names.append(adapter)
        weights.append(l["weight"])
    if names:
        pipe.set_adapters(names, adapter_weights=weights)
    return plain_image(pipe, base, c, i)


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
    refs = {}
    for c in cases:
        imgs, checks, plain_diffs = [], [], []
        for i in range(len(c["prompts"])):
            img = reference_image(pipe, base, c, i)
            imgs.append(img)
            plain = plain_image(pipe, base, c, i)
            plain_diffs.append(round(float((img.float() - plain.float()).abs().mean()), 2) if c["loras"][i] else None)
            if not c["loras"][i]:
                assert torch.equal(img, plain)
                checks.append(0)
                continue
            try:
                mine = reference_image(pipe, base, c, i, parts=("unet",))
                theirs = diffusers_unet_image(base, c, i)
                checks.append(diff(mine, theirs))
                mean_te = float((img.float() - mine.float()).abs().mean())
                applied = float((theirs.float() - plain.float()).abs().mean())
                log(f"  {c['name']}[{i}]: diffusers U-Net LoRA vs manual U-Net merge: max |uint8 diff| = {checks[-1]} (diffusers' image differs from the no-LoRA image by mean {applied:.2f}, so it did apply the LoRA); the text-encoder half moves the full reference by mean {mean_te:.2f}")
            except Exception as e:  # noqa: BLE001 -- report, do not fail the run
                log(f"WARNING: {c['name']}[{i}]: diffusers could not load the U-Net half: {type(e).__name__}: {e}")
                checks.append(None)
        img = torch.cat(imgs)
        refs["image." + c["name"]] = img
        c["diffusers_unet_check"] = None if any(x is None for x in checks) else max(checks)
        sat = float(((img == 0) | (img == 255)).float().mean())
        log(f"{c['name']}: {list(img.shape)}; LoRA vs no LoRA mean |uint8 diff| per image {plain_diffs}; saturated fraction {sat:.3f}; mean {float(img.float().mean()):.1f} std {float(img.float().std()):.1f}; diffusers_unet_check {c['diffusers_unet_check']}")
    save_file({k: v.contiguous() for k, v in refs.items()}, REFS_PATH)
    with open(CASES_PATH, "w") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
    total = 0
    for name in files:
        fn = lora_file(name)
        sd = load_file(fn)
        ks = sorted(sd)
        total += os.path.getsize(fn)
        log(f"{name}: {os.path.getsize(fn)} bytes, {len(sd)} tensors, dtypes {sorted({str(v.dtype) for v in sd.values()})}, e.g. " + ", ".join(f"{k} {list(sd[k].shape)}" for k in ks[:3]))
    for fn in (CASES_PATH, REFS_PATH):
        total += os.path.getsize(fn)
        log(f"{os.path.relpath(fn, FIX)}: {os.path.getsize(fn)} bytes")
    log(f"total {total} bytes")
    assert sorted(os.listdir(LORA_DIR)) == sorted(n + ".safetensors" for n in files)


if __name__ == "__main__":
    main()
