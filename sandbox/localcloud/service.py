"""The usual shape of a service package's extension: one engine, hooks installed through the seam.

A package's ``extension.py`` subclasses ``ServiceExtension``, names itself, lists its hooks'
targets and builds its engine in ``start()`` (installing its hooks into ``self.patches``); the
base class does the rest of the Extension protocol (runtime.py) the same way for every package:
shutdown undoes the hooks, then stops the engine; reset and describe go to the engine.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.runtime import Runtime


class Engine(Protocol):
    """What an extension's engine offers the base class."""

    def stop(self) -> None:
        """Stop its threads (delivering what can still be delivered)."""
        ...

    def reset(self) -> None:
        """Drop the state that belonged to moto's (moto's reset)."""
        ...

    def describe(self) -> list[dict[str, Any]]:
        """Rows for the console and the CLI."""
        ...


class ServiceExtension:
    name: ClassVar[str]
    targets: ClassVar[tuple[seam.Target, ...]] = ()  # every moto attribute its hooks replace

    def __init__(self) -> None:
        self.engine: Any = None
        self.patches = seam.Patches()

    def start(self, runtime: Runtime) -> Engine:
        """Build and start the engine, install the hooks into `self.patches`; return the engine."""
        raise NotImplementedError

    def install(self, runtime: Runtime) -> None:
        self.engine = self.start(runtime)

    def shutdown(self) -> None:
        self.patches.undo()
        if self.engine is not None:
            self.engine.stop()

    def reset(self) -> None:
        if self.engine is not None:
            self.engine.reset()

    def describe(self) -> list[dict[str, Any]]:
        return self.engine.describe() if self.engine is not None else []
