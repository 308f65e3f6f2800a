"""Scheduler oracle: timesteps, sigmas and denoising trajectories from diffusers 0.30.3.

Regenerate (deterministic, CPU, a few seconds):
    tools/reference/.venv/bin/python tools/reference/make_scheduler_fixtures.py

Writes src/test/resources/fixtures/schedulers/:
  cases.json            one entry per trajectory case: the scheduler_config.json text, an optional
                        sampler name (converted like diffusers `from_config`, see SAMPLERS), overrides,
                        steps, eta, seed, img2img strength, and the reference timesteps, sigmas,
                        init_noise_sigma, t_start and the recorded step indices.
  schedules.json        timesteps/sigmas only, for many step counts and spacings.
  noise.json            inputs of the add_noise / get_velocity checks; scipy's LMS coefficients.
  tensors.safetensors   the fake-model bank, recorded latents and predicted x0 per case, the
                        generator's next draw after each loop, add_noise / get_velocity outputs.

The fake "model" is `0.9 * scaled_input + (0.2 * sin(t / 100)) * bank[i % 3]`, a fixed function of
the scheduler's scaled input, the timestep value and the step index, so that every part of the
scheduler contract (scale_model_input, timestep values, step) shows in the trajectory.
"""

import json
import math
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

from diffusers import (
    DDIMScheduler,
    DDPMScheduler,
    DPMSolverMultistepScheduler,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    HeunDiscreteScheduler,
    KDPM2AncestralDiscreteScheduler,
    KDPM2DiscreteScheduler,
    LMSDiscreteScheduler,
    PNDMScheduler,
)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "test", "resources", "fixtures", "schedulers")
SHAPE = (2, 4, 8, 8)

CLASSES = {
    c.__name__: c
    for c in [
        PNDMScheduler,
        DDIMScheduler,
        EulerDiscreteScheduler,
        EulerAncestralDiscreteScheduler,
        LMSDiscreteScheduler,
        DPMSolverMultistepScheduler,
        HeunDiscreteScheduler,
        KDPM2DiscreteScheduler,
        KDPM2AncestralDiscreteScheduler,
        DDPMScheduler,
    ]
}

# User-facing sampler names (AUTOMATIC1111 / diffusers docs) -> (class, from_config overrides).
SAMPLERS = {
    "PNDM": ("PNDMScheduler", {}),
    "DDIM": ("DDIMScheduler", {}),
    "Euler": ("EulerDiscreteScheduler", {}),
    "Euler a": ("EulerAncestralDiscreteScheduler", {}),
    "LMS": ("LMSDiscreteScheduler", {}),
    "LMS Karras": ("LMSDiscreteScheduler", {"use_karras_sigmas": True}),
    "DPM++ 2M": ("DPMSolverMultistepScheduler", {}),
    "DPM++ 2M Karras": ("DPMSolverMultistepScheduler", {"use_karras_sigmas": True}),
    "DPM++ 2M SDE": ("DPMSolverMultistepScheduler", {"algorithm_type": "sde-dpmsolver++"}),
    "DPM++ 2M SDE Karras": (
        "DPMSolverMultistepScheduler",
        {"algorithm_type": "sde-dpmsolver++", "use_karras_sigmas": True},
    ),
    "Heun": ("HeunDiscreteScheduler", {}),
    "DPM2": ("KDPM2DiscreteScheduler", {}),
    "DPM2 Karras": ("KDPM2DiscreteScheduler", {"use_karras_sigmas": True}),
    "DPM2 a": ("KDPM2AncestralDiscreteScheduler", {}),
    "DPM2 a Karras": ("KDPM2AncestralDiscreteScheduler", {"use_karras_sigmas": True}),
    "DDPM": ("DDPMScheduler", {}),
}

# Classes added with the second-order samplers: their schedules are recorded up to 77 steps (the
# 1000-step sets of the older classes already cover numpy's long-range arithmetic).
NEWER = ("HeunDiscreteScheduler", "KDPM2DiscreteScheduler", "KDPM2AncestralDiscreteScheduler", "DDPMScheduler")

