"""Pictures of the shipped models (models/altdiffusion-tiny, models/english-base) made by diffusers.

The built-in model is an export of our own training code; this script loads it with diffusers
0.30.3's AltDiffusionPipeline (and the English base with StableDiffusionPipeline), exactly as a
Python user would, and generates a few prompts in several languages with the model's own scheduler
(DPMSolverMultistepScheduler). Our pipeline must give the same pictures
(src/test/java/.../pipeline/ShippedModelParityTest.java).

Writes src/test/resources/fixtures/shipped/<model>.safetensors: "images" float32 [N, 64, 64, 3] in
[0, 1] as the pipeline returns them (output_type="np"), and cases.json (prompts, seeds, steps,
guidance). Picture i is made with torch.Generator().manual_seed(seed_i).

Run: tools/reference/.venv/bin/python tools/reference/make_tiny_model_fixtures.py
"""
import json
import os

import numpy as np
import torch
from diffusers import AutoencoderKL, DPMSolverMultistepScheduler, StableDiffusionPipeline, UNet2DConditionModel
from diffusers.pipelines.deprecated.alt_diffusion import AltDiffusionPipeline
from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import RobertaSeriesModelWithTransformation
from safetensors.torch import save_file
from transformers import XLMRobertaTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "src", "test", "resources", "fixtures", "shipped")

CASES = {
    "altdiffusion-tiny": [
        ("a large red circle on the left", 1, 25, 7.5),
        ("右边有一个蓝色的小正方形", 2, 25, 7.5),
        ("ein großer grüner Stern oben", 3, 20, 5.0),
        ("نجمة صفراء صغيرة في الأسفل", 4, 25, 7.5),
    ],
    "english-base": [
        ("a large red circle on the left", 1, 25, 7.5),
        ("a small purple triangle at the bottom", 5, 25, 7.5),
    ],
}


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    meta = {}
    for name, cases in CASES.items():
        folder = os.path.join(ROOT, "models", name)
        if name == "altdiffusion-tiny":
            # model_index.json names the text encoder's library as diffusers' save_pretrained writes it
            # ("diffusers"); 0.30.3's from_pretrained cannot resolve classes of the deprecated AltDiffusion
            # module that way, so the pipeline is assembled from its components, each read from its folder.
            pipe = AltDiffusionPipeline(
                vae=AutoencoderKL.from_pretrained(os.path.join(folder, "vae")),
                text_encoder=RobertaSeriesModelWithTransformation.from_pretrained(os.path.join(folder, "text_encoder")),
                tokenizer=XLMRobertaTokenizer.from_pretrained(os.path.join(folder, "tokenizer")),
                unet=UNet2DConditionModel.from_pretrained(os.path.join(folder, "unet")),
                scheduler=DPMSolverMultistepScheduler.from_pretrained(os.path.join(folder, "scheduler")),
                safety_checker=None, feature_extractor=None, requires_safety_checker=False)
        else:
            pipe = StableDiffusionPipeline.from_pretrained(folder, safety_checker=None, requires_safety_checker=False, feature_extractor=None)
        pipe.set_progress_bar_config(disable=True)
        images = []
        for prompt, seed, steps, guidance in cases:
            out = pipe(prompt, num_inference_steps=steps, guidance_scale=guidance, height=64, width=64,
                       generator=torch.Generator().manual_seed(seed), output_type="np").images
            images.append(out[0])
        save_file({"images": torch.from_numpy(np.ascontiguousarray(np.stack(images))).float()}, os.path.join(OUT, name + ".safetensors"))
        meta[name] = [{"prompt": p, "seed": s, "steps": st, "guidance": g} for p, s, st, g in cases]
        print(name, "scheduler", type(pipe.scheduler).__name__, "images", len(images))
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
