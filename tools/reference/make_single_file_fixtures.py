"""Reference fixtures for single-file (LDM / A1111 layout) checkpoints.

Regenerate (deterministic: fixed seeds, CPU, float32):

    tools/reference/.venv/bin/python tools/reference/make_single_file_fixtures.py

Writes src/test/resources/fixtures/single_file/<case>/:
  model.safetensors  a tiny random checkpoint in the original layout (model.diffusion_model.,
                     first_stage_model., cond_stage_model.), written here from a random diffusers
                     model with the LDM names of the original code (an implementation of its own,
                     checked below: diffusers 0.30.3's conversion must give the model back)
  model.yaml         (sd2v only) an original v2-inference-v.yaml-style config: heads by
                     num_head_channels, parameterization v
  tokenizer/         the tokenizer, next to the file (a single file has none)
  expected.json      per component, each diffusers parameter's shape and the sha256 of its float32
                     little-endian bytes after diffusers 0.30.3's from_single_file conversion
                     (convert_ldm_unet_checkpoint with extract_ema, convert_ldm_vae_checkpoint,
                     convert_ldm_clip_checkpoint / convert_open_clip_checkpoint); for AltDiffusion,
                     which diffusers cannot convert, A1111's loading (its BertSeriesModelWithTransformation
                     has the diffusers names under cond_stage_model.); plus the generation case
  vae_bf16.ckpt      (sd1 only) its VAE alone as an A1111-style pickled .ckpt ({"state_dict",
                     "global_step"}), bfloat16: the .ckpt path, bf16 widening and --vae FILE
  image.safetensors  "images" float32 [1, H, W, 3]: the diffusers pipeline over the converted
                     weights (PNDM with diffusers' single-file scheduler defaults), torch CPU generator;
                     for inpainting StableDiffusionInpaintPipeline with "init" (uint8 [H, W, 3]) and
                     "mask" (uint8 [H, W], white = repaint, soft edges; make_inpaint_fixtures.py's)

And src/test/resources/fixtures/single_file/global_step/: an SD 2.x-shaped checkpoint (cross-attention
width 1024 at input_blocks.2.1, so diffusers' model type "v2"; OpenCLIP text tower) as pickled .ckpt
files that differ only in their global_step and layout: sd2_base.ckpt ({"state_dict", "global_step":
875000}, SD 2 base), sd2_v.ckpt (global_step 110000, SD 2.1-v's), sd2_no_step.ckpt (no global_step),
sd2_flat_base.ckpt (875000 beside the weights, no state_dict). Their larger weights are stored as one
column expanded (stride 0) to keep the files small: the values play no part here. expected.json
gives, per file, what diffusers 0.30.3 decides: "convert_from_ckpt" (download_from_original_
stable_diffusion_ckpt with the v2-inference-v.yaml it fetches for "v2" keys, written here for the tiny
shapes; the hub tokenizer replaced by the local one) reads global_step from the top-level dict before
unwrapping state_dict: prediction_type and unet sample_size; "from_single_file_legacy" is
_legacy_load_scheduler (from_single_file's scheduler when original_config is given without a cached
hub config, or prediction_type/scheduler_type are passed), which looks for global_step only after
load_single_file_checkpoint has unwrapped state_dict, so it sees it in flat files only.
from_single_file's default path takes stabilityai/stable-diffusion-2-1's scheduler config (v_prediction)
and never reads global_step.

Cases (float16 files, to keep them small; float32 files are covered by the converted built-in model): sd1 (CLIP, with EMA weights that must
win), sd2v (OpenCLIP with a last block that SD 2 does not use, linear projections; heads and
v-prediction through the yaml, as the tiny widths are not SD 2's 1024), inpainting (9 input channels;
an init picture and a mask, strength 0.75), altdiffusion (XLM-R with pre-transformation).
"""

import hashlib
import json
import os
import re
import shutil

import numpy as np
import torch
import diffusers.pipelines.stable_diffusion.convert_from_ckpt as convert_from_ckpt
from diffusers import (AutoencoderKL, PNDMScheduler, StableDiffusionInpaintPipeline, StableDiffusionPipeline,
                       UNet2DConditionModel)
