"""Convolution: a kernel slides over an image; stride, padding, dilation, one cell by hand,
colour channels and pooling."""

import streamlit as st

from core.base.i18n import _
from core.imaging.conv_lessons import ConvView
from ui.common import state
from ui.imaging import conv_sections as sections
from ui.imaging import conv_state

state.setup()  # first: the language (and its picker) before any text
st.set_page_config(page_title=_("Convolution"), page_icon="🔲", layout="wide")

# 1. Lesson ---------------------------------------------------------------------------------
st.title(_("Convolution"))
st.markdown(
    _(
        "A **convolution** slides a small grid of numbers, the **kernel**, over an image. At every "
        "stop it multiplies the pixels under the kernel by the kernel's numbers, one by one, and adds "
        "the products up: that sum is one pixel of the output, the **feature map**. A blur kernel "
        "averages neighbours; an edge kernel subtracts one side from the other, so it answers *how "
        "much does the brightness change here?* A convolutional layer does exactly this, but "
        "**learns** its kernels. (Strictly it is a cross-correlation: the kernel is not flipped. "
        "Every deep-learning library calls it convolution, and so do we.)"
    )
)
for notice in state.sync_from_url(ConvView, conv_state.PREFIX):  # an empty `weights`: the named kernel
    st.warning(_("This link had a bad value. {notice}.").format(notice=notice), icon="⚠️")

# 2. The image -------------------------------------------------------------------------------
st.header(_("1. The image: a grid of numbers"))
picture, rgb, img = sections.input_image()

# 3. The kernel ------------------------------------------------------------------------------
st.header(_("2. The kernel"))
kernel = conv_state.kernel_editor()

# 4. Stride, padding, dilation -> the feature map -------------------------------------------
st.header(_("3. Stride, padding, dilation: the feature map"))
st.markdown(
    _(
        "**Stride** s: how many pixels the kernel jumps between stops (s = 2 computes every second "
        "position in each direction). **Padding** p: pixels added around the border so the kernel "
        "can centre on edge pixels: zeros, a mirror image (reflect) or copies of the edge "
        "(replicate); *same* picks p = d(k-1)/2, which keeps the size at stride 1. **Dilation** d: "
        "gaps between the pixels the kernel reads, so it spans d(k-1) + 1 pixels with the same k × k "
        "weights."
    )
)
view, out, walk = sections.feature_map(img, kernel)

# 5. One cell by hand -----------------------------------------------------------------------
if out is not None and walk is not None:
    st.header(_("4. Output cell ({row}, {col}) by hand").format(row=walk.row, col=walk.col))
    sections.cell_by_hand(img, out, walk, view.dilation)

# 6. Channels -----------------------------------------------------------------------------------
st.header(_("5. Channels: a colour image and K filters"))
st.markdown(
    _(
        "A colour image is 3 planes of numbers (red, green, blue). A filter in a conv layer spans all "
        "of them: it is **3 × k × k** numbers, and its output at a cell is the sum over all three "
        "planes of patch times weights, plus one bias. **K filters give K feature maps**, stacked as "
        "the next layer's channels. This section always uses the picture, at the working size above, "
        "with the stride, padding and dilation of section 3."
    )
)
sections.channels(rgb)

# 7. Pooling ------------------------------------------------------------------------------------
st.header(_("6. Pooling: shrink the feature map"))
st.markdown(
    _(
        "Pooling slides a window over the feature map of section 3 and keeps one number per stop: "
        "the **largest** (max pooling: *was the feature anywhere here?*) or the **mean** (average "
        "pooling). Nothing to learn; a 2x2 window with stride 2 halves height and width, rounding "
        "down (an odd row or column at the end is dropped)."
    )
)
sections.pooling(out)

state.publish(state.read_config(ConvView, conv_state.PREFIX), conv_state.PREFIX)