# The AltDiffusion-m18 scheduler_config.json.
M18 = {
    "_class_name": "PNDMScheduler",
    "_diffusers_version": "0.10.0.dev0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
}


def build(config, sampler=None, overrides=None):
    """Like a pipeline: the class named in the file, then optionally from_config into a sampler."""
    sched = CLASSES[config["_class_name"]].from_config(config)
    if sampler is not None:
        cls_name, kw = SAMPLERS[sampler]
        sched = CLASSES[cls_name].from_config(sched.config, **kw)
    if overrides:
        sched = type(sched).from_config(sched.config, **overrides)
    return sched


def fake_model(scaled, t, i, bank):
    return 0.9 * scaled + (0.2 * math.sin(float(t) / 100.0)) * bank[i % 3]


def to_list(t):
    if t is None:
        return None
    if isinstance(t, torch.Tensor):
        if t.dtype in (torch.int64, torch.int32):
            return [int(v) for v in t.tolist()]
        return [float(v) for v in t.tolist()]
    return [float(v) for v in np.asarray(t).tolist()]


def timestep_dtype(sched):
    return str(sched.timesteps.dtype).replace("torch.", "")


def x0_preview_pndm(sched, model_output, t, sample):
    """Our definition of PNDM's preview x0 (diffusers returns none): DDIM's formula at t."""
    a = sched.alphas_cumprod[int(t)]
    b = 1 - a
    if sched.config.prediction_type == "v_prediction":
        return (a**0.5) * sample - (b**0.5) * model_output
    return (sample - b ** (0.5) * model_output) / a ** (0.5)


def run_case(case, bank, tensors):
    sched = build(case["config"], case.get("sampler"), case.get("overrides"))
    steps = case["steps"]
    sched.set_timesteps(steps)
    gen = torch.Generator().manual_seed(case["seed"])
    cid = case["id"]
    strength = case.get("strength")
    timesteps = sched.timesteps
    entry = {
        "class": type(sched).__name__,
        "timesteps": to_list(sched.timesteps),
        "timestep_dtype": timestep_dtype(sched),
        "sigmas": to_list(sched.sigmas) if hasattr(sched, "sigmas") and type(sched).__name__ not in ("PNDMScheduler", "DDIMScheduler", "DDPMScheduler") else None,
        "init_noise_sigma": float(sched.init_noise_sigma),
        "order": sched.order,
    }
    if strength is None:
        latents = torch.randn(SHAPE, generator=gen, dtype=torch.float32) * sched.init_noise_sigma
        start = 0
    else:
        # img2img as StableDiffusionImg2ImgPipeline (0.30.3): get_timesteps + set_begin_index.
        init_timestep = min(int(steps * strength), steps)
        t_start = max(steps - init_timestep, 0)
        start = t_start * sched.order
        timesteps = sched.timesteps[start:]
        if hasattr(sched, "set_begin_index"):
            sched.set_begin_index(start)
        image_latents = torch.randn(SHAPE, generator=torch.Generator().manual_seed(case["seed"] + 1000))
        tensors[f"{cid}/image_latents"] = image_latents
        noise = torch.randn(SHAPE, generator=gen, dtype=torch.float32)
        latent_timestep = timesteps[:1].repeat(SHAPE[0])
        latents = sched.add_noise(image_latents, noise, latent_timestep)
        tensors[f"{cid}/noised"] = latents.clone()
        entry["t_start"] = start
    n = len(timesteps)
    record = sorted({0, n - 1})
    entry["record"] = [start + i for i in record]
    kw = {}
    import inspect

    params = set(inspect.signature(sched.step).parameters.keys())
    if "eta" in params:
        kw["eta"] = case.get("eta", 0.0)
    if "generator" in params:
        kw["generator"] = gen
    for i, t in enumerate(timesteps):
        index = start + i
        scaled = sched.scale_model_input(latents, t)
        out = fake_model(scaled, t, index, bank)
        res = sched.step(out, t, latents, **kw)
        if i in record:
            tensors[f"{cid}/latents{index}"] = res.prev_sample.clone()
        if i == n - 1:
            x0 = getattr(res, "pred_original_sample", None)
            if isinstance(sched, DPMSolverMultistepScheduler):
                x0 = sched.model_outputs[-1]
                if sched.config.algorithm_type in ("dpmsolver", "sde-dpmsolver"):
                    # the history holds epsilon here; our preview x0 is derived from it at sigmas[i]
                    alpha_t, sigma_t = sched._sigma_to_alpha_sigma_t(sched.sigmas[index])
                    x0 = (latents - sigma_t * x0) / alpha_t
            if isinstance(sched, PNDMScheduler):
                x0 = x0_preview_pndm(sched, out, t, latents)
            if x0 is not None:
                tensors[f"{cid}/x0_{index}"] = x0.clone()
            entry["has_x0"] = x0 is not None
        latents = res.prev_sample
    # The generator's next draw: shows that each sampler consumed exactly diffusers' draws.
    tensors[f"{cid}/gen_after"] = torch.randn(8, generator=gen)
    case.update(entry)
    return case


