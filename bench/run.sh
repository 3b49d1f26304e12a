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
# Knobs (environment): BENCH_REPS (7), BENCH_ITERS (1000),
# BENCH_MICRO_MS (200), BENCH_SLOW (4), BENCH_BUDGET (seconds for the timed
# passes, 400), BENCH_SEED (1), BENCH_SETTLE (61).
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
t_start=$(date +%s)
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
build nullsup nullsup.c "$SRC/common/fdpass.c" "$BUILD/gen/filter_prog.c" -I"$SRC" $(pkg-config --cflags --libs libseccomp 2>/dev/null || echo -lseccomp)
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
mkdir -p "$B/host/scratch" "$B/host/tarx" || exit 1

# The tree package (treesrc/, packed as tree.pkg by the driver), apart from
# the bench package so that the bench package's rows do not change:
#  - fs/opt/benchtree/t: 20 x 10 directories of 100 files (20,000 files,
#    221 directories counting t/) for find; host copy: host/benchtree/t;
#  - fs$B/merged: 500 entries p000..p499; the host directory $B/merged
#    holds 500 more, h000..h499, so the virtual listing merges both layers
#    (1000 entries).  Natively the same 1000 names are one plain directory,
#    host/plain1000.
# The tarball bench.tar: proj/, 2,000 files of 0.3-3 KiB in 20 directories
# (a top-level directory, as release tarballs have, rather than "./").
# The git repository host/gitrepo: 2,000 committed files in 20 directories,
# mtimes in the past so that git status finds no racily clean entries.
rm -rf "$B/treesrc" "$B/merged" "$B/host/benchtree" "$B/host/plain1000" \
	"$B/host/gitrepo" "$B/bench.tar" "$B/tarsrc"
"$PY" - "$B" <<'PYEOF' || { echo "bench: cannot write the trees" >&2; exit 1; }
import os, sys
b = sys.argv[1]
def files(root, names, text):
    os.makedirs(root, exist_ok=True)
    for n in names:
        with open(os.path.join(root, n), "w") as f:
            f.write(text(n))
line = lambda n: n + "\n"
t = os.path.join(b, "treesrc", "fs", "opt", "benchtree", "t")
for i in range(20):
    for j in range(10):
        files(os.path.join(t, "a%02d" % i, "b%02d" % j),
              ["f%03d" % k for k in range(100)], line)
files(os.path.join(b, "treesrc", "fs") + os.path.join(b, "merged"),
      ["p%03d" % k for k in range(500)], line)
files(os.path.join(b, "merged"), ["h%03d" % k for k in range(500)], line)
files(os.path.join(b, "host", "plain1000"),
      ["p%03d" % k for k in range(500)] + ["h%03d" % k for k in range(500)],
      line)
for top in (os.path.join("tarsrc", "proj"), os.path.join("host", "gitrepo")):
    for k in range(2000):
        files(os.path.join(b, top, "d%02d" % (k // 100)), ["f%04d.txt" % k],
              lambda n: (n + " line of text\n") * (15 + (k * 37) % 150))
PYEOF
cat >"$B/treesrc/appv.ini" <<EOF
[package]
name = benchtree
version = 1.0
[run]
exec = /bin/true
EOF
cp -a "$B/treesrc/fs/opt/benchtree" "$B/host/benchtree"
if command -v tar >/dev/null; then
	tar cf "$B/bench.tar" -C "$B/tarsrc" proj || rm -f "$B/bench.tar"
fi
rm -rf "$B/tarsrc"
if command -v git >/dev/null; then
	(
		cd "$B/host/gitrepo" &&
			find . -type f -exec touch -d '2024-01-01 00:00' {} + &&
			git init -q . &&
			git -c user.name=bench -c user.email=bench@localhost add . &&
			git -c user.name=bench -c user.email=bench@localhost \
				commit -q -m 'bench repository' &&
			git status >/dev/null
	) || {
		echo "bench: cannot set up the git repository" >&2
		rm -rf "$B/host/gitrepo/.git"
	}
fi

echo "bench: set-up (programs, trees, tarball, git repository) took" \
	"$(($(date +%s) - t_start))s" >&2
exec "$PY" "$SRC/bench/driver.py" --build "$BUILD" --bench "$B" \
	--src "$SRC" --nfiles $NFILES
