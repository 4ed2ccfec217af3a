"""Tensors & graphs: tensor operations with readable errors, torch.fx traces and their layout
(tracing one thread at a time), eager vs graph vs compiled runs, TensorFlow's words for them.
Imports core.base, core.contract, core.engine."""
