"""Reference fixtures for inpainting: diffusers' StableDiffusionInpaintPipeline on tiny random models.

Regenerate (deterministic: fixed seeds, CPU, float32), after make_pipeline_fixtures.py:

    tools/reference/.venv/bin/python tools/reference/make_inpaint_fixtures.py

Reads the tiny AltDiffusion folder of make_pipeline_fixtures.py (src/test/resources/fixtures/pipeline/
tiny-altdiffusion: its 4-channel UNet is the "4-channel inpainting" case; StableDiffusionInpaintPipeline
takes its RoBERTa text encoder as AltDiffusion does) and writes src/test/resources/fixtures/inpaint/:
  unet-9ch/              a tiny random UNet2DConditionModel with in_channels 9 (latents, mask, masked
                         picture's latents), otherwise configured as the tiny folder's UNet
  cases.json             the calls (prompt, negative prompt, sampler, steps, guidance, seed, batch, size,
                         strength, unet "4ch" or "9ch") with the file name of their output
  <case>.safetensors     "images": float32 [B, H, W, 3] in [0, 1] as the pipeline returns them
                         (output_type="np"), "init": the uint8 [H, W, 3] picture, "mask": the uint8
                         [H, W] mask (mode "L", white = repaint; soft edges, so binarisation matters)

Image i of a batch is made with its own generator torch.Generator().manual_seed(seed + i), as our
pipeline seeds batches. Without padding_mask_crop diffusers returns the decoded picture as is; the
"crop_*" cases give padding_mask_crop, a 64x48 original and a smaller processing size, and their
"images" are the pasted-back PIL pictures (the original's size) as float32 /255.
"""

import json
import os
import shutil

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

from diffusers import (AutoencoderKL, DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler, PNDMScheduler,
                       StableDiffusionInpaintPipeline, UNet2DConditionModel)
from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import RobertaSeriesModelWithTransformation
from transformers import XLMRobertaTokenizer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "src", "test", "resources", "fixtures")
MODEL = os.path.join(FIXTURES, "pipeline", "tiny-altdiffusion")
OUT = os.path.join(FIXTURES, "inpaint")
UNET9 = os.path.join(OUT, "unet-9ch")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

SAMPLERS = {"PNDM": PNDMScheduler, "DDIM": DDIMScheduler, "Euler a": EulerAncestralDiscreteScheduler,
            "DPM++ 2M": DPMSolverMultistepScheduler}


def perturb_norms(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and p.ndim == 1:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.2 * torch.randn(p.shape, generator=g))
    return model.eval()


def unet9():
    torch.manual_seed(6)
    return perturb_norms(UNet2DConditionModel(
        sample_size=8, in_channels=9, out_channels=4, layers_per_block=1, block_out_channels=(16, 32),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32, attention_head_dim=(2, 4), use_linear_projection=True, norm_num_groups=8), 7)


def picture(w, h):
    """A smooth picture with some texture: gradients plus seeded noise, uint8 [H, W, 3]."""
    rng = np.random.RandomState(1)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x / w, y / h, 0.5 + 0.5 * np.sin((x + y) / 5.0)], axis=-1) * 200
    return np.clip(base + rng.rand(h, w, 3) * 55, 0, 255).astype(np.uint8)


