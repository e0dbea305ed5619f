#!/usr/bin/env python3
"""Writes an LCM-distilled tiny model (laid out as SimianLuo/LCM_Dreamshaper_v7) and its references.

Run by hand (never by CI) from the repository root, after make_reference_fixtures.py has
written Tests/DiffusionTests/Fixtures/sd1-tiny, in the same virtual environment as
make_lora_vae_fixtures.py (torch CPU, diffusers, transformers, safetensors; no
torchvision), whose helpers it imports (open_clip stand-in, 1 thread, u8, diff):

    /tmp/venv/bin/python scripts/diffusers/make_lcm_model_fixtures.py

Tested with torch 2.13 (CPU), diffusers 0.42.1, transformers 5.25. Deterministic (every
tensor comes from a seeded torch.Generator; two runs give byte-identical files). Rewrites:

Tests/DiffusionTests/Fixtures/lcm-tiny/ -- a diffusers LatentConsistencyModelPipeline folder:
- tokenizer/, text_encoder/, vae/: byte copies of sd1-tiny's.
- unet/: config = sd1-tiny's UNet2DConditionModel config + "time_cond_proj_dim": 16, so
  time_embedding gets `cond_proj = Linear(16, block_out_channels[0] = 8, bias=False)`
  (weight [8, 16]). Weights: every sd1-tiny U-Net tensor as is (all shapes match; the
  only missing key is time_embedding.cond_proj.weight, checked), plus cond_proj.weight =
  COND_SCALE (2) * randn([8,16], torch.Generator seed 2024) / sqrt(16), rounded to
  F16-exact values like sd1-tiny's (no zeros): cond_proj(embedding) has rms ~0.97 against
  the sinusoidal t_emb's 0.71, so it moves the U-Net output a lot (see the checks). F32
  safetensors (diffusion_pytorch_model.safetensors, ~0.9 MB).
- scheduler/scheduler_config.json: LCMScheduler.from_config(sd1-tiny's PNDM config), i.e.
  scaled_linear 0.00085..0.012, 1000 train steps, original_inference_steps 50,
  timestep_scaling 10, prediction epsilon, set_alpha_to_one false, steps_offset 1 (the
  last two come from SD 1.5's PNDM config; LCMScheduler's own defaults are true / 0), with
  PNDM's skip_prk_steps dropped (LCMScheduler does not take it). The
  real LCM_Dreamshaper_v7 scheduler_config.json could not be consulted here (no copy in
  the references available), so this is the brief's fallback. Neither value changes any
  output: LCMScheduler.step reads final_alpha_cumprod only when prev_timestep < 0, which
  never happens (the last step uses prev_timestep = timestep and returns denoised), and
  steps_offset is not used by LCM's set_timesteps.
- model_index.json: "_class_name": "LatentConsistencyModelPipeline", scheduler
  ["diffusers", "LCMScheduler"], safety_checker / feature_extractor / image_encoder null,
  requires_safety_checker false (written by diffusers' own save_pretrained).

Tests/DiffusionTests/Fixtures/refs-lcm-tiny.safetensors:
- image.<case>: uint8 NHWC, from diffusers'
  LatentConsistencyModelPipeline.from_pretrained(lcm-tiny, safety_checker=None,
  requires_safety_checker=False) at 64x64, output_type "np", u8() as the other scripts,
  generator = one torch.Generator per image (a list, in ONE pipeline call):
    lcm-w8.5-4steps  "a red fox in the snow", seed 42, guidance_scale 8.5, 4 steps
    lcm-w1-2steps    "a castle on a hill", seed 3, guidance 1.0 (w = 0), 2 steps
    lcm-batch2       ["a red fox in the snow", "a lighthouse"], seeds [1, 2], guidance 8.5, 4 steps
- unet.sample [1,4,8,8] and unet.encoder_hidden_states [1,77,8] (randn, seed 77, in that
  order), unet.timestep [1] = 999, unet.timestep_cond [1,16] = the pipeline's own
  pipe.get_guidance_scale_embedding(torch.tensor([7.5]), embedding_dim=16), i.e. w = 7.5
  (what the pipeline builds for guidance_scale 8.5), unet.out = unet(sample, 999,
  encoder_hidden_states, timestep_cond=unet.timestep_cond).sample; all float32.
- guidance_embedding.w7.5 [1,16]: that embedding (== unet.timestep_cond), and
  guidance_embedding.w0 [1,16] (w = 0, guidance_scale 1.0: [0]*8 + [1]*8).
Tests/DiffusionTests/Fixtures/lcm-tiny-cases.json: name, prompts, seeds, guidance, steps,
  width, height, and w = guidance - 1 and the scheduler's timesteps for the record.

What the pipeline does (diffusers 0.42.1 pipeline_latent_consistency_text2img.py, read for this):
- do_classifier_free_guidance is always False: the prompt is encoded alone (negative_prompt
  is forced to None, there is no negative prompt argument), one U-Net call per step.
- w = torch.tensor(guidance_scale - 1).repeat(batch); w_embedding =
  get_guidance_scale_embedding(w, embedding_dim=unet.config.time_cond_proj_dim), passed to
  the U-Net as timestep_cond, where TimestepEmbedding does
  sample = t_emb + cond_proj(w_embedding) before linear_1.
- latents = randn_tensor([B,4,H/8,W/8], generator) * init_noise_sigma (1.0); each step
  latents, denoised = scheduler.step(model_pred, t, latents, generator=generator); the
  LAST step's `denoised` is decoded: vae.decode(denoised / scaling_factor).

Verified when run (printed):
- the guidance embedding written by hand (below) equals the pipeline's method exactly;
- a hand-written sampling loop (text encoder -> randn latents -> unet with timestep_cond ->
  LCMScheduler.step -> decode denoised) reproduces each case's pipeline image exactly;
- cond_proj matters: unet.out with timestep_cond=None, and with zeros, differ from the
  reference by a clearly non-zero amount; and the guidance scale changes the image;
- the images of different cases differ; lcm-batch2 equals its images made one at a time
  to within 1 uint8 level (batched float arithmetic; the reference is the batched call);
- the saved unet/ folder loads back (from_pretrained) with tensors equal to the in-memory U-Net.
"""

