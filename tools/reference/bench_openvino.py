"""OpenVINO's time for the guided UNet step and VAE decode that `altdiffusion bench unet` and
bench_diffusers.py time: the same random-weight SD 2.1 / m18 UNet (or SD 1.x with --sd1) and SD VAE,
built by diffusers with the same seeds, converted to OpenVINO (openvino.convert_model on the torch
modules) and compiled for the CPU in OpenVINO's default precision (bf16 where the CPU has bf16
instructions) or with --precision f32 (INFERENCE_PRECISION_HINT f32).

    tools/reference/.venv/bin/python tools/reference/bench_openvino.py [--size 64] [--steps 3]
        [--sd1] [--no-vae] [--threads N] [--precision default|f32] [--json FILE]
"""

import argparse
import json
import os
import statistics
import time

import torch

import bench_diffusers as bd


class UNetStep(torch.nn.Module):
    """(latents, timestep, context) -> noise prediction: the graph OpenVINO converts."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, context):
        return self.unet(sample, timestep, encoder_hidden_states=context, return_dict=False)[0]


class VaeDecode(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latents):
        return self.vae.decode(latents, return_dict=False)[0]


def compile_model(ov, core, module, example, config):
    start = time.perf_counter()
    with torch.no_grad():
        model = ov.convert_model(module, example_input=example)
    compiled = core.compile_model(model, "CPU", config)
    return compiled, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--sd1", action="store_true")
    parser.add_argument("--no-vae", action="store_true")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--precision", choices=["default", "f32"], default="default")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.steps < 1 or args.size < 8 or args.size % 8 or args.threads < 1:
        parser.error("--steps >= 1, --size a multiple of 8 >= 8, --threads >= 1")

    import openvino as ov
    from diffusers import AutoencoderKL, UNet2DConditionModel

    torch.set_num_threads(args.threads)
    core = ov.Core()
    config = {"INFERENCE_NUM_THREADS": args.threads, "PERFORMANCE_HINT": "LATENCY"}
    if args.precision == "f32":
        config["INFERENCE_PRECISION_HINT"] = "f32"
    load_before = bd.load_average()
    print(f"openvino {ov.__version__}: {'SD 1.x / m9' if args.sd1 else 'SD 2.1 / m18'} UNet"
          f"{'' if args.no_vae else ' + SD VAE'}, random weights, precision {args.precision}, latents "
          f"{args.size}x{args.size}, {args.threads} threads; load average at start: {load_before}")
    figures = dict(implementation="openvino", version=ov.__version__, model="sd1" if args.sd1 else "sd2",
                   latent_size=args.size, precision=args.precision, threads=args.threads)

    torch.manual_seed(0)
    unet_config = bd.unet_config(args.sd1)
    unet = UNet2DConditionModel(**unet_config).eval()
    dim = unet_config["cross_attention_dim"]
    g = torch.Generator().manual_seed(1)
    example = (torch.randn(2, 4, args.size, args.size, generator=g), torch.tensor(500.0),
               torch.randn(2, bd.CONTEXT_TOKENS, dim, generator=g))
    compiled, seconds = compile_model(ov, core, UNetStep(unet), example, config)
    del unet
    print(f"UNet converted and compiled in {seconds:.1f} s; inference precision "
          f"{compiled.get_property('INFERENCE_PRECISION_HINT')}")
    figures["inference_precision"] = str(compiled.get_property("INFERENCE_PRECISION_HINT"))
    request = compiled.create_infer_request()
    times = []
    for i in range(-1, args.steps):
        inputs = [torch.randn(2, 4, args.size, args.size, generator=g).numpy(), example[1].numpy(),
                  torch.randn(2, bd.CONTEXT_TOKENS, dim, generator=g).numpy()]
        start = time.perf_counter()
        request.infer(inputs)
        s = time.perf_counter() - start
        print(f"  {'warm-up step' if i < 0 else f'step {i + 1}'} {s:.2f} s", flush=True)
        if i >= 0:
            times.append(s)
    median = statistics.median(times)
    print(f"guided step (UNet on [2,4,{args.size},{args.size}], context [2,{bd.CONTEXT_TOKENS},{dim}]): "
          f"median {median:.2f} s over {args.steps}")
    figures.update(step_seconds=times, step_median_s=median)
    del compiled, request

    if not args.no_vae:
        vae = AutoencoderKL(**bd.VAE_CONFIG).eval()
        latents = torch.randn(1, 4, args.size, args.size, generator=torch.Generator().manual_seed(2))
        compiled, seconds = compile_model(ov, core, VaeDecode(vae), (latents,), config)
        del vae
        request = compiled.create_infer_request()
        request.infer([latents.numpy()])
        start = time.perf_counter()
        request.infer([latents.numpy()])
        decode = time.perf_counter() - start
        print(f"VAE decode of [1,4,{args.size},{args.size}]: {decode:.2f} s (after one warm-up; compiled in "
              f"{seconds:.1f} s)")
        figures["vae_decode_s"] = decode
    figures["peak_rss_mb"] = bd.proc_status_kb("VmHWM") // 1024
    figures["load_average_start"] = load_before
    figures["load_average_end"] = bd.load_average()
    print(f"peak RSS (VmHWM): {figures['peak_rss_mb']:,} MB (conversion included); load average at end: "
          f"{figures['load_average_end']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)


if __name__ == "__main__":
    main()
