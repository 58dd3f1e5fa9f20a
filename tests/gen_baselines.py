#!/usr/bin/env python3
"""gen_baselines.py — reference data for the DeiT and Swin networks, from timm itself.

Writes, into tests/data/baselines/ (or --out):
  counts.json                 fvcore's count of timm's deit_small_patch16_224 and
                              swin_tiny_patch4_window7_224 at 224x224 (attention matmuls
                              counted: timm's fused attention switched off), and their
                              parameter counts; no weights are needed for these
  NAME.weights.safetensors    seeded random weights of a reduced model, timm's tensor names
                              and shapes, our config JSON in __metadata__.config
  NAME_CASE.io.safetensors    `input` and timm's `logits` for it (float64 forward, rounded)

  gen_baselines.py [--out DIR]

Needs torch, timm, fvcore, safetensors, numpy (PyPI). No downloads: pretrained=False only.
"""
import argparse
import json
import os

import numpy as np
import torch
import timm
import timm.layers
from fvcore.nn import FlopCountAnalysis
from safetensors.torch import save_file

timm.layers.set_fused_attn(False)  # plain matmuls, so fvcore sees (and counts) them

# Reduced models for the logits cases: every code path of the full ones (DeiT: class
# token, position table, global attention; Swin: shifted windows with masks, padding to
# windows, odd grids merged, a stage that is one window), small enough to commit.
DEIT = dict(img_size=32, patch_size=8, embed_dim=16, depth=2, num_heads=2, num_classes=10)
SWIN = dict(img_size=64, patch_size=2, embed_dim=8, depths=(2, 2, 2, 1), num_heads=(1, 2, 2, 4), window_size=4,
            num_classes=10)


def deit(**kw):
    return timm.models.vision_transformer.VisionTransformer(**kw)


def swin(**kw):
    return timm.models.swin_transformer.SwinTransformer(**kw)


def our_config(net, kw):
    if net == "deit":
        d = kw["embed_dim"]
        return dict(net="deit", patch=kw["patch_size"], embed_dim=[d] * 4, depths=[kw["depth"], 0, 0, 0],
                    num_heads=[kw["num_heads"]] * 4, stoken_size=[1, 1, 1, 1], projection=0, mlp_ratio=4,
                    qkv_bias=True, num_classes=kw["num_classes"], pos_size=[kw["img_size"]] * 2)
    d = kw["embed_dim"]
    return dict(net="swin", patch=kw["patch_size"], embed_dim=[d, 2 * d, 4 * d, 8 * d], depths=list(kw["depths"]),
                num_heads=list(kw["num_heads"]), stoken_size=[1, 1, 1, 1], projection=0, mlp_ratio=4,
                qkv_bias=True, num_classes=kw["num_classes"], window=kw["window_size"])


def randomize(model, seed):
    """Every tensor random and away from its initial value: LayerNorm gains 0.5..1.5, biases
    and tables nonzero, so a wrong norm, bias, mask or position entry shows in the logits."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            u = torch.rand(p.shape, generator=g, dtype=torch.float64)
            if "norm" in name and name.endswith("weight"):
                v = 0.5 + u
            elif name.endswith("bias"):
                v = (u - 0.5) * 0.2
            elif "relative_position_bias_table" in name:
                v = (u - 0.5) * 4.0
            elif name in ("cls_token", "pos_embed"):
                v = (u - 0.5) * 2.0
            else:
                fan_in = p[0].numel()
                v = (u - 0.5) * 2.0 * (3.0 / fan_in) ** 0.5
            p.copy_(v.to(p.dtype))


def smooth_input(shape, seed):
    g = torch.Generator().manual_seed(seed)
    b, c, h, w = shape
    low = torch.rand((b, c, max(h // 4, 2), max(w // 4, 2)), generator=g) * 4 - 2
    x = torch.nn.functional.interpolate(low, size=(h, w), mode="bicubic", align_corners=False)
    return (x + 0.3 * torch.randn(shape, generator=g)).float().contiguous()


def store_case(out, name, make, kw, cases, seed):
    model = make(**kw).eval()
    randomize(model, seed)
    sd = {k: v.float().contiguous() for k, v in model.state_dict().items()}
    save_file(sd, os.path.join(out, f"{name}.weights.safetensors"),
              metadata={"config": json.dumps(our_config("deit" if make is deit else "swin", kw))})
    for k, (case, (shape, img)) in enumerate(cases.items()):
        m = make(**dict(kw, img_size=img)).eval()
        m.load_state_dict(sd)
        m = m.double()
        x = smooth_input(shape, seed * 100 + k)
        with torch.no_grad():
            logits = m(x.double()).float()
        save_file({"input": x, "logits": logits.contiguous()}, os.path.join(out, f"{name}_{case}.io.safetensors"),
                  metadata={"case": case})
        print(f"{name}_{case}: input {tuple(x.shape)}, logits {tuple(logits.shape)}")


def counts():
    out = {}
    for net, name in (("deit-s", "deit_small_patch16_224"), ("swin-t", "swin_tiny_patch4_window7_224")):
        model = timm.create_model(name, pretrained=False).eval()
        fca = FlopCountAnalysis(model, torch.zeros(1, 3, 224, 224))
        fca.unsupported_ops_warnings(False)
        fca.uncalled_modules_warnings(False)
        out[net] = dict(timm=name, res=224, params=sum(p.numel() for p in model.parameters()), flops=int(fca.total()),
                        by_operator={k: int(v) for k, v in fca.by_operator().items()})
        print(net, out[net]["params"], out[net]["flops"], out[net]["by_operator"])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "baselines"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    c = counts()
    c["_note"] = f"fvcore {getattr(__import__('fvcore'), '__version__', '?')}, timm {timm.__version__}, " \
                 f"torch {torch.__version__}; fused attention off"
    with open(os.path.join(a.out, "counts.json"), "w") as f:
        json.dump(c, f, indent=1, sort_keys=True)
    store_case(a.out, "deit_tiny", deit, DEIT, {"b1": ((1, 3, 32, 32), 32), "b3": ((3, 3, 32, 32), 32)}, 15)
    store_case(a.out, "swin_tiny", swin, SWIN, {"b1": ((1, 3, 64, 64), 64), "b3_pad": ((3, 3, 56, 56), 56)}, 16)


if __name__ == "__main__":
    main()