from diffusers.loaders.single_file_utils import (SCHEDULER_DEFAULT_CONFIG, _legacy_load_scheduler,
                                                 convert_ldm_clip_checkpoint, convert_ldm_unet_checkpoint,
                                                 convert_ldm_vae_checkpoint, convert_open_clip_checkpoint,
                                                 infer_diffusers_model_type, load_single_file_checkpoint)
from PIL import Image
from diffusers.pipelines.deprecated.alt_diffusion import AltDiffusionPipeline
from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import (
    RobertaSeriesConfig, RobertaSeriesModelWithTransformation)
from safetensors.torch import save_file
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer, XLMRobertaTokenizer

from make_inpaint_fixtures import mask as inpaint_mask, picture as inpaint_picture

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "src/test/resources/fixtures/single_file")
CLIP_TOKENIZER = os.path.join(ROOT, "models/english-base/tokenizer")
XLMR_TOKENIZER = os.path.join(ROOT, "src/test/resources/fixtures/pipeline/tiny-altdiffusion/tokenizer")
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

PROMPT, NEGATIVE, STEPS, GUIDANCE, SEED, SIZE = "a red circle", "blurry", 4, 7.0, 11, 32
INPAINT_STRENGTH = 0.75


def randomize(module, seed, scale=0.2):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "norm" in name.lower() and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(scale * torch.randn(p.shape, generator=g))
    return module


# --- diffusers -> LDM names (the original code's module names) -----------------------------------

RESNET = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1",
          "norm2": "out_layers.0", "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}
TOP = {"conv_in": "input_blocks.0.0", "time_embedding.linear_1": "time_embed.0",
       "time_embedding.linear_2": "time_embed.2", "conv_norm_out": "out.0", "conv_out": "out.2"}


def unet_ldm_name(name, config):
    per = config["layers_per_block"] + 1
    for k, v in TOP.items():
        if name.startswith(k + "."):
            return v + name[len(k):]
    m = re.match(r"(down|up)_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.+)", name)
    if m:
        i, j, rest = int(m[2]), int(m[4]), m[5]
        if m[3] == "resnets":
            part, leaf = rest.rsplit(".", 1)
            rest = RESNET[part] + "." + leaf
        index = 1 + i * per + j if m[1] == "down" else i * per + j
        block = "input_blocks" if m[1] == "down" else "output_blocks"
        return f"{block}.{index}.{0 if m[3] == 'resnets' else 1}.{rest}"
    m = re.match(r"down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.+)", name)
    if m:
        return f"input_blocks.{(int(m[1]) + 1) * per}.0.op.{m[2]}"
    m = re.match(r"up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.+)", name)
    if m:
        i = int(m[1])
        has_attention = config["up_block_types"][i].startswith("CrossAttn")
        return f"output_blocks.{i * per + per - 1}.{2 if has_attention else 1}.conv.{m[2]}"
    m = re.match(r"mid_block\.attentions\.0\.(.+)", name)
    if m:
        return "middle_block.1." + m[1]
    m = re.match(r"mid_block\.resnets\.(\d+)\.(.+)", name)
    part, leaf = m[2].rsplit(".", 1)
    return f"middle_block.{2 * int(m[1])}.{RESNET[part]}.{leaf}"


VAE_ATTENTION = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out.0": "proj_out"}


def vae_ldm(vae):
    out = {}
    n = len(vae.config.block_out_channels)
    for name, t in vae.state_dict().items():
        key = name.replace("conv_norm_out", "norm_out").replace("conv_shortcut", "nin_shortcut")
        m = re.match(r"(encoder|decoder)\.(down|up)_blocks\.(\d+)\.(.+)", key)
        if m:
            i = int(m[3]) if m[2] == "down" else n - 1 - int(m[3])
            rest = m[4].replace("resnets.", "block.").replace("downsamplers.0", "downsample").replace(
                "upsamplers.0", "upsample")
            key = f"{m[1]}.{m[2]}.{i}.{rest}"
        m = re.match(r"(encoder|decoder)\.mid_block\.resnets\.(\d+)\.(.+)", key)
        if m:
            key = f"{m[1]}.mid.block_{int(m[2]) + 1}.{m[3]}"
        m = re.match(r"(encoder|decoder)\.mid_block\.attentions\.0\.(.+)\.(weight|bias)", key)
        if m:
            key = f"{m[1]}.mid.attn_1.{VAE_ATTENTION[m[2]]}.{m[3]}"
            if m[3] == "weight" and t.ndim == 2:
                t = t[:, :, None, None]  # [O, I] -> [O, I, 1, 1]: LDM's 1x1 convolutions
        out["first_stage_model." + key] = t.clone()
    return out


