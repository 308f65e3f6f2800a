"""An unmodified AUTOMATIC1111 client library (webuiapi 0.9.17 from PyPI) against our server.

Run by hand (not part of CI):
    tools/reference/.venv/bin/pip install webuiapi==0.9.17
    ./altdiffusion serve --models DIR_WITH_A_MODEL --port 7863 &
    tools/reference/.venv/bin/python tools/reference/check_webuiapi_client.py
"""
import threading, time, webuiapi
api = webuiapi.WebUIApi(host="127.0.0.1", port=7863)
print("samplers:", [s["name"] for s in api.get_samplers()][:4], "models:", [m["title"] for m in api.get_sd_models()])
r = api.txt2img(prompt="一只红色的猫", negative_prompt="blurry", seed=42, steps=6, width=32, height=32, sampler_name="Euler a", cfg_scale=7)
print("txt2img:", r.image.size, "seed", r.info["seed"], "| infotext:", r.info["infotexts"][0].replace("\n", " / "))
import base64, io, requests
raw = base64.b64decode(r.json["images"][0])  # the PNG exactly as the server sent it
pi = requests.post("http://127.0.0.1:7863/sdapi/v1/png-info", json={"image": base64.b64encode(raw).decode()}).json()
print("png-info:", pi["info"].replace("\n", " / ")[:120])
r2 = api.img2img(images=[r.image], prompt="a blue cat", denoising_strength=0.6, seed=7, steps=6, width=32, height=32)
print("img2img:", r2.image.size, "|", r2.info["infotexts"][0].replace("\n", " / ")[:140])
# inpainting: webuiapi's img2img with mask_image (A1111's mask, inpainting_fill 0 "fill" by default
# in webuiapi, inpaint_full_res False here); white = repaint the right half
from PIL import Image, ImageDraw
orig = r.image.convert("RGB")
mask = Image.new("L", orig.size, 0)
ImageDraw.Draw(mask).rectangle([orig.width // 2, 0, orig.width, orig.height], fill=255)
r3 = api.img2img(images=[orig], mask_image=mask, prompt="右边一个蓝色的星星", denoising_strength=0.75, seed=11,
                 steps=6, width=32, height=32, mask_blur=2, inpainting_fill=0, inpaint_full_res=False)
out = r3.image.convert("RGB")
far = [(x, y) for y in range(orig.height) for x in range(orig.width // 2 - 6)]  # beyond the blur
kept = sum(1 for p in far if max(abs(a - b) for a, b in zip(orig.getpixel(p), out.getpixel(p))) <= 2)
right = [(x, y) for y in range(orig.height) for x in range(orig.width // 2, orig.width)]
changed = sum(1 for p in right if orig.getpixel(p) != out.getpixel(p))
print("inpaint:", out.size, "| left of the mask within 2/255:", kept, "/", len(far), "| right half changed:", changed, "/", len(right))
print("inpaint infotext:", r3.info["infotexts"][0].replace("\n", " / ")[:220])
r4 = api.img2img(images=[orig], mask_image=mask, prompt="右边一个蓝色的星星", denoising_strength=0.75, seed=11,
                 steps=6, width=16, height=16, mask_blur=2, inpaint_full_res=True, inpaint_full_res_padding=4)
print("inpaint only masked:", r4.image.size, "(the init image's size, as A1111) |",
      r4.info["infotexts"][0].replace("\n", " / ")[-90:])
# progress while a long job runs, then interrupt
res = {}
t = threading.Thread(target=lambda: res.setdefault("r", api.txt2img(prompt="long run", steps=150, width=64, height=64, seed=1)))
t.start()
seen = []
for _ in range(60):
    p = api.get_progress()
    seen.append(round(p["progress"], 3))
    if p["progress"] > 0.05: break
    time.sleep(0.1)
print("progress seen:", seen[-5:], "state:", {k: p["state"][k] for k in ("sampling_step", "sampling_steps")})
api.interrupt(); t.join(30)
print("after interrupt:", "alive" if t.is_alive() else "returned", "images:", len(res["r"].images))
# hires fix: hr_scale 2 doubles the size; hr_resize_x/y, hr_prompt and hr_sampler_name/hr_scheduler as webuiapi sends them
h = api.txt2img(prompt="a red circle", seed=3, steps=6, width=32, height=24, enable_hr=True, hr_scale=2)
print("hires x2:", h.image.size, "|", h.info["infotexts"][0].split("\n")[-1])
assert h.image.size == (64, 48), h.image.size
h = api.txt2img(prompt="a red circle", seed=3, steps=6, width=32, height=24, sampler_name="Euler", enable_hr=True,
                hr_resize_x=64, hr_resize_y=64, hr_prompt="a blue circle", hr_negative_prompt="dark",
                hr_sampler_name="Euler a", hr_scheduler="Automatic", hr_second_pass_steps=4)
print("hires resize 64x64:", h.image.size, "|", h.info["infotexts"][0].split("\n")[-1])
assert h.image.size == (64, 64), h.image.size
# variation seeds; styles when the server has a --styles file
v = api.txt2img(prompt="a red circle", seed=3, subseed=11, subseed_strength=0.3, steps=6, width=32, height=32)
print("variation:", v.info["subseed"], "|", v.info["infotexts"][0].split("\n")[-1])
styles = [s["name"] for s in requests.get("http://127.0.0.1:7863/sdapi/v1/prompt-styles").json()]
if styles:
    st = api.txt2img(prompt="a red circle", styles=styles[:1], seed=3, steps=6, width=32, height=32)
    print("styles", styles[:1], "->", st.info["infotexts"][0].split("\n")[0])
