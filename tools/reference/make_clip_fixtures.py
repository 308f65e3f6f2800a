"""Reference fixtures for the CLIP scorers: transformers 4.44.2's AltCLIPModel and CLIPModel on tiny
random configs, and CLIPImageProcessor's preprocessing.

Regenerate (deterministic: fixed seeds, CPU, float32):

    tools/reference/.venv/bin/python tools/reference/make_clip_fixtures.py

Writes src/test/resources/fixtures/clip/:
  altclip/     AltCLIPModel.save_pretrained (config.json with text_config/vision_config,
               model.safetensors)
  clip/        CLIPModel.save_pretrained
  outputs.npz  input_ids, attention_mask (int64, padded rows), pixel_values (float32) and per model m
               (altclip, clip): m_text_embeds, m_image_embeds (unit vectors), m_logits_per_image
  scorer/      a tiny AltCLIP folder with the tiny pipeline's XLM-R tokenizer and a 32x32 processor;
               scorer_scores.npz: torchmetrics-style CLIP scores (scores) and cosines (cos) of 4
               captions with processor pictures 0, 7, 12, 21
  processor/   preprocessor_config.json (shortest_edge 70, crop 64, CLIP's mean/std), img_NN.png
               (22 RGB pictures of odd sizes, smaller and larger than 70), processed.npz: per picture
               crop_NN (uint8 [3, 64, 64]: PIL bicubic resize of the short side + centre crop,
               before rescale/normalise), pixel_values_NN (float32, what the processor returns) and
               vertical_first_NN (1 where Pillow ran the vertical pass first)
"""

import os

import numpy as np
import torch
from PIL import Image
from transformers import AltCLIPConfig, AltCLIPModel, CLIPConfig, CLIPImageProcessor, CLIPModel

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "fixtures", "clip")

VISION = dict(hidden_size=32, intermediate_size=64, num_attention_heads=4, num_hidden_layers=2,
              image_size=32, patch_size=8, projection_dim=16, hidden_act="quick_gelu")


def tiny_altclip():
    text = dict(vocab_size=120, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=64, max_position_embeddings=40, type_vocab_size=1, pad_token_id=1,
                project_dim=24, hidden_act="gelu")
    config = AltCLIPConfig(text_config=text, vision_config=VISION, projection_dim=16)
    torch.manual_seed(0)
    model = AltCLIPModel(config).eval()
    with torch.no_grad():  # not the init value, so that a missed exp() shows
        model.logit_scale.fill_(2.3)
    return model


def tiny_clip():
    text = dict(vocab_size=120, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=64, max_position_embeddings=16, projection_dim=16, eos_token_id=2,
                bos_token_id=0, pad_token_id=1)
    config = CLIPConfig(text_config=text, vision_config=VISION, projection_dim=16)
    torch.manual_seed(1)
    model = CLIPModel(config).eval()
    with torch.no_grad():
        model.logit_scale.fill_(1.7)
    return model


def models_fixture():
    g = torch.Generator().manual_seed(5)
    ids = torch.randint(3, 120, (3, 12), generator=g)
    mask = torch.ones_like(ids)
    ids[:, 0] = 0  # <s>
    ids[0, 11] = 2  # </s>
    ids[1, 7] = 2
    ids[1, 8:] = 1  # padding
    mask[1, 8:] = 0
    ids[2, 4] = 2
    ids[2, 5:] = 1
    mask[2, 5:] = 0
    pixels = torch.randn((2, 3, 32, 32), generator=g)
    out = {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "pixel_values": pixels.numpy()}
    for name, model in (("altclip", tiny_altclip()), ("clip", tiny_clip())):
        model.save_pretrained(os.path.join(OUT, name), safe_serialization=True)
        with torch.no_grad():
            r = model(input_ids=ids, attention_mask=mask, pixel_values=pixels)
        out[f"{name}_text_embeds"] = r.text_embeds.numpy()
        out[f"{name}_image_embeds"] = r.image_embeds.numpy()
        out[f"{name}_logits_per_image"] = r.logits_per_image.numpy()
        print(name, r.logits_per_image)
    np.savez(os.path.join(OUT, "outputs.npz"), **out)