def trajectory_cases():
    cases = []
    v18 = dict(M18, prediction_type="v_prediction")
    for pred, base in (("eps", M18), ("v", v18)):
        for sampler in ["PNDM", "DDIM", "Euler", "Euler a", "LMS", "DPM++ 2M", "DPM++ 2M Karras"]:
            for steps in (1, 7, 20, 50):
                name = sampler.replace(" ", "_").replace("+", "p")
                cases.append({"id": f"m18_{pred}_{name}_{steps}", "config": base, "sampler": sampler, "steps": steps})
        # The second-order samplers: two model evaluations per step, interleaved timesteps.
        # (Not 2 steps: there the one midpoint of DPM2 a comes from a float32 cancellation that turns
        # Python torch's 1-ulp-different sqrt of sigma_min into a 1% change.)
        for sampler in ["Heun", "DPM2", "DPM2 a", "DPM2 Karras", "DPM2 a Karras", "DDPM"]:
            for steps in (1, 3, 7, 20):
                name = sampler.replace(" ", "_").replace("+", "p")
                cases.append({"id": f"m18_{pred}_{name}_{steps}", "config": base, "sampler": sampler, "steps": steps})
    # Config variants, read as their own scheduler_config.json (_class_name chooses the class).
    sd_like = {k: v for k, v in M18.items() if not k.startswith("_")}

    def cfg(cls, **kw):
        d = dict(sd_like, _class_name=cls)
        d.update(kw)
        return d

    variants = [
        ("pndm_prk", {"_class_name": "PNDMScheduler"}, (7, 20)),
        ("pndm_prk_v_trailing", cfg("PNDMScheduler", skip_prk_steps=False, prediction_type="v_prediction", timestep_spacing="trailing"), (10,)),
        ("pndm_linspace_trained", cfg("PNDMScheduler", timestep_spacing="linspace", trained_betas=[float(b) for b in np.linspace(0.0002, 0.03, 1000)]), (9,)),
        ("ddim_default", {"_class_name": "DDIMScheduler"}, (7, 20)),
        ("ddim_zero_snr_trailing_v", cfg("DDIMScheduler", rescale_betas_zero_snr=True, timestep_spacing="trailing", prediction_type="v_prediction"), (7, 25)),
        ("ddim_sample_linspace_cos", cfg("DDIMScheduler", prediction_type="sample", timestep_spacing="linspace", beta_schedule="squaredcos_cap_v2", clip_sample=True, clip_sample_range=0.5), (6,)),
        ("euler_karras", cfg("EulerDiscreteScheduler", use_karras_sigmas=True), (7, 20)),
        ("euler_leading", cfg("EulerDiscreteScheduler", timestep_spacing="leading"), (7,)),
        ("euler_trailing_sigmamin", cfg("EulerDiscreteScheduler", timestep_spacing="trailing", final_sigmas_type="sigma_min"), (7,)),
        ("euler_loglinear", cfg("EulerDiscreteScheduler", interpolation_type="log_linear"), (8,)),
        ("euler_continuous_v", cfg("EulerDiscreteScheduler", timestep_type="continuous", prediction_type="v_prediction"), (8,)),
        ("euler_karras_minmax", cfg("EulerDiscreteScheduler", use_karras_sigmas=True, sigma_min=0.1, sigma_max=10.0), (6,)),
        ("euler_zero_snr_sample", cfg("EulerDiscreteScheduler", rescale_betas_zero_snr=True, timestep_spacing="trailing", prediction_type="sample"), (6,)),
        ("eulera_trailing_zero_snr", cfg("EulerAncestralDiscreteScheduler", timestep_spacing="trailing", rescale_betas_zero_snr=True), (7,)),
        ("eulera_leading_cos", cfg("EulerAncestralDiscreteScheduler", timestep_spacing="leading", beta_schedule="squaredcos_cap_v2"), (9,)),
        ("lms_karras", cfg("LMSDiscreteScheduler", use_karras_sigmas=True), (7, 20)),
        ("lms_leading_sample", cfg("LMSDiscreteScheduler", timestep_spacing="leading", prediction_type="sample"), (9,)),
        ("dpm_order3", cfg("DPMSolverMultistepScheduler", solver_order=3), (7, 20)),
        ("dpm_order1", cfg("DPMSolverMultistepScheduler", solver_order=1), (7,)),
        ("dpm_heun_sigmamin", cfg("DPMSolverMultistepScheduler", solver_type="heun", final_sigmas_type="sigma_min"), (8, 20)),
        ("dpm_dpmsolver", cfg("DPMSolverMultistepScheduler", algorithm_type="dpmsolver", final_sigmas_type="sigma_min", solver_order=3), (9,)),
        ("dpm_dpmsolver_heun", cfg("DPMSolverMultistepScheduler", algorithm_type="dpmsolver", final_sigmas_type="sigma_min", solver_type="heun"), (9,)),
        ("dpm_no_lower_final", cfg("DPMSolverMultistepScheduler", lower_order_final=False, final_sigmas_type="sigma_min"), (8,)),
        ("dpm_euler_final", cfg("DPMSolverMultistepScheduler", euler_at_final=True, final_sigmas_type="sigma_min"), (16,)),
        ("dpm_leading", cfg("DPMSolverMultistepScheduler", timestep_spacing="leading"), (7,)),
        ("dpm_trailing_clipped", cfg("DPMSolverMultistepScheduler", timestep_spacing="trailing", lambda_min_clipped=-5.1), (7,)),
        ("dpm_lu", cfg("DPMSolverMultistepScheduler", use_lu_lambdas=True), (9,)),
        ("dpm_zero_snr_v", cfg("DPMSolverMultistepScheduler", rescale_betas_zero_snr=True, prediction_type="v_prediction", final_sigmas_type="sigma_min", timestep_spacing="trailing"), (7,)),
        ("dpm_sample", cfg("DPMSolverMultistepScheduler", prediction_type="sample"), (7,)),
        ("dpm_deis_logrho", cfg("DPMSolverMultistepScheduler", algorithm_type="deis", solver_type="logrho", final_sigmas_type="sigma_min"), (7,)),
        ("heun_default", {"_class_name": "HeunDiscreteScheduler"}, (7,)),
        ("heun_karras", cfg("HeunDiscreteScheduler", use_karras_sigmas=True), (7, 20)),
        ("heun_leading_sample_clip", cfg("HeunDiscreteScheduler", timestep_spacing="leading", prediction_type="sample", clip_sample=True, clip_sample_range=0.8), (8,)),
        ("heun_trailing_v_cos", cfg("HeunDiscreteScheduler", timestep_spacing="trailing", prediction_type="v_prediction", beta_schedule="squaredcos_cap_v2"), (6,)),
        ("kdpm2_default", {"_class_name": "KDPM2DiscreteScheduler"}, (7,)),
        ("kdpm2_karras", cfg("KDPM2DiscreteScheduler", use_karras_sigmas=True), (9,)),
        ("kdpm2_leading", cfg("KDPM2DiscreteScheduler", timestep_spacing="leading"), (8,)),
        ("kdpm2_trailing_v", cfg("KDPM2DiscreteScheduler", timestep_spacing="trailing", prediction_type="v_prediction"), (6,)),
        ("kdpm2a_default", {"_class_name": "KDPM2AncestralDiscreteScheduler"}, (7,)),
        ("kdpm2a_karras_leading", cfg("KDPM2AncestralDiscreteScheduler", use_karras_sigmas=True, timestep_spacing="leading"), (9,)),
        ("kdpm2a_trailing_v", cfg("KDPM2AncestralDiscreteScheduler", timestep_spacing="trailing", prediction_type="v_prediction"), (6,)),
        ("ddpm_default", {"_class_name": "DDPMScheduler"}, (7,)),
        ("ddpm_trailing_zero_snr_v", cfg("DDPMScheduler", timestep_spacing="trailing", rescale_betas_zero_snr=True, prediction_type="v_prediction"), (6,)),
        ("ddpm_linspace_large_sample", cfg("DDPMScheduler", timestep_spacing="linspace", variance_type="fixed_large", prediction_type="sample", clip_sample=True), (8,)),
    ]
    for vid, config, step_counts in variants:
        for steps in step_counts:
            cases.append({"id": f"{vid}_{steps}", "config": config, "steps": steps})
    # Samplers with randomness, with a generator.
    for sampler in ["DPM++ 2M SDE", "DPM++ 2M SDE Karras", "LMS Karras"]:
        for steps in (7, 20):
            name = sampler.replace(" ", "_").replace("+", "p")
            cases.append({"id": f"m18_eps_{name}_{steps}", "config": M18, "sampler": sampler, "steps": steps})
    for sde_solver in ("heun",):
        cases.append({"id": "sde_heun_8", "config": cfg("DPMSolverMultistepScheduler", algorithm_type="sde-dpmsolver++", solver_type=sde_solver), "steps": 8})
    # DDIM with eta > 0: noise from the generator each step.
    for eta in (0.5, 1.0):
        cases.append({"id": f"m18_ddim_eta{eta}_10", "config": M18, "sampler": "DDIM", "steps": 10, "eta": eta})
    # img2img: start at t_start, add_noise at timesteps[t_start].
    for sampler in ["PNDM", "DDIM", "Euler", "Euler a", "LMS", "DPM++ 2M", "DPM++ 2M Karras", "DPM++ 2M SDE", "Heun", "DPM2", "DPM2 a Karras", "DDPM"]:
        name = sampler.replace(" ", "_").replace("+", "p")
        cases.append({"id": f"img2img_{name}_20", "config": M18, "sampler": sampler, "steps": 20, "strength": 0.75})
    cases.append({"id": "img2img_PNDM_prk_v_12", "config": cfg("PNDMScheduler", skip_prk_steps=False, prediction_type="v_prediction"), "steps": 12, "strength": 0.5})
    for seed, case in enumerate(cases):
        case["seed"] = seed
    return cases


