#!/bin/bash
# POSIX file-system semantics, natively and inside appv.
#   tests/posix/run.sh BUILD_DIR            run, compare, report
#   tests/posix/run.sh --update-known BUILD_DIR
#                                           rewrite known-differences.txt
#                                           from this run's differences
#
# fsconf (tests/posix/fsconf.c + cases.h, built here dynamically and
# -static into BUILD_DIR/tests/posix/) runs every case:
#   native   in a scratch host directory (the reference)
#   upper    inside appv, on a fresh directory that exists nowhere below
#            (the whole tree lives in the overlay's upper layer)
#   pkg      inside appv, on trees shipped in the package (/opt/posix/pkg)
#   mixed    inside appv, on trees split between the package and a host
#            directory at the same path (directories in both)
# each inside appv with the shim ("shim"), with --no-shim ("noshim"), as
# a static binary ("static") and in strict mode ("strict": --mode strict,
# the dynamic binary, no shim), once as root and once as an unprivileged user
# (appv-test, created if missing) when run as root.  One appv exec per
# (layer, mode, user), each with its own overlay (--overlay LAYER-MODE).
# Every line that differs from the native run of the
# same user is a difference "CASE LAYER MODE USER".
#
# tests/posix/known-differences.txt lists the differences expected today,
# one per line: "CASE LAYER MODE USER REASON..." ("*" for LAYER, MODE or
# USER covers every value, and then expects the difference in each).  The
# exit status is non-zero on a difference not listed, on a listed one that
# no longer occurs (remove it: the list only shrinks), on a native failure
# (the table is wrong for this kernel) and on a host change.  The last line
# is "posix: N passed, N failed" (scripts/check.sh sums it).
set -u

TEST_USER=${POSIX_USER:-appv-test}
TMO=${POSIX_TIMEOUT:-60}
MODES=${POSIX_MODES:-shim noshim static strict}
LAYERS=${POSIX_LAYERS:-upper pkg mixed}
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HERE=$(cd "$(dirname "$0")" && pwd)
KNOWN=$HERE/known-differences.txt

die() { echo "posix: $*" >&2; echo "posix: 0 passed, 1 failed"; exit 1; }

