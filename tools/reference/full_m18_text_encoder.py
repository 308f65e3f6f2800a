"""Full-size AltDiffusion-m18 text encoder check (not in CI; the weights are NOT committed).

    tools/reference/.venv/bin/python tools/reference/full_m18_text_encoder.py [OUT_DIR]
    tools/reference/.venv/bin/python tools/reference/full_m18_text_encoder.py --time [OUT_DIR]
      (only reloads the saved model and times forwards on the saved ids: for side-by-side timing)

Builds RobertaSeriesModelWithTransformation with the m18 config (XLM-R large: hidden 1024,
24 layers, 16 heads, intermediate 4096, vocab 250002, max_position 514, project_dim 1024,
has_pre_transformation) and seeded random weights, saves it with save_pretrained (config.json +
model.safetensors, ~2.2 GB) in OUT_DIR (default /tmp/altdiffusion_m18_full), runs it on a 2 x 77
batch of padded id sequences and writes io.safetensors (ids, mask, projection = the encoder output,
hidden_last = last hidden state) and timing.json (seconds per forward, after one warm-up run).
The Java side is RobertaSeriesFullSizeTest (tag "slow"): run
    mvn -o test -Dtest=RobertaSeriesFullSizeTest -Dtest.excludedGroups= -Daltdiffusion.fullM18Dir=OUT_DIR
"""
import json
import os
import sys
import time

import torch
from safetensors.torch import save_file

from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import (
    RobertaSeriesConfig,
    RobertaSeriesModelWithTransformation,
)

ARGS = [a for a in sys.argv[1:] if a != "--time"]
OUT = ARGS[0] if ARGS else "/tmp/altdiffusion_m18_full"
VOCAB = 250002


def main():
    torch.manual_seed(18)
    config = RobertaSeriesConfig(
        vocab_size=VOCAB, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
        intermediate_size=4096, max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5,
        project_dim=1024, has_pre_transformation=True, architectures=["RobertaSeriesModelWithTransformation"],
    )
    model = RobertaSeriesModelWithTransformation(config).eval()
    # Weights at a scale that keeps every layer busy (the library's init, normal 0.02, makes the
    # attention almost uniform); LayerNorms perturbed around (1, 0).
    g = torch.Generator().manual_seed(1018)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or "pre_LN" in name:
                p.normal_(1.0 if name.endswith("weight") else 0.0, 0.1, generator=g)
            elif "embeddings" in name:
                p.normal_(0.0, 0.5, generator=g)
            else:
                p.normal_(0.0, (p.shape[-1] if p.dim() > 1 else p.shape[0]) ** -0.5, generator=g)
    os.makedirs(OUT, exist_ok=True)
    model.save_pretrained(OUT, safe_serialization=True)

    g = torch.Generator().manual_seed(77)
    rows = [75, 20]  # one full row (75 words + <s> + </s> = 77), one padded
    ids = torch.ones((2, 77), dtype=torch.long)
    mask = torch.zeros((2, 77), dtype=torch.long)
    for i, n in enumerate(rows):
        words = torch.randint(3, VOCAB, (n,), generator=g)
        ids[i, : n + 2] = torch.cat([torch.tensor([0]), words, torch.tensor([2])])
        mask[i, : n + 2] = 1
    with torch.no_grad():
        model(input_ids=ids, attention_mask=mask)  # warm-up
        times = []
        for _ in range(3):
            start = time.perf_counter()
            out = model(input_ids=ids, attention_mask=mask)
            times.append(time.perf_counter() - start)
    save_file({"ids": ids, "mask": mask, "projection": out.projection_state.contiguous(),
               "hidden_last": out.last_hidden_state.contiguous()}, os.path.join(OUT, "io.safetensors"))
    with open(os.path.join(OUT, "timing.json"), "w") as f:
        json.dump({"seconds_per_forward": times, "threads": torch.get_num_threads()}, f)
    print("saved", OUT, "forward seconds", ["%.3f" % t for t in times], "threads", torch.get_num_threads())


def time_only():
    from safetensors.torch import load_file

    model = RobertaSeriesModelWithTransformation.from_pretrained(OUT).eval()
    io = load_file(os.path.join(OUT, "io.safetensors"))
    with torch.no_grad():
        model(input_ids=io["ids"], attention_mask=io["mask"])  # warm-up
        times = []
        for _ in range(3):
            start = time.perf_counter()
            out = model(input_ids=io["ids"], attention_mask=io["mask"])
            times.append(time.perf_counter() - start)
    diff = (out.projection_state - io["projection"]).abs().max().item()
    print("python forward seconds", ["%.3f" % t for t in times], "best %.3f" % min(times),
          "threads", torch.get_num_threads(), "diff vs saved", diff)


if __name__ == "__main__":
    time_only() if "--time" in sys.argv[1:] else main()
