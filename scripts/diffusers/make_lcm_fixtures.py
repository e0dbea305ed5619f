#!/usr/bin/env python3
"""Writes the LCM (Latent Consistency Model) reference fixtures the Swift Diffusion tests compare against.

Run by hand (never by CI) from the repository root, after make_reference_fixtures.py has
written Tests/DiffusionTests/Fixtures/sd1-tiny, in the same virtual environment as
make_lora_vae_fixtures.py (torch CPU, diffusers, transformers, peft, safetensors; no
torchvision), whose helpers it imports:

    /tmp/venv/bin/python scripts/diffusers/make_lcm_fixtures.py

Tested with torch 2.13 (CPU), diffusers 0.42.1, transformers 5.25, peft 0.21.2. It is
deterministic (every tensor comes from a seeded torch.Generator) and rewrites:

Tests/DiffusionTests/Fixtures/lcm/
- lcm-scheduler.json: "config" (the default LCMScheduler's config), and diffusers' LCMScheduler.from_config(sd1-tiny's scheduler config), i.e.
  SD 1.5's PNDM config (scaled_linear 0.00085..0.012, 1000 train steps, steps_offset 1 --
  unused by LCM --, set_alpha_to_one false, so final_alpha_cumprod = alphas_cumprod[0])
  plus LCM's defaults original_inference_steps 50, timestep_scaling 10.0, timestep_spacing
  "leading" (unused by LCM's schedule). Three configurations: default (epsilon),
  prediction_type "v_prediction", original_inference_steps=30 (passed to from_config), each
  for num_inference_steps 1, 2, 4, 8. Format:
    {"sample": [16 floats, the [1,4,2,2] start x, seed 7],
     "model_outputs": [[16 floats] x 8, the fixed o_i],
     "generator_seed": 99,
     "cases": [{"steps", "prediction_type", "original_inference_steps", "timesteps",
                "c_skip", "c_out" (per timestep, from get_scalings_for_boundary_condition_discrete),
                "final_alpha_cumprod", "alphas_cumprod_t" (alphas_cumprod[t] per timestep),
                "denoised" and "trajectory" (per step, flattened)}]}
  Replay: x = sample; g = torch.Generator().manual_seed(99) created once per case; for each
  step i: out = s.step(model_outputs[i] + 0.1 * x, t_i, x, generator=g); x = out.prev_sample
  (trajectory[i] = x, denoised[i] = out.denoised).
- lcm_lora.safetensors: an LCM-LoRA-shaped random LoRA for sd1-tiny in kohya naming
  (`lora_unet_<path with _>.lora_down.weight / .lora_up.weight / .alpha`) on every U-Net
  attention Linear (attn1/attn2 to_q, to_k, to_v, to_out.0), every transformer proj_in /
  proj_out (1x1 convs in SD 1: down [r,in,1,1], up [out,r,1,1]) and every resnet conv1 /
  conv2 (3x3: down [r,in,3,3], up [out,r,1,1]) -- as latent-consistency/lcm-lora-sdv1-5
  patches both attention and resnet convs. Rank 4, alpha 4 (scale 1), F16, small random
  values: it only has to change the image.
- lcm-cases.json, and ../refs-lcm.safetensors (`image.<case>`, uint8 NHWC, same u8() as the
  other scripts; beside, not inside, lcm/): sd1-tiny at 64x64 with
  pipe.scheduler = LCMScheduler.from_config(pipe.scheduler.config):
    lcm-lora-g1      LoRA merged, "a red fox in the snow", seed 42, guidance 1.0, 4 steps
    lcm-lora-batch2  LoRA merged, ["a red fox in the snow", "a castle on a hill"], seeds
                     [1, 2] as a list of generators in ONE pipeline call, guidance 1.0, 4 steps
    lcm-g7.5         no LoRA, "a castle on a hill" / negative "blurry", seed 3, guidance 7.5, 2 steps
    lcm-1step        no LoRA, "a lighthouse", seed 5, guidance 1.0, 1 step
  guidance 1.0 means no classifier-free guidance (StableDiffusionPipeline guides only when
  guidance_scale > 1; sd1-tiny has no time_cond_proj_dim, so no guidance embedding either).
  The reference merges the LoRA by hand (W += weight * alpha/rank * up @ down, read back from
  the F16 file, as make_lora_vae_fixtures.py does); "diffusers_check" in the JSON is the max
  |uint8 difference| to diffusers' own load_lora_weights + set_adapters (null if it failed).

What diffusers 0.42.1's LCMScheduler does (schedulers/scheduling_lcm.py, read for this):
- set_timesteps(n): k = num_train_timesteps // original_steps;
  origin = [1..original_steps] * k - 1 (ascending), reversed; indices =
  floor(linspace(0, len(origin), n, endpoint=False)); timesteps = origin_reversed[indices].
  E.g. default, 4 steps: [999, 759, 499, 259].
- step(): the noise for multistep sampling is drawn with
  `randn_tensor(model_output.shape, generator=generator, device=..., dtype=denoised.dtype)`,
  i.e. a torch.randn of the full latent shape from the step's generator (with a list of
  generators, randn_tensor draws a [1, ...] slice from each generator in turn and concatenates),
  and only `if self.step_index != self.num_inference_steps - 1`: no noise is drawn after the
  last step (so none at all for one step); there prev_sample = denoised.
  Through StableDiffusionPipeline the generator(s) are the ones passed to the pipeline
  (prepare_extra_step_kwargs), so each image's step noise continues its own generator's
  stream right after its initial latents.
"""

