"""Reference fixtures for ControlNet: diffusers 0.30.3's ControlNet pipelines on tiny random models,
and its single-file conversion of original (lllyasviel-layout) ControlNet files.

Regenerate (deterministic: fixed seeds, CPU, float32), after make_pipeline_fixtures.py:

    tools/reference/.venv/bin/python tools/reference/make_controlnet_fixtures.py

Reads the tiny AltDiffusion folder of make_pipeline_fixtures.py and writes
src/test/resources/fixtures/controlnet/:
  cn-sd1/, cn-sd2/        tiny random ControlNetModel folders that fit its UNet (channels 16/32, one
                          layer per block, cross-attention 32): an SD 1.x-style net (convolutional
                          attention projections) and an SD 2.x-style one (linear projections);
  cn-pool-bgr/            one with global_pool_conditions (implies guess mode) and "bgr" order; the
                          zero convolutions are given random weights so that they matter
  cases.json              the calls (mode, nets, scales, start/end, guess mode, sampler, steps,
                          guidance, seed, batch, size, strength) with the file name of their output
  <case>.safetensors      "images": float32 [B, H, W, 3] in [0, 1] (output_type="np"), "control0",
                          "control1": the uint8 [H, W, 3] control images, "init" (img2img and
                          inpainting) and "mask" (inpainting: StableDiffusionControlNetInpaintPipeline
                          with the tiny 4-channel UNet, or make_inpaint_fixtures.py's 9-channel one)
  single/                 original-layout files (control_model.input_blocks..., zero_convs,
                          input_hint_block, middle_block_out) of two tiny nets: sd1.safetensors and
                          sd1.pth (with the control_model. prefix, convolutional projections) and
                          sd2.safetensors (no prefix, as thibaud's SD 2.1 nets, linear projections),
                          each with <name>-expected.safetensors: diffusers'
                          ControlNetModel.from_single_file(file, config=<its folder>) state dict
"""

import json
import os
import shutil

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

from diffusers import (ControlNetModel, DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
                       PNDMScheduler, StableDiffusionControlNetImg2ImgPipeline, StableDiffusionControlNetInpaintPipeline,
                       StableDiffusionControlNetPipeline)
from diffusers import AutoencoderKL, UNet2DConditionModel
from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import RobertaSeriesModelWithTransformation
from transformers import XLMRobertaTokenizer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "src", "test", "resources", "fixtures")
MODEL = os.path.join(FIXTURES, "pipeline", "tiny-altdiffusion")
OUT = os.path.join(FIXTURES, "controlnet")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

SAMPLERS = {"PNDM": PNDMScheduler, "DDIM": DDIMScheduler, "Euler a": EulerAncestralDiscreteScheduler,
            "DPM++ 2M": DPMSolverMultistepScheduler}