def schedule_cases():
    out = []
    steps_list = list(range(1, 31)) + [50, 77, 1000]
    for cls in CLASSES:
        for spacing in ("leading", "trailing", "linspace"):
            for extra in ({}, {"use_karras_sigmas": True}):
                if extra and cls in ("PNDMScheduler", "DDIMScheduler", "EulerAncestralDiscreteScheduler", "DDPMScheduler"):
                    continue
                config = dict({k: v for k, v in M18.items() if not k.startswith("_")}, _class_name=cls, timestep_spacing=spacing, **extra)
                entry = {"config": config, "steps": [], "timesteps": [], "sigmas": []}
                for steps in steps_list:
                    if cls in NEWER and steps > 77:
                        continue
                    sched = build(config)
                    try:
                        sched.set_timesteps(steps)
                    except Exception as e:  # recorded: the Java side must refuse too
                        entry["steps"].append(steps)
                        entry["timesteps"].append(None)
                        entry["sigmas"].append("error: " + str(e).splitlines()[0][:80])
                        continue
                    entry["steps"].append(steps)
                    entry["timesteps"].append(to_list(sched.timesteps))
                    has_sigmas = cls not in ("PNDMScheduler", "DDIMScheduler", "DDPMScheduler")
                    entry["sigmas"].append(to_list(sched.sigmas) if has_sigmas and steps <= 50 else None)
                out.append(entry)
    # prk timesteps (PNDM skip_prk_steps false) for a few counts.
    config = {"_class_name": "PNDMScheduler", "steps_offset": 1}
    entry = {"config": config, "steps": [], "timesteps": [], "sigmas": []}
    for steps in (4, 5, 7, 10, 20, 50):
        sched = build(config)
        sched.set_timesteps(steps)
        entry["steps"].append(steps)
        entry["timesteps"].append(to_list(sched.timesteps))
        entry["sigmas"].append(None)
    out.append(entry)
    return out