import copy
import inspect
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_lora_vae_fixtures import (  # noqa: E402  (also: open_clip stand-in, peft version bypass, 1 thread)
    FIX,
    diff,
    load_pipe,
    log,
    lora_pair,
    merge,
    module_tables,
    put_kohya,
    save_sorted_metadata,
    u8,
)

import re  # noqa: E402

from diffusers import LCMScheduler  # noqa: E402

torch.set_num_threads(1)

LCM_DIR = os.path.join(FIX, "lcm")
LORA_NAME = "lcm_lora"
LORA_PATH = os.path.join(LCM_DIR, LORA_NAME + ".safetensors")
REFS_PATH = os.path.join(FIX, "refs-lcm.safetensors")


def flat(t):
    return [float(v) for v in t.flatten()]


# ---------------------------------------------------------------------------------------
# 1. Scheduler.


def scheduler_json(base_config):
    gen = torch.Generator().manual_seed(7)
    sample = torch.randn(1, 4, 2, 2, generator=gen)
    outputs = [torch.randn(1, 4, 2, 2, generator=gen) for _ in range(8)]
    cases = []
    for extra in ({}, {"prediction_type": "v_prediction"}, {"original_inference_steps": 30}):
        for steps in (1, 2, 4, 8):
            s = LCMScheduler.from_config(base_config, **extra)
            s.set_timesteps(steps)
            scal = [s.get_scalings_for_boundary_condition_discrete(t) for t in s.timesteps]
            x = sample.clone()
            g = torch.Generator().manual_seed(99)
            traj, den = [], []
            for i, t in enumerate(s.timesteps):
                out = s.step(outputs[i] + 0.1 * x, t, x, generator=g)
                x = out.prev_sample
                traj.append(flat(x))
                den.append(flat(out.denoised))
            assert torch.equal(x, out.denoised), "the last step must return denoised"
            cases.append(
                dict(
                    steps=steps,
                    prediction_type=s.config.prediction_type,
                    original_inference_steps=s.config.original_inference_steps,
                    timesteps=[int(t) for t in s.timesteps],
                    c_skip=[float(a) for a, _ in scal],
                    c_out=[float(b) for _, b in scal],
                    final_alpha_cumprod=float(s.final_alpha_cumprod),
                    alphas_cumprod_t=[float(s.alphas_cumprod[t]) for t in s.timesteps],
                    denoised=den,
                    trajectory=traj,
                )
            )
            log(f"LCM {extra or 'default'} steps {steps}: timesteps {cases[-1]['timesteps']}")
    # The step draws exactly steps - 1 randn([1,4,2,2]) from g: replay it by hand for one case.
    c = cases[3]  # default, 8 steps
    s = LCMScheduler.from_config(base_config)
    s.set_timesteps(8)
    g = torch.Generator().manual_seed(99)
    x = sample.clone()
    for i, t in enumerate(s.timesteps):
        a_t = s.alphas_cumprod[t]
        a_prev = s.alphas_cumprod[s.timesteps[i + 1]] if i + 1 < len(s.timesteps) else s.final_alpha_cumprod
        cs, co = s.get_scalings_for_boundary_condition_discrete(t)
        eps = outputs[i] + 0.1 * x
        x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
        d = co * x0 + cs * x
        x = a_prev.sqrt() * d + (1 - a_prev).sqrt() * torch.randn(1, 4, 2, 2, generator=g) if i + 1 < len(s.timesteps) else d
    err = max(abs(a - b) for a, b in zip(flat(x), c["trajectory"][-1]))
    log(f"check: hand-written LCM step (steps-1 randn draws from seed 99) vs diffusers, default 8 steps: max |diff| = {err:.2e}")
    assert err < 1e-5
    return dict(
        config={k: v for k, v in dict(s.config).items() if k in inspect.signature(LCMScheduler.__init__).parameters},
        sample=flat(sample),
        model_outputs=[flat(o) for o in outputs],
        generator_seed=99,
        cases=cases,
    )