def picture(rng, w, h):
    """Smooth gradients with noise: content that resampling filters treat differently."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255.0 / max(w - 1, 1), y * 255.0 / max(h - 1, 1), (x + y) % 64 * 4.0], -1)
    noisy = base + rng.randn(h, w, 3) * 30
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def pass_order(im, resized):
    """Which pass Pillow ran first: Pillow 13 runs the vertical pass first for some sizes (its rule
    is not in its public sources of 13.0.0.dev0); the two orders round differently."""
    h, w = resized.shape[:2]
    horizontal = np.array(im.resize((w, im.height), 3).resize((w, h), 3))
    vertical = np.array(im.resize((im.width, h), 3).resize((w, h), 3))
    if (resized == horizontal).all():
        return "horizontal"
    assert (resized == vertical).all(), "neither pass order gives Pillow's resize"
    return "vertical"


def processor_fixture():
    folder = os.path.join(OUT, "processor")
    os.makedirs(folder, exist_ok=True)
    proc = CLIPImageProcessor(size={"shortest_edge": 70}, crop_size={"height": 64, "width": 64})
    proc.save_pretrained(folder)
    rng = np.random.RandomState(11)
    sizes = [(31, 47), (47, 31), (70, 70), (71, 69), (69, 71), (13, 97), (97, 13), (101, 150), (150, 101),
             (33, 33), (140, 71), (71, 140), (199, 77), (77, 199), (64, 65), (123, 45), (45, 123),
             (210, 211), (35, 90), (90, 35), (255, 129), (17, 17)]
    out = {}
    for i, (w, h) in enumerate(sizes):
        im = picture(rng, w, h)
        im.save(os.path.join(folder, f"img_{i:02d}.png"))
        # the processor's steps up to the crop, on uint8 (resize through PIL, no rescale first)
        arr = np.array(im)
        resized = proc.resize(arr, size=proc.size, resample=proc.resample)
        crop = proc.center_crop(resized, size=proc.crop_size)
        out[f"crop_{i:02d}"] = np.ascontiguousarray(crop.transpose(2, 0, 1)).astype(np.uint8)
        out[f"pixel_values_{i:02d}"] = proc(images=im, return_tensors="np")["pixel_values"][0]
        out[f"vertical_first_{i:02d}"] = np.int64(pass_order(im, resized) == "vertical")
    np.savez(os.path.join(folder, "processed.npz"), **out)


def scorer_fixture():
    """A tiny AltCLIP folder as BAAI/AltCLIP-m18 ships one (model, tokenizer, preprocessor) and the
    CLIP scores torchmetrics' CLIPScore computes with it: 100 * max(cos, 0), text padded."""
    import shutil

    from transformers import AltCLIPProcessor, XLMRobertaTokenizerFast

    folder = os.path.join(OUT, "scorer")
    text = dict(vocab_size=1742, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=64, max_position_embeddings=80, project_dim=24)
    config = AltCLIPConfig(text_config=text, vision_config=VISION, projection_dim=16)
    torch.manual_seed(2)
    model = AltCLIPModel(config).eval()
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer_dir = os.path.join(os.path.dirname(OUT), "pipeline", "tiny-altdiffusion", "tokenizer")
    for f in os.listdir(tokenizer_dir):
        shutil.copy(os.path.join(tokenizer_dir, f), folder)
    proc = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    proc.save_pretrained(folder)
    processor = AltCLIPProcessor(image_processor=proc, tokenizer=XLMRobertaTokenizerFast.from_pretrained(folder))
    captions = ["a red circle", "一个红色的圆形", "un grand triangle vert", "赤い円"]
    images = [Image.open(os.path.join(OUT, "processor", f"img_{i:02d}.png")).convert("RGB") for i in (0, 7, 12, 21)]
    inputs = processor(text=captions, images=images, return_tensors="pt", padding=True)
    with torch.no_grad():
        r = model(**inputs)
    cos = (r.text_embeds * r.image_embeds).sum(-1)
    scores = (100 * cos.clamp(min=0)).numpy()
    print("scores", scores, "cos", cos)
    np.savez(os.path.join(OUT, "scorer_scores.npz"), scores=scores.astype(np.float64), cos=cos.numpy().astype(np.float64))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    models_fixture()
    processor_fixture()
    scorer_fixture()
