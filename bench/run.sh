#!/bin/sh
# SPDX-License-Identifier: LGPL-3.0-or-later
# bench/run.sh BUILD_DIR - build the benchmark programs and the bench
# package into BUILD_DIR/bench, then run every workload under every variant
# (bench/driver.py) and print the tables.  See bench/README.md.
#
# Never fails because a number is bad; exits non-zero only when the frame
# itself cannot run (no C compiler, no python3).  Anything else that cannot
# run is reported as "n/a (reason)" and the rest goes on.
#
# Knobs (environment): BENCH_REPS (7), BENCH_ITERS (3000),
# BENCH_BUDGET (seconds for the timed passes, 200), BENCH_SEED (1).
set -u

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || {
	echo "bench: build dir '${1:-build}' does not exist" >&2
	exit 1
}
SRC=$(cd "$(dirname "$0")/.." && pwd)
B=$BUILD/bench
CC=${CC:-cc}
PY=/usr/bin/python3
WARN="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
-Wformat=2 -Wvla"
CFLAGS="-O2 -g -std=gnu11 -D_GNU_SOURCE $WARN"
NFILES=300

mkdir -p "$B" || exit 1
[ -x "$PY" ] || { echo "bench: $PY is missing (scripts/deps.sh bench)" >&2; exit 1; }

# cc OUT SRC [FLAGS...]: a failure is reported, not fatal.
build() {
	out=$1 src=$2
	shift 2
	# shellcheck disable=SC2086
	if ! $CC $CFLAGS -o "$B/$out" "$SRC/bench/$src" "$@" 2>"$B/$out.log"; then
		echo "bench: cannot build $out (see $B/$out.log):" >&2
		tail -n 3 "$B/$out.log" >&2
		rm -f "$B/$out"
	fi
}

build micro-dyn micro.c
build micro-static micro.c -static
build timeit timeit.c
# shellcheck disable=SC2046
build nullsup nullsup.c $(pkg-config --cflags --libs libseccomp 2>/dev/null || echo -lseccomp)
[ -x "$B/timeit" ] || { echo "bench: timeit did not build; nothing can be timed" >&2; exit 1; }

# The bench package: NFILES small files to list, a data file to open and
# stat, the static micro-benchmark as entry point.  The host tree is a byte-for-byte copy at a host path.
tree=$B/pkgsrc/fs/opt/benchpkg
rm -rf "$B/pkgsrc" "$B/host"
mkdir -p "$tree/files" "$tree/data" "$B/host" || exit 1
i=0
while [ $i -lt $NFILES ]; do
	printf 'file %d of the bench package\n' $i >"$tree/files/f$(printf %03d $i)"
	i=$((i + 1))
done
head -c 65536 /dev/urandom >"$tree/data/data.bin"
# The entry point: a copy of the static micro-benchmark, so that
# `appv run bench.pkg stat /opt/benchpkg/data/data.bin 1000` works too.
if [ -x "$B/micro-static" ]; then
	mkdir -p "$tree/bin" && cp "$B/micro-static" "$tree/bin/micro"
	entry=/opt/benchpkg/bin/micro
else
	entry=/bin/true
fi
cat >"$B/pkgsrc/appv.ini" <<EOF
[package]
name = benchpkg
version = 1.0
[run]
exec = $entry
EOF
cp -a "$B/pkgsrc/fs/opt/benchpkg" "$B/host/benchpkg"

exec "$PY" "$SRC/bench/driver.py" --build "$BUILD" --bench "$B" \
	--src "$SRC" --nfiles $NFILES
