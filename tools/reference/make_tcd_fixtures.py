"""TCD oracle: diffusers 0.30.3 TCDScheduler timesteps and trajectories, and the zero-SNR
(rescale_betas_zero_snr) trajectories of LCM and TCD, in the format of make_scheduler_fixtures.py
(same fake model, same case fields), kept apart so that adding a sampler does not regenerate (and
re-verify) every other sampler's fixtures.

Regenerate (deterministic, CPU, seconds):
    /work/main/tools/reference/.venv/bin/python tools/reference/make_tcd_fixtures.py

Writes src/test/resources/fixtures/schedulers/tcd/:
  cases.json            trajectory cases (eta = TCD's gamma, recorded per case), as make_scheduler_fixtures
  tensors.safetensors   bank, latents, generator's next draw per case
  schedules.json        timesteps for num_train_timesteps x original_inference_steps x steps
                        (an error text where diffusers refuses)
"""

import json
import os
import sys

import torch
from safetensors.torch import save_file

from diffusers import LCMScheduler, TCDScheduler

import make_scheduler_fixtures as base

OUT = os.path.join(base.OUT, "tcd")

base.CLASSES["TCDScheduler"] = TCDScheduler
base.CLASSES["LCMScheduler"] = LCMScheduler
base.SAMPLERS["TCD"] = ("TCDScheduler", {})
base.SAMPLERS["LCM"] = ("LCMScheduler", {})


def cases():
    out = []
    v18 = dict(base.M18, prediction_type="v_prediction")
    for pred, cfg in (("eps", base.M18), ("v", v18)):
        for eta in (0.0, 0.3, 1.0):
            for steps in (1, 2, 4, 8, 20):
                out.append({"id": f"m18_{pred}_TCD_eta{eta}_{steps}", "config": cfg, "sampler": "TCD", "steps": steps, "eta": eta})
    sd_like = {k: v for k, v in base.M18.items() if not k.startswith("_")}

    def tcd(**kw):
        d = dict(sd_like, _class_name="TCDScheduler")
        d.update(kw)
        return d

    def lcm(**kw):
        d = dict(sd_like, _class_name="LCMScheduler")
        d.update(kw)
        return d

    variants = [
        ("default", {"_class_name": "TCDScheduler"}, (1, 4, 50), 0.3),
        ("sample_eta0.7", tcd(prediction_type="sample"), (3, 6), 0.7),
        ("orig30_eta0.5", tcd(original_inference_steps=30), (7, 30), 0.5),
        ("linear_eta0.25", tcd(beta_schedule="linear", beta_start=0.0001, beta_end=0.02), (5,), 0.25),
        ("cosine_eta0.9", tcd(beta_schedule="squaredcos_cap_v2"), (6,), 0.9),
        ("train500_orig25_eta0.1", tcd(num_train_timesteps=500, original_inference_steps=25), (4, 11), 0.1),
        # zero terminal SNR: alphas_cumprod[-1] = 0, so only v (or sample) prediction is finite at t=999
        ("zero_snr_v_eta0.3", tcd(rescale_betas_zero_snr=True, prediction_type="v_prediction"), (4, 8), 0.3),
        ("zero_snr_sample_eta0", tcd(rescale_betas_zero_snr=True, prediction_type="sample"), (5,), 0.0),
    ]
    for vid, config, counts, eta in variants:
        for steps in counts:
            out.append({"id": f"tcd_{vid}_{steps}", "config": config, "steps": steps, "eta": eta})
    for vid, config, counts in [
        ("zero_snr_v", lcm(rescale_betas_zero_snr=True, prediction_type="v_prediction"), (4, 8)),
        ("zero_snr_sample_orig30", lcm(rescale_betas_zero_snr=True, prediction_type="sample", original_inference_steps=30), (6,)),
    ]:
        for steps in counts:
            out.append({"id": f"lcm_{vid}_{steps}", "config": config, "steps": steps})
    out.append({"id": "img2img_TCD_8", "config": base.M18, "sampler": "TCD", "steps": 8, "strength": 0.6, "eta": 0.3})
    out.append({"id": "img2img_TCD_4_eta0", "config": base.M18, "sampler": "TCD", "steps": 4, "strength": 0.5, "eta": 0.0})
    for seed, case in enumerate(out):
        case["seed"] = 900 + seed
    return out


def schedules():
    """Timesteps over num_train_timesteps x original_inference_steps x steps (>= 300 configurations)."""
    out = []
    for train in (1000, 500, 999):
        for original in (50, 30, 7, 100, 1, 333):
            config = {"_class_name": "TCDScheduler", "num_train_timesteps": train, "original_inference_steps": original}
            entry = {"config": config, "steps": [], "timesteps": []}
            for steps in sorted(set(list(range(1, 21)) + [25, 29, 30, 31, 33, 49, 50, 51, 77, 99, 100, 101, 150])):
                sched = TCDScheduler.from_config(config)
                entry["steps"].append(steps)
                try:
                    sched.set_timesteps(steps)
                except ValueError as e:  # recorded: the Java side must refuse too
                    entry["timesteps"].append("error: " + str(e).splitlines()[0][:80])
                    continue
                entry["timesteps"].append([int(v) for v in sched.timesteps.tolist()])
            out.append(entry)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    tensors = {}
    bank = torch.randn((3,) + base.SHAPE, generator=torch.Generator().manual_seed(42))
    tensors["bank"] = bank
    done = [base.run_case(c, bank, tensors) for c in cases()]
    tensors = {k: v.contiguous().to(torch.float32) for k, v in tensors.items()}
    save_file(tensors, os.path.join(OUT, "tensors.safetensors"), metadata={"source": "diffusers 0.30.3"})
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"samplers": {"TCD": {"class": "TCDScheduler", "overrides": {}}}, "cases": done}, f)
    sets = schedules()
    with open(os.path.join(OUT, "schedules.json"), "w") as f:
        json.dump(sets, f)
    configs = sum(len(s["steps"]) for s in sets)
    refused = sum(1 for s in sets for t in s["timesteps"] if isinstance(t, str))
    print(f"{len(done)} TCD/LCM trajectory cases, {len(tensors)} tensors; {configs} schedule configurations ({refused} refused)")


if __name__ == "__main__":
    sys.exit(main())
