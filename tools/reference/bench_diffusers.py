"""The `./altdiffusion bench unet` measurement through diffusers (reference speed, not CI).

    tools/reference/.venv/bin/python tools/reference/bench_diffusers.py [--steps 3] [--size 64] [--sd1]
        [--no-vae] [--threads N] [--json FILE] [--profile] [--compare ALTDIFFUSION.json]

Builds the full-size SD 2.1 / AltDiffusion m18 UNet (or SD 1.x / m9 with --sd1) and the SD VAE
with seeded random weights (diffusers' own initialisation), float32, under torch.no_grad, with
torch threads = number of cores unless --threads says otherwise, and prints:
  - reference conv: median ms of a 3x3 320->320 convolution on [2, 320, size, size] (the same
    oneDNN primitive our libtorch runs: a gauge of the machine's load at the time of the run)
  - seconds per guided step: median of --steps UNet forwards on [2, 4, size, size] latents (the
    two halves of classifier-free guidance for one image) with a [2, 77, dim] context, after one
    warm-up forward; the process CPU time of those steps (all threads) and the minor page faults
    of the last one (fresh memory pages the kernel had to zero)
  - VAE decode of one [1, 4, size, size] latent (after one warm-up)
  - peak RSS (VmHWM of this process)
  - torch.get_num_threads() and the BLAS/oneDNN libraries torch was built with
--profile adds one profiled step and prints self CPU time per ATen operator.
--compare FILE reads the JSON of `./altdiffusion bench unet --json FILE` and prints both side by
side with the ratio ours / diffusers (tools/reference/bench_compare.sh runs the two back to back).
Deterministic weights and inputs (fixed seeds); timings of course vary with machine load.
"""

import argparse
import json
import os
import re
import resource
import statistics
import sys
import time

import torch

CONTEXT_TOKENS = 77


def unet_config(sd1):
    return dict(
        sample_size=64, in_channels=4, out_channels=4,
        down_block_types=["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
        up_block_types=["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
        block_out_channels=[320, 640, 1280, 1280], layers_per_block=2,
        attention_head_dim=8 if sd1 else [5, 10, 20, 20],
        cross_attention_dim=768 if sd1 else 1024, use_linear_projection=not sd1,
        upcast_attention=False, norm_num_groups=32, norm_eps=1e-5, flip_sin_to_cos=True, freq_shift=0,
        act_fn="silu",
    )


VAE_CONFIG = dict(
    in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 4,
    up_block_types=["UpDecoderBlock2D"] * 4, block_out_channels=[128, 256, 512, 512], layers_per_block=2,
    act_fn="silu", latent_channels=4, norm_num_groups=32, sample_size=512, scaling_factor=0.18215,
)


def proc_status_kb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(re.sub(r"[^0-9]", "", line))
    except OSError:
        pass
    return -1


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def libraries():
    """BLAS and oneDNN as torch reports them."""
    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", config)
    names = [line.strip(" -") for line in config.splitlines()
             if "Math Kernel Library" in line or "MKL-DNN" in line or "OpenBLAS" in line]
    return (blas.group(1) if blas else "?"), names


def reference_conv_ms(size):
    g = torch.Generator().manual_seed(3)
    conv = torch.nn.Conv2d(320, 320, 3, padding=1)
    x = torch.randn(2, 320, size, size, generator=g)
    times = []
    for i in range(6):
        start = time.perf_counter()
        conv(x)
        if i > 0:
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def time_unet(unet, size, steps, context_dim, dtype=torch.float32):
    g = torch.Generator().manual_seed(1)
    seconds, cpu_seconds = [], []
    for i in range(-1, steps):
        latents = torch.randn(2, 4, size, size, generator=g).to(dtype)
        context = torch.randn(2, CONTEXT_TOKENS, context_dim, generator=g).to(dtype)
        cpu_start = time.process_time()
        faults_start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start = time.perf_counter()
        eps = unet(latents, 500.0, encoder_hidden_states=context).sample
        float(eps.sum())
        s = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_start
        print(f"  {'warm-up step' if i < 0 else f'step {i + 1}'} {s:.2f} s (process CPU {cpu:.2f} s, "
              f"{faults:,} minor page faults)", flush=True)
        if i >= 0:
            seconds.append(s)
            cpu_seconds.append(cpu)
    return seconds, cpu_seconds, faults


def time_vae_decode(vae, size, dtype=torch.float32):
    g = torch.Generator().manual_seed(2)
    last = 0.0
    for _ in range(2):
        latents = torch.randn(1, 4, size, size, generator=g).to(dtype)
        start = time.perf_counter()
        float(vae.decode(latents).sample.sum())
        last = time.perf_counter() - start
    return last


def profile_step(unet, size, context_dim):
    from torch.profiler import ProfilerActivity, profile
    g = torch.Generator().manual_seed(5)
    latents = torch.randn(2, 4, size, size, generator=g)
    context = torch.randn(2, CONTEXT_TOKENS, context_dim, generator=g)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        unet(latents, 500.0, encoder_hidden_states=context)
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))


