"""k-diffusion oracle: A1111 1.10's k-diffusion-only samplers (DPM++ 2S a, DPM++ 3M SDE) and
schedule types (Uniform, Karras, Exponential, Polyexponential, Beta, Align Your Steps, KL Optimal),
from the k-diffusion package A1111 calls (PyPI k-diffusion 0.1.1.post1, imported without its
package __init__, whose training imports we do not need) and A1111 1.10's modules/sd_schedulers.py
(rewritten below: it imports A1111's whole runtime).

Regenerate (deterministic, CPU, about three minutes: scipy's beta.ppf inside diffusers' 1000-step set_timesteps):
    tools/reference/.venv/bin/python tools/reference/make_kdiffusion_fixtures.py

Writes src/test/resources/fixtures/schedulers/kdiffusion/:
  cases.json / tensors.safetensors   trajectories in make_scheduler_fixtures.py's format (replayed by
        SchedulerParityTest): the k-diffusion samplers run on the fake model through k-diffusion's
        CompVis wrappers (DiscreteEpsDDPMDenoiser / DiscreteVDDPMDenoiser over the diffusers
        alphas_cumprod of the config), and diffusers samplers on the new schedule types (diffusers'
        Karras path with the schedule's sigmas in place of Karras', see patched_karras).
  schedules.json / schedules.safetensors   per (sampler, schedule, step count): the sigma and the
        timestep of every model evaluation plus the final sigma (KDiffusionSchedulesTest).
  beta.json   scipy.stats.beta.ppf at many (q, a, b), for our inverse incomplete beta.
Noise: each step's noise is torch.randn(x.shape, generator) (k-diffusion's default noise sampler is
randn_like; A1111 gives DPM++ 3M SDE a Brownian tree, which we do not reproduce, see README).
"""

import contextlib
import importlib.util
import json
import math
import os
import sys
import types

import numpy as np
import torch
from safetensors.torch import save_file
from scipy import stats

from diffusers import (
    DDPMScheduler,
    DEISMultistepScheduler,
    DPMSolverMultistepScheduler,
    EulerDiscreteScheduler,
    HeunDiscreteScheduler,
    KDPM2AncestralDiscreteScheduler,
    KDPM2DiscreteScheduler,
    LMSDiscreteScheduler,
    UniPCMultistepScheduler,
)

import make_scheduler_fixtures as base

# k_diffusion/__init__.py imports its training stack (clip, kornia, wandb...): load the package
# without it. sampling.py imports torchdiffeq for log_likelihood only, unused here.
_spec = importlib.util.find_spec("k_diffusion")
_pkg = types.ModuleType("k_diffusion")
_pkg.__path__ = list(_spec.submodule_search_locations)
sys.modules["k_diffusion"] = _pkg
sys.modules.setdefault("torchdiffeq", types.SimpleNamespace(odeint=None))
from k_diffusion import external, sampling  # noqa: E402

OUT = os.path.join(base.OUT, "kdiffusion")
SHAPE = base.SHAPE
M18 = base.M18
SD_LIKE = {k: v for k, v in M18.items() if not k.startswith("_")}

KD_CLASSES = {"DPMPP2SAncestralScheduler": "sample_dpmpp_2s_ancestral", "DPMPP3MSDEScheduler": "sample_dpmpp_3m_sde"}
# A1111 1.10's rows: (k-diffusion class, default schedule, discard_next_to_last_sigma)
A1111 = {
    "DPM++ 2S a": ("DPMPP2SAncestralScheduler", "karras", False),
    "DPM++ 3M SDE": ("DPMPP3MSDEScheduler", "exponential", True),
}
SCHEDULES = ["uniform", "karras", "exponential", "polyexponential", "beta", "align_your_steps", "kl_optimal"]


# --- A1111 1.10 modules/sd_schedulers.py, the functions we match (SD 1.x, default options) ---