def noise_cases(tensors):
    """Training helpers: add_noise / get_velocity on train timesteps (DDPM/DDIM formulas)."""
    out = []
    gen = torch.Generator().manual_seed(1234)
    sample = torch.randn(SHAPE, generator=gen)
    noise = torch.randn(SHAPE, generator=gen)
    tensors["noise/sample"] = sample
    tensors["noise/noise"] = noise
    sd_like = {k: v for k, v in M18.items() if not k.startswith("_")}
    for nid, config in (
        ("m18", dict(sd_like, _class_name="DDIMScheduler")),
        ("zero_snr", dict(sd_like, _class_name="DDIMScheduler", rescale_betas_zero_snr=True)),
        ("cos", {"_class_name": "DDIMScheduler", "beta_schedule": "squaredcos_cap_v2"}),
    ):
        sched = build(config)
        ts = torch.tensor([0, 999], dtype=torch.long)
        tensors[f"noise/{nid}/add_noise"] = sched.add_noise(sample, noise, ts)
        tensors[f"noise/{nid}/velocity"] = sched.get_velocity(sample, noise, ts)
        ts2 = torch.tensor([500, 37], dtype=torch.long)
        tensors[f"noise/{nid}/add_noise2"] = sched.add_noise(sample, noise, ts2)
        tensors[f"noise/{nid}/velocity2"] = sched.get_velocity(sample, noise, ts2)
        tensors[f"noise/{nid}/alphas_cumprod"] = sched.alphas_cumprod.clone()
        tensors[f"noise/{nid}/betas"] = sched.betas.clone()
        out.append({"id": nid, "config": config, "timesteps": [0, 999], "timesteps2": [500, 37]})
    return out