import inspect
import json
import math
import os
import shutil
import sys
import tempfile

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_lora_vae_fixtures import FIX, SD1, diff, log, u8  # noqa: E402  (also: open_clip stand-in, peft bypass, 1 thread)

from diffusers import (  # noqa: E402
    AutoencoderKL,
    LatentConsistencyModelPipeline,
    LCMScheduler,
    UNet2DConditionModel,
)
from transformers import CLIPTextModel, CLIPTokenizer  # noqa: E402

torch.set_num_threads(1)

OUT = os.path.join(FIX, "lcm-tiny")
REFS_PATH = os.path.join(FIX, "refs-lcm-tiny.safetensors")
CASES_PATH = os.path.join(FIX, "lcm-tiny-cases.json")
COND_DIM = 16
COND_SCALE = 2.0  # cond_proj weights ~ COND_SCALE * N(0, 1/16)

CASES = [
    dict(name="lcm-w8.5-4steps", prompts=["a red fox in the snow"], seeds=[42], guidance=8.5, steps=4),
    dict(name="lcm-w1-2steps", prompts=["a castle on a hill"], seeds=[3], guidance=1.0, steps=2),
    dict(name="lcm-batch2", prompts=["a red fox in the snow", "a lighthouse"], seeds=[1, 2], guidance=8.5, steps=4),
]


