"""stvit_torch.py — an independent PyTorch STViT, written from shared/spec/STVIT.md.

It follows the released reference model's style so its state_dict names are the
checkpoint names: nn.Module classes, the 3x3 super-token neighbourhood realised by
fixed 9x1x3x3 identity kernels (conv2d to unfold, conv_transpose2d to fold),
adaptive_avg_pool2d for the initial super tokens and the loop over n_iter.
It is written from the spec, not from the project's C code, so agreeing with the C
network is evidence that both follow the spec.

Weights are safetensors with the config JSON in __metadata__.config (the project's
format); `load_safetensors` / `save_safetensors` need only numpy.

Supported: stem conv|patch, pos cpe|none, ffn dw_residual|dw_plain|plain,
attn sta|global, refine attention|conv|none, projection (0 = none), layerscale,
any stoken size (square or [sh, sw], padded when it does not divide), n_iter >= 1.
Not supported (their interpolation/windowing is not in the spec): pos ape|rpe,
attn window — `STViT` raises ValueError for them.
"""
import json
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ---- safetensors (F32 only; enough for this project's files) ----------------

_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64}


def load_safetensors(path):
    """Returns (dict name -> np.ndarray, metadata dict)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        arr = np.frombuffer(blob[base + start:base + end], dtype=_DTYPES[info["dtype"]])
        tensors[name] = arr.reshape(info["shape"]).copy()
    return tensors, meta


def save_safetensors(path, tensors, metadata=None):
    """Writes float32 tensors (dict name -> array-like) with optional string metadata."""
    header, chunks, offset = {}, [], 0
    for name, value in tensors.items():
        arr = np.ascontiguousarray(np.asarray(value, dtype=np.float32))
        raw = arr.tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the format aligns the data to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


# ---- config -------------------------------------------------------------------

DEFAULTS = dict(n_iter=[1, 1, 1, 1], stoken_size=[8, 4, 1, 1], projection=1024, mlp_ratio=4, qkv_bias=True,
                layerscale=[False] * 4, init_values=1e-6, num_classes=1000, stem="conv", pos="cpe",
                ffn="dw_residual", attn="sta", refine="attention")


def _per_stage(v):
    return list(v) if isinstance(v, (list, tuple)) else [v] * 4


def normalize_config(cfg):
    """Fills defaults; stoken_size becomes four (sh, sw) pairs."""
    c = dict(DEFAULTS)
    c.update(cfg)
    for key in ("embed_dim", "depths", "num_heads", "n_iter", "layerscale"):
        c[key] = _per_stage(c[key])
    c["stoken_size"] = [tuple(s) if isinstance(s, (list, tuple)) else (s, s) for s in _per_stage(c["stoken_size"])]
    if c["attn"] == "global":
        c["stoken_size"] = [(1, 1)] * 4
    return c


# ---- modules (reference names) -------------------------------------------------

class Unfold(nn.Module):
    """(B, C, h, w) -> (B, C*9, h*w): the 3x3 neighbourhood, zeros outside, k = (dy+1)*3 + dx+1."""

    def __init__(self, kernel_size=3):
        super().__init__()
        self.kernel_size = kernel_size
        eye = torch.eye(kernel_size ** 2).reshape(kernel_size ** 2, 1, kernel_size, kernel_size)
        self.weights = nn.Parameter(eye, requires_grad=False)

    def forward(self, x):
        b, c, h, w = x.shape
        x = F.conv2d(x.reshape(b * c, 1, h, w), self.weights, stride=1, padding=self.kernel_size // 2)
        return x.reshape(b, c * 9, h * w)


class Fold(nn.Module):
    """(B', 9, h, w) -> (B', 1, h, w): adds each cell's 9 values onto its neighbours (dropping out-of-grid)."""

    def __init__(self, kernel_size=3):
        super().__init__()
        self.kernel_size = kernel_size
        eye = torch.eye(kernel_size ** 2).reshape(kernel_size ** 2, 1, kernel_size, kernel_size)
        self.weights = nn.Parameter(eye, requires_grad=False)

    def forward(self, x):
        return F.conv_transpose2d(x, self.weights, stride=1, padding=self.kernel_size // 2)


class Attention(nn.Module):
    """Multi-head self-attention over the H*W tokens; qkv channels are head-major (h, part, d)."""

    def __init__(self, dim, num_heads, qkv_bias=True):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Conv2d(dim, dim * 3, 1, bias=qkv_bias)
        self.proj = nn.Conv2d(dim, dim, 1)

    def forward(self, x):
        B, C, H, W = x.shape
        N = H * W
        q, k, v = self.qkv(x).reshape(B, self.num_heads, C // self.num_heads * 3, N).chunk(3, dim=2)  # (B, h, hd, N)
        attn = (k.transpose(-1, -2) @ q) * self.scale  # (B, h, N keys, N queries)
        attn = attn.softmax(dim=-2)
        x = (v @ attn).reshape(B, C, H, W)
        return self.proj(x)


class StokenAttention(nn.Module):
    def __init__(self, dim, stoken_size, n_iter=1, num_heads=1, qkv_bias=True, refine="attention"):
        super().__init__()
        self.n_iter = n_iter
        self.stoken_size = stoken_size
        self.refine = refine
        self.scale = dim ** -0.5  # association uses all channels, not per head
        self.unfold = Unfold(3)
        self.fold = Fold(3)
        if refine == "attention":
            self.stoken_refine = Attention(dim, num_heads=num_heads, qkv_bias=qkv_bias)
        elif refine == "conv":
            self.stoken_refine = nn.Sequential(nn.Conv2d(dim, dim, 1, 1, 0), nn.Conv2d(dim, dim, 5, 1, 2, groups=dim),
                                               nn.Conv2d(dim, dim, 1, 1, 0))
        elif refine != "none":
            raise ValueError(f"unknown refine '{refine}'")

    def refine_tokens(self, s):
        return s if self.refine == "none" else self.stoken_refine(s)

    def stoken_forward(self, x):
        B, C, H0, W0 = x.shape
        h, w = self.stoken_size
        pad_r, pad_b = (w - W0 % w) % w, (h - H0 % h) % h
        if pad_r or pad_b:
            x = F.pad(x, (0, pad_r, 0, pad_b))
        _, _, H, W = x.shape
        hh, ww = H // h, W // w
        stoken = F.adaptive_avg_pool2d(x, (hh, ww))  # (B, C, hh, ww), cell means incl. padding
        pixel = x.reshape(B, C, hh, h, ww, w).permute(0, 2, 4, 3, 5, 1).reshape(B, hh * ww, h * w, C)
        with torch.no_grad():
            for idx in range(self.n_iter):
                nbr = self.unfold(stoken).transpose(1, 2).reshape(B, hh * ww, C, 9)
                affinity = (pixel @ nbr * self.scale).softmax(-1)  # (B, m, P, 9)
                z = self.fold(affinity.sum(2).transpose(1, 2).reshape(B, 9, hh, ww))  # (B, 1, hh, ww)
                if idx < self.n_iter - 1:
                    stoken = pixel.transpose(-1, -2) @ affinity  # (B, m, C, 9)
                    stoken = self.fold(stoken.permute(0, 2, 3, 1).reshape(B * C, 9, hh, ww)).reshape(B, C, hh, ww)
                    stoken = stoken / (z + 1e-12)
        stoken = pixel.transpose(-1, -2) @ affinity  # (B, m, C, 9)
        stoken = self.fold(stoken.permute(0, 2, 3, 1).reshape(B * C, 9, hh, ww)).reshape(B, C, hh, ww)
        stoken = stoken / (z + 1e-12)
        stoken = self.refine_tokens(stoken)
        nbr = self.unfold(stoken).transpose(1, 2).reshape(B, hh * ww, C, 9)
        pixel = nbr @ affinity.transpose(-1, -2)  # (B, m, C, P)
        pixel = pixel.reshape(B, hh, ww, C, h, w).permute(0, 3, 1, 4, 2, 5).reshape(B, C, H, W)
        return pixel[:, :, :H0, :W0]

    def forward(self, x):
        if self.stoken_size[0] > 1 or self.stoken_size[1] > 1:
            return self.stoken_forward(x)
        return self.refine_tokens(x)


class ResDWC(nn.Module):
    def __init__(self, dim, kernel_size=3, residual=True):
        super().__init__()
        self.residual = residual
        self.conv = nn.Conv2d(dim, dim, kernel_size, 1, kernel_size // 2, groups=dim)

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


class LayerNorm2d(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def forward(self, x):
        return self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class Mlp(nn.Module):
    def __init__(self, dim, hidden, ffn="dw_residual"):
        super().__init__()
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.act1 = nn.GELU()
        self.fc2 = nn.Conv2d(hidden, dim, 1)
        self.conv = None if ffn == "plain" else ResDWC(hidden, 3, residual=(ffn == "dw_residual"))

    def forward(self, x):
        x = self.act1(self.fc1(x))
        if self.conv is not None:
            x = self.conv(x)
        return self.fc2(x)


class StokenAttentionLayer(nn.Module):
    def __init__(self, dim, n_iter, stoken_size, num_heads, mlp_ratio, qkv_bias, layerscale, init_values, cfg):
        super().__init__()
        self.layerscale = layerscale
        self.pos_embed = ResDWC(dim, 3) if cfg["pos"] == "cpe" else None
        self.norm1 = LayerNorm2d(dim)
        self.attn = StokenAttention(dim, stoken_size, n_iter, num_heads, qkv_bias, cfg["refine"])
        self.norm2 = nn.BatchNorm2d(dim)
        self.mlp2 = Mlp(dim, int(dim * mlp_ratio), cfg["ffn"])
        if layerscale:
            self.gamma_1 = nn.Parameter(init_values * torch.ones(1, dim, 1, 1))
            self.gamma_2 = nn.Parameter(init_values * torch.ones(1, dim, 1, 1))
        self.tap = None  # optional callback(name_suffix, tensor) for the attention branch

    def forward(self, x):
        if self.pos_embed is not None:
            x = self.pos_embed(x)
        a = self.attn(self.norm1(x))
        if self.tap is not None:
            self.tap(a)
        if self.layerscale:
            x = x + self.gamma_1 * a
            x = x + self.gamma_2 * self.mlp2(self.norm2(x))
        else:
            x = x + a
            x = x + self.mlp2(self.norm2(x))
        return x


class PatchMerging(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.proj = nn.Sequential(nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout))

    def forward(self, x):
        return self.proj(x)


class BasicLayer(nn.Module):
    def __init__(self, i, cfg):
        super().__init__()
        dim = cfg["embed_dim"][i]
        self.blocks = nn.ModuleList([
            StokenAttentionLayer(dim, cfg["n_iter"][i], cfg["stoken_size"][i], cfg["num_heads"][i], cfg["mlp_ratio"],
                                 cfg["qkv_bias"], bool(cfg["layerscale"][i]), cfg["init_values"], cfg)
            for _ in range(cfg["depths"][i])])
        self.downsample = PatchMerging(dim, cfg["embed_dim"][i + 1]) if i < 3 else None

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return self.downsample(x) if self.downsample is not None else x


class PatchEmbed(nn.Module):
    """Conv stem: four [conv3x3 -> GELU -> BN], strides 2,1,2,1; or the ablation's 4x4 stride-4 conv."""

    def __init__(self, cout, kind="conv"):
        super().__init__()
        if kind == "patch":
            self.proj = nn.Conv2d(3, cout, 4, 4)
            return
        layers, cin = [], 3
        for i, (c, s) in enumerate([(cout // 2, 2), (cout // 2, 1), (cout, 2), (cout, 1)]):
            layers += [nn.Conv2d(cin, c, 3, s, 1), nn.GELU(), nn.BatchNorm2d(c)]
            cin = c
        self.proj = nn.Sequential(*layers)

    def forward(self, x):
        return self.proj(x)


class STViT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        cfg = normalize_config(cfg)
        for key, bad in (("pos", ("ape", "rpe")), ("attn", ("window",))):
            if cfg[key] in bad:
                raise ValueError(f"{key}={cfg[key]} is not implemented in the torch peer")
        self.cfg = cfg
        self.patch_embed = PatchEmbed(cfg["embed_dim"][0], cfg["stem"])
        self.layers = nn.ModuleList([BasicLayer(i, cfg) for i in range(4)])
        c3, p = cfg["embed_dim"][3], cfg["projection"]
        if p:
            self.proj = nn.Conv2d(c3, p, 1)
        self.norm = nn.BatchNorm2d(p or c3)
        self.swish = nn.SiLU()  # x * sigmoid(x)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(p or c3, cfg["num_classes"])

    def forward_features(self, x, emit=None):
        """emit(name, tensor), when given, receives the named intermediates."""
        x = self.patch_embed(x)
        if emit:
            emit("stem", x)
        for i, layer in enumerate(self.layers):
            for j, blk in enumerate(layer.blocks):
                if emit:
                    blk.tap = lambda a, n=f"stage{i}.block{j}.attn": emit(n, a)
                x = blk(x)
                blk.tap = None
                if emit:
                    emit(f"stage{i}.block{j}", x)
            if layer.downsample is not None:
                x = layer.downsample(x)
            if emit:
                emit(f"stage{i}", x)
        if self.cfg["projection"]:
            x = self.proj(x)
        x = self.swish(self.norm(x))
        x = torch.flatten(self.avgpool(x), 1)
        if emit:
            emit("features", x)
        return x

    def forward(self, x):
        return self.head(self.forward_features(x))

    def intermediates(self, x):
        """Logits and a dict of every named intermediate (the names `stvit infer --intermediates` writes)."""
        out = {}
        logits = self.head(self.forward_features(x, emit=lambda n, t: out.__setitem__(n, t.detach().clone())))
        return logits, out


def load_model(path, dtype=torch.float32):
    """STViT from a project weights file (config from __metadata__.config), in eval mode."""
    tensors, meta = load_safetensors(path)
    if "config" not in meta:
        raise ValueError(f"{path}: no __metadata__.config")
    model = STViT(json.loads(meta["config"]))
    state = {k: torch.from_numpy(v) for k, v in tensors.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith(("unfold.weights", "fold.weights"))]
    unexpected = [k for k in unexpected if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"{path}: missing {missing[:5]}, unexpected {unexpected[:5]}")
    return model.to(dtype).eval()


def state_dict_arrays(model):
    """The model's state_dict as float32 numpy arrays, without num_batches_tracked."""
    return {k: v.detach().to(torch.float32).cpu().numpy() for k, v in model.state_dict().items()
            if not k.endswith("num_batches_tracked")}
