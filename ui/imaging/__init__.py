"""Image basics and Convolution: the picture picker, pixel grids and images, the sections of
each page, the kernel editor. Imports ui.common and core."""
