#!/bin/sh
# Peak memory while streaming a >= 4 GB reconstruction (see bench_recon_stream.c).
# Heavy (writes ~0.4 GB and 4.3 GB to $TMPDIR, then deletes them): set
# TL_BENCH_STREAM=1 to run it.
if [ "${TL_BENCH_STREAM:-0}" != 1 ]; then
  echo "bench_recon_stream: skipped (set TL_BENCH_STREAM=1; writes 4.7 GB to ${TMPDIR:-/tmp})"
  exit 0
fi
set -e
bin=build/bench_recon_stream
cc -std=gnu11 -O2 -fopenmp -Isrc/core $(pkg-config --cflags hdf5) tests/bench/bench_recon_stream.c \
  build/libtomolith.a -o "$bin" $(pkg-config --libs hdf5 fftw3f) -lm
echo "load: $(cat /proc/loadavg)"
"$bin"
echo "load: $(cat /proc/loadavg)"
