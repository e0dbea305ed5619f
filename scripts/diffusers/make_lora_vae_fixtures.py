#!/usr/bin/env python3
"""Writes the LoRA and VAE reference fixtures the Swift Diffusion tests compare against.

Run by hand (never by CI) from the repository root, after make_reference_fixtures.py has
written Tests/DiffusionTests/Fixtures/sd1-tiny, in a virtual environment with torch (CPU),
diffusers, transformers, peft and safetensors (no torchvision needed):

    /tmp/venv/bin/python scripts/diffusers/make_lora_vae_fixtures.py

Tested with torch 2.13 (CPU), diffusers 0.42.1, transformers 5.25, peft 0.21.2.
transformers 5 asks for peft >= 0.22; this script bypasses that version check. It is
deterministic (every tensor comes from a seeded torch.Generator) and rewrites:

Tests/DiffusionTests/Fixtures/lora/
- kohya_style.safetensors: kohya / AUTOMATIC1111 names (`lora_unet_<path with _>`,
  `lora_te_text_model_encoder_layers_<i>_...`), `.lora_down.weight` / `.lora_up.weight` /
  `.alpha` (0-dim); U-Net attn1/attn2 to_q/k/v/to_out_0, ff_net_0_proj, ff_net_2 and the
  transformers' proj_in/proj_out (1x1 convs in SD 1: down [r,in,1,1], up [out,r,1,1]);
  text encoder q/k/v/out_proj + mlp_fc1/fc2 of every layer. Rank 4, alpha 2, F16.
  Sidecar kohya_style.txt (a one-line description).
- kohya_locon.safetensors: kohya names for convs ("LoCon"): every resnet's conv1/conv2
  (down [r,in,3,3], up [out,r,1,1]), conv_shortcut (1x1), time_emb_proj (Linear), plus a
  few attention to_q. Rank 2, alpha 1, BF16.
- peft_style.safetensors: diffusers/PEFT names `unet.<path>.lora_A.weight` / `.lora_B.weight`
  (attention Linears) and `text_encoder.text_model.encoder.layers.<i>.self_attn.*_proj.lora_A/B`.
  Rank 4, no alpha (alpha = rank, scale 1), F32.
- old_diffusers.safetensors: older diffusers names `unet.<path>.lora.down.weight` /
  `.lora.up.weight` (attention to_q/to_k/to_v/to_out.0) and
  `text_encoder.text_model.encoder.layers.0.self_attn.{q,v}_proj.lora_linear_layer.down/up.weight`.
  Rank 2, no alpha, F32.
- not_this_model.safetensors: kohya names of modules sd1-tiny does not have plus one valid
  module (a loader must refuse it).
- lora-cases.json, and ../refs-lora.safetensors (`image.<case>`, uint8 NHWC) beside the folder.
  Reference = AUTOMATIC1111's merge: in a deep copy of the pipeline, for every LoRA of the
  image, W <- W + weight * (alpha / rank) * (up @ down) (convs: up.flatten(1) @
  down.flatten(1), reshaped to W), in BOTH the U-Net and the text encoder (merged here by
  hand: diffusers 0.42 under transformers 5 silently drops a LoRA's text-encoder half), then
  the pipeline runs on the prompt with the <lora:...> tags cut out (nothing else changed).
  The merge reads the files back as written (the parser below resolves all four naming
  schemes), so the files themselves are what is tested. The U-Net half is checked against
  diffusers' own LoRA loading (load_lora_weights + set_adapters, text-encoder keys left
  out on both sides); "diffusers_unet_check" in the JSON is that max |uint8 difference|
  (null where diffusers could not be used).

Tests/DiffusionTests/Fixtures/vae/
- vae-ft/ (diffusers folder, F32) and vae-ft.safetensors (the same numbers, F16, in the
  original SD layout as vae-ft-mse-840000-ema-pruned.safetensors ships it: `encoder.*`,
  `decoder.*`, `quant_conv.*`, `post_quant_conv.*`, mid attention as
  `decoder.mid.attn_1.{q,k,v,proj_out}.weight` [C,C,1,1] and `.norm`): a random
  AutoencoderKL with block_out_channels (32,32,64,64), layers_per_block 1, 32 groups.
  Verified by loading the single file with AutoencoderKL.from_single_file.
- taesd/ (diffusers AutoencoderTiny folder, F32, 16 channels everywhere) and
  taesd_decoder.safetensors (madebyollin's original decoder layout, F32).
  TAESD key mapping, verified against diffusers' scripts/convert_tiny_autoencoder_to_diffusers.py
  (decoder: diffusers `decoder.layers.<k-1>.*` <- original `<k>.*`; encoder: `encoder.layers.<k>`
  <- `<k>`) and madebyollin/taesd's taesd.py (Decoder = nn.Sequential(Clamp(), conv, ReLU,
  Block x3, Upsample, conv(bias=False), ..., Block, conv): index 0 is the parameterless
  Clamp, so original index = diffusers index + 1). At run time the script rebuilds that
  original nn.Sequential, loads taesd_decoder.safetensors into it strictly, and checks
  that original(z) * 2 - 1 equals diffusers' DecoderTiny(z) (diffusers maps [0,1] to
  [-1,1] at the end of DecoderTiny.forward), and that diffusers' conversion rule applied
  to the file loads strictly and gives back the folder's tensors.
- vae-cases.json, refs-vae.safetensors: `vae.latents` (1,4,8,12), `vae-ft.decoded` =
  decode(z / 0.18215), `taesd.decoded` = decode(z / scaling_factor (1.0)), and sd1-tiny
  pipeline images with pipe.vae replaced (`image.vae-ft`, `image.taesd`, uint8 NHWC).

Size: lora/ is about 0.5 MB; vae/ about 7 MB, almost all of it the AutoencoderKL
(VAE_CHANNELS (32, 32, 64, 64), ~1.03 M parameters: 4.1 MB folder in F32 + 2.1 MB file in
F16). With 32 groups no AutoencoderKL is much smaller: (32, 32, 32, 32) still takes
~2.2 MB for both copies, and its groups would hold one channel each.

`python make_lora_vae_fixtures.py lora` or `... vae` rewrites only one of the two folders.
"""

