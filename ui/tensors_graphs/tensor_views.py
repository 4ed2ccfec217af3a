"""Section 1 of Tensors & graphs: tensors of rank 0 to 4, and a playground that changes a
tensor's shape, where an invalid operation shows torch's rule in words instead of a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable

import streamlit as st
import torch

from core.base.i18n import _
from core.tensors_graphs import tensors
from ui.common.code import show_code
from ui.common.plot import chart, once
from ui.tensors_graphs import tensor_charts as charts


@functools.lru_cache(maxsize=1)
def examples() -> tuple[tensors.Example, ...]:
    """rank_examples(), made once per server (the photo is decoded and shrunk): only shown."""
    return tuple(tensors.rank_examples())


@once
def rank_figure(rank: int) -> dict:
    """The drawing of the example tensor of this rank (2, 3 or 4): the same for everyone."""
    ex = next(e for e in examples() if e.rank == rank)
    return {2: charts.matrix_figure, 3: charts.image_figure, 4: charts.slices_figure}[rank](ex.tensor)


def rank_tabs() -> None:
    """One tab per rank: the tensor, what its axes mean, and where such a tensor appears."""
    shown = examples()
    labels = [_("rank {rank}: {name}").format(rank=e.rank, name=_(e.name)) for e in shown]
    for tab, ex in zip(st.tabs(labels), shown):
        with tab:
            names = [_(a) for a in ex.axes]  # features, rows, columns; H, W, C, N stay letters
            axes = _("axes {axes}").format(axes=" x ".join(names)) if ex.axes else _("no axes")
            st.markdown(f"**{tensors.describe(ex.tensor)}**; {axes}. {_(ex.note)}.")
            if ex.rank <= 1:
                st.code(repr(ex.tensor), language="python")
            else:
                chart(st, rank_figure(ex.rank), key=f"tg.rank{ex.rank}")
    show_code(tensors.rank_examples)


def attempt(expr: str, op: Callable[[], torch.Tensor]) -> torch.Tensor | None:
    """Run a tensor op and show its result, or torch's rule in words when it is invalid."""
    try:
        out = op()
    except tensors.TensorOpError as err:
        st.error(_("`{expr}` is not valid: {err}").format(expr=expr, err=err), icon=":material/block:")
        return None
    st.code(f"{expr}\n# {tensors.describe(out)}\n{out!r}", language="python")
    return out


def playground() -> None:
    """t = arange(n).reshape(shape), then reshape / permute / broadcast / index it."""
    shape_text = st.text_input(
        _("Shape of t"), "2, 3, 4", key="tg.shape", help=_("whole numbers, e.g. 2, 3, 4")
    )
    try:
        t = tensors.playground(tensors.parse_shape(shape_text, allow_infer=False))
    except tensors.TensorOpError as err:
        st.error(_("{err}; using (2, 3, 4).").format(err=err), icon=":material/block:")
        t = tensors.playground((2, 3, 4))
    st.code(f"t  # {tensors.describe(t)}\n{t!r}", language="python")
    tabs = st.tabs([_("reshape"), _("permute"), _("broadcast"), _("index")])
    with tabs[0]:
        target = st.text_input(_("New shape (one size may be -1)"), "4, -1", key="tg.reshape")
        attempt(f"t.reshape({target})", lambda: tensors.reshape(t, tensors.parse_shape(target)))
        st.caption(_("Reshape reads the elements in order and refills the new shape: the count must match."))
    with tabs[1]:
        _permute(t)
    with tabs[2]:
        _broadcast(t)
    with tabs[3]:
        _index(t)
    show_code(tensors.reshape, tensors.broadcast_rows, tensors.parse_index, tensors.flat_view)


def _permute(t: torch.Tensor) -> None:
    default = ", ".join(map(str, reversed(range(t.dim()))))
    order = st.text_input(_("New order of the axes"), default, key="tg.perm")
    out = attempt(f"t.permute({order})", lambda: tensors.permute(t, tensors.parse_shape(order)))
    if out is None:
        return
    view_ok, shares = tensors.flat_view(out)
    st.caption(
        _(
            "Permute moves no data, it reorders the strides (elements skipped per step on each axis): "
            "{before} → {after}. Contiguous now: {contiguous}. Tried on this result: `.view(-1)` {view}; "
            "`.reshape(-1)` {reshape}. A view must be expressible with strides over the same memory; "
            "reshape copies when it is not. `t.transpose(0, 1)` swaps just two axes."
        ).format(
            before=t.stride(),
            after=out.stride(),
            contiguous=out.is_contiguous(),
            view=_("works") if view_ok else _("raises an error"),
            reshape=_("shares t's memory") if shares else _("copies the data"),
        )
    )


def _broadcast(t: torch.Tensor) -> None:
    b_text = st.text_input(_("Shape of b (b = 100 × arange)"), "3, 1", key="tg.bshape")
    try:
        b_shape = tensors.parse_shape(b_text, allow_infer=False)
        st.dataframe(tensors.broadcast_table(tuple(t.shape), b_shape), hide_index=True)
        b, total = tensors.broadcast_add(t, b_shape)
        st.code(f"b\n{b!r}\n\nt + b\n# {tensors.describe(total)}\n{total!r}", language="python")
    except tensors.TensorOpError as err:
        st.error(_("`t + b` is not valid: {err}").format(err=err), icon=":material/block:")
    st.caption(_("Shapes line up from the right; each axis must match, be 1 (repeated) or be missing."))


def _index(t: torch.Tensor) -> None:
    masks = tensors.mask_examples(t)
    own = "type your own"  # the option's value (kept in session state); its label is translated
    picks = [own, "0", "0, 1:3", "..., -1", ":, None, 0", "[0, 1], 0", *masks]
    label = lambda p: _("type your own") if p == own else p if p in masks else f"t[{p}]"  # noqa: E731
    pick = st.selectbox(_("Index"), picks, index=2, key="tg.pick", format_func=label)
    if pick in masks:
        note = _("a boolean mask picks elements: always rank 1")
        st.code(f"{pick}  # {note}\n{masks[pick]!r}", language="python")
    else:
        text = st.text_input("t[ ... ]", "1, ::2", key="tg.index") if pick == own else pick
        attempt(f"t[{text}]", lambda: tensors.index(t, tensors.parse_index(text)))
    st.caption(_("An integer removes its axis, a slice keeps it, None inserts a new axis of size 1."))
