"""DPM++ SDE oracle: diffusers 0.30.3 DPMSolverSDEScheduler and the torchsde 0.2.6 Brownian tree
behind its noise (BrownianTreeNoiseSampler -> BatchedBrownianTree -> torchsde.BrownianTree).

Regenerate (deterministic, CPU, about 2 minutes; needs torchsde==0.2.6, see requirements.txt):
    tools/reference/.venv/bin/python tools/reference/make_sde_fixtures.py

Writes src/test/resources/fixtures/schedulers/sde/:
  cases.json           (a) numpy SeedSequence states; Brownian-tree queries (seed, shape, interval,
                       the (ta, tb) pairs) and noise-sampler queries (seeds per picture, sigma pairs);
                       (b) schedule configs; (c) trajectory cases (config, sampler, steps, seed,
                       img2img strength, recorded step indices).
  pipeline.safetensors the tiny AltDiffusion folder (fixtures/pipeline/tiny-altdiffusion) run end to end
                       with DPM++ SDE Karras, txt2img (batch 2) and img2img: images [B, H, W, 3].
  tensors.safetensors  the Brownian increments, the schedules (timesteps float64, sigmas float32),
                       the fake-model bank, recorded latents per case and (d) the pipeline
                       generator's next draw after each loop.
The trajectories use make_scheduler_fixtures.py's fake model; the Brownian trees are seeded per
picture (noise_sampler_seed = [seed, seed + 1, ...]), as A1111 seeds them with each picture's seed.
Trajectories and pipeline runs are recorded with correctly rounded float32 log/exp/expm1/sqrt (see
CorrectlyRounded: this torch's MKL rounds them otherwise, which torchsde's 1e-6 grid can amplify);
the script prints how many trajectories the plain MKL run keeps within 1e-5 of them.
"""

import json
import os
import sys
import warnings

import numpy as np
import torch
import torchsde
from safetensors.torch import save_file

from diffusers import DPMSolverSDEScheduler
from diffusers.schedulers.scheduling_dpmsolver_sde import BrownianTreeNoiseSampler

import make_scheduler_fixtures as base

OUT = os.path.join(base.OUT, "sde")
SDE = "DPMSolverSDEScheduler"
base.CLASSES[SDE] = DPMSolverSDEScheduler
base.SAMPLERS["DPM++ SDE"] = (SDE, {})
base.SAMPLERS["DPM++ SDE Karras"] = (SDE, {"use_karras_sigmas": True})
SD_LIKE = {k: v for k, v in base.M18.items() if not k.startswith("_")}


def seed_sequences():
    out = []
    for entropy in (0, 1, 12345, 2**32 + 5, 2**63 - 2):
        for spawn_key in ((), (0, 0), (5, 3), (2**33 + 1, 34)):
            for pool in (4, 8, 24):
                ss = np.random.SeedSequence(entropy=entropy, spawn_key=spawn_key, pool_size=pool)
                state = [int(v) for v in ss.generate_state(5)]
                out.append({"entropy": entropy, "spawn_key": list(spawn_key), "pool_size": pool, "state": state})
    return out


def tree_queries(rng, t0, t1, count):
    """Sampler-like descending sigma pairs, random pairs, a repeat, an empty and a clamped query."""
    pairs = []
    grid = np.sort(rng.uniform(t0, t1, count))[::-1]
    for a, b in zip(grid[:-1], grid[1:]):
        pairs.append((float(np.float32(b)), float(np.float32(a))))
    for _ in range(count):
        a, b = sorted(rng.uniform(t0, t1, 2))
        pairs.append((float(a), float(b)))
    pairs.append(pairs[0])
    pairs.append((float(t0) + 0.25 * (t1 - t0),) * 2)
    pairs.append((float(t0), float(t1)))
    pairs.append((float(t0) - 1e-4, float(t0) + 0.5 * (t1 - t0)))
    return pairs


