"""Reference fixtures for the evaluation metrics: FID's InceptionV3, the Frechet distance, the
Inception Score and pytorch-fid's .npz statistics.

Regenerate (deterministic: fixed seeds, CPU, float32/float64; needs pytorch-fid, torch-fidelity and
torchvision, pinned in requirements.txt):

    tools/reference/.venv/bin/python tools/reference/make_fid_fixtures.py

Writes src/test/resources/fixtures/eval/:
  inception_keys.txt   pytorch-fid's FID Inception (torchvision Inception3 names, the layout of
                       pt_inception-2015-12-05) key by key: "name shape... scale offset abs". The
                       weights are random and not stored (95 MB): both sides draw them in this order
                       from one torch generator seeded 0 as  t = randn(shape); t = |t| if abs;
                       t * scale + offset  (libtorch and torch give the same numbers).
  inception.npz        images  float32 [B, 3, H, W] in [0, 1] (odd sizes; resized to 299 inside),
                       pool    float32 [B, 2048]  pytorch-fid InceptionV3 block 3 (final avg pool),
                       logits  float32 [B, 1008]  torch-fidelity's 'logits_unbiased' (pool @ fc.W^T)
  frechet.npz          per case c: c_f1, c_f2 features [N, d], c_fid = calculate_frechet_distance of
                       their statistics as pytorch-fid computes them (np.mean, np.cov rowvar=False);
                       for d <= 32 also c_mu1, c_sigma1, c_mu2, c_sigma2; cases listed in 'cases'
                       (one string). relu256 is FID on few pictures: float32, d > N
  stats_compressed.npz pytorch-fid's own writer: np.savez_compressed(mu=..., sigma=...)
  isc.npz              per case c: c_logits (float32), c_splits, c_mean, c_std from torch-fidelity's
                       isc_features_to_metric(shuffle=True, rng_seed=2020); perm10 / perm1000:
                       np.random.RandomState(2020).permutation(n)
"""

import os

import numpy as np
import torch

import pytorch_fid.inception as pfi
from pytorch_fid.fid_score import calculate_frechet_distance
from torch_fidelity.metric_isc import isc_features_to_metric
from torchvision.models.inception import Inception3

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "fixtures", "eval")


def init_rule(name, shape):
    """(scale, offset, abs) of each key: keeps activations of the random network in range."""
    if name.endswith("running_var"):
        return 0.2, 0.8, True
    if name.endswith("running_mean"):
        return 0.1, 0.0, False
    if name.endswith("bn.weight"):
        return 0.1, 1.0, False
    if name.endswith("bn.bias") or name == "fc.bias":
        return 0.1, 0.0, False
    fan_in = int(np.prod(shape[1:]))
    return float(1.0 / np.sqrt(fan_in)), 0.0, False


def random_inception_state():
    model = Inception3(num_classes=1008, aux_logits=False, init_weights=False)
    model.Mixed_5b = pfi.FIDInceptionA(192, pool_features=32)
    model.Mixed_5c = pfi.FIDInceptionA(256, pool_features=64)
    model.Mixed_5d = pfi.FIDInceptionA(288, pool_features=64)
    model.Mixed_6b = pfi.FIDInceptionC(768, channels_7x7=128)
    model.Mixed_6c = pfi.FIDInceptionC(768, channels_7x7=160)
    model.Mixed_6d = pfi.FIDInceptionC(768, channels_7x7=160)
    model.Mixed_6e = pfi.FIDInceptionC(768, channels_7x7=192)
    model.Mixed_7b = pfi.FIDInceptionE_1(1280)
    model.Mixed_7c = pfi.FIDInceptionE_2(2048)
    g = torch.Generator().manual_seed(0)
    state, lines = {}, []
    for name, t in model.state_dict().items():
        if name.endswith("num_batches_tracked"):
            continue
        scale, offset, absolute = init_rule(name, tuple(t.shape))
        v = torch.randn(tuple(t.shape), generator=g)
        if absolute:
            v = v.abs()
        state[name] = v * scale + offset
        shape = " ".join(str(s) for s in t.shape)
        lines.append(f"{name} {shape} {scale!r} {offset!r} {int(absolute)}")
    return state, lines


