"""The one way to find the pipelines and their modules: `pipelines/<name>/<role>.py`.

Every pipeline folder has the same files (roles): resources (declared AWS resources), handler
(Lambda code), app, search, demo, cli and console. deploy, the CLI, the console, the demo and the
tests find them here, so a new pipeline needs no registration.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

ROLES = ("resources", "handler", "app", "search", "demo", "cli", "console")


def pipeline_names() -> list[str]:
    """The pipeline folders under pipelines/, sorted."""
    import pipelines

    return sorted(info.name for info in pkgutil.iter_modules(pipelines.__path__) if info.ispkg)


def pipeline_module(name: str, role: str) -> ModuleType | None:
    """`pipelines.<name>.<role>`, or None when that pipeline has no such module (yet).

    An import error inside an existing module is raised, not mistaken for a missing module.
    """
    dotted = f"pipelines.{name}.{role}"
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as exc:
        if exc.name == dotted:
            return None
        raise


def pipeline_modules(role: str) -> list[tuple[str, ModuleType]]:
    """(name, module) of every pipeline that has a `role` module, in name order."""
    found = [(name, pipeline_module(name, role)) for name in pipeline_names()]
    return [(name, module) for name, module in found if module is not None]
