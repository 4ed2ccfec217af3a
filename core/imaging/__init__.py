"""Pictures and convolution: loading any upload (imageio), the bundled samples, pixel operations,
quality and restoration, upscaling, convolution and pooling, kernels, and the URL state of the
Image basics and Convolution pages. Imports core.base and core.contract."""
