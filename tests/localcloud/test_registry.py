"""Every registered extension installs into a running localcloud, hooks moto, and undoes it at stop."""

from __future__ import annotations

import pytest

from sandbox.localcloud.registry import EXTENSIONS
from sandbox.localcloud.server import LocalCloud


def test_the_registry_names_each_extension_once_the_lambda_one_first():
    names = [extension().name for extension in EXTENSIONS]
    assert names[0] == "lambda"
    assert len(set(names)) == len(names) == len(EXTENSIONS)


@pytest.mark.parametrize("extension", EXTENSIONS, ids=lambda e: e.__name__)
def test_every_registered_extension_installs_alone_and_restores_moto(isolated_settings, extension):
    before = {t.name: t.current() for t in extension.targets}
    cloud = LocalCloud(isolated_settings, extensions=(extension,)).start()
    try:
        [(name, installed)] = cloud.runtime.extensions.items()
        assert isinstance(installed, extension) and name == installed.name
        assert all(t.current() is not before[t.name] for t in extension.targets)
        assert isinstance(installed.describe(), list)
        installed.reset()
    finally:
        cloud.stop()
    assert {t.name: t.current() for t in extension.targets} == before


def test_all_extensions_install_together(localcloud):
    assert list(localcloud.runtime.extensions) == [extension().name for extension in EXTENSIONS]
