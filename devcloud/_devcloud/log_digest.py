"""Print what the dev cloud's services logged as ERROR since a moment: a failing realcloud run's
clues, in CI's output, where the logs themselves are gone with the machine.

``log_digest.py LOG_DIR SINCE_EPOCH [PER_SERVICE]``: for each service log, how many ERROR
lines it wrote since SINCE_EPOCH and its last PER_SERVICE distinct messages (default 4), each
cut to one line. Standard library only: it runs with any Python.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path

# oslo.log: "2026-12-07 10:36:03.460 8532 ERROR manila.share.manager [req-...] message"
_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.\d+)? \d+ ERROR (\S+) (?:\[[^\]]*\] )?(.*)$"
)
WIDTH = 240


def errors_since(log: Path, since: float) -> list[str]:
    found: list[str] = []
    with log.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            match = _LINE.match(line)
            if match is None:
                continue
            stamp = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").timestamp()
            if stamp >= since:
                found.append(f"{match.group(2)}: {match.group(3).strip()}")
    return found


def digest(log_dir: Path, since: float, per_service: int) -> list[str]:
    out: list[str] = []
    for log in sorted(log_dir.glob("*.log")):
        if log.name.startswith("setup-"):
            continue
        found = errors_since(log, since)
        if not found:
            continue
        distinct = list(dict.fromkeys(reversed(found)))[:per_service]
        out.append(f"{log.stem}: {len(found)} ERROR lines; the last distinct ones:")
        out.extend(f"  {message[:WIDTH]}" for message in reversed(distinct))
    return out


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    per_service = int(argv[3]) if len(argv) == 4 else 4
    lines = digest(Path(argv[1]), float(argv[2]), per_service)
    print("\n".join(lines) if lines else "no service logged an ERROR")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
