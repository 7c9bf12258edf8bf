#!/usr/bin/env bash
# The examples in turn: the cloud-free quick start, then the web tier and the platform (Magnum,
# Octavia, Barbican, Swift, Manila) on the bundled simulator.
# Set ATONIX to run another build, e.g. ATONIX=".venv/bin/atonix" bash examples/run.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/quickstart/run.sh"
bash "$here/web-tier/run.sh"
bash "$here/platform/run.sh"
printf '\nAll examples complete.\n'