def ays_sigmas(n):
    def loglinear_interp(t_steps, num_steps):
        xs = np.linspace(0, 1, len(t_steps))
        ys = np.log(t_steps[::-1])
        new_xs = np.linspace(0, 1, num_steps)
        new_ys = np.interp(new_xs, xs, ys)
        return np.exp(new_ys)[::-1].copy()

    sigmas = [14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152, 0.029]
    if n != len(sigmas):
        sigmas = np.append(loglinear_interp(sigmas, n), [0.0])
    else:
        sigmas.append(0.0)
    return torch.FloatTensor(sigmas)


def kl_optimal(n, sigma_min, sigma_max):
    alpha_min = torch.arctan(torch.tensor(sigma_min))
    alpha_max = torch.arctan(torch.tensor(sigma_max))
    step_indices = torch.arange(n + 1)
    return torch.tan(step_indices / n * alpha_min + (1.0 - step_indices / n) * alpha_max)


def beta_sigmas(n, sigma_min, sigma_max, alpha=0.6, beta=0.6):
    timesteps = 1 - np.linspace(0, 1, n)
    timesteps = [stats.beta.ppf(x, alpha, beta) for x in timesteps]
    sigmas = [sigma_min + (x * (sigma_max - sigma_min)) for x in timesteps]
    sigmas += [0.0]
    return torch.FloatTensor(sigmas)


def schedule_sigmas(name, n, denoiser):
    """A1111 KDiffusionSampler.get_sigmas for scheduler `name` (sigma_min/max: the model's)."""
    sigma_min, sigma_max = denoiser.sigmas[0].item(), denoiser.sigmas[-1].item()
    if name == "uniform":
        return denoiser.get_sigmas(n)
    if name == "karras":
        return sampling.get_sigmas_karras(n=n, sigma_min=sigma_min, sigma_max=sigma_max)
    if name == "exponential":
        return sampling.get_sigmas_exponential(n=n, sigma_min=sigma_min, sigma_max=sigma_max)
    if name == "polyexponential":
        return sampling.get_sigmas_polyexponential(n=n, sigma_min=sigma_min, sigma_max=sigma_max)
    if name == "beta":
        return beta_sigmas(n, sigma_min, sigma_max)
    if name == "align_your_steps":
        return ays_sigmas(n)
    if name == "kl_optimal":
        return kl_optimal(n, sigma_min, sigma_max)
    raise ValueError(name)


def a1111_sigmas(name, steps, denoiser, discard):
    if discard:
        sigmas = schedule_sigmas(name, steps + 1, denoiser)
        return torch.cat([sigmas[:-2], sigmas[-1:]])
    return schedule_sigmas(name, steps, denoiser)


# --- the model ---

def alphas_cumprod(config):
    return DDPMScheduler.from_config(config).alphas_cumprod.clone()


def denoiser_of(config, inner):
    ac = alphas_cumprod(config)
    if config.get("prediction_type") == "v_prediction":
        return external.DiscreteVDDPMDenoiser(inner, ac, quantize=False)
    return external.DiscreteEpsDDPMDenoiser(inner, ac, quantize=False)


class FakeModel:
    """make_scheduler_fixtures' fake model on k-diffusion's (scaled input, t), counting calls."""

    def __init__(self, bank, first_index):
        self.bank = bank
        self.index = first_index
        self.calls = []  # (sigma, t) of each evaluation

    def __call__(self, x_in, t):
        tv = float(t[0])
        out = 0.9 * x_in + (0.2 * math.sin(tv / 100.0)) * self.bank[self.index % 3]
        self.index += 1
        return out


def kd_config(config):
    """The scheduler_config.json our Java side reads, and (class, schedule, discard) it means."""
    cls = config["_class_name"]
    name = config.get("sigma_schedule") or ("karras" if config.get("use_karras_sigmas") else "uniform")
    return cls, name, cls == "DPMPP3MSDEScheduler"


