"""Image oracle: PIL, OpenCV, diffusers and torch on small pictures, for org.altdiffusion.image.

Regenerate (deterministic, CPU, seconds):
    tools/reference/.venv/bin/python tools/reference/make_image_fixtures.py [resize] [masks] [tensors]

Writes src/test/resources/fixtures/image/cases.json; pixel data is base64 of raw row-major bytes
(RGB, RGBA or L, 8 bits each) or of little-endian float32. Sections:
  resize      AUTOMATIC1111's img2img resize modes 0..2 (modules/images.py resize_image, with its
              default of no upscaler) on RGB and L pictures, re-stated below over PIL; expected
              holds the three modes' results in order.
  flatten     A1111's images.flatten: RGBA pasted onto a background colour with itself as mask.
  luminance   PIL's convert("L") of RGB and RGBA pictures.
  binary      A1111's create_binary_mask(round=True) (processing.py).
  blur        A1111's mask blur: cv2.GaussianBlur along x with (2*int(2.5*s+0.5)+1, 1), then y.
  diffusers   diffusers 0.30.3 VaeImageProcessor(do_normalize=False, do_binarize=True,
              do_convert_grayscale=True).preprocess(mask, height, width), as 0/1 bytes.
  nearest     torch.nn.functional.interpolate(mask, size=...) (mode "nearest"), float32.
  tensors     VaeImageProcessor().preprocess (RGB -> [1,3,H,W] in [-1,1]) and postprocess
              ([1,3,H,W] in [0,1] -> PIL) of diffusers.

PIL's pass order: Pillow up to 12 resizes horizontally, then vertically (AUTOMATIC1111 pins
Pillow 9.5.0); Pillow 13 may run the vertical pass first, which rounds differently. The fixtures
follow Pillow <= 12: with Pillow 13 a resize along both axes is done as two one-axis resizes, which
is what Pillow <= 12 computes. Running the resize section under Pillow 9.5.0 gives the same file
(`python make_image_fixtures.py resize` in a venv with Pillow==9.5.0 and numpy only).
"""

import base64
import json
import os
import sys

import numpy as np
import PIL
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "test", "resources", "fixtures", "image")
PILLOW_13 = int(PIL.__version__.split(".")[0]) >= 13
LANCZOS = Image.Resampling.LANCZOS
BICUBIC = Image.Resampling.BICUBIC


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def f32(a):
    return b64(np.asarray(a, dtype="<f4"))


def pil_resize(im, size, resample, box=None):
    """Image.resize as Pillow <= 12 computes it: horizontal pass, then vertical."""
    if box is None:
        box = (0, 0) + im.size
    if not PILLOW_13:
        return im.resize(size, resample, box)
    w, h = size
    horizontal = w != im.width or box[0] != 0 or box[2] != w
    vertical = h != im.height or box[1] != 0 or box[3] != h
    if horizontal and vertical:
        wide = im.resize((w, im.height), resample, (box[0], 0, box[2], im.height))
        return wide.resize((w, h), resample, (0, box[1], w, box[3]))
    return im.resize(size, resample, box)


