#!/usr/bin/env python3
"""Writes the safety-checker reference fixtures the Swift Diffusion tests compare against.

Run by hand (never by CI) from the repository root, in a virtual environment with torch
(CPU), diffusers, transformers, safetensors and Pillow (no torchvision):

    /tmp/venv/bin/python scripts/diffusers/make_safety_fixtures.py [--full-pixel-values]

Tested with torch 2.13 (CPU), diffusers 0.42.1, transformers 5.25, numpy 2.4.6, Pillow 13.0.0.
Deterministic: weights and image contents come from seeded torch.Generators, the thresholds
are chosen by a fixed rule from the resulting cosines. It rewrites
Tests/DiffusionTests/Fixtures/safety/:

- safety_checker/ (config.json + model.safetensors, F32, save_pretrained of diffusers'
  StableDiffusionSafetyChecker): a tiny random CLIPConfig: vision image_size 224,
  patch_size 32 (7x7 = 49 patches + class token = 50 positions), hidden_size 32,
  intermediate_size 64, 2 layers, 2 heads, quick_gelu, layer_norm_eps 1e-5;
  projection_dim 16; a tiny unused text_config (config only, no text weights exist).
  Every parameter re-initialised non-zero (LayerNorm scales 1 + 0.1 N, biases 0.1 N,
  patch embedding / Linear weights N / sqrt(fan_in), class and position embeddings
  0.5 N, concept_embeds [17,16] and special_care_embeds [3,16] N(0,1)); the thresholds
  concept_embeds_weights [17] and special_care_embeds_weights [3] are then chosen from the
  images' actual cosines (choose_thresholds below) so that the decisions are not on a
  knife edge: every score diffusers reports (after its rounding to 3 decimals) is at least
  0.003 away from 0, and every unrounded score is at least 5e-5 away from a rounding
  boundary (k + 0.5) / 1000, so a float32 port reproduces the 3-decimal values exactly.
  transformers 5 SAVES THE FLATTENED LAYOUT: `vision_model.embeddings...`, not the
  `vision_model.vision_model.embeddings...` of every real checkpoint (SD 1.x's
  safety_checker/model.safetensors). transformers 5 loads both (its conversion mapping
  has `"CLIPVisionModel": [PrefixChange(prefix_to_remove="vision_model")]`); this script
  checks that the nested names load into the same model. model.safetensors key names
  (sorted; the first 10):
      concept_embeds
      concept_embeds_weights
      special_care_embeds
      special_care_embeds_weights
      vision_model.embeddings.class_embedding
      vision_model.embeddings.patch_embedding.weight
      vision_model.embeddings.position_embedding.weight
      vision_model.encoder.layers.0.layer_norm1.bias
      vision_model.encoder.layers.0.layer_norm1.weight
      vision_model.encoder.layers.0.layer_norm2.bias
  then the rest of encoder.layers.{0,1}.{layer_norm1,layer_norm2,mlp.fc1,mlp.fc2,
  self_attn.{k,q,v,out}_proj}.{weight,bias}, vision_model.post_layernorm.{weight,bias},
  vision_model.pre_layrnorm.{weight,bias} (sic: "layrnorm"), visual_projection.weight
  [16,32] (no bias). No position_ids (a non-persistent buffer).
- feature_extractor/preprocessor_config.json: byte for byte the file SD 1.5 ships
  (runwayml/stable-diffusion-v1-5, later revision: crop_size {"height","width"},
  size {"shortest_edge": 224}, resample 3 = PIL BICUBIC, rescale_factor 1/255,
  image_processor_type "CLIPFeatureExtractor"). preprocessor_config-legacy.json is the
  older form of the same file (CompVis v1-4 / first SD 1.5 revision: "size": 224,
  "crop_size": 224, "feature_extractor_type"); the script checks that both give identical
  pixel values.
- images/*.png: 7 RGB 8-bit PNGs of several sizes (name = content-WIDTHxHEIGHT):
  gradient-64x64, noise-96x64 (landscape), stripes-64x96 (portrait), blobs-200x120,
  shapes-512x512 (flat colours, so the PNG stays small; the only downscale),
  noise-37x53 (odd sizes), bands-300x224 (shortest edge already 224: PIL's resize returns
  a copy, only the centre crop acts).
- safety-refs.json: per image, in order: file, size, resized (the [width, height] PIL
  resizes to), crop (top, left), has_nsfw_concept (diffusers' decision), concept_scores /
  special_scores (diffusers' dicts after its rounding, keys "0".."16" / "0".."2"),
  bad_concepts, special_care (indices whose special score > 0), adjustment (0.0 or 0.01),
  margin = the largest concept score after adjustment, verdict "nsfw" / "ok"; plus the
  thresholds as float32 values.
- safety-refs.safetensors, per image <name> (file name without .png):
  `crop.<name>` uint8 [1,224,224,3] (NHWC): the image after PIL resize + centre crop, i.e.
  the processor's output before rescale/normalize (its resize returns uint8);
  `image_embeds.<name>` float32 [1,16] = visual_projection(pooled_output);
  `pooled_output.<name>` float32 [1,32] = post_layernorm(last_hidden_state[:, 0]);
  `last_hidden_state.<name>` float32 [1,50,32] (before post_layernorm);
  `pixel_values.<name>` float32 [1,3,224,224], the CLIPImageProcessor output, for
  PIXEL_VALUES_FOR only (every image with --full-pixel-values: +4.2 MB). For every image,
  pixel_values == ((crop as float64 * (1/255)) -> float32 - mean_f32) / std_f32 in
  float32, channels first -- the script asserts this bit for bit.
  All embeddings come from diffusers' own StableDiffusionSafetyChecker.forward, called the
  way StableDiffusionPipeline.run_safety_checker calls it (feature_extractor(list of PIL
  images, return_tensors="pt").pixel_values as clip_input, one batch of all 7 images);
  the script reads forward's locals (result, image_embeds, pooled_output) on return.

Processor that runs: CLIPImageProcessor.from_pretrained(feature_extractor/) — how diffusers
loads it — returns transformers' CLIPImageProcessorPil (torchvision absent;
image_processing_pil_clip.py, PilBackend in image_processing_backends.py). Path per image:
convert_to_rgb (PIL .convert("RGB"), alpha composited onto white), np.array HWC -> CHW uint8;
resize: get_resize_output_image_size(size=224, default_to_square=False): short = min(h, w),
long = max; new_short = 224, new_long = int(224 * long / short) (truncation), then
image_transforms.resize: uint8 -> PIL image (no rescale), PIL Image.resize((w, h),
resample=BICUBIC(3), reducing_gap=None) -> uint8 again; center_crop:
top = (h - 224) // 2, left = (w - 224) // 2 (never pads here, the short edge is 224);
rescale: image.astype(float64) * (1/255) -> float32; normalize: ((image.T - mean) / std).T
with mean/std as float32 arrays (float32 arithmetic). Then a batch tensor [N,3,224,224].

PIL's BICUBIC resize (Pillow src/libImaging/Resample.c), which a port must reproduce:
filter a = -0.5, support 2 * max(1, in/out) (antialiased when downscaling); per output
index i: center = (i + 0.5) * in/out, xmin = max(0, int(center - support + 0.5)),
xmax = min(in, int(center + support + 0.5)), weights filter((x - center + 0.5) / filterscale)
for x in [xmin, xmax), divided by their sum (double), then to fixed point:
int(w * 2^22 + 0.5) (w < 0: int(w * 2^22 - 0.5)); accumulator starts at 2^21, result
clamped(acc >> 22, 0, 255). Horizontal pass first (only if the width changes) into a uint8
image of the source rows the vertical pass needs, then the vertical pass (only if the
height changes). pil_bicubic_resize below re-implements exactly this in numpy; the script
asserts that it reproduces PIL's bytes for every image.

Decision rule (diffusers' forward, numpy 2 / NEP 50): cosines are float32; score =
round(float32(cos) - threshold + adjustment, 3) computed in float32 (the Python-float
threshold is "weak" and becomes float32; np.float32.__round__ uses np.round: multiply by
1000, round half to even, divide), special scores first (k = 0, 1, 2): once one is > 0,
adjustment = 0.01, which is also added to the LATER special scores; concept scores then
all get + adjustment; flagged if any concept score > 0.

Result (scores after diffusers' rounding; margin = largest concept score):
    gradient-64x64   64x64  -> 224x224 crop (0,0)   nsfw  +0.005  special-care [0]; flagged ONLY
                                                          through the +0.01 (concept 11 is -0.005 before)
    noise-96x64      96x64  -> 336x224 crop (0,56)  ok    -0.116
    stripes-64x96    64x96  -> 224x336 crop (56,0)  ok    -0.109
    blobs-200x120   200x120 -> 373x224 crop (0,74)  nsfw  +0.020  (concept 5, no special care)
    shapes-512x512  512x512 -> 224x224 crop (0,0)   ok    -0.028  special-care [1] (adjusted, still ok)
    noise-37x53      37x53  -> 224x320 crop (48,0)  ok    -0.056  special-care [0, 1]; special 1 is
                                                          +0.006 only through the cascade (-0.004 before)
    bands-300x224   300x224 -> 300x224 crop (0,38)  nsfw  +0.030  (concept 12) special-care [1]

Sizes: safety_checker/model.safetensors 476,792 B (118,004 F32 parameters, 98,304 of them the
patch embedding; the requested CLIP shapes fix this); safety-refs.safetensors 1,704,624 B
(7 uint8 crops of 150,528 B, one float32 pixel_values of 602,112 B, the small embeddings);
images 66 KB; total about 2.26 MB.

diffusers logs "Potential NSFW content was detected ..." while this runs: expected.
`python make_safety_fixtures.py --full-pixel-values` stores pixel_values for every image.
"""

