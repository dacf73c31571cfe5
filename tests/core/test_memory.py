"""Freezing a server's long-lived objects for the garbage collector."""

from __future__ import annotations

import gc

import pytest

from salesmind.core.memory import freeze_long_lived, refreeze_if_frozen


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


class Node:
    def __init__(self) -> None:
        self.me = self


def test_refreeze_does_nothing_in_a_process_that_never_froze(unfrozen):
    refreeze_if_frozen()
    assert gc.get_freeze_count() == 0


def test_frozen_objects_are_left_out_of_collections_and_new_ones_are_frozen_again(unfrozen):
    freeze_long_lived()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert not gc.get_objects(generation=2) or len(gc.get_objects(generation=2)) < frozen

    loaded = [Node() for _ in range(1000)]  # a model loaded later
    refreeze_if_frozen()
    assert gc.get_freeze_count() >= frozen + 1000
    tracked = {id(o) for g in range(3) for o in gc.get_objects(generation=g)}
    assert not any(id(o) in tracked for o in loaded)