def open_clip_ldm(text, blocks, seed):
    """An OpenCLIP text tower: `text`'s layers, then an extra last block SD 2 never uses."""
    g = torch.Generator().manual_seed(seed)
    sd = text.state_dict()
    p = "cond_stage_model.model."
    d = text.config.hidden_size
    out = {p + "token_embedding.weight": sd["text_model.embeddings.token_embedding.weight"],
           p + "positional_embedding": sd["text_model.embeddings.position_embedding.weight"],
           p + "ln_final.weight": sd["text_model.final_layer_norm.weight"],
           p + "ln_final.bias": sd["text_model.final_layer_norm.bias"],
           p + "text_projection": 0.2 * torch.randn(d, d, generator=g),
           p + "logit_scale": torch.tensor(4.6)}
    for i in range(blocks):
        b = f"{p}transformer.resblocks.{i}."
        if i < text.config.num_hidden_layers:
            l = f"text_model.encoder.layers.{i}."
            get = lambda n: sd[l + n]
        else:
            extra = randomize(CLIPTextModel(text.config), seed + 1).state_dict()
            get = lambda n: extra["text_model.encoder.layers.0." + n]
        for part in ("weight", "bias"):
            out[b + "attn.in_proj_" + part] = torch.cat(
                [get(f"self_attn.{x}_proj.{part}") for x in ("q", "k", "v")])
            out[b + "attn.out_proj." + part] = get("self_attn.out_proj." + part)
            out[b + "ln_1." + part] = get("layer_norm1." + part)
            out[b + "ln_2." + part] = get("layer_norm2." + part)
            out[b + "mlp.c_fc." + part] = get("mlp.fc1." + part)
            out[b + "mlp.c_proj." + part] = get("mlp.fc2." + part)
    return {k: v.clone().contiguous() for k, v in out.items()}


# --- the cases --------------------------------------------------------------------------------------

def unet_config(in_channels, channels, linear, heads, context, layers):
    return dict(sample_size=16, in_channels=in_channels, out_channels=4, layers_per_block=layers,
                block_out_channels=channels, down_block_types=["CrossAttnDownBlock2D", "DownBlock2D"],
                up_block_types=["UpBlock2D", "CrossAttnUpBlock2D"], cross_attention_dim=context,
                attention_head_dim=heads, use_linear_projection=linear, norm_num_groups=32)


VAE_CONFIG = dict(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=[32, 32],
                  down_block_types=["DownEncoderBlock2D"] * 2, up_block_types=["UpDecoderBlock2D"] * 2,
                  layers_per_block=1, norm_num_groups=32, sample_size=32, scaling_factor=0.18215)


def clip_config(act):
    return CLIPTextConfig(vocab_size=592, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                          num_attention_heads=1, max_position_embeddings=77, hidden_act=act,
                          layer_norm_eps=1e-5, projection_dim=64)


def digest(t):
    return hashlib.sha256(t.detach().float().contiguous().numpy().astype("<f4").tobytes()).hexdigest()


def described(sd):
    return {k: [list(v.shape), digest(v)] for k, v in sd.items()}


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    cases = [
        dict(name="sd1", text="clip", unet=unet_config(4, [32, 32], False, 8, 64, 1), ema=True,
             fp16=True, prediction="epsilon"),
        dict(name="sd2v", text="open_clip", unet=unet_config(4, [32, 32], True, [1, 1], 64, 1),
             fp16=True, prediction="v_prediction", yaml=True),
        dict(name="inpainting", text="clip", unet=unet_config(9, [32, 32], False, 8, 64, 1),
             fp16=True, prediction="epsilon", inpaint=True),
        dict(name="altdiffusion", text="xlmr", unet=unet_config(4, [32, 32], False, 8, 64, 1),
             fp16=True, prediction="epsilon"),
    ]
    for seed, case in enumerate(cases):
        make(case, 100 * seed + 1)
    make_global_step(901)