import inspect
import json
import os
import shutil
import sys

import numpy as np
import PIL
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

import diffusers
import transformers
from diffusers import StableDiffusionPipeline
from diffusers.image_processor import VaeImageProcessor
from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
from transformers import CLIPConfig, CLIPImageProcessor

torch.set_num_threads(1)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "DiffusionTests", "Fixtures", "safety")
CHECKER_DIR = os.path.join(OUT, "safety_checker")
FE_DIR = os.path.join(OUT, "feature_extractor")
IMG_DIR = os.path.join(OUT, "images")

PIXEL_VALUES_FOR = ["noise-37x53"]

# Byte for byte SD 1.5's feature_extractor/preprocessor_config.json (later revision).
PREPROCESSOR_CONFIG = """{
  "crop_size": {
    "height": 224,
    "width": 224
  },
  "do_center_crop": true,
  "do_convert_rgb": true,
  "do_normalize": true,
  "do_rescale": true,
  "do_resize": true,
  "image_mean": [
    0.48145466,
    0.4578275,
    0.40821073
  ],
  "image_processor_type": "CLIPFeatureExtractor",
  "image_std": [
    0.26862954,
    0.26130258,
    0.27577711
  ],
  "resample": 3,
  "rescale_factor": 0.00392156862745098,
  "size": {
    "shortest_edge": 224
  }
}
"""

