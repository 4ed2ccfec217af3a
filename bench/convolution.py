"""Every operation of the Convolution page on a 1024 x 1024 photo, median milliseconds.

The page itself shrinks pictures to at most 128 px so every number can be shown; this times the
same core functions at 1024 x 1024 (grayscale for the single-kernel ops, RGB for the colour
layer) to show they would still redraw within the 200 ms target at full size.

    python bench/convolution.py [--repeats 7]
One line per op: `<op> <median> ms (min <min>)`. Last line: slowest_conv_op_ms=<value>
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import plotly.io as pio  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from core.imaging import convolution as cv  # noqa: E402
from core.imaging.conv_lessons import filter_bank  # noqa: E402
from core.imaging.image_samples import sample_image  # noqa: E402
from core.imaging.imageio import to_gray  # noqa: E402
from core.imaging.kernels import KERNELS, parse_kernel  # noqa: E402
from ui.common.plot import Built  # noqa: E402

SIDE = 1024


def photo() -> np.ndarray:
    """The china sample resized to 1024 x 1024 RGB uint8 (a stand-in for an uploaded photo)."""
    rgb = sample_image("china", max_side=SIDE).rgb
    return np.asarray(Image.fromarray(rgb).resize((SIDE, SIDE), Image.Resampling.BICUBIC))


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(median, min) wall-clock milliseconds over `repeats` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def operations(rgb: np.ndarray) -> dict[str, Callable[[], object]]:
    """op name -> a zero-argument call doing what one redraw of the page does at full size."""
    gray = to_gray(rgb).astype(np.float64)
    chw = rgb.transpose(2, 0, 1).astype(np.float64)  # (3, H, W)
    ops: dict[str, Callable[[], object]] = {}
    for name, kernel in KERNELS.items():  # "same" padding: the largest output of a kernel
        w, p = kernel.weights, cv.same_padding(kernel.size)
        ops[f"conv_{name}"] = lambda w=w, p=p: cv.conv2d(gray, w, padding=p)
    sobel = KERNELS["sobel_x_3x3"].weights
    ops["conv_3x3_reflect_p1"] = lambda: cv.conv2d(gray, sobel, padding=1, mode="reflect")
    ops["conv_3x3_replicate_p1"] = lambda: cv.conv2d(gray, sobel, padding=1, mode="replicate")
    ops["conv_3x3_stride2_dil2"] = lambda: cv.conv2d(gray, sobel, stride=2, padding=2, dilation=2)
    ops["conv_typed_7x7"] = lambda: cv.conv2d(gray, np.ones((7, 7)) / 49, padding=3)
    for k in (3, 5):  # layer_maps: what the page calls; past 256 x 256 it runs in torch float32
        bank = filter_bank("designed", 8, k)
        ops[f"conv_rgb_K8_{k}x{k}"] = lambda b=bank, k=k: cv.layer_maps(
            chw, b.weights, b.bias, padding=k // 2
        )
    fmap = cv.conv2d(gray, sobel, padding=1)
    for kind in cv.POOLS:
        ops[f"pool_{kind}_2s2"] = lambda kind=kind: cv.pool2d(fmap, 2, 2, kind)
        ops[f"pool_{kind}_3s1"] = lambda kind=kind: cv.pool2d(fmap, 3, 1, kind)
    ops["walkthrough_conv_cell"] = lambda: cv.cell_walkthrough(gray, sobel, 500, 700, 1, 1, "reflect", 2)
    ops["walkthrough_pool_cell"] = lambda: cv.pool_walkthrough(fmap, 2, 2, "max", 300, 200)
    ops["parse_typed_kernel"] = lambda: parse_kernel("1/16 2/16 1/16\n2/16 4/16 2/16\n1/16 2/16 1/16")
    return ops


def page_redraw(rgb: np.ndarray, side: int = 128, n_filters: int = 8, k: int = 5) -> Callable[[], object]:
    """Everything one rerun of the page computes and draws (by default at its largest: 128 px,
    8 colour filters of 5x5): the core calls and every plotly figure, serialised as Streamlit does."""
    from core.imaging import conv_lessons as lessons
    from ui.imaging import conv_charts as charts

    small = lessons.working_rgb(rgb, side)
    sobel = KERNELS["sobel_x_3x3"].weights

    def redraw() -> None:
        img = lessons.gray_of(small)
        out = cv.conv2d(img, sobel, 1, 1, "reflect", 1)
        walk = cv.cell_walkthrough(img, sobel, 20, 20, 1, 1, "reflect", 1)
        bank = lessons.filter_bank("designed", n_filters, k)
        maps = cv.layer_maps(lessons.channels_first(small), bank.weights, bank.bias, 1, k // 2, "reflect", 1)
        pooled = cv.pool2d(out, 2, 2, "max")
        pw = cv.pool_walkthrough(out, 2, 2, "max", 10, 10)
        figures = [
            charts.grid_figure(sobel, "kernel", signed=True),
            charts.input_figure(cv.pad(img, 1, "reflect"), 1, walk.rows, walk.cols),
            charts.map_figure(out, (20, 20)),
            charts.grid_figure(walk.window, "patch", like=img),
            charts.grid_figure(walk.kernel, "kernel", signed=True),
            charts.grid_figure(walk.products, "products", signed=True),
            charts.rgb_figure(small),
            charts.filters_figure(bank.weights, list(bank.names)),
            charts.maps_figure(maps, list(bank.names)),
            charts.map_figure(out, window=(pw.rows, pw.cols)),
            charts.map_figure(pooled, (10, 10), like=out),
            charts.grid_figure(pw.window, "window", like=out),
        ]
        for fig in figures:  # to the JSON the page sends (ui/common/plot.py: dicts go as built)
            pio.to_json(Built(fig) if isinstance(fig, dict) else fig, validate=False)

    return redraw


def references(rgb: np.ndarray) -> dict[str, Callable[[], object]]:
    """Not on the page's path at this size: the numpy float64 colour layer, for comparison."""
    chw = rgb.transpose(2, 0, 1).astype(np.float64)
    bank = filter_bank("designed", 8, 3)
    return {"ref_numpy_rgb_K8_3x3": lambda: cv.conv2d_multi(chw, bank.weights, bank.bias, padding=1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the server runs it (ui.common.state.TORCH_THREADS): one thread per session
    rgb = photo()
    print(f"input: {rgb.shape[1]}x{rgb.shape[0]} RGB photo (china sample, resized); numpy float64")
    slowest = 0.0
    for name, fn in operations(rgb).items():
        median, best = timed(fn, args.repeats)
        slowest = max(slowest, median)
        print(f"{name:<28} {median:8.1f} ms (min {best:.1f})")
    for name, redraw in (
        ("page_redraw_64px_default", page_redraw(rgb, 64, 4, 3)),
        ("page_redraw_128px_K8_5x5", page_redraw(rgb)),
    ):
        median, best = timed(redraw, args.repeats)
        slowest = max(slowest, median)
        print(f"{name:<28} {median:8.1f} ms (min {best:.1f}; maths + 12 figures to JSON)")
    for name, fn in references(rgb).items():
        median, best = timed(fn, max(3, args.repeats // 2))
        print(f"{name:<28} {median:8.1f} ms (min {best:.1f}; reference only, not counted)")
    print(f"slowest_conv_op_ms={slowest:.1f}")


if __name__ == "__main__":
    main()
