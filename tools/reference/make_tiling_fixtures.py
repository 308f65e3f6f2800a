"""Reference fixtures for tiling (A1111's "Tiling": every Conv2d of the UNet and the VAE pads
circularly, so the picture's left/right and top/bottom edges continue each other).

A1111 does it by setting padding_mode="circular" on each torch.nn.Conv2d of the model; the same is
done here on diffusers' AltDiffusionPipeline over the tiny pipeline fixture (which
make_pipeline_fixtures.py writes). Regenerate (CPU, float32, deterministic):

    tools/reference/.venv/bin/python tools/reference/make_tiling_fixtures.py

Writes src/test/resources/fixtures/tiling/cases.json and <case>.safetensors ("images": float32
[B, H, W, 3] in [0, 1] as the pipeline returns them; image i seeded seed + i).
"""

import json
import os

import numpy as np
import torch
from safetensors.torch import save_file

from diffusers import AutoencoderKL, EulerAncestralDiscreteScheduler, PNDMScheduler, UNet2DConditionModel
from diffusers.pipelines.deprecated.alt_diffusion import AltDiffusionPipeline
from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import RobertaSeriesModelWithTransformation
from transformers import XLMRobertaTokenizer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "src", "test", "resources", "fixtures")
MODEL = os.path.join(FIXTURES, "pipeline", "tiny-altdiffusion")
OUT = os.path.join(FIXTURES, "tiling")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def circular(module):
    count = 0
    for m in module.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.padding_mode = "circular"
            count += 1
    return count


def main():
    os.makedirs(OUT, exist_ok=True)
    # the folder names a class diffusers' loader cannot find: build the pipeline from its parts
    sub = lambda n: os.path.join(MODEL, n)
    pipe = AltDiffusionPipeline(
        vae=AutoencoderKL.from_pretrained(sub("vae")),
        text_encoder=RobertaSeriesModelWithTransformation.from_pretrained(sub("text_encoder")),
        tokenizer=XLMRobertaTokenizer.from_pretrained(sub("tokenizer")),
        unet=UNet2DConditionModel.from_pretrained(sub("unet")),
        scheduler=PNDMScheduler.from_pretrained(sub("scheduler")),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    print("circular convolutions:", circular(pipe.unet), "UNet,", circular(pipe.vae), "VAE")
    base = pipe.scheduler.config
    cases = []
    for name, sampler, steps, seed, batch, w, h in [
        ("pndm_32x32", None, 6, 11, 2, 32, 32),
        ("euler_a_48x32", "Euler a", 6, 5, 1, 48, 32),
    ]:
        pipe.scheduler = (EulerAncestralDiscreteScheduler if sampler else PNDMScheduler).from_config(base)
        gens = [torch.Generator().manual_seed(seed + i) for i in range(batch)]
        out = pipe(prompt="a red circle", negative_prompt="blurry", num_inference_steps=steps,
                   guidance_scale=7.5, generator=gens, num_images_per_prompt=batch, height=h, width=w,
                   output_type="np").images
        save_file({"images": torch.from_numpy(np.ascontiguousarray(out)).float()},
                  os.path.join(OUT, name + ".safetensors"))
        cases.append(dict(name=name, prompt="a red circle", negative_prompt="blurry", sampler=sampler,
                          steps=steps, guidance=7.5, seed=seed, batch=batch, width=w, height=h))
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, indent=1)
    print("wrote", len(cases), "cases to", OUT)


if __name__ == "__main__":
    main()