def run_kd_case(case, bank, tensors):
    """One k-diffusion trajectory, recorded in make_scheduler_fixtures' case format."""
    if "sampler" in case:
        cls, name, discard = A1111[case["sampler"]]
    else:
        cls, name, discard = kd_config(case["config"])
    steps, cid = case["steps"], case["id"]
    fake = FakeModel(bank, 0)
    den = denoiser_of(case["config"], fake)
    calls = []

    denoised_last = {}

    def model(x, sigma):
        calls.append((float(sigma[0]), float(den.sigma_to_t(sigma)[0])))
        denoised_last["x0"] = den(x, sigma)
        return denoised_last["x0"]

    sigmas = a1111_sigmas(name, steps, den, discard)
    # the evaluation sigmas of a whole run, with a model that returns zeros (same sigmas)
    probe = []
    sampler = getattr(sampling, KD_CLASSES[cls])
    noise_free = lambda s, sn: torch.zeros((1,))  # noqa: E731
    sampler(lambda x, s: (probe.append((float(s[0]), float(den.sigma_to_t(s)[0]))), x * 0)[1],
            torch.zeros((1, 1, 1, 1)), sigmas, disable=True, noise_sampler=noise_free)
    order = 2 if cls == "DPMPP2SAncestralScheduler" else 1
    gen = torch.Generator().manual_seed(case["seed"])
    strength = case.get("strength")
    start_step = 0
    if strength is None:
        x = torch.randn(SHAPE, generator=gen, dtype=torch.float32) * sigmas[0]
    else:
        init_timestep = min(int(steps * strength), steps)
        start_step = max(steps - init_timestep, 0)
        image = torch.randn(SHAPE, generator=torch.Generator().manual_seed(case["seed"] + 1000))
        tensors[f"{cid}/image_latents"] = image
        noise = torch.randn(SHAPE, generator=gen, dtype=torch.float32)
        x = image + noise * sigmas[start_step]
        tensors[f"{cid}/noised"] = x.clone()
    # the evaluation index where step start_step begins
    start = sum(1 if order == 1 or k == steps - 1 and float(sigmas[k + 1]) == 0 else 2 for k in range(start_step))
    fake.index = start
    x = sampler(model, x, sigmas[start_step:], disable=True,
                noise_sampler=lambda s, sn: torch.randn(SHAPE, generator=gen, dtype=torch.float32))
    n = len(probe)
    entry = {
        "class": cls,
        "timesteps": [t for _, t in probe],
        "timestep_dtype": "float32",
        "sigmas": [s for s, _ in probe] + [float(sigmas[-1])],
        "init_noise_sigma": float(sigmas[0]),
        "order": order,
        "record": [n - 1],
        "has_x0": True,
    }
    if strength is not None:
        entry["t_start"] = start
    assert len(calls) == n - start, (cid, len(calls), n, start)
    tensors[f"{cid}/latents{n - 1}"] = x.clone()
    tensors[f"{cid}/x0_{n - 1}"] = denoised_last["x0"]  # the last evaluation's denoised
    tensors[f"{cid}/gen_after"] = torch.randn(8, generator=gen)
    case.update(entry)
    return case


# --- diffusers samplers on the new schedules ---

DIFFUSERS = {
    c.__name__: c
    for c in [
        EulerDiscreteScheduler,
        LMSDiscreteScheduler,
        HeunDiscreteScheduler,
        KDPM2DiscreteScheduler,
        KDPM2AncestralDiscreteScheduler,
        DPMSolverMultistepScheduler,
        UniPCMultistepScheduler,
        DEISMultistepScheduler,
    ]
}
base.CLASSES.update(DIFFUSERS)


@contextlib.contextmanager
def patched_karras(cls, name, config):
    """diffusers' Karras path with schedule `name`'s step sigmas (over the model's sigma range)."""
    den = denoiser_of(config, None)
    original = cls._convert_to_karras

    def convert(self, in_sigmas, num_inference_steps=None):
        n = num_inference_steps or self.num_inference_steps  # LMS passes none
        return schedule_sigmas(name, n, den)[:n].double().numpy()

    cls._convert_to_karras = convert
    try:
        yield
    finally:
        cls._convert_to_karras = original


def diffusers_config(cls, name, **kw):
    return dict(SD_LIKE, _class_name=cls, use_karras_sigmas=True, sigma_schedule=name, **kw)


# --- the cases ---