def inception_fixture():
    state, lines = random_inception_state()
    with open(os.path.join(OUT, "inception_keys.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    pfi.load_state_dict_from_url = lambda *a, **k: state  # the random weights instead of the download
    model = pfi.InceptionV3([3]).eval()
    g = torch.Generator().manual_seed(1)
    images = [torch.rand((1, 3, 71, 53), generator=g), torch.rand((1, 3, 120, 97), generator=g)]
    pools, logits = [], []
    with torch.no_grad():
        for im in images:
            pool = model(im)[0][:, :, 0, 0]
            pools.append(pool)
            logits.append(pool @ state["fc.weight"].T)
    # two sizes, so each image is stored padded into one array with its size beside it
    padded = np.zeros((2, 3, 120, 97), np.float32)
    sizes = np.zeros((2, 2), np.int64)
    for i, im in enumerate(images):
        h, w = im.shape[2:]
        padded[i, :, :h, :w] = im[0].numpy()
        sizes[i] = (h, w)
    np.savez(
        os.path.join(OUT, "inception.npz"),
        images=padded,
        sizes=sizes,
        pool=torch.cat(pools).numpy(),
        logits=torch.cat(logits).numpy(),
    )
    print("pool std", torch.cat(pools).std().item(), "logits std", torch.cat(logits).std().item())


def frechet_fixture():
    rng = np.random.RandomState(7)
    cases = {}
    cases["plain"] = (rng.randn(60, 12), rng.randn(50, 12) * 1.3 + 0.4)
    # fewer samples than dimensions: rank-deficient, near-singular covariances (as FID on a few images)
    cases["fewsamples"] = (rng.randn(10, 32), rng.randn(12, 32) + 0.1)
    # strongly correlated dimensions: condition numbers near 1e10
    base = rng.randn(40, 4)
    mix = rng.randn(4, 16)
    cases["correlated"] = (base @ mix + 1e-5 * rng.randn(40, 16), rng.randn(45, 4) @ mix + 1e-5 * rng.randn(45, 16))
    # dimensions that never vary (ReLU features that stay 0): exactly singular covariances
    a, b = np.abs(rng.randn(30, 20)), np.abs(rng.randn(25, 20))
    a[:, 3] = 0.0
    b[:, 3] = 0.0
    a[:, 11] = 0.5
    b[:, 11] = 0.5
    cases["constantdims"] = (a, b)
    cases["identical"] = (a, a.copy())
    # as FID on 100 pictures: float32 ReLU features, more dimensions than samples (stats not stored)
    cases["relu256"] = (
        np.maximum(rng.randn(100, 256), 0).astype(np.float32),
        np.maximum(rng.randn(90, 256) + 0.2, 0).astype(np.float32),
    )
    out = {"cases": np.array(",".join(cases))}
    for c, (f1, f2) in cases.items():
        mu1, s1 = np.mean(f1, axis=0), np.cov(f1, rowvar=False)
        mu2, s2 = np.mean(f2, axis=0), np.cov(f2, rowvar=False)
        fid = calculate_frechet_distance(mu1, s1, mu2, s2)
        print(c, fid)
        out.update({f"{c}_f1": f1, f"{c}_f2": f2, f"{c}_fid": np.float64(fid)})
        if f1.shape[1] <= 32:
            out.update({f"{c}_mu1": mu1, f"{c}_sigma1": s1, f"{c}_mu2": mu2, f"{c}_sigma2": s2})
    np.savez(os.path.join(OUT, "frechet.npz"), **out)
    mu, sigma = out["plain_mu1"], out["plain_sigma1"]
    np.savez_compressed(os.path.join(OUT, "stats_compressed.npz"), mu=mu, sigma=sigma)


def isc_fixture():
    rng = np.random.RandomState(3)
    out = {
        "perm10": np.random.RandomState(2020).permutation(10),
        "perm1000": np.random.RandomState(2020).permutation(1000),
    }
    cases = {"small": (rng.randn(50, 20) * 3, 10), "wide": (rng.randn(103, 1008) * 2, 10), "three": (rng.randn(31, 7), 3)}
    for c, (logits, splits) in cases.items():
        t = torch.from_numpy(logits.astype(np.float32))
        m = isc_features_to_metric(t, splits=splits, shuffle=True, rng_seed=2020)
        print(c, m)
        out[f"{c}_logits"] = t.numpy()
        out[f"{c}_splits"] = np.int64(splits)
        out[f"{c}_mean"] = np.float64(m["inception_score_mean"])
        out[f"{c}_std"] = np.float64(m["inception_score_std"])
    out["cases"] = np.array(",".join(cases))
    np.savez(os.path.join(OUT, "isc.npz"), **out)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    frechet_fixture()
    isc_fixture()
    inception_fixture()
