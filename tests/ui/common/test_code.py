"""ui.common.code: the one "Show code" helper every page uses."""

import torch

from core.lessons import activation_lessons
from ui.common.code import source_of


def test_source_of_shows_code_or_names_the_builtin():
    assert "def slow_regions" in source_of(activation_lessons.slow_regions)
    assert source_of(activation_lessons.slow_regions, "title").startswith("# title\n")
    assert "torch.sigmoid" in source_of(torch.sigmoid)


def _two_functions_page():
    from core.lessons import activation_lessons
    from ui.common.code import show_code

    show_code(activation_lessons.slow_regions, activation_lessons.region_at, titles=("first",))


def test_show_code_puts_every_function_in_one_block_in_order():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_two_functions_page, default_timeout=60).run()
    assert not at.exception
    (block,) = at.code  # one element for the page to send, not one per function
    first, second = block.value.index("def slow_regions"), block.value.index("def region_at")
    assert block.value.startswith("# first\n") and first < second
    assert "\n\n" in block.value[first:second]  # a blank line between them
