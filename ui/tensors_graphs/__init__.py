"""Tensors & graphs: tensor views and figures, the traced graph, eager vs compiled, TensorFlow's
words. Imports ui.common and core."""
