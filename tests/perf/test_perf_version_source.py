"""The version atonix writes into plan files and documents is `atonix_iac.__version__`.

It was taken from the installed distribution's metadata, which costs every command an import of
`importlib.metadata`; the two must not drift apart now that one stands for the other.
"""

from __future__ import annotations

import importlib.metadata

from atonix_iac import __version__


def test_package_version_matches_the_distribution() -> None:
    assert __version__ == importlib.metadata.version("atonix-iac")
