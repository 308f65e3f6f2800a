"""Reference fixtures for tiled VAE decode/encode (diffusers 0.30.3 AutoencoderKL.enable_tiling).

Regenerate (deterministic: fixed seeds, CPU, float32):

    tools/reference/.venv/bin/python tools/reference/make_vae_tiling_fixtures.py

Writes src/test/resources/fixtures/vae_tiling/ with
  config.json, diffusion_pytorch_model.safetensors   a tiny random VAE (3 blocks: 4 pixels per
      latent) whose sample_size 32 makes tiles of 32 pixels / 8 latents, so that small inputs
      already need several tiles, edge tiles included
  io.safetensors   inputs and diffusers' outputs with tiling on (tiled_decode / tiled_encode) and,
      for comparison, off:
      decode.latents [2, 4, 14, 19] -> decode.tiled [2, 3, 56, 76], decode.plain
      encode.image [2, 3, 60, 45]   -> encode.tiled_mean / encode.tiled_logvar [2, 4, 15, 11],
                                       encode.plain_mean
      small.latents [1, 4, 8, 8]    -> small.tiled (one tile: tiling does not apply, equal to plain)
  pipeline_txt2img.safetensors, pipeline_img2img.safetensors   the tiny AltDiffusion pipeline of
      fixtures/pipeline/tiny-altdiffusion (its VAE's sample_size 32: 32-pixel tiles) run by diffusers
      with pipe.enable_vae_tiling() at 64x48 (PNDM, its own scheduler; img2img from a seeded
      random picture, so its encode is tiled too): images [1, 48, 64, 3] in [0, 1] ("init" [48, 64, 3]
      uint8 for img2img)
"""

import os
import shutil
import sys

import torch
from safetensors.torch import save_file

from diffusers import AutoencoderKL, PNDMScheduler, UNet2DConditionModel
from transformers import XLMRobertaTokenizer
from diffusers.pipelines.deprecated.alt_diffusion import AltDiffusionImg2ImgPipeline, AltDiffusionPipeline
from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import RobertaSeriesModelWithTransformation
import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_unet_vae_fixtures import randomize  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "src", "test", "resources", "fixtures", "vae_tiling")
PIPELINE = os.path.join(ROOT, "src", "test", "resources", "fixtures", "pipeline", "tiny-altdiffusion")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

CONFIG = dict(
    in_channels=3, out_channels=3,
    down_block_types=["DownEncoderBlock2D"] * 3,
    up_block_types=["UpDecoderBlock2D"] * 3,
    block_out_channels=[8, 16, 16], layers_per_block=1, latent_channels=4, norm_num_groups=4,
    sample_size=32,
)


def main():
    torch.manual_seed(700)
    model = randomize(AutoencoderKL(**CONFIG), 700)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    model.save_pretrained(OUT, safe_serialization=True)
    print("tile_sample_min_size", model.tile_sample_min_size, "tile_latent_min_size", model.tile_latent_min_size)
    g = torch.Generator().manual_seed(701)
    t = {}
    with torch.no_grad():
        latents = torch.randn(2, 4, 14, 19, generator=g)
        image = torch.rand(2, 3, 60, 45, generator=g) * 2 - 1
        small = torch.randn(1, 4, 8, 8, generator=g)
        model.disable_tiling()
        t["decode.plain"] = model.decode(latents).sample
        t["encode.plain_mean"] = model.encode(image).latent_dist.mean
        model.enable_tiling()
        t["decode.latents"] = latents
        t["decode.tiled"] = model.decode(latents).sample
        dist = model.encode(image).latent_dist
        t["encode.image"] = image
        t["encode.tiled_mean"] = dist.mean
        t["encode.tiled_logvar"] = dist.logvar
        t["small.latents"] = small
        t["small.tiled"] = model.decode(small).sample
    for k, v in t.items():
        print(f"{k}: {tuple(v.shape)} |max| {v.abs().max():.4f}")
    print("tiled vs plain decode, max |diff|:", (t["decode.tiled"] - t["decode.plain"]).abs().max().item())
    save_file({k: v.contiguous() for k, v in t.items()}, os.path.join(OUT, "io.safetensors"))
    pipeline_cases()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"fixtures/vae_tiling: {total / 1e3:.1f} kB")


def pipeline_cases():
    part = lambda name: os.path.join(PIPELINE, name)  # noqa: E731
    pipe = AltDiffusionPipeline(
        vae=AutoencoderKL.from_pretrained(part("vae")),
        text_encoder=RobertaSeriesModelWithTransformation.from_pretrained(part("text_encoder")),
        tokenizer=XLMRobertaTokenizer.from_pretrained(part("tokenizer")),
        unet=UNet2DConditionModel.from_pretrained(part("unet")),
        scheduler=PNDMScheduler.from_pretrained(part("scheduler")),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    pipe.enable_vae_tiling()
    out = pipe(prompt="a red circle on the left", negative_prompt="blurry", num_inference_steps=4,
               guidance_scale=7.5, generator=[torch.Generator().manual_seed(5)], height=48, width=64,
               output_type="np").images
    save_file({"images": torch.from_numpy(np.ascontiguousarray(out)).float()},
              os.path.join(OUT, "pipeline_txt2img.safetensors"))
    img2img = AltDiffusionImg2ImgPipeline(**pipe.components)
    img2img.set_progress_bar_config(disable=True)
    init = (np.random.RandomState(1).rand(48, 64, 3) * 255).astype(np.uint8)
    out = img2img(prompt="a purple heart", negative_prompt="noise", image=Image.fromarray(init), strength=0.6,
                  num_inference_steps=5, guidance_scale=7.5, generator=[torch.Generator().manual_seed(21)],
                  output_type="np").images
    save_file({"images": torch.from_numpy(np.ascontiguousarray(out)).float(), "init": torch.from_numpy(init)},
              os.path.join(OUT, "pipeline_img2img.safetensors"))
    print("pipeline cases: txt2img and img2img at 64x48 with enable_vae_tiling()")


if __name__ == "__main__":
    main()
