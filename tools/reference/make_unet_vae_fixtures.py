"""Reference fixtures for the UNet (UNet2DConditionModel) and VAE (AutoencoderKL) ports.

Regenerate (deterministic: fixed seeds, CPU, float32):

    tools/reference/.venv/bin/python tools/reference/make_unet_vae_fixtures.py

Writes fixtures/blocks/timestep_embedding.safetensors (get_timestep_embedding alone) and
src/test/resources/fixtures/unet/<case>/ and fixtures/vae/<case>/, each holding
  config.json                          (diffusers save_pretrained)
  diffusion_pytorch_model.safetensors  (diffusers save_pretrained, float32)
  diffusion_pytorch_model.bin          (save_pretrained(safe_serialization=False); for the .bin reader)
  io.safetensors                       inputs and reference outputs of the case

Every weight is random: diffusers starts norms at weight 1 / bias 0; here they are perturbed by
a seeded normal so that a wrong norm parameter changes the output.
"""

import json
import os
import shutil
import sys

import torch
from safetensors.torch import save_file

from diffusers import AutoencoderKL, UNet2DConditionModel
from diffusers.models.embeddings import get_timestep_embedding

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "src", "test", "resources", "fixtures")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def randomize(model, seed):
    """Default init (seeded) for conv/linear weights, then perturbed norms."""
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and p.ndim == 1:
                if name.endswith("weight"):
                    p.copy_(1.0 + 0.3 * torch.randn(p.shape, generator=g))
                else:
                    p.copy_(0.3 * torch.randn(p.shape, generator=g))
    model.eval()
    return model


def save_model(model, folder, with_bin):
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    model.save_pretrained(folder, safe_serialization=True)
    if with_bin:
        tmp = folder + ".bin-tmp"
        model.save_pretrained(tmp, safe_serialization=False)
        shutil.move(os.path.join(tmp, "diffusion_pytorch_model.bin"), os.path.join(folder, "diffusion_pytorch_model.bin"))
        shutil.rmtree(tmp)


def down_residual_shapes(model, batch, height, width):
    """Shapes of UNet2DConditionModel's down_block_res_samples (what ControlNet adds to)."""
    c0 = model.config.block_out_channels[0]
    shapes = [(batch, c0, height, width)]
    h, w = height, width
    for i, block in enumerate(model.down_blocks):
        ch = model.config.block_out_channels[i]
        shapes += [(batch, ch, h, w)] * len(block.resnets)
        if block.downsamplers is not None:
            h, w = (h + 1) // 2, (w + 1) // 2
            shapes.append((batch, ch, h, w))
    mid = (batch, model.config.block_out_channels[-1], h, w)
    return shapes, mid


def unet_case(name, config, seed, cases, with_bin=False):
    torch.manual_seed(seed)
    model = randomize(UNet2DConditionModel(**config), seed)
    folder = os.path.join(OUT, "unet", name)
    save_model(model, folder, with_bin)
    g = torch.Generator().manual_seed(seed + 2)
    tensors = {}
    with torch.no_grad():
        for case in cases:
            prefix = case["name"] + "."
            b, h, w = case["batch"], case["height"], case["width"]
            sample = torch.randn(b, config["in_channels"], h, w, generator=g)
            context = torch.randn(b, case["tokens"], config["cross_attention_dim"], generator=g)
            timestep = case["timestep"]
            kwargs = {}
            if case.get("control"):
                shapes, mid = down_residual_shapes(model, b, h, w)
                down = [torch.randn(s, generator=g) for s in shapes]
                mid_res = torch.randn(mid, generator=g)
                kwargs = dict(down_block_additional_residuals=down, mid_block_additional_residual=mid_res)
                for i, t in enumerate(down):
                    tensors[prefix + f"down_residual.{i}"] = t
                tensors[prefix + "mid_residual"] = mid_res
            eps = model(sample, timestep, context, **kwargs).sample
            tensors[prefix + "sample"] = sample
            tensors[prefix + "timestep"] = timestep.clone()
            tensors[prefix + "context"] = context
            tensors[prefix + "eps"] = eps
            print(f"unet/{name}/{case['name']}: eps {tuple(eps.shape)} |max| {eps.abs().max():.4f}")
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(folder, "io.safetensors"))


def vae_case(name, config, seed, image_sizes, latent_size, with_bin=False):
    torch.manual_seed(seed)
    model = randomize(AutoencoderKL(**config), seed)
    folder = os.path.join(OUT, "vae", name)
    save_model(model, folder, with_bin)
    g = torch.Generator().manual_seed(seed + 2)
    tensors = {}
    with torch.no_grad():
        for i, (h, w) in enumerate(image_sizes):
            prefix = f"encode{i}."
            image = torch.rand(2, config["in_channels"], h, w, generator=g) * 2 - 1
            dist = model.encode(image).latent_dist
            sample_seed = 1234 + i
            sampled = dist.sample(generator=torch.Generator().manual_seed(sample_seed))
            tensors[prefix + "image"] = image
            tensors[prefix + "mean"] = dist.mean
            tensors[prefix + "logvar"] = dist.logvar
            tensors[prefix + "std"] = dist.std
            tensors[prefix + "sample"] = sampled
            tensors[prefix + "sample_seed"] = torch.tensor([sample_seed], dtype=torch.int64)
            print(f"vae/{name}/encode{i}: mean {tuple(dist.mean.shape)} |max| {dist.mean.abs().max():.4f}")
        latents = torch.randn(2, config["latent_channels"], latent_size[0], latent_size[1], generator=g)
        decoded = model.decode(latents).sample
        tensors["decode.latents"] = latents
        tensors["decode.image"] = decoded
        print(f"vae/{name}/decode: image {tuple(decoded.shape)} |max| {decoded.abs().max():.4f}")
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(folder, "io.safetensors"))


