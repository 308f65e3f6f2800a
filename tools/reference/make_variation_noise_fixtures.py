"""Reference fixture for variation seeds (subseed, subseed_strength), as AUTOMATIC1111 computes them.

Regenerate (deterministic: fixed seeds, CPU, float32):

    tools/reference/.venv/bin/python tools/reference/make_variation_noise_fixtures.py

slerp and the loop below are A1111's modules/processing.py (slerp, create_random_tensors without
seed_resize_from_w/h and without the sampler-noise part), with its devices.randn(seed, shape) =
torch.manual_seed(seed); torch.randn(shape) written with a torch.Generator per draw, which gives the
same numbers. Image i uses seed + i and subseed + i. Writes
src/test/resources/fixtures/variation/noise.safetensors:
  "s<strength>"  float32 [B, C, h, w]: the starting noise for seeds SEED.., subseeds SUBSEED..
  "next"         float32 [B, C, h, w]: each image's second draw from its seed's generator (what an
                 ancestral sampler draws next; the variation does not touch it)
"""

import os

import torch
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "src", "test", "resources", "fixtures", "variation")

SEED = 7
SUBSEED = 100
BATCH = 2
SHAPE = (4, 8, 6)  # one image's latents: C, h, w
STRENGTHS = [0.25, 0.8, 1.0]


def slerp(val, low, high):  # A1111, modules/processing.py
    low_norm = low / torch.norm(low, dim=1, keepdim=True)
    high_norm = high / torch.norm(high, dim=1, keepdim=True)
    dot = (low_norm * high_norm).sum(1)

    if dot.mean() > 0.9995:
        return low * val + high * (1 - val)

    omega = torch.acos(dot)
    so = torch.sin(omega)
    res = (torch.sin((1.0 - val) * omega) / so).unsqueeze(1) * low + (torch.sin(val * omega) / so).unsqueeze(1) * high
    return res


def randn(seed, shape):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def create_random_tensors(seeds, subseeds, subseed_strength):
    xs = []
    for i, seed in enumerate(seeds):
        subnoise = None
        if subseeds is not None and subseed_strength != 0:
            subseed = 0 if i >= len(subseeds) else subseeds[i]
            subnoise = randn(subseed, SHAPE)
        noise = randn(seed, SHAPE)
        if subnoise is not None:
            noise = slerp(subseed_strength, noise, subnoise)
        xs.append(noise)
    return torch.stack(xs)


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = [SEED + i for i in range(BATCH)]
    subseeds = [SUBSEED + i for i in range(BATCH)]
    tensors = {}
    for s in STRENGTHS:
        tensors["s%g" % s] = create_random_tensors(seeds, subseeds, s).contiguous()
    nxt = []
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        torch.randn(SHAPE, generator=g)
        nxt.append(torch.randn(SHAPE, generator=g))
    tensors["next"] = torch.stack(nxt).contiguous()
    save_file(tensors, os.path.join(OUT, "noise.safetensors"),
              metadata={"seed": str(SEED), "subseed": str(SUBSEED), "torch": torch.__version__})
    print("wrote", sorted(tensors))


if __name__ == "__main__":
    main()