def trajectory_cases():
    cases = []
    v18 = dict(M18, prediction_type="v_prediction")
    for pred, cfg in (("eps", M18), ("v", v18)):
        for sampler in A1111:
            for steps in (1, 2, 3, 7, 20, 50):
                if sampler == "DPM++ 3M SDE" and steps == 1:
                    continue  # k-diffusion fails there: its last-step h is never set
                sid = sampler.replace(" ", "_").replace("+", "p")
                cases.append({"id": f"m18_{pred}_{sid}_{steps}", "config": cfg, "sampler": sampler, "steps": steps})
    for cls in KD_CLASSES:
        for name in SCHEDULES:
            extra = {"use_karras_sigmas": True} if name == "karras" else {"sigma_schedule": name}
            config = dict(SD_LIKE, _class_name=cls, **extra)
            cases.append({"id": f"kd_{cls}_{name}_10", "config": config, "steps": 10})
        config = dict(SD_LIKE, _class_name=cls, sigma_schedule="beta", prediction_type="v_prediction",
                      beta_schedule="linear", beta_start=0.0001, beta_end=0.02)
        cases.append({"id": f"kd_{cls}_beta_linear_v_9", "config": config, "steps": 9})
    for sampler in A1111:
        sid = sampler.replace(" ", "_").replace("+", "p")
        cases.append({"id": f"img2img_{sid}_20", "config": M18, "sampler": sampler, "steps": 20, "strength": 0.75})
        cases.append({"id": f"img2img_{sid}_v_7", "config": v18, "sampler": sampler, "steps": 7, "strength": 0.5})
    for seed, case in enumerate(cases):
        case["seed"] = 900 + seed
    return cases


def diffusers_cases():
    pairs = [
        ("EulerDiscreteScheduler", "exponential"),
        ("LMSDiscreteScheduler", "polyexponential"),
        ("HeunDiscreteScheduler", "align_your_steps"),
        ("KDPM2DiscreteScheduler", "beta"),
        ("KDPM2AncestralDiscreteScheduler", "kl_optimal"),
        ("DPMSolverMultistepScheduler", "beta"),
        ("UniPCMultistepScheduler", "uniform"),
        ("DEISMultistepScheduler", "exponential"),
        ("EulerDiscreteScheduler", "align_your_steps"),
        ("DPMSolverMultistepScheduler", "exponential"),
    ]
    cases = []
    for cls, name in pairs:
        cases.append({"id": f"sched_{cls}_{name}_10", "config": diffusers_config(cls, name), "steps": 10})
    cases.append({"id": "sched_DPMSolverMultistepScheduler_beta_v_8",
                  "config": diffusers_config("DPMSolverMultistepScheduler", "beta", prediction_type="v_prediction"), "steps": 8})
    for seed, case in enumerate(cases):
        case["seed"] = 1900 + seed
    return cases


def run_diffusers_case(case, bank, tensors):
    cls = case["config"]["_class_name"]
    with patched_karras(DIFFUSERS[cls], case["config"]["sigma_schedule"], case["config"]):
        return base.run_case(case, bank, tensors)


