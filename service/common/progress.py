"""A progress bar for long CLI commands, on stderr (stdout stays clean for data)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """`done / total` with rate; redraws at most every 0.2 s. Without a terminal it prints a line per 10 %."""

    def __init__(self, label: str, total: int | None, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self._stream = stream or sys.stderr
        self._started = self._drawn = time.monotonic()
        self._tty = self._stream.isatty()
        self._last_tenth = -1

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if self._tty and now - self._drawn >= 0.2:
            self._drawn = now
            self._stream.write("\r" + self._line(now))
            self._stream.flush()
        elif not self._tty and self.total:
            tenth = min(10, self.done * 10 // max(self.total, 1))
            if tenth != self._last_tenth:
                self._last_tenth = tenth
                self._stream.write(self._line(now) + "\n")

    def _line(self, now: float) -> str:
        rate = self.done / max(now - self._started, 1e-9)
        if self.total:
            share = min(1.0, self.done / self.total)
            bar = "#" * int(share * 30)
            return f"{self.label} [{bar:<30}] {self.done:,}/{self.total:,} ({share:.0%}, {rate:,.0f}/s)"
        return f"{self.label} {self.done:,} ({rate:,.0f}/s)"

    def finish(self) -> None:
        self._stream.write(("\r" if self._tty else "") + self._line(time.monotonic()) + "\n")
        self._stream.flush()