def lms_coefficient_cases():
    """scipy.integrate.quad results of LMS's Lagrange-basis integrals, per step and basis node."""
    out = []
    for sampler, steps in (("LMS", 20), ("LMS Karras", 7), ("LMS", 1000)):
        sched = build(M18, sampler)
        sched.set_timesteps(steps)
        coefficients = []
        for t in list(range(min(steps, 12))) + ([steps - 1] if steps > 12 else []):
            order = min(t + 1, 4)
            coefficients.append([t] + [sched.get_lms_coefficient(order, t, k) for k in range(order)])
        out.append({"sampler": sampler, "steps": steps, "sigmas": to_list(sched.sigmas), "coefficients": coefficients})
    return out


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    tensors = {}
    bank = torch.randn((3,) + SHAPE, generator=torch.Generator().manual_seed(42))
    tensors["bank"] = bank
    cases = [run_case(c, bank, tensors) for c in trajectory_cases()]
    schedules = schedule_cases()
    noises = noise_cases(tensors)
    tensors = {k: v.contiguous().to(torch.float32) for k, v in tensors.items()}
    save_file(tensors, os.path.join(OUT, "tensors.safetensors"), metadata={"source": "diffusers 0.30.3"})
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"samplers": {k: {"class": v[0], "overrides": v[1]} for k, v in SAMPLERS.items()}, "cases": cases}, f, indent=None)
    with open(os.path.join(OUT, "schedules.json"), "w") as f:
        json.dump(schedules, f)
    with open(os.path.join(OUT, "noise.json"), "w") as f:
        json.dump({"noise": noises, "lms_coefficients": lms_coefficient_cases()}, f)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"{len(cases)} trajectory cases, {len(schedules)} schedule sets, {len(tensors)} tensors, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    sys.exit(main())