import copy
import json
import os
import re
import shutil
import sys
import types

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# make_reference_fixtures imports open_clip (only for the CLIP vocabulary, unused here);
# open_clip needs torchvision, which this environment lacks: a stand-in module is enough.
sys.modules.setdefault("open_clip", types.ModuleType("open_clip"))
from make_reference_fixtures import SAMPLERS, reinit_, u8, vae_to_ldm  # noqa: E402

try:  # transformers 5 wants peft >= 0.22; 0.21.2 works for what diffusers does here
    import transformers.integrations.peft as _tp

    _tp.check_peft_version = lambda *a, **k: None
except Exception:  # noqa: BLE001
    pass

from diffusers import AutoencoderKL, AutoencoderTiny, StableDiffusionPipeline  # noqa: E402

torch.set_num_threads(1)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(ROOT, "Tests", "DiffusionTests", "Fixtures")
SD1 = os.path.join(FIX, "sd1-tiny")
LORA_DIR = os.path.join(FIX, "lora")
VAE_DIR = os.path.join(FIX, "vae")

VAE_CHANNELS = (32, 32, 64, 64)


def log(*a):
    print(*a, flush=True)


def load_pipe(model=SD1):
    pipe = StableDiffusionPipeline.from_pretrained(model, torch_dtype=torch.float32, safety_checker=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


# ---------------------------------------------------------------------------------------
# Module tables: canonical names are diffusers U-Net paths and "text_model.<...>" for the
# text encoder (transformers 5 drops the `text_model.` level; real files keep it).


def te_canonical(name):
    return name if name.startswith("text_model.") else "text_model." + name


def module_tables(pipe):
    unet = {n: m for n, m in pipe.unet.named_modules() if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))}
    te = {te_canonical(n): m for n, m in pipe.text_encoder.named_modules() if isinstance(m, torch.nn.Linear)}
    return unet, te


def kohya_name(target, path):
    return ("lora_unet_" if target == "unet" else "lora_te_") + path.replace(".", "_")


# ---------------------------------------------------------------------------------------
# Random LoRA files.


