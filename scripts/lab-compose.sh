#!/usr/bin/env bash
# `npm run lab:compose`: the whole container lab, start to finish, and nothing
# left running afterwards.
#
#   1. start dockerd if no engine answers (and remember that WE started it)
#   2. make the base image local/debian:bookworm by debootstrap if missing
#   3. stage node + dist + production node_modules, build the lab image
#   4. docker-compose up: origin, one service per proxy template, the prober
#      (TLS templates serve one throwaway certificate from ./lab-tls, whose CA
#      the prober trusts; removed again at the end)
#   5. wait for the prober (deadline): `pushthrough run --external …` exits 0
#      only when every cell is as its setup's expect file says
#   6. ALWAYS (trap on EXIT/INT/TERM): docker-compose down, and stop the
#      dockerd this script started, by its PID
#
# Exit 0 only when every cell matches; otherwise the last line says what failed.
#
# Environment (all optional):
#   BASE_IMAGE            image to build FROM (default local/debian:bookworm,
#                         made here by debootstrap; debian:bookworm-slim needs a registry)
#   LAB_BASE_PORT         origin port; proxies on the next ones (default 27100)
#   LAB_DEADLINE_S        how long the prober may run (default 3600)
#   LAB_EXIT_GRACE_S      how long the prober may linger after writing its report (default 30)
#   LAB_DOCKERD_START_S   how long dockerd may take to answer (default 60)
#   LAB_UNVERIFIED=1      also run the `unverified` profile (Envoy, Traefik:
#                         images from a registry; not verified on this project's machines)
#   LAB_KEEP_DOCKERD=1    leave a dockerd that this script started running
#   LAB_DOCKERD_ARGS      extra dockerd flags (default: --bridge=none --iptables=false --ip6tables=false)
set -Eeuo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

reports="$repo/lab-reports"
lab_tls="$repo/lab-tls"       # the TLS templates' certificate and the prober's CA (scripts/lab-tls.js)
project="${COMPOSE_PROJECT_NAME:-pushthrough-lab}"
base_port="${LAB_BASE_PORT:-27100}"
deadline_s="${LAB_DEADLINE_S:-3600}"
dockerd_start_s="${LAB_DOCKERD_START_S:-60}"
export BASE_IMAGE="${BASE_IMAGE:-local/debian:bookworm}"
export LAB_IMAGE="${LAB_IMAGE:-pushthrough-lab:local}"

step="starting"             # what is being done now, for the failure line
dockerd_pid=""              # set only when this script started dockerd
compose_up=0                # 1 once `up` may have created containers
bg_pid=""                   # a long step run in the background (interruptible)
failure=""                  # an explicit failure message
timings=()

log() { printf 'lab-compose: %s\n' "$*" >&2; }
fail() { failure="$*"; exit 1; }

# --- compose command: v1 (docker-compose) or v2 (docker compose) ------------
if command -v docker-compose >/dev/null 2>&1; then
  compose_cmd=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
else
  compose_cmd=()
fi
profiles=()
[[ "${LAB_UNVERIFIED:-0}" == 1 ]] && profiles=(--profile unverified)
compose() { "${compose_cmd[@]}" -p "$project" -f "$repo/docker-compose.yml" "${profiles[@]}" "$@"; }

# Runs a long step in the background and waits for it, so INT/TERM reach our
# trap at once instead of after the step (bash defers traps during a
# foreground command).
run_bg() {
  "$@" &
  bg_pid=$!
  local rc=0
  wait "$bg_pid" || rc=$?
  bg_pid=""
  return "$rc"
}

