"""Reference fixtures for the generation pipeline: a tiny AltDiffusion model run end to end.

Regenerate (deterministic: fixed seeds, CPU, float32):

    tools/reference/.venv/bin/python tools/reference/make_pipeline_fixtures.py

Writes src/test/resources/fixtures/pipeline/:
  tiny-altdiffusion/   a complete diffusers folder (AltDiffusionPipeline): tokenizer (the XLM-R
                       test tokenizer), RobertaSeriesModelWithTransformation (m18 style), an SD2-style
                       UNet, an AutoencoderKL and the m18 PNDM scheduler config; random weights
  cases.json           the generation calls (prompt, negative prompt, sampler, steps, guidance,
                       seeds, size, strength) with the file name of their output
  <case>.safetensors   "images": float32 [B, H, W, 3] in [0, 1] exactly as the pipeline returns
                       them (output_type="np"), and for img2img "init": the uint8 init picture

Each image i of a batch is made with its own generator torch.Generator().manual_seed(seed + i),
which is how our pipeline seeds batches.
"""

import json
import os
import shutil

import numpy as np
import torch
from safetensors.torch import save_file
from PIL import Image

from diffusers import (AutoencoderKL, DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
                       EulerDiscreteScheduler, LMSDiscreteScheduler, PNDMScheduler, UNet2DConditionModel)
from diffusers.pipelines.deprecated.alt_diffusion import AltDiffusionImg2ImgPipeline, AltDiffusionPipeline
from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import (RobertaSeriesConfig,
                                                                                    RobertaSeriesModelWithTransformation)
from transformers import XLMRobertaTokenizer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "src", "test", "resources", "fixtures")
OUT = os.path.join(FIXTURES, "pipeline")
MODEL = os.path.join(OUT, "tiny-altdiffusion")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def perturb_norms(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ("norm" in name or "LayerNorm" in name or "pre_LN" in name) and p.ndim == 1:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.2 * torch.randn(p.shape, generator=g))
    return model.eval()


def build():
    tokenizer = XLMRobertaTokenizer.from_pretrained(os.path.join(FIXTURES, "tokenizer", "xlmr"))
    tokenizer.model_max_length = 77
    torch.manual_seed(0)
    text_config = RobertaSeriesConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=37, max_position_embeddings=80, type_vocab_size=1, pad_token_id=1,
        bos_token_id=0, eos_token_id=2, project_dim=32, has_pre_transformation=True,
        layer_norm_eps=1e-5, hidden_act="gelu")
    text_encoder = perturb_norms(RobertaSeriesModelWithTransformation(text_config), 1)
    torch.manual_seed(2)
    unet = perturb_norms(UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(16, 32),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32, attention_head_dim=(2, 4), use_linear_projection=True, norm_num_groups=8), 3)
    torch.manual_seed(4)
    vae = perturb_norms(AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2, block_out_channels=(16, 32), layers_per_block=1,
        latent_channels=4, norm_num_groups=8, sample_size=32), 5)
    # m18's scheduler_config.json (clip_sample is in the published file; PNDM ignores it)
    scheduler = PNDMScheduler.from_config(dict(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
        skip_prk_steps=True, steps_offset=1, set_alpha_to_one=False, clip_sample=False))
    pipe = AltDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


M18_SCHEDULER = {
    "_class_name": "PNDMScheduler", "_diffusers_version": "0.10.0.dev0", "beta_end": 0.012,
    "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False, "num_train_timesteps": 1000,
    "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1, "trained_betas": None,
}

SAMPLERS = {
    "PNDM": None,
    "DDIM": DDIMScheduler,
    "Euler": EulerDiscreteScheduler,
    "Euler a": EulerAncestralDiscreteScheduler,
    "LMS": LMSDiscreteScheduler,
    "DPM++ 2M": DPMSolverMultistepScheduler,
    "DPM++ 2M Karras": DPMSolverMultistepScheduler,
}