def lora_pair(gen, mod, rank, kind=None, scale=0.5):
    """kind: "linear" ([r,in], [out,r]) or "conv" (kohya conv shapes for a Conv2d base);
    None: "conv" for a Conv2d, else "linear". Values randn * scale (conv down / sqrt(kh*kw))."""
    if kind is None:
        kind = "conv" if isinstance(mod, torch.nn.Conv2d) else "linear"
    w = mod.weight
    out_c, in_c = w.shape[0], w.shape[1]
    if kind == "conv":
        kh, kw = w.shape[2], w.shape[3]
        down = torch.randn(rank, in_c, kh, kw, generator=gen) * scale / (kh * kw) ** 0.5
        up = torch.randn(out_c, rank, 1, 1, generator=gen) * scale
    else:
        down = torch.randn(rank, in_c, generator=gen) * scale
        up = torch.randn(out_c, rank, generator=gen) * scale
    for t in (down, up):
        t[t == 0] = 0.0078125
    return down, up


def put_kohya(sd, target, path, down, up, alpha):
    """The three kohya tensors of one module: .lora_down.weight, .lora_up.weight, .alpha (0-dim F32)."""
    k = kohya_name(target, path)
    sd[k + ".lora_down.weight"], sd[k + ".lora_up.weight"], sd[k + ".alpha"] = down, up, torch.tensor(alpha)


def kohya_attention_lora(gen, unet, te, rank, alpha):
    """kohya factors (F32) on every U-Net attn1/attn2 to_q/k/v/to_out.0, ff.net.0.proj, ff.net.2
    and transformer proj_in/proj_out (conv shapes where the base is a Conv2d), then on every
    text-encoder layer's self_attn q/k/v/out_proj and mlp fc1/fc2, in module order."""
    sd = {}
    for path, mod in unet.items():
        attn = re.search(r"\.attn[12]\.(to_q|to_k|to_v|to_out\.0)$", path) or path.endswith((".ff.net.0.proj", ".ff.net.2"))
        proj = re.search(r"attentions\.\d+\.(proj_in|proj_out)$", path)
        if not (attn or proj):
            continue
        down, up = lora_pair(gen, mod, rank)
        put_kohya(sd, "unet", path, down, up, alpha)
    for path, mod in te.items():
        if re.search(r"encoder\.layers\.\d+\.(self_attn\.(q|k|v|out)_proj|mlp\.fc[12])$", path):
            down, up = lora_pair(gen, mod, rank, "linear")
            put_kohya(sd, "te", path, down, up, alpha)
    return sd


def save_sorted_metadata(tensors, path, metadata):
    """save_file, then rewrite the header with the metadata keys sorted: safetensors keeps
    metadata in a hash map, whose order changes from run to run (files must not)."""
    save_file(tensors, path, metadata=metadata)
    if not metadata:
        return
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text + raw[8 + n :])
    assert all(torch.equal(load_file(path)[k], v) for k, v in tensors.items())


