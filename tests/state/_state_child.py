"""A second process for the state tests: holds locks, or dies mid-run.

Usage: python store_child.py COMMAND URL [ARG]
  hold        take the lock, print "locked LOCK_ID", release when a line arrives on stdin
  hold-write  as hold, but on that line first try to write a resource: print "wrote" or
              "refused MESSAGE" (the lock was lost meanwhile), then release
  race        print "ready", wait for a line, try the lock once: print "won LOCK_ID" and hold it
              until the next line, or print "lost MESSAGE"
  die-holding take the lock, print "locked LOCK_ID", exit without releasing (a killed run)
  crash-after write resources r1, r2, r3 but exit abruptly after ARG of them
  intent-then-crash  write an intent for r1, exit abruptly before the create finishes

With ATONIX_TEST_OTHER_HOST=NAME in the environment the process claims to run on host NAME,
in a pid scope nobody shares: its pid then says nothing, only its lease (and on PostgreSQL its
database session) tells whether it is alive.
"""

from __future__ import annotations

import os
import sys

from atonix_iac.errors import StateLockedError
from atonix_iac.state import open_store
from atonix_iac.state.engine import resolve_url, sqlite_path
from atonix_iac.state.locking import Holder
from atonix_iac.state.model import ResourceState, StackKey
from atonix_iac.state.secrets import SecretBox
from atonix_iac.state.sql import SqlStateStore

KEY = StackKey("devops", "dev", "web")


def _open(url: str) -> SqlStateStore:
    def warn(message: str) -> None:
        print(f"warning {message}", file=sys.stderr, flush=True)

    other_host = os.environ.get("ATONIX_TEST_OTHER_HOST")
    if not other_host:
        return open_store(url, on_warning=warn)
    me = Holder.current()
    holder = Holder(me.user, other_host, me.pid, scope=f"{other_host} scope", started=None)
    # As open_store builds it, with a holder identity of our choosing.
    resolved = resolve_url(url, None)
    database = sqlite_path(resolved)
    box = SecretBox.from_environment(
        key_file=database.with_suffix(".key") if database is not None else None
    )
    return SqlStateStore(resolved, box, holder=holder, on_warning=warn)


def main() -> None:
    command, url = sys.argv[1], sys.argv[2]
    store = _open(url)
    if command in ("hold", "hold-write", "die-holding"):
        with store.lock(KEY, "apply") as info:
            print(f"locked {info.lock_id}", flush=True)
            if command == "die-holding":
                os._exit(0)
            sys.stdin.readline()
            if command == "hold-write":
                try:
                    store.put_resource(KEY, ResourceState("late", "OS::Heat::None", "id-late"))
                except StateLockedError as exc:
                    print(f"refused {exc}", flush=True)
                else:
                    print("wrote", flush=True)
        print("released", flush=True)
    elif command == "race":
        print("ready", flush=True)
        sys.stdin.readline()
        try:
            with store.lock(KEY, "apply") as info:
                print(f"won {info.lock_id}", flush=True)
                sys.stdin.readline()
        except StateLockedError as exc:
            print(f"lost {exc}", flush=True)
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
