"""Fixtures for the PyTorch zip checkpoint reader (org.altdiffusion.io.pytorch).

Regenerate (deterministic: fixed values and seeds; torch.save output is byte-stable):
    tools/reference/.venv/bin/python tools/reference/make_pytorch_fixtures.py

Writes src/test/resources/fixtures/pytorch/:
  *.bin / *.ckpt / *.pt   checkpoints written by torch.save (plus hand-made hostile ones)
  expected.json           per file: exposed keys in order, dtype, shape, stride, storage offset,
                          storage group, sha256 (and hex when small) of the contiguous raw bytes
                          and of the widened values (float32 / int64), skipped keys; per bad file:
                          the text the Java error must contain.

The evil_*.bin files contain pickles that WOULD run a shell command if unpickled by Python
(`touch` of a placeholder path made of 200 '@'; the Java test patches in its own temp path,
padded with spaces to the same length). This script never unpickles them: it writes the bytes
and checks them with pickletools.genops, which only parses.

Benchmark file (not committed, 524 MB fp16; written once, then timed with torch.load):
    tools/reference/.venv/bin/python tools/reference/make_pytorch_fixtures.py --bench tools/reference/out/bench_fp16.bin
"""

import argparse
import collections
import hashlib
import io
import json
import math
import os
import pickle
import pickletools
import struct
import sys
import time
import zipfile

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "fixtures", "pytorch")
MARKER = "@" * 200  # replaced by the Java test with its temp marker path, space-padded to 200 chars


def raw_bytes(t):
    c = torch.empty_like(t, memory_format=torch.contiguous_format)
    c.copy_(t)
    return bytes(c.untyped_storage())[: c.numel() * c.element_size()]


def widened(t):
    if t.dtype == torch.bool:
        return t
    return t.float() if t.is_floating_point() else t.long()


def describe(sd, order=None):
    """Expected view of every tensor entry: what TorchCheckpoint must expose."""
    names = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
             torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
             torch.uint8: "U8", torch.bool: "BOOL"}
    groups = {}
    tensors = []
    skipped = []
    for k, t in sd.items():
        if not isinstance(t, torch.Tensor):
            skipped.append(k)
            continue
        ptr = t.untyped_storage().data_ptr()
        group = groups.setdefault(ptr, len(groups))
        raw = raw_bytes(t)
        wide = raw_bytes(widened(t))
        entry = {"key": k, "dtype": names[t.dtype], "shape": list(t.shape), "stride": list(t.stride()),
                 "storage_offset": t.storage_offset(), "storage_group": group,
                 "sha256": hashlib.sha256(raw).hexdigest(), "sha256_widened": hashlib.sha256(wide).hexdigest()}
        if len(raw) <= 128:
            entry["hex"] = raw.hex()
        tensors.append(entry)
    return {"tensors": tensors, "skipped": skipped}


def f32_from_bits(bits):
    return torch.tensor(bits, dtype=torch.int32).view(torch.float32)