def make(case, seed):
    out = os.path.join(OUT, case["name"])
    os.makedirs(out)
    unet = randomize(UNet2DConditionModel(**case["unet"]), seed).eval()
    vae = randomize(AutoencoderKL(**VAE_CONFIG), seed + 1).eval()
    ldm = {"model.diffusion_model." + unet_ldm_name(k, unet.config): v.clone()
           for k, v in unet.state_dict().items()}
    if case.get("ema"):
        ema_unet = randomize(UNet2DConditionModel(**case["unet"]), seed + 7)
        for k, v in ema_unet.state_dict().items():
            ldm["model_ema." + ("diffusion_model." + unet_ldm_name(k, unet.config)).replace(".", "")] = v.clone()
        ldm["model_ema.decay"] = torch.tensor(0.9999)
        ldm["model_ema.num_updates"] = torch.tensor(1000, dtype=torch.int32)
    ldm.update(vae_ldm(vae))
    if case["text"] == "xlmr":
        config = RobertaSeriesConfig(vocab_size=1742, hidden_size=64, num_hidden_layers=2,
                                     num_attention_heads=1, intermediate_size=128, max_position_embeddings=80,
                                     type_vocab_size=1, layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0,
                                     eos_token_id=2, project_dim=64, has_pre_transformation=True,
                                     hidden_act="gelu")
        text = randomize(RobertaSeriesModelWithTransformation(config), seed + 2).eval()
        for k, v in text.state_dict().items():
            if "position_ids" not in k:
                ldm["cond_stage_model." + k] = v.clone()
    elif case["text"] == "open_clip":
        text = randomize(CLIPTextModel(clip_config("gelu")), seed + 2).eval()
        ldm.update(open_clip_ldm(text, 3, seed + 3))
    else:
        text = randomize(CLIPTextModel(clip_config("quick_gelu")), seed + 2).eval()
        for k, v in text.state_dict().items():
            ldm["cond_stage_model.transformer." + k] = v.clone()
        ldm["cond_stage_model.transformer.text_model.embeddings.position_ids"] = torch.arange(77)[None]
    ldm["alphas_cumprod"] = torch.linspace(0.99, 0.01, 1000)  # schedule buffers: not weights
    if case.get("fp16"):
        ldm = {k: v.half() if v.is_floating_point() else v for k, v in ldm.items()}
    save_file({k: v.contiguous() for k, v in ldm.items()}, os.path.join(out, "model.safetensors"))
    shutil.copytree(XLMR_TOKENIZER if case["text"] == "xlmr" else CLIP_TOKENIZER, os.path.join(out, "tokenizer"))
    if case.get("yaml"):
        write_yaml(os.path.join(out, "model.yaml"), case)

    # diffusers 0.30.3's conversion of the file, as from_single_file runs it
    ckpt = {k: v.float() if v.is_floating_point() else v for k, v in ldm.items()}
    conv_unet = convert_ldm_unet_checkpoint(ckpt, dict(unet.config), extract_ema=case.get("ema", False))
    conv_vae = convert_ldm_vae_checkpoint(ckpt, dict(vae.config))
    if case["text"] == "clip":
        conv_text = convert_ldm_clip_checkpoint(ckpt)
    elif case["text"] == "open_clip":
        conv_text = convert_open_clip_checkpoint(text, ckpt)
    else:  # A1111's loading: the names under cond_stage_model. are the model's
        conv_text = {k[len("cond_stage_model."):]: v for k, v in ckpt.items() if k.startswith("cond_stage_model.")}
    own = lambda m: {k for k in m.state_dict() if "position_ids" not in k}
    conv_text = {k: v for k, v in conv_text.items() if k in own(text)}  # what loading keeps
    assert set(conv_unet) == own(unet) and set(conv_vae) == own(vae) and set(conv_text) == own(text)
    # check the LDM names written here: diffusers' conversion gives the (EMA or) original weights back
    source = ema_unet if case.get("ema") else unet
    for k, v in source.state_dict().items():
        assert torch.equal(conv_unet[k], v.half().float() if case.get("fp16") else v), k
    unet.load_state_dict(conv_unet)
    vae.load_state_dict(conv_vae)
    text.load_state_dict(conv_text, strict=False)
    # the pooler of XLM-R is unused by the pipeline (and absent from our model, which ignores it)
    used_text = {k: v for k, v in conv_text.items() if not k.startswith("roberta.pooler.")}
    expected = {"unet": described(conv_unet), "vae": described(conv_vae), "text_encoder": described(used_text),
                "prediction_type": case["prediction"], "in_channels": case["unet"]["in_channels"],
                "ema": bool(case.get("ema"))}
    if case.get("ema"):
        expected["unet_no_ema"] = described(
            convert_ldm_unet_checkpoint(ckpt, dict(unet.config), extract_ema=False))
    if case.get("image", True):
        expected["generation"] = dict(prompt=PROMPT, negative_prompt=NEGATIVE, steps=STEPS, guidance=GUIDANCE,
                                      seed=SEED, width=SIZE, height=SIZE)
        scheduler = PNDMScheduler.from_config({**SCHEDULER_DEFAULT_CONFIG, "prediction_type": case["prediction"]})
        parts = dict(unet=unet, vae=vae, text_encoder=text, scheduler=scheduler, safety_checker=None,
                     feature_extractor=None, requires_safety_checker=False)
        extra, saved = {}, {}
        if case["text"] == "xlmr":
            pipe = AltDiffusionPipeline(tokenizer=XLMRobertaTokenizer.from_pretrained(XLMR_TOKENIZER), **parts)
        elif case.get("inpaint"):
            pipe = StableDiffusionInpaintPipeline(tokenizer=CLIPTokenizer.from_pretrained(CLIP_TOKENIZER), **parts)
            init, msk = inpaint_picture(SIZE, SIZE), inpaint_mask(SIZE, SIZE)
            extra = dict(image=Image.fromarray(init), mask_image=Image.fromarray(msk, mode="L"),
                         strength=INPAINT_STRENGTH)
            saved = {"init": torch.from_numpy(init), "mask": torch.from_numpy(msk)}
            expected["generation"]["strength"] = INPAINT_STRENGTH
        else:
            pipe = StableDiffusionPipeline(tokenizer=CLIPTokenizer.from_pretrained(CLIP_TOKENIZER), **parts)
        pipe.set_progress_bar_config(disable=True)
        images = pipe(prompt=PROMPT, negative_prompt=NEGATIVE, num_inference_steps=STEPS, guidance_scale=GUIDANCE,
                      generator=torch.Generator().manual_seed(SEED), height=SIZE, width=SIZE,
                      output_type="np", **extra).images
        save_file({"images": torch.from_numpy(np.ascontiguousarray(images)).float(), **saved},
                  os.path.join(out, "image.safetensors"))
    if case["name"] == "sd1":
        # an A1111-style .ckpt ({"state_dict": ..., "global_step": ...}) holding only the VAE, bfloat16
        vae_sd = {k: v.to(torch.bfloat16) for k, v in ldm.items() if k.startswith("first_stage_model.")}
        torch.save({"state_dict": vae_sd, "global_step": 875000}, os.path.join(out, "vae_bf16.ckpt"))
        expected["vae_bf16"] = described(
            convert_ldm_vae_checkpoint({k: v.float() for k, v in vae_sd.items()}, dict(vae.config)))
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=0)