UPDATE=""
if [ "${1:-}" = --update-known ]; then UPDATE=1; shift; fi
[ $# -ge 1 ] || die "usage: $0 [--update-known] BUILD_DIR"
BUILD=$(cd "$1" 2>/dev/null && pwd) || die "no build dir $1"
[ -x "$BUILD/appv" ] || die "$BUILD/appv is missing (make all)"
T0=$(date +%s)

# ---------------------------------------------------------------- build --
OUT=$BUILD/tests/posix
mkdir -p "$OUT"
CFLAGS_FS="-O2 -g -std=gnu11 -Wall -Wextra -Wshadow -Wno-unused-parameter
	-Wno-format-truncation -D_GNU_SOURCE"
for v in fsconf fsconf_static; do
	if [ ! -x "$OUT/$v" ] || [ "$HERE/fsconf.c" -nt "$OUT/$v" ] ||
		[ "$HERE/cases.h" -nt "$OUT/$v" ]; then
		static=""
		[ $v = fsconf ] || static=-static
		# shellcheck disable=SC2086
		cc $CFLAGS_FS $static -o "$OUT/$v" "$HERE/fsconf.c" ||
			die "cannot build $OUT/$v"
	fi
done

# ---------------------------------------------------------------- stage --
W=$(mktemp -d /tmp/appv-posix.XXXXXX) || die "mktemp failed"
if [ -n "${POSIX_KEEP:-}" ]; then
	echo "# POSIX_KEEP: the scratch tree stays in $W"
else
	trap 'chmod -R u+rwX "$W" 2>/dev/null; rm -rf "$W"' EXIT
fi
chmod 755 "$W"
mkdir -p "$W/bin"
cp "$BUILD/appv" "$BUILD/libappv-shim.so" "$OUT/fsconf" "$OUT/fsconf_static" \
	"$W/bin/"
chmod -R a+rX "$W/bin"
APPV=$W/bin/appv
NCASES=$("$W/bin/fsconf" list | wc -l)

WHOS=user
if [ "$(id -u)" = 0 ]; then
	WHOS="root user"
	if ! id "$TEST_USER" >/dev/null 2>&1; then
		useradd -m -s /bin/sh "$TEST_USER" >/dev/null 2>&1 ||
			die "cannot create the test user $TEST_USER"
	fi
fi

# as WHO CMD...: run CMD as WHO in a clean environment.
as() {
	local who=$1 pre=()
	shift
	if [ "$who" = user ] && [ "$(id -u)" = 0 ]; then
		pre=(setpriv --reuid="$TEST_USER" --regid="$TEST_USER"
			--init-groups)
	fi
	"${pre[@]}" env -i PATH="$CLEAN_PATH" LANG=C.UTF-8 TMPDIR=/tmp \
		HOME="$W" "$@"
}

# snapshot DIR: every entry's path, type, mode, size, mtime, link target.
snapshot() {
	(cd "$1" 2>/dev/null && find . -printf '%p %y %m %s %T@ %l\n' | sort)
}

NOTES=$W/notes
: >"$NOTES"
note() { echo "$*" >>"$NOTES"; }

# prepare WHO: native reference run, the package, the mixed host part.
prepare() {
	local who=$1 d=$W/$1 fs
	fs=$d/src/fs
	mkdir -p "$d"
	[ "$who" = root ] || [ "$(id -u)" != 0 ] || chown "$TEST_USER:" "$d"
	as "$who" mkdir -p "$fs/opt/posix/bin" "$d/mixed" "$fs$d/mixed"
	as "$who" "$W/bin/fsconf" both "$d/native" >"$d/native.out" 2>"$d/native.err"
	as "$who" "$W/bin/fsconf" setup "$fs/opt/posix/pkg" --as /opt/posix/pkg \
		--fifo no 2>>"$d/setup.err"
	as "$who" "$W/bin/fsconf" setup "$fs$d/mixed/r" --as "$d/mixed/r" \
		--part pkg --fifo no 2>>"$d/setup.err"
	as "$who" "$W/bin/fsconf" setup "$d/mixed/r" --part host \
		2>>"$d/setup.err"
	[ -s "$d/setup.err" ] && note "set-up ($who): $(head -n 3 "$d/setup.err")"
	cp "$W/bin/fsconf" "$W/bin/fsconf_static" "$fs/opt/posix/bin/"
	printf '[package]\nname = posix-conformance\nversion = 1\n[run]\nexec = /opt/posix/bin/fsconf\n' \
		>"$d/src/appv.ini"
	# The package is built by the invoking user (root reads the mode-0
	# files of the unprivileged user's trees).
	if ! "$APPV" build "$d/src" -o "$d/p.pkg" >"$d/build.log" 2>&1; then
		note "appv build failed ($who): $(head -n 3 "$d/build.log")"
	fi
	chmod a+r "$d/p.pkg" 2>/dev/null
	snapshot "$d/mixed" >"$d/mixed.before"
}

# one WHO LAYER MODE: one appv exec running every case.
one() {
	local who=$1 layer=$2 mode=$3 d=$W/$1 bin=fsconf opt="" root cmd
	local home=$d/home out=$d/$layer-$mode.out rc=0
	[ "$mode" = noshim ] && opt=--no-shim
	[ "$mode" = strict ] && opt="--mode strict"
	[ "$mode" = static ] && bin=fsconf_static
	case $layer in
	upper) root=$d/up-$mode cmd=both ;;
	pkg) root=/opt/posix/pkg cmd=run ;;
	mixed) root=$d/mixed/r cmd=run ;;
	esac
	as "$who" mkdir -p "$home"
	# shellcheck disable=SC2086
	as "$who" APPV_HOME="$home" timeout -k 5 "$TMO" "$APPV" exec $opt \
		--overlay "$layer-$mode" "$d/p.pkg" "/opt/posix/bin/$bin" $cmd "$root" \
		>"$out" 2>"$d/$layer-$mode.err" || rc=$?
	[ "$rc" -eq 0 ] || note "appv exec ($who $layer $mode) exit status $rc: $(head -c 300 "$d/$layer-$mode.err")"
	if [ "$layer" = upper ] && [ -e "$root" ]; then
		note "HOST CHANGED: $root exists on the host ($who $mode)"
		echo "host" >>"$W/hostchanged"
	fi
}

for who in $WHOS; do
	prepare "$who"
	for layer in $LAYERS; do
		for mode in $MODES; do
			one "$who" "$layer" "$mode"
		done
	done
	if ! snapshot "$W/$who/mixed" | cmp -s - "$W/$who/mixed.before"; then
		note "HOST CHANGED: the mixed layer's host part ($who)"
		echo "host" >>"$W/hostchanged"
	fi
