"""Plumbing every package may use: translation (i18n), the data folder (paths), the allocator
settings of a training process (malloc). Imports nothing from core."""
