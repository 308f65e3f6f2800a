"""A1111 prompt syntax through `serve`, from an unmodified AUTOMATIC1111 client (webuiapi 0.9.17).

Run by hand (not part of CI):
    ./altdiffusion serve --port 7864 --embeddings src/test/resources/fixtures/prompts/embeddings &
    tools/reference/.venv/bin/python tools/reference/check_webuiapi_prompts.py
Weights change the picture; a 30-clause prompt (well over one 75-token chunk) and a longer
negative prompt give images; prompt editing and an unclosed bracket get A1111's answers here
(422 with the construct named / an image).
"""
import base64
import io

import numpy as np
import requests
import webuiapi

URL = "http://127.0.0.1:7864"
api = webuiapi.WebUIApi(host="127.0.0.1", port=7864)


def pixels(r):
    return np.asarray(r.image.convert("RGB"), dtype=np.int16)


common = dict(seed=42, steps=6, width=32, height=32, sampler_name="Euler a", cfg_scale=7)
plain = api.txt2img(prompt="a big red circle on the left", negative_prompt="blurry", **common)
weighted = api.txt2img(prompt="a big (red:1.4) circle on the [left]", negative_prompt="blurry", **common)
print("weights: max channel difference", int(np.abs(pixels(plain) - pixels(weighted)).max()), "/255")
print("  infotext:", weighted.info["infotexts"][0].replace("\n", " / ")[:120])
clauses = ", ".join(["ein großer roter Kreis links", "一个蓝色的小方块在右边", "a small green star at the top"] * 10)
long = api.txt2img(prompt=clauses, negative_prompt="(blurry:1.2), " * 40, **common)
print("30 clauses (", len(clauses), "characters ):", long.image.size, "prompt kept whole in the infotext:",
      long.info["prompt"] == clauses)
emb = requests.get(URL + "/sdapi/v1/embeddings").json()
print("embeddings:", {k: (v["vectors"], v["shape"]) for k, v in emb["loaded"].items()}, "skipped:", list(emb["skipped"]))
bad = requests.post(URL + "/sdapi/v1/txt2img", json={"prompt": "a [cat:dog:0.5]", "steps": 2, "width": 32, "height": 32})
print("prompt editing:", bad.status_code, bad.json().get("detail", bad.text)[:140])
lenient = api.txt2img(prompt="a (red circle", **common)
print("unclosed bracket:", lenient.image.size, "(weights to the end, as A1111)")
odd = api.txt2img(prompt="(circle:abc)", **common)
print("(circle:abc):", odd.image.size, "(text, as A1111)")