def guidance_embedding(w, dim=COND_DIM):
    """get_guidance_scale_embedding written out: w * 1000 times exp(-i * ln(10000) / (dim/2 - 1)),
    i = 0..dim/2-1; [sin, cos] (NOT flipped, unlike the timestep embedding)."""
    w = torch.as_tensor(w, dtype=torch.float32).reshape(-1) * 1000.0
    half = dim // 2
    freqs = torch.exp(torch.arange(half, dtype=torch.float32) * -(math.log(10000.0) / (half - 1)))
    e = w[:, None] * freqs[None, :]
    return torch.cat([torch.sin(e), torch.cos(e)], dim=1)


# ---------------------------------------------------------------------------------------
# 1. The model folder.


def build_unet():
    base = UNet2DConditionModel.from_pretrained(os.path.join(SD1, "unet"), torch_dtype=torch.float32)
    cfg = {k: v for k, v in dict(base.config).items() if not k.startswith("_")}
    cfg["time_cond_proj_dim"] = COND_DIM
    unet = UNet2DConditionModel.from_config(cfg).eval()
    missing, unexpected = unet.load_state_dict(base.state_dict(), strict=False)
    assert missing == ["time_embedding.cond_proj.weight"] and not unexpected, (missing, unexpected)
    w = unet.time_embedding.cond_proj.weight
    gen = torch.Generator().manual_seed(2024)
    v = COND_SCALE * torch.randn(w.shape, generator=gen) / w.shape[1] ** 0.5
    v = v.to(torch.float16).to(torch.float32)
    v[v == 0] = 0.0078125
    with torch.no_grad():
        w.copy_(v)
    assert unet.time_embedding.cond_proj.bias is None
    log(f"unet: {sum(p.numel() for p in unet.parameters())} parameters; cond_proj.weight {list(w.shape)} "
        f"std {float(w.detach().std()):.3f}; sd1-tiny time_embedding.linear_1.weight {list(unet.time_embedding.linear_1.weight.shape)}")
    return unet


def write_folder(unet):
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    for sub in ("tokenizer", "text_encoder", "vae"):
        shutil.copytree(os.path.join(SD1, sub), os.path.join(OUT, sub))
    # LCMScheduler.from_config(PNDM config), minus the PNDM-only key (skip_prk_steps) that
    # from_config would carry along into the saved file.
    sched = LCMScheduler.from_config(LCMScheduler.load_config(os.path.join(SD1, "scheduler")))
    sched = LCMScheduler(**{k: v for k, v in dict(sched.config).items() if k in inspect.signature(LCMScheduler.__init__).parameters})
    pipe = LatentConsistencyModelPipeline(
        vae=AutoencoderKL.from_pretrained(os.path.join(SD1, "vae")),
        text_encoder=CLIPTextModel.from_pretrained(os.path.join(SD1, "text_encoder")),
        tokenizer=CLIPTokenizer.from_pretrained(os.path.join(SD1, "tokenizer")),
        unet=unet,
        scheduler=sched,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    # diffusers writes model_index.json, unet/ and scheduler/; the other three folders are
    # sd1-tiny's files (transformers 5 would rewrite the tokenizer as tokenizer.json only).
    with tempfile.TemporaryDirectory() as tmp:
        pipe.save_pretrained(tmp, safe_serialization=True)
        shutil.copy(os.path.join(tmp, "model_index.json"), OUT)
        for sub in ("unet", "scheduler"):
            shutil.copytree(os.path.join(tmp, sub), os.path.join(OUT, sub))
    back = UNet2DConditionModel.from_pretrained(os.path.join(OUT, "unet"), torch_dtype=torch.float32)
    a, b = unet.state_dict(), back.state_dict()
    assert set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)
    st = load_file(os.path.join(OUT, "unet", "diffusion_pytorch_model.safetensors"))
    assert all(t.dtype == torch.float32 for t in st.values())
    log(f"check: unet/ reloads with all {len(a)} tensors equal (F32 on disk); time_cond_proj_dim = {back.config.time_cond_proj_dim}")
    with open(os.path.join(OUT, "model_index.json")) as f:
        log("model_index.json:", json.dumps(json.load(f)))
    with open(os.path.join(OUT, "scheduler", "scheduler_config.json")) as f:
        log("scheduler_config.json:", json.dumps(json.load(f)))


