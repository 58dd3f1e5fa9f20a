#!/usr/bin/env python3
"""Makes the 16-bit PNGs of this folder and what PIL's Image.convert("RGB") makes of
them (the reference preprocessing's loader): NAME.png and NAME.rgb (raw RGB8 bytes,
row by row). Run with Pillow installed: python3 make_png16.py (written with 13.0).
PIL cannot write 16-bit colour PNGs, so the PNGs are written here by hand."""
import io
import os
import struct
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png16(samples, colour_type):
    h, w = samples.shape[:2]
    raw = b"".join(b"\0" + samples[y].astype(">u2").tobytes() for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def main():
    # values around the 8-bit edges (255, 256, 257) and the top of the range
    v = np.array([[0, 1, 254, 255, 256], [257, 511, 4095, 32768, 65535], [100, 300, 1000, 20000, 65280]],
                 dtype=np.uint16)
    cases = {"grey16": (0, v), "greyalpha16": (4, np.stack([v, v[::-1]], -1)),
             "rgb16": (2, np.stack([v, v[::-1], v ^ 0x5A5A], -1)), "rgba16": (6, np.stack([v, v // 3, v[::-1], v], -1))}
    for name, (ctype, samples) in cases.items():
        data = png16(samples, ctype)
        rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        with open(os.path.join(HERE, name + ".png"), "wb") as f:
            f.write(data)
        with open(os.path.join(HERE, name + ".rgb"), "wb") as f:
            f.write(rgb.tobytes())
        print(name, rgb.shape, "ok")


if __name__ == "__main__":
    main()
