"""ui.common.visitor: which cookie values are a visitor, and the owner the store keeps for one."""

from __future__ import annotations

import hashlib

import pytest

from core.serving.hosting import Limits, settings
from ui.common import visitor


def test_a_new_id_has_the_one_shape_accepted():
    ids = {visitor.new_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(visitor.valid(i) and len(i) == 32 for i in ids)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        42,
        b"A" * 32,
        "A" * 31,  # one short
        "A" * 33,  # one long
        "A" * 31 + "=",  # base64 padding
        "A" * 31 + "+",  # standard base64, not URL-safe
        "A" * 31 + "/",
        "A" * 31 + ".",
        "A" * 31 + " ",
        "A" * 32 + "\n",  # a trailing newline ($ would let it through)
        " " + "A" * 31,
        "A" * 30 + "é1",  # non-ASCII
        "A" * 30 + "%3D",
        "A" * 16 + ";" + "A" * 15,  # a cookie separator
        "A" * 32 + "; Path=/",
    ],
)
def test_any_other_cookie_value_is_no_visitor(value):
    assert not visitor.valid(value)


def test_the_url_safe_alphabet_is_accepted():
    assert visitor.valid("abcdefghijklmnopqrstuvwxyz012_-9")
    assert visitor.valid("ABCDEFGHIJKLMNOPQRSTUVWXYZ345678")
    assert not visitor.valid("ABCDEFGHIJKLMNOPQRSTUVWXYZ3456789")  # 33 characters


def test_the_owner_is_a_hash_of_the_id_never_the_id():
    vid = visitor.new_id()
    owner = visitor.owner_of(vid)
    assert owner == visitor.owner_of(vid)  # the same browser finds the same runs
    assert len(owner) == 32 and set(owner) <= set("0123456789abcdef")
    assert vid not in owner and owner not in vid
    assert owner != hashlib.sha256(vid.encode()).hexdigest()[:32]  # domain-separated, not a bare sha256
    assert len({visitor.owner_of(visitor.new_id()) for _ in range(200)}) == 200


def test_the_owner_of_an_id_is_pinned():
    # Stored runs are filed under this value: changing the hash orphans every visitor's runs.
    assert visitor.owner_of("A" * 32) == "528e4773efaccf88a0a257c082aeaa17"
    assert visitor.owner_of("abcdefghijklmnopqrstuvwxyz012_-9") == "ab3d286b732b16a353fe56e9c6b95180"


@pytest.mark.parametrize("value", ["", "A" * 31, "A" * 31 + "=", None])
def test_no_owner_for_a_value_that_is_not_an_id(value):
    with pytest.raises(ValueError):
        visitor.owner_of(value)


def test_the_host_sets_how_many_days_a_visitor_is_kept():
    assert Limits().visitor_days == 30
    assert settings({}).limits.visitor_days == 30
    assert settings({"LAB_VISITOR_DAYS": "7"}).limits.visitor_days == 7
    bad = settings({"LAB_VISITOR_DAYS": "0"})
    assert bad.limits.visitor_days == 30 and "LAB_VISITOR_DAYS" in bad.notices[0]