def mask(w, h):
    """A soft-edged ellipse, 255 inside (repaint), falling off through grays to 0: uint8 [H, W]."""
    y, x = np.mgrid[0:h, 0:w]
    d = np.sqrt(((x - w * 0.6) / (w * 0.3)) ** 2 + ((y - h * 0.45) / (h * 0.3)) ** 2)
    return np.clip((1.3 - d) * 255 / 0.6, 0, 255).astype(np.uint8)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    components = dict(
        vae=AutoencoderKL.from_pretrained(os.path.join(MODEL, "vae")).eval(),
        text_encoder=RobertaSeriesModelWithTransformation.from_pretrained(os.path.join(MODEL, "text_encoder")).eval(),
        tokenizer=XLMRobertaTokenizer.from_pretrained(os.path.join(MODEL, "tokenizer")),
        unet=UNet2DConditionModel.from_pretrained(os.path.join(MODEL, "unet")).eval(),
        scheduler=PNDMScheduler.from_pretrained(os.path.join(MODEL, "scheduler")),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    base_config = components["scheduler"].config
    u9 = unet9()
    u9.save_pretrained(UNET9, safe_serialization=True)
    w, h = 48, 32
    init, msk = picture(w, h), mask(w, h)
    cases = []
    for unet_name, unet in [("4ch", components["unet"]), ("9ch", u9)]:
        pipe = StableDiffusionInpaintPipeline(**{**components, "unet": unet})
        pipe.set_progress_bar_config(disable=True)
        for k, (sampler, strength, seed, guidance) in enumerate(
                [("PNDM", 1.0, 31, 7.5), ("DDIM", 0.6, 32, 7.5), ("Euler a", 1.0, 33, 6.0),
                 ("DPM++ 2M", 0.6, 34, 7.5), ("Euler a", 0.6, 35, 1.0)]):
            name = f"{unet_name}_{sampler.replace(' ', '').replace('+', 'p').lower()}_s{int(strength * 10)}" + (
                "_unguided" if guidance <= 1 else "")
            pipe.scheduler = SAMPLERS[sampler].from_config(base_config)
            gens = [torch.Generator().manual_seed(seed + i) for i in range(2)]
            prompt, negative = "a yellow flower", "dark"
            out = pipe(prompt=prompt, negative_prompt=negative, image=Image.fromarray(init),
                       mask_image=Image.fromarray(msk, mode="L"), strength=strength, num_inference_steps=6,
                       guidance_scale=guidance, generator=gens, num_images_per_prompt=2, height=h, width=w,
                       output_type="np").images
            save_file({"images": torch.from_numpy(np.ascontiguousarray(out)).float(),
                       "init": torch.from_numpy(init), "mask": torch.from_numpy(msk)},
                      os.path.join(OUT, name + ".safetensors"))
            cases.append(dict(name=name, unet=unet_name, prompt=prompt, negative_prompt=negative, sampler=sampler,
                              steps=6, guidance=guidance, seed=seed, batch=2, width=w, height=h, strength=strength))
    # padding_mask_crop: a 64x48 original, the region around the mask cropped, fitted to the
    # processing size, inpainted, resized back and pasted over the original (diffusers' apply_overlay)
    big_init, big_mask = picture(64, 48), np.zeros((48, 64), np.uint8)
    big_mask[30:44, 46:60] = 255
    big_mask[28:30, 44:62] = 128  # gray edge: binarised to repaint, half-transparent in the overlay
    for unet_name, unet, sampler, strength, seed, pad, w, h in [
            ("4ch", components["unet"], "PNDM", 1.0, 41, 4, 32, 32),
            ("9ch", u9, "Euler a", 0.6, 42, 2, 48, 32),
            ("9ch", u9, "DPM++ 2M", 1.0, 43, 30, 32, 48)]:
        pipe = StableDiffusionInpaintPipeline(**{**components, "unet": unet})
        pipe.set_progress_bar_config(disable=True)
        pipe.scheduler = SAMPLERS[sampler].from_config(base_config)
        name = f"crop_{unet_name}_{sampler.replace(' ', '').replace('+', 'p').lower()}_pad{pad}_{w}x{h}"
        gens = [torch.Generator().manual_seed(seed + i) for i in range(2)]
        images = pipe(prompt="a blue bird", negative_prompt="", image=Image.fromarray(big_init),
                      mask_image=Image.fromarray(big_mask, mode="L"), strength=strength, num_inference_steps=5,
                      guidance_scale=7.5, generator=gens, num_images_per_prompt=2, height=h, width=w,
                      padding_mask_crop=pad, output_type="pil").images
        out = np.stack([np.asarray(i, dtype=np.float32) / 255 for i in images])
        save_file({"images": torch.from_numpy(np.ascontiguousarray(out)).float(),
                   "init": torch.from_numpy(big_init), "mask": torch.from_numpy(big_mask)},
                  os.path.join(OUT, name + ".safetensors"))
        cases.append(dict(name=name, unet=unet_name, prompt="a blue bird", negative_prompt="", sampler=sampler,
                          steps=5, guidance=7.5, seed=seed, batch=2, width=w, height=h, strength=strength,
                          padding_mask_crop=pad))
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
    print("wrote", len(cases), "cases to", OUT)


if __name__ == "__main__":
    main()
