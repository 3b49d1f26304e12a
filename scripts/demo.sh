#!/bin/sh
# make demo: run the hello example package and show what happened.
#   scripts/demo.sh BUILD_DIR
# Uses a fresh APPV_HOME under BUILD_DIR so the demo is repeatable, shows
# that hello read its packaged files, where its writes landed (the overlay)
# and that the host did not change.  Exits non-zero if anything is off.
set -u
build=$(cd "${1:-build}" && pwd) || exit 1
appv=$build/appv
pkg=$build/examples/hello.pkg
demo_file=/tmp/hello-demo.txt
log_file=/var/lib/hello/runs.log
bad=0

say() { printf '%s\n' "$*"; }
off() { say "demo: FAILED: $*" >&2; bad=1; }
# A file's state on the host: its sha256, or "absent".
host_state() {
	if [ -e "$1" ]; then sha256sum <"$1" | cut -d' ' -f1; else echo absent; fi
}

[ -x "$appv" ] || { say "demo: $appv not built (run make)" >&2; exit 1; }
[ -f "$pkg" ] || { say "demo: $pkg not built (run make examples)" >&2; exit 1; }

export APPV_HOME="$build/demo-home"
rm -rf "$APPV_HOME" && mkdir -p "$APPV_HOME" || exit 1
before_demo=$(host_state "$demo_file")
before_log=$(host_state "$log_file")

say "== appv inspect $pkg"
"$appv" inspect "$pkg" || off "appv inspect failed"
say ""
say "== appv run $pkg   (APPV_HOME=$APPV_HOME)"
out=$("$appv" run "$pkg" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/   | /'
[ $rc -eq 0 ] || off "hello exited with status $rc"
printf '%s\n' "$out" | grep -q '^Hello from inside the package, appv!$' ||
	off "hello did not print its packaged greeting and config"
say ""

say "== where the writes landed"
upper=$(find "$APPV_HOME/overlays" -mindepth 3 -maxdepth 3 -path "*/default/upper" 2>/dev/null | head -n1)
if [ -z "$upper" ]; then
	off "no overlay under $APPV_HOME/overlays/*/default/upper"
else
	say "overlay: $upper"
	for f in "$log_file" "$demo_file"; do
		if [ -f "$upper$f" ]; then
			say "  $f -> $upper$f:"
			sed 's/^/   | /' "$upper$f"
		else
			off "$f is not in the overlay"
		fi
	done
fi
say ""

say "== the host is unchanged"
for f in "$demo_file" "$log_file" /opt/hello/share/hello/greeting.txt \
	/etc/hello/hello.conf; do
	case $f in
	"$demo_file") want=$before_demo ;;
	"$log_file") want=$before_log ;;
	*) want=absent ;;
	esac
	now=$(host_state "$f")
	if [ "$now" = "$want" ]; then
		say "  $f: $now (unchanged)"
	else
		off "$f on the host changed: was $want, now $now"
	fi
done
say ""

say "== the second run sees the first run's log (same overlay)"
"$appv" run "$pkg" >/dev/null 2>&1 || off "second run failed"
n=$(grep -c '^hello ran at' "$upper$log_file" 2>/dev/null)
if [ "${n:-0}" -eq 2 ]; then
	say "  $log_file has 2 lines in the overlay"
else
	off "expected 2 lines in the overlay's runs.log, found ${n:-0}"
fi

if [ $bad -eq 0 ]; then say "demo: OK"; else say "demo: FAILED" >&2; fi
exit $bad
