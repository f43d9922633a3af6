#!/bin/sh
# make bench: runs every tests/bench/bench_*.lua with ./tomolith and every
# tests/bench/bench_*.sh; each prints its figures and the ratios against the
# reference numbers its issue gives. Never part of `make check`.
status=0
for b in tests/bench/bench_*.lua tests/bench/bench_*.sh; do
  [ -f "$b" ] || continue
  echo "== $b"
  case "$b" in
    *.lua) ./tomolith "$b" || status=1 ;;
    *.sh) sh "$b" || status=1 ;;
  esac
done
exit $status
