"""Reference fixtures for folders exactly as diffusers / transformers save_pretrained write them (#23).

Regenerate (deterministic: fixed seeds, CPU, float32):

    tools/reference/.venv/bin/python tools/reference/make_saved_folder_fixtures.py

Writes src/test/resources/fixtures/saved/:
  sd-dpm/              StableDiffusionPipeline.save_pretrained of a tiny SD 1.x-style model whose scheduler
                       is DPMSolverMultistepScheduler (scheduler_config.json then holds
                       "lambda_min_clipped": -Infinity, as Python's json writes float('-inf')) and whose
                       tokenizer is CLIPTokenizerFast (vocab.json + merges.txt + tokenizer.json). Every
                       model was saved in float16 (config.json "torch_dtype": "float16"); the UNet was
                       then saved again by UNet2DConditionModel.save_pretrained(max_shard_size=...) as
                       sharded safetensors with an index.
  altdiffusion-fast/   AltDiffusionPipeline.save_pretrained(safe_serialization=False) of a tiny m18-style
                       model whose tokenizer is XLMRobertaTokenizerFast: the folder holds both
                       sentencepiece.bpe.model and tokenizer.json, and model_index.json names the fast
                       class. Weights are pickled .bin files; the text encoder was saved again sharded
                       (pytorch_model.bin.index.json). Scheduler: EulerDiscreteScheduler as diffusers saves
                       it.
  cases.json           generation calls on those folders (prompt, negative prompt, sampler or null for
                       the folder's own scheduler, steps, guidance, seed, batch, size) with: the ids of the
                       folder's own (fast) tokenizer and of the slow class for prompt and negative prompt
                       (the prompts are chosen where the two disagree: CJK text for CLIP, combining marks,
                       half-width katakana and compatibility characters for XLM-R), and how far apart the
                       pictures are when the slow tokenizer is used instead ("slow_max_diff", in 1/255).
  <case>.safetensors   "images": float32 [B, H, W, 3] in [0, 1] from diffusers' own from_pretrained of the
                       folder (float32, as loading without torch_dtype gives) and pipeline call
                       (output_type="np"); image i of a batch seeded with torch.Generator().manual_seed(seed+i).
  schedulers/<name>/   scheduler_config.json of each scheduler class we run, as save_pretrained writes it
                       (derived with from_config from SD 1.5's scheduler config), and schedulers.json with
                       the timesteps and sigmas each gives for 10 and 25 steps.
  layouts/             one tiny AutoencoderKL (diffusers naming) and one tiny RobertaSeriesModel
                       (transformers naming) saved in every layout save_pretrained writes: plain
                       safetensors, variant="fp16", sharded (max_shard_size), sharded + fp16 variant,
                       safe_serialization=False, sharded .bin, and float16 weights without a variant;
                       layouts.json names the weights file each folder's loader must pick and whether
                       diffusers/transformers from_pretrained(variant=...) loads it here
                       ("reference_loads": diffusers 0.30.3 loads sharded models only through
                       accelerate, which the reference environment lacks; it looks for a .bin index only
                       when use_safetensors=False).
  tokenizer-legacy/    tokenizer_config.json without added_tokens_decoder (older transformers): added tokens
                       from added_tokens.json, or from tokenizer.json's "added_tokens" (transformers reads
                       those for the slow class too); cases.json has the ids of XLMRobertaTokenizer and
                       XLMRobertaTokenizerFast for a few texts. The sentencepiece model and tokenizer.json
                       are the fixture XLM-R ones (tokenizer/xlmr), copied by the test.
"""

import importlib
import json
import os
import shutil
import sys

import numpy as np
import torch
from safetensors.torch import save_file

import diffusers
import transformers
from diffusers import (AutoencoderKL, DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
                       EulerDiscreteScheduler, LMSDiscreteScheduler, PNDMScheduler, StableDiffusionPipeline,
                       UNet2DConditionModel)
from diffusers.pipelines.deprecated.alt_diffusion import AltDiffusionPipeline
from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import (RobertaSeriesConfig,
                                                                                    RobertaSeriesModelWithTransformation)
from transformers import (CLIPTextConfig, CLIPTextModel, CLIPTokenizer, CLIPTokenizerFast, XLMRobertaTokenizer,
                          XLMRobertaTokenizerFast)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_pipeline_fixtures import perturb_norms  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "src", "test", "resources", "fixtures")
OUT = os.path.join(FIXTURES, "saved")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

# SD 1.5's scheduler_config.json (PNDM), the base every sampler here is derived from.
SD15_SCHEDULER = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
                      skip_prk_steps=True, steps_offset=1, set_alpha_to_one=False, clip_sample=False,
                      trained_betas=None)