def schedules(tensors):
    """Evaluation sigmas/timesteps of many (sampler, schedule, steps): the Java schedules test.
    One entry per (class, schedule): its step counts, and per count the number of evaluations;
    tensors <class>/<schedule>/sigmas and /timesteps hold every count's values one after the other
    (sigmas: the evaluations' plus the final one; float32 values, float64 timesteps where diffusers
    keeps them so)."""
    out = []
    den = denoiser_of(M18, None)
    counts = list(range(1, 31)) + [40, 50, 64, 75, 100, 128, 150]

    def add(cls, name, steps, evals, sigmas, timesteps, dtype, extra, sigma_counts=None):
        key = f"{cls}/{name}"
        tensors[key + "/sigmas"] = torch.tensor(sigmas, dtype=torch.float32)
        tensors[key + "/timesteps"] = torch.tensor(timesteps, dtype=torch.float64 if dtype == "float64" else torch.float32)
        out.append({"key": key, "class": cls, "schedule": name, "steps": steps, "evaluations": evals,
                    "sigma_counts": sigma_counts or [e + 1 for e in evals], "timestep_dtype": dtype, "config": extra})

    for cls, fn in KD_CLASSES.items():
        for name in SCHEDULES:
            steps, evals, all_s, all_t = [], [], [], []
            for n in counts:
                if cls == "DPMPP3MSDEScheduler" and n == 1:
                    continue
                sigmas = a1111_sigmas(name, n, den, cls == "DPMPP3MSDEScheduler")
                probe = []
                getattr(sampling, fn)(
                    lambda x, s: (probe.append((float(s[0]), float(den.sigma_to_t(s)[0]))), x * 0)[1],
                    torch.zeros((1, 1, 1, 1)), sigmas, disable=True, noise_sampler=lambda s, sn: torch.zeros((1,)))
                steps.append(n)
                evals.append(len(probe))
                all_s += [s for s, _ in probe] + [float(sigmas[-1])]
                all_t += [t for _, t in probe]
            extra = {"use_karras_sigmas": True} if name == "karras" else {"sigma_schedule": name}
            add(cls, name, steps, evals, all_s, all_t, "float32", extra)
    for cls in DIFFUSERS:
        for name in SCHEDULES:
            if name == "karras":
                continue
            config = diffusers_config(cls, name)
            steps, evals, all_s, all_t, dtype, counts_s = [], [], [], [], None, []
            for n in (1, 2, 3, 4, 7, 10, 20, 50):
                with patched_karras(DIFFUSERS[cls], name, config):
                    sched = base.build(config)
                    sched.set_timesteps(n)
                steps.append(n)
                evals.append(len(sched.timesteps))
                all_s += [float(v) for v in sched.sigmas]
                counts_s.append(len(sched.sigmas))
                all_t += [float(v) for v in sched.timesteps]
                dtype = base.timestep_dtype(sched)
            add(cls, name, steps, evals, all_s, all_t, dtype, {"use_karras_sigmas": True, "sigma_schedule": name}, counts_s)
    return out


def beta_points():
    out = []
    qs = sorted(set([0.0, 1.0, 1e-12, 1e-9, 1e-6, 1e-4, 1 - 1e-4, 1 - 1e-6, 1 - 1e-9]
                    + list(np.linspace(0, 1, 1001)[1:-1]) + [1 - x for x in np.linspace(0, 1, 151)]))
    for a, b in ((0.6, 0.6),):
        for q in qs:
            out.append([float(q), a, b, float(stats.beta.ppf(q, a, b))])
    rng = np.random.default_rng(7)
    for a, b in ((0.5, 0.5), (1.0, 1.0), (2.0, 3.0), (0.3, 0.9), (5.0, 1.5), (0.6, 2.0), (10.0, 10.0)):
        for q in np.concatenate([rng.random(60), [1e-8, 0.5, 1 - 1e-8]]):
            out.append([float(q), a, b, float(stats.beta.ppf(q, a, b))])
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    tensors = {}
    bank = torch.randn((3,) + SHAPE, generator=torch.Generator().manual_seed(42))
    tensors["bank"] = bank
    done = [run_kd_case(c, bank, tensors) for c in trajectory_cases()]
    done += [run_diffusers_case(c, bank, tensors) for c in diffusers_cases()]
    save_file({k: v.contiguous().to(torch.float32) for k, v in tensors.items()},
              os.path.join(OUT, "tensors.safetensors"), metadata={"source": "k-diffusion 0.1.1.post1"})
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"cases": done}, f)
    sched_tensors = {}
    sched = schedules(sched_tensors)
    save_file({k: v.contiguous() for k, v in sched_tensors.items()}, os.path.join(OUT, "schedules.safetensors"))
    with open(os.path.join(OUT, "schedules.json"), "w") as f:
        json.dump({"base": SD_LIKE, "schedules": sched}, f)
    with open(os.path.join(OUT, "beta.json"), "w") as f:
        json.dump(beta_points(), f)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    configs = sum(len(e["steps"]) for e in sched)
    print(f"{len(done)} trajectory cases, {configs} schedule configurations, {total / 1e3:.0f} KB")


if __name__ == "__main__":
    sys.exit(main())
