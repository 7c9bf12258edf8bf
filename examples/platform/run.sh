#!/usr/bin/env bash
# The platform end to end against the bundled OpenStack API simulator, in a throw-away directory:
#   simulator serve (background) -> validate -> plan -> apply -> plan (must be a no-op)
#   -> output -> audit -> destroy; the simulator is always stopped. simulator.json gives the
#   simulated services realistic waits (a 3 s cluster build, load balancers PENDING_UPDATE
#   after each write, so its children's writes meet Octavia's 409 and are retried).
# Set ATONIX to run another build, e.g. ATONIX=".venv/bin/atonix" bash examples/platform/run.sh
set -euo pipefail

read -r -a atonix <<<"${ATONIX:-atonix}"
if [[ "${atonix[0]}" == */* && "${atonix[0]}" != /* ]]; then
  atonix[0]="$PWD/${atonix[0]}" # a relative path keeps working after the cd below
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/atonix-platform.XXXXXX")"
sim_pid=""

stop_simulator() {
  if [[ -n "$sim_pid" ]] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop_simulator EXIT

# The example as it sits in the repository, plus a throw-away self-signed certificate for the
# listener (Barbican holds it; nothing secret is kept in the repository).
mkdir -p "$work/examples"
cp -R "$here" "$work/examples/platform"
rm -rf "$work/examples/platform/.atonix" "$work/examples/platform/tls"
mkdir "$work/examples/platform/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=platform.example" \
  -keyout "$work/examples/platform/tls/server.key" -out "$work/examples/platform/tls/server.crt" \
  2>/dev/null

# Only this run's settings: no state URL, project file or cloud from the caller's shell.
unset ATONIX_STATE_URL ATONIX_CONFIG ATONIX_WORKSPACE ATONIX_ENVIRONMENT OS_CLOUD
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"${atonix[@]}" simulator serve --port "$port" --data "$work/sim" --project demo \
  --config "$here/simulator.json" >"$work/simulator.log" 2>&1 &
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

cd "$work/examples/platform"
scope=(-w demo -E dev)

step() {
  printf '\n==> atonix %s\n' "$*"
  "${atonix[@]}" "$@"
}

step validate stack.yaml "${scope[@]}"
step plan stack.yaml "${scope[@]}"
step apply -auto-approve stack.yaml "${scope[@]}"
# -detailed-exitcode exits 2 if anything would still change: the stack must have converged,
# with no drift read back from the cloud.
step plan -detailed-exitcode stack.yaml "${scope[@]}"
step output "${scope[@]}"
step audit "${scope[@]}"
step destroy -auto-approve stack.yaml "${scope[@]}"

printf '\nPlatform complete.\n'
