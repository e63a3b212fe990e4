#!/usr/bin/python3
"""ocr_dataset.py OUTDIR --count N --seed S [--hard]: a reproducible set of
rendered text lines for calibration and accuracy tests. Random words, numbers
and punctuation in six Debian fonts and several sizes and shades; every other
line is upside down (for the direction classifier). --hard renders random
character strings instead, in twelve other fonts (bold, italic, condensed,
narrow), at more sizes, with blur and sensor noise: lines no test tunes on. Writes cls/NNNN.npy (1x3x48x192),
rec/NNNN.npy (1x3x48x320) and labels.tsv (index, flipped, text): each folder
is a calibration directory for `quantc --calib`."""
import argparse
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

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
# The hard set's fonts: none of them is in FONTS.
HARD_FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSerifCondensed-Bold.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSans-Italic.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Regular.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSerif-BoldItalic.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationMono-Italic.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSerif-Italic.ttf"]
HARD_CHARS = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
              "0123456789.,:;-+/%()#&@*=$")


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


def random_chars(rng):
    """Characters drawn independently: no word for the model's language prior."""
    words = [''.join(rng.choice(HARD_CHARS) for _ in range(rng.randint(2, 8)))
             for _ in range(rng.randint(1, 3))]
    return " ".join(words)


def render(rng, text, fonts=FONTS, sizes=(26, 40)):
    fonts = [f for f in fonts if os.path.exists(f)] or [FONTS[0]]
    font = ImageFont.truetype(rng.choice(fonts), rng.randint(*sizes))
    left, top, right, bottom = font.getbbox(text)
    pad_x, pad_y = rng.randint(4, 14), rng.randint(4, 10)
    background = rng.randint(215, 255)
    ink = rng.randint(0, 70)
    image = Image.new("RGB", (right - left + 2 * pad_x, bottom - top + 2 * pad_y),
                      (background,) * 3)
    ImageDraw.Draw(image).text((pad_x - left, pad_y - top), text, fill=(ink,) * 3, font=font)
    return image


def degrade(rng, image):
    """Blur and Gaussian sensor noise, as from a cheap camera or a fax."""
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.0, 1.3)))
    pixels = np.asarray(image, np.float32)
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, rng.uniform(2, 14), pixels.shape[:2])
    pixels = np.clip(pixels + noise[..., None], 0, 255)
    return Image.fromarray(pixels.astype(np.uint8))


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
    parser.add_argument("--hard", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for kind in ("cls", "rec"):
        os.makedirs(os.path.join(args.outdir, kind), exist_ok=True)
    with open(os.path.join(args.outdir, "labels.tsv"), "w", encoding="utf-8") as labels:
        for index in range(args.count):
            if args.hard:
                text = random_chars(rng)
                draw = lambda text: render(rng, text, HARD_FONTS, (20, 46))
            else:
                text = random_text(rng)
                draw = lambda text: render(rng, text)
            image = draw(text)
            while image.width / image.height > 320 / 48 and " " in text:
                text = text.rsplit(" ", 1)[0]  # keep rec lines unsquashed
                image = draw(text)
            if args.hard:
                image = degrade(rng, image)
            flipped = index % 2 == 1
            cls_image = image.rotate(180) if flipped else image
            np.save(os.path.join(args.outdir, "cls", "%04d.npy" % index), line_input(cls_image, 192))
            np.save(os.path.join(args.outdir, "rec", "%04d.npy" % index), line_input(image, 320))
            labels.write("%d\t%d\t%s\n" % (index, int(flipped), text))


if __name__ == "__main__":
    main()
