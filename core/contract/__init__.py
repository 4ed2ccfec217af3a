"""The contract: each lab's frozen config (its field names are the URL parameters, the CLI flags
and the keys stored with a run) with its codec, the registries whose names its fields take
(activations, 2-D data sets), and named presets. Imports core.base only."""
