#!/usr/bin/env bash
# The single test command (`npm test`): installs the SIP peers the integration tests drive when
# they are missing (Debian, as root), installs npm dependencies when needed, type-checks, then
# runs the unit tests and the integration tests.
#   bash scripts/test.sh              # everything
#   bash scripts/test.sh unit         # type-check + unit tests
#   bash scripts/test.sh integration  # type-check + integration tests
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

group="${1:-all}"
case "$group" in
  all|unit|integration) ;;
  *) echo "usage: $0 [unit|integration]" >&2; exit 2 ;;
esac

declare -a summary=()
failed=0
record() { # name status seconds
  summary+=("$(printf '%-22s %-5s %5ss' "$1" "$2" "$3")")
  [ "$2" = "PASS" ] || [ "$2" = "NONE" ] || failed=1
}
step() { # name command...
  local name="$1"; shift
  echo
  echo "=== $name: $*"
  local start=$SECONDS
  if "$@"; then record "$name" PASS $((SECONDS - start)); else record "$name" FAIL $((SECONDS - start)); fi
}

# --- system packages: the real peers of PEERS.md (sipp, baresip, sox, sipvicious, tshark, nft, fail2ban)
missing=()
for tool in sipp baresip sox svwar tshark fail2ban-regex nft; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "=== installing system packages (missing: ${missing[*]})"
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    if apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        sip-tester baresip baresip-core sipvicious sox libsox-fmt-all tshark iproute2 nftables fail2ban; then
      record "system packages" PASS 0
    else
      record "system packages" FAIL 0
    fi
  else
    echo "WARNING: missing ${missing[*]} and cannot install them (need root and apt-get); tests that use them will fail" >&2
  fi
fi

# --- npm dependencies (npm reads ~/.npmrc itself, so its nodedir stays in effect)
if [ ! -d node_modules ] || [ package.json -nt node_modules ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules ]; }; then
  step "npm install" npm install --no-audit --no-fund
  touch node_modules 2>/dev/null || true
fi

step "typecheck" npx tsc -p tsconfig.json --noEmit
step "layers" node scripts/check-layers.mjs

if [ "$group" = "all" ] || [ "$group" = "unit" ]; then
  mapfile -t unit_files < <(find test -name '*.test.ts' -not -path 'test/integration/*' | sort)
  if [ "${#unit_files[@]}" -gt 0 ]; then
    step "unit tests" node --import tsx --test --test-reporter=spec "${unit_files[@]}"
  else
    record "unit tests" "NONE" 0
  fi
fi

if [ "$group" = "all" ] || [ "$group" = "integration" ]; then
  mapfile -t integration_files < <(find test/integration -name '*.test.ts' 2>/dev/null | sort)
  if [ "${#integration_files[@]}" -gt 0 ]; then
    # One file at a time: integration tests start real servers and phones on shared loopback.
    step "integration tests" node --import tsx --test --test-reporter=spec --test-concurrency=1 "${integration_files[@]}"
  else
    record "integration tests" "NONE" 0
  fi
fi

echo
echo "=== summary ($group)"
for line in "${summary[@]}"; do echo "  $line"; done
if [ "$failed" -ne 0 ]; then
  echo "RESULT: FAIL"
  exit 1
fi
echo "RESULT: PASS"
