"""sd-webui-controlnet's API as its clients send it (raw JSON, as its README's example and webuiapi
0.9.17 build it) against our server, printing what comes back.

Run by hand (not part of CI), e.g. with the tiny test model and ControlNet:
    mkdir -p /tmp/cn/models /tmp/cn/controlnet
    ln -s $PWD/src/test/resources/fixtures/pipeline/tiny-altdiffusion /tmp/cn/models/
    ln -s $PWD/src/test/resources/fixtures/controlnet/cn-sd1 /tmp/cn/controlnet/
    ./altdiffusion serve --models /tmp/cn/models --controlnets /tmp/cn/controlnet --port 7864 &
    tools/reference/.venv/bin/python tools/reference/check_controlnet_api.py [http://127.0.0.1:7864]
"""
import base64, io, json, sys
import requests
from PIL import Image, ImageDraw

url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7864"


def b64(img):
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def show(name, r):
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text
    if isinstance(body, dict) and "images" in body:
        imgs = [Image.open(io.BytesIO(base64.b64decode(i))) for i in body["images"]]
        body = {**body, "images": [f"<PNG {i.size[0]}x{i.size[1]}>" for i in imgs]}
        if "info" in body and body["info"].startswith("{"):
            info = json.loads(body["info"])
            body["info"] = {"infotexts": info.get("infotexts"), "warnings": info.get("warnings")}
        body.pop("parameters", None)
    print(f"{name}: HTTP {r.status_code}\n  {json.dumps(body, ensure_ascii=False)[:900]}")
    return body


control = Image.new("RGB", (48, 40), "black")
ImageDraw.Draw(control).rectangle([10, 8, 30, 28], fill="white")

models = show("GET /controlnet/model_list", requests.get(url + "/controlnet/model_list"))["model_list"]
show("GET /controlnet/module_list", requests.get(url + "/controlnet/module_list"))
show("GET /controlnet/module_list?alias_names=true",
     requests.get(url + "/controlnet/module_list", params={"alias_names": "true"}))
show("GET /sdapi/v1/scripts", requests.get(url + "/sdapi/v1/scripts"))
show("POST /controlnet/detect (canny 100/200)", requests.post(url + "/controlnet/detect", json={
    "controlnet_module": "canny", "controlnet_input_images": [b64(control)],
    "controlnet_processor_res": 512, "controlnet_threshold_a": 100, "controlnet_threshold_b": 200}))

# the extension's README example: alwayson_scripts.controlnet.args with input_image
unit = {"enabled": True, "input_image": b64(control), "module": "canny", "model": models[0],
        "weight": 1.0, "guidance_start": 0.0, "guidance_end": 1.0, "control_mode": 0,
        "resize_mode": 1, "processor_res": 512, "threshold_a": 100, "threshold_b": 200,
        "pixel_perfect": False, "low_vram": False}
base = {"prompt": "一只红色的猫", "negative_prompt": "blurry", "seed": 42, "steps": 6, "width": 32,
        "height": 32, "sampler_name": "Euler a", "cfg_scale": 7}
show("POST /sdapi/v1/txt2img + controlnet (README form)", requests.post(
    url + "/sdapi/v1/txt2img", json={**base, "alwayson_scripts": {"controlnet": {"args": [unit]}}}))
# webuiapi 0.9.17's ControlNetUnit.to_dict(), under its script name "ControlNet"
webuiapi_unit = {"image": b64(control), "mask": None, "module": "invert (from white bg & black line)",
                 "model": models[0].split(" [")[0], "weight": 0.8, "resize_mode": "Resize and Fill",
                 "low_vram": False, "processor_res": 512, "threshold_a": 64, "threshold_b": 64,
                 "guidance_start": 0.2, "guidance_end": 0.8, "control_mode": "Balanced",
                 "pixel_perfect": False, "hr_option": "Both", "enabled": True}
show("POST /sdapi/v1/txt2img + ControlNet (webuiapi form)", requests.post(
    url + "/sdapi/v1/txt2img", json={**base, "alwayson_scripts": {"ControlNet": {"args": [webuiapi_unit]}}}))
# img2img, the unit without an image: the extension uses the init image
show("POST /sdapi/v1/img2img + controlnet (no unit image)", requests.post(url + "/sdapi/v1/img2img", json={
    **base, "init_images": [b64(control)], "denoising_strength": 0.6,
    "alwayson_scripts": {"controlnet": {"args": [{"enabled": True, "module": "none", "model": models[0]},
                                                {"enabled": False, "module": "canny", "model": "x"}]}}}))
show("control_mode 2, pixel_perfect", requests.post(url + "/sdapi/v1/txt2img", json={
    **base, "alwayson_scripts": {"controlnet": {"args": [{**unit, "control_mode": 2, "pixel_perfect": True}]}}}))
# refusals
show("control_mode 3", requests.post(url + "/sdapi/v1/txt2img", json={
    **base, "alwayson_scripts": {"controlnet": {"args": [{**unit, "control_mode": 3}]}}}))
show("unknown model", requests.post(url + "/sdapi/v1/txt2img", json={
    **base, "alwayson_scripts": {"controlnet": {"args": [{**unit, "model": "control_v11p_sd15_canny [d14c016b]"}]}}}))
show("unknown module", requests.post(url + "/controlnet/detect", json={
    "controlnet_module": "depth_midas", "controlnet_input_images": [b64(control)]}))
show("another always-on script", requests.post(url + "/sdapi/v1/txt2img", json={
    **base, "alwayson_scripts": {"ADetailer": {"args": []}}}))

# the same through the unmodified client library webuiapi 0.9.17 (installed in the venv)
import webuiapi
host, port = url.rsplit("//", 1)[1].split(":")
api = webuiapi.WebUIApi(host=host, port=int(port))
print("webuiapi controlnet_model_list:", api.controlnet_model_list())
print("webuiapi controlnet_module_list:", api.controlnet_module_list())
d = api.controlnet_detect(images=[control], module="canny", threshold_a=100, threshold_b=200)
print("webuiapi controlnet_detect:", d.info, [i.size for i in d.images])
cn = webuiapi.ControlNetUnit(image=control, module="canny", model=models[0], threshold_a=100, threshold_b=200)
r = api.txt2img(prompt="一只红色的猫", seed=42, steps=6, width=32, height=32, sampler_name="Euler a",
                controlnet_units=[cn])
print("webuiapi txt2img + ControlNetUnit:", r.image.size, "|", r.info["infotexts"][0].split("\n")[-1])