def build_lora_files(pipe):
    unet, te = module_tables(pipe)
    attn_lin = ("to_q", "to_k", "to_v", "to_out.0")
    files = {}

    # 1. kohya_style: rank 4, alpha 2, F16
    gen = torch.Generator().manual_seed(101)
    sd = kohya_attention_lora(gen, unet, te, 4, 2.0)
    files["kohya_style"] = ({k: v.to(torch.float16) for k, v in sd.items()}, {"ss_network_dim": "4", "ss_network_alpha": "2.0", "ss_network_module": "networks.lora"})

    # 2. kohya_locon: rank 2, alpha 1, BF16
    gen = torch.Generator().manual_seed(102)
    sd = {}
    few_q = {
        "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q",
        "mid_block.attentions.0.transformer_blocks.0.attn1.to_q",
        "up_blocks.3.attentions.2.transformer_blocks.0.attn2.to_q",
    }
    for path, mod in unet.items():
        if not (re.search(r"resnets\.\d+\.(conv1|conv2|conv_shortcut|time_emb_proj)$", path) or path in few_q):
            continue
        down, up = lora_pair(gen, mod, 2)
        put_kohya(sd, "unet", path, down, up, 1.0)
    files["kohya_locon"] = ({k: v.to(torch.bfloat16) for k, v in sd.items()}, {"ss_network_dim": "2", "ss_network_alpha": "1.0", "ss_network_module": "lycoris.kohya", "ss_network_args": '{"conv_dim": "2", "conv_alpha": "1.0", "algo": "locon"}'})

    # 3. peft_style: rank 4, no alpha, F32
    gen = torch.Generator().manual_seed(103)
    sd = {}
    for path, mod in unet.items():
        if re.search(r"\.attn[12]\.(to_q|to_k|to_v|to_out\.0)$", path):
            down, up = lora_pair(gen, mod, 4, "linear")
            sd[f"unet.{path}.lora_A.weight"], sd[f"unet.{path}.lora_B.weight"] = down, up
    for path, mod in te.items():
        if re.search(r"encoder\.layers\.\d+\.self_attn\.(q|k|v|out)_proj$", path):
            down, up = lora_pair(gen, mod, 4, "linear")
            sd[f"text_encoder.{path}.lora_A.weight"], sd[f"text_encoder.{path}.lora_B.weight"] = down, up
    files["peft_style"] = (sd, None)

    # 4. old_diffusers: rank 2, no alpha, F32
    gen = torch.Generator().manual_seed(104)
    sd = {}
    for path, mod in unet.items():
        if re.search(r"\.attn[12]\.(to_q|to_k|to_v|to_out\.0)$", path):
            down, up = lora_pair(gen, mod, 2, "linear")
            sd[f"unet.{path}.lora.down.weight"], sd[f"unet.{path}.lora.up.weight"] = down, up
    for path in ("text_model.encoder.layers.0.self_attn.q_proj", "text_model.encoder.layers.0.self_attn.v_proj"):
        down, up = lora_pair(gen, te[path], 2, "linear")
        sd[f"text_encoder.{path}.lora_linear_layer.down.weight"], sd[f"text_encoder.{path}.lora_linear_layer.up.weight"] = down, up
    files["old_diffusers"] = (sd, None)

    # 5. not_this_model: kohya names of modules sd1-tiny lacks + one valid module
    gen = torch.Generator().manual_seed(105)
    sd = {}
    bad = [
        ("lora_unet_down_blocks_7_attentions_0_proj_in", (4, 16, 1, 1), (16, 4, 1, 1)),
        ("lora_te_text_model_encoder_layers_40_self_attn_q_proj", (4, 8), (8, 4)),
        ("lora_unet_input_blocks_99_1_transformer_blocks_0_attn1_to_q", (4, 16), (16, 4)),
    ]
    for k, ds, us in bad:
        sd[k + ".lora_down.weight"] = torch.randn(ds, generator=gen) * 0.5
        sd[k + ".lora_up.weight"] = torch.randn(us, generator=gen) * 0.5
        sd[k + ".alpha"] = torch.tensor(4.0)
    path = "mid_block.attentions.0.transformer_blocks.0.attn1.to_q"
    down, up = lora_pair(gen, unet[path], 4, "linear")
    put_kohya(sd, "unet", path, down, up, 4.0)
    files["not_this_model"] = ({k: v.to(torch.float16) for k, v in sd.items()}, None)
    return files


# ---------------------------------------------------------------------------------------
# Parse a LoRA file back (all four naming schemes) -> [(target, path, down, up, alpha)].


def parse_lora(fn, pipe):
    sd = load_file(fn)
    unet, te = module_tables(pipe)
    kohya = {kohya_name("unet", p): ("unet", p) for p in unet}
    kohya.update({kohya_name("te", p): ("te", p) for p in te})
    groups = {}
    for k, v in sd.items():
        v = v.to(torch.float32)
        m = re.match(r"^(lora_(?:unet|te)_.+)\.(lora_down\.weight|lora_up\.weight|alpha)$", k)
        if m:
            if m.group(1) not in kohya:
                raise KeyError(f"{os.path.basename(fn)}: no module for {m.group(1)}")
            tgt = kohya[m.group(1)]
            part = {"lora_down.weight": "down", "lora_up.weight": "up", "alpha": "alpha"}[m.group(2)]
        else:
            m = re.match(r"^(unet|text_encoder)\.(.+?)\.(lora_A\.weight|lora_B\.weight|lora\.down\.weight|lora\.up\.weight|lora_linear_layer\.down\.weight|lora_linear_layer\.up\.weight)$", k)
            if not m:
                raise KeyError(f"{os.path.basename(fn)}: unknown key {k}")
            target = "unet" if m.group(1) == "unet" else "te"
            path = m.group(2) if target == "unet" else te_canonical(m.group(2))
            if path not in (unet if target == "unet" else te):
                raise KeyError(f"{os.path.basename(fn)}: no module for {k}")
            tgt = (target, path)
            part = "down" if m.group(3).split(".")[-2] in ("lora_A", "down") else "up"
        groups.setdefault(tgt, {})[part] = v
    out = []
    for (target, path), g in groups.items():
        out.append((target, path, g["down"], g["up"], float(g["alpha"]) if "alpha" in g else None))
    return out