def tiny_unet(seed, cross_dim, linear):
    torch.manual_seed(seed)
    return perturb_norms(UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(8, 16),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=cross_dim, attention_head_dim=(2, 4), use_linear_projection=linear, norm_num_groups=4),
        seed + 1)


def tiny_vae(seed):
    torch.manual_seed(seed)
    return perturb_norms(AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2, block_out_channels=(8, 16), layers_per_block=1,
        latent_channels=4, norm_num_groups=4, sample_size=32), seed + 1)


def files_of(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs)


def ids(tok, text):
    return tok(text, truncation=True, max_length=tok.model_max_length).input_ids


def run(pipe, c):
    gens = [torch.Generator().manual_seed(c["seed"] + i) for i in range(c["batch"])]
    return pipe(prompt=c["prompt"], negative_prompt=c["negative_prompt"] or None, num_inference_steps=c["steps"],
                guidance_scale=c["guidance"], generator=gens, num_images_per_prompt=c["batch"], height=c["height"],
                width=c["width"], output_type="np").images


SAMPLERS = {
    None: lambda base: None,
    "DPM++ 2M Karras": lambda base: DPMSolverMultistepScheduler.from_config(base, use_karras_sigmas=True),
    "Euler a": lambda base: EulerAncestralDiscreteScheduler.from_config(base),
    "DPM++ 2M": lambda base: DPMSolverMultistepScheduler.from_config(base),
}


def load_components(folder):
    """What DiffusionPipeline.from_pretrained does for a local folder: each component of
    model_index.json loaded by <library>.<class>.from_pretrained(folder/<name>). Needed for AltDiffusion:
    save_pretrained names its text encoder ["diffusers", "RobertaSeriesModelWithTransformation"], which
    diffusers 0.30.3's from_pretrained cannot resolve (the class lives in the deprecated alt_diffusion
    package), so that one class is taken from there."""
    with open(os.path.join(folder, "model_index.json")) as f:
        index = json.load(f)
    out = {}
    for name, value in index.items():
        if name.startswith("_") or not isinstance(value, list):
            continue
        library, class_name = value
        if library is None:
            out[name] = None
        elif class_name == "RobertaSeriesModelWithTransformation":
            out[name] = RobertaSeriesModelWithTransformation.from_pretrained(os.path.join(folder, name))
        else:
            cls = getattr(importlib.import_module(library), class_name)
            out[name] = cls.from_pretrained(os.path.join(folder, name))
    return out


def generate(folder, pipe_class, slow_class, cases, out_cases, by_components=False):
    """Loads `folder` as diffusers does and records each case; checks the slow tokenizer differs."""
    if by_components:
        pipe = pipe_class(**load_components(folder), requires_safety_checker=False)
    else:
        pipe = pipe_class.from_pretrained(folder)
    pipe.set_progress_bar_config(disable=True)
    for m in (pipe.unet, pipe.vae, pipe.text_encoder):
        assert next(m.parameters()).dtype == torch.float32, m.__class__
    own = pipe.scheduler
    fast = pipe.tokenizer
    slow = slow_class.from_pretrained(os.path.join(folder, "tokenizer"))
    assert type(fast).__name__.endswith("Fast"), type(fast)
    for c in cases:
        c = dict(c, model=os.path.basename(folder), mode="txt2img")
        made = SAMPLERS[c["sampler"]](own.config)
        pipe.scheduler = made if made is not None else own
        images = run(pipe, c)
        save_file({"images": torch.from_numpy(np.ascontiguousarray(images)).float()},
                  os.path.join(OUT, c["name"] + ".safetensors"))
        for key, text in (("prompt", c["prompt"]), ("negative_prompt", c["negative_prompt"])):
            c[key + "_fast_ids"] = ids(fast, text)
            c[key + "_slow_ids"] = ids(slow, text)
        if c["prompt_fast_ids"] == c["prompt_slow_ids"] and c["negative_prompt_fast_ids"] == c["negative_prompt_slow_ids"]:
            c["slow_max_diff"] = 0.0
        else:
            pipe.tokenizer = slow
            c["slow_max_diff"] = float(np.abs(run(pipe, c) - images).max() * 255)
            pipe.tokenizer = fast
        print(f"{c['name']:28s} slow tokenizer would differ by {c['slow_max_diff']:.1f}/255")
        out_cases.append(c)
    pipe.scheduler = own


