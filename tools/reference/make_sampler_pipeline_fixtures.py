"""Whole-pipeline reference pictures for the samplers added after the first seven: the tiny
AltDiffusion folder of make_pipeline_fixtures.py run end to end with each of them.

Regenerate (deterministic: fixed seeds, CPU, float32, a few seconds; run make_pipeline_fixtures.py
first, its folder is the model):

    tools/reference/.venv/bin/python tools/reference/make_sampler_pipeline_fixtures.py

References:
  - diffusers 0.30.3 samplers (Heun, DPM2, DPM2 a, DDPM, UniPC, DEIS, LCM, TCD): AltDiffusionPipeline
    / AltDiffusionImg2ImgPipeline with `Cls.from_config(pipe.scheduler.config)` (our Samplers table
    has no overrides for them), one CPU torch.Generator per picture (seed + i).
  - k-diffusion 0.1.1.post1 (DPM++ 2S a, DPM++ 3M SDE, and A1111's schedule types Exponential on
    Euler and Beta on DPM++ 2M; ours runs diffusers' Euler / DPM-Solver on those sigmas):
    the same UNet / VAE / text encoder driven as A1111 1.10 and diffusers'
    StableDiffusionKDiffusionPipeline do: k-diffusion's CompVis eps wrapper
    (DiscreteEpsDDPMDenoiser over the model's alphas_cumprod, quantize=False) around the UNet,
    classifier-free guidance on the denoised outputs (uncond + g * (cond - uncond)), k-diffusion's
    sampler function on A1111's sigmas for the sampler (make_kdiffusion_fixtures.a1111_sigmas). The
    noise is drawn as our pipeline draws it: the start latents randn per picture from its generator
    times sigmas[0] (img2img: the VAE posterior sample and the noise from the generator as diffusers'
    img2img, noised to sigmas[start]), and every noise_sampler call randn per picture from the same
    generators (k-diffusion's default for 2S a is randn_like from the global RNG; A1111 gives 3M SDE
    a Brownian tree, which we do not reproduce, see README).

Writes src/test/resources/fixtures/pipeline/samplers/:
  cases.json           the generation calls (our GenerationRequest fields) and the reference used
  images.safetensors   "<case>/images": float32 [B, H, W, 3] in [0, 1] as the pipeline returns
                       them (output_type="np"); "<case>/init": the uint8 init picture of img2img;
                       for a schedule type on a diffusers sampler also "<case>/diffusers_images":
                       the diffusers class on the schedule's sigmas (make_kdiffusion_fixtures'
                       patched_karras), the way our Java side computes it
"""

import json
import os

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

from diffusers import (AutoencoderKL, DDPMScheduler, DPMSolverMultistepScheduler, EulerDiscreteScheduler, PNDMScheduler, UNet2DConditionModel, DEISMultistepScheduler, HeunDiscreteScheduler, KDPM2AncestralDiscreteScheduler,
                       KDPM2DiscreteScheduler, LCMScheduler, TCDScheduler, UniPCMultistepScheduler)
from diffusers.pipelines.deprecated.alt_diffusion import AltDiffusionImg2ImgPipeline, AltDiffusionPipeline
from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import RobertaSeriesModelWithTransformation
from transformers import XLMRobertaTokenizer

import make_kdiffusion_fixtures as kd  # imports k_diffusion without its training __init__

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PIPELINE = os.path.join(ROOT, "src", "test", "resources", "fixtures", "pipeline")
MODEL = os.path.join(PIPELINE, "tiny-altdiffusion")
OUT = os.path.join(PIPELINE, "samplers")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

DIFFUSERS = {
    "Heun": HeunDiscreteScheduler,
    "DPM2": KDPM2DiscreteScheduler,
    "DPM2 a": KDPM2AncestralDiscreteScheduler,
    "DDPM": DDPMScheduler,
    "UniPC": UniPCMultistepScheduler,
    "DEIS": DEISMultistepScheduler,
    "LCM": LCMScheduler,
    "TCD": TCDScheduler,
}
# k-diffusion function, A1111 schedule, discard_next_to_last_sigma
KDIFFUSION = {
    "DPM++ 2S a": ("sample_dpmpp_2s_ancestral", "karras", False),
    "DPM++ 3M SDE": ("sample_dpmpp_3m_sde", "exponential", True),
    "Euler": ("sample_euler", None, False),  # the schedule type is the case's
    "DPM++ 2M": ("sample_dpmpp_2m", None, False),
}


