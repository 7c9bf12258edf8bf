"""Entry point for ``python -m atonix_iac.simulator``."""

import sys

from .cli import main

sys.exit(main())
