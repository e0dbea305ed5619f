#!/usr/bin/env python3
"""Writes the reference fixtures the Swift Diffusion tests compare against.

Run by hand (never by CI) from the repository root, in a virtual environment with
diffusers + torch on the CPU:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch diffusers transformers \
        safetensors open_clip_torch scipy
    /tmp/venv/bin/python scripts/diffusers/make_reference_fixtures.py

It is deterministic (fixed seeds) and rewrites Tests/DiffusionTests/Fixtures/ and the
shipped CLIP vocabulary in Sources/Diffusion/Resources/.

What it builds
- sd1-tiny: random weights with SD 1.5's block structure (CrossAttnDown x3 + Down,
  layers_per_block 2, 4 VAE levels, QuickGELU CLIP) but tiny channel counts; epsilon
  prediction, PNDM scheduler config exactly as SD 1.5 ships it.
- sd2-tiny: the SD 2.x variant: v-prediction, use_linear_projection, per-block head
  counts, GELU text tower, pad token "!" (id 0), DDIM scheduler config as SD 2.1 ships it.
Each model is written twice: as a diffusers folder (<name>/) and as one single-file
checkpoint in the original Stable Diffusion key layout (<name>.safetensors; SD 1 in
fp16, SD 2 in bf16 with an OpenCLIP text tower that has one extra, unused last block,
as real SD 2 checkpoints do). Every weight is re-initialised non-zero (diffusers and
transformers zero some biases and output projections, which would hide swapped or
missing tensors) and rounded to the checkpoint's storage type, so that both layouts
hold exactly the same numbers. The single-file checkpoints are verified by loading them
back with diffusers' own `from_single_file` converter.

Reference outputs (refs-*.safetensors, *.json): tokenizer ids for hard prompts,
text-encoder states (with and without clip skip), one U-Net output, one VAE decode,
each scheduler's timesteps/sigmas and one step(), torch-seeded noise, and full-pipeline
images (uint8) for every sampler at guidance 1 and 7.5, with/without negative prompt,
square and 64x96, and a batched run with one generator per image.

The CLIP BPE merges come from the open_clip_torch wheel (bpe_simple_vocab_16e6.txt.gz,
OpenAI CLIP, MIT licence).
"""

import gzip
import json
import os
import shutil
import sys

import numpy as np
import torch
from safetensors.torch import save_file

import open_clip
from diffusers import (
    AutoencoderKL,
    DDIMScheduler,
    DPMSolverMultistepScheduler,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    LMSDiscreteScheduler,
    PNDMScheduler,
    StableDiffusionPipeline,
    UNet2DConditionModel,
)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(ROOT, "Tests", "DiffusionTests", "Fixtures")
RES = os.path.join(ROOT, "Sources", "Diffusion", "Resources")
torch.set_num_threads(1)

