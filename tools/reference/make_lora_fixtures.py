"""Reference fixtures for LoRA loading and merging, on the tiny AltDiffusion pipeline folder.

Regenerate (deterministic: fixed seeds, CPU, float32; needs peft, see requirements.txt):

    tools/reference/.venv/bin/python tools/reference/make_lora_fixtures.py

Reads src/test/resources/fixtures/pipeline/tiny-altdiffusion (make_pipeline_fixtures.py) and writes
src/test/resources/fixtures/lora/:
  kohya_locon.safetensors  kohya/A1111 names (lora_unet_..., lora_down/lora_up/alpha) on attention,
                           feed-forward and projection layers, plus LoCon layers: 3x3 resnet convs
                           and a 1x1 conv_shortcut; some modules with its alpha
  peft.safetensors         diffusers/PEFT names (unet.<path>.lora_A.weight / lora_B.weight), no
                           alphas (scale 1), a 3x3 conv among them
  kohya_locon.pt           the same tensors through torch.save (the .pt/.ckpt path)
  hashes.json              A1111's hash of each LoRA file (modules/hashes.py addnet_hash_safetensors
                           for .safetensors: SHA-256 of the bytes after the header; else of the file)
  cases.json               each generation: its LoRAs with weights, prompt, seed, ... and output
  <case>.safetensors       "images": float32 [B, H, W, 3] as the pipeline returns them (np)

Each case loads the LoRAs with diffusers' load_lora_weights (peft backend), sets the weights with
set_adapters and fuses them into the weights (fuse_lora), as our merge does. Before generating, the
fused UNet weights are checked against W + sum(weight * alpha / rank * up @ down) computed here, so
the files mean what the Java side assumes.
"""

import hashlib
import json
import os
import shutil

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from diffusers import AutoencoderKL, PNDMScheduler, UNet2DConditionModel
from transformers import XLMRobertaTokenizer
from diffusers.pipelines.deprecated.alt_diffusion import AltDiffusionPipeline
from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import RobertaSeriesModelWithTransformation

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "src", "test", "resources", "fixtures")
MODEL = os.path.join(FIXTURES, "pipeline", "tiny-altdiffusion")
OUT = os.path.join(FIXTURES, "lora")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

# (module path, rank, alpha). Every module has an alpha, as kohya's trainers write them: for a module
# without one, kohya and A1111 use alpha = rank (scale 1), but diffusers 0.30.3 gives it the file's
# first alpha when other modules have theirs (LoraConfig's lora_alpha default), so a mixed file would
# not compare the rule we implement. The absent-alpha rule is tested on the Java side alone.
KOHYA = [
    ("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", 4, 2.0),
    ("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_v", 4, 4.0),
    ("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k", 2, 1.0),
    ("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0", 4, 8.0),
    ("down_blocks.0.attentions.0.transformer_blocks.0.ff.net.2", 4, 4.0),
    ("down_blocks.0.attentions.0.proj_in", 4, 2.0),
    ("up_blocks.1.attentions.0.proj_out", 4, 1.0),
    ("mid_block.attentions.0.transformer_blocks.0.attn2.to_v", 4, 3.0),
    ("down_blocks.0.resnets.0.conv1", 4, 2.0),          # LoCon 3x3
    ("up_blocks.1.resnets.0.conv2", 2, 2.0),            # LoCon 3x3
    ("up_blocks.1.resnets.0.conv_shortcut", 4, 4.0),    # LoCon 1x1
]
PEFT = [
    ("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", 4),
    ("up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k", 4),
    ("up_blocks.1.attentions.0.transformer_blocks.0.ff.net.0.proj", 4),
    ("mid_block.resnets.1.conv1", 4),                    # 3x3 conv
]


def factors(unet, path, rank, g):
    mod = unet.get_submodule(path)
    w = mod.weight
    if w.ndim == 2:
        down = torch.randn(rank, w.shape[1], generator=g) * 0.4
        up = torch.randn(w.shape[0], rank, generator=g) * 0.4
    else:
        k = w.shape[2]
        down = torch.randn(rank, w.shape[1], k, k, generator=g) * 0.3
        up = torch.randn(w.shape[0], rank, 1, 1, generator=g) * 0.3
    return down, up


def delta(down, up):
    if down.ndim == 2:
        return up @ down
    if down.shape[2:] == (1, 1):
        return (up.squeeze(3).squeeze(2) @ down.squeeze(3).squeeze(2)).unsqueeze(2).unsqueeze(3)
    return F.conv2d(down.permute(1, 0, 2, 3), up).permute(1, 0, 2, 3)


def make_files(unet):
    g = torch.Generator().manual_seed(123)
    kohya, kohya_layers = {}, []
    for path, rank, alpha in KOHYA:
        down, up = factors(unet, path, rank, g)
        name = "lora_unet_" + path.replace(".", "_")
        kohya[name + ".lora_down.weight"] = down.contiguous()
        kohya[name + ".lora_up.weight"] = up.contiguous()
        if alpha is not None:
            kohya[name + ".alpha"] = torch.tensor(alpha)
        kohya_layers.append((path, down, up, (alpha if alpha is not None else rank) / rank))
    peft, peft_layers = {}, []
    for path, rank in PEFT:
        down, up = factors(unet, path, rank, g)
        peft["unet." + path + ".lora_A.weight"] = down.contiguous()
        peft["unet." + path + ".lora_B.weight"] = up.contiguous()
        peft_layers.append((path, down, up, 1.0))
    save_file(kohya, os.path.join(OUT, "kohya_locon.safetensors"), metadata={"ss_network_module": "networks.lora"})
    save_file(peft, os.path.join(OUT, "peft.safetensors"))
    torch.save(kohya, os.path.join(OUT, "kohya_locon.pt"))
    return {"kohya_locon": kohya_layers, "peft": peft_layers}


