"""Checkpoint fixtures written by the reference libraries, with the exact bytes they hold.

Regenerate (deterministic; only needed when the fixtures change):
    tools/reference/.venv/bin/python tools/reference/make_safetensors_fixtures.py

Writes into src/test/resources/fixtures/checkpoints/:
  all_dtypes.safetensors   every dtype we read (F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL) with special
                           values (NaN with payloads, +-inf, -0.0, subnormals, extremes), a scalar
                           (shape []), zero-size tensors and __metadata__; written by safetensors 0.8.0
  all_dtypes.json          per tensor: dtype, shape, raw bytes (hex) as stored, and the bytes of
                           torch's widening (floats -> float32, integers -> int64, bool kept)
  pipeline/                a tiny AltDiffusionPipeline saved by diffusers 0.30.3 (model_index.json
                           with [null, null] components), then: unet re-saved in 2 safetensors shards
                           (diffusion_pytorch_model.safetensors.index.json), vae also as variant fp16,
                           text_encoder as pytorch_model.bin (like BAAI/AltDiffusion-m18)
  pipeline.json            sha256 of every stored tensor of unet / vae (default and fp16)
                           / text_encoder, with dtype and shape
  pytorch/                 small torch.save files (zip and legacy format): seeds for the fuzzer
"""
import hashlib
import io
import json
import os
import shutil
import struct
import sys

import numpy as np
import torch
from safetensors.torch import save_file, load_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "src", "test", "resources", "fixtures", "checkpoints")

DTYPE_NAMES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def from_bits(bits, int_dtype, dtype, shape):
    """A tensor of `dtype` whose elements have exactly the given bit patterns."""
    return torch.tensor(bits, dtype=torch.int64).to(int_dtype).view(dtype).reshape(shape).clone()


def raw_bytes(t):
    return t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""


def widened(t):
    if t.dtype == torch.bool:
        return t
    return t.to(torch.float32) if t.is_floating_point() else t.to(torch.int64)


def special_tensors():
    g = torch.Generator().manual_seed(0)
    t = {}
    # float64: zero, -0, one, NaN (quiet, negative, with payload), +-inf, smallest subnormal,
    # largest subnormal, smallest normal, largest finite, pi, a value that rounds to 0 in float32
    t["f64.special"] = from_bits(
        [0x0000000000000000, -0x8000000000000000, 0x3FF0000000000000, 0x7FF8000000000000,
         -0x0008000000000000, 0x7FF8000000000123, 0x7FF0000000000000, -0x0010000000000000,
         0x0000000000000001, 0x000FFFFFFFFFFFFF, 0x0010000000000000, 0x7FEFFFFFFFFFFFFF],
        torch.int64, torch.float64, (3, 4))
    t["f64.values"] = torch.tensor([3.141592653589793, -2.5e-310, 1e300, 1.0000000596046448], dtype=torch.float64)
    # float32: same kinds of values, plus a signalling-NaN pattern
    t["f32.special"] = from_bits(
        [0x00000000, 0x80000000, 0x3F800000, 0x7FC00000, 0xFFC00000, 0x7FC00001, 0x7F800001,
         0x7F800000, 0xFF800000, 0x00000001, 0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0xFF7FFFFF],
        torch.int32, torch.float32, (2, 7))
    t["f32.random"] = torch.randn(3, 5, 2, generator=g)
    # float16: smallest subnormal 2^-24, largest subnormal, smallest normal, max 65504
    t["f16.special"] = from_bits(
        [0x0000, 0x8000, 0x3C00, 0x7E00, 0xFE00, 0x7E01, 0x7C01, 0x7C00, 0xFC00, 0x0001, 0x03FF,
         0x0400, 0x7BFF, 0xFBFF, 0x3555, 0x8001],
        torch.int16, torch.float16, (4, 4))
    t["f16.random"] = torch.randn(16, 16, generator=g).to(torch.float16)
    # bfloat16
    t["bf16.special"] = from_bits(
        [0x0000, 0x8000, 0x3F80, 0x7FC0, 0xFFC0, 0x7FC1, 0x7F81, 0x7F80, 0xFF80, 0x0001, 0x007F,
         0x0080, 0x7F7F, 0xFF7F],
        torch.int16, torch.bfloat16, (14,))
    t["bf16.random"] = torch.randn(2, 3, 4, generator=g).to(torch.bfloat16)
    t["i64"] = torch.tensor([0, 1, -1, 2**63 - 1, -2**63, 12345678901234, -987654321], dtype=torch.int64)
    t["i32"] = torch.tensor([[0, 1, -1], [2**31 - 1, -2**31, 123456]], dtype=torch.int32)
    t["i16"] = torch.tensor([0, 1, -1, 32767, -32768, 1234], dtype=torch.int16)
    t["i8"] = torch.tensor([0, 1, -1, 127, -128], dtype=torch.int8)
    t["u8"] = torch.tensor([0, 1, 127, 128, 255], dtype=torch.uint8)
    t["bool"] = torch.tensor([True, False, True, True, False, False], dtype=torch.bool)
    # a scalar and zero-size tensors (a zero dimension anywhere)
    t["scalar.f32"] = torch.tensor(2.5, dtype=torch.float32)
    t["scalar.bf16"] = torch.tensor(-0.75, dtype=torch.bfloat16)
    t["empty.f32"] = torch.zeros(0, 3, dtype=torch.float32)
    t["empty.i64"] = torch.zeros(2, 0, dtype=torch.int64)
    t["empty.f16"] = torch.zeros(0, dtype=torch.float16)
    return t


def describe(tensors):
    out = {}
    for name, t in tensors.items():
        w = widened(t)
        out[name] = {
            "dtype": DTYPE_NAMES[t.dtype],
            "shape": list(t.shape),
            "raw_hex": raw_bytes(t).hex(),
            "widened_dtype": DTYPE_NAMES[w.dtype],
            "widened_hex": raw_bytes(w).hex(),
        }
    return out