def merge(pipe, lora_path, weight, parts=("unet", "te")):
    unet, te = module_tables(pipe)
    with torch.no_grad():
        for target, path, down, up, alpha in parse_lora(lora_path, pipe):
            if target not in parts:
                continue
            mod = (unet if target == "unet" else te)[path]
            rank = down.shape[0]
            scale = (alpha if alpha is not None else rank) / rank
            delta = (up.flatten(1) @ down.flatten(1)).reshape(mod.weight.shape)
            mod.weight += weight * scale * delta


# ---------------------------------------------------------------------------------------
# Cases.

TAG = re.compile(r"<lora:([^:>]+)(?::([^>]*))?>")


def parse_tags(prompt):
    loras = [{"name": m.group(1), "weight": float(m.group(2)) if m.group(2) else 1.0} for m in TAG.finditer(prompt)]
    return TAG.sub("", prompt), loras


def lora_cases():
    raw = [
        dict(name="kohya-one", prompts=["a red fox <lora:kohya_style:1> in the snow"], negatives=["blurry"], seeds=[42], guidance=7.5, steps=4, sampler="euler"),
        dict(name="two-loras", prompts=["<lora:kohya_locon:0.8>castle on a hill <lora:peft_style:-0.5>"], negatives=[""], seeds=[3], guidance=7.5, steps=4, sampler="dpmpp_2m"),
        dict(name="negative-weight", prompts=["a red fox <lora:kohya_style:-1>"], negatives=[None], seeds=[7], guidance=1.0, steps=4, sampler="euler_a"),
        dict(name="peft-one", prompts=["portrait <lora:peft_style>"], negatives=["ugly"], seeds=[5], guidance=7.5, steps=4, sampler="euler"),
        dict(name="old-format", prompts=["a lighthouse <lora:old_diffusers:0.7>"], negatives=[None], seeds=[11], guidance=7.5, steps=4, sampler="euler"),
        dict(
            name="batch-mixed",
            prompts=["a red fox <lora:kohya_style:1>", "a castle <lora:peft_style:0.6>", "a plain cat"],
            negatives=["blurry", "", "dog"],
            seeds=[1, 2, 3],
            guidance=7.5,
            steps=4,
            sampler="euler_a",
        ),
    ]
    return cases_from(raw)


def cases_from(raw):
    """The JSON's case dicts from raw ones (name, prompts with <lora:...> tags, negatives, seeds,
    guidance, steps, sampler): prompts_without_tags and loras parsed from the tags, 64x64."""
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


def run_one(pipe, base, sampler, prompt, negative, seed, guidance, steps, width=64, height=64):
    """One image, as make_reference_fixtures.run_pipeline does it."""
    cls, extra = SAMPLERS[sampler]
    pipe.scheduler = cls.from_config(base, **extra)
    out = pipe(
        prompt=[prompt],
        negative_prompt=None if negative is None else [negative],
        num_inference_steps=steps,
        guidance_scale=guidance,
        width=width,
        height=height,
        generator=[torch.Generator().manual_seed(seed)],
        output_type="np",
    ).images
    return u8(out)


def lora_file(name, lora_dir=LORA_DIR):
    return os.path.join(lora_dir, name + ".safetensors")


def plain_image(pipe, base, c, i):
    """Image i of case c from the pipeline as it stands, on the prompt without its tags."""
    return run_one(pipe, base, c["sampler"], c["prompts_without_tags"][i], c["negatives"][i], c["seeds"][i], c["guidance"], c["steps"])