def load():
    # the folder names a class diffusers' loader cannot find: build the pipeline from its parts
    sub = lambda n: os.path.join(MODEL, n)
    return AltDiffusionPipeline(
        vae=AutoencoderKL.from_pretrained(sub("vae")),
        text_encoder=RobertaSeriesModelWithTransformation.from_pretrained(sub("text_encoder")),
        tokenizer=XLMRobertaTokenizer.from_pretrained(sub("tokenizer")),
        unet=UNet2DConditionModel.from_pretrained(sub("unet")),
        scheduler=PNDMScheduler.from_pretrained(sub("scheduler")),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)


def addnet_hash_safetensors(b):
    """A1111's modules/hashes.py (kohya-ss train_util's hash), verbatim."""
    hash_sha256 = hashlib.sha256()
    blksize = 1024 * 1024

    b.seek(0)
    header = b.read(8)
    n = int.from_bytes(header, "little")

    offset = n + 8
    b.seek(offset)
    for chunk in iter(lambda: b.read(blksize), b""):
        hash_sha256.update(chunk)

    return hash_sha256.hexdigest()


def write_hashes():
    hashes = {}
    for name in ["kohya_locon.safetensors", "peft.safetensors", "kohya_locon.pt"]:
        with open(os.path.join(OUT, name), "rb") as f:
            hashes[name] = addnet_hash_safetensors(f) if name.endswith(".safetensors") else hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(OUT, "hashes.json"), "w") as f:
        json.dump(hashes, f, indent=1)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    base = load()
    layers = make_files(base.unet)
    write_hashes()
    original = {k: v.clone() for k, v in base.unet.state_dict().items()}
    cases = []

    def case(name, loras, prompt, negative, steps, guidance, seed, batch, size):
        pipe = load()
        pipe.set_progress_bar_config(disable=True)
        names = []
        for file, weight in loras:
            pipe.load_lora_weights(OUT, weight_name=file + ".safetensors", adapter_name=file)
            names.append(file)
        pipe.set_adapters(names, adapter_weights=[w for _, w in loras])
        pipe.fuse_lora(components=["unet"], adapter_names=names)
        pipe.unload_lora_weights()  # keeps the fused weights, removes the LoRA layers
        expected = {k: v.clone() for k, v in original.items()}
        for file, weight in loras:
            for path, down, up, scale in layers[file]:
                expected[path + ".weight"] += weight * scale * delta(down, up)
        fused = pipe.unet.state_dict()
        assert set(fused) == set(expected), set(fused) ^ set(expected)
        worst = max((fused[k] - expected[k]).abs().max().item() for k in expected)
        changed = sum(1 for k in expected if not torch.equal(expected[k], original[k]))
        bad = {k: (fused[k] - expected[k]).abs().max().item() for k in expected if (fused[k] - expected[k]).abs().max().item() > 1e-5}
        assert worst < 1e-5, bad
        assert changed == len({p for f, _ in loras for p, *_ in layers[f]}), changed
        gens = [torch.Generator().manual_seed(seed + i) for i in range(batch)]
        out = pipe(prompt=prompt, negative_prompt=negative or None, num_inference_steps=steps,
                   guidance_scale=guidance, generator=gens, num_images_per_prompt=batch, height=size,
                   width=size, output_type="np").images
        base.set_progress_bar_config(disable=True)
        gens = [torch.Generator().manual_seed(seed + i) for i in range(batch)]
        plain = base(prompt=prompt, negative_prompt=negative or None, num_inference_steps=steps,
                     guidance_scale=guidance, generator=gens, num_images_per_prompt=batch, height=size,
                     width=size, output_type="np").images
        effect = float(np.abs(out - plain).max())
        assert effect > 0.05, effect
        save_file({"images": torch.from_numpy(np.ascontiguousarray(out)).float()}, os.path.join(OUT, name + ".safetensors"))
        cases.append(dict(name=name, loras=[dict(file=f + ".safetensors", weight=w) for f, w in loras],
                          prompt=prompt, negative_prompt=negative, steps=steps, guidance=guidance, seed=seed,
                          batch=batch, width=size, height=size, max_change_from_no_lora=effect))
        print(name, "fused weights within", worst, "of the manual merge;", changed, "tensors changed;",
              "image change from no LoRA", effect)

    case("kohya_only", [("kohya_locon", 1.0)], "a red circle on the left", "blurry", 5, 7.5, 42, 1, 32)
    case("peft_only", [("peft", 1.0)], "一只猫 在月亮上", "", 4, 6.0, 7, 2, 32)
    case("two_loras", [("kohya_locon", 0.7), ("peft", -0.3)], "eine blaue Katze", "dunkel", 5, 7.5, 3, 1, 32)
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
    print("wrote", len(cases), "cases to", OUT)


if __name__ == "__main__":
    main()
