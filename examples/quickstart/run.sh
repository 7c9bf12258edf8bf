#!/usr/bin/env bash
# atonix quick start, end to end, in a throw-away directory:
#   validate -> plan -> apply -> plan (must be a no-op) -> output -> destroy
# Set ATONIX to run another build, e.g. ATONIX=".venv/bin/atonix" bash examples/quickstart/run.sh
set -euo pipefail

read -r -a atonix <<<"${ATONIX:-atonix}"
if [[ "${atonix[0]}" == */* && "${atonix[0]}" != /* ]]; then
  atonix[0]="$PWD/${atonix[0]}" # a relative path keeps working after the cd below
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/atonix-quickstart.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$here/stack.yaml" "$work/stack.yaml"
cd "$work"

step() {
  printf '\n==> atonix %s\n' "$*"
  "${atonix[@]}" "$@"
}

step validate stack.yaml
step plan stack.yaml
step apply -auto-approve stack.yaml
# -detailed-exitcode exits 2 if anything would still change: the stack must have converged.
step plan -detailed-exitcode stack.yaml
step output
step output -raw url
step destroy -auto-approve stack.yaml

printf '\nQuick start complete.\n'