def load():
    # component by component: diffusers cannot resolve the text encoder's class from model_index.json
    pipe = AltDiffusionPipeline(
        vae=AutoencoderKL.from_pretrained(os.path.join(MODEL, "vae")),
        text_encoder=RobertaSeriesModelWithTransformation.from_pretrained(os.path.join(MODEL, "text_encoder")),
        tokenizer=XLMRobertaTokenizer.from_pretrained(os.path.join(MODEL, "tokenizer")),
        unet=UNet2DConditionModel.from_pretrained(os.path.join(MODEL, "unet")),
        scheduler=PNDMScheduler.from_pretrained(os.path.join(MODEL, "scheduler")),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    img2img = AltDiffusionImg2ImgPipeline(**pipe.components)
    img2img.set_progress_bar_config(disable=True)
    pipe.base_config = dict(pipe.scheduler.config)  # the model's own schedule, which samplers derive from
    return pipe, img2img


def per_picture_randn(gens, shape):
    """randn of [B, ...] with picture i drawn from gens[i], as diffusers' randn_tensor and our Noise."""
    return torch.cat([torch.randn((1,) + tuple(shape[1:]), generator=g, dtype=torch.float32) for g in gens])


def run_kdiffusion(pipe, c, init):
    fn, schedule, discard = KDIFFUSION[c["sampler"]]
    schedule = c.get("schedule_kd") or schedule
    batch, steps, guidance = c["batch"], c["steps"], c["guidance"]
    gens = [torch.Generator().manual_seed(c["seed"] + i) for i in range(batch)]
    with torch.no_grad():
        cond, uncond = pipe.encode_prompt(c["prompt"], "cpu", batch, True, c["negative_prompt"] or None)
        embeds = torch.cat([uncond, cond])  # [2B, 77, D]
        unet = pipe.unet
        den = kd.external.DiscreteEpsDDPMDenoiser(
            lambda x, t, cond: unet(x, t, encoder_hidden_states=cond).sample,
            kd.alphas_cumprod(dict(pipe.base_config)), quantize=False)

        def model(x, sigma):  # A1111's CFGDenoiser: one batch of [uncond, cond]
            out = den(torch.cat([x, x]), torch.cat([sigma, sigma]), cond=embeds)
            u, k = out.chunk(2)
            return u + (k - u) * guidance

        sigmas = kd.a1111_sigmas(schedule, steps, den, discard)
        latent = c["height"] // pipe.vae_scale_factor
        shape = (batch, unet.config.in_channels, latent, c["width"] // pipe.vae_scale_factor)
        if init is None:
            x = per_picture_randn(gens, shape) * sigmas[0]
        else:  # diffusers' img2img start: posterior sample, then noise, from the generators
            assert batch == 1
            image = pipe.image_processor.preprocess(Image.fromarray(init))
            posterior = pipe.vae.encode(image).latent_dist
            latents = posterior.sample(gens[0]) * pipe.vae.config.scaling_factor
            start = steps - min(int(steps * c["strength"]), steps)
            sigmas = sigmas[start:]
            x = latents + per_picture_randn(gens, shape) * sigmas[0]
        noise = {"noise_sampler": lambda s, sn: per_picture_randn(gens, shape)}
        if fn in ("sample_euler", "sample_dpmpp_2m"):
            noise = {}  # no noise (Euler with s_churn 0)
        x = getattr(kd.sampling, fn)(model, x, sigmas, disable=True, **noise)
        image = pipe.vae.decode(x / pipe.vae.config.scaling_factor, return_dict=False)[0]
        return pipe.image_processor.postprocess(image, output_type="np")


def run_diffusers(pipe, img2img, c, init):
    gens = [torch.Generator().manual_seed(c["seed"] + i) for i in range(c["batch"])]
    args = dict(prompt=c["prompt"], negative_prompt=c["negative_prompt"] or None, num_inference_steps=c["steps"],
                guidance_scale=c["guidance"], eta=c["eta"], generator=gens, output_type="np")
    scheduler = DIFFUSERS[c["sampler"]].from_config(pipe.base_config)
    if init is None:
        pipe.scheduler = scheduler
        return pipe(num_images_per_prompt=c["batch"], height=c["height"], width=c["width"], **args).images
    img2img.scheduler = scheduler
    return img2img(image=Image.fromarray(init), strength=c["strength"], **args).images


# A1111's schedule types on diffusers samplers: ours runs the diffusers class on the schedule's sigmas
SCHEDULED_DIFFUSERS = {"Euler": EulerDiscreteScheduler, "DPM++ 2M": DPMSolverMultistepScheduler}


def run_diffusers_scheduled(pipe, c):
    """diffusers' class of the sampler on the schedule's sigmas (kd.patched_karras), as ours runs it."""
    cls = SCHEDULED_DIFFUSERS[c["sampler"]]
    gens = [torch.Generator().manual_seed(c["seed"] + i) for i in range(c["batch"])]
    with kd.patched_karras(cls, c["schedule_kd"], dict(pipe.base_config)):
        pipe.scheduler = cls.from_config(pipe.base_config, use_karras_sigmas=True)
        return pipe(prompt=c["prompt"], negative_prompt=c["negative_prompt"] or None,
                    num_inference_steps=c["steps"], guidance_scale=c["guidance"], generator=gens,
                    num_images_per_prompt=c["batch"], height=c["height"], width=c["width"], output_type="np").images


def case(name, sampler, prompt, negative, steps, guidance, seed, batch, size, schedule=None, eta=0.0,
         strength=None):
    c = dict(name=name, sampler=sampler, schedule=schedule, prompt=prompt, negative_prompt=negative,
             steps=steps, guidance=guidance, eta=eta, seed=seed, batch=batch, width=size, height=size,
             mode="txt2img" if strength is None else "img2img")
    if strength is not None:
        c["strength"] = strength
    if schedule is not None:
        c["schedule_kd"] = schedule.lower()
    c["reference"] = ("k-diffusion 0.1.1.post1" if sampler in KDIFFUSION else "diffusers 0.30.3")
    return c


CASES = [
    case("heun", "Heun", "a red circle on the left", "blurry, dark", 6, 7.5, 101, 2, 32),
    case("dpm2", "DPM2", "eine blaue Katze", "", 6, 6.0, 102, 2, 32),
    case("dpm2_a", "DPM2 a", "un chat rouge", "flou", 7, 7.0, 103, 2, 24),
    case("ddpm", "DDPM", "кот", "", 8, 5.0, 104, 2, 24),
    case("unipc", "UniPC", "고양이", "", 7, 7.5, 105, 2, 32),
    case("deis", "DEIS", "قطة حمراء", "ضبابي", 7, 6.5, 106, 2, 24),
    case("lcm", "LCM", "a green star", "", 6, 4.0, 107, 2, 24),
    case("tcd", "TCD", "一只猫 在月亮上", "", 6, 3.0, 108, 2, 24, eta=0.3),
    case("dpmpp_2s_a", "DPM++ 2S a", "a purple heart", "noise", 6, 7.0, 109, 2, 32),
    case("dpmpp_3m_sde", "DPM++ 3M SDE", "a yellow moon", "grey", 8, 7.5, 110, 2, 24),
    case("euler_exponential", "Euler", "a blue square", "", 8, 6.0, 111, 2, 24, schedule="Exponential"),
    case("dpmpp_2m_beta", "DPM++ 2M", "a small house", "fog", 8, 7.0, 112, 2, 24, schedule="Beta"),
    case("img2img_heun", "Heun", "a purple heart", "noise", 8, 7.5, 121, 1, 32, strength=0.6),
    case("img2img_dpmpp_2s_a", "DPM++ 2S a", "a purple heart", "noise", 8, 7.5, 122, 1, 32, strength=0.75),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    pipe, img2img = load()
    init = (np.random.RandomState(0).rand(32, 32, 3) * 255).astype(np.uint8)
    tensors, cases = {}, []
    for c in CASES:
        picture = init if c["mode"] == "img2img" else None
        if c["sampler"] in KDIFFUSION:
            out = run_kdiffusion(pipe, c, picture)
        else:
            out = run_diffusers(pipe, img2img, c, picture)
        tensors[c["name"] + "/images"] = torch.from_numpy(np.ascontiguousarray(out)).float()
        if c["schedule"] is not None:
            scheduled = run_diffusers_scheduled(pipe, c)
            tensors[c["name"] + "/diffusers_images"] = torch.from_numpy(np.ascontiguousarray(scheduled)).float()
            print(c["name"], "diffusers vs k-diffusion x255: %.3f" % (np.abs(scheduled - out).max() * 255))
        if picture is not None:
            tensors[c["name"] + "/init"] = torch.from_numpy(picture.copy())
        cases.append({k: v for k, v in c.items() if k != "schedule_kd"})
    save_file(tensors, os.path.join(OUT, "images.safetensors"))
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
    size = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(cases)} cases to {OUT} ({size / 1e3:.0f} KB)")


if __name__ == "__main__":
    main()
