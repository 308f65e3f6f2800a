"""Reference fixtures for the training recipe (org.altdiffusion.train).

Regenerate (deterministic, CPU, a few seconds):
    tools/reference/.venv/bin/python tools/reference/make_training_fixtures.py [distill] [unet] [clip_teacher] [images]

Writes src/test/resources/fixtures/training/:
  teacher/   tiny CLIPTextModel (config.json, model.safetensors): the frozen distillation teacher
  student/   tiny RobertaSeriesModelWithTransformation (m18 layout, project_dim = teacher width,
             no dropout) (config.json, model.safetensors): the distillation student before training
  distill_steps.safetensors: three optimisation steps of the student done the reference way:
             for k in 0..2: student_ids_k / student_mask_k [B, T] (XLM-R ids, <s> ... </s> <pad>),
             teacher_ids_k / teacher_mask_k (CLIP ids), loss_k (MSE between the teacher's pooled
             EOS vector and the student's projected [CLS] vector), norm_k (gradient norm before
             clipping at 1.0) and after_k.<parameter> (every student weight after step k), with
             torch.optim.AdamW(lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2).
  clip_teacher/ tiny CLIPTextModel with the vocabulary of the CLIP tokenizer fixture (tokenizer/clip),
             width 32 (= the tiny AltDiffusion text encoder's project_dim): a teacher for command runs
  images/    solid-colour pictures in odd modes (CMYK JPEG, 8/16-bit gray, alpha, palette, WebP) and
             broken files (truncated JPEG, garbage) for the image decoder tests
  unet/      tiny UNet2DConditionModel (config.json, diffusion_pytorch_model.safetensors)
  unet_steps.safetensors: three optimisation steps of the whole UNet on the diffusion loss:
             for k in 0..2: latents_k [B,4,8,8], noise_k, timesteps_k [B] int64, cond_k [B,7,16],
             loss_k, norm_k, after_k.<parameter> (k = 0 and 2), grad_0.<parameter> (the gradients of
             step 0 before clipping, to check the optimiser alone on identical gradients); AdamW(lr 1e-3, betas (0.9, 0.999), eps 1e-8,
             weight_decay 1e-2), gradient clipping at 1.0; epsilon target for steps 0 and 2,
             v-prediction target for step 1 (both the same optimiser).
  unet_step_f64.safetensors: step 0 of the above redone in float64 (weights, inputs, loss,
             AdamW state): loss, norm, after.<parameter> (float64).
  unet_step_bf16.safetensors: step 0's loss and grad.<parameter> (float32) under
             torch.autocast("cpu", dtype=torch.bfloat16) with float32 weights.
Weights are re-drawn at a larger scale than the library's init so that every layer matters.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import CLIPTextConfig, CLIPTextModel

from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import (
    RobertaSeriesConfig,
    RobertaSeriesModelWithTransformation,
)

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "fixtures", "training")
VOCAB = 100
STEPS = 3


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name.lower() or "pre_LN" in name:
                base = 1.0 if name.endswith("weight") else 0.0
                p.copy_(base + 0.1 * torch.randn(p.shape, generator=g))
            elif "embedding" in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                fan_in = p[0].numel() if p.dim() > 1 else p.shape[0]
                p.copy_(torch.randn(p.shape, generator=g) / fan_in**0.5)


def padded(rows, length, pad):
    ids = torch.full((len(rows), length), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    return ids, mask


def adamw(params):
    return torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)


def distill():
    teacher_config = CLIPTextConfig(
        vocab_size=VOCAB, hidden_size=32, intermediate_size=37, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=77, hidden_act="gelu", layer_norm_eps=1e-5,
        bos_token_id=VOCAB - 2, eos_token_id=VOCAB - 1, pad_token_id=VOCAB - 1,
    )
    torch.manual_seed(1)
    teacher = CLIPTextModel(teacher_config).eval()
    randomize(teacher, 1)
    student_config = RobertaSeriesConfig(
        vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=37, max_position_embeddings=80, type_vocab_size=1, layer_norm_eps=1e-5,
        project_dim=32, has_pre_transformation=True, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, architectures=["RobertaSeriesModelWithTransformation"],
    )
    torch.manual_seed(2)
    student = RobertaSeriesModelWithTransformation(student_config).train()
    randomize(student, 2)
    teacher.save_pretrained(os.path.join(ROOT, "teacher"), safe_serialization=True)
    student.save_pretrained(os.path.join(ROOT, "student"), safe_serialization=True)

    g = torch.Generator().manual_seed(3)
    out = {}
    opt = adamw(student.parameters())
    for k in range(STEPS):
        lengths = [int(n) for n in torch.randint(1, 12, (3,), generator=g)]
        student_rows = [[0] + torch.randint(3, VOCAB, (n,), generator=g).tolist() + [2] for n in lengths]
        teacher_rows = [[VOCAB - 2] + torch.randint(0, VOCAB - 2, (n,), generator=g).tolist() + [VOCAB - 1] for n in lengths]
        s_ids, s_mask = padded(student_rows, 16, 1)
        t_ids, t_mask = padded(teacher_rows, 16, VOCAB - 1)
        opt.zero_grad(set_to_none=True)
        with torch.no_grad():
            target = teacher(input_ids=t_ids, attention_mask=t_mask).pooler_output
        pooled = student(input_ids=s_ids, attention_mask=s_mask).projection_state[:, 0]
        loss = F.mse_loss(pooled, target)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        opt.step()
        out[f"student_ids_{k}"] = s_ids
        out[f"student_mask_{k}"] = s_mask
        out[f"teacher_ids_{k}"] = t_ids
        out[f"teacher_mask_{k}"] = t_mask
        out[f"loss_{k}"] = loss.detach().reshape(1)
        out[f"norm_{k}"] = norm.detach().reshape(1)
        for name, p in student.named_parameters():
            out[f"after_{k}.{name}"] = p.detach().clone()
        print(f"distill step {k}: loss {loss.item():.6f} norm {norm.item():.6f}")
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(ROOT, "distill_steps.safetensors"))


def clip_teacher():
    # A teacher whose vocabulary is that of the tiny CLIP tokenizer fixture (tokenizer/clip), for
    # runs of the train-text-encoder command on text; the student is the tiny AltDiffusion text
    # encoder of the pipeline fixture (project_dim 32 = this width).
    config = CLIPTextConfig(
        vocab_size=2014, hidden_size=32, intermediate_size=37, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5,
        bos_token_id=2012, eos_token_id=2013, pad_token_id=2013,
    )
    torch.manual_seed(6)
    teacher = CLIPTextModel(config).eval()
    randomize(teacher, 6)
    teacher.save_pretrained(os.path.join(ROOT, "clip_teacher"), safe_serialization=True)


def images():
    # Solid-colour pictures in the modes a scraped dataset holds, for the decoder's mode
    # conversions (expected RGB values in the test), and two broken files.
    from PIL import Image
    import io
    import numpy as np
    out = os.path.join(ROOT, "images")
    os.makedirs(out, exist_ok=True)
    size = (20, 12)
    Image.new("RGB", size, (200, 30, 60)).save(os.path.join(out, "rgb.png"))
    Image.new("RGB", size, (200, 30, 60)).save(os.path.join(out, "rgb.jpg"), quality=95)
    Image.new("L", size, 77).save(os.path.join(out, "gray.png"))
    Image.fromarray(np.full((12, 20), 32896, dtype=np.uint16)).save(os.path.join(out, "gray16.png"))  # 32896/65535*255 = 128
    Image.new("RGBA", size, (255, 0, 0, 128)).save(os.path.join(out, "rgba.png"))  # over white: (255, 127, 127)
    Image.new("LA", size, (0, 64)).save(os.path.join(out, "la.png"))  # over white: 191
    Image.new("RGB", size, (10, 200, 30)).convert("P", palette=Image.ADAPTIVE).save(os.path.join(out, "palette.png"))
    Image.new("CMYK", size, (0, 255, 255, 0)).save(os.path.join(out, "cmyk.jpg"), quality=95)  # red ink only: red
    Image.new("RGB", size, (10, 200, 30)).save(os.path.join(out, "green.webp"))
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 60)).save(buf, format="JPEG", quality=95)
    data = buf.getvalue()
    with open(os.path.join(out, "truncated.jpg"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(out, "garbage.jpg"), "wb") as f:
        f.write(bytes(range(256)) * 4)


def unet():
    from diffusers import DDPMScheduler, UNet2DConditionModel

    torch.manual_seed(4)
    model = UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, layers_per_block=1,
        block_out_channels=(16, 32), down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), cross_attention_dim=16,
        attention_head_dim=(2, 4), norm_num_groups=4, use_linear_projection=True,
    ).train()
    randomize(model, 4)
    model.save_pretrained(os.path.join(ROOT, "unet"), safe_serialization=True)
    scheduler = DDPMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000)
    g = torch.Generator().manual_seed(5)
    out = {}
    opt = adamw(model.parameters())
    for k in range(STEPS):
        latents = torch.randn((2, 4, 8, 8), generator=g)
        noise = torch.randn((2, 4, 8, 8), generator=g)
        timesteps = torch.randint(0, 1000, (2,), generator=g)
        cond = torch.randn((2, 7, 16), generator=g)
        opt.zero_grad(set_to_none=True)
        noisy = scheduler.add_noise(latents, noise, timesteps)
        target = scheduler.get_velocity(latents, noise, timesteps) if k == 1 else noise
        pred = model(noisy, timesteps, cond).sample
        loss = F.mse_loss(pred.float(), target.float(), reduction="mean")
        loss.backward()
        if k == 0:
            for name, p in model.named_parameters():
                out[f"grad_0.{name}"] = p.grad.detach().clone()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        out[f"latents_{k}"] = latents
        out[f"noise_{k}"] = noise
        out[f"timesteps_{k}"] = timesteps
        out[f"cond_{k}"] = cond
        out[f"loss_{k}"] = loss.detach().reshape(1)
        out[f"norm_{k}"] = norm.detach().reshape(1)
        if k != 1:  # step 1 is checked through step 2 (the optimiser state it leaves)
            for name, p in model.named_parameters():
                out[f"after_{k}.{name}"] = p.detach().clone()
        print(f"unet step {k}: loss {loss.item():.6f} norm {norm.item():.6f}")
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(ROOT, "unet_steps.safetensors"))


def timestep_features_f64(proj):
    """diffusers' get_timestep_embedding op for op, but in float64 (it hard-codes float32): the one
    part of a float64 UNet that would otherwise stay float32, whose sin/cos rounding differs between
    libtorch builds."""
    def forward(timesteps):
        half = proj.num_channels // 2
        exponent = -math.log(10000) * torch.arange(0, half, dtype=torch.float64) / (half - proj.downscale_freq_shift)
        emb = timesteps[:, None].double() * torch.exp(exponent)[None, :]
        emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
        return torch.cat([emb[:, half:], emb[:, :half]], dim=-1) if proj.flip_sin_to_cos else emb
    return forward


def unet_f64():
    """One step of the same UNet with weights, inputs, timestep features, loss and optimiser in
    float64: rounding of either side's kernels (MKL here, OpenBLAS in the Java build) falls far
    below 1e-6, so the step shows the algorithms are the same."""
    from diffusers import DDPMScheduler, UNet2DConditionModel
    from safetensors.torch import load_file

    model = UNet2DConditionModel.from_pretrained(os.path.join(ROOT, "unet")).double().train()
    model.time_proj.forward = timestep_features_f64(model.time_proj)
    scheduler = DDPMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000)
    steps = load_file(os.path.join(ROOT, "unet_steps.safetensors"))
    latents, noise, cond = (steps[f"{n}_0"].double() for n in ("latents", "noise", "cond"))
    timesteps = steps["timesteps_0"]
    opt = adamw(model.parameters())
    noisy = scheduler.add_noise(latents, noise, timesteps)
    loss = F.mse_loss(model(noisy, timesteps, cond).sample, noise, reduction="mean")
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    out = {"loss": loss.detach().reshape(1), "norm": norm.detach().reshape(1)}
    for name, p in model.named_parameters():
        out[f"after.{name}"] = p.detach().clone()
    print(f"unet float64 step: loss {loss.item():.12f} norm {norm.item():.12f}")
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(ROOT, "unet_step_f64.safetensors"))


def unet_bf16():
    """Step 0's loss and gradients of the same UNet under torch.autocast("cpu", bfloat16), float32
    weights (what diffusers' train scripts do with --mixed_precision bf16 on a CPU)."""
    from diffusers import DDPMScheduler, UNet2DConditionModel
    from safetensors.torch import load_file

    model = UNet2DConditionModel.from_pretrained(os.path.join(ROOT, "unet")).train()
    scheduler = DDPMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000)
    steps = load_file(os.path.join(ROOT, "unet_steps.safetensors"))
    latents, noise, cond, timesteps = (steps[f"{n}_0"] for n in ("latents", "noise", "cond", "timesteps"))
    noisy = scheduler.add_noise(latents, noise, timesteps)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        pred = model(noisy, timesteps, cond).sample
        loss = F.mse_loss(pred.float(), noise.float(), reduction="mean")
    loss.backward()
    out = {"loss": loss.detach().reshape(1)}
    for name, p in model.named_parameters():
        assert p.dtype == torch.float32 and p.grad.dtype == torch.float32
        out[f"grad.{name}"] = p.grad.detach().clone()
    print(f"unet bf16 autocast step: loss {loss.item():.8f} (float32: {steps['loss_0'].item():.8f})")
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(ROOT, "unet_step_bf16.safetensors"))


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    os.makedirs(ROOT, exist_ok=True)
    which = sys.argv[1:] or ["distill", "unet", "unet_f64", "unet_bf16", "clip_teacher", "images"]
    if "distill" in which:
        distill()
    if "unet" in which:
        unet()
    if "unet_f64" in which:
        unet_f64()
    if "unet_bf16" in which:
        unet_bf16()
    if "clip_teacher" in which:
        clip_teacher()
    if "images" in which:
        images()


if __name__ == "__main__":
    main()