def timestep_cases():
    """get_timestep_embedding on its own, including an odd width (zero-padded column)."""
    t = torch.tensor([0.0, 1.0, 999.0, 500.5, 37.25])
    tensors = {"timesteps": t}
    for dim, flip, shift in [(320, True, 0), (7, False, 1), (64, False, 0.5)]:
        tensors[f"emb.{dim}.{int(flip)}.{shift}"] = get_timestep_embedding(t, dim, flip_sin_to_cos=flip, downscale_freq_shift=shift)
    folder = os.path.join(OUT, "blocks")
    os.makedirs(folder, exist_ok=True)
    save_file(tensors, os.path.join(folder, "timestep_embedding.safetensors"))


def main():
    timestep_cases()

    # SD 1.x style (AltDiffusion m9): attention_head_dim int = number of heads, conv proj_in/out.
    sd1 = dict(
        sample_size=8, in_channels=4, out_channels=4,
        down_block_types=["CrossAttnDownBlock2D", "DownBlock2D"],
        up_block_types=["UpBlock2D", "CrossAttnUpBlock2D"],
        block_out_channels=[16, 32], layers_per_block=2, attention_head_dim=4,
        cross_attention_dim=24, norm_num_groups=8,
    )
    t2 = torch.tensor([10, 981], dtype=torch.int64)
    unet_case("sd1", sd1, 100, [
        dict(name="step", batch=2, height=8, width=8, tokens=5, timestep=t2),
        dict(name="scalar_t", batch=2, height=8, width=8, tokens=5, timestep=torch.tensor(500, dtype=torch.int64)),
        dict(name="control", batch=2, height=8, width=8, tokens=5, timestep=t2, control=True),
    ])

    # SD 2.x style (AltDiffusion m18): head counts per block, linear projections, upcast flag.
    sd2 = dict(
        sample_size=8, in_channels=4, out_channels=4,
        down_block_types=["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
        up_block_types=["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
        block_out_channels=[8, 16, 16], layers_per_block=1, attention_head_dim=[2, 4, 4],
        cross_attention_dim=20, norm_num_groups=4, use_linear_projection=True, upcast_attention=True,
    )
    unet_case("sd2", sd2, 200, [
        dict(name="step", batch=2, height=8, width=8, tokens=6, timestep=t2),
        # float timesteps, and a size that is not a multiple of 4: diffusers forwards upsample sizes.
        dict(name="odd", batch=2, height=9, width=11, tokens=3,
             timestep=torch.tensor([10.5, 700.25], dtype=torch.float32)),
    ])

    # Inpainting UNet: 9 input channels (latents + mask + masked-image latents).
    inpaint = dict(sd1, in_channels=9, block_out_channels=[8, 16], layers_per_block=1, attention_head_dim=2,
                   cross_attention_dim=16, norm_num_groups=4)
    unet_case("inpaint", inpaint, 300, [
        dict(name="step", batch=2, height=8, width=8, tokens=4, timestep=t2),
    ], with_bin=True)

    # Less common options that the config accepts, all at non-default values.
    misc = dict(
        sample_size=8, in_channels=4, out_channels=3,
        down_block_types=["CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
        up_block_types=["CrossAttnUpBlock2D", "UpBlock2D"],
        block_out_channels=[8, 12], layers_per_block=[1, 2], attention_head_dim=[2, 3],
        transformer_layers_per_block=[2, 1], only_cross_attention=[True, False],
        cross_attention_dim=12, norm_num_groups=4, norm_eps=1e-6, act_fn="swish",
        flip_sin_to_cos=False, freq_shift=1, time_embedding_dim=40, center_input_sample=True,
        downsample_padding=0, mid_block_scale_factor=1.5, conv_in_kernel=1, conv_out_kernel=5,
    )
    unet_case("misc", misc, 400, [
        dict(name="step", batch=2, height=6, width=6, tokens=3, timestep=t2),
    ])

    # AutoencoderKL (the SD VAE layout, tiny).
    vae = dict(
        in_channels=3, out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
        block_out_channels=[8, 16], layers_per_block=2, latent_channels=4, norm_num_groups=4,
        sample_size=16,
    )
    vae_case("tiny", vae, 500, [(16, 16), (15, 13)], (5, 6))

    vae_plain = dict(
        in_channels=3, out_channels=3,
        down_block_types=["DownEncoderBlock2D"], up_block_types=["UpDecoderBlock2D"],
        block_out_channels=[8], layers_per_block=1, latent_channels=2, norm_num_groups=4,
        sample_size=8, use_quant_conv=False, use_post_quant_conv=False, mid_block_add_attention=False,
        scaling_factor=0.5, shift_factor=0.25,
    )
    vae_case("plain", vae_plain, 600, [(8, 8)], (4, 4), with_bin=True)

    total = 0
    for d, _, files in os.walk(OUT):
        if any(os.sep + part in d for part in ("unet", "vae", "blocks")):
            total += sum(os.path.getsize(os.path.join(d, f)) for f in files)
    print(f"fixtures/unet + vae + blocks: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    sys.exit(main())
