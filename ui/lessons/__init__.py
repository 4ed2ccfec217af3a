"""The lesson pages' views and charts: Neuron (and backprop, step vs sigmoid), Activations,
History, Glossary. Imports ui.common, ui.labs (the training charts' shared pieces) and core."""
