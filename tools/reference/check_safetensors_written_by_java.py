"""Checks that the reference safetensors library reads a file written by our SafeTensors.write.

Run by hand after the Java test suite has written the file (SafeTensorsTest writes it):
    mvn -q -o test -Dtest=SafeTensorsTest
    tools/reference/.venv/bin/python tools/reference/check_safetensors_written_by_java.py [file]

Default file: target/safetensors-written-by-java/all_dtypes.safetensors (a Java round trip of
src/test/resources/fixtures/checkpoints/all_dtypes.safetensors). Compares every tensor's dtype,
shape and raw bytes, and the metadata, with the fixture's record (all_dtypes.json); exit status 1
on any difference.
"""
import json
import os
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
          torch.uint8: "U8", torch.bool: "BOOL"}


def raw_hex(t):
    return t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes().hex() if t.numel() else ""


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "safetensors-written-by-java", "all_dtypes.safetensors")
    with open(os.path.join(ROOT, "src", "test", "resources", "fixtures", "checkpoints", "all_dtypes.json")) as f:
        expected = json.load(f)
    tensors = load_file(path)
    with safe_open(path, framework="pt") as f:
        metadata = f.metadata()
    problems = []
    if metadata != expected["metadata"]:
        problems.append(f"metadata {metadata} != {expected['metadata']}")
    if sorted(tensors) != sorted(expected["tensors"]):
        problems.append(f"names differ: {sorted(set(tensors) ^ set(expected['tensors']))}")
    same = 0
    for name, want in expected["tensors"].items():
        t = tensors.get(name)
        if t is None:
            continue
        got = (DTYPES[t.dtype], list(t.shape), raw_hex(t))
        if got != (want["dtype"], want["shape"], want["raw_hex"]):
            problems.append(f"{name}: got {got[:2]}, expected {want['dtype']} {want['shape']} (or bytes differ)")
        else:
            same += 1
    print(f"{path}: read by safetensors {__import__('safetensors').__version__}; "
          f"{same}/{len(expected['tensors'])} tensors bit-identical; metadata {'equal' if metadata == expected['metadata'] else 'DIFFERENT'}")
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
