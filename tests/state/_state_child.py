"""A second process for the state tests: holds locks, or dies mid-run.

Usage: python store_child.py COMMAND URL [ARG]
  hold        take the lock, print "locked LOCK_ID", release when a line arrives on stdin
  die-holding take the lock, print "locked LOCK_ID", exit without releasing (a killed run)
  crash-after write resources r1, r2, r3 but exit abruptly after ARG of them
  intent-then-crash  write an intent for r1, exit abruptly before the create finishes
"""

from __future__ import annotations

import os
import sys

from atonix_iac.state import open_store
from atonix_iac.state.model import ResourceState, StackKey

KEY = StackKey("devops", "dev", "web")


def main() -> None:
    command, url = sys.argv[1], sys.argv[2]
    store = open_store(url)
    if command in ("hold", "die-holding"):
        with store.lock(KEY, "apply") as info:
            print(f"locked {info.lock_id}", flush=True)
            if command == "die-holding":
                os._exit(0)
            sys.stdin.readline()
        print("released", flush=True)
    elif command == "crash-after":
        written = int(sys.argv[3])
        for index in range(1, 4):
            if index > written:
                os._exit(17)
            store.put_resource(KEY, ResourceState(f"r{index}", "OS::Heat::None", f"id-{index}"))
    elif command == "intent-then-crash":
        store.write_intent(KEY, ResourceState("r1", "OS::Nova::Server", None))
        os._exit(17)
    store.close()


if __name__ == "__main__":
    main()
