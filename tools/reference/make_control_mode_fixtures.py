"""The scales of sd-webui-controlnet's control modes, computed with its own formula in Python floats.

Regenerate: tools/reference/.venv/bin/python tools/reference/make_control_mode_fixtures.py

scripts/hook.py (Mikubill/sd-webui-controlnet, commit 56cec5b), UnetHook.hook's forward:
    control_scales = [param.weight] * 13                                  # Balanced
    if param.soft_injection or ...:                                       # modes 1 and 2
        control_scales = [param.weight * (0.825 ** float(12 - i)) for i in range(13)]
    if param.cfg_injection or param.global_average_pooling:               # mode 2
        control = [c * cond_mark for c in control]
    control = [c * scale for c, scale in zip(control, control_scales)]
scripts/controlnet.py: soft_injection = control_mode != BALANCED, cfg_injection = control_mode == CONTROL.
Writes src/test/resources/fixtures/controlnet/control_mode_scales.json: per weight, the 13 scales of
soft injection (repr of the Python floats, exact) and their float32 values.
"""

import json
import os

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "src", "test", "resources", "fixtures", "controlnet", "control_mode_scales.json")


def main():
    cases = []
    for weight in [1.0, 0.5, 0.7, 1.35, 2.0, 0.0, 0.123]:
        soft = [weight * (0.825 ** float(12 - i)) for i in range(13)]
        cases.append({"weight": weight, "soft": [repr(s) for s in soft],
                      "soft_float32": [float(np.float32(s)) for s in soft]})
    with open(OUT, "w") as f:
        json.dump({"cases": cases}, f, indent=1)
    print(len(cases), "weights")


if __name__ == "__main__":
    main()