def brownian(tensors):
    rng = np.random.default_rng(7)
    trees = []
    specs = [
        (0, (3,), 0.0, 1.0),
        (12345, (2, 3, 4), 0.0291675, 14.614642),
        (2**40 + 7, (4, 8, 8), 0.0291675, 14.614642),
        (999, (4, 8, 8), 0.1, 10.0),
        (2**63 - 2, (5,), 0.5, 0.500123),
    ]
    for n, (seed, shape, t0, t1) in enumerate(specs):
        t0 = float(np.float32(t0))
        t1 = float(np.float32(t1))
        tree = torchsde.BrownianTree(t0, torch.zeros(shape), t1, entropy=seed)
        pairs = tree_queries(rng, t0, t1, 12)
        for q, (a, b) in enumerate(pairs):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tensors[f"tree{n}/{q}"] = tree(a, b)
        trees.append({"seed": seed, "shape": list(shape), "t0": t0, "t1": t1, "queries": pairs})
    # The noise sampler as the scheduler calls it: one tree per picture, descending sigma pairs.
    samplers = []
    for n, (seeds, shape) in enumerate((([3, 4], (2, 4, 8, 8)), ([77], (1, 4, 6, 6)))):
        x = torch.zeros(shape)
        sigma_min, sigma_max = torch.tensor(0.0291675), torch.tensor(14.614642)
        ns = BrownianTreeNoiseSampler(x, sigma_min, sigma_max, seeds)
        sig = torch.tensor([14.614642, 9.7, 6.1, 2.2, 0.9, 0.2, 0.0291675])
        pairs = []
        for q in range(len(sig) - 1):
            s, s_next = sig[q], sig[q + 1]
            tensors[f"sampler{n}/{q}"] = ns(s, s_next)
            pairs.append((float(s), float(s_next)))
        samplers.append({"seeds": seeds, "shape": list(shape), "sigma_min": float(sigma_min),
                         "sigma_max": float(sigma_max), "queries": pairs})
    return trees, samplers


def schedule_configs():
    out = []
    for karras in (False, True):
        for steps in range(1, 151):
            out.append((dict(SD_LIKE, timestep_spacing="linspace", use_karras_sigmas=karras), steps))
    counts = (1, 2, 3, 5, 7, 10, 20, 25, 30, 50, 77, 100, 150)
    for spacing, offset in (("leading", 1), ("leading", 0), ("trailing", 0)):
        for karras in (False, True):
            for steps in counts:
                out.append((dict(SD_LIKE, timestep_spacing=spacing, steps_offset=offset, use_karras_sigmas=karras), steps))
    for steps in (4, 20, 50):
        out.append((dict(SD_LIKE, prediction_type="v_prediction"), steps))
        out.append(({}, steps))  # the class defaults: linear betas 0.00085 -> 0.012
        out.append(({"beta_schedule": "squaredcos_cap_v2", "use_karras_sigmas": True}, steps))
    return out


def schedules(tensors):
    out = []
    for n, (config, steps) in enumerate(schedule_configs()):
        config = dict(config, _class_name=SDE)
        sched = DPMSolverSDEScheduler.from_config(config)
        sched.set_timesteps(steps)
        tensors[f"schedule{n}/timesteps"] = sched.timesteps.to(torch.float64)
        tensors[f"schedule{n}/sigmas"] = sched.sigmas.to(torch.float32)
        out.append({"config": config, "steps": steps, "init_noise_sigma": float(sched.init_noise_sigma)})
    return out


def trajectory_cases():
    cases = []
    v18 = dict(base.M18, prediction_type="v_prediction")
    for pred, cfg in (("eps", base.M18), ("v", v18)):
        for sampler in ("DPM++ SDE", "DPM++ SDE Karras"):
            for steps in (1, 2, 3, 7, 20):
                name = sampler.replace(" ", "_").replace("+", "p")
                cases.append({"id": f"m18_{pred}_{name}_{steps}", "config": cfg, "sampler": sampler, "steps": steps})
    for vid, extra in (("leading", {"timestep_spacing": "leading"}), ("trailing_v", {"timestep_spacing": "trailing", "prediction_type": "v_prediction"})):
        cases.append({"id": f"sde_{vid}_8", "config": dict(SD_LIKE, _class_name=SDE, **extra), "steps": 8})
    cases.append({"id": "img2img_DPMpp_SDE_Karras_20", "config": base.M18, "sampler": "DPM++ SDE Karras", "steps": 20, "strength": 0.75})
    cases.append({"id": "img2img_DPMpp_SDE_9", "config": base.M18, "sampler": "DPM++ SDE", "steps": 9, "strength": 0.5})
    cases.append({"id": "batch1_int_seed_7", "config": base.M18, "sampler": "DPM++ SDE Karras", "steps": 7, "batch": 1})
    for n, case in enumerate(cases):
        case["seed"] = 300 + n
    return cases


def rounded(fn64, x):
    """fn64 of a float32 tensor in float64, rounded once to float32: the correctly rounded result."""
    return torch.from_numpy(np.asarray(fn64(x.detach().numpy().astype(np.float64))).astype(np.float32)).reshape(x.shape)


