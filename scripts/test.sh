#!/usr/bin/env bash
# The single test command (`npm test`): installs the tools the tests drive when they are missing
# (Debian, as root), installs npm dependencies when needed, type-checks, then runs the unit tests
# and the integration tests. A runner passes only when node exits 0, nothing failed or was
# cancelled, no test was skipped (or todo) unless scripts/skip-allowlist.txt explains it, and
# nothing new is left in /tmp.
#   bash scripts/test.sh              # everything
#   bash scripts/test.sh unit         # type-check + unit tests
#   bash scripts/test.sh integration  # type-check + integration tests
#   bash scripts/test.sh unit FILE…   # type-check + only these test files, judged the same way
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

group="${1:-all}"
case "$group" in
  all|unit|integration) ;;
  *) echo "usage: $0 [unit|integration [FILE…]]" >&2; exit 2 ;;
esac
shift $(( $# > 0 ? 1 : 0 ))
only_files=("$@")
if [ "${#only_files[@]}" -gt 0 ] && [ "$group" = "all" ]; then
  echo "usage: $0 [unit|integration [FILE…]]: name the group the files belong to" >&2
  exit 2
fi

ALLOWLIST=scripts/skip-allowlist.txt

declare -a summary=()
declare -a details=()
failed=0
total_passed=0 total_failed=0 total_skipped=0
record() { # name status seconds [counts]
  summary+=("$(printf '%-22s %-5s %s%5ss' "$1" "$2" "${4:+$4  }" "$3")")
  [ "$2" = "PASS" ] || failed=1
}
step() { # name command...
  local name="$1"; shift
  echo
  echo "=== $name: $*"
  local start=$SECONDS
  if "$@"; then record "$name" PASS $((SECONDS - start)); else record "$name" FAIL $((SECONDS - start)); fi
}

# --- system packages: the real peers of PEERS.md and the tools the tests call. A test never
# skips for a missing tool, so a tool that cannot be installed fails the run here.
#   tool            Debian package
#   sipp            sip-tester          baresip     baresip, baresip-core
#   sox             sox, libsox-fmt-all svwar       sipvicious
#   tshark          tshark              nft         nftables
#   fail2ban-regex  fail2ban            turnserver  coturn (a real STUN/TURN server)
#   kamailio        kamailio            script      util-linux / bsdutils (a pseudo-terminal)
#   ip              iproute2 (network namespaces)
#   socat           socat (carries Debian's TLS-less SIPp into a TLS connection)
#   chromium        chromium (the browser phone's test, driven by playwright-core)
#   Asterisk's English prompts: asterisk-core-sounds-en-wav (the prompt lookup is tested with them)
ASTERISK_SOUNDS=/usr/share/asterisk/sounds/en_US_f_Allison/vm-login.wav
have() { # a tool on PATH, or the sounds package's files
  if [ "$1" = "asterisk-sounds" ]; then [ -f "$ASTERISK_SOUNDS" ]; else command -v "$1" >/dev/null 2>&1; fi
}
missing=()
for tool in sipp baresip sox svwar tshark nft fail2ban-regex turnserver kamailio script ip socat chromium asterisk-sounds; do
  have "$tool" || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "=== installing system packages (missing: ${missing[*]})"
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    if apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        sip-tester baresip baresip-core sipvicious sox libsox-fmt-all tshark iproute2 nftables fail2ban \
        coturn kamailio util-linux bsdutils socat chromium asterisk-core-sounds-en-wav; then
      still=()
      for tool in "${missing[@]}"; do have "$tool" || still+=("$tool"); done
      if [ "${#still[@]}" -eq 0 ]; then
        record "system packages" PASS 0
      else
        echo "ERROR: still missing after apt-get install: ${still[*]}" >&2
        record "system packages" FAIL 0
      fi
    else
      record "system packages" FAIL 0
    fi
  else
    echo "ERROR: missing ${missing[*]} and cannot install them (need root and apt-get); the tests that use them will fail, and so will this run" >&2
    record "system packages" FAIL 0
  fi
fi

# --- npm dependencies (npm reads ~/.npmrc itself, so its nodedir stays in effect)
if [ ! -d node_modules ] || [ package.json -nt node_modules ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules ]; }; then
  step "npm install" npm install --no-audit --no-fund
  touch node_modules 2>/dev/null || true
fi

step "typecheck" npx tsc -p tsconfig.json --noEmit
step "layers" node scripts/check-layers.mjs
step "lint" npx eslint .

# --- leftovers in /tmp: names only, so entries that existed before the runner (another
# program's, or a still-running process's) are never blamed on it.
tmp_dirs=(/tmp)
os_tmp="$(node -p 'require("node:os").tmpdir()')"
[ "$os_tmp" != "/tmp" ] && [ -d "$os_tmp" ] && tmp_dirs+=("$os_tmp")
# tsx keeps its compile cache in <tmpdir>/tsx-<uid> on purpose, across runs.
# The agent sandbox this project is developed in drops bash_tool_* files into /tmp from its own
# shell while a run is going on; they are not the tests'.
tmp_ignore="/tsx-$(id -u)\$|^/tmp/bash_tool_"
tmp_listing() {
  local d
  for d in "${tmp_dirs[@]}"; do
    find "$d" -mindepth 1 -maxdepth 1 -printf "$d/%f\n" 2>/dev/null
  done | grep -Ev "$tmp_ignore" | sort
}

# The count reporter's results live outside the snapshots (made before, removed at exit).
results_dir="$(mktemp -d "${TMPDIR:-/tmp}/sw-test-results.XXXXXX")"
trap 'rm -rf "$results_dir"' EXIT

run_tests() { # name, then node --test arguments
  local name="$1"; shift
  local counts="$results_dir/${name// /-}.json"
  echo
  echo "=== $name: node --import tsx --test $*"
  local before; before="$(tmp_listing)"
  local start=$SECONDS
  node --import tsx --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter="$PWD/scripts/test-count-reporter.mjs" --test-reporter-destination="$counts" \
    "$@"
  local code=$?
  local secs=$((SECONDS - start))
  local verdict vcode
  verdict="$(node scripts/test-verdict.mjs "$counts" "$ALLOWLIST" "$code")"
  vcode=$?
  local counts_line="${verdict%%$'\n'*}"
  local problems=""
  [ "$verdict" = "$counts_line" ] || problems="${verdict#*$'\n'}"
  local left
  left="$(comm -13 <(printf '%s\n' "$before") <(tmp_listing) | sed '/^$/d')"
  if [ -n "$left" ]; then
    vcode=1
    problems+="${problems:+$'\n'}$(sed 's/^/left behind: /' <<<"$left")"
  fi
  if [[ "$counts_line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped,\ ([0-9]+)\ todo,\ ([0-9]+)\ cancelled$ ]]; then
    total_passed=$((total_passed + BASH_REMATCH[1]))
    total_failed=$((total_failed + BASH_REMATCH[2] + BASH_REMATCH[5]))
    total_skipped=$((total_skipped + BASH_REMATCH[3] + BASH_REMATCH[4]))
  fi
  if [ "$vcode" -eq 0 ]; then record "$name" PASS "$secs" "$counts_line"; else record "$name" FAIL "$secs" "$counts_line"; fi
  if [ -n "$problems" ]; then
    details+=("  $name:")
    mapfile -t -O "${#details[@]}" details < <(sed 's/^/    /' <<<"$problems")
  fi
}

# A file that never ends (a test waiting forever, or a handle a process left open that keeps the
# file's process alive) fails under its own name after this long instead of stalling the run:
# node's runner applies --test-timeout to each file's process as a whole.
UNIT_FILE_TIMEOUT_MS="${UNIT_FILE_TIMEOUT_MS:-300000}"
INTEGRATION_FILE_TIMEOUT_MS="${INTEGRATION_FILE_TIMEOUT_MS:-600000}"

ran_runner=0
if [ "$group" = "all" ] || [ "$group" = "unit" ]; then
  if [ "${#only_files[@]}" -gt 0 ]; then unit_files=("${only_files[@]}")
  else mapfile -t unit_files < <(find test -name '*.test.ts' -not -path 'test/integration/*' | sort); fi
  if [ "${#unit_files[@]}" -gt 0 ]; then
    run_tests "unit tests" --test-timeout="$UNIT_FILE_TIMEOUT_MS" "${unit_files[@]}"
    ran_runner=1
  else
    record "unit tests" FAIL 0 "no test files"
  fi
fi

if [ "$group" = "all" ] || [ "$group" = "integration" ]; then
  if [ "${#only_files[@]}" -gt 0 ]; then integration_files=("${only_files[@]}")
  else mapfile -t integration_files < <(find test/integration -name '*.test.ts' 2>/dev/null | sort); fi
  if [ "${#integration_files[@]}" -gt 0 ]; then
    # One file at a time: integration tests start real servers and phones on shared loopback.
    run_tests "integration tests" --test-concurrency=1 --test-timeout="$INTEGRATION_FILE_TIMEOUT_MS" "${integration_files[@]}"
    ran_runner=1
  else
    record "integration tests" FAIL 0 "no test files"
  fi
fi

echo
echo "=== summary ($group)"
for line in "${summary[@]}"; do echo "  $line"; done
for line in "${details[@]}"; do echo "$line"; done
# The plain closing line CI tools read; cancelled counts as failed, todo as skipped.
[ "$ran_runner" -eq 0 ] || echo "total: $total_passed passed, $total_failed failed, $total_skipped skipped"
if [ "$failed" -ne 0 ]; then
  echo "RESULT: FAIL"
  exit 1
fi
echo "RESULT: PASS"
