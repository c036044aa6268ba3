#!/usr/bin/env bash
# What `make bench` needs beside Python: wrk, the HTTP load generator, and a PostgreSQL server
# that answers when BENCH_DATABASES (default: both) names it. Starts or installs what is missing.
set -euo pipefail
source "$(dirname "$0")/prerequisites.sh"

case ",${BENCH_DATABASES:-sqlite,postgresql}," in
  *,postgresql,*) start_postgres ;;
esac
command -v wrk >/dev/null 2>&1 || install_packages "the benchmarks" wrk
