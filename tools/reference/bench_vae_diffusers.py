"""The `./altdiffusion bench vae` measurement through diffusers 0.30.3 (reference, not CI).

    tools/reference/.venv/bin/python tools/reference/bench_vae_diffusers.py --width 1024 --height 1024 \
        [--tiling on|off] [--sample-size 768] [--threads 2] [--json FILE]

Builds the SD 2.1 VAE (its config: sample_size 768, so tiles of 768 pixels / 96 latents) with
seeded random weights, float32, under torch.no_grad, enables tiling when asked
(vae.enable_tiling(): tiled_decode, overlap factor 0.25), decodes one [1, 4, H/8, W/8] latent after
an 8x8 warm-up, and prints the seconds, the RSS before the decode and the peak RSS (VmHWM).
One size per process, so that the peak is that size's. tools/reference/bench_vae_growth.sh runs it
beside ours.
"""

import argparse
import json
import os
import re
import time

import torch

from diffusers import AutoencoderKL


def proc_status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(re.sub(r"[^0-9]", "", line))
    return -1


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def sd21_vae(sample_size):
    return AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4, block_out_channels=[128, 256, 512, 512],
        layers_per_block=2, act_fn="silu", latent_channels=4, norm_num_groups=32,
        sample_size=sample_size, scaling_factor=0.18215,
    ).eval()


def decode(vae, latent_w, latent_h):
    latents = torch.randn(1, 4, latent_h, latent_w, generator=torch.Generator().manual_seed(2))
    start = time.perf_counter()
    float(vae.decode(latents).sample.sum())
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--height", type=int, default=512)
    p.add_argument("--tiling", choices=["on", "off"], default="off")
    p.add_argument("--sample-size", type=int, default=768)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--json")
    args = p.parse_args()
    if args.width % 8 or args.height % 8:
        p.error("--width and --height must be multiples of 8")
    torch.set_num_threads(args.threads)
    figures = dict(implementation="diffusers", width=args.width, height=args.height,
                   tiling=args.tiling == "on", torch_threads=torch.get_num_threads(),
                   load_average_start=load_average())
    torch.manual_seed(0)
    with torch.no_grad():
        vae = sd21_vae(args.sample_size)
        if args.tiling == "on":
            vae.enable_tiling()
        decode(vae, 8, 8)
        before = proc_status_kb("VmRSS") // 1024
        seconds = decode(vae, args.width // 8, args.height // 8)
        peak = proc_status_kb("VmHWM") // 1024
    print(f"diffusers VAE decode {args.width}x{args.height}, tiling {args.tiling} (tile {args.sample_size} px), "
          f"threads {torch.get_num_threads()}: {seconds:.2f} s; RSS before {before:,} MB, peak {peak:,} MB")
    figures.update(decode_s=seconds, rss_before_mb=before, peak_rss_mb=peak, load_average_end=load_average())
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)


if __name__ == "__main__":
    main()
