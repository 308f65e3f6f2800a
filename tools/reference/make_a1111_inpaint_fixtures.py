"""AUTOMATIC1111's inpainting picture steps on small pictures, for org.altdiffusion.image.Masks.

Regenerate (deterministic, CPU, a second):
    tools/reference/.venv/bin/python tools/reference/make_a1111_inpaint_fixtures.py

Writes src/test/resources/fixtures/image/a1111_inpaint.json (pixel data as in cases.json: base64
of row-major RGB or L bytes). The steps are A1111's (modules/masking.py, modules/processing.py at
v1.10), re-stated here over PIL and OpenCV:
  fill     masking.fill(image, mask), "Masked content: fill" (inpainting_fill 0): the picture
           pasted with mask=invert(mask) onto a transparent "RGBa" canvas, blurred with PIL's
           GaussianBlur at radii 256, 64, 16, 4, 2, 0 and alpha-composited 1, 1, 2, 4, 2, 1 times
           over a transparent "RGBA" canvas, then convert("RGB"). The mask is A1111's blurred mask
           (cv2.GaussianBlur per axis), so it has gray edges.
  overlay  apply_overlay without paste_to ("whole picture"): the original pasted onto "RGBa" with
           mask=invert(mask_for_overlay), mask_for_overlay = clip(2 * mask, 0, 255), converted to
           "RGBA" and alpha-composited over the generated picture.
  paste    apply_overlay with paste_to ("only masked"): get_crop_region + expand_crop_region on
           the blurred mask, the generated picture resized to the crop with resize_image mode 1
           (crop and resize) and pasted at the crop's corner onto a transparent canvas of the
           original's size, the original (mask_for_overlay = the blurred mask) composited over it.
Generated with Pillow 13.0.0 (A1111 pins 9.5.0; not re-run under it); resize_image follows
make_image_fixtures.py's Pillow <= 12 pass order.
"""

import json
import os

import cv2
import numpy as np
import PIL
from PIL import Image, ImageFilter, ImageOps

from make_image_fixtures import a1111_resize, b64

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "test", "resources", "fixtures", "image")


def rgb(rng, w, h):
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), ((x * 3 + y * 5) * 7) % 256], -1)
    return np.clip(base + rng.integers(-30, 31, (h, w, 3)), 0, 255).astype(np.uint8)


def blurred_mask(w, h, box, blur_x, blur_y):
    m = np.zeros((h, w), np.uint8)
    x1, y1, x2, y2 = box
    m[y1:y2, x1:x2] = 255
    if blur_x > 0:
        m = cv2.GaussianBlur(m, (2 * int(2.5 * blur_x + 0.5) + 1, 1), blur_x)
    if blur_y > 0:
        m = cv2.GaussianBlur(m, (1, 2 * int(2.5 * blur_y + 0.5) + 1), blur_y)
    return m


def fill(image, mask):
    """masking.fill, in our words."""
    layers = Image.new("RGBA", image.size)
    holes = Image.new("RGBa", image.size)
    holes.paste(image.convert("RGBA").convert("RGBa"), mask=ImageOps.invert(mask.convert("L")))
    for radius, times in ((256, 1), (64, 1), (16, 2), (4, 4), (2, 2), (0, 1)):
        layer = holes.filter(ImageFilter.GaussianBlur(radius)).convert("RGBA")
        for _ in range(times):
            layers.alpha_composite(layer)
    return layers.convert("RGB")


def over_original(canvas, original, mask_for_overlay):
    """The original with opacity 255 - mask_for_overlay composited over canvas (RGBA), as RGB."""
    over = Image.new("RGBa", original.size)
    over.paste(original.convert("RGBA").convert("RGBa"), mask=ImageOps.invert(mask_for_overlay))
    canvas = canvas.convert("RGBA")
    canvas.alpha_composite(over.convert("RGBA"))
    return canvas.convert("RGB")


