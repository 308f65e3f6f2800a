"""The official OpenAI Python client (openai==3.63.0 from PyPI, unmodified) against our server's
OpenAI images API (/v1/images/..., /v1/models).

Run by hand (not part of CI):
    tools/reference/.venv/bin/pip install openai==3.63.0
    ./altdiffusion serve --port 7864 --output /tmp/altdiffusion-out --api-token secret &
    tools/reference/.venv/bin/python tools/reference/check_openai_client.py --port 7864 \
        --token secret --out /tmp/altdiffusion-check
Only loopback addresses are used. Exits non-zero when an answer is not what OpenAI's API gives.
"""
import argparse, base64, io, json, os, sys, urllib.request

import openai
from openai import OpenAI
from PIL import Image

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, default=7864)
ap.add_argument("--token", default=None, help="the server's --api-token, if it has one")
ap.add_argument("--out", default="/tmp/altdiffusion-check", help="where the PNGs are written")
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)
base = f"http://127.0.0.1:{a.port}"
client = OpenAI(base_url=base + "/v1", api_key=a.token or "no-token", max_retries=0, timeout=600)
print("openai", openai.__version__, "->", base)


def check(cond, what):
    if not cond:
        print("FAILED:", what)
        sys.exit(1)


models = client.models.list()
ids = [m.id for m in models.data]
print("models.list():", ids, "| object:", models.data[0].object, "owned_by:", models.data[0].owned_by)
check(len(ids) > 0 and all(m.object == "model" for m in models.data), "models in OpenAI's shape")

# generate: an OpenAI model name means the server's current model; seed/steps are our extra fields
r = client.images.generate(model="dall-e-3", prompt="一只红色的猫", n=1, size="64x64",
                           response_format="b64_json", quality="standard",
                           extra_body={"seed": 42, "steps": 6})
png = base64.b64decode(r.data[0].b64_json)
path = os.path.join(a.out, "openai-generate.png")
with open(path, "wb") as f:
    f.write(png)
img = Image.open(io.BytesIO(png))
img.load()  # text chunks after the pixels are read on load
print("images.generate():", len(r.data), "image(s), created", r.created, "| saved", path, img.size,
      "| parameters:", img.info.get("parameters", "").replace("\n", " / ")[:110])
check(img.size == (64, 64) and png[:8] == b"\x89PNG\r\n\x1a\n", "a 64x64 PNG")

# url answers: the picture is kept by the server and fetched with the same token
r = client.images.generate(prompt="a lighthouse", size="64x64", response_format="url",
                           extra_body={"steps": 4, "seed": 1})
req = urllib.request.Request(r.data[0].url)
if a.token:
    req.add_header("Authorization", "Bearer " + a.token)
fetched = urllib.request.urlopen(req).read()
print("images.generate(response_format='url'):", r.data[0].url.replace(base, ""), "->",
      Image.open(io.BytesIO(fetched)).size)

# edit: img2img of the uploaded picture (no mask)
with open(path, "rb") as f:
    e = client.images.edit(image=f, prompt="一只蓝色的猫", n=2, size="64x64",
                           extra_body={"steps": 6, "strength": 0.6, "seed": 3})
edited = [Image.open(io.BytesIO(base64.b64decode(d.b64_json))) for d in e.data]
epath = os.path.join(a.out, "openai-edit.png")
edited[0].save(epath)
print("images.edit():", len(e.data), "image(s)", [i.size for i in edited], "| saved", epath,
      "| parameters:", edited[0].info.get("parameters", "").replace("\n", " / ")[:110])
check(len(edited) == 2 and edited[0].size == (64, 64), "two 64x64 edits")

with open(path, "rb") as f:
    v = client.images.create_variation(image=f, n=1, extra_body={"steps": 6})
print("images.create_variation():", Image.open(io.BytesIO(base64.b64decode(v.data[0].b64_json))).size)

# our A1111 extras: variation seeds (and styles when the server has a --styles file), via extra_body
styles = [st["name"] for st in json.load(urllib.request.urlopen(urllib.request.Request(
    base + "/sdapi/v1/prompt-styles", headers={"Authorization": "Bearer " + a.token} if a.token else {})))]
extra = {"steps": 4, "seed": 5, "subseed": 9, "subseed_strength": 0.4, "styles": styles[:1]}
r = client.images.generate(prompt="a lighthouse", size="64x64", extra_body=extra)
info = Image.open(io.BytesIO(base64.b64decode(r.data[0].b64_json))).info.get("parameters", "")
print("images.generate(extra_body=subseed, styles", styles[:1], "):", info.replace("\n", " / ")[:160])
check("Variation seed: 9" in info, "variation seed in the infotext")
with open(path, "rb") as f:
    e = client.images.edit(image=f, prompt="a boat", size="64x64", extra_body=extra)
info = Image.open(io.BytesIO(base64.b64decode(e.data[0].b64_json))).info.get("parameters", "")
print("images.edit(extra_body=subseed, styles):", info.replace("\n", " / ")[:160])
check("Variation seed: 9" in info, "variation seed in the edit's infotext")

# what is refused, as the client raises it
# (a mask with transparent pixels is inpainting; one of another size than the image is refused)
mask = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
buf = io.BytesIO()
mask.save(buf, "PNG")
try:
    with open(path, "rb") as f:
        client.images.edit(image=f, mask=("mask.png", buf.getvalue(), "image/png"), prompt="x")
    check(False, "a mask of another size is refused")
except openai.BadRequestError as ex:
    print("edit with a 32x32 mask for a 64x64 image ->", ex.status_code, ex.body)
try:
    client.images.generate(model="no-such-model", prompt="x")
    check(False, "an unknown model is refused")
except openai.NotFoundError as ex:
    print("unknown model ->", ex.status_code, ex.body["code"], "|", ex.body["message"][:80])
try:
    client.images.generate(prompt="x", size="100x100")
    check(False, "a size that is no multiple of 8 is refused")
except openai.BadRequestError as ex:
    print("size 100x100 ->", ex.status_code, ex.body["param"], "|", ex.body["message"])
if a.token:
    try:
        OpenAI(base_url=base + "/v1", api_key="wrong", max_retries=0).models.list()
        check(False, "a wrong key is refused")
    except openai.AuthenticationError as ex:
        print("wrong api key ->", ex.status_code, ex.body["code"], "|", ex.body["message"])
print("OK")
