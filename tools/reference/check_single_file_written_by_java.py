"""Checks that a single file written by `altdiffusion convert FOLDER OUT.safetensors` is what
diffusers 0.30.3's single-file conversion reads: converting it back gives the folder's weights.

    ./altdiffusion convert models/english-base /tmp/eb.safetensors
    tools/reference/.venv/bin/python tools/reference/check_single_file_written_by_java.py models/english-base /tmp/eb.safetensors
"""

import json
import os
import sys

import torch
from diffusers.loaders.single_file_utils import (convert_ldm_clip_checkpoint, convert_ldm_unet_checkpoint,
                                                 convert_ldm_vae_checkpoint)
from safetensors.torch import load_file


def main(folder, file):
    ckpt = load_file(file)
    worst = 0.0
    for component, convert in [("unet", lambda c: convert_ldm_unet_checkpoint(ckpt, c)),
                               ("vae", lambda c: convert_ldm_vae_checkpoint(ckpt, c)),
                               ("text_encoder", lambda c: convert_ldm_clip_checkpoint(ckpt) if any(
                                   k.startswith("cond_stage_model.transformer.") for k in ckpt) else {
                                   k[len("cond_stage_model."):]: v for k, v in ckpt.items()
                                   if k.startswith("cond_stage_model.")})]:
        config = json.load(open(os.path.join(folder, component, "config.json")))
        names = ["diffusion_pytorch_model.safetensors", "model.safetensors"]
        weights = load_file(next(os.path.join(folder, component, n) for n in names
                                 if os.path.exists(os.path.join(folder, component, n))))
        converted = convert(config)
        assert set(converted) == set(weights), (component, set(converted) ^ set(weights))
        for k, v in weights.items():
            worst = max(worst, (converted[k].float() - v.float()).abs().max().item())
        print(component, len(weights), "tensors")
    print("max difference", worst)
    assert worst == 0.0


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