# ---------------------------------------------------------------------------------------
# CLIP vocabulary (vocab.json + merges.txt in the Hugging Face layout) from open_clip's file.


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def write_vocab(dir_):
    path = os.path.join(os.path.dirname(open_clip.__file__), "bpe_simple_vocab_16e6.txt.gz")
    merges = gzip.open(path).read().decode("utf-8").split("\n")
    merges = merges[1 : 49152 - 256 - 2 + 1]
    merges = [tuple(m.split()) for m in merges]
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab]
    for m in merges:
        vocab.append("".join(m))
    vocab.extend(["<|startoftext|>", "<|endoftext|>"])
    os.makedirs(dir_, exist_ok=True)
    with open(os.path.join(dir_, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({t: i for i, t in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(dir_, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")


def make_tokenizer(dir_, pad):
    tok = CLIPTokenizer(
        os.path.join(dir_, "vocab.json"),
        os.path.join(dir_, "merges.txt"),
        pad_token=pad,
        model_max_length=77,
    )
    return tok


HARD_PROMPTS = [
    "a photo of an astronaut riding a horse on mars",
    "",
    "A Café in Zürich, naïve façade — crème brûlée",
    "don't won't it's we're they've I'm you'll he'd O'Neil's",
    "1234567 apples and 3.14159 pies, 2026-11-25",
    "   lots   of\tspace\n\nand  newlines   ",
    "emoji 🚀🔥 and 👩‍👩‍👧 family, ❤️",
    "日本語のテキスト 中文 한국어",
    "Ünïcödé ŁÓDŹ straße ΑΘΗΝΑ İstanbul",
    "punctuation!!! ?? ... ;-) (parens) [brackets] {braces} <angle> #hash @at",
    "&amp; “curly quotes” ﬁne ligature ｆｕｌｌ ｗｉｄｔｈ",
    "masterpiece, best quality, (detailed:1.2), 8k uhd, dslr",
    " ".join(["word"] * 90),
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "ΟΔΟΣ ΣΟΦΟΣ ǅ ǈ ß ẞ ﬃ",
    "Ａ\u3000Ｂ\u00a0c\u2028d\u200bz e\u0301 é",
    "<|endoftext|>hi<|startoftext|> a!b!!c",
    "hello\r\nworld\ttab ٣ ½ ² x²",
    "x" * 300,
]

# ---------------------------------------------------------------------------------------
# Tiny models.


def reinit_(module, gen, storage_dtype):
    """Every parameter non-zero: weights ~ N(0, 1/fan_in), norm scales ~ 1 + 0.1 N, biases
    ~ 0.1 N. Rounded to the storage dtype so fp32 folders equal the fp16/bf16 files."""
    for name, p in module.named_parameters():
        with torch.no_grad():
            if p.ndim >= 2:
                fan_in = p[0].numel()
                v = torch.randn(p.shape, generator=gen) / fan_in**0.5
                if "embedding" in name:
                    v = torch.randn(p.shape, generator=gen) * 0.5
            elif "norm" in name and name.endswith("weight"):
                v = 1 + 0.1 * torch.randn(p.shape, generator=gen)
            else:
                v = 0.1 * torch.randn(p.shape, generator=gen)
            v = v.to(storage_dtype).to(torch.float32)
            v[v == 0] = 0.0078125
            p.copy_(v)


def build_models(kind):
    gen = torch.Generator().manual_seed(1234 if kind == "sd1" else 5678)
    sd2 = kind == "sd2"
    storage = torch.bfloat16 if sd2 else torch.float16
    text_cfg = CLIPTextConfig(
        vocab_size=49408,
        hidden_size=8,
        intermediate_size=20,
        num_hidden_layers=2,
        num_attention_heads=1,  # hidden/64 (min 1), what a single file's shapes imply
        max_position_embeddings=77,
        hidden_act="gelu" if sd2 else "quick_gelu",
        projection_dim=8,
        bos_token_id=49406,
        eos_token_id=49407,
        pad_token_id=0 if sd2 else 49407,
    )
    text = CLIPTextModel(text_cfg).eval()
    unet = UNet2DConditionModel(
        sample_size=8,
        in_channels=4,
        out_channels=4,
        down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        block_out_channels=(8, 16, 16, 16),
        layers_per_block=2,
        norm_num_groups=2,
        cross_attention_dim=8,
        attention_head_dim=(1, 2, 2, 2) if sd2 else 8,  # SD1: 8 heads; SD2: head width min(64, narrowest block)
        use_linear_projection=sd2,
        upcast_attention=sd2,
    ).eval()
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(8, 16, 16, 16),
        layers_per_block=2,
        latent_channels=4,
        norm_num_groups=2,
        sample_size=64,
    ).eval()
    for m in (text, unet, vae):
        reinit_(m, gen, storage)
    if sd2:
        sched = DDIMScheduler.from_config(
            {
                "_class_name": "DDIMScheduler",
                "beta_end": 0.012,
                "beta_schedule": "scaled_linear",
                "beta_start": 0.00085,
                "clip_sample": False,
                "num_train_timesteps": 1000,
                "prediction_type": "v_prediction",
                "set_alpha_to_one": False,
                "skip_prk_steps": True,
                "steps_offset": 1,
                "trained_betas": None,
            }
        )
    else:
        sched = PNDMScheduler.from_config(SD15_SCHEDULER)
    return text, unet, vae, sched, storage


SD15_SCHEDULER = {
    "_class_name": "PNDMScheduler",
    "_diffusers_version": "0.6.0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
    "clip_sample": False,
}

# ---------------------------------------------------------------------------------------
# diffusers -> original Stable Diffusion key layout (the inverse of what Swift's
# SingleFileNames.swift does; verified below with diffusers' from_single_file).


def unet_to_ldm(sd, layers=2, blocks=4, attn_down=(True, True, True, False)):
    out = {}
    m = {
        "time_embedding.linear_1": "time_embed.0",
        "time_embedding.linear_2": "time_embed.2",
        "conv_in": "input_blocks.0.0",
        "conv_norm_out": "out.0",
        "conv_out": "out.2",
    }
    res = [("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("norm2", "out_layers.0"), ("conv2", "out_layers.3"), ("time_emb_proj", "emb_layers.1"), ("conv_shortcut", "skip_connection")]
    prefixes = {}
    for i in range(blocks):
        for j in range(layers):
            prefixes[f"down_blocks.{i}.resnets.{j}."] = f"input_blocks.{(layers + 1) * i + j + 1}.0."
            if attn_down[i]:
                prefixes[f"down_blocks.{i}.attentions.{j}."] = f"input_blocks.{(layers + 1) * i + j + 1}.1."
        if i < blocks - 1:
            prefixes[f"down_blocks.{i}.downsamplers.0.conv."] = f"input_blocks.{(layers + 1) * (i + 1)}.0.op."
        up_attn = attn_down[blocks - 1 - i]
        for j in range(layers + 1):
            prefixes[f"up_blocks.{i}.resnets.{j}."] = f"output_blocks.{(layers + 1) * i + j}.0."
            if up_attn:
                prefixes[f"up_blocks.{i}.attentions.{j}."] = f"output_blocks.{(layers + 1) * i + j}.1."
        if i < blocks - 1:
            prefixes[f"up_blocks.{i}.upsamplers.0."] = f"output_blocks.{(layers + 1) * i + layers}.{2 if up_attn else 1}."
    prefixes["mid_block.attentions.0."] = "middle_block.1."
    for j in range(2):
        prefixes[f"mid_block.resnets.{j}."] = f"middle_block.{2 * j}."
    for k, v in sd.items():
        nk = k
        for a, b in m.items():
            if nk.startswith(a + "."):
                nk = b + nk[len(a):]
        for a, b in prefixes.items():
            if nk.startswith(a):
                rest = nk[len(a):]
                if ".resnets." in a:
                    for x, y in res:
                        if rest.startswith(x + "."):
                            rest = y + rest[len(x):]
                nk = b + rest
                break
        out["model.diffusion_model." + nk] = v
    return out


def vae_to_ldm(sd, blocks=4, layers=2):
    out = {}
    for k, v in sd.items():
        nk = k
        nk = nk.replace("conv_norm_out", "norm_out").replace("mid_block.attentions.0.", "mid.attn_1.")
        for i in range(2):
            nk = nk.replace(f"mid_block.resnets.{i}.", f"mid.block_{i + 1}.")
        for i in range(blocks):
            nk = nk.replace(f"encoder.down_blocks.{i}.resnets.", f"encoder.down.{i}.block.")
            nk = nk.replace(f"encoder.down_blocks.{i}.downsamplers.0.", f"encoder.down.{i}.downsample.")
            nk = nk.replace(f"decoder.up_blocks.{i}.resnets.", f"decoder.up.{blocks - 1 - i}.block.")
            nk = nk.replace(f"decoder.up_blocks.{i}.upsamplers.0.", f"decoder.up.{blocks - 1 - i}.upsample.")
        nk = nk.replace("conv_shortcut", "nin_shortcut")
        if ".attn_1." in nk:
            nk = nk.replace("group_norm.", "norm.").replace("to_q.", "q.").replace("to_k.", "k.").replace("to_v.", "v.").replace("to_out.0.", "proj_out.")
            if nk.endswith("weight") and v.ndim == 2:
                v = v.reshape(*v.shape, 1, 1)
        out["first_stage_model." + nk] = v
    return out


def text_to_ldm_sd1(sd):
    out = {}
    for k, v in sd.items():
        k = k if k.startswith("text_model.") else "text_model." + k
        out["cond_stage_model.transformer." + k] = v
    # the int64 buffer real SD 1.x checkpoints carry
    out["cond_stage_model.transformer.text_model.embeddings.position_ids"] = torch.arange(77, dtype=torch.int64)[None]
    return out


def text_to_ldm_openclip(sd, layers, gen, storage):
    """OpenCLIP layout; adds the unused last resblock real SD 2 checkpoints carry."""
    sd = {(k[len("text_model."):] if k.startswith("text_model.") else k): v for k, v in sd.items()}
    p = "cond_stage_model.model."
    out = {
        p + "token_embedding.weight": sd["embeddings.token_embedding.weight"],
        p + "positional_embedding": sd["embeddings.position_embedding.weight"],
        p + "ln_final.weight": sd["final_layer_norm.weight"],
        p + "ln_final.bias": sd["final_layer_norm.bias"],
    }
    d = sd["final_layer_norm.weight"].shape[0]
    out[p + "text_projection"] = (torch.randn(d, d, generator=gen) / d**0.5).to(storage)
    out[p + "logit_scale"] = torch.tensor(4.6052).to(storage)
    for i in range(layers + 1):
        q = f"{p}transformer.resblocks.{i}."
        if i == layers:  # the extra block SD 2 never runs (it uses the penultimate layer)
            src = {k.replace(f"encoder.layers.{layers - 1}.", "X."): v for k, v in sd.items() if k.startswith(f"encoder.layers.{layers - 1}.")}
            src = {k: (v + 0.5).to(storage) for k, v in src.items()}
            s = lambda n: src["X." + n]
        else:
            s = lambda n, i=i: sd[f"encoder.layers.{i}.{n}"]
        out[q + "ln_1.weight"] = s("layer_norm1.weight")
        out[q + "ln_1.bias"] = s("layer_norm1.bias")
        out[q + "ln_2.weight"] = s("layer_norm2.weight")
        out[q + "ln_2.bias"] = s("layer_norm2.bias")
        out[q + "attn.in_proj_weight"] = torch.cat([s("self_attn.q_proj.weight"), s("self_attn.k_proj.weight"), s("self_attn.v_proj.weight")])
        out[q + "attn.in_proj_bias"] = torch.cat([s("self_attn.q_proj.bias"), s("self_attn.k_proj.bias"), s("self_attn.v_proj.bias")])
        out[q + "attn.out_proj.weight"] = s("self_attn.out_proj.weight")
        out[q + "attn.out_proj.bias"] = s("self_attn.out_proj.bias")
        out[q + "mlp.c_fc.weight"] = s("mlp.fc1.weight")
        out[q + "mlp.c_fc.bias"] = s("mlp.fc1.bias")
        out[q + "mlp.c_proj.weight"] = s("mlp.fc2.weight")
        out[q + "mlp.c_proj.bias"] = s("mlp.fc2.bias")
    return out


# ---------------------------------------------------------------------------------------


def u8(images):
    """diffusers' numpy_to_pil quantisation: (x * 255).round() as uint8, NHWC."""
    return torch.from_numpy((images * 255).round().astype("uint8"))


SAMPLERS = {
    "pndm": (PNDMScheduler, {}),
    "ddim": (DDIMScheduler, {}),
    "euler": (EulerDiscreteScheduler, {}),
    "euler_a": (EulerAncestralDiscreteScheduler, {}),
    "lms": (LMSDiscreteScheduler, {}),
    "dpmpp_2m": (DPMSolverMultistepScheduler, {}),
    "dpmpp_2m_karras": (DPMSolverMultistepScheduler, {"use_karras_sigmas": True}),
}


def scheduler_refs():
    """timesteps/sigmas for each sampler from SD 1.5's config at several step counts and
    spacings (incl. SD-Turbo-like trailing), and one step() on fixed tensors."""
    out = []
    gen = torch.Generator().manual_seed(7)
    sample = torch.randn(1, 4, 2, 2, generator=gen)
    outputs = [torch.randn(1, 4, 2, 2, generator=gen) for _ in range(6)]
    step_noise = [torch.randn(1, 4, 2, 2, generator=gen) for _ in range(6)]
    for name, (cls, extra) in SAMPLERS.items():
        for steps in (1, 4, 20):
            for spacing in (None, "leading", "linspace", "trailing"):
                for pred in ("epsilon", "v_prediction"):
                    if steps != 4 and (spacing not in (None, "trailing") or pred != "epsilon"):
                        continue
                    cfg = dict(SD15_SCHEDULER)
                    cfg["prediction_type"] = pred
                    if spacing:
                        cfg["timestep_spacing"] = spacing
                    base = PNDMScheduler.from_config(cfg)
                    s = cls.from_config(base.config, **extra)
                    s.set_timesteps(steps)
                    entry = {
                        "sampler": name,
                        "steps": steps,
                        "timestep_spacing": spacing,
                        "prediction_type": pred,
                        "timesteps": [float(t) for t in s.timesteps],
                        "init_noise_sigma": float(s.init_noise_sigma),
                    }
                    if hasattr(s, "sigmas"):
                        entry["sigmas"] = [float(x) for x in s.sigmas]
                    x = sample.clone()
                    traj = []
                    g = torch.Generator().manual_seed(99)
                    for i, t in enumerate(s.timesteps[:6]):
                        xin = s.scale_model_input(x, t)
                        if name == "euler_a":
                            # the step draws its noise from g, which we replay in Swift from the seed
                            x = s.step(outputs[i] + 0.1 * xin, t, x, generator=g).prev_sample
                        else:
                            x = s.step(outputs[i] + 0.1 * xin, t, x).prev_sample
                        traj.append(x.flatten().tolist())
                    entry["trajectory"] = traj
                    out.append(entry)
    return {
        "sample": sample.flatten().tolist(),
        "model_outputs": [o.flatten().tolist() for o in outputs],
        "euler_a_seed": 99,
        "cases": out,
    }


def noise_refs():
    refs = {}
    for seed in (0, 1, 42, 2**32 + 5, 123456789):
        for shape in ((1, 4, 8, 8), (1, 4, 12, 8), (3,), (15,), (17,), (2, 4, 3, 5), (1, 1)):
            g = torch.Generator().manual_seed(seed)
            a = torch.randn(shape, generator=g)
            b = torch.randn(shape, generator=g)  # the generator's state carries on
            key = f"randn.{seed}." + "x".join(map(str, shape))
            refs[key] = torch.cat([a.flatten(), b.flatten()])
    return refs


def pipeline_cases(kind):
    P = "a red fox in the snow, watercolor"
    N = "blurry, low quality"
    cases = []
    for sampler in SAMPLERS:
        cases.append(dict(name=f"{sampler}-g7.5-neg", sampler=sampler, prompts=[P], negatives=[N], seeds=[42], guidance=7.5, width=64, height=64, steps=5))
    for sampler in ("pndm", "euler_a", "dpmpp_2m"):
        cases.append(dict(name=f"{sampler}-g1", sampler=sampler, prompts=[P], negatives=[None], seeds=[7], guidance=1.0, width=64, height=64, steps=4))
    cases.append(dict(name="euler-g7.5-noneg-64x96", sampler="euler", prompts=["a castle on a hill"], negatives=[None], seeds=[3], guidance=7.5, width=64, height=96, steps=4))
    cases.append(dict(name="ddim-g7.5-neg-96x64", sampler="ddim", prompts=["a castle on a hill"], negatives=[N], seeds=[3], guidance=7.5, width=96, height=64, steps=4))
    cases.append(dict(name="euler_a-batch3", sampler="euler_a", prompts=[P, "a castle on a hill", "Café ☕ at night"], negatives=[N, "", "daylight"], seeds=[1, 2, 3], guidance=7.5, width=64, height=64, steps=4))
    if kind == "sd2":
        cases = [c for c in cases if c["sampler"] in ("ddim", "euler", "euler_a", "dpmpp_2m_karras", "pndm")]
        cases.append(dict(name="euler-trailing-turbo-g1", sampler="euler", prompts=[P], negatives=[None], seeds=[5], guidance=1.0, width=64, height=64, steps=1, spacing="trailing"))
    return cases


def run_pipeline(pipe, base, c):
    """`base` is the scheduler config as loaded from the folder: every case starts from it, so
    options such as use_karras_sigmas never leak from one case into the next."""
    cls, extra = SAMPLERS[c["sampler"]]
    if c.get("spacing"):
        extra = dict(extra, timestep_spacing=c["spacing"])
    pipe.scheduler = cls.from_config(base, **extra)
    negs = c["negatives"]
    neg = None if all(n is None for n in negs) else [n or "" for n in negs]
    gens = [torch.Generator().manual_seed(s) for s in c["seeds"]]
    out = pipe(
        prompt=c["prompts"],
        negative_prompt=neg,
        num_inference_steps=c["steps"],
        guidance_scale=c["guidance"],
        width=c["width"],
        height=c["height"],
        generator=gens,
        output_type="np",
    ).images
    return u8(out)


def main():
    os.makedirs(FIX, exist_ok=True)
    write_vocab(RES)
    tokcheck = {}
    for kind in ("sd1", "sd2"):
        folder = os.path.join(FIX, f"{kind}-tiny")
        shutil.rmtree(folder, ignore_errors=True)
        text, unet, vae, sched, storage = build_models(kind)
        pad = "!" if kind == "sd2" else "<|endoftext|>"
        tdir = os.path.join(folder, "tokenizer")
        os.makedirs(tdir, exist_ok=True)
        shutil.copy(os.path.join(RES, "vocab.json"), tdir)
        shutil.copy(os.path.join(RES, "merges.txt"), tdir)
        tok = make_tokenizer(tdir, pad)
        if kind == "sd2":
            os.remove(os.path.join(tdir, "vocab.json"))
            os.remove(os.path.join(tdir, "merges.txt"))
        pipe = StableDiffusionPipeline(
            vae=vae, text_encoder=text, tokenizer=tok, unet=unet, scheduler=sched,
            safety_checker=None, feature_extractor=None, requires_safety_checker=False,
        )
        pipe.set_progress_bar_config(disable=True)
        # SD 1: text encoder in fp16 (as real folders often are), U-Net/VAE fp32. SD 2: all bf16.
        pipe.save_pretrained(folder, safe_serialization=True)
        # SD 1: vocab.json + merges.txt as SD repositories ship them; SD 2: exactly what
        # transformers 5 writes (tokenizer.json + tokenizer_config.json), so both are tested.
        keep = ("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json") if kind == "sd1" else ("tokenizer.json", "tokenizer_config.json")
        for fn in os.listdir(tdir):
            if fn not in keep:
                os.remove(os.path.join(tdir, fn))
        if kind == "sd1":
            save_file({k: v.to(torch.float16).contiguous() for k, v in text.state_dict().items()}, os.path.join(folder, "text_encoder", "model.safetensors"))
        else:
            for sub, m in (("text_encoder", text), ("unet", unet), ("vae", vae)):
                fn = "model.safetensors" if sub == "text_encoder" else "diffusion_pytorch_model.safetensors"
                save_file({k: v.to(torch.bfloat16).contiguous() for k, v in m.state_dict().items()}, os.path.join(folder, sub, fn))
        if kind == "sd1":  # SD 1.5's file as it really ships: no timestep_spacing/prediction_type keys
            with open(os.path.join(folder, "scheduler", "scheduler_config.json"), "w") as f:
                json.dump(SD15_SCHEDULER, f, indent=2)
        # the pipeline as diffusers itself loads it from disk
        pipe = StableDiffusionPipeline.from_pretrained(folder, torch_dtype=torch.float32, safety_checker=None, requires_safety_checker=False)
        pipe.set_progress_bar_config(disable=True)
        text, unet, vae, tok = pipe.text_encoder, pipe.unet, pipe.vae, pipe.tokenizer

        # single-file checkpoint
        single = {}
        single.update(unet_to_ldm(unet.state_dict()))
        single.update(vae_to_ldm(vae.state_dict()))
        gen = torch.Generator().manual_seed(4321)
        if kind == "sd1":
            single.update(text_to_ldm_sd1(text.state_dict()))
        else:
            single.update(text_to_ldm_openclip(text.state_dict(), text.config.num_hidden_layers, gen, storage))
        single = {k: (v if v.dtype == torch.int64 else v.to(storage)).contiguous() for k, v in single.items()}
        single_path = os.path.join(FIX, f"{kind}-tiny.safetensors")
        save_file(single, single_path)
        verify_single_file(single_path, folder, pipe)

        refs = {}
        # tokenizer ids
        ids = tok(HARD_PROMPTS, padding="max_length", max_length=77, truncation=True).input_ids
        tokcheck[kind] = {"pad_token": pad, "prompts": HARD_PROMPTS, "ids": ids}
        # text encoder states
        with torch.no_grad():
            t = torch.tensor(ids[:4])
            refs["text.last_hidden_state"] = text(t).last_hidden_state
            hs = text(t, output_hidden_states=True).hidden_states
            fln = text.text_model.final_layer_norm if hasattr(text, "text_model") else text.final_layer_norm
            refs["text.clip_skip_1"] = fln(hs[-2])
            refs["text.input_ids"] = t.to(torch.float32)
            # U-Net
            g = torch.Generator().manual_seed(11)
            x = torch.randn(2, 4, 8, 12, generator=g)
            ctx = torch.randn(2, 77, text.config.hidden_size, generator=g)
            refs["unet.sample"] = x
            refs["unet.encoder_hidden_states"] = ctx
            refs["unet.timesteps"] = torch.tensor([981.0, 946.42])
            refs["unet.out"] = torch.cat([unet(x[i : i + 1], refs["unet.timesteps"][i], encoder_hidden_states=ctx[i : i + 1]).sample for i in range(2)])
            # VAE decode
            z = torch.randn(1, 4, 8, 12, generator=g)
            refs["vae.latents"] = z
            refs["vae.decoded"] = vae.decode(z / vae.config.scaling_factor).sample
        # full pipeline images
        cases = pipeline_cases(kind)
        base = pipe.scheduler.config
        for c in cases:
            refs["image." + c["name"]] = run_pipeline(pipe, base, c)
        save_file({k: v.contiguous() for k, v in refs.items()}, os.path.join(FIX, f"refs-{kind}.safetensors"))
        with open(os.path.join(FIX, f"pipeline-{kind}.json"), "w") as f:
            json.dump(cases, f, indent=1, ensure_ascii=False)
        print(kind, "done", file=sys.stderr)

    with open(os.path.join(FIX, "tokenizer-ids.json"), "w") as f:
        json.dump(tokcheck, f, ensure_ascii=False)
    with open(os.path.join(FIX, "schedulers.json"), "w") as f:
        json.dump(scheduler_refs(), f)
    save_file(noise_refs(), os.path.join(FIX, "noise.safetensors"))


def verify_single_file(path, folder, pipe):
    """Loads the single file with diffusers' own converter and checks every tensor."""
    try:
        sf = StableDiffusionPipeline.from_single_file(path, config=folder, torch_dtype=torch.float32, safety_checker=None, requires_safety_checker=False)
    except Exception as e:  # noqa: BLE001 -- a converter limitation should not stop the run
        print("WARNING: from_single_file could not load", path, ":", e, file=sys.stderr)
        return
    for name in ("unet", "vae", "text_encoder"):
        a = getattr(pipe, name).state_dict()
        b = getattr(sf, name).state_dict()
        for k, v in a.items():
            if k.endswith("position_ids"):
                continue
            if k not in b:
                raise SystemExit(f"single file {path}: {name} lacks {k}")
            if not torch.equal(v.reshape(-1), b[k].reshape(-1).to(v.dtype)):
                raise SystemExit(f"single file {path}: {name}.{k} differs")
    print("verified", path, "with from_single_file", file=sys.stderr)


if __name__ == "__main__":
    main()
