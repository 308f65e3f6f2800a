"""Checks a teacher CLIP folder written by our Java TinyClip.save against the reference libraries.

Run by hand after the Java test has written a small seeded teacher (TinyClipTest writes it):
    mvn -q -o test -Dtest=TinyClipTest
    tools/reference/.venv/bin/python tools/reference/check_tiny_clip.py [folder] [--write-fixture]

Default folder: target/tiny-clip-written-by-java. Any folder written by
`./altdiffusion tiny train-clip --out DIR` works too (then only the comparison with the Java outputs
is skipped unless DIR has java_outputs.json).

Checks:
  - text_encoder/ loads with transformers' CLIPTextModel.from_pretrained with no missing or unexpected
    keys, tokenizer/ with CLIPTokenizer; projections.safetensors holds CLIPModel's text_projection /
    visual_projection / logit_scale.
  - The pooled end-of-text vectors (CLIPTextModel's pooler_output), the unit text embeddings
    (text_projection of the pooled vector) and the unit image embeddings (image_encoder/ run by the
    PyTorch re-implementation below, then visual_projection) of the probe inputs equal the Java
    outputs in java_outputs.json (max abs error printed; exit status 1 above 2e-5).

--write-fixture writes src/test/resources/fixtures/tiny/clip_reference.json (the reference values of
the probe inputs) for TinyClipTest. The Java folder is deterministic (seeded initialisation), so the
fixture changes only when the initialisation or the small test configuration does.
"""

import json
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from transformers import CLIPTextModel, CLIPTokenizer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURE = os.path.join(ROOT, "src", "test", "resources", "fixtures", "tiny", "clip_reference.json")
CAPTIONS = ["a red circle", "a small blue square on the left", "an orange heart at the top",
            "a large black star in the centre", "a green triangle on the right"]
TOLERANCE = 2e-5


def probe_pixels():
    """The same deterministic pictures as TinyClipTest.probePixels: sin(0.0123 * arange) as [2, 3, 64, 64]."""
    return torch.arange(2 * 3 * 64 * 64, dtype=torch.float32).mul(0.0123).sin().view(2, 3, 64, 64)


def image_tower(weights, config, pixels):
    """TinyImageEncoder: patch stem, blocks (strided conv + GN + SiLU, residual conv + GN + SiLU), flatten, linear, LayerNorm."""
    p = config["patch_size"]
    groups = config["norm_num_groups"]
    h = F.silu(F.conv2d(pixels, weights["conv_in.weight"], weights["conv_in.bias"], stride=p))
    for i in range(len(config["block_out_channels"])):
        b = f"blocks.{i}."
        h = F.conv2d(h, weights[b + "downsample.weight"], weights[b + "downsample.bias"], stride=2, padding=1)
        h = F.silu(F.group_norm(h, groups, weights[b + "norm1.weight"], weights[b + "norm1.bias"], 1e-5))
        r = F.conv2d(h, weights[b + "conv.weight"], weights[b + "conv.bias"], padding=1)
        h = h + F.silu(F.group_norm(r, groups, weights[b + "norm2.weight"], weights[b + "norm2.bias"], 1e-5))
    h = F.linear(h.flatten(1), weights["proj.weight"], weights["proj.bias"])
    return F.layer_norm(h, (config["hidden_size"],), weights["post_layernorm.weight"], weights["post_layernorm.bias"],
                        config["layer_norm_eps"])


def unit(x):
    return x / x.norm(dim=-1, keepdim=True)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    folder = args[0] if args else os.path.join(ROOT, "target", "tiny-clip-written-by-java")
    write_fixture = "--write-fixture" in sys.argv

    text_model, info = CLIPTextModel.from_pretrained(os.path.join(folder, "text_encoder"), output_loading_info=True)
    text_model.eval()
    problems = [f"{k}: {v}" for k, v in info.items() if v]
    tokenizer = CLIPTokenizer.from_pretrained(os.path.join(folder, "tokenizer"))
    heads = load_file(os.path.join(folder, "projections.safetensors"))
    if sorted(heads) != ["logit_scale", "text_projection.weight", "visual_projection.weight"]:
        problems.append(f"projections.safetensors holds {sorted(heads)}")
    image_config = json.load(open(os.path.join(folder, "image_encoder", "config.json")))
    image_weights = load_file(os.path.join(folder, "image_encoder", "model.safetensors"))
    print(f"CLIPTextModel: {sum(p.numel() for p in text_model.parameters())} parameters, loading info {info}; "
          f"image encoder: {sum(t.numel() for t in image_weights.values())} parameters; logit_scale {heads['logit_scale'].item():.6f}")

    with torch.no_grad():
        batch = tokenizer(CAPTIONS, padding="max_length", max_length=tokenizer.model_max_length, truncation=True, return_tensors="pt")
        pooled = text_model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).pooler_output
        text_embeds = unit(F.linear(pooled, heads["text_projection.weight"]))
        image_embeds = unit(F.linear(image_tower(image_weights, image_config, probe_pixels()), heads["visual_projection.weight"]))
    reference = {
        "generated_by": "tools/reference/check_tiny_clip.py --write-fixture (folder written by TinyClipTest)",
        "captions": CAPTIONS,
        "logit_scale": heads["logit_scale"].item(),
        "pooled_text": pooled.flatten().tolist(),
        "text_embeds": text_embeds.flatten().tolist(),
        "image_embeds": image_embeds.flatten().tolist(),
    }

    java_file = os.path.join(folder, "java_outputs.json")
    if os.path.exists(java_file):
        java = json.load(open(java_file))
        for key in ("pooled_text", "text_embeds", "image_embeds"):
            err = (torch.tensor(java[key]) - torch.tensor(reference[key])).abs().max().item()
            print(f"{key}: max abs error {err:.2e} over {len(java[key])} values")
            if err > TOLERANCE:
                problems.append(f"{key} differs by {err}")
    else:
        print(f"no {java_file}: reference computed, nothing to compare")

    if write_fixture:
        os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
        with open(FIXTURE, "w") as f:
            json.dump(reference, f, indent=1)
            f.write("\n")
        print(f"wrote {os.path.normpath(FIXTURE)}")
    for p in problems:
        print("PROBLEM:", p)
    print("OK" if not problems else "FAILED")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
