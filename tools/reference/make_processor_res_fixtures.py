"""Reference fixtures for sd-webui-controlnet's preprocessor resolution (processor_res, pixel_perfect).

Regenerate (deterministic):

    tools/reference/.venv/bin/python tools/reference/make_processor_res_fixtures.py

The extension (Mikubill/sd-webui-controlnet, commit 56cec5b) scales a unit's picture before canny /
threshold with scripts/utils.py resize_image_with_pad: k = res / min(H, W); INTER_CUBIC if k > 1 else
INTER_AREA; sides round(side * k); edge padding to a multiple of 64; the map cut back to the scaled
size. Restated here with opencv-python (the same calls). Writes
src/test/resources/fixtures/processor_res/processor_res.safetensors ("picture<p>" uint8 [H, W, 3];
"resized<i>" cv2.resize's output; "canny<i>" the canny module's map, uint8 [h, w]) and cases.json (per
case: res, interpolation, low/high; and the pixel_perfect cases with the extension's formula).
"""

import json
import os

import cv2
import numpy as np
import torch
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "src", "test", "resources", "fixtures", "processor_res")


def pad64(x):
    return int(np.ceil(float(x) / 64.0) * 64 - x)


def resize_image_with_pad(img, resolution):
    H_raw, W_raw, _ = img.shape
    k = float(resolution) / float(min(H_raw, W_raw))
    interpolation = cv2.INTER_CUBIC if k > 1 else cv2.INTER_AREA
    H_target = int(np.round(float(H_raw) * k))
    W_target = int(np.round(float(W_raw) * k))
    img = cv2.resize(img, (W_target, H_target), interpolation=interpolation)
    H_pad, W_pad = pad64(H_target), pad64(W_target)
    img_padded = np.pad(img, [[0, H_pad], [0, W_pad], [0, 0]], mode="edge")

    def remove_pad(x):
        return np.ascontiguousarray(x[:H_target, :W_target].copy())

    return img, img_padded, remove_pad, "cubic" if k > 1 else "area"


def pixel_perfect_resolution(raw_H, raw_W, target_H, target_W, outer_fit):
    k0 = float(target_H) / float(raw_H)
    k1 = float(target_W) / float(raw_W)
    if outer_fit:
        estimation = min(k0, k1) * float(min(raw_H, raw_W))
    else:
        estimation = max(k0, k1) * float(min(raw_H, raw_W))
    return int(np.round(estimation))


def pictures(rng):
    out = []
    for h, w in [(24, 40), (37, 23), (48, 64), (90, 60), (128, 96), (61, 77), (33, 33), (100, 30)]:
        y, x = np.mgrid[0:h, 0:w]
        img = np.zeros((h, w, 3), np.uint8)
        cv2.rectangle(img, (w // 5, h // 4), (w // 2, (3 * h) // 4), (255, 60, 0), -1)
        cv2.circle(img, ((3 * w) // 4, h // 2), max(2, min(h, w) // 5), (40, 220, 120), -1)
        noise = rng.randint(0, 256, (h, w, 3)).astype(np.uint8)
        grad = np.clip(np.stack([x * 5, y * 4, (x + y) * 3], -1), 0, 255).astype(np.uint8)
        out.append(("shapes", img))
        out.append(("noise", noise))
        out.append(("gradient", grad))
    return out


def main():
    rng = np.random.RandomState(0)
    # per size: resolutions that enlarge (cubic), shrink by a whole factor (area fast), shrink otherwise
    res_for = {(24, 40): [64, 48, 30, 12], (37, 23): [64, 50, 23], (48, 64): [96, 24, 16, 40],
               (90, 60): [64, 20, 30, 45], (128, 96): [48, 32, 100, 150], (61, 77): [64, 30, 122],
               (33, 33): [11, 64, 17], (100, 30): [64, 15, 10, 29]}
    tensors, cases = {}, []
    i = 0
    for p, (name, img) in enumerate(pictures(rng)):
        tensors[f"picture{p}"] = torch.from_numpy(np.ascontiguousarray(img))
        for res in res_for[img.shape[:2]]:
            resized, padded, remove_pad, interp = resize_image_with_pad(img, res)
            low, high = [(100, 200), (50, 150), (20, 60)][i % 3]
            canny = remove_pad(cv2.Canny(padded, low, high))
            tensors[f"resized{i}"] = torch.from_numpy(np.ascontiguousarray(resized))
            tensors[f"canny{i}"] = torch.from_numpy(canny)
            cases.append({"index": i, "picture": p, "what": name, "res": res, "interpolation": interp,
                          "low": low, "high": high})
            i += 1
    pixel_perfect = []
    for raw in [(24, 40), (37, 23), (512, 768), (333, 500), (1000, 999), (77, 61)]:
        for target in [(64, 64), (512, 768), (768, 512), (40, 24), (96, 48)]:
            for outer in [False, True]:
                pixel_perfect.append({"raw_h": raw[0], "raw_w": raw[1], "target_h": target[0],
                                      "target_w": target[1], "resize_and_fill": outer,
                                      "res": pixel_perfect_resolution(*raw, *target, outer)})
    os.makedirs(OUT, exist_ok=True)
    save_file(tensors, os.path.join(OUT, "processor_res.safetensors"))
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"opencv": cv2.__version__, "cases": cases, "pixel_perfect": pixel_perfect}, f, indent=1)
    print(len(cases), "cases,", len(pixel_perfect), "pixel_perfect cases")


if __name__ == "__main__":
    main()