done

# -------------------------------------------------------------- compare --
# results: "case layer mode who status|native line|appv line" per run.
RES=$W/results
for who in $WHOS; do
	for layer in native $LAYERS; do
		for mode in $MODES; do
			if [ "$layer" = native ]; then
				[ "$mode" = "${MODES%% *}" ] || continue
				mode=-
			fi
			f=$W/$who/$layer-$mode.out
			[ "$layer" = native ] && f=$W/$who/native.out
			"$W/bin/fsconf" list | awk -v L="$layer" -v M="$mode" \
				-v U="$who" -v N="$W/$who/native.out" -v F="$f" '
			function key(line,   s) {
				s = line; sub(/^(not )?ok /, "", s); sub(/:.*/, "", s)
				return s
			}
			BEGIN {
				while ((getline l < N) > 0) nat[key(l)] = l
				while ((getline l < F) > 0) got[key(l)] = l
			}
			{
				n = ($0 in nat) ? nat[$0] : "(no result)"
				g = ($0 in got) ? got[$0] : "(no result)"
				if (L == "native")
					st = (n ~ /^ok /) ? "same" : "diff"
				else if (g == n)
					st = "same"
				else if (g ~ /\(EXDEV allowed\)$/ && n ~ /^ok /)
					st = "xdev"
				else
					st = "diff"
				print $0 " " L " " M " " U "\t" st "\t" n "\t" g
			}'
		done
	done
done >"$RES"

# known: expand entries against the runs that happened.
awk -F'\t' -v KF="$KNOWN" -v UPD="$UPDATE" -v OUTK="$W/known.new" '
function m(pat, v) { return (pat == "*" && v != "native" && v != "-") || pat == v }
BEGIN {
	while ((getline l < KF) > 0) {
		if (l ~ /^[ \t]*(#|$)/) continue
		split(l, f, /[ \t]+/)
		nk++; kc[nk] = f[1]; kl[nk] = f[2]; km[nk] = f[3]; ku[nk] = f[4]
		kline[nk] = l
	}
}
{
	split($1, r, " ")
	c = r[1]; L = r[2]; M = r[3]; U = r[4]
	hit = 0
	for (i = 1; i <= nk; i++)
		if (kc[i] == c && m(kl[i], L) && m(km[i], M) && m(ku[i], U)) {
			hit = i
			covered[i]++
			if ($2 == "diff") seen[i]++
			else stale[i] = stale[i] " " L "/" M "/" U
		}
	if ($2 == "diff") {
		if (hit) { known++; print "KNOWN\t" $0 }
		else { unexp++; print "NEW\t" $0 }
	} else if ($2 == "xdev") {
		xdev++; print "XDEV\t" $0
	} else same++
}
END {
	for (i = 1; i <= nk; i++)
		if (!covered[i]) continue
		else if (stale[i] != "") {
			nstale++
			print "STALE\t" kline[i] "\t" stale[i]
		}
	printf "COUNTS\t%d\t%d\t%d\t%d\t%d\n", same, known, unexp, nstale + 0, xdev
}' "$RES" >"$W/verdict"

# ---------------------------------------------------------------- report --
read -r _ SAME KNOWNN UNEXP STALE XDEV < <(grep '^COUNTS' "$W/verdict")
NRUNS=$(wc -l <"$RES")
NDIFF=$((KNOWNN + UNEXP))
HOSTCH=0
[ -s "$W/hostchanged" ] && HOSTCH=$(wc -l <"$W/hostchanged")

echo "# posix: $NCASES cases x runs ($WHOS: native + [$LAYERS] x [$MODES])"
if [ -s "$NOTES" ]; then sed 's/^/# note: /' "$NOTES"; fi
echo "# differences by family and layer (CASE-FAMILY LAYER: count):"
awk -F'\t' '$1 == "KNOWN" || $1 == "NEW" {
	split($2, r, " "); c = r[1]; sub(/\..*/, "", c); n[c " " r[2]]++ }
	END { for (k in n) print n[k] "\t" k }' "$W/verdict" | sort -rn |
	head -n 25 | awk -F'\t' '{ printf "#   %-28s %d\n", $2, $1 }'
echo "# most frequent outcomes (appv vs native):"
awk -F'\t' '$1 == "KNOWN" || $1 == "NEW" {
	g = $5; sub(/^(not )?ok [^:]*: /, "", g); sub(/, want [^;]*/, "", g)
	sub(/: got .*/, "", g); sub(/=.*/, "", g); sub(/; /, " [check ", g)
	if (g ~ /\[check/) g = g "]"
	w = $4; sub(/^(not )?ok [^:]*: got /, "", w); sub(/[,;].*/, "", w)
	n[g " (native " w ")"]++ }
	END { for (k in n) print n[k] "\t" k }' "$W/verdict" | sort -rn |
	head -n 12 | awk -F'\t' '{ printf "#   %5d  %s\n", $1, $2 }'
if [ "$UNEXP" -gt 0 ]; then
	echo "# UNEXPECTED differences (case layer mode user):"
	awk -F'\t' '$1 == "NEW" { print "#   " $2; print "#     native: " $4;
		print "#     appv:   " $5 }' "$W/verdict" | head -n 120