def write_sd_dpm(cases):
    folder = os.path.join(OUT, "sd-dpm")
    tokenizer = CLIPTokenizerFast.from_pretrained(os.path.join(FIXTURES, "tokenizer", "clip"))
    torch.manual_seed(0)
    text_encoder = perturb_norms(CLIPTextModel(CLIPTextConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
        max_position_embeddings=77, hidden_act="quick_gelu", projection_dim=32, layer_norm_eps=1e-5,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)),
        1)
    scheduler = DPMSolverMultistepScheduler.from_config(SD15_SCHEDULER)
    pipe = StableDiffusionPipeline(vae=tiny_vae(4), text_encoder=text_encoder, tokenizer=tokenizer,
                                   unet=tiny_unet(2, 32, False), scheduler=scheduler, safety_checker=None,
                                   feature_extractor=None, requires_safety_checker=False)
    pipe.to(torch.float16)
    pipe.save_pretrained(folder)
    # the text encoder again, sharded: model-0000k-of-0000n.safetensors + model.safetensors.index.json
    # (a sharded diffusers model, e.g. the UNet, cannot be the reference here: diffusers 0.30.3 loads
    # those only through accelerate, which the reference environment does not have; see layouts/)
    os.remove(os.path.join(folder, "text_encoder", "model.safetensors"))
    pipe.text_encoder.save_pretrained(os.path.join(folder, "text_encoder"), max_shard_size="60KB")
    with open(os.path.join(folder, "scheduler", "scheduler_config.json")) as f:
        text = f.read()
    assert '"lambda_min_clipped": -Infinity' in text, text
    generate(folder, StableDiffusionPipeline, CLIPTokenizer, [
        dict(name="sd_dpm_own", prompt="一只红色的狐狸在雪地里，油画", negative_prompt="两个孩子在山顶上",
             sampler=None, steps=6, guidance=7.5, seed=5, batch=1, width=32, height=32),
        dict(name="sd_dpm_karras", prompt="一座古老的灯塔在星空下", negative_prompt="",
             sampler="DPM++ 2M Karras", steps=5, guidance=6.0, seed=9, batch=2, width=32, height=32),
        dict(name="sd_dpm_euler_a", prompt="a red fox in the snow", negative_prompt="blurry",
             sampler="Euler a", steps=5, guidance=7.0, seed=3, batch=1, width=32, height=32),
    ], cases)


def write_altdiffusion_fast(cases):
    folder = os.path.join(OUT, "altdiffusion-fast")
    tokenizer = XLMRobertaTokenizerFast.from_pretrained(os.path.join(FIXTURES, "tokenizer", "xlmr"))
    assert tokenizer.model_max_length == 77
    torch.manual_seed(10)
    text_encoder = perturb_norms(RobertaSeriesModelWithTransformation(RobertaSeriesConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=37, max_position_embeddings=80, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
        eos_token_id=2, project_dim=32, has_pre_transformation=True, layer_norm_eps=1e-5, hidden_act="gelu")), 11)
    # transformers' init (std 0.02) leaves the projections' outputs so small that the tiny UNet hardly
    # looks at the text; std 1/sqrt(fan_in) makes the pictures depend on the tokens
    g = torch.Generator().manual_seed(12)
    with torch.no_grad():
        for lin in (text_encoder.transformation, text_encoder.transformation_pre):
            lin.weight.copy_(torch.randn(lin.weight.shape, generator=g) / lin.weight.shape[1] ** 0.5)
    scheduler = EulerDiscreteScheduler.from_config(SD15_SCHEDULER)
    pipe = AltDiffusionPipeline(vae=tiny_vae(14), text_encoder=text_encoder, tokenizer=tokenizer,
                                unet=tiny_unet(12, 32, True), scheduler=scheduler, safety_checker=None,
                                feature_extractor=None, requires_safety_checker=False)
    pipe.save_pretrained(folder, safe_serialization=False)
    # the text encoder again, sharded: pytorch_model-0000k-of-0000n.bin + pytorch_model.bin.index.json
    os.remove(os.path.join(folder, "text_encoder", "pytorch_model.bin"))
    pipe.text_encoder.save_pretrained(os.path.join(folder, "text_encoder"), safe_serialization=False,
                                      max_shard_size="200KB")
    tok_files = os.listdir(os.path.join(folder, "tokenizer"))
    assert "tokenizer.json" in tok_files and "sentencepiece.bpe.model" in tok_files, tok_files
    with open(os.path.join(folder, "model_index.json")) as f:
        assert json.load(f)["tokenizer"] == ["transformers", "XLMRobertaTokenizerFast"]
    generate(folder, AltDiffusionPipeline, XLMRobertaTokenizer, [
        dict(name="alt_fast_marks", prompt="Vie\u0302\u0303t Nam e\u0302\u0303 o\u0302\u0301, xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
             negative_prompt="", sampler=None, steps=5, guidance=9.0, seed=21, batch=1, width=32, height=32),
        dict(name="alt_fast_halfwidth", prompt="ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟﾌﾟ ｶﾞｷﾞｸﾞ の 猫 on the moon, oil painting",
             negative_prompt="½ ² ³ ™ ½ ² ³", sampler=None, steps=5, guidance=9.0, seed=22, batch=2, width=32,
             height=32),
        dict(name="alt_fast_dpm", prompt="ﾊﾟﾋﾟﾌﾟ 的的的的的的的的的的的的的的的的的的的的的的的的的的的的 ½ ² ³ cat",
             negative_prompt="Vie\u0302\u0303t Nam", sampler="DPM++ 2M", steps=6, guidance=12.0, seed=23, batch=1,
             width=32, height=32),
    ], cases, by_components=True)