def write_all_dtypes():
    tensors = special_tensors()
    # one key only: the reference writes metadata in hash-map order, which varies between runs
    metadata = {"purpose": "altdiffusion fixture ✓ 日本語"}
    path = os.path.join(OUT, "all_dtypes.safetensors")
    save_file(tensors, path, metadata=metadata)
    # read back with the reference to be sure what we record is what the file holds
    back = load_file(path)
    for name, t in tensors.items():
        assert raw_bytes(back[name]) == raw_bytes(t), name
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    with open(os.path.join(OUT, "all_dtypes.json"), "w") as f:
        json.dump({"file": "all_dtypes.safetensors", "metadata": header["__metadata__"],
                   "tensors": describe(tensors)}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return len(tensors)


def tensor_record(t):
    return {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "sha256": hashlib.sha256(raw_bytes(t)).hexdigest()}


def write_pipeline():
    from diffusers import AutoencoderKL, PNDMScheduler, UNet2DConditionModel
    from diffusers.pipelines.deprecated.alt_diffusion import AltDiffusionPipeline
    from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import (
        RobertaSeriesConfig, RobertaSeriesModelWithTransformation)

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(8, 16),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=8, attention_head_dim=2, norm_num_groups=4, use_linear_projection=True)
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"), block_out_channels=(8, 16),
        layers_per_block=1, latent_channels=4, norm_num_groups=4, sample_size=16)
    text_encoder = RobertaSeriesModelWithTransformation(RobertaSeriesConfig(
        vocab_size=64, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16,
        max_position_embeddings=20, type_vocab_size=1, project_dim=8, pad_token_id=1))
    scheduler = PNDMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                              skip_prk_steps=True, steps_offset=1, set_alpha_to_one=False)
    pipe = AltDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=None, unet=unet,
                                scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                image_encoder=None, requires_safety_checker=False)
    folder = os.path.join(OUT, "pipeline")
    pipe.save_pretrained(folder, safe_serialization=True)
    # unet: two safetensors shards and an index, as diffusers writes big models
    os.remove(os.path.join(folder, "unet", "diffusion_pytorch_model.safetensors"))
    unet_bytes = sum(p.numel() * p.element_size() for p in unet.state_dict().values())
    unet.save_pretrained(os.path.join(folder, "unet"), max_shard_size=int(unet_bytes * 0.6))
    # vae: also the fp16 variant
    vae16 = AutoencoderKL.from_config(vae.config)
    vae16.load_state_dict(vae.state_dict())
    vae16.to(torch.float16).save_pretrained(os.path.join(folder, "vae"), variant="fp16")
    # text encoder as a pickled .bin, as in BAAI/AltDiffusion-m18
    os.remove(os.path.join(folder, "text_encoder", "model.safetensors"))
    text_encoder.save_pretrained(os.path.join(folder, "text_encoder"), safe_serialization=False)
    expected = {
        "unet": {k: tensor_record(v) for k, v in unet.state_dict().items()},
        "vae": {k: tensor_record(v) for k, v in vae.state_dict().items()},
        "vae.fp16": {k: tensor_record(v) for k, v in vae16.state_dict().items()},
        "text_encoder": {k: tensor_record(v) for k, v in text_encoder.state_dict().items()},
    }
    with open(os.path.join(OUT, "pipeline.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    return sorted(os.path.relpath(os.path.join(d, n), folder) for d, _, ns in os.walk(folder) for n in ns)


def write_pytorch_seeds():
    folder = os.path.join(OUT, "pytorch")
    os.makedirs(folder, exist_ok=True)
    g = torch.Generator().manual_seed(1)
    state = {
        "linear.weight": torch.randn(4, 3, generator=g),
        "linear.bias": torch.randn(4, generator=g).to(torch.float16),
        "embed.weight": torch.randn(5, 2, generator=g).to(torch.bfloat16),
        "position_ids": torch.arange(6).unsqueeze(0),
        "mask": torch.tensor([True, False, True]),
        "scalar": torch.tensor(1.5, dtype=torch.float64),
    }
    # a view sharing storage with a bigger tensor, as state dicts often hold
    base = torch.randn(8, generator=g)
    state["view"] = base[2:6]
    torch.save(state, os.path.join(folder, "small_zip.bin"))
    # The legacy format names storages by memory address and orders them by that name: with a single
    # storage (views of one tensor) renaming its key (same length) gives stable bytes.
    legacy = {"weight": base[:6].view(2, 3), "bias": base[6:], "all": base}
    buf = io.BytesIO()
    torch.save(legacy, buf, _use_new_zipfile_serialization=False)
    key = str(base.untyped_storage()._cdata)
    old, new = (b"X" + struct.pack("<I", len(key)) + k.encode() for k in (key, "0" * len(key)))
    data = buf.getvalue()
    assert data.count(old) >= 2, key  # in the pickle and in the storage-key list
    with open(os.path.join(folder, "small_legacy.bin"), "wb") as f:
        f.write(data.replace(old, new))
    loaded = torch.load(os.path.join(folder, "small_legacy.bin"), weights_only=True)
    assert all(torch.equal(loaded[k], v) for k, v in legacy.items())
    return sorted(os.listdir(folder))


def main():
    torch.use_deterministic_algorithms(True)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    print("all_dtypes.safetensors:", write_all_dtypes(), "tensors")
    print("pipeline:", write_pipeline())
    print("pytorch seeds:", write_pytorch_seeds())
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(OUT) for n in ns)
    print(f"{total} bytes in {OUT}")


if __name__ == "__main__":
    sys.exit(main())
