"""How many provider calls run at once by default (apply's walk, refresh's and adoption's reads).

Its own module so that a plan, which reads with it, does not import the walk (and with it
``concurrent.futures`` and ``logging``) just for the number.
"""

from __future__ import annotations

from typing import Final

DEFAULT_PARALLELISM: Final = 10