def crop_region(mask, pad, width, height):
    """get_crop_region + expand_crop_region, in our words."""
    x1, y1, x2, y2 = Image.fromarray(mask).getbbox()
    h, w = mask.shape
    x1, y1, x2, y2 = max(x1 - pad, 0), max(y1 - pad, 0), min(x2 + pad, w), min(y2 + pad, h)
    if (x2 - x1) / (y2 - y1) > width / height:
        grow = int((x2 - x1) / (width / height) - (y2 - y1))
        y1, y2 = y1 - grow // 2, y2 + grow - grow // 2
        if y2 >= h:
            y1, y2 = y1 - (y2 - h), h
        if y1 < 0:
            y1, y2 = 0, y2 - y1
        y2 = min(y2, h)
    else:
        grow = int((y2 - y1) * (width / height) - (x2 - x1))
        x1, x2 = x1 - grow // 2, x2 + grow - grow // 2
        if x2 >= w:
            x1, x2 = x1 - (x2 - w), w
        if x1 < 0:
            x1, x2 = 0, x2 - x1
        x2 = min(x2, w)
    return x1, y1, x2, y2


def fill_cases(rng):
    cases = []
    for w, h, box, bx, by in [(16, 12, (4, 3, 10, 9), 0, 0), (40, 24, (20, 0, 40, 24), 4, 4),
                              (33, 47, (5, 30, 20, 40), 2, 6), (7, 5, (0, 0, 7, 5), 0, 0),
                              (64, 64, (10, 12, 30, 50), 4, 4)]:
        image = rgb(rng, w, h)
        mask = blurred_mask(w, h, box, bx, by)
        out = fill(Image.fromarray(image), Image.fromarray(mask))
        cases.append(dict(w=w, h=h, image=b64(image), mask=b64(mask), expected=b64(np.asarray(out))))
    return cases


def overlay_cases(rng):
    cases = []
    for w, h, box, blur in [(24, 16, (6, 4, 18, 12), 4), (9, 13, (0, 5, 9, 13), 1)]:
        original, generated = rgb(rng, w, h), rgb(rng, w, h)[::-1].copy()
        mask = blurred_mask(w, h, box, blur, blur)
        for_overlay = np.clip(mask.astype(np.float32) * 2, 0, 255).astype(np.uint8)
        out = over_original(Image.fromarray(generated), Image.fromarray(original), Image.fromarray(for_overlay))
        cases.append(dict(w=w, h=h, original=b64(original), generated=b64(generated), mask=b64(mask),
                          expected=b64(np.asarray(out))))
    return cases


def paste_cases(rng):
    cases = []
    for w, h, box, blur, pad, width, height in [(48, 40, (30, 8, 44, 20), 2, 4, 16, 16),
                                                (40, 30, (2, 2, 12, 26), 4, 0, 24, 16),
                                                (37, 21, (15, 5, 22, 16), 0, 32, 16, 24)]:
        original = rgb(rng, w, h)
        mask = blurred_mask(w, h, box, blur, blur)
        generated = rgb(rng, width, height)[:, ::-1].copy()
        x1, y1, x2, y2 = crop_region(mask, pad, width, height)
        canvas = Image.new("RGBA", (w, h))
        canvas.paste(a1111_resize(1, Image.fromarray(generated), x2 - x1, y2 - y1), (x1, y1))
        out = over_original(canvas, Image.fromarray(original), Image.fromarray(mask))
        cases.append(dict(w=w, h=h, width=width, height=height, padding=pad, crop=[x1, y1, x2, y2],
                          original=b64(original), mask=b64(mask), generated=b64(generated),
                          expected=b64(np.asarray(out))))
    return cases


def main():
    rng = np.random.default_rng(16)
    data = {"pillow": PIL.__version__, "fill": fill_cases(rng), "overlay": overlay_cases(rng),
            "paste": paste_cases(rng)}
    path = os.path.join(OUT, "a1111_inpaint.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