# Times one step: `timed NAME command...`
timed() {
  local name="$1" started=$SECONDS rc=0
  shift
  step="$name"
  "$@" || rc=$?
  timings+=("$name: $((SECONDS - started)) s")
  return "$rc"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM ERR
  set +e
  if [[ -n "$bg_pid" ]]; then
    kill -TERM "$bg_pid" 2>/dev/null
    wait "$bg_pid" 2>/dev/null
  fi
  if ((compose_up)); then
    mkdir -p "$reports"
    compose logs --no-color --timestamps >"$reports/compose.log" 2>&1
    log "tearing down the lab (docker-compose down)"
    compose down --timeout 10 --remove-orphans >"$reports/compose-down.log" 2>&1 \
      || log "docker-compose down failed: see $reports/compose-down.log"
  fi
  # The lab's throwaway key never outlives the lab.
  rm -rf "$lab_tls"
  if [[ -n "$dockerd_pid" && "${LAB_KEEP_DOCKERD:-0}" != 1 ]]; then
    log "stopping the dockerd this script started (pid $dockerd_pid)"
    stop_dockerd
  fi
  if ((${#timings[@]})); then
    mkdir -p "$reports"
    printf '%s\n' "${timings[@]}" >"$reports/timings.txt"
    log "timings: $(IFS=';'; echo "${timings[*]}")"
  fi
  if ((rc != 0)); then
    printf 'lab-compose: FAILED: %s\n' "${failure:-$step (exit $rc)}" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'failure="interrupted during: $step"; exit 130' INT
trap 'failure="terminated during: $step"; exit 143' TERM

# --- dockerd ------------------------------------------------------------------
stop_dockerd() {
  # SIGTERM lets dockerd stop its containerd child and clean its sockets.
  kill -TERM "$dockerd_pid" 2>/dev/null || return 0
  local until=$((SECONDS + 30))
  while kill -0 "$dockerd_pid" 2>/dev/null && ((SECONDS < until)); do sleep 0.5; done
  if kill -0 "$dockerd_pid" 2>/dev/null; then
    log "dockerd (pid $dockerd_pid) ignored SIGTERM for 30 s: SIGKILL"
    kill -KILL "$dockerd_pid" 2>/dev/null
  fi
  dockerd_pid=""
}

ensure_dockerd() {
  if docker info >/dev/null 2>&1; then
    log "using the Docker engine that is already running (it stays running)"
    return 0
  fi
  command -v dockerd >/dev/null || fail "no Docker engine answers and dockerd is not installed (apt-get install -y docker.io)"
  [[ "$(id -u)" == 0 ]] || fail "no Docker engine answers and starting dockerd needs root"
  mkdir -p "$reports"
  local dockerd_log="$reports/dockerd.log"
  local args
  # Host networking only: no docker0 bridge, no iptables rules on this machine.
  read -r -a args <<<"${LAB_DOCKERD_ARGS:---bridge=none --iptables=false --ip6tables=false}"
  # setsid: its own session, so a Ctrl-C in the terminal reaches this script
  # (which then tears down in order) and not dockerd directly.
  setsid dockerd "${args[@]}" >"$dockerd_log" 2>&1 </dev/null &
  dockerd_pid=$!
  log "started dockerd (pid $dockerd_pid, log $dockerd_log)"
  local until=$((SECONDS + dockerd_start_s))
  until docker info >/dev/null 2>&1; do
    kill -0 "$dockerd_pid" 2>/dev/null || { tail -n 5 "$dockerd_log" >&2; dockerd_pid=""; fail "dockerd exited while starting (see $dockerd_log)"; }
    ((SECONDS < until)) || fail "dockerd did not answer within ${dockerd_start_s} s (see $dockerd_log)"
    sleep 0.5
  done
}

# --- checks before anything heavy ---------------------------------------------
preflight() {
  ((${#compose_cmd[@]})) || fail "neither docker-compose nor 'docker compose' is installed (apt-get install -y docker-compose)"
  command -v docker >/dev/null || fail "docker CLI not found (apt-get install -y docker.io)"
  command -v node >/dev/null || fail "node not found (Node.js >= 20)"
  [[ "$base_port" =~ ^[0-9]+$ ]] || fail "LAB_BASE_PORT must be a port number, got '$base_port'"
  [[ "$deadline_s" =~ ^[0-9]+$ ]] || fail "LAB_DEADLINE_S must be a number of seconds, got '$deadline_s'"
  node scripts/lab-gen-compose.js --check --base-port "$base_port" \
    || fail "docker-compose.yml does not match proxies/ (run: node scripts/lab-gen-compose.js --base-port $base_port)"
  plan_json="$(node scripts/lab-gen-compose.js --plan --base-port "$base_port")"
}

# The CLI commands and options the lab's services call (docker-compose.yml).
check_cli() {
  local cmd opt help
  for cmd in "origin --port --host" "proxy --real --target --port --cert --key" "run --external --wait --json --junit --ca"; do
    read -r -a words <<<"$cmd"
    help="$(node dist/cli/main.js "${words[0]}" --help 2>&1)" || fail "'pushthrough ${words[0]} --help' failed: is dist/ built? ($(tail -n 1 <<<"$help"))"
    for opt in "${words[@]:1}"; do
      grep -q -- "$opt" <<<"$help" || fail "the CLI lacks 'pushthrough ${words[0]} $opt', which the lab's services use"
    done
  done
}

# Every port of the plan must be free on 127.0.0.1, or a service would fail to
# bind (host networking) and the verdicts would be about some other program.
check_ports() {
  local busy
  busy="$(PLAN="$plan_json" UNVERIFIED="${LAB_UNVERIFIED:-0}" node -e '
    const net = require("node:net");
    const plan = JSON.parse(process.env.PLAN);
    const ports = [plan.originPort, ...plan.proxies.map((p) => p.port)];
    if (process.env.UNVERIFIED === "1") ports.push(plan.unverified.envoy, plan.unverified.traefik);
    const probe = (port) => new Promise((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(port));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(null)));
    });
    Promise.all(ports.map(probe)).then((r) => console.log(r.filter(Boolean).join(" ")));
  ')"
  [[ -z "$busy" ]] || fail "port(s) already in use on 127.0.0.1: $busy (stop what holds them, or set LAB_BASE_PORT and regenerate docker-compose.yml)"
}

# Waits until the prober exits, or until its JSON report is complete and it
# has had LAB_EXIT_GRACE_S to exit: the report is the last thing
# `pushthrough run` writes, and a process that lingers after it (open
# keep-alive sockets) must not hold the lab until the deadline.
wait_for_prober() {
  local service="$1" json="$2" cid status report_at=""
  local grace_s="${LAB_EXIT_GRACE_S:-30}"
  cid="$(compose ps -q "$service")"
  [[ -n "$cid" ]] || fail "the $service container was not created (see $reports/compose.log)"
  log "waiting for $service (deadline ${deadline_s} s)"
  local until=$((SECONDS + deadline_s))
  while :; do
    status="$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$cid")"
    if [[ "$status" == exited* ]]; then
      prober_exit="${status#exited }"
      return 0
    fi
    if [[ -z "$report_at" ]] && node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$json" 2>/dev/null; then
      report_at=$SECONDS
    fi
    if [[ -n "$report_at" ]] && ((SECONDS - report_at >= grace_s)); then
      log "warning: $service wrote its report but had not exited ${grace_s} s later (pushthrough run left something open); going on"
      prober_exit="(still running)"
      return 0
    fi
    ((SECONDS < until)) || fail "$service still running after ${deadline_s} s (LAB_DEADLINE_S)"
    sleep 2
  done
}

# The prober's verdict is `pushthrough run`'s exit code (README, exit codes):
# 0 every cell as expected, 1 a cell not as expected, 4 a cell the tester
# could not run (a proxy that never answered). Its report names the cells.
check_report() {
  local json="$1" exit_code="$2" service="$3"
  [[ -s "$json" ]] || fail "$service exited $exit_code without writing $json (see $reports/compose.log)"
  local summary
  summary="$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const cells = r.setups.flatMap((s) => s.cells.map((c) => ({ s: s.id, c })));
    const bad = cells.filter(({ c }) => c.matches === false || c.verdict === "error");
    console.log(`${bad.length} ${cells.length} cells of ${r.setups.length} setups, ${bad.length} not as expected${bad.length ? `; first: ${bad[0].c.transport} via ${bad[0].s}: ${bad[0].c.verdict} (${bad[0].c.reason})` : ""}`);
  ' "$json")"
  local bad="${summary%% *}"
  summary="${summary#* }"
  log "$service: $summary"
  # A prober that wrote its report but lingered (wait_for_prober) is judged by the report alone.
  if [[ "$exit_code" == "(still running)" && "$bad" == 0 ]]; then return 0; fi
  [[ "$exit_code" == 0 ]] || fail "$service exited $exit_code: $summary"
}

# --- the run --------------------------------------------------------------------
main() {
  local started=$SECONDS
  step="preflight"; preflight
  timed "dockerd" ensure_dockerd

  if [[ "$BASE_IMAGE" == local/debian:bookworm ]] && ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    timed "base image (debootstrap + import)" run_bg scripts/lab-base-image.sh "$BASE_IMAGE" \
      || fail "could not make the base image $BASE_IMAGE (see the lines above)"
  fi

  timed "stage (npm run build, production node_modules)" run_bg scripts/lab-stage.sh \
    || fail "staging node, dist and node_modules failed (see the lines above)"
  step="CLI check"; check_cli
  step="port check"; check_ports

  timed "image build" run_bg compose build origin \
    || fail "docker-compose build failed (BASE_IMAGE=$BASE_IMAGE)"
  docker run --rm --network host "$LAB_IMAGE" cat /etc/pushthrough-proxy-versions | sed 's/^/  image: /' >&2 || true

  mkdir -p "$reports"
  rm -f "$reports"/report*.json "$reports"/junit*.xml "$reports"/compose*.log
  step="TLS material"; rm -rf "$lab_tls"; node scripts/lab-tls.js "$lab_tls" || fail "could not make the lab's throwaway certificate (scripts/lab-tls.js)"
  compose_up=1
  timed "compose up" run_bg compose up -d --no-build \
    || fail "docker-compose up failed (see $reports/compose.log)"

  local probe_started=$SECONDS
  step="prober"; wait_for_prober prober "$reports/report.json"
  timings+=("lab run (prober): $((SECONDS - probe_started)) s")
  step="report check"; check_report "$reports/report.json" "$prober_exit" prober
  if [[ "${LAB_UNVERIFIED:-0}" == 1 ]]; then
    # Informational only: Envoy and Traefik have no expectation files, and
    # their images come from a registry this project never verified.
    step="prober-unverified"; wait_for_prober prober-unverified "$reports/report-unverified.json"
    log "unverified profile (not part of the verdict): see $reports/report-unverified.json"
  fi
  timings+=("total: $((SECONDS - started)) s")
  log "PASSED: every cell matches its expectation; reports in ${reports#"$repo"/}/ (report.json, junit.xml, compose.log)"
}

# fd 3 = our stdout, so a step can capture stderr alone and still print stdout.
exec 3>&1
main "$@"
