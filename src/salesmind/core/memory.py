"""Keep long-lived objects out of the cyclic garbage collector's way in a server process."""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Collect once, then move every object alive now to the collector's permanent generation.

    A server process holds a few hundred thousand objects for its whole life (the imported
    modules, the app, the loaded models). Python's full (oldest-generation) collection walks all
    of them, about 150 ms on the 2-core test machine, and it runs in whichever request happens to
    allocate at that moment: that request, and every one queued behind it, waits. Frozen objects
    are no longer walked, so a full collection only looks at what requests allocate. Frozen
    objects are still freed as usual when their last reference goes; only reference cycles
    among objects alive at this moment would stay, so call this after startup and after loading
    a model, not in the middle of a request's work.
    """
    gc.collect()
    gc.freeze()


def refreeze_if_frozen() -> None:
    """:func:`freeze_long_lived` again in a process that froze at startup (a server that just
    loaded a model); nothing elsewhere (a CLI run, the test suite), where freezing would only
    keep garbage alive."""
    if gc.get_freeze_count():
        freeze_long_lived()