def load_lcm():
    pipe = LatentConsistencyModelPipeline.from_pretrained(OUT, torch_dtype=torch.float32, safety_checker=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    assert isinstance(pipe.scheduler, LCMScheduler), type(pipe.scheduler)
    return pipe


# ---------------------------------------------------------------------------------------
# 2. References.


def run_case(pipe, c, idx=None):
    idx = list(range(len(c["prompts"]))) if idx is None else idx
    out = pipe(
        prompt=[c["prompts"][i] for i in idx],
        num_inference_steps=c["steps"],
        guidance_scale=c["guidance"],
        width=64,
        height=64,
        generator=[torch.Generator().manual_seed(c["seeds"][i]) for i in idx],
        output_type="np",
    ).images
    return u8(out)


@torch.no_grad()
def hand_loop(pipe, c, guidance=None):
    """The LCM pipeline written out, for checking (and to show what it does)."""
    guidance = c["guidance"] if guidance is None else guidance
    tok = pipe.tokenizer(c["prompts"], padding="max_length", max_length=pipe.tokenizer.model_max_length, truncation=True, return_tensors="pt")
    ctx = pipe.text_encoder(tok.input_ids)[0]
    gens = [torch.Generator().manual_seed(s) for s in c["seeds"]]
    x = torch.cat([torch.randn(1, 4, 8, 8, generator=g) for g in gens])
    s = LCMScheduler.from_config(pipe.scheduler.config)
    s.set_timesteps(c["steps"])
    cond = guidance_embedding([guidance - 1] * len(c["prompts"]))
    for t in s.timesteps:
        eps = pipe.unet(x, t, encoder_hidden_states=ctx, timestep_cond=cond).sample
        x, denoised = s.step(eps, t, x, generator=gens, return_dict=False)
    img = pipe.vae.decode(denoised / pipe.vae.config.scaling_factor).sample
    return u8(((img / 2 + 0.5).clamp(0, 1)).permute(0, 2, 3, 1).float().numpy())


def main():
    unet = build_unet()
    write_folder(unet)
    pipe = load_lcm()
    unet = pipe.unet

    # guidance embedding: hand formula == pipeline's
    for w in (7.5, 6.5, 0.0, 0.5):
        mine, theirs = guidance_embedding([w]), pipe.get_guidance_scale_embedding(torch.tensor([w]), embedding_dim=COND_DIM)
        assert torch.equal(mine, theirs), (w, mine, theirs)
    log("check: hand-written guidance embedding == pipe.get_guidance_scale_embedding (w = 7.5, 6.5, 0, 0.5): exactly equal")

    refs = {}
    for w in (7.5, 0.0):
        refs[f"guidance_embedding.w{w:g}"] = pipe.get_guidance_scale_embedding(torch.tensor([w]), embedding_dim=COND_DIM)
    log("guidance_embedding.w7.5 =", [round(float(v), 5) for v in refs["guidance_embedding.w7.5"][0]])
    log("guidance_embedding.w0   =", [round(float(v), 5) for v in refs["guidance_embedding.w0"][0]])

    # U-Net call
    g = torch.Generator().manual_seed(77)
    x = torch.randn(1, 4, 8, 8, generator=g)
    ctx = torch.randn(1, 77, 8, generator=g)
    t = torch.tensor(999)
    cond = pipe.get_guidance_scale_embedding(torch.tensor([7.5]), embedding_dim=COND_DIM)
    assert torch.equal(cond, refs["guidance_embedding.w7.5"])
    with torch.no_grad():
        out = unet(x, t, encoder_hidden_states=ctx, timestep_cond=cond).sample
        out_none = unet(x, t, encoder_hidden_states=ctx).sample
        out_zero = unet(x, t, encoder_hidden_states=ctx, timestep_cond=torch.zeros_like(cond)).sample
        out_w0 = unet(x, t, encoder_hidden_states=ctx, timestep_cond=refs["guidance_embedding.w0"]).sample
        temb = unet.time_proj(t[None])
        proj = unet.time_embedding.cond_proj(cond)
    refs.update({"unet.sample": x, "unet.encoder_hidden_states": ctx, "unet.timestep": torch.tensor([999.0]), "unet.timestep_cond": cond, "unet.out": out})
    log(f"unet.out: mean {float(out.mean()):.4f} std {float(out.std()):.4f}")
    log(f"check: time_proj(999) (|.|max {float(temb.abs().max()):.3f}, rms {float(temb.pow(2).mean().sqrt()):.3f}) vs cond_proj(w7.5 embedding) (rms {float(proj.pow(2).mean().sqrt()):.3f})")
    for name, o in (("timestep_cond=None", out_none), ("timestep_cond=zeros", out_zero), ("timestep_cond=w0 embedding", out_w0)):
        log(f"check: unet.out vs {name}: max |diff| {float((out - o).abs().max()):.4f}, mean |diff| {float((out - o).abs().mean()):.4f} (out std {float(out.std()):.4f})")
    assert float((out - out_none).abs().max()) > 1e-2
    assert torch.equal(out_none, out_zero), "cond_proj has no bias: zeros must equal None"

    cases = []
    for c in CASES:
        c = dict(c, width=64, height=64, w=c["guidance"] - 1)
        s = LCMScheduler.from_config(pipe.scheduler.config)
        s.set_timesteps(c["steps"])
        c["timesteps"] = [int(v) for v in s.timesteps]
        img = run_case(pipe, c)
        refs["image." + c["name"]] = img
        sat = float(((img == 0) | (img == 255)).float().mean())
        msg = f"{c['name']}: {list(img.shape)} timesteps {c['timesteps']} mean {float(img.float().mean()):.1f} std {float(img.float().std()):.1f} saturated {sat:.3f}"
        msg += f"; hand loop vs pipeline max |uint8 diff| {diff(img, hand_loop(pipe, c))}"
        other = 1.0 if c["guidance"] != 1.0 else 8.5
        alt = hand_loop(pipe, c, guidance=other)
        msg += f"; vs guidance {other} mean |uint8 diff| {float((img.float() - alt.float()).abs().mean()):.2f}"
        if len(c["prompts"]) > 1:
            singles = torch.cat([run_case(pipe, c, [i]) for i in range(len(c["prompts"]))])
            msg += f"; batched vs one-at-a-time max |uint8 diff| {diff(img, singles)}"
            msg += f"; image 0 vs image 1 mean |uint8 diff| {float((img[0].float() - img[1].float()).abs().mean()):.2f}"
        log(msg)
        cases.append(c)
    names = [c["name"] for c in cases]
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            a, b = refs["image." + names[i]][0].float(), refs["image." + names[j]][0].float()
            log(f"check: {names[i]}[0] vs {names[j]}[0]: mean |uint8 diff| {float((a - b).abs().mean()):.2f}")
    again = run_case(load_lcm(), cases[0])
    log(f"check: rerun {names[0]} from a fresh pipeline: max |uint8 diff| = {diff(refs['image.' + names[0]], again)}")

    save_file({k: v.contiguous() for k, v in sorted(refs.items())}, REFS_PATH)
    with open(CASES_PATH, "w") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
    total = 0
    for root, _, files in sorted(os.walk(OUT)):
        for fn in sorted(files):
            p = os.path.join(root, fn)
            total += os.path.getsize(p)
            log(f"  {os.path.relpath(p, FIX)}: {os.path.getsize(p)} bytes")
            os.chmod(p, 0o644)  # save_pretrained's temporary files are 0600
    log(f"lcm-tiny/ total {total} bytes")
    for p in (REFS_PATH, CASES_PATH):
        log(f"  {os.path.relpath(p, FIX)}: {os.path.getsize(p)} bytes")


if __name__ == "__main__":
    main()
