"""Every Image basics operation timed on a 1024 x 1024 photo (scikit-learn's china sample,
cropped square and resized with bicubic), median of several repeats.

Target: each operation a slider move triggers under 200 ms on this machine, so the page
redraws at once. Three groups:
  per move:  each operation a slider recomputes (the target applies to each);
  redraw:    what one Restoration / Compression slider move recomputes in all (noise or a
             filter plus PSNR and SSIM; JPEG plus its scores), for reference;
  per image: depends on the image alone, computed once per picture and cached by the page.

    python bench/images.py [--repeats 7]
Prints op_name_ms=<median> per operation; the last line is slowest_image_op_ms=<the slowest
per-move operation>, after slowest_per_image_op_ms=<the slowest cached one>.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from core.imaging import image_quality as q  # noqa: E402
from core.imaging import images as ops  # noqa: E402
from core.imaging.image_samples import sample_image  # noqa: E402
from core.imaging.imageio import load_image, to_gray  # noqa: E402

SIDE = 1024


def photo() -> np.ndarray:
    """The china sample (640 x 427), centre-cropped to a square and resized to 1024 x 1024."""
    rgb = sample_image("china").rgb
    h, w = rgb.shape[:2]
    x0 = (w - h) // 2
    square = Image.fromarray(rgb[:, x0 : x0 + h])
    return np.asarray(square.resize((SIDE, SIDE), Image.Resampling.BICUBIC))


def time_ms(fn: Callable[[], object], repeats: int) -> float:
    """Median wall-clock milliseconds of fn over `repeats` runs, after one warm-up."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def operations(rgb: np.ndarray) -> tuple[dict[str, Callable[[], object]], ...]:
    """(per-move operations, whole redraws, per-image operations): name -> a call on the photo."""
    from ui.imaging.image_charts import encode as display_encode  # what the page sends to the browser

    gray = to_gray(rgb)
    small = ops.resize(rgb, 123, 123, "bilinear")  # the page's default 12%
    m = ops.affine_matrix(SIDE, SIDE, angle=15, scale=1.2, shear=0.2, tx=40, ty=-20)
    noisy = q.gaussian_noise(rgb, 25, 0)
    peppered = q.salt_pepper(rgb, 0.05, 0)
    jpeg = q.encode(rgb, "JPEG", 90)
    png_size = len(q.encode(rgb, "PNG"))
    _, jpeg30 = q.jpeg_roundtrip(rgb, 30)
    per_move = {
        "zoom_crop": lambda: ops.crop(rgb, *ops.zoom_window(rgb.shape, 0.3, 0.6, 32)),
        "to_gray": lambda: to_gray(rgb),
        **{f"downsample_{k}": (lambda k=k: ops.resize(rgb, 123, 123, k)) for k in ops.METHODS},
        **{f"upsample_{k}": (lambda k=k: ops.resize(small, SIDE, SIDE, k)) for k in ops.METHODS},
        "threshold": lambda: ops.threshold(gray, 128),
        "dither_floyd_steinberg": lambda: ops.dither(gray),
        "quantize_3bit": lambda: ops.quantize(rgb, 3),
        "channels": lambda: [ops.tint(p, i) for i, p in enumerate(ops.split_channels(rgb))],
        "warp_nearest": lambda: ops.warp(rgb, m, "nearest"),
        "warp_bilinear": lambda: ops.warp(rgb, m, "bilinear"),
        "flip": lambda: ops.flip(rgb, "both"),
        "brightness_contrast_gamma": lambda: ops.adjust(rgb, 20, 1.3, 0.8),
        "histograms_before_after": lambda: (ops.histogram(to_gray(rgb)), ops.histogram(gray)),
        "unsharp_mask": lambda: ops.unsharp_mask(rgb, 1.0, 2.0),
        "unsharp_mask_sigma3": lambda: ops.unsharp_mask(rgb, 1.0, 3.0),
        "kernel_sharpen": lambda: ops.kernel_sharpen(rgb, 1.0),
        "gaussian_noise": lambda: q.gaussian_noise(rgb, 25, 0),
        "salt_pepper_noise": lambda: q.salt_pepper(rgb, 0.05, 0),
        "mean_filter_3x3": lambda: q.mean_filter(noisy, 3),
        "mean_filter_7x7": lambda: q.mean_filter(noisy, 7),
        "median_filter_3x3": lambda: q.median_filter(peppered),
        "gaussian_filter_sigma1": lambda: q.gaussian_filter(noisy, 1.0),
        "gaussian_filter_sigma2": lambda: q.gaussian_filter(noisy, 2.0),
        "psnr": lambda: q.psnr(rgb, noisy),
        "ssim": lambda: q.ssim(rgb, noisy),
        "jpeg_q30_encode_decode": lambda: q.jpeg_roundtrip(rgb, 30),
        "difference_image": lambda: q.difference(rgb, jpeg30, 8),
        "display_jpeg": lambda: display_encode(rgb, exact=False),
        "display_png_1bit": lambda: display_encode(ops.dither(gray), exact=True),
        "display_png_photo": lambda: display_encode(jpeg30, exact=True),
    }
    # What one slider move in Restoration / Compression recomputes: several ops above together.
    redraws = {
        "redraw_noise_scored": lambda: q.noisy(rgb, "gaussian", 25, 0),
        "redraw_filter_scored": lambda: q.restored(rgb, noisy, "gaussian", 3, 2.0),
        "redraw_jpeg_quality": lambda: q.compress(rgb, 30, png_size=png_size),
    }
    per_image = {
        "load_upload_jpeg": lambda: load_image(jpeg, "photo.jpg"),
        "equalize": lambda: ops.equalize(rgb),
        "png_size_and_lossless_check": lambda: q.png_roundtrip(rgb),
    }
    return per_move, redraws, per_image


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=7)
    a = p.parse_args()
    rgb = photo()
    assert rgb.shape == (SIDE, SIDE, 3)
    per_move, redraws, per_image = operations(rgb)
    load = os.getloadavg()[0]
    print(f"# 1024 x 1024 photo, median of {a.repeats}; load average {load:.2f} on {os.cpu_count()} CPUs")
    slowest = {}
    groups = (
        ("per move", per_move),
        ("redraw (ops above together, for reference)", redraws),
        ("per image", per_image),
    )
    for kind, table in groups:
        print(f"# {kind}")
        results = {name: time_ms(fn, a.repeats) for name, fn in table.items()}
        for name, ms in results.items():
            print(f"{name}_ms={ms:.1f}")
        slowest[kind] = max(results.items(), key=lambda kv: kv[1])
    name, ms = slowest["per image"]
    print(f"# slowest cached once per image: {name}")
    print(f"slowest_per_image_op_ms={ms:.1f}")
    name, ms = slowest["per move"]
    print(f"# slowest per slider move: {name} (target < 200 ms)")
    print(f"slowest_image_op_ms={ms:.1f}")


if __name__ == "__main__":
    main()
