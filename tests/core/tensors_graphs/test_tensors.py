"""core.tensors_graphs.tensors against torch as the oracle: the same results, and an error exactly
where torch errs."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.tensors_graphs import tensors
from core.tensors_graphs.tensors import TensorOpError

T = tensors.playground((2, 3, 4))
dims = st.lists(st.integers(1, 5), min_size=0, max_size=4).map(tuple)


def test_rank_examples_have_their_rank_and_axes():
    examples = tensors.rank_examples()
    assert [e.rank for e in examples] == [0, 1, 2, 3, 4]
    for e in examples:
        assert e.tensor.dim() == e.rank and len(e.axes) == e.rank
    img, batch = examples[3].tensor, examples[4].tensor
    assert img.shape == (12, 16, 3) and img.dtype == torch.uint8 and examples[3].axes == ("H", "W", "C")
    assert batch.shape == (4, 3, 6, 8) and examples[4].axes == ("N", "C", "H", "W")
    # The batch is the image's four tiles, channels first: tile 3 is the bottom-right one.
    assert torch.equal(batch[0], img[:6, :8].permute(2, 0, 1))
    assert torch.equal(batch[3], img[6:, 8:].permute(2, 0, 1))
    assert img.float().std() > 10  # a real picture, not a constant


def test_photo_falls_back_to_a_ramp_without_sklearn(monkeypatch):
    monkeypatch.setattr(tensors.importlib.util, "find_spec", lambda name: None)
    img = tensors._photo(5, 7)
    assert img.shape == (5, 7, 3) and img.dtype == torch.uint8
    assert img[0, 0, 0] == 0 and img[0, -1, 0] == 255  # red grows left to right


@pytest.mark.parametrize(
    "text, shape",
    [
        ("2, 3, 4", (2, 3, 4)),
        ("(4,6)", (4, 6)),
        ("[24]", (24,)),
        ("-1, 8", (-1, 8)),
        ("", ()),
        (" 6 , 4 ", (6, 4)),
    ],
)
def test_parse_shape(text, shape):
    assert tensors.parse_shape(text) == shape


@pytest.mark.parametrize("text", ["a, b", "2.5, 4", "-1, -1", "-2, 3", "2; 3", "__import__('os')", "9999, 1"])
def test_parse_shape_rejects_with_a_reason(text):
    with pytest.raises(TensorOpError, match=r"\w"):
        tensors.parse_shape(text)


def test_parse_shape_without_infer_rejects_minus_one():
    with pytest.raises(TensorOpError, match="positive"):
        tensors.parse_shape("-1, 4", allow_infer=False)


def test_invalid_reshape_states_the_rule():
    with pytest.raises(TensorOpError) as err:
        tensors.reshape(T, (5, 5))
    msg = str(err.value)
    assert "(2, 3, 4)" in msg and "24 elements" in msg and "25 elements" in msg and "multiply to 24" in msg
    assert "Traceback" not in msg and "RuntimeError" not in msg
    with pytest.raises(TensorOpError, match="24 / 5"):
        tensors.reshape(T, (-1, 5))


@settings(max_examples=60, deadline=None)
@given(shape=dims, infer=st.integers(-1, 3))
def test_reshape_agrees_with_torch(shape, infer):
    if 0 <= infer < len(shape):
        shape = shape[:infer] + (-1,) + shape[infer + 1 :]
    try:
        expected = T.reshape(shape)
    except RuntimeError:
        with pytest.raises(TensorOpError):
            tensors.reshape(T, shape)
    else:
        assert torch.equal(tensors.reshape(T, shape), expected)


@settings(max_examples=60, deadline=None)
@given(order=st.lists(st.integers(-3, 3), min_size=0, max_size=4).map(tuple))
def test_permute_agrees_with_torch(order):
    try:
        expected = T.permute(order)
    except (RuntimeError, IndexError):
        with pytest.raises(TensorOpError, match="exactly once"):
            tensors.permute(T, order)
    else:
        out = tensors.permute(T, order)
        assert torch.equal(out, expected) and out.stride() == expected.stride()


@settings(max_examples=60, deadline=None)
@given(a=dims, b=dims)
def test_broadcast_rows_agree_with_torch(a, b):
    rows = tensors.broadcast_rows(a, b)
    assert len(rows) == max(len(a), len(b)) and [r.axis for r in rows] == list(range(-len(rows), 0))
    try:
        expected = tuple(torch.broadcast_shapes(a, b))
    except RuntimeError:
        assert any(r.out is None for r in rows)
    else:
        assert tuple(r.out for r in rows) == expected


def test_broadcast_add_matches_torch_and_names_the_clash():
    b, out = tensors.broadcast_add(T, (3, 1))
    assert torch.equal(b, torch.tensor([[0], [100], [200]]))
    assert torch.equal(out, T + b) and out.shape == (2, 3, 4)
    with pytest.raises(TensorOpError, match=r"axis -2 the sizes are 3 and 2"):
        tensors.broadcast_add(T, (2, 4))
    table = tensors.broadcast_table((2, 3, 4), (3, 1))
    assert table[0] == {"axis": "-3", "t": "2", "b": "–", "t + b": "2"}
    assert tensors.broadcast_table((2, 3), (4, 3))[0]["t + b"] == "✗ clash"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0", T[0]),
        ("0, 1:3", T[0, 1:3]),
        ("..., -1", T[..., -1]),
        (":, None, 2", T[:, None, 2]),
        ("[0, 1], 2", T[[0, 1], 2]),
        ("1:, ::2, 1:3:1", T[1:, ::2, 1:3:1]),
        (":", T[:]),
    ],
)
def test_index_agrees_with_python_indexing(text, expected):
    idx = tensors.parse_index(text)
    out = tensors.index(T, idx)
    assert torch.equal(out, expected)
    assert tensors.parse_index(tensors.format_index(idx)) == idx  # the text round-trips


@pytest.mark.parametrize(
    "text, words",
    [
        ("__import__('os').system('id')", "not an index"),
        ("t.numpy()", "not an index"),
        ("1+1", "not an index"),
        ("::-1", "positive step"),
        ("..., 0, ...", "only one ..."),
        ("0, 0, 0, 0", "names 4"),
        ("5", "out of bounds"),
        ("[0, 7]", "out of bounds"),
        ("99999999999999999999", "6 digits"),
    ],
)
def test_bad_indices_are_refused_in_words(text, words):
    with pytest.raises(TensorOpError, match=words):
        tensors.index(T, tensors.parse_index(text))


def test_mask_examples_and_describe():
    masks = tensors.mask_examples(T)
    assert torch.equal(masks["t[t % 2 == 0]"], T[T % 2 == 0])
    assert all(m.dim() == 1 for m in masks.values())
    assert tensors.describe(torch.tensor(1.0)) == "shape (), rank 0, 1 element, dtype float32"
    assert tensors.describe(T) == "shape (2, 3, 4), rank 3, 24 elements, dtype int64"


def test_playground_is_small_and_ordered():
    assert torch.equal(tensors.playground((4, 6)).flatten(), torch.arange(24))
    with pytest.raises(TensorOpError, match="120"):
        tensors.playground((11, 11))
    assert math.prod(tensors.playground((120,)).shape) == 120
