"""The planner tests share hand-built fixtures in ``_planner_kit``; make it importable whether
or not pytest treats this directory as a package."""

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