fi
if [ "$STALE" -gt 0 ]; then
	echo "# known differences that no longer occur (remove them):"
	awk -F'\t' '$1 == "STALE" { print "#   " $2 "   [now same in:" $3 "]" }' \
		"$W/verdict" | head -n 60
fi
NATFAIL=$(awk -F'\t' '$1 == "NEW" && $2 ~ / native - /' "$W/verdict" | wc -l)

# compact: merge "case layer mode user reason" lines into "*" entries
# where a difference occurs in every mode, then for every user, then in
# every layer (the reason of the first line is kept).
compact() {
	awk -F'\t' -v MODES="$MODES" -v WHOS="$WHOS" -v LAYERS="$LAYERS" '
	function merge(col, vals,   nv, v, i, k, g, parts, n, all) {
		nv = split(vals, v, " ")
		delete grp; delete cnt; delete first
		for (i = 1; i <= nl; i++) {
			split(L[i], parts, "\t")
			if (parts[2] == "native") { grp[L[i]] = L[i]; cnt[L[i]] = nv; continue }
			parts[col] = "@"
			k = parts[1] "\t" parts[2] "\t" parts[3] "\t" parts[4]
			cnt[k]++
			if (!(k in first)) { first[k] = i; order[++no] = k }
			rs[k] = parts[5]
		}
		n = 0
		for (i = 1; i <= nl; i++) {
			split(L[i], parts, "\t")
			if (parts[2] == "native") { out[++n] = L[i]; continue }
			parts[col] = "@"
			k = parts[1] "\t" parts[2] "\t" parts[3] "\t" parts[4]
			if (cnt[k] == nv) {
				if (first[k] != i) continue
				split(L[i], parts, "\t")
				parts[col] = "*"
				out[++n] = parts[1] "\t" parts[2] "\t" parts[3] "\t" parts[4] "\t" parts[5]
			} else out[++n] = L[i]
		}
		nl = n
		for (i = 1; i <= n; i++) L[i] = out[i]
	}
	{ L[++nl] = $0 }
	END {
		merge(3, MODES); merge(4, WHOS); merge(2, LAYERS)
		for (i = 1; i <= nl; i++) {
			split(L[i], p, "\t")
			printf "%-30s %-6s %-6s %-5s %s\n", p[1], p[2], p[3], p[4], p[5]
		}
	}'
}

if [ -n "$UPDATE" ]; then
	awk -F'\t' '$1 == "KNOWN" || $1 == "NEW" {
		split($2, r, " ")
		g = $5; sub(/^(not )?ok [^:]*: /, "", g)
		w = $4; sub(/^(not )?ok [^:]*: /, "", w); sub(/[,;].*/, "", w)
		print r[1] "\t" r[2] "\t" r[3] "\t" r[4] "\tappv " g " | native " w
	}' "$W/verdict" | compact >"$W/known.new"
	{
		sed -n '/^#/p' "$KNOWN" 2>/dev/null
		cat "$W/known.new"
	} >"$KNOWN.tmp" && mv "$KNOWN.tmp" "$KNOWN"
	echo "# wrote $(wc -l <"$W/known.new") entries to $KNOWN"
fi

FAILED=$((UNEXP + STALE + HOSTCH))
echo "# posix: cases $NCASES, runs $NRUNS, same $SAME, differences $NDIFF (known $KNOWNN, unexpected $UNEXP), stale known $STALE, EXDEV tolerated $XDEV, native failures $NATFAIL, host changes $HOSTCH"
echo "# total time $(($(date +%s) - T0))s"
echo "posix: $((SAME + XDEV)) passed, $FAILED failed, $KNOWNN known differences not counted"
[ "$FAILED" -eq 0 ]
