"""Reference outputs of a full-size AltCLIPModel (AltCLIP-m18's shapes: XLM-R large text tower,
ViT-L/14 vision tower, projection 768) with random weights, for the slow parity test.

Regenerate (deterministic; about 4 GB of memory and a minute or two on 2 cores):

    tools/reference/.venv/bin/python tools/reference/make_altclip_fullsize_fixtures.py

The weights are not stored (3.5 GB): both sides draw them key by key in the order of
src/test/resources/fixtures/clip/fullsize/keys.txt ("name shape... scale offset") from one torch
generator seeded 0, as t = randn(shape) * scale + offset. Writes there:
  config.json   the model's config (save_pretrained's, without weights)
  keys.txt      the draw order and rule
  outputs.npz   input_ids, attention_mask, text_embeds, image_embeds, logits_per_image; the pixel
                values are randn((2, 3, 224, 224)) from a generator seeded 6
"""

import os

import numpy as np
import torch
from transformers import AltCLIPConfig, AltCLIPModel

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "fixtures", "clip", "fullsize")


def rule(name, shape):
    if len(shape) == 0:
        return 0.0, 2.3  # logit_scale
    if len(shape) >= 2:
        return float(1.0 / np.sqrt(np.prod(shape[1:]))), 0.0
    norm = any(k in name for k in ("LayerNorm.weight", "layer_norm1.weight", "layer_norm2.weight", "pre_LN.weight", "layrnorm.weight", "layernorm.weight"))
    return (0.1, 1.0) if norm else (0.02, 0.0)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(2)
    vision = dict(hidden_size=1024, intermediate_size=4096, num_attention_heads=16, num_hidden_layers=24,
                  image_size=224, patch_size=14, projection_dim=768)
    config = AltCLIPConfig(text_config=dict(project_dim=768), vision_config=vision, projection_dim=768)
    config.save_pretrained(OUT)
    with torch.device("meta"):
        model = AltCLIPModel(config)
    g = torch.Generator().manual_seed(0)
    state, lines = {}, []
    for name, t in model.state_dict().items():
        scale, offset = rule(name, tuple(t.shape))
        state[name] = torch.randn(tuple(t.shape), generator=g) * scale + offset
        lines.append(" ".join([name] + [str(s) for s in t.shape] + [repr(scale), repr(offset)]))
    with open(os.path.join(OUT, "keys.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    model.load_state_dict(state, assign=True)
    # the non-persistent buffers stayed on the meta device: made here as the model makes them
    emb = model.text_model.roberta.embeddings
    emb.position_ids = torch.arange(config.text_config.max_position_embeddings).expand((1, -1))
    emb.token_type_ids = torch.zeros(emb.position_ids.size(), dtype=torch.long)
    vemb = model.vision_model.embeddings
    vemb.position_ids = torch.arange(vemb.num_positions).expand((1, -1))
    model.eval()
    g2 = torch.Generator().manual_seed(5)
    ids = torch.randint(3, 250002, (2, 10), generator=g2)
    ids[:, 0] = 0
    ids[0, 9] = 2
    ids[1, 6] = 2
    ids[1, 7:] = 1
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0
    pixels = torch.randn((2, 3, 224, 224), generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        r = model(input_ids=ids, attention_mask=mask, pixel_values=pixels)
    print(r.logits_per_image)
    np.savez(os.path.join(OUT, "outputs.npz"), input_ids=ids.numpy(), attention_mask=mask.numpy(),
             text_embeds=r.text_embeds.numpy(),
             image_embeds=r.image_embeds.numpy(), logits_per_image=np.ascontiguousarray(r.logits_per_image.numpy()))


if __name__ == "__main__":
    main()
