"""Reference fixtures for LoRA loading and merging, on the tiny AltDiffusion pipeline folder.

Regenerate (deterministic: fixed seeds, CPU, float32; needs peft, see requirements.txt):

    tools/reference/.venv/bin/python tools/reference/make_lora_fixtures.py [sd2]

("sd2": only the SD 2.x-style part below.)

Reads src/test/resources/fixtures/pipeline/tiny-altdiffusion (make_pipeline_fixtures.py) and writes
src/test/resources/fixtures/lora/:
  kohya_locon.safetensors  kohya/A1111 names (lora_unet_..., lora_down/lora_up/alpha) on attention,
                           feed-forward and projection layers, plus LoCon layers: 3x3 resnet convs
                           and a 1x1 conv_shortcut; some modules with its alpha
  peft.safetensors         diffusers/PEFT names (unet.<path>.lora_A.weight / lora_B.weight), no
                           alphas (scale 1), a 3x3 conv among them
  kohya_locon.pt           the same tensors through torch.save (the .pt/.ckpt path)
  te_unet.safetensors      diffusers/PEFT names with alphas (network_alphas) on UNet layers and on
                           the XLM-R text encoder (text_encoder.roberta..., text_encoder.transformation),
                           for separate text-encoder/UNet weights
  hashes.json              A1111's hash of each LoRA file (modules/hashes.py addnet_hash_safetensors
                           for .safetensors: SHA-256 of the bytes after the header; else of the file)
  cases.json               each generation: its LoRAs with text-encoder and UNet weights, prompt, seed, ... and output
  <case>.safetensors       "images": float32 [B, H, W, 3] as the pipeline returns them (np)

and src/test/resources/fixtures/lora_sd2/ for an SD 2.x-style model:
  tiny-sd2/                a tiny random StableDiffusionPipeline folder (save_pretrained) with what
                           distinguishes SD 2.x: use_linear_projection (proj_in/proj_out are Linear,
                           so their LoRAs are linear ones), attention_head_dim [2, 4] (per-block
                           heads), cross_attention_dim 48 from a CLIPTextModel with hidden_act gelu
                           (SD 2's OpenCLIP as diffusers converts it), DDIM with v_prediction; the
                           tokenizer is models/english-base's CLIP one
  kohya_locon.safetensors  kohya names on linear proj_in/proj_out, attention, feed-forward, LoCon 3x3
                           and 1x1 convs, and lora_te_ layers of the CLIP text encoder
  peft.safetensors         PEFT names on UNet layers (linear proj_in/proj_out, a 3x3 conv) and a
                           text_encoder.text_model... layer
  hashes.json, cases.json, <case>.safetensors as above (load_lora_weights for every file)

Each case loads the LoRAs with diffusers' load_lora_weights (peft backend), sets the weights with
set_adapters and fuses them into the weights (fuse_lora), as our merge does. The case with
separate text-encoder and UNet weights sets them as set_adapters(names, [{"unet": u}]) for the UNet
and set_adapters_for_text_encoder(names, text_encoder, [t]) for the text encoder (what
set_adapters(names, [{"text_encoder": t, "unet": u}]) does on a CLIP pipeline): diffusers 0.30.3's
load_lora_weights only finds text-encoder layers in CLIP, so the XLM-R part is injected with peft
(inject_adapter_in_model + set_peft_model_state_dict, the calls diffusers makes for CLIP). Before generating, the
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
TE_UNET = [  # (component, module path, rank, alpha)
    ("unet", "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_q", 4, 8.0),
    ("unet", "up_blocks.1.attentions.0.transformer_blocks.0.attn1.to_out.0", 4, 2.0),
    ("text_encoder", "roberta.encoder.layer.0.attention.self.query", 4, 8.0),
    ("text_encoder", "roberta.encoder.layer.1.output.dense", 4, 8.0),
    ("text_encoder", "transformation", 4, 8.0),
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


def make_files(unet, text_encoder):
    g = torch.Generator().manual_seed(123)
    kohya, kohya_layers = {}, []
    for path, rank, alpha in KOHYA:
        down, up = factors(unet, path, rank, g)
        name = "lora_unet_" + path.replace(".", "_")
        kohya[name + ".lora_down.weight"] = down.contiguous()
        kohya[name + ".lora_up.weight"] = up.contiguous()
        if alpha is not None:
            kohya[name + ".alpha"] = torch.tensor(alpha)
        kohya_layers.append(("unet", path, down, up, (alpha if alpha is not None else rank) / rank))
    peft, peft_layers = {}, []
    for path, rank in PEFT:
        down, up = factors(unet, path, rank, g)
        peft["unet." + path + ".lora_A.weight"] = down.contiguous()
        peft["unet." + path + ".lora_B.weight"] = up.contiguous()
        peft_layers.append(("unet", path, down, up, 1.0))
    both, both_layers = {}, []
    for component, path, rank, alpha in TE_UNET:
        down, up = factors(unet if component == "unet" else text_encoder, path, rank, g)
        both[component + "." + path + ".lora_A.weight"] = (down * 2).contiguous()
        both[component + "." + path + ".lora_B.weight"] = (up * 2).contiguous()
        both[component + "." + path + ".alpha"] = torch.tensor(alpha)
        both_layers.append((component, path, down * 2, up * 2, alpha / rank))
    save_file(both, os.path.join(OUT, "te_unet.safetensors"))
    save_file(kohya, os.path.join(OUT, "kohya_locon.safetensors"), metadata={"ss_network_module": "networks.lora"})
    save_file(peft, os.path.join(OUT, "peft.safetensors"))
    torch.save(kohya, os.path.join(OUT, "kohya_locon.pt"))
    return {"kohya_locon": kohya_layers, "peft": peft_layers, "te_unet": both_layers}


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
    for name in ["kohya_locon.safetensors", "peft.safetensors", "kohya_locon.pt", "te_unet.safetensors"]:
        with open(os.path.join(OUT, name), "rb") as f:
            hashes[name] = addnet_hash_safetensors(f) if name.endswith(".safetensors") else hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(OUT, "hashes.json"), "w") as f:
        json.dump(hashes, f, indent=1)


def case(m, name, loras, prompt, negative, steps, guidance, seed, batch, size):
    """m: the model (load, out, layers, original, base, cases, load_special: files read by a function
    of their own); loras: (file, text-encoder weight, UNet weight)."""
    load, out_dir, layers, original, base, cases = (m[k] for k in ("load", "out", "layers", "original", "base", "cases"))
    pipe = load()
    pipe.set_progress_bar_config(disable=True)
    names = []
    for file, _, _ in loras:
        if file in m["load_special"]:
            m["load_special"][file](pipe, file)
        else:
            pipe.load_lora_weights(out_dir, weight_name=file + ".safetensors", adapter_name=file)
        names.append(file)
    # diffusers' per-component weights: one dict per adapter
    parts = {f: {c for c, *_ in layers[f]} for f, _, _ in loras}
    pipe.set_adapters(names, adapter_weights=[{c: (u if c == "unet" else t) for c in parts[f]}
                                              for f, t, u in loras])
    components = ["unet"] + (["text_encoder"] if any("text_encoder" in parts[f] for f, _, _ in loras) else [])
    pipe.fuse_lora(components=components, adapter_names=names)
    pipe.unload_lora_weights()  # keeps the fused weights, removes the LoRA layers
    worst, changed = 0.0, 0
    for c in ("unet", "text_encoder"):
        expected = {k: v.clone() for k, v in original[c].items()}
        for file, t, u in loras:
            for component, path, down, up, scale in layers[file]:
                if component == c:
                    expected[path + ".weight"] += (u if c == "unet" else t) * scale * delta(down, up)
        fused = getattr(pipe, c).state_dict()
        assert set(fused) == set(expected), set(fused) ^ set(expected)
        bad = {k: (fused[k] - expected[k]).abs().max().item() for k in expected
               if (fused[k] - expected[k]).abs().max().item() > 1e-5}
        assert not bad, bad
        worst = max(worst, max((fused[k] - expected[k]).abs().max().item() for k in expected))
        changed += sum(1 for k in expected if not torch.equal(expected[k], original[c][k]))
    weighted = {(c, p) for f, t, u in loras for c, p, *_ in layers[f] if (u if c == "unet" else t) != 0}
    assert changed == len(weighted), changed
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
    save_file({"images": torch.from_numpy(np.ascontiguousarray(out)).float()}, os.path.join(out_dir, name + ".safetensors"))
    cases.append(dict(name=name, loras=[dict(file=f + ".safetensors", text_encoder_weight=t, unet_weight=u)
                                        for f, t, u in loras],
                      prompt=prompt, negative_prompt=negative, steps=steps, guidance=guidance, seed=seed,
                      batch=batch, width=size, height=size, max_change_from_no_lora=effect))
    print(name, "fused weights within", worst, "of the manual merge;", changed, "tensors changed;",
          "image change from no LoRA", effect)


# --- SD 2.x-style model: linear proj_in/proj_out, per-block heads, a wider cross-attention from a
# gelu CLIP text encoder (SD 2's OpenCLIP as diffusers converts it), v-prediction -----------------

SD2_OUT = os.path.join(FIXTURES, "lora_sd2")  # beside lora/, which tests read as a LoRA folder
SD2_MODEL = os.path.join(SD2_OUT, "tiny-sd2")
CLIP_TOKENIZER = os.path.join(ROOT, "models", "english-base", "tokenizer")
SD2_KOHYA = [  # (component, module path, rank, alpha)
    ("unet", "down_blocks.0.attentions.0.proj_in", 4, 2.0),           # Linear (use_linear_projection)
    ("unet", "down_blocks.0.attentions.0.proj_out", 2, 2.0),          # Linear
    ("unet", "mid_block.attentions.0.proj_in", 4, 4.0),               # Linear
    ("unet", "up_blocks.1.attentions.0.proj_out", 4, 1.0),            # Linear
    ("unet", "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", 4, 2.0),
    ("unet", "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k", 4, 4.0),  # [8, 48]
    ("unet", "mid_block.attentions.0.transformer_blocks.0.attn2.to_v", 2, 1.0),      # [16, 48]
    ("unet", "up_blocks.1.attentions.0.transformer_blocks.0.attn1.to_out.0", 4, 8.0),
    ("unet", "mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj", 4, 4.0),
    ("unet", "down_blocks.0.resnets.0.conv1", 4, 2.0),                # LoCon 3x3
    ("unet", "up_blocks.1.resnets.0.conv2", 2, 2.0),                  # LoCon 3x3
    ("unet", "up_blocks.0.resnets.0.conv_shortcut", 4, 4.0),          # LoCon 1x1
    ("text_encoder", "text_model.encoder.layers.0.self_attn.q_proj", 4, 4.0),
    ("text_encoder", "text_model.encoder.layers.1.self_attn.out_proj", 4, 4.0),
]  # text encoder: no mlp layer (diffusers 0.30.3 then reads the self_attn ones under names peft does
# not find) and one alpha (it gives every text-encoder layer the first alpha)
SD2_PEFT = [  # (component, module path, rank)
    ("unet", "up_blocks.1.attentions.0.proj_in", 4),                  # Linear
    ("unet", "mid_block.attentions.0.proj_out", 4),                   # Linear
    ("unet", "up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k", 4),
    ("unet", "down_blocks.0.attentions.0.transformer_blocks.0.ff.net.2", 4),
    ("unet", "mid_block.resnets.1.conv1", 4),                         # 3x3 conv
    ("text_encoder", "text_model.encoder.layers.1.self_attn.v_proj", 4),
]


def randomize(module, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "norm" in name.lower() and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
    return module


def save_sd2_model():
    from diffusers import DDIMScheduler, StableDiffusionPipeline
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer
    torch.manual_seed(0)
    unet = randomize(UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(8, 16),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=48, attention_head_dim=[2, 4], use_linear_projection=True, norm_num_groups=4), 1)
    vae = randomize(AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2, block_out_channels=(8, 8), latent_channels=4,
        norm_num_groups=4, layers_per_block=1, sample_size=32), 2)
    tokenizer = CLIPTokenizer.from_pretrained(CLIP_TOKENIZER)
    text_encoder = randomize(CLIPTextModel(CLIPTextConfig(
        vocab_size=len(tokenizer), hidden_size=48, intermediate_size=96, num_hidden_layers=2,
        num_attention_heads=2, max_position_embeddings=tokenizer.model_max_length, hidden_act="gelu",
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id)), 3)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                              clip_sample=False, set_alpha_to_one=False, steps_offset=1,
                              prediction_type="v_prediction")
    StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                            scheduler=scheduler, safety_checker=None, feature_extractor=None,
                            requires_safety_checker=False).save_pretrained(SD2_MODEL)


def load_sd2():
    from diffusers import StableDiffusionPipeline
    return StableDiffusionPipeline.from_pretrained(SD2_MODEL, safety_checker=None, requires_safety_checker=False)


def make_sd2_files(pipe):
    g = torch.Generator().manual_seed(321)
    kohya, kohya_layers = {}, []
    for component, path, rank, alpha in SD2_KOHYA:
        down, up = factors(getattr(pipe, component), path, rank, g)
        name = ("lora_unet_" if component == "unet" else "lora_te_") + path.replace(".", "_")
        kohya[name + ".lora_down.weight"] = down.contiguous()
        kohya[name + ".lora_up.weight"] = up.contiguous()
        kohya[name + ".alpha"] = torch.tensor(alpha)
        kohya_layers.append((component, path, down, up, alpha / rank))
    peft, peft_layers = {}, []
    for component, path, rank in SD2_PEFT:
        down, up = factors(getattr(pipe, component), path, rank, g)
        peft[component + "." + path + ".lora_A.weight"] = down.contiguous()
        peft[component + "." + path + ".lora_B.weight"] = up.contiguous()
        peft_layers.append((component, path, down, up, 1.0))
    save_file(kohya, os.path.join(SD2_OUT, "kohya_locon.safetensors"), metadata={"ss_network_module": "networks.lora"})
    save_file(peft, os.path.join(SD2_OUT, "peft.safetensors"))
    hashes = {}
    for name in ["kohya_locon.safetensors", "peft.safetensors"]:
        with open(os.path.join(SD2_OUT, name), "rb") as f:
            hashes[name] = addnet_hash_safetensors(f)
    with open(os.path.join(SD2_OUT, "hashes.json"), "w") as f:
        json.dump(hashes, f, indent=1)
    return {"kohya_locon": kohya_layers, "peft": peft_layers}


def main_sd2():
    if os.path.isdir(SD2_OUT):
        shutil.rmtree(SD2_OUT)
    os.makedirs(SD2_OUT)
    save_sd2_model()
    base = load_sd2()
    layers = make_sd2_files(base)
    original = {c: {k: v.clone() for k, v in getattr(base, c).state_dict().items()}
                for c in ("unet", "text_encoder")}
    cases = []
    m = dict(load=load_sd2, out=SD2_OUT, layers=layers, original=original, base=base, cases=cases, load_special={})
    case(m, "kohya_only", [("kohya_locon", 1.0, 1.0)], "a red circle on the left", "blurry", 5, 7.5, 42, 1, 32)
    case(m, "peft_only", [("peft", 1.0, 1.0)], "a blue square", "", 4, 6.0, 7, 2, 32)
    case(m, "two_loras", [("kohya_locon", 0.7, 0.7), ("peft", -0.3, -0.3)], "a green star", "dark", 5, 7.5, 3, 1, 32)
    case(m, "te_unet_separate", [("kohya_locon", 0.4, 1.3)], "a yellow circle", "", 4, 7.5, 11, 1, 32)
    with open(os.path.join(SD2_OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
    print("wrote", len(cases), "SD 2.x-style cases to", SD2_OUT)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    base = load()
    layers = make_files(base.unet, base.text_encoder)
    write_hashes()
    original = {c: {k: v.clone() for k, v in getattr(base, c).state_dict().items()}
                for c in ("unet", "text_encoder")}
    cases = []
    m = dict(load=load, out=OUT, layers=layers, original=original, base=base, cases=cases,
             load_special={"te_unet": lambda pipe, name: load_te_unet(pipe, name)})

    def load_te_unet(pipe, name):
        """te_unet.safetensors: the UNet part as load_lora_weights reads PEFT files with alphas, the
        XLM-R part as load_lora_into_text_encoder does for CLIP (transformers' load_adapter)."""
        from safetensors.torch import load_file
        from peft import LoraConfig
        sd = load_file(os.path.join(OUT, "te_unet.safetensors"))
        alphas = {k: v.item() for k, v in sd.items() if k.endswith(".alpha")}
        unet_sd = {k: v for k, v in sd.items() if k.startswith("unet.") and not k.endswith(".alpha")}
        pipe.load_lora_into_unet(unet_sd, {k: v for k, v in alphas.items() if k.startswith("unet.")},
                                 pipe.unet, adapter_name=name)
        te_sd = {k[len("text_encoder."):]: v for k, v in sd.items()
                 if k.startswith("text_encoder.") and not k.endswith(".alpha")}
        te_alphas = {v for k, v in alphas.items() if k.startswith("text_encoder.")}
        assert len(te_alphas) == 1, te_alphas
        targets = sorted({k.split(".lora_")[0] for k in te_sd})
        pipe.text_encoder.load_adapter(adapter_name=name, adapter_state_dict=te_sd,
                                       peft_config=LoraConfig(r=4, lora_alpha=te_alphas.pop(), target_modules=targets))

    case(m, "kohya_only", [("kohya_locon", 1.0, 1.0)], "a red circle on the left", "blurry", 5, 7.5, 42, 1, 32)
    case(m, "peft_only", [("peft", 1.0, 1.0)], "一只猫 在月亮上", "", 4, 6.0, 7, 2, 32)
    case(m, "two_loras", [("kohya_locon", 0.7, 0.7), ("peft", -0.3, -0.3)], "eine blaue Katze", "dunkel", 5, 7.5, 3, 1, 32)
    case(m, "te_unet_separate", [("te_unet", 0.4, 1.3)], "ein roter Kreis", "", 4, 7.5, 11, 1, 32)
    case(m, "te_only", [("te_unet", 1.0, 0.0), ("kohya_locon", 0.0, 0.5)], "a red circle", "", 4, 7.5, 5, 1, 32)
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
    print("wrote", len(cases), "cases to", OUT)


if __name__ == "__main__":
    import sys
    if sys.argv[1:] != ["sd2"]:  # "sd2": only the SD 2.x-style part
        main()
    main_sd2()