# The older form (CompVis/stable-diffusion-v1-4, first SD 1.5 revision).
PREPROCESSOR_CONFIG_LEGACY = """{
  "crop_size": 224,
  "do_center_crop": true,
  "do_normalize": true,
  "do_resize": true,
  "feature_extractor_type": "CLIPFeatureExtractor",
  "image_mean": [
    0.48145466,
    0.4578275,
    0.40821073
  ],
  "image_std": [
    0.26862954,
    0.26130258,
    0.27577711
  ],
  "resample": 3,
  "size": 224
}
"""

SCORE_MARGIN = 0.003  # every rounded score is at least this far from 0
ROUND_MARGIN = 5e-5  # every unrounded score is at least this far from a rounding boundary


def log(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------------------------------
# The model.


def tiny_config():
    return CLIPConfig(
        text_config=dict(
            vocab_size=49408,  # config only: the checker builds no text weights
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            max_position_embeddings=77,
            hidden_act="quick_gelu",
            layer_norm_eps=1e-5,
            projection_dim=16,
        ),
        vision_config=dict(
            image_size=224,
            patch_size=32,
            num_channels=3,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            hidden_act="quick_gelu",
            layer_norm_eps=1e-5,
            projection_dim=16,
        ),
        projection_dim=16,
    )


def reinit_checker(model, gen):
    for name, p in model.named_parameters():
        with torch.no_grad():
            if name in ("concept_embeds", "special_care_embeds"):
                v = torch.randn(p.shape, generator=gen)
            elif name.endswith("_embeds_weights"):
                v = torch.full(p.shape, 0.5)  # chosen later
            elif name.endswith("class_embedding") or name.endswith("position_embedding.weight"):
                v = 0.5 * torch.randn(p.shape, generator=gen)
            elif p.ndim >= 2:
                v = torch.randn(p.shape, generator=gen) / p[0].numel() ** 0.5
            elif "norm" in name and name.endswith("weight"):
                v = 1 + 0.1 * torch.randn(p.shape, generator=gen)
            else:
                v = 0.1 * torch.randn(p.shape, generator=gen)
            v[v == 0] = 0.0078125
            p.copy_(v)


def build_checker():
    gen = torch.Generator().manual_seed(20240611)
    model = StableDiffusionSafetyChecker(tiny_config()).eval()
    reinit_checker(model, gen)
    return model


# ---------------------------------------------------------------------------------------
# Images (seeded; all RGB uint8).


def u8(t):
    return t.clamp(0, 255).round().to(torch.uint8).numpy()


def grid(h, w):
    y = torch.arange(h, dtype=torch.float32)[:, None].expand(h, w)
    x = torch.arange(w, dtype=torch.float32)[None, :].expand(h, w)
    return y, x


def make_images():
    g = torch.Generator().manual_seed(424242)
    images = {}

    h, w = 64, 64
    y, x = grid(h, w)
    noise = (torch.rand((h, w, 3), generator=g) - 0.5) * 20
    img = torch.stack([x / (w - 1) * 255, y / (h - 1) * 255, 128 + 100 * torch.sin((x + y) / 9)], -1) + noise
    images["gradient-64x64"] = u8(img)

    images["noise-96x64"] = u8(torch.rand((64, 96, 3), generator=g) * 256 - 0.5)

    h, w = 96, 64
    y, x = grid(h, w)
    stripes = ((x // 5) % 2)[..., None] * torch.tensor([200.0, 40.0, 90.0]) + ((y // 11) % 3)[..., None] * torch.tensor([10.0, 80.0, 60.0])
    images["stripes-64x96"] = u8(stripes + (torch.rand((h, w, 3), generator=g) - 0.5) * 30)

    h, w = 120, 200
    y, x = grid(h, w)
    img = torch.full((h, w, 3), 30.0)
    for _ in range(6):
        cy, cx = torch.rand(2, generator=g) * torch.tensor([h, w])
        r = 8 + 30 * torch.rand(1, generator=g)
        col = torch.rand(3, generator=g) * 255
        img = img + torch.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * r * r))[..., None] * col
    images["blobs-200x120"] = u8(img)

    h, w = 512, 512
    y, x = grid(h, w)
    cols = (torch.rand((5, 3), generator=g) * 255).round()
    img = torch.where((((x // 32) + (y // 32)) % 2 == 0)[..., None], cols[0], cols[1])
    disk = ((x - 300) ** 2 + (y - 200) ** 2) < 130**2
    img = torch.where(disk[..., None], cols[2], img)
    band = (((x + 2 * y) // 23) % 4 == 0) & (y > 330)
    img = torch.where(band[..., None], cols[3], img)
    img = torch.where(((x - 100).abs() < 3)[..., None], cols[4], img)
    images["shapes-512x512"] = u8(img)

    images["noise-37x53"] = u8(torch.rand((53, 37, 3), generator=g) * 256 - 0.5)

    h, w = 224, 300
    y, x = grid(h, w)
    img = torch.stack([x / (w - 1) * 255, torch.full((h, w), 90.0), 255 - y / (h - 1) * 255], -1)
    cols = (torch.rand((3, 3), generator=g) * 255).round()
    for i, (a, b) in enumerate([(20, 45), (140, 150), (260, 290)]):
        img[:, a:b] = cols[i]
    images["bands-300x224"] = u8(img)
    return images


# ---------------------------------------------------------------------------------------
# PIL's bicubic resize re-implemented (Pillow src/libImaging/Resample.c, 8 bits per
# channel), to check the description in the docstring against PIL's bytes.


def _bicubic(x):
    a = -0.5
    x = abs(x)
    if x < 1.0:
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1
    if x < 2.0:
        return (((x - 5) * x + 8) * x - 4) * a
    return 0.0


def _coeffs(in_size, out_size):
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = 2.0 * filterscale
    bounds, weights = [], []
    for i in range(out_size):
        center = (i + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), in_size)
        w = [_bicubic((x + xmin - center + 0.5) / filterscale) for x in range(xmax - xmin)]
        s = sum(w)
        w = [v / s if s != 0.0 else v for v in w]
        fixed = [int(v * (1 << 22) - 0.5) if v < 0 else int(v * (1 << 22) + 0.5) for v in w]
        bounds.append(xmin)
        weights.append(np.array(fixed, dtype=np.int64))
    return bounds, weights


def _pass(src, in_size, out_size, axis):
    """src int64 array; resample along axis (0 = rows / vertical, 1 = columns)."""
    bounds, weights = _coeffs(in_size, out_size)
    out = []
    for xmin, k in zip(bounds, weights):
        seg = np.take(src, range(xmin, xmin + len(k)), axis=axis)
        shape = [1, 1, 1]
        shape[axis] = len(k)
        acc = (1 << 21) + (seg * k.reshape(shape)).sum(axis=axis)
        out.append(np.clip(acc >> 22, 0, 255))
    return np.stack(out, axis=axis)


def pil_bicubic_resize(arr, out_w, out_h):
    """arr uint8 [H,W,3] -> uint8 [out_h,out_w,3], as PIL's Image.resize(BICUBIC)."""
    h, w = arr.shape[:2]
    x = arr.astype(np.int64)
    if out_w != w:
        x = _pass(x, w, out_w, axis=1)
    if out_h != h:
        x = _pass(x, h, out_h, axis=0)
    return x.astype(np.uint8)


def resize_plan(w, h):
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = 224, int(224 * long / short)
    nw, nh = (new_short, new_long) if w <= h else (new_long, new_short)
    return nw, nh, (nh - 224) // 2, (nw - 224) // 2


# ---------------------------------------------------------------------------------------
# Running diffusers' forward and reading its locals.


FORWARD_CODE = inspect.unwrap(StableDiffusionSafetyChecker.forward).__code__


def run_forward(checker, clip_input, images):
    captured = {}

    def hook(frame, event, arg):
        if event == "return" and frame.f_code is FORWARD_CODE:
            captured.update({k: frame.f_locals[k] for k in ("result", "image_embeds", "pooled_output", "cos_dist", "special_cos_dist")})

    sys.setprofile(hook)
    try:
        out_images, has_nsfw = checker(images=images, clip_input=clip_input)
    finally:
        sys.setprofile(None)
    assert "result" in captured, "could not read forward's locals"
    return out_images, has_nsfw, captured


def score(cos, threshold, adjustment):
    """What diffusers computes: numpy float32 arithmetic, np.round to 3 decimals."""
    return round(np.float32(cos) - threshold + adjustment, 3), np.float32(cos) - threshold + adjustment


def predict(cos_dist, special_cos_dist, t_concept, t_special):
    """Re-derivation of diffusers' loop (used only to choose thresholds)."""
    out = []
    for i in range(cos_dist.shape[0]):
        adjustment = 0.0
        special, concept, raw = [], [], []
        for k in range(special_cos_dist.shape[1]):
            s, r = score(special_cos_dist[i][k], t_special[k], adjustment)
            special.append(float(s))
            raw.append(float(r))
            if s > 0:
                adjustment = 0.01
        for j in range(cos_dist.shape[1]):
            s, r = score(cos_dist[i][j], t_concept[j], adjustment)
            concept.append(float(s))
            raw.append(float(r))
        out.append(dict(special=special, concept=concept, raw=raw, adjustment=adjustment, flagged=max(concept) > 0))
    return out


def choose_thresholds(names, C, S):
    """C [n,17] and S [n,3] float32 cosines. A fixed rule:
    - special 0: the two images with the highest cosine are special-care hits (threshold
      midway between the 2nd and 3rd); special 1: threshold 0.004 above the cosine of the
      image with the highest special-0 cosine, so that image's special-1 score is -0.004
      before and +0.006 after the cascade's +0.01 (and images with a higher special-1
      cosine become special-care hits through special 1); special 2: above every image.
    - of the two special-0 images, the one whose concept cosine stands out most above the
      other images is flagged ONLY because of the adjustment (that concept's score sits at
      -0.005 before the +0.01); the other one stays ok.
    - two more images are flagged directly, each by the concept that separates it best.
    - every other concept threshold lies 0.02..0.2 above every image (cosine + adjustment).
    Then each threshold is nudged by < 1e-3 until no score is within SCORE_MARGIN of 0 or
    ROUND_MARGIN of a rounding boundary, and the plan is checked."""
    n = len(names)
    t_s = [0.0, 0.0, 0.0]
    order = np.argsort(-S[:, 0])
    sp = [int(order[0]), int(order[1])]
    t_s[0] = float((S[order[1], 0] + S[order[2], 0]) / 2)
    adj = np.array([0.01 if i in sp else 0.0 for i in range(n)])
    # special 1: the first special-care image lands at -0.004 before the cascade's +0.01
    t_s[1] = float(S[sp[0], 1] + 0.004)
    t_s[2] = float(S[:, 2].max() + 0.05)
    # which special-care image is flagged by adjustment only: the one whose best concept
    # stands out most above the other images
    def separation(i, j):
        others = [C[o, j] + adj[o] - adj[i] for o in range(n) if o != i]
        return C[i, j] - max(others)

    t_c = [None] * 17
    used = set()
    best = max(((separation(i, j), i, j) for i in sp for j in range(17)))
    _, adj_img, adj_con = best
    t_c[adj_con] = float(C[adj_img, adj_con] + 0.005)  # -0.005 + 0.01 = +0.005
    used.add(adj_con)
    ok_special = [i for i in sp if i != adj_img][0]
    rest = [i for i in range(n) if i not in sp]
    # two directly flagged images: the best separated among the rest
    cands = sorted(((max(separation(i, j) for j in range(17) if j not in used), i) for i in rest), reverse=True)
    direct = []
    for _, i in cands[:2]:
        sep, j = max((separation(i, j), j) for j in range(17) if j not in used)
        t_c[j] = float(C[i, j] - min(0.02, sep / 2))
        used.add(j)
        direct.append(i)
    gen = torch.Generator().manual_seed(7)
    for j in range(17):
        if t_c[j] is None:
            t_c[j] = float((C[:, j] + adj).max() + 0.02 + 0.18 * torch.rand(1, generator=gen).item())
    plan = dict(special_care=sorted(sp), flagged_by_adjustment=adj_img, ok_special=ok_special, direct=direct)

    def clean(tc, ts):
        tc32 = [float(np.float32(v)) for v in tc]
        ts32 = [float(np.float32(v)) for v in ts]
        pred = predict(C, S, tc32, ts32)
        for p in pred:
            for v in p["special"] + p["concept"]:
                if abs(v) < SCORE_MARGIN - 1e-9:
                    return None
            for r in p["raw"]:
                frac = abs(r * 1000 - np.floor(r * 1000) - 0.5) / 1000
                if frac < ROUND_MARGIN:
                    return None
        return tc32, ts32, pred

    # nudge thresholds one at a time (deterministic search order)
    tc, ts = list(t_c), list(t_s)
    for which, idx in [("s", k) for k in range(3)] + [("c", j) for j in range(17)]:
        base = ts[idx] if which == "s" else tc[idx]
        for step in [0] + [s * d for d in range(1, 100) for s in (1, -1)]:
            v = round(base + step * 1e-5, 5)
            if which == "s":
                ts[idx] = v
            else:
                tc[idx] = v
            if single_ok(C, S, tc, ts, which, idx):
                break
        else:
            raise SystemExit(f"no clean threshold for {which}{idx}")
    res = clean(tc, ts)
    assert res is not None, "thresholds not clean"
    tc32, ts32, pred = res
    flagged = [p["flagged"] for p in pred]
    assert pred[adj_img]["flagged"] and max(pred[adj_img]["concept"]) < 0.01, "adjustment-only plan failed"
    assert max(pred[adj_img]["concept"]) - 0.01 < 0
    assert not pred[ok_special]["flagged"] and pred[ok_special]["adjustment"] == 0.01
    assert all(flagged[i] for i in direct)
    assert any(flagged) and not all(flagged)
    return tc32, ts32, plan


def single_ok(C, S, tc, ts, which, idx):
    """Margins for the scores that depend on one threshold (with the others as they are)."""
    pred = predict(C, S, [float(np.float32(v)) for v in tc], [float(np.float32(v)) for v in ts])
    for p in pred:
        vals = [p["special"][idx]] if which == "s" else [p["concept"][idx]]
        raws = [p["raw"][idx]] if which == "s" else [p["raw"][3 + idx]]
        for v in vals:
            if abs(v) < SCORE_MARGIN - 1e-9:
                return False
        for r in raws:
            if abs(r * 1000 - np.floor(r * 1000) - 0.5) / 1000 < ROUND_MARGIN:
                return False
    return True


# ---------------------------------------------------------------------------------------


def to_json_scores(d):
    return {str(k): round(float(v), 3) for k, v in d.items()}


def main():
    full_pv = "--full-pixel-values" in sys.argv[1:]
    log(f"torch {torch.__version__}, diffusers {diffusers.__version__}, transformers {transformers.__version__}, numpy {np.__version__}, PIL {PIL.__version__}")
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(IMG_DIR)
    os.makedirs(FE_DIR)
    with open(os.path.join(FE_DIR, "preprocessor_config.json"), "w") as f:
        f.write(PREPROCESSOR_CONFIG)
    legacy_dir = os.path.join(OUT, "_legacy_tmp")
    os.makedirs(legacy_dir)
    with open(os.path.join(legacy_dir, "preprocessor_config.json"), "w") as f:
        f.write(PREPROCESSOR_CONFIG_LEGACY)

    # Images: write the PNGs, then use what reads back from them.
    arrays = make_images()
    names = list(arrays)
    pil = {}
    for n in names:
        path = os.path.join(IMG_DIR, n + ".png")
        Image.fromarray(arrays[n], "RGB").save(path, optimize=True)
        im = Image.open(path)
        im.load()
        assert im.mode == "RGB" and np.array_equal(np.array(im), arrays[n])
        pil[n] = im

    # The processor exactly as diffusers loads it (model_index: transformers CLIPImageProcessor).
    fe = CLIPImageProcessor.from_pretrained(FE_DIR)
    fe_legacy = CLIPImageProcessor.from_pretrained(legacy_dir)
    shutil.rmtree(legacy_dir)
    with open(os.path.join(OUT, "preprocessor_config-legacy.json"), "w") as f:
        f.write(PREPROCESSOR_CONFIG_LEGACY)
    log(f"feature extractor class: {type(fe).__module__}.{type(fe).__name__} (backend {getattr(fe, 'backend', '?')}), "
        f"size {fe.size}, crop_size {fe.crop_size}, resample {fe.resample!r}, rescale_factor {fe.rescale_factor}")
    assert type(fe).__name__ == "CLIPImageProcessorPil"

    batch = [pil[n] for n in names]
    pixel_values = fe(batch, return_tensors="pt").pixel_values
    assert pixel_values.dtype == torch.float32 and tuple(pixel_values.shape) == (len(names), 3, 224, 224)
    assert torch.equal(pixel_values, fe_legacy(batch, return_tensors="pt").pixel_values), "legacy config differs"
    crops = fe(batch, return_tensors="np", do_rescale=False, do_normalize=False).pixel_values  # [N,3,224,224] uint8
    crops = np.stack(crops) if isinstance(crops, list) else crops
    assert crops.dtype == np.uint8, crops.dtype
    mean = np.array(fe.image_mean, dtype=np.float32)
    std = np.array(fe.image_std, dtype=np.float32)
    for i, n in enumerate(names):
        x = (crops[i].astype(np.float64) * (1 / 255)).astype(np.float32)
        x = ((x.T - mean) / std).T
        assert np.array_equal(x, pixel_values[i].numpy()), f"normalize formula differs for {n}"
        # PIL's resize re-implemented, and the crop arithmetic
        h, w = arrays[n].shape[:2]
        nw, nh, top, left = resize_plan(w, h)
        resized = pil_bicubic_resize(arrays[n], nw, nh) if (nw, nh) != (w, h) else arrays[n]
        assert np.array_equal(resized, np.array(pil[n].resize((nw, nh), resample=Image.BICUBIC))), f"resize re-implementation differs for {n}"
        assert np.array_equal(resized[top : top + 224, left : left + 224].transpose(2, 0, 1), crops[i]), f"crop differs for {n}"
    log("processor checks: legacy config identical, normalize formula exact, PIL bicubic re-implementation exact")

    checker = build_checker()
    clip_input = pixel_values.to(torch.float32)

    # First pass: the cosines (thresholds do not affect them).
    _, _, cap = run_forward(checker, clip_input.clone(), [arrays[n].copy() for n in names])
    C, S = cap["cos_dist"], cap["special_cos_dist"]
    log("concept cosines per image (max, min):", [(n, round(float(C[i].max()), 3), round(float(C[i].min()), 3)) for i, n in enumerate(names)])
    log("special cosines:", {n: [round(float(v), 4) for v in S[i]] for i, n in enumerate(names)})
    tc, ts, plan = choose_thresholds(names, C, S)
    log("plan:", {k: ([names[i] for i in v] if isinstance(v, list) else names[v]) for k, v in plan.items()})
    with torch.no_grad():
        checker.concept_embeds_weights.copy_(torch.tensor(tc))
        checker.special_care_embeds_weights.copy_(torch.tensor(ts))

    # Save, reload, check the key layout.
    checker.save_pretrained(CHECKER_DIR, safe_serialization=True)
    log("checker folder:", sorted(os.listdir(CHECKER_DIR)))
    sd = load_file(os.path.join(CHECKER_DIR, "model.safetensors"))
    keys = sorted(sd)
    log(f"{len(keys)} keys; first 10:\n  " + "\n  ".join(keys[:10]))
    assert all(not k.startswith("vision_model.vision_model.") for k in keys)
    assert all(float(v.abs().min()) > 0 for v in sd.values()), "a zero weight"
    reloaded = StableDiffusionSafetyChecker.from_pretrained(CHECKER_DIR).eval()
    nested_dir = os.path.join(OUT, "_nested_tmp")
    shutil.copytree(CHECKER_DIR, nested_dir)
    nested = {("vision_model." + k if k.startswith("vision_model.") else k): v for k, v in sd.items()}
    save_file(nested, os.path.join(nested_dir, "model.safetensors"), metadata={"format": "pt"})
    from_nested = StableDiffusionSafetyChecker.from_pretrained(nested_dir).eval()
    shutil.rmtree(nested_dir)
    for other, what in [(reloaded, "reloaded"), (from_nested, "nested-name file")]:
        for k, v in checker.state_dict().items():
            assert torch.equal(v, other.state_dict()[k]), f"{what}: {k} differs"
    log("reload checks: saved folder and a vision_model.vision_model.* copy load the same tensors")

    # The reference run: diffusers' forward on the batch, from the reloaded folder.
    images_in = [arrays[n].astype(np.float32) / 255 for n in names]
    out_images, has_nsfw, cap = run_forward(reloaded, clip_input.clone(), images_in)
    result = cap["result"]
    assert has_nsfw == [len(r["bad_concepts"]) > 0 for r in result]
    for i, flagged in enumerate(has_nsfw):
        assert (not np.any(out_images[i])) == flagged  # black image iff flagged
    pred = predict(cap["cos_dist"], cap["special_cos_dist"], tc, ts)
    for i in range(len(names)):
        assert [float(result[i]["special_scores"][k]) for k in range(3)] == pred[i]["special"]
        assert [float(result[i]["concept_scores"][j]) for j in range(17)] == pred[i]["concept"]

    # Cross-check: the pipeline's own run_safety_checker, one image at a time.
    class _Pipe:
        pass

    p = _Pipe()
    p.safety_checker, p.feature_extractor, p.image_processor = reloaded, fe, VaeImageProcessor()
    single_embeds = []
    for i, n in enumerate(names):
        img = arrays[n][None].astype(np.float32) / 255
        cap1 = {}

        def hook(frame, event, arg, cap1=cap1):
            if event == "return" and frame.f_code is FORWARD_CODE:
                cap1["image_embeds"] = frame.f_locals["image_embeds"]

        sys.setprofile(hook)
        try:
            _, flag = StableDiffusionPipeline.run_safety_checker(p, img, "cpu", torch.float32)
        finally:
            sys.setprofile(None)
        assert flag == [has_nsfw[i]], f"pipeline path disagrees for {n}"
        single_embeds.append(float((cap1["image_embeds"][0] - cap["image_embeds"][i]).abs().max()))
    log(f"pipeline run_safety_checker per image agrees; max |embeds(single) - embeds(batch)| = {max(single_embeds):.2e}")

    # last_hidden_state for the refs (same module call as forward's vision_model(clip_input)).
    with torch.no_grad():
        vis = reloaded.vision_model(clip_input)
    assert torch.equal(vis[1], cap["pooled_output"])

    tensors = {}
    cases = []
    for i, n in enumerate(names):
        r = result[i]
        h, w = arrays[n].shape[:2]
        nw, nh, top, left = resize_plan(w, h)
        concept = to_json_scores(r["concept_scores"])
        special = to_json_scores(r["special_scores"])
        margin = max(concept.values())
        cases.append(dict(
            file=f"images/{n}.png",
            name=n,
            size=[w, h],
            resized=[nw, nh],
            crop=[top, left],
            has_nsfw_concept=bool(has_nsfw[i]),
            verdict="nsfw" if has_nsfw[i] else "ok",
            margin=margin,
            adjustment=0.01 if any(v > 0 for v in special.values()) else 0.0,
            bad_concepts=[int(j) for j in r["bad_concepts"]],
            special_care=[k for k in range(3) if special[str(k)] > 0],
            concept_scores=concept,
            special_scores=special,
        ))
        assert (margin > 0) == has_nsfw[i]
        tensors[f"crop.{n}"] = torch.from_numpy(crops[i].transpose(1, 2, 0).copy())[None]
        tensors[f"image_embeds.{n}"] = cap["image_embeds"][i : i + 1].float().contiguous()
        tensors[f"pooled_output.{n}"] = cap["pooled_output"][i : i + 1].float().contiguous()
        tensors[f"last_hidden_state.{n}"] = vis[0][i : i + 1].float().contiguous()
        if full_pv or n in PIXEL_VALUES_FOR:
            tensors[f"pixel_values.{n}"] = pixel_values[i : i + 1].contiguous()
    save_file(tensors, os.path.join(OUT, "safety-refs.safetensors"), metadata={"format": "pt"})

    refs = dict(
        generated_by="scripts/diffusers/make_safety_fixtures.py",
        versions=dict(torch=torch.__version__, diffusers=diffusers.__version__, transformers=transformers.__version__, numpy=np.__version__, pillow=PIL.__version__),
        processor_class=type(fe).__name__,
        checker="safety_checker",
        feature_extractor="feature_extractor",
        batch_note="References from one forward over all images in this order (clip_input [7,3,224,224]); "
        "per-image runs give the same decisions (max embeds difference %.1e)." % max(single_embeds),
        concept_thresholds=tc,
        special_thresholds=ts,
        rule="score = round(float32(cos) - threshold + adjustment, 3); special scores first (k = 0..2), "
        "adjustment becomes 0.01 after the first special score > 0 (and applies to later special scores); "
        "flagged iff any concept score > 0; margin = max concept score",
        pixel_values_for=names if full_pv else PIXEL_VALUES_FOR,
        images=cases,
    )
    with open(os.path.join(OUT, "safety-refs.json"), "w") as f:
        json.dump(refs, f, indent=1)
        f.write("\n")

    for c in cases:
        log(f"{c['file']:28s} {c['verdict']:4s} margin {c['margin']:+.3f} adjustment {c['adjustment']} "
            f"bad {c['bad_concepts']} special_care {c['special_care']} special {list(c['special_scores'].values())}")
    total = 0
    for dirpath, _, files in os.walk(OUT):
        for fn in sorted(files):
            size = os.path.getsize(os.path.join(dirpath, fn))
            total += size
            log(f"  {os.path.relpath(os.path.join(dirpath, fn), OUT):45s} {size:>9,d}")
    log(f"  total {total:,d} bytes")


if __name__ == "__main__":
    main()
