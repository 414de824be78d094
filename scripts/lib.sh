# shellcheck shell=bash
# Helpers shared by scripts/test, scripts/demo and bench/*. Source it; it
# sets RUNIT_ROOT (the repository root) and defines the functions below.

RUNIT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export RUNIT_ROOT

# shellcheck disable=SC2034 # used by the scripts that source this file
# Debian packages needed to configure and build the tree (no tests).
BUILD_PACKAGES=(cmake g++ ninja-build libboost-dev libfmt-dev)
# shellcheck disable=SC2034
# Plus what the test suite needs: Catch2, Debian's runit as the reference
# implementation (/usr/bin/sv, /usr/bin/runsv), ps/pgrep, readelf/nm, groff
# (the man pages must render without warnings), unshare/nsenter/mount for
# the PID 1 and disk-full tests, busybox-static for the minimal-image and
# Docker tests, docker.io (dockerd, containerd, runc and the client; the
# Docker tests start dockerd themselves when no engine answers).
TEST_PACKAGES=("${BUILD_PACKAGES[@]}" catch2 runit procps binutils groff-base util-linux mount busybox-static perl-base docker.io)

# Prints "SCRIPT: MESSAGE" to stderr.
say() {
  printf '%s: %s\n' "${0##*/}" "$*" >&2
}

die() {
  say "fatal: $*"
  exit 1
}

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# Prints the packages among the arguments that dpkg does not list as installed.
missing_packages() {
  local pkg status
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != installed ]; then
      printf '%s\n' "$pkg"
    fi
  done
}

# Installs the packages among the arguments that are missing, with apt-get.
# Runs `apt-get update` only when something has to be installed.
ensure_packages() {
  command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script expects Debian 12"
  local missing
  mapfile -t missing < <(missing_packages "$@")
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  say "installing missing packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Checks what the PID 1, image and disk-full tests need from this machine:
# root, a PID namespace with its own /proc, and a mount namespace in which a
# private tmpfs can be mounted. Dies with one sentence naming what is missing
# (a plain chroot or an unprivileged container lacks the namespaces).
check_test_prerequisites() {
  local why="the PID 1, image and disk-full tests need it"
  if [ "$(id -u)" -ne 0 ]; then
    die "the test suite must run as root ($why): run it as root, e.g. sudo $0"
  fi
  local out
  if ! out=$(unshare --pid --fork --mount-proc true 2>&1); then
    die "cannot make a PID namespace with its own /proc ($why): 'unshare --pid --fork --mount-proc true' failed: ${out:-no message}; run the tests on a machine or VM, or in a privileged container"
  fi
  local mnt
  mnt=$(mktemp -d) || die "cannot make a temporary directory"
  # The tmpfs exists only in the new namespace and goes away with it.
  if ! out=$(unshare --mount --propagation private mount -t tmpfs -o size=64k tmpfs "$mnt" 2>&1); then
    rmdir "$mnt"
    die "cannot mount a private tmpfs in a new mount namespace ($why): 'unshare --mount --propagation private mount -t tmpfs' failed: ${out:-no message}; run the tests on a machine or VM, or in a privileged container"
  fi
  rmdir "$mnt"
}

# Prints the -G option for a new build dir: Ninja when installed, else the
# default (Makefiles). An existing build dir keeps its generator.
generator_args() {
  local dir=$1
  if [ -f "$dir/CMakeCache.txt" ]; then
    return 0
  fi
  if command -v ninja >/dev/null 2>&1; then
    printf '%s\n' -G Ninja
  fi
}

# Configures (if needed) and builds a CMake tree: configure_and_build DIR ARGS...
configure_and_build() {
  local dir=$1
  shift
  local gen
  mapfile -t gen < <(generator_args "$dir")
  cmake -S "$RUNIT_ROOT" -B "$dir" "${gen[@]}" "$@"
  cmake --build "$dir" -j"$(nproc)"
}

# True while PID is a live process that is not a zombie.
pid_alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}

# Waits until no PID among the arguments is alive; DEADLINE_SECONDS bounds it.
# Returns 1 if some are still alive at the deadline.
wait_pids_gone() {
  local deadline=$(( SECONDS + $1 ))
  shift
  local pid alive
  while :; do
    alive=0
    for pid in "$@"; do
      if pid_alive "$pid"; then alive=1; break; fi
    done
    [ "$alive" -eq 0 ] && return 0
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

# Stops supervisors started with `setsid` (each the leader of its own
# process group, whose id is its pid): SIGTERM to each PID, wait up to
# GRACE seconds, then SIGKILL to each leftover's process group (the
# supervisor and the services it started). Never signals anything by name.
stop_supervisors() {
  local grace=$1
  shift
  local pid
  [ "$#" -eq 0 ] && return 0
  for pid in "$@"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  if ! wait_pids_gone "$grace" "$@"; then
    for pid in "$@"; do
      if pid_alive "$pid"; then
        say "warning: pid $pid ignored SIGTERM; sending SIGKILL to its process group"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      fi
    done
  fi
  # Reap the ones that are our own children, so none is left a zombie.
  for pid in "$@"; do
    wait "$pid" 2>/dev/null || true
  done
}

# Decodes a 20-byte supervise/status file into "state=S want=W pid=P
# paused=0|1 term=0|1". Prints "status=unreadable" when it is not 20 bytes.
decode_status() {
  local file=$1 bytes
  read -r -a bytes < <(od -An -v -tu1 -w20 "$file" 2>/dev/null || true)
  if [ "${#bytes[@]}" -ne 20 ]; then
    echo "status=unreadable"
    return 0
  fi
  local pid=$(( bytes[12] | bytes[13] << 8 | bytes[14] << 16 | bytes[15] << 24 ))
  local state
  case ${bytes[19]} in
    0) state=down ;; 1) state=run ;; 2) state=finish ;; *) state="?${bytes[19]}" ;;
  esac
  local want
  case ${bytes[17]} in
    117) want=u ;; 100) want=d ;; *) want="?${bytes[17]}" ;;
  esac
  printf 'state=%s want=%s pid=%d paused=%d term=%d\n' \
    "$state" "$want" "$pid" "${bytes[16]}" "${bytes[18]}"
}

# Prints the pids of the live children of PID, one a line (from /proc).
child_pids() {
  local parent=$1 stat rest pid state ppid
  # Linux lists each thread's children in task/TID/children.
  if [ -r "/proc/$parent/task/$parent/children" ]; then
    local list=() more=() f
    for f in "/proc/$parent"/task/*/children; do
      # The file has no final newline: read returns 1 but fills the array.
      more=()
      { read -r -a more <"$f"; } 2>/dev/null || true
      list+=("${more[@]}")
    done
    for pid in "${list[@]}"; do
      { IFS= read -r rest <"/proc/$pid/stat"; } 2>/dev/null || continue
      read -r state _ <<<"${rest##*) }"
      [ "$state" = Z ] || printf '%s\n' "$pid"
    done
    return 0
  fi
  for stat in /proc/[0-9]*/stat; do
    # The command name, in parentheses, may hold spaces: read after the last ')'.
    { IFS= read -r rest <"$stat"; } 2>/dev/null || continue
    pid=${stat#/proc/}
    pid=${pid%/stat}
    read -r state ppid _ <<<"${rest##*) }"
    if [ "$ppid" = "$parent" ] && [ "$state" != Z ]; then
      printf '%s\n' "$pid"
    fi
  done
}
