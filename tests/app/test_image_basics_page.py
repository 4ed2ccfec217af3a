"""Image basics page in AppTest: launch, URL restore, tampered links, switching images and
sections, and the numbers on the page checked against PIL / scikit-learn directly.

AppTest cannot upload files: decoding uploads is tested in tests/core/imaging/test_imageio.py and the
upload widget itself in tests/e2e/test_image_basics_browser.py.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_sample_image
from streamlit.testing.v1 import AppTest

from core.contract.config import to_params
from core.imaging.image_lessons import SECTIONS, ImageBasicsView

ROOT = Path(__file__).resolve().parents[2]
HOME, PAGE = str(ROOT / "dashboard.py"), "pages/4_Image_Basics.py"


def app(**params: str) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=90)
    at.switch_page(PAGE)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def view(at: AppTest) -> ImageBasicsView:
    return ImageBasicsView(**{n: at.session_state[f"img.{n}"] for n in ImageBasicsView.__dataclass_fields__})


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def array(v) -> np.ndarray:
    """A plotly array from the figure JSON: a nested list, or {'dtype', 'bdata', 'shape'} base64."""
    if isinstance(v, dict):
        flat = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return flat.reshape([int(n) for n in str(v.get("shape", flat.size)).split(",")])
    return np.asarray(v)


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_launches_on_the_pixel_grid_with_the_real_pixel_values():
    at = app()
    assert not at.exception
    assert at.title[0].value == "Image basics"
    assert view(at) == ImageBasicsView()
    assert {k: at.query_params[k] for k in to_params(ImageBasicsView())} == to_params(ImageBasicsView())
    overview, grid = charts(at)
    image = grid["data"][0]
    x0, y0 = image["x0"], image["y0"]
    z = array(image["z"])
    assert z.shape == (12, 12, 3)
    china = load_sample_image("china.jpg")  # the pixels straight from scikit-learn
    np.testing.assert_array_equal(z, china[y0 : y0 + 12, x0 : x0 + 12])
    text = grid["data"][1]["text"]
    r, g, b = china[y0, x0]
    assert text[0] == f"{r}<br>{g}<br>{b}"  # the values printed on the top-left cell
    page = " ".join(m.value for m in at.markdown)
    assert "(427, 640, 3)" in page and "273,280 pixels" in page
    code = " ".join(c.value for c in at.code)
    assert "def zoom_window" in code and "def to_gray" in code


def test_link_restores_the_view_and_every_section_draws():
    at = app(section="bit_depth", image="flower", bits="5", threshold="90")
    assert not at.exception
    assert not [w for w in at.warning if "bad value" in w.value]
    v = view(at)
    assert (v.section, v.image, v.bits, v.threshold) == ("bit_depth", "flower", 5, 90)
    got = metrics(at)
    assert got["Levels per channel"] == "2^5 = 32" and got["Colours possible"] == f"{32**3:,}"
    assert got["Bytes, colour at 15 bit"] == f"{640 * 427 * 15 / 8 / 1000:,.1f} KB"
    for section in SECTIONS:
        at.radio(key="img.section").set_value(section).run()
        assert not at.exception, section
        assert at.query_params["section"] == section
        assert at.session_state["img.bits"] == 5  # hidden sections keep their settings...
        assert at.query_params["bits"] == "5"  # ...and the share link keeps them too


def test_compression_numbers_match_pil():
    at = app(section="compress", image="china", quality="40")
    assert not at.exception
    china = load_sample_image("china.jpg")
    jpeg, png = io.BytesIO(), io.BytesIO()
    Image.fromarray(china).save(jpeg, "JPEG", quality=40)
    Image.fromarray(china).save(png, "PNG")
    got = metrics(at)
    assert got["JPEG at quality 40"] == f"{len(jpeg.getvalue()) / 1000:,.1f} KB"
    assert got["PNG (lossless)"] == f"{len(png.getvalue()) / 1000:,.1f} KB"
    assert got["Raw 24-bit"] == f"{640 * 427 * 3 / 1000:,.1f} KB"
    back = np.asarray(Image.open(jpeg).convert("RGB")).astype(float)
    psnr = 10 * np.log10(255**2 / np.mean((china - back) ** 2))
    assert got["JPEG PSNR"] == f"{psnr:.2f} dB"
    assert any("checked, PSNR = ∞" in c.value for c in at.caption)


def test_tampered_link_gives_notices_not_an_exception():
    at = app(section="evil", bits="99", image="../../etc/passwd", angle="abc", zoom="7")
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    for field, bad in (("section", "evil"), ("bits", "99"), ("image", "../../etc/passwd"), ("angle", "abc")):
        assert field in notices and bad in notices
    assert "default" in notices
    v = view(at)
    assert (v.section, v.bits, v.image, v.angle, v.zoom) == ("pixels", 3, "china", 15, 7)  # good values kept
    assert at.query_params["bits"] == "3" and at.query_params["zoom"] == "7"
    assert len(charts(at)) == 2


def test_switching_images_and_the_upload_choice():
    at = app(section="resolution")
    for name, shape in (("checkerboard", "(256, 256, 3)"), ("digit", "(64, 64, 3)")):
        at.selectbox(key="img.image").set_value(name).run()
        assert not at.exception
        assert at.query_params["image"] == name
        assert shape in " ".join(c.value for c in at.caption)
    at.selectbox(key="img.image").set_value("upload").run()  # no file chosen yet
    assert not at.exception
    infos = " ".join(i.value for i in at.info)
    assert "Choose a file" in infos and "digit" in infos  # the last sample stays on screen
    assert "(64, 64, 3)" in " ".join(c.value for c in at.caption)
    assert metrics(at)["Original"] == "64 x 64"


def test_the_fields_map_opens_sections_and_links_the_cnn_lab():
    at = app()
    assert not at.exception
    page_links = [link for link in at.main.get("page_link") if "CNN" in link.proto.label]
    assert len(page_links) == 1 and page_links[0].proto.page.endswith("CNN_Lab")
    at.button(key="img._field_restore").click().run()
    assert not at.exception
    assert at.session_state["img.section"] == "restore" and at.query_params["section"] == "restore"
    assert at.subheader[0].value == "Restoration"


def luma(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    return ((299 * r + 587 * g + 114 * b + 500) // 1000).astype(np.float64)


def test_larger_and_sharper_numbers_match_pil_and_numpy():
    """The enlargement's numbers, recomputed here with PIL's bicubic and scipy's Gaussian."""
    from scipy.ndimage import gaussian_filter

    at = app(section="enhance", image="flower", factor="4", up_amount="1.5", up_sigma="1.0")
    assert not at.exception
    flower = load_sample_image("flower.jpg")
    small = Image.fromarray(flower).resize((160, 107), Image.Resampling.BICUBIC)
    bicubic = np.asarray(small.resize((640, 427), Image.Resampling.BICUBIC)).astype(np.float32)
    blur = gaussian_filter(bicubic, sigma=(1.0, 1.0, 0), mode="reflect", truncate=3.0)
    sharp = np.clip(np.rint(bicubic + 1.5 * (bicubic - blur)), 0, 255).astype(np.uint8)

    def psnr(x: np.ndarray) -> float:
        return 10 * np.log10(255**2 / np.mean((flower.astype(float) - x) ** 2))

    def gradient(x: np.ndarray) -> float:
        g = luma(x)
        return float(np.mean(np.hypot(g[:-1, 1:] - g[:-1, :-1], g[1:, :-1] - g[:-1, :-1])))

    caption = next(c.value for c in at.caption if c.value.startswith("Sharpening raised the mean gradient"))
    numbers = [float(t.rstrip(",).")) for t in caption.replace("(", " ").split() if t[0].isdigit()]
    b_grad, s_grad, o_grad, b_psnr, s_psnr = numbers[:5]
    assert b_grad == pytest.approx(gradient(bicubic.astype(np.uint8)), abs=0.011)
    assert s_grad == pytest.approx(gradient(sharp), abs=0.02)
    assert o_grad == pytest.approx(gradient(flower), abs=0.011)
    assert b_psnr == pytest.approx(psnr(bicubic), abs=0.011)
    assert s_psnr == pytest.approx(psnr(sharp), abs=0.02)
    assert s_grad > b_grad  # sharpening raised the edge strength


def test_compression_says_how_pillow_stores_colour():
    at = app(section="compress", quality="75")
    text = " ".join(m.value for m in at.markdown)
    assert "Y Cb Cr" in text and "at half the width and half the height (4:2:0 subsampling" in text
