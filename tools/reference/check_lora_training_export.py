"""Checks the LoRA files `altdiffusion train-unet --lora-rank` writes against diffusers 0.30.3 + peft.

Run (MODEL: the AltDiffusion folder the LoRA was trained on; FINAL: the run's OUT/final; the PNGs:
pictures our `generate` made with --lora FINAL/<name>.safetensors and --lora
FINAL/pytorch_lora_weights.safetensors, any prompt/seed/steps/size: they are read from the infotext):

    tools/reference/.venv/bin/python tools/reference/check_lora_training_export.py MODEL FINAL KOHYA.png PEFT.png

For each file: load_lora_weights must log no warning (no missing or unexpected keys; diffusers and
peft warnings are both captured) and touch exactly the layers the file names; the fused UNet
weights (set_adapters weight 1, fuse_lora) must equal W + alpha/r * up @ down computed here from the
file; the kohya file and the PEFT file must fuse to the same weights; diffusers' picture for the
infotext's parameters must be within 1/255 of ours. Prints the figures; exits non-zero on failure.
"""
import logging
import os
import re
import sys
import warnings

import numpy as np
import torch
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file

from diffusers import AutoencoderKL, PNDMScheduler, UNet2DConditionModel
from diffusers.pipelines.deprecated.alt_diffusion import AltDiffusionPipeline
from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import RobertaSeriesModelWithTransformation
from transformers import XLMRobertaTokenizer

torch.set_num_threads(2)


def load(model):
    sub = lambda n: os.path.join(model, n)
    return AltDiffusionPipeline(
        vae=AutoencoderKL.from_pretrained(sub("vae")),
        text_encoder=RobertaSeriesModelWithTransformation.from_pretrained(sub("text_encoder")),
        tokenizer=XLMRobertaTokenizer.from_pretrained(sub("tokenizer")),
        unet=UNet2DConditionModel.from_pretrained(sub("unet")),
        scheduler=PNDMScheduler.from_pretrained(sub("scheduler")),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def expected_weights(base, file):
    """W + alpha/r * up @ down per layer, from the file alone (kohya or PEFT names)."""
    sd = load_file(file)
    out = {k: v.clone() for k, v in base.items()}
    layers = {}
    for k, v in sd.items():
        m = re.match(r"lora_unet_(\w+)\.(lora_down\.weight|lora_up\.weight|alpha)$", k) or \
            re.match(r"unet\.(.+)\.(lora_A\.weight|lora_B\.weight)$", k)
        assert m, k
        layers.setdefault(m.group(1), {})[m.group(2).split(".")[0]] = v
    flat = {p[: -len(".weight")].replace(".", "_"): p for p in base if p.endswith(".weight")}
    for name, parts in layers.items():
        key = (flat[name] if name in flat else name + ".weight")
        down = parts.get("lora_down", parts.get("lora_A"))
        up = parts.get("lora_up", parts.get("lora_B"))
        r = down.shape[0]
        scale = parts["alpha"].item() / r if "alpha" in parts else 1.0
        delta = (up.reshape(up.shape[0], r) @ down.reshape(r, -1)).reshape(base[key].shape)
        out[key] += scale * delta
    return out, len(layers)


def infotext(png):
    text = Image.open(png).info["parameters"]
    lines = text.split("\n")
    settings = lines[-1]
    prompt = lines[0]
    negative = ""
    for line in lines[1:-1]:
        if line.startswith("Negative prompt: "):
            negative = line[len("Negative prompt: "):]
    fields = dict(re.findall(r"([A-Za-z ]+): ([^,]+)", settings))
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    w, h = (int(x) for x in fields["Size"].split("x"))
    return dict(prompt=re.sub(r"<lora:[^>]+>", "", prompt), negative=negative, steps=int(fields["Steps"]),
                guidance=float(fields["CFG scale"]), seed=int(fields["Seed"]), width=w, height=h)


def check(model, file, png, base_state):
    pipe = load(model)
    pipe.set_progress_bar_config(disable=True)
    collect = Collect()  # only what load_lora_weights says
    for name in ("diffusers", "peft", "transformers"):
        logging.getLogger(name).addHandler(collect)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipe.load_lora_weights(os.path.dirname(file), weight_name=os.path.basename(file), adapter_name="x")
    problems = collect.messages + [str(w.message) for w in caught if "key" in str(w.message).lower()]
    for name in ("diffusers", "peft", "transformers"):
        logging.getLogger(name).removeHandler(collect)
    pipe.set_adapters(["x"], adapter_weights=[1.0])
    pipe.fuse_lora(components=["unet"], adapter_names=["x"])
    pipe.unload_lora_weights()
    expected, layers = expected_weights(base_state, file)
    fused = pipe.unet.state_dict()
    worst = max((fused[k] - expected[k]).abs().max().item() for k in expected)
    changed = sum(1 for k in expected if not torch.equal(fused[k], base_state[k]))
    p = infotext(png)
    gens = [torch.Generator().manual_seed(p["seed"])]
    out = pipe(prompt=p["prompt"], negative_prompt=p["negative"] or None, num_inference_steps=p["steps"],
               guidance_scale=p["guidance"], generator=gens, height=p["height"], width=p["width"],
               output_type="np").images[0]
    ours = np.asarray(Image.open(png).convert("RGB"), dtype=np.float32) / 255
    diff = float(np.abs(ours - out).max())
    print(f"{os.path.basename(file)}: {layers} layers, {changed} UNet tensors changed by fuse_lora, "
          f"fused weights within {worst:.2e} of W + alpha/r up@down; load warnings: {len(problems)} "
          f"{problems[:3]}; picture '{p['prompt']}' seed {p['seed']}: max |ours - diffusers| = "
          f"{diff:.5f} ({diff * 255:.2f}/255)")
    ok = not problems and worst < 1e-5 and changed == layers and diff <= 1 / 255 + 1e-6
    return ok, fused


def main():
    model, final, kohya_png, peft_png = sys.argv[1:5]
    kohya = [f for f in os.listdir(final) if f.endswith(".safetensors") and f != "pytorch_lora_weights.safetensors"]
    assert len(kohya) == 1, kohya
    kohya = os.path.join(final, kohya[0])
    with safe_open(kohya, "pt") as f:
        meta = f.metadata()
    print("kohya metadata:", {k: v for k, v in meta.items() if k.startswith("ss_")})
    base_state = {k: v.clone() for k, v in UNet2DConditionModel.from_pretrained(os.path.join(model, "unet")).state_dict().items()}
    ok1, fused1 = check(model, kohya, kohya_png, base_state)
    ok2, fused2 = check(model, os.path.join(final, "pytorch_lora_weights.safetensors"), peft_png, base_state)
    same = max((fused1[k] - fused2[k]).abs().max().item() for k in fused1)
    print(f"kohya vs PEFT file: fused UNet weights within {same:.2e}")
    ok = ok1 and ok2 and same < 1e-5
    print("OK" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