def reference_image(base_pipe, base, c, i, parts=("unet", "te"), lora_dir=LORA_DIR):
    pipe = copy.deepcopy(base_pipe)
    for l in c["loras"][i]:
        merge(pipe, lora_file(l["name"], lora_dir), l["weight"], parts)
    return plain_image(pipe, base, c, i)


def diffusers_unet_image(base, c, i, model=SD1, lora_dir=LORA_DIR, check_adapter=None):
    """diffusers' own LoRA loading, U-Net half only (text-encoder keys removed).
    check_adapter(pipe, adapter, c, i, l), where given, runs after each load_lora_weights."""
    pipe = load_pipe(model)
    names, weights = [], []
    for j, l in enumerate(c["loras"][i]):
        sd = {k: v for k, v in load_file(lora_file(l["name"], lora_dir)).items() if not k.startswith(("lora_te", "text_encoder."))}
        adapter = f"a{j}_{l['name']}"
        pipe.load_lora_weights(sd, adapter_name=adapter)
        if check_adapter is not None:
            check_adapter(pipe, adapter, c, i, l)
        names.append(adapter)
        weights.append(l["weight"])
    if names:
        pipe.set_adapters(names, adapter_weights=weights)
    return plain_image(pipe, base, c, i)


def diff(a, b):
    return int((a.to(torch.int16) - b.to(torch.int16)).abs().max())


def render_lora_cases(pipe, base, cases, model=SD1, lora_dir=LORA_DIR, check_adapter=None, exact_without_lora=False):
    """{"image.<case>": uint8 NHWC}, every image made on its own by reference_image (the hand
    merge); sets each case's "diffusers_unet_check" (max |uint8 diff| of the U-Net-only hand
    merge against diffusers_unet_image, 0 for an image without LoRA, None if diffusers failed).
    exact_without_lora: assert that an image without LoRA (made in a deep copy of the pipeline)
    equals the pipeline's own image exactly -- true for sd2-tiny; sd1-tiny's deep copy gives
    images 1 uint8 level off its original's."""
    refs = {}
    for c in cases:
        imgs, checks, plain_diffs = [], [], []
        for i in range(len(c["prompts"])):
            img = reference_image(pipe, base, c, i, lora_dir=lora_dir)
            imgs.append(img)
            plain = plain_image(pipe, base, c, i)
            plain_diffs.append(round(float((img.float() - plain.float()).abs().mean()), 2) if c["loras"][i] else None)
            if not c["loras"][i]:
                assert not exact_without_lora or torch.equal(img, plain)
                checks.append(0)
                continue
            try:
                mine = reference_image(pipe, base, c, i, parts=("unet",), lora_dir=lora_dir)
                theirs = diffusers_unet_image(base, c, i, model, lora_dir, check_adapter)
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
    return refs


def describe_lora(fn):
    sd = load_file(fn)
    ks = sorted(sd)
    return f"{len(sd)} tensors, dtypes {sorted({str(v.dtype) for v in sd.values()})}, e.g. " + ", ".join(f"{k} {list(sd[k].shape)}" for k in ks[:3])


def make_lora():
    shutil.rmtree(LORA_DIR, ignore_errors=True)
    os.makedirs(LORA_DIR)
    pipe = load_pipe()
    base = pipe.scheduler.config
    for name, (sd, meta) in build_lora_files(pipe).items():
        save_sorted_metadata({k: v.contiguous() for k, v in sd.items()}, lora_file(name), meta)
    with open(os.path.join(LORA_DIR, "kohya_style.txt"), "w") as f:
        f.write("Acuarela: a test watercolour style\n")

    try:
        parse_lora(lora_file("not_this_model"), pipe)
        raise SystemExit("not_this_model.safetensors parsed, but it should not")
    except KeyError as e:
        log("not_this_model refused as expected:", e)

    cases = lora_cases()
    refs = render_lora_cases(pipe, base, cases)
    # beside, not inside, the LoRA folder: everything in it is offered as a LoRA
    save_file(refs, os.path.join(FIX, "refs-lora.safetensors"))
    with open(os.path.join(LORA_DIR, "lora-cases.json"), "w") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
    for name in ("kohya_style", "kohya_locon", "peft_style", "old_diffusers", "not_this_model"):
        log(f"{name}: {describe_lora(lora_file(name))}")


