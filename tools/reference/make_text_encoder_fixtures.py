"""Reference fixtures for the text encoders (org.altdiffusion.models.text).

Regenerate (deterministic, CPU, a few seconds):
    tools/reference/.venv/bin/python tools/reference/make_text_encoder_fixtures.py

Writes src/test/resources/fixtures/text/<model>/ for five tiny random models:
  m9         RobertaSeriesModelWithTransformation, no pre-transformation (output transformation(last))
  m18        RobertaSeriesModelWithTransformation, has_pre_transformation (transformation_pre(pre_LN(hs[-2])))
  clip_quick CLIPTextModel, quick_gelu, legacy eos_token_id 2 (pooled = argmax of the ids)
  clip_gelu  CLIPTextModel, gelu, eos_token_id 3 below the word ids (pooled = first eos, not the
             argmax of the ids), pads with 0
  clip_proj  CLIPTextModelWithProjection, quick_gelu, eos_token_id set
Each folder: config.json, model.safetensors, pytorch_model.bin (both from save_pretrained) and
io.safetensors with the inputs and the reference outputs:
  ids_<case> [B, T] int64, mask_<case> [B, T] int64 (absent for a case run without a mask), and
  RoBERTa series: projection_<case> (the model output), hidden_<case>_<i> (all hidden states:
        0 = embeddings, last = last_hidden_state)
  CLIP: last_<case> (final-LN), penultimate_<case> (hidden_states[-2], raw), pooled_<case>,
        text_embeds_<case> (clip_proj only)
Weights are re-drawn at a larger scale than the library's init so that every layer matters.
"""
import json
import os
import shutil

import torch
from safetensors.torch import save_file
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import (
    RobertaSeriesConfig,
    RobertaSeriesModelWithTransformation,
)

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "fixtures", "text")
VOCAB = 100


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or "layer_norm" in name or "pre_LN" in name:
                base = 1.0 if name.endswith("weight") else 0.0
                p.copy_(base + 0.1 * torch.randn(p.shape, generator=g))
            elif "embedding" in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                fan_in = p.shape[-1] if p.dim() > 1 else p.shape[0]
                p.copy_(torch.randn(p.shape, generator=g) / fan_in**0.5)


def save(model, name, tensors):
    out = os.path.join(ROOT, name)
    shutil.rmtree(out, ignore_errors=True)
    model.save_pretrained(out, safe_serialization=True)
    model.save_pretrained(out + "_bin", safe_serialization=False)
    shutil.move(os.path.join(out + "_bin", "pytorch_model.bin"), os.path.join(out, "pytorch_model.bin"))
    shutil.rmtree(out + "_bin")
    save_file({k: v.clone().contiguous() for k, v in tensors.items()}, os.path.join(out, "io.safetensors"))
    with open(os.path.join(out, "config.json")) as f:
        print(name, "config keys:", sorted(json.load(f).keys()))


def padded(rows, length, pad):
    ids = torch.full((len(rows), length), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    return ids, mask


def xlmr_cases(g):
    # fairseq ids: <s>=0, <pad>=1, </s>=2; words drawn from 3..VOCAB-1.
    def sentence(n):
        return [0] + torch.randint(3, VOCAB, (n,), generator=g).tolist() + [2]

    a_ids, a_mask = padded([sentence(75), sentence(12), sentence(0)], 77, 1)  # full row, short, empty
    b_ids, b_mask = padded([sentence(5), sentence(7)], 9, 1)
    # case c: ids with padding but no mask given (the reference then attends to everything;
    # padding still gets position id 1)
    c_ids, _ = padded([sentence(3), sentence(6)], 8, 1)
    return {"a": (a_ids, a_mask), "b": (b_ids, b_mask), "c": (c_ids, None)}


def roberta_series(name, seed, pre):
    config = RobertaSeriesConfig(
        vocab_size=VOCAB, hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
        intermediate_size=37, max_position_embeddings=80, type_vocab_size=1, layer_norm_eps=1e-5,
        project_dim=24, has_pre_transformation=pre,
        architectures=["RobertaSeriesModelWithTransformation"],
    )
    torch.manual_seed(seed)
    model = RobertaSeriesModelWithTransformation(config).eval()
    randomize(model, seed)
    g = torch.Generator().manual_seed(seed + 1)
    io = {}
    with torch.no_grad():
        for case, (ids, mask) in xlmr_cases(g).items():
            out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
            io["ids_" + case] = ids
            if mask is not None:
                io["mask_" + case] = mask
            io["projection_" + case] = out.projection_state
            for i, h in enumerate(out.hidden_states):
                io[f"hidden_{case}_{i}"] = h
    save(model, name, io)


def clip_cases(g, eos, pad, low):
    bos = VOCAB - 2

    def sentence(n):
        return [bos] + torch.randint(low, VOCAB - 2, (n,), generator=g).tolist() + [eos]

    a_ids, a_mask = padded([sentence(75), sentence(10), sentence(0)], 77, pad)
    b_ids, b_mask = padded([sentence(4), sentence(2)], 7, pad)
    return {"a": (a_ids, a_mask), "b": (b_ids, None)}


def clip(name, seed, cls, act, eos_token_id, pad, projection_dim=None):
    # The pooled token must tell the two reference rules apart: with the legacy eos_token_id 2 the
    # sentences end with the top id and words include 2 (first-2 != argmax); with a small eos id
    # the words lie above it (argmax != first eos).
    config = CLIPTextConfig(
        vocab_size=VOCAB, hidden_size=32, intermediate_size=37, num_hidden_layers=3,
        num_attention_heads=4, max_position_embeddings=77, hidden_act=act, layer_norm_eps=1e-5,
        projection_dim=projection_dim or 512, bos_token_id=VOCAB - 2, eos_token_id=eos_token_id,
        pad_token_id=pad,
    )
    eos = VOCAB - 1 if eos_token_id == 2 else eos_token_id  # the legacy config's tokenizer ends with the top id
    low = 0 if eos == VOCAB - 1 else eos + 1
    torch.manual_seed(seed)
    model = cls(config).eval()
    randomize(model, seed)
    g = torch.Generator().manual_seed(seed + 1)
    io = {}
    with torch.no_grad():
        for case, (ids, mask) in clip_cases(g, eos, pad, low).items():
            out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
            io["ids_" + case] = ids
            if mask is not None:
                io["mask_" + case] = mask
            io["last_" + case] = out.last_hidden_state
            io["penultimate_" + case] = out.hidden_states[-2]
            if cls is CLIPTextModelWithProjection:
                io["text_embeds_" + case] = out.text_embeds
                # the pooled vector itself is not returned by this class: recompute the reference's way
                io["pooled_" + case] = model.text_model(input_ids=ids, attention_mask=mask).pooler_output
            else:
                io["pooled_" + case] = out.pooler_output
    save(model, name, io)


def main():
    torch.use_deterministic_algorithms(True)
    roberta_series("m9", 9, pre=False)
    roberta_series("m18", 18, pre=True)
    clip("clip_quick", 101, CLIPTextModel, "quick_gelu", eos_token_id=2, pad=VOCAB - 1)
    clip("clip_gelu", 102, CLIPTextModel, "gelu", eos_token_id=3, pad=0)
    clip("clip_proj", 103, CLIPTextModelWithProjection, "quick_gelu", eos_token_id=VOCAB - 1, pad=VOCAB - 1,
         projection_dim=20)


if __name__ == "__main__":
    main()
