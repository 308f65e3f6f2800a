"""Differential check of our safetensors reader against the reference library.

Run by hand (slow-ish; not part of the build). The fuzzer is test code (src/test/java):
    mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt
    java -cp target/classes:target/test-classes:$(cat cp.txt) org.altdiffusion.io.fuzz.CheckpointFuzzer \
        --count 20000 --seed 7 --dump /tmp/fuzzdump
    tools/reference/.venv/bin/python tools/reference/compare_safetensors_verdicts.py /tmp/fuzzdump

For every dumped input the reference (safetensors.torch.load on the bytes) accepts or refuses it;
our verdict is in verdicts.tsv. Disagreements are grouped; those that match a deliberate
difference (documented in SafeTensorsHeader) are counted as such, the rest are printed.
Exit status 1 when an undocumented disagreement remains.
"""
import collections
import os
import re
import sys

from safetensors.torch import load

def reference(data):
    try:
        load(data)
        return "accepted", ""
    except Exception as e:  # the reference raises SafetensorError, TypeError, RuntimeError, ...
        return "error", f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"


def documented_difference(ours_msg):
    """Why our reader may refuse what the reference accepts (stricter on purpose)."""
    if "duplicate" in ours_msg:
        return "duplicate names (the reference keeps the last)"
    if "unpaired UTF-16 surrogate" in ours_msg:
        return "lone surrogate escape"
    if "not supported here" in ours_msg:
        return "dtype defined by safetensors, not supported here"
    if "more than 64 entries" in ours_msg:
        return "rank over 64"
    if "overflows 64 bits" in ours_msg or "larger than 2^63-1" in ours_msg:
        return "shape libtorch cannot address (the reference's torch fails later or accepts 0-size)"
    return None


def main():
    folder = sys.argv[1]
    verdicts = {}
    with open(os.path.join(folder, "verdicts.tsv"), encoding="utf-8") as f:
        for line in f:
            idx, verdict, msg = line.rstrip("\n").split("\t", 2)
            verdicts[idx] = (verdict, msg)
    agree = 0
    documented = collections.Counter()
    undocumented = collections.Counter()
    examples = {}
    for idx, (ours, msg) in sorted(verdicts.items()):
        with open(os.path.join(folder, idx + ".safetensors"), "rb") as f:
            data = f.read()
        ref, ref_msg = reference(data)
        if ref == ours:
            agree += 1
            continue
        why = documented_difference(msg) if ours == "error" else None
        if why:
            documented[why] += 1
        else:
            key = f"ours {ours}: {re.sub(r'[0-9]+', 'N', msg)[:100]} | reference {ref}: {ref_msg[:100]}"
            undocumented[key] += 1
            examples.setdefault(key, idx)
    print(f"{len(verdicts)} inputs: {agree} same verdict; {sum(documented.values())} documented differences; "
          f"{sum(undocumented.values())} undocumented")
    for why, n in documented.most_common():
        print(f"  documented {n:6d}  {why}")
    for key, n in undocumented.most_common():
        print(f"  UNDOCUMENTED {n:6d}  {key}  (e.g. {examples[key]})")
    return 1 if undocumented else 0


if __name__ == "__main__":
    sys.exit(main())