# ---------------------------------------------------------------------------------------
# VAEs.


def taesd_original_decoder(ch=16, latent=4, blocks=(3, 3, 3, 1)):
    """madebyollin/taesd's Decoder layout (taesd.py), rebuilt with its channel count."""
    nn = torch.nn

    class Clamp(nn.Module):
        def forward(self, x):
            return torch.tanh(x / 3) * 3

    class Block(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.conv = nn.Sequential(nn.Conv2d(n, n, 3, padding=1), nn.ReLU(), nn.Conv2d(n, n, 3, padding=1), nn.ReLU(), nn.Conv2d(n, n, 3, padding=1))
            self.skip = nn.Identity()
            self.fuse = nn.ReLU()

        def forward(self, x):
            return self.fuse(self.conv(x) + self.skip(x))

    layers = [Clamp(), nn.Conv2d(latent, ch, 3, padding=1), nn.ReLU()]
    for i, n in enumerate(blocks):
        layers += [Block(ch) for _ in range(n)]
        if i < len(blocks) - 1:
            layers += [nn.Upsample(scale_factor=2), nn.Conv2d(ch, ch, 3, padding=1, bias=False)]
    layers.append(nn.Conv2d(ch, 3, 3, padding=1))
    return nn.Sequential(*layers)


def build_taesd():
    gen = torch.Generator().manual_seed(2468)
    taesd = AutoencoderTiny(
        encoder_block_out_channels=(16, 16, 16, 16),
        decoder_block_out_channels=(16, 16, 16, 16),
        num_encoder_blocks=(1, 3, 3, 3),
        num_decoder_blocks=(3, 3, 3, 1),
        latent_channels=4,
    ).eval()
    reinit_(taesd, gen, torch.float32)
    with torch.no_grad():
        # ReLU residual stacks grow with depth: damp the blocks' last conv and centre the
        # decoder's output near 0.5 (diffusers maps it to [-1, 1]) so images are not saturated.
        for name, p in taesd.named_parameters():
            if re.search(r"layers\.\d+\.conv\.4\.weight$", name):
                p.mul_(0.5)
        last = taesd.decoder.layers[-1]
        last.weight.mul_(0.3)
        last.bias.add_(0.5)
    return taesd


def make_vae():
    shutil.rmtree(VAE_DIR, ignore_errors=True)
    os.makedirs(VAE_DIR)
    gen = torch.Generator().manual_seed(1357)
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=VAE_CHANNELS,
        layers_per_block=1,
        latent_channels=4,
        norm_num_groups=32,
        sample_size=64,
        scaling_factor=0.18215,
    ).eval()
    reinit_(vae, gen, torch.float16)  # F16-exact values, so the F32 folder == the F16 file
    folder = os.path.join(VAE_DIR, "vae-ft")
    vae.save_pretrained(folder, safe_serialization=True)
    vae = AutoencoderKL.from_pretrained(folder, torch_dtype=torch.float32).eval()

    ldm = {k[len("first_stage_model."):]: v.to(torch.float16).contiguous() for k, v in vae_to_ldm(vae.state_dict()).items()}
    single = os.path.join(VAE_DIR, "vae-ft.safetensors")
    save_file(ldm, single)
    assert all(k.split(".")[0] in ("encoder", "decoder", "quant_conv", "post_quant_conv") for k in ldm)
    for k in ("decoder.mid.attn_1.q.weight", "decoder.mid.attn_1.proj_out.weight", "decoder.mid.attn_1.norm.weight", "decoder.up.1.block.0.nin_shortcut.weight", "encoder.down.2.block.0.nin_shortcut.weight"):
        log(f"vae-ft.safetensors has {k} {list(ldm[k].shape)} {ldm[k].dtype}")
    try:
        sf = AutoencoderKL.from_single_file(single, config=folder, torch_dtype=torch.float32)
        a, b = vae.state_dict(), sf.state_dict()
        bad = [k for k in a if k not in b or not torch.equal(a[k], b[k].reshape(a[k].shape))]
        extra = [k for k in b if k not in a]
        if bad or extra:
            raise SystemExit(f"vae-ft.safetensors differs from the folder: {bad[:5]} extra {extra[:5]}")
        log(f"verified vae-ft.safetensors with AutoencoderKL.from_single_file: all {len(a)} tensors equal to the folder's")
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001
        log("WARNING: from_single_file could not load vae-ft.safetensors:", type(e).__name__, e)

    taesd = build_taesd()
    tfolder = os.path.join(VAE_DIR, "taesd")
    taesd.save_pretrained(tfolder, safe_serialization=True)
    taesd = AutoencoderTiny.from_pretrained(tfolder, torch_dtype=torch.float32).eval()
    dec = {k[len("decoder.layers."):]: v for k, v in taesd.state_dict().items() if k.startswith("decoder.layers.")}
    orig = {}
    for k, v in dec.items():
        i, rest = k.split(".", 1)
        orig[f"{int(i) + 1}.{rest}"] = v.contiguous()
    tpath = os.path.join(VAE_DIR, "taesd_decoder.safetensors")
    save_file(orig, tpath)
    log("taesd_decoder.safetensors keys (first 8):", sorted(orig, key=lambda s: (int(s.split(".")[0]), s))[:8])
    # check 1: madebyollin's layout loads the file strictly and computes diffusers' decoder
    od = taesd_original_decoder().eval()
    od.load_state_dict(load_file(tpath), strict=True)
    # check 2: diffusers' conversion rule (scripts/convert_tiny_autoencoder_to_diffusers.py)
    back = {}
    for k, v in load_file(tpath).items():
        back[f"decoder.layers.{int(k.split('.')[0]) - 1}." + ".".join(k.split(".")[1:])] = v
    ref_sd = {k: v for k, v in taesd.state_dict().items() if k.startswith("decoder.")}
    assert set(back) == set(ref_sd) and all(torch.equal(back[k], ref_sd[k]) for k in back), "TAESD conversion rule mismatch"
    log(f"TAESD: diffusers' conversion rule (orig index - 1) maps all {len(back)} tensors of taesd_decoder.safetensors back onto the folder's decoder")

    g = torch.Generator().manual_seed(24)
    z = torch.randn(1, 4, 8, 12, generator=g)
    refs = {"vae.latents": z}
    with torch.no_grad():
        refs["vae-ft.decoded"] = vae.decode(z / 0.18215).sample
        refs["taesd.decoded"] = taesd.decode(z / taesd.config.scaling_factor).sample
        o = od(z / taesd.config.scaling_factor) * 2 - 1
        d = float((o - refs["taesd.decoded"]).abs().max())
        log(f"TAESD: original-layout nn.Sequential(Clamp, conv, ReLU, Block...) from taesd_decoder.safetensors: max |orig*2-1 - diffusers| = {d:.2e}")
        assert d < 1e-5
    for k in ("vae-ft.decoded", "taesd.decoded"):
        t = refs[k]
        log(f"{k}: shape {list(t.shape)} mean {float(t.mean()):.3f} std {float(t.std()):.3f} in [-1,1]: {float(((t >= -1) & (t <= 1)).float().mean()):.2f}")

    base = load_pipe().scheduler.config
    cases = []
    for name, v in (("vae-ft", vae), ("taesd", taesd)):
        c = dict(name=name, prompts=["a red fox in the snow"], negatives=["blurry"], seeds=[42], guidance=7.5, steps=4, width=64, height=64, sampler="euler", vae=name)
        p = load_pipe()
        p.vae = v
        img = run_one(p, base, c["sampler"], c["prompts"][0], c["negatives"][0], c["seeds"][0], c["guidance"], c["steps"])
        refs["image." + name] = img
        sat = float(((img == 0) | (img == 255)).float().mean())
        log(f"image.{name}: {list(img.shape)} mean {float(img.float().mean()):.1f} std {float(img.float().std()):.1f} saturated {sat:.3f}")
        cases.append(c)
    save_file({k: v.contiguous() for k, v in refs.items()}, os.path.join(VAE_DIR, "refs-vae.safetensors"))
    with open(os.path.join(VAE_DIR, "vae-cases.json"), "w") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)


def main():
    what = sys.argv[1:] or ["lora", "vae"]
    if "lora" in what:
        make_lora()
    if "vae" in what:
        make_vae()


if __name__ == "__main__":
    main()
