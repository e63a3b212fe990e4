#!/usr/bin/python3
"""ocr_dataset.py OUTDIR --count N --seed S: a reproducible set of rendered
text lines for calibration and accuracy tests. Random words, numbers and
punctuation in six Debian fonts and several sizes and shades; every other
line is upside down (for the direction classifier). Writes cls/NNNN.npy (1x3x48x192),
rec/NNNN.npy (1x3x48x320) and labels.tsv (index, flipped, text): each folder
is a calibration directory for `quantc --calib`."""
import argparse
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

WORDS = ("invoice total amount date order number customer address street city postal code "
         "phone email price quantity item tax paid due balance account bank transfer receipt "
         "compiler quantization model layer tensor kernel memory latency bits scale zero point "
         "the quick brown fox jumps over lazy dog hello world open source python "
         "Berlin Paris London Tokyo Monday Friday January March October").split()
FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
         "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
         "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
         "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf"]


def random_text(rng):
    parts = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.65:
            word = rng.choice(WORDS)
            parts.append(word.capitalize() if rng.random() < 0.3 else word)
        elif kind < 0.85:
            parts.append(str(rng.randint(0, 99999)))
        else:
            parts.append(rng.choice(["No.", "EUR", "2026-11-23", "12:30", "$45.00", "#7", "(A)"]))
    return " ".join(parts)


def render(rng, text):
    fonts = [f for f in FONTS if os.path.exists(f)] or [FONTS[0]]
    font = ImageFont.truetype(rng.choice(fonts), rng.randint(26, 40))
    left, top, right, bottom = font.getbbox(text)
    pad_x, pad_y = rng.randint(4, 14), rng.randint(4, 10)
    background = rng.randint(215, 255)
    ink = rng.randint(0, 70)
    image = Image.new("RGB", (right - left + 2 * pad_x, bottom - top + 2 * pad_y),
                      (background,) * 3)
    ImageDraw.Draw(image).text((pad_x - left, pad_y - top), text, fill=(ink,) * 3, font=font)
    return image


def line_input(image, width):
    """PaddleOCR cls/rec preprocessing: height 48, keep ratio, (x/255-0.5)/0.5, pad right."""
    w = min(width, int(np.ceil(48 * image.width / image.height)))
    resized = np.asarray(image.resize((w, 48), Image.BILINEAR), np.float32) / 255.0
    out = np.zeros((3, 48, width), np.float32)
    out[:, :, :w] = ((resized - 0.5) / 0.5).transpose(2, 0, 1)
    return out[None]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("--count", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for kind in ("cls", "rec"):
        os.makedirs(os.path.join(args.outdir, kind), exist_ok=True)
    with open(os.path.join(args.outdir, "labels.tsv"), "w", encoding="utf-8") as labels:
        for index in range(args.count):
            text = random_text(rng)
            image = render(rng, text)
            while image.width / image.height > 320 / 48 and " " in text:
                text = text.rsplit(" ", 1)[0]  # keep rec lines unsquashed
                image = render(rng, text)
            flipped = index % 2 == 1
            cls_image = image.rotate(180) if flipped else image
            np.save(os.path.join(args.outdir, "cls", "%04d.npy" % index), line_input(cls_image, 192))
            np.save(os.path.join(args.outdir, "rec", "%04d.npy" % index), line_input(image, 320))
            labels.write("%d\t%d\t%s\n" % (index, int(flipped), text))


if __name__ == "__main__":
    main()
