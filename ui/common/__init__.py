"""Pieces every page uses: state (URL <-> widgets <-> config, the store, the pool; setup() is a
page's first line), the language picker, the page list, plot (figures sent as built), the
config widgets, Show code. Imports core only."""