# ---------------------------------------------------------------------------------------
# 2. LCM-LoRA-shaped random LoRA.


def build_lcm_lora(pipe):
    unet, _ = module_tables(pipe)
    gen = torch.Generator().manual_seed(201)
    rank, alpha = 4, 4.0
    sd = {}
    for path, mod in unet.items():
        attn = re.search(r"\.attn[12]\.(to_q|to_k|to_v|to_out\.0)$", path)
        proj = re.search(r"attentions\.\d+\.(proj_in|proj_out)$", path)
        res = re.search(r"resnets\.\d+\.(conv1|conv2)$", path)
        if not (attn or proj or res):
            continue
        down, up = lora_pair(gen, mod, rank, scale=0.2)
        put_kohya(sd, "unet", path, down, up, alpha)
    return {k: v.to(torch.float16).contiguous() for k, v in sd.items()}, {"ss_network_dim": "4", "ss_network_alpha": "4.0", "ss_network_module": "networks.lora"}


# ---------------------------------------------------------------------------------------
# 3. Pipeline images.

CASES = [
    dict(name="lcm-lora-g1", prompts=["a red fox in the snow"], negatives=[None], seeds=[42], guidance=1.0, steps=4, lora=LORA_NAME),
    dict(name="lcm-lora-batch2", prompts=["a red fox in the snow", "a castle on a hill"], negatives=[None, None], seeds=[1, 2], guidance=1.0, steps=4, lora=LORA_NAME),
    dict(name="lcm-g7.5", prompts=["a castle on a hill"], negatives=["blurry"], seeds=[3], guidance=7.5, steps=2, lora=None),
    dict(name="lcm-1step", prompts=["a lighthouse"], negatives=[None], seeds=[5], guidance=1.0, steps=1, lora=None),
]


def run_lcm(pipe, c, idx=None):
    """The case's images in one pipeline call (idx: only those prompts, for comparison)."""
    idx = list(range(len(c["prompts"]))) if idx is None else idx
    negs = [c["negatives"][i] for i in idx]
    pipe.scheduler = LCMScheduler.from_config(pipe.scheduler.config)
    out = pipe(
        prompt=[c["prompts"][i] for i in idx],
        negative_prompt=None if all(n is None for n in negs) else [n or "" for n in negs],
        num_inference_steps=c["steps"],
        guidance_scale=c["guidance"],
        width=c["width"],
        height=c["height"],
        generator=[torch.Generator().manual_seed(c["seeds"][i]) for i in idx],
        output_type="np",
    ).images
    return u8(out)


