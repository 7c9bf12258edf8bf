#!/usr/bin/env bash
# The web tier end to end against the bundled OpenStack API simulator, in a throw-away directory:
#   simulator serve (background) -> validate -> plan -> apply -> plan (must be a no-op)
#   -> output -> audit -> destroy; the simulator is always stopped.
# Set ATONIX to run another build, e.g. ATONIX=".venv/bin/atonix" bash examples/web-tier/run.sh
set -euo pipefail

read -r -a atonix <<<"${ATONIX:-atonix}"
if [[ "${atonix[0]}" == */* && "${atonix[0]}" != /* ]]; then
  atonix[0]="$PWD/${atonix[0]}" # a relative path keeps working after the cd below
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/atonix-web-tier.XXXXXX")"
sim_pid=""

stop_simulator() {
  if [[ -n "$sim_pid" ]] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop_simulator EXIT

# The example as it sits in the repository: the stack, its atonix.yaml and the shared templates
# its env.yaml maps through resource_registry (../../templates).
mkdir -p "$work/examples"
cp -R "$here" "$work/examples/web-tier"
cp -R "$here/../../templates" "$work/templates"
rm -rf "$work/examples/web-tier/.atonix"

# Only this run's settings: no state URL, project file or cloud from the caller's shell.
unset ATONIX_STATE_URL ATONIX_CONFIG ATONIX_WORKSPACE ATONIX_ENVIRONMENT OS_CLOUD
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"${atonix[@]}" simulator serve --port "$port" --data "$work/sim" --project demo >"$work/simulator.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 150); do
  [[ -s "$work/sim/clouds.yaml" ]] && break
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    cat "$work/simulator.log" >&2
    echo "the simulator did not start" >&2
    exit 1
  fi
  sleep 0.2
done
if [[ ! -s "$work/sim/clouds.yaml" ]]; then
  cat "$work/simulator.log" >&2
  echo "the simulator did not write clouds.yaml in 30 s" >&2
  exit 1
fi
export OS_CLIENT_CONFIG_FILE="$work/sim/clouds.yaml"
printf '==> simulator on 127.0.0.1:%s (cloud atonix-sim, project demo)\n' "$port"

cd "$work/examples/web-tier"
scope=(-w demo -E dev)

step() {
  printf '\n==> atonix %s\n' "$*"
  "${atonix[@]}" "$@"
}

step validate stack.yaml -e env.yaml "${scope[@]}"
step plan stack.yaml -e env.yaml "${scope[@]}"
step apply -auto-approve stack.yaml -e env.yaml "${scope[@]}"
# -detailed-exitcode exits 2 if anything would still change: the stack must have converged,
# with no drift read back from the cloud.
step plan -detailed-exitcode stack.yaml -e env.yaml "${scope[@]}"
step output "${scope[@]}"
step audit "${scope[@]}"
step destroy -auto-approve stack.yaml -e env.yaml "${scope[@]}"

printf '\nWeb tier complete.\n'