def thin(t):
    """A large weight as its first column expanded (stride 0): torch.save stores only that column."""
    if t.ndim >= 2 and t.numel() >= 4096:
        return t[(slice(None),) + (slice(0, 1),) * (t.ndim - 1)].clone().expand(t.shape)
    return t


class LocalTokenizer:
    """convert_from_ckpt fetches stabilityai/stable-diffusion-2's tokenizer: the local one instead."""

    @staticmethod
    def from_pretrained(*args, **kwargs):
        return CLIPTokenizer.from_pretrained(CLIP_TOKENIZER)


def make_global_step(seed):
    out = os.path.join(OUT, "global_step")
    os.makedirs(out)
    # one level, two layers: input_blocks.2.1 is an attention, the key diffusers reads for "v2"
    unet = randomize(UNet2DConditionModel(
        sample_size=16, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=[32],
        down_block_types=["CrossAttnDownBlock2D"], up_block_types=["CrossAttnUpBlock2D"],
        cross_attention_dim=1024, attention_head_dim=1, use_linear_projection=True, norm_num_groups=32), seed)
    vae = randomize(AutoencoderKL(**VAE_CONFIG), seed + 1)
    text_config = CLIPTextConfig(vocab_size=592, hidden_size=1024, intermediate_size=64, num_hidden_layers=1,
                                 num_attention_heads=16, max_position_embeddings=77, hidden_act="gelu",
                                 layer_norm_eps=1e-5, projection_dim=1024)
    text = randomize(CLIPTextModel(text_config), seed + 2).eval()
    ldm = {"model.diffusion_model." + unet_ldm_name(k, unet.config): v.clone() for k, v in unet.state_dict().items()}
    ldm.update(vae_ldm(vae))
    ldm.update(open_clip_ldm(text, 2, seed + 3))
    ldm = {k: thin(v.half()) for k, v in ldm.items()}
    yaml = os.path.join(out, "v2-inference-v.yaml")
    write_yaml(yaml, dict(unet=dict(in_channels=4, block_out_channels=[32], layers_per_block=2,
                                    cross_attention_dim=1024)), channel_mult="[ 1 ]")
    shutil.copytree(CLIP_TOKENIZER, os.path.join(out, "tokenizer"))
    expected = {}
    for name, step, flat in [("sd2_base.ckpt", 875000, False), ("sd2_v.ckpt", 110000, False),
                             ("sd2_no_step.ckpt", None, False), ("sd2_flat_base.ckpt", 875000, True)]:
        path = os.path.join(out, name)
        top = dict(ldm) if flat else {"state_dict": ldm}
        if step is not None:
            top["global_step"] = step
        torch.save(top, path)
        checkpoint = load_single_file_checkpoint(path)
        assert infer_diffusers_model_type(checkpoint) == "v2"
        defaults = dict(SCHEDULER_DEFAULT_CONFIG)  # _legacy_load_scheduler writes into this module dict
        legacy = _legacy_load_scheduler(PNDMScheduler, checkpoint=checkpoint, component_name="scheduler")
        SCHEDULER_DEFAULT_CONFIG.clear()
        SCHEDULER_DEFAULT_CONFIG.update(defaults)
        hub_tokenizer = convert_from_ckpt.CLIPTokenizer
        convert_from_ckpt.CLIPTokenizer = LocalTokenizer
        try:
            pipe = convert_from_ckpt.download_from_original_stable_diffusion_ckpt(
                path, original_config_file=yaml, device="cpu", text_encoder=text, load_safety_checker=False,
                local_files_only=True)
        finally:
            convert_from_ckpt.CLIPTokenizer = hub_tokenizer
        expected[name] = {"global_step": step, "flat": flat,
                          "convert_from_ckpt": {"prediction_type": pipe.scheduler.config.prediction_type,
                                                "unet_sample_size": pipe.unet.config.sample_size},
                          "from_single_file_legacy": {"prediction_type": legacy.config.prediction_type}}
        print(name, expected[name])
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