def randomize(model, seed):
    """Norms perturbed around 1/0; zero-initialised convolutions given small random weights."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and p.ndim == 1:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.2 * torch.randn(p.shape, generator=g))
            elif name.startswith(("controlnet_down_blocks", "controlnet_mid_block", "controlnet_cond_embedding.conv_out")):
                p.copy_(0.3 * torch.randn(p.shape, generator=g) / max(1, p[0].numel()) ** 0.5)
    return model.eval()


def tiny_net(seed, linear, **kw):
    torch.manual_seed(seed)
    args = dict(in_channels=4, block_out_channels=(16, 32), layers_per_block=1,
                down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), cross_attention_dim=32,
                attention_head_dim=(2, 4), use_linear_projection=linear, norm_num_groups=8,
                conditioning_embedding_out_channels=(8, 16))
    args.update(kw)
    return randomize(ControlNetModel(**args), seed + 100)


def picture(w, h, seed):
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x / w, y / h, 0.5 + 0.5 * np.sin((x * (seed + 1) + y) / 4.0)], axis=-1) * 200
    return np.clip(base + rng.rand(h, w, 3) * 55, 0, 255).astype(np.uint8)


def mask(w, h):
    """A soft-edged ellipse, 255 inside (repaint): uint8 [H, W] (as make_inpaint_fixtures.py)."""
    y, x = np.mgrid[0:h, 0:w]
    d = np.sqrt(((x - w * 0.6) / (w * 0.3)) ** 2 + ((y - h * 0.45) / (h * 0.3)) ** 2)
    return np.clip((1.3 - d) * 255 / 0.6, 0, 255).astype(np.uint8)


def edges(w, h, seed):
    """A control map like Canny's: white lines (a rectangle and a diagonal) on black, uint8 [H, W, 3]."""
    rng = np.random.RandomState(seed)
    img = np.zeros((h, w), np.uint8)
    x0, y0 = rng.randint(2, w // 3), rng.randint(2, h // 3)
    x1, y1 = rng.randint(2 * w // 3, w - 2), rng.randint(2 * h // 3, h - 2)
    img[y0, x0:x1] = img[y1, x0:x1] = 255
    img[y0:y1, x0] = img[y0:y1, x1] = 255
    for t in range(min(w, h)):
        img[t, (t * w) // h % w] = 255
    return np.repeat(img[:, :, None], 3, axis=2)


def ldm_names(model):
    """Our own diffusers -> original (control_model.*) naming, to write original files from a net."""
    layers = model.config.layers_per_block
    res = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1",
           "norm2": "out_layers.0", "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}
    hint = len(model.controlnet_cond_embedding.blocks)
    out = {}
    for key in model.state_dict():
        p = key.split(".")
        if p[0] == "time_embedding":
            n = "time_embed." + ("0" if p[1] == "linear_1" else "2") + "." + p[2]
        elif p[0] == "conv_in":
            n = "input_blocks.0.0." + p[1]
        elif p[0] == "controlnet_cond_embedding":
            idx = 0 if p[1] == "conv_in" else 2 * (hint + 1) if p[1] == "conv_out" else 2 * (int(p[2]) + 1)
            n = f"input_hint_block.{idx}." + p[-1]
        elif p[0] == "controlnet_down_blocks":
            n = f"zero_convs.{p[1]}.0.{p[2]}"
        elif p[0] == "controlnet_mid_block":
            n = "middle_block_out.0." + p[1]
        elif p[0] == "down_blocks":
            i = int(p[1])
            if p[2] == "downsamplers":
                n = f"input_blocks.{(i + 1) * (layers + 1)}.0.op." + p[-1]
            else:
                blk = 1 + i * (layers + 1) + int(p[3])
                rest = ".".join(p[4:])
                if p[2] == "resnets":
                    n = f"input_blocks.{blk}.0.{res[p[4]]}.{p[5]}"
                else:
                    n = f"input_blocks.{blk}.1.{rest}"
        elif p[0] == "mid_block":
            j = int(p[2])
            if p[1] == "attentions":
                n = "middle_block.1." + ".".join(p[3:])
            else:
                n = f"middle_block.{0 if j == 0 else 2}.{res[p[3]]}.{p[4]}"
        else:
            raise ValueError(key)
        out[key] = n
    return out


def single_files():
    single = os.path.join(OUT, "single")
    os.makedirs(single)
    nets = {
        "sd1": (tiny_net(71, False, block_out_channels=(32, 32), norm_num_groups=32, layers_per_block=2,
                         attention_head_dim=8, conditioning_embedding_out_channels=(4, 8, 8, 16)), True),
        "sd2": (tiny_net(72, True, block_out_channels=(32, 32), norm_num_groups=32, layers_per_block=1,
                         attention_head_dim=(1, 2), conditioning_embedding_out_channels=(4, 8, 8, 16),
                         down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D")), False),
    }
    for name, (net, prefixed) in nets.items():
        folder = os.path.join("/tmp/cn", name + "-config")
        net.save_pretrained(folder)
        names = ldm_names(net)
        prefix = "control_model." if prefixed else ""
        sd = {prefix + names[k]: v.contiguous() for k, v in net.state_dict().items()}
        files = [os.path.join(single, name + ".safetensors")]
        save_file(sd, files[0])
        if name == "sd1":
            files.append(os.path.join(single, name + ".pth"))
            torch.save({"state_dict": sd} if False else sd, files[1])
        for f in files:
            converted = ControlNetModel.from_single_file(f, config=folder).state_dict()
            assert set(converted) == set(net.state_dict())
            for k, v in converted.items():
                assert torch.equal(v, net.state_dict()[k]), k
        save_file({k: v.contiguous() for k, v in converted.items()}, os.path.join(single, name + "-expected.safetensors"))
        print("single file", name, len(sd), "keys")


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    components = dict(
        vae=AutoencoderKL.from_pretrained(os.path.join(MODEL, "vae")).eval(),
        text_encoder=RobertaSeriesModelWithTransformation.from_pretrained(os.path.join(MODEL, "text_encoder")).eval(),
        tokenizer=XLMRobertaTokenizer.from_pretrained(os.path.join(MODEL, "tokenizer")),
        unet=UNet2DConditionModel.from_pretrained(os.path.join(MODEL, "unet")).eval(),
        scheduler=PNDMScheduler.from_pretrained(os.path.join(MODEL, "scheduler")),
        safety_checker=None, feature_extractor=None)
    nets = {"cn-sd1": tiny_net(61, False), "cn-sd2": tiny_net(62, True),
            "cn-pool-bgr": tiny_net(63, True, global_pool_conditions=True,
                                    controlnet_conditioning_channel_order="bgr")}
    for name, net in nets.items():
        net.save_pretrained(os.path.join(OUT, name), safe_serialization=True)
    base_config = components["scheduler"].config
    w, h = 48, 32
    controls = [edges(w, h, 1), picture(w, h, 2)]
    init = picture(w, h, 3)
    cases = []

    unet9 = UNet2DConditionModel.from_pretrained(os.path.join(FIXTURES, "inpaint", "unet-9ch")).eval()
    msk = mask(w, h)

    def run(name, mode, net_names, scales, sampler, steps, guidance, seed, batch, guess=False, start=None,
            end=None, strength=None, unet="4ch"):
        multi = len(net_names) > 1
        net = [nets[n] for n in net_names] if multi else nets[net_names[0]]
        cls = {"txt2img": StableDiffusionControlNetPipeline, "img2img": StableDiffusionControlNetImg2ImgPipeline,
               "inpaint": StableDiffusionControlNetInpaintPipeline}[mode]
        parts = {**components, "controlnet": net, "unet": unet9 if unet == "9ch" else components["unet"]}
        pipe = cls(**parts, requires_safety_checker=False)
        pipe.set_progress_bar_config(disable=True)
        pipe.scheduler = SAMPLERS[sampler].from_config(base_config)
        start = start or [0.0] * len(net_names)
        end = end or [1.0] * len(net_names)
        images = [Image.fromarray(controls[i]) for i in range(len(net_names))]
        kw = dict(prompt="a red square", negative_prompt="blurry", num_inference_steps=steps,
                  guidance_scale=guidance, generator=[torch.Generator().manual_seed(seed + i) for i in range(batch)],
                  num_images_per_prompt=batch, height=h, width=w, output_type="np", guess_mode=guess,
                  controlnet_conditioning_scale=scales if multi else scales[0],
                  control_guidance_start=start if multi else start[0], control_guidance_end=end if multi else end[0])
        if mode == "txt2img":
            kw["image"] = images if multi else images[0]
        else:
            kw.update(image=Image.fromarray(init), control_image=images if multi else images[0], strength=strength)
        if mode == "inpaint":
            kw["mask_image"] = Image.fromarray(msk, mode="L")
        out = pipe(**kw).images
        tensors = {"images": torch.from_numpy(np.ascontiguousarray(out)).float(), "init": torch.from_numpy(init),
                   "mask": torch.from_numpy(msk)}
        for i in range(len(net_names)):
            tensors[f"control{i}"] = torch.from_numpy(controls[i])
        save_file(tensors, os.path.join(OUT, name + ".safetensors"))
        cases.append(dict(name=name, mode=mode, nets=net_names, scales=scales, start=start, end=end, guess_mode=guess,
                          prompt="a red square", negative_prompt="blurry", sampler=sampler, steps=steps,
                          guidance=guidance, seed=seed, batch=batch, width=w, height=h, strength=strength,
                          unet=unet))

    run("t2i_sd1", "txt2img", ["cn-sd1"], [0.8], "Euler a", 6, 7.5, 51, 2)
    run("t2i_sd2", "txt2img", ["cn-sd2"], [1.0], "DDIM", 5, 6.0, 52, 1)
    run("t2i_guess", "txt2img", ["cn-sd1"], [1.0], "PNDM", 5, 7.5, 53, 2, guess=True)
    run("t2i_start_end", "txt2img", ["cn-sd2"], [1.2], "DPM++ 2M", 10, 7.5, 54, 1, start=[0.2], end=[0.8])
    run("t2i_two_nets", "txt2img", ["cn-sd1", "cn-sd2"], [0.7, 1.3], "Euler a", 6, 7.5, 55, 1,
        start=[0.0, 0.3], end=[1.0, 0.9])
    run("t2i_unguided", "txt2img", ["cn-sd1"], [1.0], "DDIM", 4, 1.0, 56, 1)
    run("i2i_sd1", "img2img", ["cn-sd1"], [0.9], "DDIM", 8, 7.5, 57, 1, strength=0.6, start=[0.2], end=[0.8])
    run("i2i_guess_sd2", "img2img", ["cn-sd2"], [1.0], "Euler a", 8, 7.5, 58, 1, strength=0.75, guess=True)
    run("t2i_pool_bgr", "txt2img", ["cn-pool-bgr"], [1.0], "DDIM", 5, 7.5, 61, 1)
    run("inpaint_4ch", "inpaint", ["cn-sd1"], [1.0], "DDIM", 6, 7.5, 59, 2, strength=1.0)
    run("inpaint_9ch_guess", "inpaint", ["cn-sd2"], [0.8], "Euler a", 6, 7.5, 60, 1, strength=0.7, guess=True,
        unet="9ch")
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
    print("wrote", len(cases), "cases to", OUT)
    single_files()


if __name__ == "__main__":
    main()