def compare(ours, theirs):
    rows = [
        ("reference conv (ms)", "reference_conv_ms"),
        ("guided step, median (s)", "step_median_s"),
        ("step process CPU (s)", "step_cpu_median_s"),
        ("step minor page faults", "step_minor_faults"),
        ("VAE decode (s)", "vae_decode_s"),
        ("peak RSS (MB)", "peak_rss_mb"),
    ]
    print(f"{'':26} {'altdiffusion':>14} {'diffusers':>14} {'ours/diffusers':>15}")
    for label, key in rows:
        a, b = ours.get(key), theirs.get(key)
        if a is None or b is None:
            continue
        number = "14,.0f" if key in ("peak_rss_mb", "step_minor_faults") else "14.2f"
        ratio = f"{a / b:15.2f}" if b else f"{'':15}"
        print(f"{label:26} {a:{number}} {b:{number}} {ratio}")
    print(f"{'threads':26} {json.dumps(ours['threads']):>14} {json.dumps(theirs['threads']):>14}")
    print(f"{'load average start/end':26} {ours['load_average_start']} / {ours['load_average_end']}  |  "
          f"{theirs['load_average_start']} / {theirs['load_average_end']}")
    print("ours/diffusers below 1: we are faster. The reference conv is the same oneDNN convolution in both "
          "processes: a gauge of the machine's load at the time of each run.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--sd1", action="store_true")
    parser.add_argument("--no-vae", action="store_true")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--json")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--compare", metavar="ALTDIFFUSION_JSON")
    parser.add_argument("--dtype", choices=["float32", "bfloat16", "float16"], default="float32",
                        help="the UNet's and VAE's torch_dtype (as `bench unet --dtype`)")
    args = parser.parse_args()
    dtype = getattr(torch, args.dtype)
    if args.steps < 1 or args.size < 8 or args.size % 8 or args.threads < 1:
        parser.error("--steps >= 1, --size a multiple of 8 >= 8, --threads >= 1")

    from diffusers import AutoencoderKL, UNet2DConditionModel

    torch.set_num_threads(args.threads)
    blas, libs = libraries()
    load_before = load_average()
    print(f"diffusers: {'SD 1.x / m9' if args.sd1 else 'SD 2.1 / m18'} UNet{'' if args.no_vae else ' + SD VAE'}, "
          f"random weights, {args.dtype}, "
          f"latents {args.size}x{args.size}")
    print(f"torch {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()} ({os.cpu_count()} cores), "
          f"BLAS_INFO={blas}; {'; '.join(libs)}; load average at start: {load_before}")
    figures = dict(implementation="diffusers", model="sd1" if args.sd1 else "sd2", latent_size=args.size,
                   dtype=args.dtype,
                   threads=dict(torch=torch.get_num_threads(), cores=os.cpu_count()),
                   blas=f"{blas}: {'; '.join(libs)}")
    with torch.no_grad():
        conv_ms = reference_conv_ms(args.size)
        print(f"reference conv 3x3 320->320 on [2,320,{args.size},{args.size}]: {conv_ms:.1f} ms (median of 5)")
        figures["reference_conv_ms"] = conv_ms

        torch.manual_seed(0)
        start = time.perf_counter()
        config = unet_config(args.sd1)
        unet = UNet2DConditionModel(**config).eval().to(dtype)
        count = sum(p.numel() for p in unet.parameters())
        print(f"UNet: {count:,} parameters, initialised in {time.perf_counter() - start:.1f} s")
        figures["unet_parameters"] = count
        seconds, cpu_seconds, faults = time_unet(unet, args.size, args.steps, config["cross_attention_dim"], dtype)
        median = statistics.median(seconds)
        print(f"guided step (UNet on [2,4,{args.size},{args.size}], context [2,{CONTEXT_TOKENS},"
              f"{config['cross_attention_dim']}]): median {median:.2f} s over {args.steps} "
              f"(all: {', '.join(f'{s:.2f}' for s in seconds)})")
        figures.update(step_seconds=seconds, step_median_s=median, step_in_reference_convs=median * 1000 / conv_ms,
                       step_cpu_seconds=cpu_seconds, step_cpu_median_s=statistics.median(cpu_seconds),
                       step_minor_faults=faults)
        print(f"process CPU time per step (all threads, spin-waits included): median "
              f"{figures['step_cpu_median_s']:.2f} s")
        if args.profile:
            profile_step(unet, args.size, config["cross_attention_dim"])
        del unet

        if not args.no_vae:
            vae = AutoencoderKL(**VAE_CONFIG).eval().to(dtype)
            decode = time_vae_decode(vae, args.size, dtype)
            print(f"VAE decode of [1,4,{args.size},{args.size}] -> [1,3,{args.size * 8},{args.size * 8}]: "
                  f"{decode:.2f} s (after one warm-up)")
            figures["vae_decode_s"] = decode
            del vae
    figures["peak_rss_mb"] = proc_status_kb("VmHWM") // 1024
    figures["load_average_start"] = load_before
    figures["load_average_end"] = load_average()
    print(f"peak RSS (VmHWM): {figures['peak_rss_mb']:,} MB; load average at end: {figures['load_average_end']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
        print(f"figures written to {args.json}")
    if args.compare:
        with open(args.compare) as f:
            ours = json.load(f)
        if (ours.get("model"), ours.get("latent_size"), ours.get("dtype", "float32")) != (
                figures["model"], figures["latent_size"], figures["dtype"]):
            sys.exit(f"{args.compare} measured {ours.get('model')} at {ours.get('latent_size')} in "
                     f"{ours.get('dtype', 'float32')}, not {figures['model']} at {figures['latent_size']} in "
                     f"{figures['dtype']}")
        print()
        compare(ours, figures)


if __name__ == "__main__":
    main()
