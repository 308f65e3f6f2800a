"""Full-size UNet check (not CI): the AltDiffusion m18 / SD 2.1-base UNet layout with seeded random
weights, one forward at 64x64 latents, batch 2, random 77x1024 context.

    tools/reference/.venv/bin/python tools/reference/full_unet_step.py [out_dir]

Writes to out_dir (default /tmp/altdiffusion-full-unet; ~3.5 GB, never committed):
  config.json, diffusion_pytorch_model.safetensors   the model (float32)
  io.safetensors                                      sample, timestep, context, eps
and prints the time of each forward. The Java side is the slow test
org.altdiffusion.models.unet.UNetFullSizeTest (run it with -Dtest.excludedGroups=none).
Deterministic: fixed seeds. Peak memory ~8 GB (safetensors serialises through a byte copy).
"""

import os
import sys
import time

import torch
from safetensors.torch import save_file

from diffusers import UNet2DConditionModel

M18 = dict(
    sample_size=64, in_channels=4, out_channels=4,
    down_block_types=["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    up_block_types=["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    block_out_channels=[320, 640, 1280, 1280], layers_per_block=2, attention_head_dim=[5, 10, 20, 20],
    cross_attention_dim=1024, use_linear_projection=True, upcast_attention=False, norm_num_groups=32,
    norm_eps=1e-5, flip_sin_to_cos=True, freq_shift=0, act_fn="silu",
)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/altdiffusion-full-unet"
    torch.set_num_threads(2)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"cpu capability {torch.backends.cpu.get_cpu_capability()}, mkl {torch.backends.mkl.is_available()}, "
          f"mkldnn {torch.backends.mkldnn.is_available()}")
    torch.manual_seed(0)
    model = UNet2DConditionModel(**M18).eval()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and p.ndim == 1:
                if name.endswith("weight"):
                    p.copy_(1.0 + 0.3 * torch.randn(p.shape, generator=g))
                else:
                    p.copy_(0.3 * torch.randn(p.shape, generator=g))
    print(f"parameters: {sum(p.numel() for p in model.parameters()):,}")
    t0 = time.time()
    model.save_pretrained(out, safe_serialization=True)
    print(f"saved to {out} in {time.time() - t0:.1f} s")

    g = torch.Generator().manual_seed(2)
    sample = torch.randn(2, 4, 64, 64, generator=g)
    context = torch.randn(2, 77, 1024, generator=g)
    timestep = torch.tensor([999, 500], dtype=torch.int64)
    with torch.no_grad():
        times = []
        for _ in range(2):
            t0 = time.time()
            eps = model(sample, timestep, context).sample
            times.append(time.time() - t0)
    print("python forward (batch 2, 64x64): " + ", ".join(f"{t:.2f} s" for t in times))
    print(f"eps |max| {eps.abs().max():.4f}")
    save_file({"sample": sample, "timestep": timestep, "context": context, "eps": eps.contiguous()},
              os.path.join(out, "io.safetensors"))


if __name__ == "__main__":
    main()
