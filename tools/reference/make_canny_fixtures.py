"""Reference fixtures for the Canny preprocessor: opencv-python's cv2.Canny on varied small pictures.

Regenerate (deterministic):

    tools/reference/.venv/bin/python tools/reference/make_canny_fixtures.py

Writes src/test/resources/fixtures/canny/canny.safetensors ("image<i>": uint8 [H, W, 3] RGB, or
[H, W] for the one-channel cases; "edges<i>": uint8 [H, W], cv2.Canny's output) and canny.json (per
case: low, high, l2gradient, and what the picture is). Thresholds as sd-webui-controlnet's canny
module passes them (cv2.Canny(img, low, high) on the HWC RGB picture), plus L2gradient, swapped and
extreme thresholds.
"""

import json
import os

import cv2
import numpy as np
import torch
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "src", "test", "resources", "fixtures", "canny")


def pictures():
    rng = np.random.RandomState(0)
    out = []
    h, w = 48, 64
    y, x = np.mgrid[0:h, 0:w]
    out.append(("noise", rng.randint(0, 256, (h, w, 3)).astype(np.uint8)))
    out.append(("blurred noise", cv2.GaussianBlur(rng.randint(0, 256, (h, w, 3)).astype(np.uint8), (5, 5), 1.5)))
    grad = np.stack([x * 4, y * 5, (x + y) * 2], -1)
    out.append(("gradients", np.clip(grad, 0, 255).astype(np.uint8)))
    img = np.zeros((h, w, 3), np.uint8)
    cv2.rectangle(img, (8, 6), (40, 30), (255, 0, 0), -1)
    cv2.circle(img, (46, 30), 12, (30, 200, 90), -1)
    cv2.line(img, (0, 47), (63, 0), (250, 250, 250), 2)
    out.append(("shapes", img))
    out.append(("shapes blurred", cv2.GaussianBlur(img, (7, 7), 2.0)))
    rings = (127 + 127 * np.sin(np.hypot(x - 30, y - 20) / 2.5)).astype(np.uint8)
    out.append(("rings", np.stack([rings, 255 - rings, rings // 2], -1)))
    checker = (((x // 6) + (y // 6)) % 2 * 255).astype(np.uint8)
    out.append(("checker", np.stack([checker] * 3, -1)))
    out.append(("checker noisy", np.clip(np.stack([checker] * 3, -1) + rng.randint(-60, 60, (h, w, 3)), 0, 255).astype(np.uint8)))
    out.append(("flat", np.full((h, w, 3), 77, np.uint8)))
    out.append(("one pixel", np.pad(np.full((1, 1, 3), 255, np.uint8), ((20, 27), (30, 33), (0, 0)))))
    tall = rng.randint(0, 256, (37, 5, 3)).astype(np.uint8)
    out.append(("tall thin", tall))
    out.append(("tiny 3x3", rng.randint(0, 256, (3, 3, 3)).astype(np.uint8)))
    diag = np.clip((x - y * 1.3) * 20, 0, 255).astype(np.uint8)
    out.append(("diagonal step", np.stack([diag, diag, diag], -1)))
    out.append(("channel edges", np.stack([(x > 20) * 200, (y > 25) * 180, ((x + y) > 50) * 150], -1).astype(np.uint8)))
    return out


def main():
    tensors, cases = {}, []
    settings = [(100, 200, False), (50, 150, False), (20, 60, True), (200, 100, False), (100, 200, True),
                (0, 0, False), (1, 1, False), (150, 300, True), (255, 255, False), (10.7, 30.2, False)]
    i = 0
    for k, (what, img) in enumerate(pictures()):
        for low, high, l2 in [settings[k % len(settings)], settings[(k + 3) % len(settings)]]:
            edges = cv2.Canny(img, low, high, L2gradient=l2)
            tensors[f"image{i}"] = torch.from_numpy(np.array(img, copy=True))
            tensors[f"edges{i}"] = torch.from_numpy(edges)
            cases.append(dict(index=i, picture=what, low=low, high=high, l2gradient=l2,
                              edge_pixels=int((edges > 0).sum())))
            i += 1
    # one-channel pictures (cv2.Canny on gray)
    gray = cv2.cvtColor(pictures()[3][1], cv2.COLOR_RGB2GRAY)
    for low, high, l2 in [(100, 200, False), (30, 90, True)]:
        tensors[f"image{i}"] = torch.from_numpy(np.array(gray, copy=True))
        tensors[f"edges{i}"] = torch.from_numpy(cv2.Canny(gray, low, high, L2gradient=l2))
        cases.append(dict(index=i, picture="shapes gray", low=low, high=high, l2gradient=l2,
                          edge_pixels=int((tensors[f"edges{i}"] > 0).sum())))
        i += 1
    # scribble: cv2.threshold(cv2.cvtColor(rgb, RGB2GRAY), t, 255, THRESH_BINARY_INV) on every RGB picture
    scribble = []
    for k, (what, img) in enumerate(pictures()):
        t = [127, 0, 200, 77, 255][k % 5]
        _, binary = cv2.threshold(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), t, 255, cv2.THRESH_BINARY_INV)
        tensors[f"scribble{k}"] = torch.from_numpy(binary)
        tensors[f"scribble_image{k}"] = torch.from_numpy(np.array(img, copy=True))
        scribble.append(dict(index=k, picture=what, threshold=t))
    os.makedirs(OUT, exist_ok=True)
    save_file(tensors, os.path.join(OUT, "canny.safetensors"))
    with open(os.path.join(OUT, "canny.json"), "w") as f:
        json.dump(dict(opencv=cv2.__version__, cases=cases, scribble=scribble), f, indent=1)
    print("wrote", i, "Canny cases, opencv", cv2.__version__)


if __name__ == "__main__":
    main()
