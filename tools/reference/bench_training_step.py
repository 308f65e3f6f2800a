"""Training throughput: one UNet training step (quality stage) of the tiny AltDiffusion model, Java vs PyTorch.

Run (builds nothing; needs target/altdiffusion.jar, made by `./altdiffusion --help` or `mvn -DskipTests package`):
    tools/reference/.venv/bin/python tools/reference/bench_training_step.py [--steps 40] [--threads N]

Both sides do the same step on the tiny pipeline fixture (src/test/resources/fixtures/pipeline/tiny-altdiffusion):
batch 4 at 32x32 pixels -> VAE encode + latent sampling, XLM-R text encoding of 24 tokens, noise, random
timesteps, UNet forward + backward on every UNet weight, gradient clipping at 1.0, AdamW, EMA.
Java: `altdiffusion train-unet --stage quality --data shapes` (its log.jsonl has the seconds of each step,
data loading included); PyTorch: the same computation on random pixels. Prints the median steps/s of
each (first 3 steps left out) and the ratio. Same thread count on both sides (default: all cores).
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import torch
import torch.nn.functional as F
from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
from transformers import XLMRobertaTokenizer

from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import RobertaSeriesModelWithTransformation

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MODEL = os.path.join(ROOT, "src", "test", "resources", "fixtures", "pipeline", "tiny-altdiffusion")


def python_steps(steps, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    unet = UNet2DConditionModel.from_pretrained(os.path.join(MODEL, "unet")).train()
    vae = AutoencoderKL.from_pretrained(os.path.join(MODEL, "vae")).requires_grad_(False)
    text = RobertaSeriesModelWithTransformation.from_pretrained(os.path.join(MODEL, "text_encoder")).requires_grad_(False)
    tok = XLMRobertaTokenizer.from_pretrained(os.path.join(MODEL, "tokenizer"))
    sched = DDPMScheduler.from_pretrained(os.path.join(MODEL, "scheduler"))
    opt = torch.optim.AdamW(unet.parameters(), lr=1e-4, weight_decay=1e-2)
    ema = [p.detach().clone() for p in unet.parameters()]
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        pixels = torch.rand(4, 3, 32, 32) * 2 - 1
        with torch.no_grad():
            latents = vae.encode(pixels).latent_dist.sample() * vae.config.scaling_factor
            ids = tok(["a red circle in the middle"] * 4, padding="max_length", max_length=24, truncation=True, return_tensors="pt")
            cond = text(input_ids=ids.input_ids, attention_mask=ids.attention_mask).projection_state
        noise = torch.randn_like(latents)
        t = torch.randint(0, 1000, (4,))
        pred = unet(sched.add_noise(latents, noise, t), t, cond).sample
        loss = F.mse_loss(pred, noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for s, p in zip(ema, unet.parameters()):
                s.lerp_(p, 1 - 0.9999)
        times.append(time.perf_counter() - t0)
    return times[3:]


def java_steps(steps, threads):
    jar = os.path.join(ROOT, "target", "altdiffusion.jar")
    if not os.path.exists(jar):
        raise SystemExit("build the jar first: mvn -q -DskipTests package")
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, ALTDIFFUSION_TORCH_THREADS=str(threads))
        subprocess.run(["java", "-Xss8m", "-jar", jar, "train-unet", "--model", MODEL, "--stage", "quality", "--data", "shapes",
                        "--resolution", "32", "--max-length", "24", "--batch-size", "4", "--steps", str(steps), "--out", out,
                        "--checkpoint-every", "0", "--no-export", "--no-progress"], check=True, env=env, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "log.jsonl")) as f:
            lines = [json.loads(l) for l in f]
    return [l["seconds"] for l in lines if "seconds" in l][3:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    py = statistics.median(python_steps(a.steps, a.threads))
    jv = statistics.median(java_steps(a.steps, a.threads))
    print(f"tiny UNet training step, batch 4, 32x32, {a.threads} threads:")
    print(f"  PyTorch {torch.__version__}: {1 / py:.2f} steps/s ({py * 1000:.1f} ms median)")
    print(f"  Java (libtorch via JavaCPP): {1 / jv:.2f} steps/s ({jv * 1000:.1f} ms median)")
    print(f"  Java / PyTorch throughput ratio: {py / jv:.2f}")


if __name__ == "__main__":
    main()
