"""Reference fixture for train-controlnet: diffusers 0.30.3's ControlNetModel.from_unet on the tiny
AltDiffusion UNet of make_pipeline_fixtures.py.

Regenerate (deterministic: torch.manual_seed(0), CPU, float32):

    tools/reference/.venv/bin/python tools/reference/make_controlnet_train_fixtures.py

Writes src/test/resources/fixtures/controlnet/from-unet/ (save_pretrained: config.json and
diffusion_pytorch_model.safetensors). The tiny VAE shrinks pictures 2x, so the conditioning
embedding has two widths (16, 32): one stride-2 step, as train-controlnet chooses for a 2x VAE.
The copied encoder and the zero convolutions are deterministic and compared weight for weight; the
conditioning embedding's other layers are torch's default random initialisation.
"""

import os

import torch
from diffusers import ControlNetModel, UNet2DConditionModel

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "fixtures")

torch.manual_seed(0)
unet = UNet2DConditionModel.from_pretrained(os.path.join(ROOT, "pipeline", "tiny-altdiffusion", "unet"))
net = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=(16, 32))
out = os.path.join(ROOT, "controlnet", "from-unet")
net.save_pretrained(out)
print("wrote", out, sum(p.numel() for p in net.parameters()), "weights")