def write_yaml(path, case, channel_mult="[ 1, 1 ]"):
    u = case["unet"]
    with open(path, "w") as f:
        f.write(f"""model:
  target: ldm.models.diffusion.ddpm.LatentDiffusion
  params:
    parameterization: "v"
    linear_start: 0.00085
    linear_end: 0.0120
    timesteps: 1000
    scale_factor: 0.18215
    unet_config:
      target: ldm.modules.diffusionmodules.openaimodel.UNetModel
      params:
        use_checkpoint: True
        image_size: 32
        in_channels: {u["in_channels"]}
        out_channels: 4
        model_channels: {u["block_out_channels"][0]}
        attention_resolutions: [ 1 ]
        num_res_blocks: {u["layers_per_block"]}
        channel_mult: {channel_mult}
        num_head_channels: 32
        use_linear_in_transformer: True
        transformer_depth: 1
        context_dim: {u["cross_attention_dim"]}
        legacy: False
    first_stage_config:
      target: ldm.models.autoencoder.AutoencoderKL
      params:
        embed_dim: 4
        ddconfig:
          double_z: true
          z_channels: 4
          resolution: 256
          in_channels: 3
          out_ch: 3
          ch: 32
          ch_mult: [ 1, 1 ]
          num_res_blocks: 1
          attn_resolutions: []
    cond_stage_config:
      target: ldm.modules.encoders.modules.FrozenOpenCLIPEmbedder
      params:
        freeze: True
        layer: "penultimate"
""")


if __name__ == "__main__":
    main()
