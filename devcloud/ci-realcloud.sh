#!/usr/bin/env bash
# Bring the dev cloud up, run the realcloud tier against it, and ALWAYS tear it down.
# Usage: devcloud/ci-realcloud.sh [extra pytest args]
#   ATONIX_REALCLOUD_BUDGET_S  whole-run budget in seconds (default 1800): the tier is killed
#                              when it runs over, and the run fails.
# tests/service/test_realcloud_service.py runs `atonix serve` on Heat's port 8004 (the catalog's
# orchestration endpoint) and drives it with the openstack CLI; it skips when 8004 is taken.
# tests/soak adds 3 kill -9 trials of the web tier (bench/soak.py) in the last test project.
#   ATONIX_DEVCLOUD_FRESH=1    start from nothing (wipe the dev cloud's state and databases).
# Exit status: pytest's, or 1 if the cloud would not come up, 124 if the budget ran out.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
budget="${ATONIX_REALCLOUD_BUDGET_S:-1800}"
started=$SECONDS
cd "$root"

teardown() {
  echo "==> devcloud/down"
  local down_started=$SECONDS
  devcloud/down || echo "devcloud/down could not stop everything (see devcloud/status)"
  echo "devcloud down: $((SECONDS - down_started))s; whole run: $((SECONDS - started))s"
}
trap teardown EXIT
trap 'exit 130' INT TERM

remaining() { echo $((budget - (SECONDS - started))); }

echo "==> devcloud/up (budget ${budget}s)"
up_args=()
[[ "${ATONIX_DEVCLOUD_FRESH:-0}" == 1 ]] && up_args+=(--fresh)
timeout --kill-after=30 "$(remaining)" devcloud/up "${up_args[@]}"
status=$?
if [[ $status -ne 0 ]]; then
  echo "devcloud/up failed (exit $status)"
  exit 1
fi

state="${ATONIX_DEVCLOUD_STATE:-${ATONIX_DEVCLOUD_HOME:-$HOME/.cache/atonix-devcloud}/state}"
export ATONIX_REALCLOUD_CLOUDS="$state/clouds.yaml"
export ATONIX_REALCLOUD_CLOUD=atonix-real
export ATONIX_REALCLOUD_PROJECTS=atonix-ci-a,atonix-ci-b
export ATONIX_REALCLOUD_ADMIN_CLOUD=atonix-admin
up_s=$((SECONDS - started))

# A warm cloud keeps what an interrupted or failing run left behind: start from empty projects.
echo "==> sweep the test projects"
venv="${ATONIX_DEVCLOUD_HOME:-$HOME/.cache/atonix-devcloud}/venv"
if ! timeout 300 "$venv/bin/python" devcloud/_devcloud/sweep_projects.py "$ATONIX_REALCLOUD_CLOUDS" \
  atonix-ci-a atonix-ci-b atonix-dev atonix-staging; then
  echo "could not empty the test projects"
  exit 1
fi

echo "==> pytest -m realcloud ($(remaining)s left)"
tier_started=$SECONDS
tier_epoch=$(date +%s)
timeout --kill-after=30 "$(remaining)" .venv/bin/pytest -m realcloud -p no:cacheprovider \
  tests/providers_openstack tests/functional tests/soak tests/service/test_realcloud_service.py "$@"
status=$?
if [[ $status -ne 0 ]]; then
  # The services' logs go with the machine: print what they said went wrong meanwhile.
  echo "==> ERROR lines the dev cloud's services logged during the tier"
  python3 devcloud/_devcloud/log_digest.py "$state/logs" "$tier_epoch" 4 || true
fi
echo "devcloud up: ${up_s}s; realcloud tier: $((SECONDS - tier_started))s"
exit $status
