# Shared by test-prerequisites.sh and bench-prerequisites.sh (sourced, not run): starting the
# PostgreSQL server and installing Debian packages, as root or through sudo.

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

postgres_answers() {
  pg_isready -h "${MEGAFONO_TEST_POSTGRES_HOST:-127.0.0.1}" -q
}

start_postgres() {
  if ! postgres_answers; then
    echo "PostgreSQL is not answering; starting it."
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do postgres_answers && break; sleep 1; done
    postgres_answers || { echo "PostgreSQL did not start." >&2; exit 1; }
  fi
}

# install_packages PURPOSE PACKAGE...: install those given (none: nothing to do).
install_packages() {
  local purpose=$1
  shift
  if [ $# -gt 0 ]; then
    echo "Installing $* for $purpose."
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}
