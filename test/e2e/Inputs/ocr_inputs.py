#!/usr/bin/python3
"""ocr_inputs.py OUTDIR: renders text lines and a page with Debian's fonts and
writes PaddleOCR-preprocessed inputs: cls_N.npy (1x3x48x192), rec_N.npy
(1x3x48x320) and det.npy (1x3x640x640), plus lines.txt with the texts."""
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFont

LINES = ["quantc compiles ONNX", "Invoice 2026-11-23 No. 4821", "Total: 1,299.00 EUR",
         "The quick brown fox jumps", "MLIR 22 + LLVM", "Hello, World!"]
FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
         "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"]


def font(index, size):
    path = FONTS[index % len(FONTS)]
    return ImageFont.truetype(path if os.path.exists(path) else FONTS[0], size)


def render_line(text, index, flip=False):
    f = font(index, 32)
    left, top, right, bottom = f.getbbox(text)
    image = Image.new("RGB", (right - left + 16, bottom - top + 12), "white")
    ImageDraw.Draw(image).text((8 - left, 6 - top), text, fill="black", font=f)
    return image.rotate(180) if flip else image


def line_input(image, width):
    """PaddleOCR cls/rec preprocessing: height 48, keep ratio, (x/255-0.5)/0.5, pad right."""
    w = min(width, int(np.ceil(48 * image.width / image.height)))
    resized = np.asarray(image.resize((w, 48), Image.BILINEAR), np.float32) / 255.0
    out = np.zeros((3, 48, width), np.float32)
    out[:, :, :w] = ((resized - 0.5) / 0.5).transpose(2, 0, 1)
    return out[None]


def page_input():
    page = Image.new("RGB", (640, 640), "white")
    draw = ImageDraw.Draw(page)
    for i, text in enumerate(LINES):
        draw.text((30 + 15 * (i % 3), 40 + 95 * i), text, fill="black", font=font(i, 30 + 2 * i))
    x = np.asarray(page, np.float32) / 255.0
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    return ((x - mean) / std).astype(np.float32).transpose(2, 0, 1)[None]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for i, text in enumerate(LINES):
        # cls sees every other line upside down: it must tell 0 from 180 degrees.
        np.save(os.path.join(out, "cls_%d.npy" % i), line_input(render_line(text, i, flip=i % 2 == 1), 192))
        np.save(os.path.join(out, "rec_%d.npy" % i), line_input(render_line(text, i), 320))
    np.save(os.path.join(out, "det.npy"), page_input())
    with open(os.path.join(out, "lines.txt"), "w") as f:
        f.write("\n".join(LINES) + "\n")


if __name__ == "__main__":
    main()
