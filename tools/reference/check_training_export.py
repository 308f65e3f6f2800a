"""Checks that a folder written by `altdiffusion train-unet` (OUT/final or OUT/final-ema) or
`altdiffusion train-text-encoder` loads in the reference libraries.

Run:
    tools/reference/.venv/bin/python tools/reference/check_training_export.py OUT/final [--text-encoder]

train-unet output: loads unet/, vae/, text_encoder/, tokenizer/, scheduler/ with diffusers /
transformers from_pretrained, checks the UNet's weights equal the safetensors file bit for bit, and
generates one 2-step image with AltDiffusionPipeline built from the components. (diffusers 0.30.3's
AltDiffusionPipeline.from_pretrained(folder) itself refuses model_index.json's
["diffusers", "RobertaSeriesModelWithTransformation"] entry, for BAAI's own folders too, hence the
component-wise construction.) --text-encoder: loads the folder as RobertaSeriesModelWithTransformation
and checks every saved weight.
"""
import sys

import torch
from safetensors.torch import load_file

from diffusers import AutoencoderKL, PNDMScheduler, UNet2DConditionModel
from diffusers.pipelines.deprecated.alt_diffusion import AltDiffusionPipeline
from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import RobertaSeriesModelWithTransformation
from transformers import XLMRobertaTokenizer


def main():
    folder = sys.argv[1]
    if "--text-encoder" in sys.argv:
        model = RobertaSeriesModelWithTransformation.from_pretrained(folder)
        saved = load_file(folder + "/model.safetensors")
        state = model.state_dict()
        assert all(torch.equal(state[k], v) for k, v in saved.items()), "weights differ"
        print(f"text encoder: {len(saved)} tensors load into RobertaSeriesModelWithTransformation unchanged")
        return
    unet = UNet2DConditionModel.from_pretrained(folder + "/unet")
    saved = load_file(folder + "/unet/diffusion_pytorch_model.safetensors")
    state = unet.state_dict()
    assert all(torch.equal(state[k], v) for k, v in saved.items()), "UNet weights differ"
    pipe = AltDiffusionPipeline(
        vae=AutoencoderKL.from_pretrained(folder + "/vae"),
        text_encoder=RobertaSeriesModelWithTransformation.from_pretrained(folder + "/text_encoder"),
        tokenizer=XLMRobertaTokenizer.from_pretrained(folder + "/tokenizer"),
        unet=unet, scheduler=PNDMScheduler.from_pretrained(folder + "/scheduler"),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    size = 8 * unet.config.sample_size
    image = pipe("a red circle", num_inference_steps=2, height=size, width=size, output_type="np").images
    print(f"unet: {len(saved)} tensors load into UNet2DConditionModel unchanged; generated {image.shape}")


if __name__ == "__main__":
    main()