def with_sampler(base, name):
    """The sampler called `name` made from the model's own scheduler config `base`."""
    if SAMPLERS[name] is None:
        return PNDMScheduler.from_config(base)
    if name == "DPM++ 2M Karras":
        return DPMSolverMultistepScheduler.from_config(base, use_karras_sigmas=True)
    return SAMPLERS[name].from_config(base)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    pipe = build()
    pipe.save_pretrained(MODEL, safe_serialization=True)
    # The published m18 scheduler_config.json predates timestep_spacing: write it in that form and
    # derive every sampler from the file, as loading the folder in diffusers does (keys absent from
    # the file take each sampler's own defaults, e.g. Euler's "linspace").
    with open(os.path.join(MODEL, "scheduler", "scheduler_config.json"), "w") as f:
        json.dump(M18_SCHEDULER, f, indent=2)
    pipe.scheduler = PNDMScheduler.from_pretrained(os.path.join(MODEL, "scheduler"))
    base_scheduler = pipe.scheduler
    cases = []

    def txt2img(name, prompt, negative, sampler, steps, guidance, seed, batch, size, rescale=0.0, eta=0.0):
        pipe.scheduler = with_sampler(base_scheduler.config, sampler)
        gens = [torch.Generator().manual_seed(seed + i) for i in range(batch)]
        out = pipe(prompt=prompt, negative_prompt=negative or None, num_inference_steps=steps,
                   guidance_scale=guidance, guidance_rescale=rescale, eta=eta, generator=gens,
                   num_images_per_prompt=batch, height=size, width=size, output_type="np").images
        save_file({"images": torch.from_numpy(np.ascontiguousarray(out)).float()}, os.path.join(OUT, name + ".safetensors"))
        cases.append(dict(name=name, mode="txt2img", prompt=prompt, negative_prompt=negative, sampler=sampler,
                          steps=steps, guidance=guidance, guidance_rescale=rescale, eta=eta, seed=seed,
                          batch=batch, width=size, height=size))

    txt2img("pndm_guided", "a red circle on the left", "blurry, dark", "PNDM", 5, 7.5, 42, 2, 32)
    txt2img("pndm_unguided", "一只猫 在月亮上", "", "PNDM", 4, 1.0, 7, 1, 32)
    txt2img("ddim_eta", "eine blaue Katze", "", "DDIM", 6, 5.0, 3, 2, 32, eta=0.5)
    txt2img("euler_a", "un chat rouge", "flou", "Euler a", 6, 7.0, 11, 2, 24)
    txt2img("euler", "кот", "", "Euler", 5, 3.0, 5, 1, 32)
    txt2img("lms", "고양이", "", "LMS", 5, 4.0, 9, 1, 32)
    txt2img("dpmpp_2m_karras_rescale", "قطة حمراء", "ضبابي", "DPM++ 2M Karras", 6, 6.0, 13, 2, 32, rescale=0.7)
    txt2img("dpmpp_2m_wide", "a green star", "", "DPM++ 2M", 5, 7.5, 17, 1, 48)

    # img2img: a deterministic picture, strength 0.6
    pipe.scheduler = base_scheduler
    img2img = AltDiffusionImg2ImgPipeline(**pipe.components)
    img2img.set_progress_bar_config(disable=True)
    rng = np.random.RandomState(0)
    init = (rng.rand(32, 32, 3) * 255).astype(np.uint8)
    for name, sampler, strength in [("img2img_pndm", "PNDM", 0.6), ("img2img_euler_a", "Euler a", 0.75)]:
        img2img.scheduler = with_sampler(base_scheduler.config, sampler)
        gens = [torch.Generator().manual_seed(21)]
        out = img2img(prompt="a purple heart", negative_prompt="noise", image=Image.fromarray(init), strength=strength,
                      num_inference_steps=8, guidance_scale=7.5, generator=gens, output_type="np").images
        save_file({"images": torch.from_numpy(np.ascontiguousarray(out)).float(), "init": torch.from_numpy(init)},
                  os.path.join(OUT, name + ".safetensors"))
        cases.append(dict(name=name, mode="img2img", prompt="a purple heart", negative_prompt="noise", sampler=sampler,
                          steps=8, guidance=7.5, guidance_rescale=0.0, eta=0.0, seed=21, batch=1, width=32, height=32,
                          strength=strength))
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
    print("wrote", len(cases), "cases to", OUT)


if __name__ == "__main__":
    main()