def dtypes_state():
    inf, nan = math.inf, math.nan
    sd = {}
    sd["f64"] = torch.tensor([0.0, -0.0, 1.0, -2.5, inf, -inf, nan, 5e-324, 2.2250738585072014e-308,
                              1.7976931348623157e308, math.pi], dtype=torch.float64)
    f32 = torch.tensor([0.0, -0.0, 1.0, -1.5, inf, -inf, nan, 1e-45, 1.1754942e-38, 1.17549435e-38,
                        3.4028235e38, math.pi], dtype=torch.float32)
    payload_nans = f32_from_bits([0x7FC00001, -0x00400000, 0x7F800001])  # quiet NaN with payload, -NaN, signalling NaN
    sd["f32"] = torch.cat([f32, payload_nans]).reshape(3, 5)
    sd["f16"] = torch.tensor([0.0, -0.0, 1.0, 65504.0, -65504.0, inf, -inf, nan, 5.960464477539063e-08,
                              6.097555160522461e-05, 6.103515625e-05, 0.333251953125], dtype=torch.float16)
    sd["bf16"] = torch.tensor([0.0, -0.0, 1.0, 3.3895313892515355e38, -1.0, inf, -inf, nan, 9.183549615799121e-41,
                               1.1754943508222875e-38, 0.333984375, 7.0], dtype=torch.bfloat16).reshape(2, 2, 3)
    sd["i64"] = torch.tensor([0, 1, -1, 2**63 - 1, -(2**63), 123456789012], dtype=torch.int64)
    sd["i32"] = torch.tensor([0, 1, -1, 2**31 - 1, -(2**31)], dtype=torch.int32)
    sd["i16"] = torch.tensor([[0, 1], [-1, 32767], [-32768, 1234]], dtype=torch.int16)
    sd["i8"] = torch.tensor([0, 1, -1, 127, -128], dtype=torch.int8)
    sd["u8"] = torch.tensor([0, 1, 127, 128, 255], dtype=torch.uint8)
    sd["bool"] = torch.tensor([True, False, True, True], dtype=torch.bool)
    g = torch.Generator().manual_seed(0)
    sd["randn_f32"] = torch.randn(7, 9, generator=g)
    sd["randn_f16"] = torch.randn(4, 3, 2, 5, generator=g).half()
    sd["randn_bf16"] = torch.randn(33, generator=g).bfloat16()
    return sd


def views_state():
    g = torch.Generator().manual_seed(1)
    base = torch.arange(40, dtype=torch.float32) * 0.5 - 3.0
    w = torch.randn(5, 7, generator=g)
    sd = collections.OrderedDict()
    sd["transposed"] = w.t()  # non-contiguous, stride (1, 7)
    sd["slice_a"] = base[2:14].view(3, 4)  # shares storage with slice_b, offset 2
    sd["slice_b"] = base[20:26]  # offset 20
    sd["columns"] = base.view(5, 8)[:, 1:6:2]  # strides (8, 2), offset 1
    sd["expanded"] = torch.tensor([1.5, -2.0, 4.0]).expand(4, 3)  # stride (0, 1)
    sd["permuted"] = torch.randn(2, 3, 4, generator=g).half().permute(2, 0, 1)
    sd["scalar"] = torch.tensor(3.25)
    sd["scalar_i64"] = torch.tensor(-7)
    sd["empty"] = torch.empty(0, 3)
    sd["empty_view"] = base[40:]  # zero elements at the very end of a storage
    sd["tied_a"] = w  # tied weights: the same tensor under two keys
    sd["tied_b"] = w
    return sd


def module_state():
    torch.manual_seed(2)
    m = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.LayerNorm(3), torch.nn.Conv2d(3, 2, 3))
    return m.half().state_dict()  # OrderedDict with _metadata: exercises BUILD


def misc_state():
    g = torch.Generator().manual_seed(3)
    t = torch.randn(3, generator=g)
    t.note = "python attribute"  # pickled through torch._tensor._rebuild_from_type_v2
    sd = {}
    sd["param"] = torch.nn.Parameter(torch.randn(2, 2, generator=g))
    sd["with_attr"] = t
    sd["bytes"] = b"\x00\xffabc"
    sd["set"] = {1, 2, 3}
    sd["size"] = torch.Size([2, 3])
    sd["none"] = None
    sd["big_int"] = 2**70
    sd["float"] = 1.5
    sd["list"] = [1, "a", (2.0, None)]
    sd["nested"] = {"inner": torch.ones(2)}
    sd["weight"] = torch.randn(4, generator=g).bfloat16()
    return sd


def ldm_checkpoint():
    g = torch.Generator().manual_seed(4)
    state = collections.OrderedDict()
    state["model.diffusion_model.conv_in.weight"] = torch.randn(4, 4, 3, 3, generator=g).half()
    state["model.diffusion_model.conv_in.bias"] = torch.randn(4, generator=g).half()
    state["first_stage_model.decoder.conv_out.weight"] = torch.randn(3, 4, 1, 1, generator=g)
    state["cond_stage_model.model.token_embedding.weight"] = torch.randn(10, 4, generator=g)
    optimizer = {"state": {0: {"step": torch.tensor(5.0), "exp_avg": torch.zeros(4, 4, 3, 3)}},
                 "param_groups": [{"lr": 1e-4, "betas": (0.9, 0.999), "params": [0, 1, 2, 3]}]}
    return {"epoch": 1, "global_step": 5, "pytorch-lightning_version": "1.4.2", "state_dict": state,
            "optimizer_states": [optimizer], "lr_schedulers": []}