LEGACY_TEXTS = ["a <new> b <mask> c", "x<extra>y <extra> z <new>", " <mask> end", "Vie\u0302\u0303t <new> Nam",
                "<s>one</s> <pad>", "plain text"]
EXTRA_TOKEN = {"id": 1742, "content": "<extra>", "single_word": False, "lstrip": True, "rstrip": False,
               "normalized": False, "special": False}


def write_tokenizer_legacy():
    """Tokenizer folders in transformers' legacy forms (no added_tokens_decoder in tokenizer_config.json):
    added tokens from added_tokens.json, or (also for the slow class) from tokenizer.json's "added_tokens".
    The big files are not stored: the Java test copies the fixture XLM-R sentencepiece.bpe.model and
    tokenizer.json (the latter with EXTRA_TOKEN appended to "added_tokens") as done here."""
    out = os.path.join(OUT, "tokenizer-legacy")
    src = os.path.join(FIXTURES, "tokenizer", "xlmr")
    folders = {
        "xlmr-added-tokens-json": {
            "tokenizer_config.json": {"model_max_length": 77, "tokenizer_class": "XLMRobertaTokenizer"},
            "special_tokens_map.json": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
                                        "sep_token": "</s>", "pad_token": "<pad>", "cls_token": "<s>",
                                        "mask_token": {"content": "<mask>", "single_word": False, "lstrip": True,
                                                       "rstrip": False, "normalized": False}},
            "added_tokens.json": {"<new>": 1742},
        },
        "xlmr-tokenizer-json-tokens": {
            "tokenizer_config.json": {"model_max_length": 77, "tokenizer_class": "XLMRobertaTokenizer"},
        },
    }
    records = []
    for name, files in folders.items():
        folder = os.path.join(out, name)
        os.makedirs(folder)
        for fname, content in files.items():
            with open(os.path.join(folder, fname), "w", encoding="utf-8") as f:
                json.dump(content, f, indent=1)
        work = os.path.join(OUT, "_work_" + name)
        shutil.copytree(folder, work)
        shutil.copy(os.path.join(src, "sentencepiece.bpe.model"), work)
        with_json = name == "xlmr-tokenizer-json-tokens"
        if with_json:
            with open(os.path.join(src, "tokenizer.json"), encoding="utf-8") as f:
                tj = json.load(f)
            tj["added_tokens"].append(EXTRA_TOKEN)
            with open(os.path.join(work, "tokenizer.json"), "w", encoding="utf-8") as f:
                json.dump(tj, f, ensure_ascii=False)
        slow = XLMRobertaTokenizer.from_pretrained(work)
        fast = XLMRobertaTokenizerFast.from_pretrained(work)
        rows = [dict(text=t, slow=slow(t).input_ids, fast=fast(t).input_ids) for t in LEGACY_TEXTS]
        assert any(r["slow"] != r["fast"] for r in rows), name
        shutil.rmtree(work)
        records.append(dict(folder=name, tokenizer_json_extra_token=EXTRA_TOKEN if with_json else None,
                            cases=rows))
    with open(os.path.join(out, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(records, f, ensure_ascii=False, indent=1)


def write_schedulers():
    out = os.path.join(OUT, "schedulers")
    classes = [PNDMScheduler, DDIMScheduler, EulerDiscreteScheduler, EulerAncestralDiscreteScheduler,
               LMSDiscreteScheduler, DPMSolverMultistepScheduler]
    records = []
    variants = [(c.__name__, c, {}) for c in classes]
    variants.append(("DPMSolverMultistepScheduler-karras", DPMSolverMultistepScheduler, dict(use_karras_sigmas=True)))
    for name, cls, extra in variants:
        s = cls.from_config(SD15_SCHEDULER, **extra)
        folder = os.path.join(out, name)
        s.save_pretrained(folder)
        s = cls.from_pretrained(folder)  # what loading the saved file gives
        for steps in (10, 25):
            s.set_timesteps(steps)
            sigmas = getattr(s, "sigmas", None)
            records.append(dict(folder=name, steps=steps, timesteps=[float(t) for t in s.timesteps],
                                sigmas=None if sigmas is None else [float(v) for v in sigmas]))
    with open(os.path.join(out, "schedulers.json"), "w") as f:
        json.dump(records, f, indent=1, allow_nan=False)


def write_layouts():
    out = os.path.join(OUT, "layouts")
    torch.manual_seed(30)
    vae = perturb_norms(AutoencoderKL(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",),
                                      up_block_types=("UpDecoderBlock2D",), block_out_channels=(4,),
                                      layers_per_block=1, latent_channels=2, norm_num_groups=2, sample_size=8), 31)
    torch.manual_seed(32)
    te = perturb_norms(RobertaSeriesModelWithTransformation(RobertaSeriesConfig(
        vocab_size=24, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=12,
        max_position_embeddings=20, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
        project_dim=8, has_pre_transformation=True, layer_norm_eps=1e-5, hidden_act="gelu")), 33)
    layouts = [("plain", {}, None), ("fp16", dict(variant="fp16"), "fp16"),
               ("sharded", dict(max_shard_size="2KB"), None),
               ("sharded-fp16", dict(max_shard_size="2KB", variant="fp16"), "fp16"),
               ("bin", dict(safe_serialization=False), None),
               ("bin-sharded", dict(safe_serialization=False, max_shard_size="2KB"), None),
               ("half", {}, None)]
    records = []
    for model_name, model, cls in (("vae", vae, AutoencoderKL), ("text_encoder", te, RobertaSeriesModelWithTransformation)):
        for layout, kwargs, variant in layouts:
            folder = os.path.join(out, f"{model_name}-{layout}")
            m = model
            if layout in ("half", "fp16", "sharded-fp16"):  # a variant names the file, .half() makes it fp16
                m = cls.from_pretrained(os.path.join(out, f"{model_name}-plain")).to(torch.float16)
            m.save_pretrained(folder, **kwargs)
            files = files_of(folder)
            weights = [f for f in files if f.endswith(".index.json") or f.endswith(".index.fp16.json")] or \
                      [f for f in files if f.endswith(".safetensors") or f.endswith(".bin")]
            assert len(weights) == 1, (folder, files)
            try:
                loaded = cls.from_pretrained(folder, variant=variant)
                loads = True
                ref = model.state_dict()
                for k, v in loaded.state_dict().items():
                    want = ref[k].half().float() if layout in ("fp16", "sharded-fp16", "half") else ref[k]
                    assert torch.equal(v.float(), want.float()), (folder, k)
            except Exception as e:  # e.g. diffusers' sharded loading without accelerate: TypeError
                loads = False
                print(f"{folder}: {cls.__name__}.from_pretrained(variant={variant}) fails: {str(e)[:120]}")
            records.append(dict(folder=f"{model_name}-{layout}", model=model_name, variant=variant,
                                weights=weights[0], files=files, reference_loads=loads))
    with open(os.path.join(out, "layouts.json"), "w") as f:
        json.dump(records, f, indent=1)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    cases = []
    write_sd_dpm(cases)
    write_altdiffusion_fast(cases)
    write_schedulers()
    write_layouts()
    write_tokenizer_legacy()
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(dict(versions=dict(diffusers=diffusers.__version__, transformers=transformers.__version__,
                                     torch=torch.__version__), cases=cases),
                  f, ensure_ascii=False, indent=1, allow_nan=False)
    for c in cases:
        if c["prompt_fast_ids"] != c["prompt_slow_ids"] or c["negative_prompt_fast_ids"] != c["negative_prompt_slow_ids"]:
            assert c["slow_max_diff"] > 2.0, (c["name"], "the slow tokenizer must change the picture", c["slow_max_diff"])
    for model in ("sd-dpm", "altdiffusion-fast"):
        assert sum(c["model"] == model and c["slow_max_diff"] > 2.0 for c in cases) >= 2, model
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    biggest = max((os.path.getsize(os.path.join(d, f)), f) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {len(cases)} cases, {total / 1e6:.2f} MB in all, largest file {biggest[1]} {biggest[0] / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
