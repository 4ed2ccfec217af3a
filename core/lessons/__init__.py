"""The course's lessons, by chapter: one neuron and the perceptron, backprop by hand, step vs
sigmoid, activations and their words, f'(z)^L through depth, dropout / batch norm / init on real
tensors, the History timeline, the Glossary. Imports core.base, core.contract, core.engine."""