def save(obj, name, **kwargs):
    path = os.path.join(OUT, name)
    torch.save(obj, path, **kwargs)
    return path


def zip_entries(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def write_zip(path, entries):
    """A torch-like zip: every entry STORED, in the given order."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


def big_endian_copy(src, dst):
    """dtypes.bin as a big-endian machine would have written it; torch.load byte-swaps it back."""
    sd = torch.load(src, weights_only=True)
    out = []  # storage key i belongs to the i-th tensor: torch numbers storages in pickling order
    for name, data in zip_entries(src):
        if name.endswith("/byteorder"):
            data = b"big"
        elif "/data/" in name and not name.split("/")[-1].startswith("."):
            key = int(name.split("/")[-1])
            size = list(sd.values())[key].element_size()
            data = b"".join(data[i:i + size][::-1] for i in range(0, len(data), size))
        out.append((name.replace("dtypes/", "big_endian/"), data))
    write_zip(dst, out)
    back = torch.load(dst, weights_only=True)
    for k, t in sd.items():
        assert raw_bytes(back[k]) == raw_bytes(t), k


def write_legacy(path):
    """torch.save(..., _use_new_zipfile_serialization=False), with its storage keys (memory
    addresses, different on every run) replaced by same-length digits so the file is stable."""
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf, _use_new_zipfile_serialization=False)
    data = buf.getvalue()
    f = io.BytesIO(data)
    for _ in range(4):  # magic number, protocol version, sys info, the object
        for _op in pickletools.genops(f):
            pass
    keys = [arg for op, arg, _ in pickletools.genops(f) if isinstance(arg, str)]
    for i, key in enumerate(keys):
        data = data.replace(key.encode(), str(i + 1).rjust(len(key), "0").encode())
    with open(path, "wb") as out:
        out.write(data)
    assert torch.equal(torch.load(path, weights_only=True)["w"], torch.ones(2))


def zip64_copy(src, dst):
    """The same checkpoint with every zip64 structure a >4 GiB torch file has: zip64 extra fields
    in the central directory (32-bit fields saturated) and a zip64 end record that the classic
    one defers to. zipfile's size thresholds are lowered to force them."""
    entries = [(name.replace("views/", "zip64/"), data) for name, data in zip_entries(src)]
    limits = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 0, 0
    try:
        write_zip(dst, entries)
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = limits
    data = bytearray(open(dst, "rb").read())
    end = len(data) - 22
    assert data[end:end + 4] == b"PK\x05\x06" and data[end - 20:end - 16] == b"PK\x06\x07"
    data[end + 8:end + 20] = b"\xff" * 12  # entry counts, directory size and offset: "see the zip64 record"
    open(dst, "wb").write(bytes(data))
    back = torch.load(dst, weights_only=True)
    ref = torch.load(src, weights_only=True)
    assert all(torch.equal(back[k], ref[k]) for k in ref)


def global_op(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def unicode_op(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def evil_pickles():
    """Hand-assembled hostile pickles (protocol 2 unless noted). Never unpickled here."""
    cmd = "touch " + MARKER
    call = lambda module, name: global_op(module, name) + unicode_op(cmd) + b"\x85R"  # module.name(cmd)
    p = {}
    p["evil_os_system.bin"] = (b"\x80\x02" + call("os", "system") + b".", "os.system")
    p["evil_posix_system.bin"] = (b"\x80\x02" + call("posix", "system") + b".", "posix.system")
    p["evil_nt_system.bin"] = (b"\x80\x02" + call("nt", "system") + b".", "nt.system")
    p["evil_builtins_eval.bin"] = (b"\x80\x02" + global_op("builtins", "eval")
                                   + unicode_op("__import__('os').system('" + cmd + "')") + b"\x85R.", "builtins.eval")
    p["evil_builtin_exec.bin"] = (b"\x80\x02" + global_op("__builtin__", "exec")
                                  + unicode_op("import os; os.system('" + cmd + "')") + b"\x85R.", "__builtin__.exec")
    # subprocess.Popen(['touch', MARKER])
    p["evil_subprocess_popen.bin"] = (b"\x80\x02" + global_op("subprocess", "Popen") + b"](" + unicode_op("touch")
                                      + unicode_op(MARKER) + b"e\x85R.", "subprocess.Popen")
    # {'weight': <valid tensor>, 'meta': {'x': [ (1, os.system(cmd)) ]}}: the call hides inside a dict after a tensor.
    tensor = (global_op("torch._utils", "_rebuild_tensor_v2") + b"((" + unicode_op("storage")
              + global_op("torch", "FloatStorage") + unicode_op("0") + unicode_op("cpu") + b"K\x02tQK\x00K\x02\x85K\x01\x85\x89"
              + global_op("collections", "OrderedDict") + b")RtR")
    p["evil_nested.bin"] = (b"\x80\x02}(" + unicode_op("weight") + tensor + unicode_op("meta") + b"}" + unicode_op("x")
                            + b"](K\x01" + call("os", "system") + b"\x86es" + b"u.", "os.system")
    # protocol 4: STACK_GLOBAL of posix.system, names in SHORT_BINUNICODE, inside a FRAME
    body = (b"\x8c\x05posix\x94\x8c\x06system\x94\x93\x94\x8c" + bytes([len(cmd)]) + cmd.encode() + b"\x94\x85\x94R\x94.")
    p["evil_stack_global_p4.bin"] = (b"\x80\x04\x95" + struct.pack("<Q", len(body)) + body, "posix.system")
    # an allowed global used as the function of another REDUCE chain cannot reach os: os.system via NEWOBJ
    p["evil_newobj.bin"] = (b"\x80\x02" + global_op("os", "system") + unicode_op(cmd) + b"\x85\x81.", "os.system")
    return p


def check_evil(data):
    ops = [op.name for op, _, _ in pickletools.genops(data)]  # parses only, executes nothing
    assert "STOP" in ops and ("REDUCE" in ops or "NEWOBJ" in ops), ops


def write_evil(name, pickle_bytes):
    check_evil(pickle_bytes)
    folder = name.split(".")[0]
    entries = [(folder + "/data.pkl", pickle_bytes), (folder + "/byteorder", b"little"), (folder + "/version", b"3\n")]
    if name == "evil_nested.bin":
        entries.insert(1, (folder + "/data/0", struct.pack("<2f", 1.0, 2.0)))
    write_zip(os.path.join(OUT, name), entries)


def bench(path):
    if not os.path.exists(path):
        g = torch.Generator().manual_seed(5)
        sd = collections.OrderedDict()
        for i in range(100):
            sd[f"block.{i}.weight"] = torch.randn(1280, 1280, generator=g).half()
        for i in range(20):
            sd[f"big.{i}.weight"] = torch.randn(2560, 1920, generator=g).half()
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        torch.save(sd, path)
        del sd
    print(f"{path}: {os.path.getsize(path) / 1e6:.1f} MB, torch {torch.__version__}, {torch.get_num_threads()} threads")

    def raw():
        return torch.load(path, weights_only=True)

    def fp32():
        return {k: v.float() for k, v in torch.load(path, weights_only=True).items()}

    def mmap_fp32():
        return {k: v.float() for k, v in torch.load(path, weights_only=True, mmap=True).items()}

    for label, fn in [("torch.load (fp16 in memory)", raw), ("torch.load + .float() each", fp32),
                      ("torch.load(mmap=True) + .float() each", mmap_fp32)]:
        best = None
        for _ in range(3):
            t0 = time.perf_counter()
            out = fn()
            dt = time.perf_counter() - t0
            del out
            best = dt if best is None else min(best, dt)
        print(f"bench {label}: best of 3 {best:.3f} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", help="write the ~516 MB fp16 benchmark checkpoint here and time torch.load")
    args = ap.parse_args()
    if args.bench:
        torch.set_num_threads(2)
        bench(args.bench)
        return
    os.makedirs(OUT, exist_ok=True)
    expected = {"files": {}, "errors": {}}

    def record(name, obj, sd, from_state_dict=False):
        d = describe(sd)  # obj is what was saved; sd the dict whose tensors are exposed
        d["from_state_dict"] = from_state_dict
        expected["files"][name] = d

    sd = dtypes_state(); save(sd, "dtypes.bin"); record("dtypes.bin", sd, sd)
    sd = views_state(); save(sd, "views.bin"); record("views.bin", sd, sd)
    save(sd, "views_p4.bin", pickle_protocol=4); record("views_p4.bin", sd, sd)
    save(sd, "views_p5.bin", pickle_protocol=5); record("views_p5.bin", sd, sd)
    sd = module_state(); save(sd, "module_state.bin"); record("module_state.bin", sd, sd)
    sd = misc_state(); save(sd, "misc_p4.pt", pickle_protocol=4); record("misc_p4.pt", sd, sd)
    save(sd, "misc_p2.pt"); record("misc_p2.pt", sd, sd)
    ck = ldm_checkpoint(); save(ck, "ldm.ckpt"); record("ldm.ckpt", ck, ck["state_dict"], from_state_dict=True)
    big_endian_copy(os.path.join(OUT, "dtypes.bin"), os.path.join(OUT, "big_endian.bin"))
    expected["files"]["big_endian.bin"] = dict(expected["files"]["dtypes.bin"])
    zip64_copy(os.path.join(OUT, "views.bin"), os.path.join(OUT, "zip64.bin"))
    expected["files"]["zip64.bin"] = dict(expected["files"]["views.bin"])

    write_legacy(os.path.join(OUT, "legacy.pt"))
    expected["errors"]["legacy.pt"] = "legacy (pre-1.6, non-zip) PyTorch format"
    save({"u": torch.zeros(3, dtype=torch.uint16)}, "uint16.bin")
    expected["errors"]["uint16.bin"] = "tensor 'u' has dtype uint16, which is not supported"
    save({"c": torch.zeros(2, dtype=torch.complex64)}, "complex.bin")
    expected["errors"]["complex.bin"] = "tensor 'c' has dtype complexfloat, which is not supported"
    save(torch.nn.Linear(2, 2), "whole_module.pt")  # pickles the class: refused
    expected["errors"]["whole_module.pt"] = "forbidden global 'torch.nn.modules.linear.Linear'"
    save([torch.ones(1)], "list_root.pt")
    expected["errors"]["list_root.pt"] = "the pickled object is a list, not a dict of tensors"

    for name, (data, forbidden) in evil_pickles().items():
        write_evil(name, data)
        expected["errors"][name] = f"forbidden global '{forbidden}'"
    expected["marker_placeholder"] = MARKER

    # Plain pickles of every value kind, for the unpickler's own test (SafeUnpicklerTest).
    values = {"ints": [0, 1, -1, 255, 256, 65535, 65536, -(2**31), 2**31 - 1, 2**31, 2**63 - 1, -(2**63), 2**70, -(2**70)],
              "floats": [0.0, -0.0, 1.5, math.inf, -1e-300],
              "strs": ["", "a", "\u00e9\u4e2d\U0001F600", "x" * 300],
              "bytes": b"\x00\xff" * 3, "none": None, "bools": (True, False),
              "tuples": ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)), "set": {7}, "frozenset": frozenset({8}),
              "nested": {"k": [{"deep": (1, [2])}]}, "shared": [[9]] * 2, (1, "t"): "tuple key", 5: "int key"}
    for protocol in (2, 3, 4, 5):
        with open(os.path.join(OUT, f"values_p{protocol}.pkl"), "wb") as f:
            f.write(pickle.dumps(values, protocol=protocol))

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total / 1e3:.1f} kB in {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
