#!/usr/bin/env python3
"""How close PyTorch's own bf16 pipeline stays to its fp32 outputs on the tiny reference
models: the bar the engine's bf16 path must meet (BFloat16Tests reads the result).

Run by hand (never by CI) from the repository root, after make_reference_fixtures.py,
in the same virtual environment:

    /tmp/venv/bin/python scripts/diffusers/bf16_closeness.py

For sd1-tiny and sd2-tiny it runs the U-Net call and the VAE decode of refs-<model>
with the modules and inputs cast to torch.bfloat16 (as `pipe.to(torch.bfloat16)` runs
them) and writes, for each, the error against the fp32 reference output:
max_relative (largest absolute error over the reference's largest magnitude) and
nmse (squared error over the reference's squared norm), to
Tests/DiffusionTests/Fixtures/bf16-closeness.json.
"""

import json

import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from safetensors.torch import load_file

FIXTURES = "Tests/DiffusionTests/Fixtures/"


def error(actual, expected):
    actual, expected = actual.float(), expected.float()
    diff = actual - expected
    return {
        "max_relative": (diff.abs().max() / expected.abs().max()).item(),
        "nmse": (diff.pow(2).sum() / expected.pow(2).sum()).item(),
    }


def main():
    result = {}
    for model in ["sd1-tiny", "sd2-tiny"]:
        refs = load_file(FIXTURES + f"refs-{model.split('-')[0]}.safetensors")
        unet = UNet2DConditionModel.from_pretrained(FIXTURES + model, subfolder="unet", torch_dtype=torch.bfloat16)
        vae = AutoencoderKL.from_pretrained(FIXTURES + model, subfolder="vae", torch_dtype=torch.bfloat16)
        with torch.no_grad():
            out = unet(refs["unet.sample"].bfloat16(), refs["unet.timesteps"],
                       refs["unet.encoder_hidden_states"].bfloat16()).sample
            latents = refs["vae.latents"] / vae.config.scaling_factor
            decoded = vae.decode(latents.bfloat16()).sample
        result[model] = {"unet": error(out, refs["unet.out"]), "vae": error(decoded, refs["vae.decoded"])}
        print(model, json.dumps(result[model]))
    with open(FIXTURES + "bf16-closeness.json", "w") as f:
        json.dump({"torch": torch.__version__, "models": result}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