def a1111_resize(mode, im, width, height):
    """A1111's resize_image for modes 0..2 without an upscaler, in our own words."""
    if mode == 0:
        return pil_resize(im, (width, height), LANCZOS)
    ratio, src_ratio = width / height, im.width / im.height
    if mode == 1:
        full_w, full_h = ratio > src_ratio, ratio <= src_ratio
    else:
        full_w, full_h = ratio < src_ratio, ratio >= src_ratio
    sw = width if full_w else im.width * height // im.height
    sh = height if full_h else im.height * width // im.width
    resized = pil_resize(im, (sw, sh), LANCZOS)
    out = Image.new("RGB", (width, height))
    out.paste(resized, box=(width // 2 - sw // 2, height // 2 - sh // 2))
    if mode == 2:
        rw, rh = resized.size
        if ratio < src_ratio:
            fill = height // 2 - sh // 2
            if fill > 0:
                out.paste(pil_resize(resized, (width, fill), BICUBIC, (0, 0, width, 0)), (0, 0))
                out.paste(pil_resize(resized, (width, fill), BICUBIC, (0, rh, width, rh)), (0, fill + sh))
        elif ratio > src_ratio:
            fill = width // 2 - sw // 2
            if fill > 0:
                out.paste(pil_resize(resized, (fill, height), BICUBIC, (0, 0, 0, height)), (0, 0))
                out.paste(pil_resize(resized, (fill, height), BICUBIC, (rw, 0, rw, height)), (fill + sw, 0))
    return out


def picture(rng, w, h, channels):
    """Smooth gradients plus noise plus a hard edge: every filter tap shows."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 255 // max(w - 1, 1)), (y * 255 // max(h - 1, 1)), ((x + y) * 7) % 256], -1)
    noise = rng.integers(-40, 41, (h, w, 3))
    edge = np.where(x < w // 3, 60, 0)[..., None]
    a = np.clip(base + noise + edge, 0, 255).astype(np.uint8)
    return a if channels == 3 else a[..., 0].copy()


def resize_cases(rng):
    cases = []
    shapes = [
        (37, 23, 16, 40),  # wider source into a tall target
        (23, 37, 40, 16),
        (64, 32, 32, 32),
        (10, 10, 31, 7),  # up along x, down along y: the pass order shows
        (20, 20, 31, 7),
        (48, 40, 40, 56),
        (33, 17, 24, 24),
        (17, 33, 24, 31),  # odd target: A1111 leaves one edge row black in mode 2
        (16, 9, 16, 9),  # same size
        (5, 60, 24, 16),
    ]
    for channels in (3, 1):
        for w, h, tw, th in shapes:
            a = picture(rng, w, h, channels)
            im = Image.fromarray(a, "RGB" if channels == 3 else "L")
            expected = [np.array(a1111_resize(mode, im, tw, th).convert(im.mode)) for mode in (0, 1, 2)]
            cases.append(dict(channels=channels, w=w, h=h, width=tw, height=th, input=b64(a),
                              expected=[b64(e) for e in expected]))
    return cases


def rgba(rng, w, h):
    a = rng.integers(0, 256, (h, w, 4)).astype(np.uint8)
    a[0, :, 3] = 0
    a[1, :, 3] = 255
    return a


def flatten_cases(rng):
    cases = []
    for bg in ("#ffffff", "#336699", "#000000"):
        a = rgba(rng, 13, 7)
        im = Image.fromarray(a, "RGBA")
        background = Image.new("RGBA", im.size, bg)
        background.paste(im, mask=im)
        out = np.array(background.convert("RGB"))
        cases.append(dict(w=13, h=7, background=int(bg[1:], 16), input=b64(a), expected=b64(out)))
    return cases


def luminance_cases(rng):
    cases = []
    for mode in ("RGB", "RGBA"):
        a = rng.integers(0, 256, (9, 16, len(mode))).astype(np.uint8)
        out = np.array(Image.fromarray(a, mode).convert("L"))
        cases.append(dict(w=16, h=9, mode=mode, input=b64(a), expected=b64(out)))
    return cases


def binary_mask(image):
    """A1111's create_binary_mask(image, round=True)."""
    if image.mode == "RGBA" and image.getextrema()[-1] != (255, 255):
        return image.split()[-1].convert("L").point(lambda x: 255 if x > 128 else 0)
    return image.convert("L")


def binary_cases(rng):
    cases = []
    a = rgba(rng, 12, 10)
    opaque = a.copy()
    opaque[..., 3] = 255
    for mode, arr in (("RGBA", a), ("RGBA", opaque), ("RGB", a[..., :3].copy())):
        out = np.array(binary_mask(Image.fromarray(arr, mode)))
        cases.append(dict(w=12, h=10, mode=mode, input=b64(arr), expected=b64(out)))
    return cases


def mask_picture(rng, w, h):
    y, x = np.mgrid[0:h, 0:w]
    m = (((x - w / 2) ** 2 + (y - h / 3) ** 2) < (min(w, h) / 3) ** 2).astype(np.uint8) * 255
    m[h - 2:, :] = rng.integers(0, 256, (2, w))  # a few gray values as well
    return m


def blur_cases(rng):
    import cv2

    cases = []
    for w, h, sx, sy in [(40, 30, 4, 4), (23, 16, 1, 0), (23, 16, 0, 3), (31, 29, 2.5, 7),
                         (24, 20, 16, 16), (5, 3, 4, 4), (1, 9, 4, 2), (64, 48, 64, 1)]:
        m = mask_picture(rng, w, h)
        out = m
        if sx > 0:
            out = cv2.GaussianBlur(out, (2 * int(2.5 * sx + 0.5) + 1, 1), sx)
        if sy > 0:
            out = cv2.GaussianBlur(out, (1, 2 * int(2.5 * sy + 0.5) + 1), sy)
        cases.append(dict(w=w, h=h, sigma_x=sx, sigma_y=sy, input=b64(m), expected=b64(out)))
    return cases


def diffusers_cases(rng):
    from diffusers.image_processor import VaeImageProcessor

    proc = VaeImageProcessor(vae_scale_factor=8, do_normalize=False, do_binarize=True,
                             do_convert_grayscale=True)
    cases = []
    for w, h, tw, th in [(40, 32, 40, 32), (37, 23, 40, 24), (64, 48, 32, 48), (30, 50, 24, 56)]:
        m = mask_picture(rng, w, h)
        m[:, : w // 4] = rng.integers(100, 156, (h, w // 4))  # values around the 0.5 threshold
        t = proc.preprocess(Image.fromarray(m, "L"), height=th, width=tw)
        assert tuple(t.shape) == (1, 1, th, tw), t.shape
        got = t[0, 0].numpy()
        # the same steps with Pillow <= 12's pass order (identical here unless Pillow 13 reorders)
        ours = np.array(pil_resize(Image.fromarray(m, "L"), (tw, th), LANCZOS)) if (w, h) != (tw, th) else m
        mine = (ours.astype(np.float32) / 255.0 >= 0.5).astype(np.uint8)
        assert (mine == got.astype(np.uint8)).all(), "diffusers' mask steps are not as restated"
        cases.append(dict(w=w, h=h, width=tw, height=th, input=b64(m), expected=b64(mine)))
    return cases


def nearest_cases(rng):
    import torch

    cases = []
    for w, h, lw, lh in [(64, 48, 8, 6), (37, 23, 4, 3), (40, 24, 7, 5), (10, 6, 20, 12), (9, 7, 13, 5)]:
        m = rng.random((h, w)).astype(np.float32)
        out = torch.nn.functional.interpolate(torch.from_numpy(m)[None, None], size=(lh, lw))
        cases.append(dict(w=w, h=h, lw=lw, lh=lh, input=f32(m), expected=f32(out[0, 0].numpy())))
    return cases


def tensor_cases(rng):
    import torch
    from diffusers.image_processor import VaeImageProcessor

    proc = VaeImageProcessor(vae_scale_factor=8)
    a = np.arange(16 * 16 * 3, dtype=np.int64).reshape(16, 16, 3) % 256  # every value
    a = a.astype(np.uint8)
    pre = proc.preprocess(Image.fromarray(a, "RGB"), height=16, width=16)
    x = torch.from_numpy(rng.random((1, 3, 8, 8)).astype(np.float32))
    x[0, 0, 0, :8] = torch.tensor([0.0, 1.0, 0.5 / 255, 1.5 / 255, 2.5 / 255, 254.5 / 255, 0.998, 0.002])
    post = np.array(proc.postprocess(x * 2 - 1, output_type="pil")[0])  # postprocess denormalizes
    return dict(pre=dict(w=16, h=16, input=b64(a), expected=f32(pre[0].numpy())),
                post=dict(w=8, h=8, input=f32(((x * 2 - 1) / 2 + 0.5).clamp(0, 1)[0].numpy()),
                          expected=b64(post)))


def main():
    which = sys.argv[1:] or ["resize", "masks", "tensors"]
    path = os.path.join(OUT, "cases.json")
    data = {}
    if os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
    data["pillow"] = "resize: Pillow <= 12 pass order (A1111 pins 9.5.0); generated with " + PIL.__version__
    if "resize" in which:
        data["resize"] = resize_cases(np.random.default_rng(1))
    if "masks" in which:
        rng = np.random.default_rng(2)
        data["flatten"] = flatten_cases(rng)
        data["luminance"] = luminance_cases(rng)
        data["binary"] = binary_cases(rng)
        data["blur"] = blur_cases(rng)
        data["diffusers"] = diffusers_cases(rng)
        data["nearest"] = nearest_cases(rng)
    if "tensors" in which:
        data["tensors"] = tensor_cases(np.random.default_rng(3))
    os.makedirs(OUT, exist_ok=True)
    with open(path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
