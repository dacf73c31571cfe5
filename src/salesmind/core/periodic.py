"""A daemon thread that runs one job every few seconds until stopped (retraining timer, cache warmer)."""

from __future__ import annotations

import threading
from typing import Self


class PeriodicThread:
    """Calls :meth:`tick` every ``interval`` seconds on a daemon thread (first at once when ``at_once``)."""

    def __init__(self, name: str, interval: float, *, at_once: bool = False) -> None:
        self.interval, self.at_once = interval, at_once
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def tick(self) -> None:
        """One run of the job (subclasses)."""
        raise NotImplementedError

    def start(self) -> Self:
        """Start the thread."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop and wait for it (a run in progress finishes first)."""
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        if self.at_once:
            self.tick()
        while not self._stop.wait(self.interval):
            self.tick()
