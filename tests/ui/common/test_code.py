"""ui.common.code: the one "Show code" helper every page uses."""

import torch

from core.lessons import activation_lessons
from ui.common.code import source_of


def test_source_of_shows_code_or_names_the_builtin():
    assert "def slow_regions" in source_of(activation_lessons.slow_regions)
    assert source_of(activation_lessons.slow_regions, "title").startswith("# title\n")
    assert "torch.sigmoid" in source_of(torch.sigmoid)
