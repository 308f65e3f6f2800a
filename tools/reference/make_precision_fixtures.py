"""Reference fixtures for --dtype: the pipeline parity cases run by diffusers in bfloat16 and float16.

Regenerate (deterministic: fixed seeds, CPU):

    tools/reference/.venv/bin/python tools/reference/make_precision_fixtures.py

Reads the tiny AltDiffusion folder and cases.json of make_pipeline_fixtures.py
(src/test/resources/fixtures/pipeline/) and writes src/test/resources/fixtures/precision/:
  <case>-<dtype>.safetensors  "images": float32 [B, H, W, 3] in [0, 1], as the pipeline returns them
                              (output_type="np") with every model in <dtype> (diffusers'
                              torch_dtype: its latents, scheduler steps and guidance run in <dtype> too)
  cases.json                  the cases written, with each case's dtype
"""

import json
import os
import shutil

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

from diffusers import PNDMScheduler
from diffusers.pipelines.deprecated.alt_diffusion import AltDiffusionImg2ImgPipeline, AltDiffusionPipeline

import make_pipeline_fixtures as base

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "src", "test", "resources", "fixtures")
PIPELINE = os.path.join(FIXTURES, "pipeline")
OUT = os.path.join(FIXTURES, "precision")
CASES = ["pndm_guided", "euler_a", "dpmpp_2m_wide", "ddim_eta", "img2img_euler_a"]
DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16}

torch.set_num_threads(1)


def load_pipeline():
    """The committed folder's weights in make_pipeline_fixtures' classes (diffusers cannot load the
    deprecated RobertaSeriesModelWithTransformation by name), with its m18 scheduler."""
    pipe = base.build()
    folder = os.path.join(PIPELINE, "tiny-altdiffusion")
    for name in ["text_encoder", "unet", "vae"]:
        files = [f for f in os.listdir(os.path.join(folder, name)) if f.endswith(".safetensors")]
        state = load_file(os.path.join(folder, name, files[0]))
        getattr(pipe, name).load_state_dict(state, strict=True)
    pipe.scheduler = PNDMScheduler.from_pretrained(os.path.join(folder, "scheduler"))
    return pipe


def run(pipe, img2img, c, dtype):
    pipe.scheduler = base.with_sampler(base_scheduler_config, c["sampler"])
    gens = [torch.Generator().manual_seed(c["seed"] + i) for i in range(c["batch"])]
    common = dict(prompt=c["prompt"], negative_prompt=c["negative_prompt"] or None,
                  num_inference_steps=c["steps"], guidance_scale=c["guidance"], generator=gens,
                  output_type="np")
    if c["mode"] == "img2img":
        img2img.scheduler = pipe.scheduler
        init = load_file(os.path.join(PIPELINE, c["name"] + ".safetensors"))["init"].numpy()
        return img2img(image=Image.fromarray(init), strength=c["strength"], **common).images
    return pipe(guidance_rescale=c["guidance_rescale"], eta=c["eta"], num_images_per_prompt=c["batch"],
                height=c["height"], width=c["width"], **common).images


def main():
    global base_scheduler_config
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    with open(os.path.join(PIPELINE, "cases.json"), encoding="utf-8") as f:
        cases = {c["name"]: c for c in json.load(f)}
    written = []
    for dtype_name, dtype in DTYPES.items():
        pipe = load_pipeline().to(dtype=dtype)
        base_scheduler_config = pipe.scheduler.config
        img2img = AltDiffusionImg2ImgPipeline(**pipe.components)
        img2img.set_progress_bar_config(disable=True)
        for name in CASES:
            c = cases[name]
            out = run(pipe, img2img, c, dtype)
            assert np.isfinite(out).all(), (name, dtype_name)
            save_file({"images": torch.from_numpy(np.ascontiguousarray(out)).float()},
                      os.path.join(OUT, name + "-" + dtype_name + ".safetensors"))
            written.append(dict(c, dtype=dtype_name))
            print(name, dtype_name, out.shape)
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(written, f, ensure_ascii=False, indent=1)
    print("wrote", len(written), "cases to", OUT)


if __name__ == "__main__":
    main()