class CorrectlyRounded:
    """diffusers' DPMSolverSDEScheduler computes each Brownian query time as exp(-(-log sigma)) on
    float32 sigmas whose train values come from sqrt. This torch (MKL) takes log, exp and sqrt from
    MKL's VML, which rounds ~6% / ~1% / ~17% of float32 inputs away from the correctly rounded
    result; torchsde then rounds query times to 1e-6, so a 1-ulp change can move a query to the next
    grid point and change that step's noise by ~1e-3. The trajectories are recorded with correctly
    rounded float32 log, exp, expm1 and sqrt (what the Java side computes, and what torch without MKL
    gives for sqrt); main() reports how far the plain MKL run lies from them."""

    def __enter__(self):
        self.saved = {}
        for name, fn in (("log", np.log), ("exp", np.exp), ("expm1", np.expm1), ("sqrt", np.sqrt)):
            original = getattr(torch.Tensor, name)
            self.saved[name] = original

            def method(self, _fn=fn, _orig=original):
                return rounded(_fn, self) if self.dtype == torch.float32 else _orig(self)

            setattr(torch.Tensor, name, method)
        pow_ = torch.Tensor.__pow__
        self.saved["__pow__"] = pow_

        def power(self, exponent, _orig=pow_):
            if isinstance(exponent, float) and exponent == 0.5 and self.dtype == torch.float32:
                return rounded(np.sqrt, self)
            return _orig(self, exponent)

        torch.Tensor.__pow__ = power

    def __exit__(self, *exc):
        for name, original in self.saved.items():
            setattr(torch.Tensor, name, original)