def diffusers_lora_pipe():
    pipe = load_pipe()
    pipe.load_lora_weights(load_file(LORA_PATH), adapter_name="lcm")
    pipe.set_adapters(["lcm"], adapter_weights=[1.0])
    return pipe


def main():
    os.makedirs(LCM_DIR, exist_ok=True)
    for f in os.listdir(LCM_DIR):
        os.remove(os.path.join(LCM_DIR, f))
    pipe = load_pipe()
    base = pipe.scheduler.config
    log("sd1-tiny scheduler:", pipe.scheduler.__class__.__name__, {k: base[k] for k in ("beta_schedule", "steps_offset", "set_alpha_to_one", "prediction_type")})

    sched = scheduler_json(base)
    with open(os.path.join(LCM_DIR, "lcm-scheduler.json"), "w") as f:
        json.dump(sched, f, indent=1)

    sd, meta = build_lcm_lora(pipe)
    save_sorted_metadata(sd, LORA_PATH, meta)
    n_mod = len(sd) // 3
    log(f"{LORA_NAME}.safetensors: {len(sd)} tensors ({n_mod} modules), e.g. " + ", ".join(f"{k} {list(sd[k].shape)}" for k in sorted(sd)[:3]))

    merged = copy.deepcopy(pipe)
    merge(merged, LORA_PATH, 1.0, parts=("unet",))
    dpipe = None
    try:
        dpipe = diffusers_lora_pipe()
    except Exception as e:  # noqa: BLE001 -- report, do not fail the run
        log(f"WARNING: diffusers could not load {LORA_NAME}: {type(e).__name__}: {e}")

    refs, cases = {}, []
    for c in CASES:
        c = dict(c, width=64, height=64, sampler="lcm", lora_weight=1.0)
        p = merged if c["lora"] else pipe
        img = run_lcm(p, c)
        refs["image." + c["name"]] = img
        sat = float(((img == 0) | (img == 255)).float().mean())
        msg = f"{c['name']}: {list(img.shape)} mean {float(img.float().mean()):.1f} std {float(img.float().std()):.1f} saturated {sat:.3f}"
        if c["lora"]:
            plain = run_lcm(pipe, c)
            msg += f"; vs no LoRA mean |uint8 diff| {float((img.float() - plain.float()).abs().mean()):.2f}"
            c["diffusers_check"] = None
            if dpipe is not None:
                try:
                    c["diffusers_check"] = diff(img, run_lcm(dpipe, c))
                except Exception as e:  # noqa: BLE001
                    log(f"WARNING: {c['name']}: diffusers LoRA run failed: {type(e).__name__}: {e}")
            msg += f"; diffusers load_lora_weights+set_adapters vs manual merge: max |uint8 diff| = {c['diffusers_check']}"
        if len(c["prompts"]) > 1:
            singles = torch.cat([run_lcm(p, c, [i]) for i in range(len(c["prompts"]))])
            msg += f"; batched vs one-at-a-time max |uint8 diff| {diff(img, singles)}"
        log(msg)
        cases.append(c)
    # determinism: the first case again, from a fresh pipeline
    again = copy.deepcopy(load_pipe())
    merge(again, LORA_PATH, 1.0, parts=("unet",))
    log(f"rerun lcm-lora-g1 from a fresh pipeline: max |uint8 diff| = {diff(refs['image.lcm-lora-g1'], run_lcm(again, dict(CASES[0], width=64, height=64)))}")

    save_file({k: v.contiguous() for k, v in refs.items()}, REFS_PATH)
    with open(os.path.join(LCM_DIR, "lcm-cases.json"), "w") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
    for fn in sorted(os.listdir(LCM_DIR)) + [os.path.relpath(REFS_PATH, LCM_DIR)]:
        log(f"  lcm/{fn}: {os.path.getsize(os.path.join(LCM_DIR, fn))} bytes")


if __name__ == "__main__":
    main()