def run_case(case, bank, tensors):
    """A pipeline's loop: latents from the seeded generator, trees seeded per picture."""
    batch = case.get("batch", base.SHAPE[0])
    shape = (batch,) + base.SHAPE[1:]
    seed = case["seed"]
    seeds = [seed + i for i in range(batch)]
    sched = base.build(case["config"], case.get("sampler"))
    # batch 1 with an int: diffusers' own single-seed form; it draws the same as [seed].
    sched = DPMSolverSDEScheduler.from_config(sched.config, noise_sampler_seed=seeds if batch > 1 else seed)
    steps = case["steps"]
    sched.set_timesteps(steps)
    gen = torch.Generator().manual_seed(seed)
    cid = case["id"]
    entry = {"class": type(sched).__name__, "batch": batch}
    timesteps = sched.timesteps
    start = 0
    strength = case.get("strength")
    if strength is None:
        latents = torch.randn(shape, generator=gen, dtype=torch.float32) * sched.init_noise_sigma
    else:
        init_timestep = min(int(steps * strength), steps)
        start = max(steps - init_timestep, 0) * sched.order
        timesteps = sched.timesteps[start:]
        sched.set_begin_index(start)
        image_latents = torch.randn(shape, generator=torch.Generator().manual_seed(seed + 1000))
        tensors[f"{cid}/image_latents"] = image_latents
        noise = torch.randn(shape, generator=gen, dtype=torch.float32)
        latents = sched.add_noise(image_latents, noise, timesteps[:1].repeat(batch))
        tensors[f"{cid}/noised"] = latents.clone()
        entry["t_start"] = start
    n = len(timesteps)
    record = sorted({0, 1, n // 2, n - 2, n - 1} & set(range(n)))
    entry["record"] = [start + i for i in record]
    for i, t in enumerate(timesteps):
        index = start + i
        scaled = sched.scale_model_input(latents, t)
        out = base.fake_model(scaled, t, index, bank[:, :batch])  # [3, B, C, h, w]
        latents = sched.step(out, t, latents).prev_sample
        if i in record:
            tensors[f"{cid}/latents{index}"] = latents.clone()
    tensors[f"{cid}/gen_after"] = torch.randn(8, generator=gen)
    case.update(entry)
    return case


PIPELINE = os.path.join(base.OUT, "..", "pipeline", "tiny-altdiffusion")


def pipeline_cases():
    """The tiny AltDiffusion folder end to end with DPM++ SDE Karras, as a user of diffusers would
    run it with the picture seeds: one generator and one Brownian-tree seed per picture."""
    from PIL import Image
    from diffusers.pipelines.deprecated.alt_diffusion import AltDiffusionImg2ImgPipeline, AltDiffusionPipeline

    from diffusers import AutoencoderKL, PNDMScheduler, UNet2DConditionModel
    from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import RobertaSeriesModelWithTransformation
    from transformers import XLMRobertaTokenizer

    def part(name):
        return os.path.join(PIPELINE, name)

    pipe = AltDiffusionPipeline(
        vae=AutoencoderKL.from_pretrained(part("vae")).eval(),
        text_encoder=RobertaSeriesModelWithTransformation.from_pretrained(part("text_encoder")).eval(),
        tokenizer=XLMRobertaTokenizer.from_pretrained(part("tokenizer")),
        unet=UNet2DConditionModel.from_pretrained(part("unet")).eval(),
        scheduler=PNDMScheduler.from_pretrained(part("scheduler")),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    cases, out = [], {}

    def sde(seeds):
        return DPMSolverSDEScheduler.from_config(pipe.scheduler.config, use_karras_sigmas=True, noise_sampler_seed=seeds)

    def run(name, p, **kw):
        seed, batch = kw.pop("seed"), kw.pop("batch")
        seeds = [seed + i for i in range(batch)]
        p.scheduler = sde(seeds)
        gens = [torch.Generator().manual_seed(s) for s in seeds]
        images = p(generator=gens, num_images_per_prompt=batch, output_type="np", **kw).images
        out[f"{name}/images"] = torch.from_numpy(np.ascontiguousarray(images)).float()
        return dict(name=name, seed=seed, batch=batch)

    base_scheduler = pipe.scheduler
    c = run("txt2img", pipe, prompt="a red circle on the left", negative_prompt="blurry", num_inference_steps=6,
            guidance_scale=7.5, height=32, width=32, seed=42, batch=2)
    cases.append(dict(c, mode="txt2img", prompt="a red circle on the left", negative_prompt="blurry", steps=6,
                      guidance=7.5, width=32, height=32))
    pipe.scheduler = base_scheduler
    img2img = AltDiffusionImg2ImgPipeline(**pipe.components)
    img2img.set_progress_bar_config(disable=True)
    init = (np.random.RandomState(0).rand(32, 32, 3) * 255).astype(np.uint8)
    out["img2img/init"] = torch.from_numpy(init)
    c = run("img2img", img2img, prompt="a purple heart", negative_prompt="noise", image=Image.fromarray(init),
            strength=0.6, num_inference_steps=8, guidance_scale=7.5, seed=21, batch=1)
    cases.append(dict(c, mode="img2img", prompt="a purple heart", negative_prompt="noise", steps=8, guidance=7.5,
                      width=32, height=32, strength=0.6))
    return cases, out


def main():
    os.makedirs(OUT, exist_ok=True)
    tensors = {}
    trees, samplers = brownian(tensors)
    sched_cases = schedules(tensors)
    bank = torch.randn((3,) + base.SHAPE, generator=torch.Generator().manual_seed(42))
    tensors["bank"] = bank
    with CorrectlyRounded():
        done = [run_case(c, bank, tensors) for c in trajectory_cases()]
    # The same cases on this torch's own (MKL) log/exp, compared with the recorded ones.
    plain = {}
    for c in trajectory_cases():
        run_case(c, bank, plain)
    drift = {k: float((plain[k] - tensors[k]).abs().max()) for k in plain if "/latents" in k}
    worst = {}
    for k, v in drift.items():
        cid = k.split("/")[0]
        worst[cid] = max(worst.get(cid, 0.0), v)
    same = sum(1 for v in worst.values() if v <= 1e-5)
    print(f"MKL log/exp/sqrt vs correctly rounded: {same}/{len(worst)} trajectories within 1e-5; "
          f"largest difference {max(worst.values()):.2e}")
    with CorrectlyRounded():
        pipelines, pipeline_tensors = pipeline_cases()
    save_file(pipeline_tensors, os.path.join(OUT, "pipeline.safetensors"), metadata={"source": "diffusers 0.30.3"})
    tensors = {k: v.contiguous() for k, v in tensors.items()}
    save_file(tensors, os.path.join(OUT, "tensors.safetensors"),
              metadata={"source": "diffusers 0.30.3, torchsde 0.2.6, numpy " + np.__version__})
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"seed_sequences": seed_sequences(), "trees": trees, "noise_samplers": samplers,
                   "schedules": sched_cases, "cases": done, "pipelines": pipelines}, f)
    print(f"{len(trees)} trees, {len(samplers)} noise samplers, {len(sched_cases)} schedules, "
          f"{len(done)} trajectories, {len(tensors)} tensors")


if __name__ == "__main__":
    sys.exit(main())
