#!/bin/bash
# End-to-end tests: real programs inside appv.
#   tests/e2e/run.sh BUILD_DIR
#
# Every case runs twice, with the LD_PRELOAD shim (default) and with
# --no-shim; as root, every case also runs as an unprivileged user
# (appv-test, created if missing).  Output is TAP-like:
#   ok N - NAME [shim|noshim|build] [root|user]
#   not ok N - ... followed by "#" diagnostics
# and the last line is exactly "e2e: N passed, N failed".  Exit status is
# non-zero when a case failed or none ran.
#
# Each case gets a fresh directory with its own APPV_HOME; every appv call
# has a timeout, and the suite stops starting cases after E2E_BUDGET seconds
# (the rest are reported as failed).  E2E_KEEP=1 keeps the staged test
# package (printed) for debugging.
set -u

TEST_USER=${E2E_USER:-appv-test}
BUDGET=${E2E_BUDGET:-240}
TMO=${E2E_TIMEOUT:-20}
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# ---------------------------------------------------------------- helpers --

note() { printf '%s\n' "$*" >>"$C/diag"; }
fail() { note "$*"; return 1; }

# ax APPV-ARGS...: run appv with a timeout; stdout in $C/out, stderr in
# $C/err, status in RC.  Standard input is $IN (default /dev/null).  Never
# fails by itself.
ax() {
	RC=0
	printf '$ appv %s\n' "$*" >>"$C/cmds"
	timeout -k 5 "$TMO" "$APPV" "$@" <"${IN:-/dev/null}" >"$C/out" \
		2>"$C/err" || RC=$?
	printf '  -> exit status %s\n' "$RC" >>"$C/cmds"
	[ "$RC" -ne 124 ] || note "appv timed out after ${TMO}s: appv $*"
	cp "$C/out" "$C/last.out"
	cp "$C/err" "$C/last.err"
	return 0
}
# axe ARGS...: appv exec in the current mode (shim or --no-shim).
# shellcheck disable=SC2086
axe() { ax exec $MODE_OPT "$@"; }
# shellcheck disable=SC2086
axr() { ax run $MODE_OPT "$@"; }

want_rc() { [ "$RC" -eq "$1" ] || fail "exit status $RC, expected $1"; }
want_fail() { [ "$RC" -ne 0 ] || fail "exit status 0, expected a failure"; }
out_has() { grep -qxF -- "$1" "$C/out" || fail "stdout lacks the line: $1"; }
out_contains() { grep -qF -- "$1" "$C/out" || fail "stdout lacks: $1"; }
err_matches() { grep -qE -- "$1" "$C/err" || fail "stderr does not match: $1"; }
out_empty() { [ ! -s "$C/out" ] || fail "stdout should be empty"; }
file_sha() { if [ -e "$1" ]; then sha256sum <"$1" | cut -d' ' -f1; else echo absent; fi; }
same_sha() {
	local now
	now=$(file_sha "$1")
	[ "$now" = "$2" ] || fail "host file $1 changed: sha256 $2 -> $now"
}
absent() {
	if [ -e "$1" ] || [ -L "$1" ]; then fail "host path $1 exists"; fi
}
upper_of() { printf '%s/overlays/%s/%s/upper' "$APPV_HOME" "$1" "$2"; }
in_upper() {
	[ -n "$TID" ] || fail "no package id from 'appv inspect --json'"
	[ -f "$(upper_of "$TID" "$1")$2" ] ||
		fail "$2 is not in the overlay at $(upper_of "$TID" "$1")"
}

# The package id from `appv inspect --json`: the value of an id-like key
# that is 64 hex digits (any 64-hex value if no such key).
pkg_id() {
	timeout "$TMO" "$APPV" inspect --json "$1" 2>/dev/null |
		/usr/bin/python3 -c '
import json, re, sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(0)
def walk(o, k=""):
    if isinstance(o, dict):
        for kk, v in o.items():
            yield from walk(v, kk)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v, k)
    else:
        yield k, o
c = [(k, v) for k, v in walk(d)
     if isinstance(v, str) and re.fullmatch("[0-9a-f]{64}", v)]
pref = [v for k, v in c if k.lower() in ("id", "package_id", "package-id",
                                          "pkg_id", "sha256")]
print((pref or [v for k, v in c] or [""])[0])'
}

# ------------------------------------------------------------------ cases --
# Each case runs in a subshell with errexit: the first failed check ends it.
# Variables: APPV, HELPERS, TPKG (test package), HPKG (hello), TID, HID
# (package ids), C (case dir), APPV_HOME, MODE_OPT ("" or --no-shim).

DATA_LINE1="appv e2e data: line one"

c_hello_run() {
	local before
	before=$(file_sha /tmp/hello-demo.txt)
	axr "$HPKG"
	want_rc 0
	out_has "Hello from inside the package, appv!"
	[ -n "$HID" ] || fail "no package id from 'appv inspect --json $HPKG'"
	local up
	up=$(upper_of "$HID" default)
	grep -q '^hello ran at' "$up/var/lib/hello/runs.log" ||
		fail "runs.log not in the overlay $up"
	grep -qx 'hello was here' "$up/tmp/hello-demo.txt" ||
		fail "/tmp/hello-demo.txt not in the overlay $up"
	same_sha /tmp/hello-demo.txt "$before"
	absent /var/lib/hello
	absent /opt/hello
	absent /etc/hello
}

c_hello_strict() {
	local before
	before=$(file_sha /tmp/hello-demo.txt)
	axr --mode strict "$HPKG" strict-user
	want_rc 0
	out_has "Hello from inside the package, strict-user!"
	same_sha /tmp/hello-demo.txt "$before"
	absent /var/lib/hello
}

c_coreutils_read() {
	axe "$TPKG" cat /opt/t/share/data.txt
	want_rc 0
	cmp -s "$C/out" "$STAGE/tsrc/fs/opt/t/share/data.txt" ||
		fail "cat output differs from the packaged data.txt"
	axe "$TPKG" sh -c 'ls /opt/t/share; stat -c "%s %F" /opt/t/share/data.txt;
		sha256sum /opt/t/share/data.txt /opt/t/share/link | cut -d" " -f1;
		cat /opt/t/share/link'
	want_rc 0
	out_has "data.txt"
	out_has "link"
	out_has "sub"
	out_has "$DATA_SIZE regular file"
	[ "$(grep -cx "$DATA_SHA" "$C/out")" -eq 2 ] ||
		fail "sha256sum of data.txt/link is not $DATA_SHA twice"
	out_has "$DATA_LINE1"
}

c_busybox_read() {
	axe "$TPKG" /bin/busybox cat /opt/t/share/data.txt
	want_rc 0
	cmp -s "$C/out" "$STAGE/tsrc/fs/opt/t/share/data.txt" ||
		fail "busybox cat output differs from the packaged data.txt"
	axe "$TPKG" /bin/busybox ls /opt/t/share
	want_rc 0
	out_has "data.txt"
	out_has "link"
	out_has "sub"
	axe "$TPKG" /bin/busybox sha256sum /opt/t/share/data.txt
	want_rc 0
	out_contains "$DATA_SHA"
}

c_static_probe() {
	axe "$TPKG" "$HELPERS/fsprobe_static" stat:/opt/t/share/data.txt \
		lstat:/opt/t/share/link readlink:/opt/t/share/link \
		cat:/opt/t/share/link ls:/opt/t/share stat:/opt/t/share/sub \
		ls:/opt/t/share/sub
	want_rc 0
	out_has "stat /opt/t/share/data.txt: type=reg size=$DATA_SIZE mode=0644"
	out_has "lstat /opt/t/share/link: type=lnk size=8 mode=0777"
	out_has "readlink /opt/t/share/link: data.txt"
	out_contains "cat /opt/t/share/link: $DATA_LINE1\\n"
	out_has "ls /opt/t/share: data.txt link sub"
	grep -qE '^stat /opt/t/share/sub: type=dir size=[0-9]+ mode=0755$' "$C/out" ||
		fail "stat of the package dir /opt/t/share/sub is wrong"
	out_has "ls /opt/t/share/sub:"
	axe "$TPKG" "$HELPERS/fsprobe_static" stat:/opt/t/nonexistent
	want_rc 1
	out_contains "ERR stat /opt/t/nonexistent: No such file or directory"
}

c_python_import() {
	axe "$TPKG" /usr/bin/python3 -c 'import appvdemo, os
print(appvdemo.VALUE)
print(appvdemo.__file__)
print(appvdemo.data())'
	want_rc 0
	out_has "appvdemo from the package"
	out_has "/usr/lib/python3/dist-packages/appvdemo/__init__.py"
	out_has "$DATA_LINE1"
	absent /usr/lib/python3/dist-packages/appvdemo
}

c_pkg_script_exec() {
	axe "$TPKG" /opt/t/bin/chain.sh
	want_rc 0
	out_has "chain: /opt/t/bin/chain.sh"
	out_has "exe /proc/self/exe: /opt/t/bin/fsprobe"
	out_contains "cat /opt/t/share/data.txt: $DATA_LINE1\\n"
	axe "$TPKG" sh -c '/opt/t/bin/chain.sh'
	want_rc 0
	out_has "exe /proc/self/exe: /opt/t/bin/fsprobe"
}

c_shebang_pkg_interp() {
	axe "$TPKG" /opt/t/bin/interp-script one
	want_rc 0
	out_has "interp exe: /opt/t/libexec/interp"
	out_has "interp script: /opt/t/bin/interp-script"
	out_has "interpreted by the package interpreter"
	out_has "interp arg: one"
	axe "$TPKG" sh -c 'cd /opt/t/bin && ./interp-script two'
	want_rc 0
	out_has "interp exe: /opt/t/libexec/interp"
	out_has "interpreted by the package interpreter"
	out_has "interp arg: two"
	absent /opt/t
}

# write_case WRITER...: the writer appends to $C/host.txt and creates
# $C/new.txt and $C/newdir/f in overlay "w"; a second program in "w" sees
# both, overlay "other" does not, and the host is byte-for-byte unchanged.
write_case() {
	local h=$C/host.txt before
	printf 'original\n' >"$h"
	before=$(file_sha "$h")
	axe --overlay w "$TPKG" "$@"
	want_rc 0
	same_sha "$h" "$before"
	absent "$C/new.txt"
	absent "$C/newdir"
	in_upper w "$C/new.txt"
	axe --overlay w "$TPKG" /opt/t/bin/fsprobe "cat:$h" "cat:$C/new.txt" \
		"cat:$C/newdir/f" "ls:$C"
	want_rc 0
	out_has "cat $h: original\\nchanged\\n"
	out_has "cat $C/new.txt: new\\n"
	out_has "cat $C/newdir/f: x\\n"
	out_contains " new.txt newdir"
	axe --overlay w "$TPKG" cat "$h" "$C/new.txt"
	want_rc 0
	out_has "changed"
	out_has "new"
	axe --overlay other "$TPKG" cat "$h" "$C/new.txt"
	want_fail
	out_has "original"
	grep -qx changed "$C/out" && fail "overlay 'other' sees overlay 'w'"
	same_sha "$h" "$before"
	absent "$C/new.txt"
}

c_write_dynamic() {
	write_case sh -c "echo changed >>'$C/host.txt' && echo new >'$C/new.txt' &&
		mkdir '$C/newdir' && echo x >'$C/newdir/f'"
}

c_write_static() {
	write_case "$HELPERS/fsprobe_static" "append:$C/host.txt:changed
" "write:$C/new.txt:new
" "mkdir:$C/newdir" "write:$C/newdir/f:x
"
}

c_merged_listing() {
	axe "$TPKG" ls -a /etc
	want_rc 0
	out_has "appv-e2e.conf"
	out_has "passwd"
	out_has "group"
	axe "$TPKG" "$HELPERS/fsprobe_static" ls:/etc cat:/etc/appv-e2e.conf
	want_rc 0
	out_contains " appv-e2e.conf "
	out_contains " passwd"
	out_has "cat /etc/appv-e2e.conf: e2e = yes\\n"
	axe "$TPKG" sh -c 'ls /usr/lib/python3/dist-packages'
	want_rc 0
	out_has "appvdemo"
	out_has "$PY_HOST_ENTRY"
	absent /etc/appv-e2e.conf
}

c_getcwd_virtual() {
	axe "$TPKG" sh -c 'cd /opt/t/share && pwd -P && /bin/pwd &&
		readlink /proc/self/cwd && /usr/bin/python3 -c "import os; print(os.getcwd())"'
	want_rc 0
	[ "$(grep -cx /opt/t/share "$C/out")" -eq 4 ] ||
		fail "expected /opt/t/share from pwd -P, /bin/pwd, /proc/self/cwd and python"
	axe "$TPKG" "$HELPERS/fsprobe_static" cd:/opt/t/share/sub cwd cd:.. cwd
	want_rc 0
	out_has "cwd: /opt/t/share/sub"
	out_has "cwd: /opt/t/share"
}

c_proc_self_exe() {
	axe "$TPKG" /opt/t/bin/fsprobe exe
	want_rc 0
	out_has "exe /proc/self/exe: /opt/t/bin/fsprobe"
	axe "$TPKG" /opt/t/bin/fsprobe_static exe
	want_rc 0
	out_has "exe /proc/self/exe: /opt/t/bin/fsprobe_static"
}

c_exit_status() {
	axe "$TPKG" sh -c 'exit 7'
	want_rc 7
	axe "$TPKG" sh -c 'kill -KILL $$'
	want_rc 137
	axe "$TPKG" sh -c 'kill -TERM $$'
	want_rc 143
	axr "$TPKG" exit:7
	want_rc 7
	axr "$TPKG"
	want_rc 0
	out_contains "cat /opt/t/share/data.txt: $DATA_LINE1\\n"
}

c_stdin_passthrough() {
	head -c 200000 /dev/urandom >"$C/in.bin"
	IN=$C/in.bin axe "$TPKG" sha256sum
	want_rc 0
	out_contains "$(file_sha "$C/in.bin")"
	printf 'first line\nsecond line\n' >"$C/in.txt"
	IN=$C/in.txt axe "$TPKG" /bin/busybox cat
	want_rc 0
	cmp -s "$C/out" "$C/in.txt" || fail "busybox cat did not echo stdin"
}

# corrupt_one FILE: appv run FILE must fail, name FILE, run nothing.
corrupt_one() {
	axr "$1"
	want_fail
	grep -qF -- "$(basename "$1")" "$C/err" ||
		fail "the error does not name $(basename "$1")"
	out_empty
	[ -z "$(ls -A "$APPV_HOME/overlays" 2>/dev/null)" ] ||
		fail "an overlay was created for $1"
}

c_corrupt_package() {
	local size
	size=$(stat -c %s "$HPKG")
	cp "$HPKG" "$C/flipped.pkg"
	printf '\377\377\377\377\377\377\377\377' |
		dd of="$C/flipped.pkg" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	cmp -s "$HPKG" "$C/flipped.pkg" && fail "could not corrupt the copy"
	corrupt_one "$C/flipped.pkg"
	head -c $((size / 2)) "$HPKG" >"$C/truncated.pkg"
	corrupt_one "$C/truncated.pkg"
	head -c $((size - 7)) "$HPKG" >"$C/short-trailer.pkg"
	corrupt_one "$C/short-trailer.pkg"
	printf 'not a package\n' >"$C/text.pkg"
	corrupt_one "$C/text.pkg"
}

c_bad_manifest() {
	local src=$C/src
	mkdir -p "$src/fs/opt/x"
	printf 'x\n' >"$src/fs/opt/x/file"
	printf '[package]\nname = bad\nversion = 1\n[run\nexec = /opt/x/file\n' \
		>"$src/appv.ini"
	ax build "$src" -o "$C/outdir/bad.pkg"
	want_fail
	err_matches 'appv\.ini:4([^0-9]|$)'
	[ -z "$(ls -A "$C/outdir" 2>/dev/null)" ] || fail "build left files in $C/outdir"
	printf '[package]\nname = bad\n\n[run]\nargs = x\n' >"$src/appv.ini"
	ax build "$src" -o "$C/outdir/bad.pkg"
	want_fail
	err_matches 'appv\.ini:[0-9]+'
	err_matches 'exec'
	[ -z "$(ls -A "$C/outdir" 2>/dev/null)" ] || fail "build left files in $C/outdir"
	printf '[package]\nversion = 1\n[run]\nexec = /opt/x/file\n' >"$src/appv.ini"
	ax build "$src" -o "$C/outdir/bad.pkg"
	want_fail
	err_matches 'appv\.ini:[0-9]+'
	err_matches 'name'
}

# Landlock backstop: raw syscalls from our own page at the trampoline
# address are exempt from the filter in fast mode, so only Landlock stands
# between them and the host.
c_landlock_backstop() {
	local h=$C/host.txt before
	printf 'original\n' >"$h"
	before=$(file_sha "$h")
	axe "$TPKG" "$HELPERS/landlock_escape_static" /opt/t/share/data.txt \
		"$h" "$C/new.txt"
	out_has "bypass: yes" ||
		fail "the raw syscall was virtualised: this run did not test Landlock"
	grep -qE "^modify $h: errno [0-9]+ \((EACCES|EPERM)\)$" "$C/out" ||
		fail "the raw write open of the host file was not refused"
	grep -qE "^create $C/new.txt: errno [0-9]+ \((EACCES|EPERM)\)$" "$C/out" ||
		fail "the raw create in a host dir was not refused"
	want_rc 0
	same_sha "$h" "$before"
	absent "$C/new.txt"
}

# Strict mode: the trampoline address gets no exemption, so the same raw
# syscalls are virtualised: the package file is visible and the writes
# land in the overlay.
c_strict_no_trampoline() {
	local h=$C/host.txt before
	printf 'original\n' >"$h"
	before=$(file_sha "$h")
	axe --mode strict "$TPKG" "$HELPERS/landlock_escape_static" \
		/opt/t/share/data.txt "$h" "$C/new.txt"
	out_has "bypass: no"
	out_has "modify $h: ok"
	out_has "create $C/new.txt: ok"
	same_sha "$h" "$before"
	absent "$C/new.txt"
	in_upper default "$C/new.txt"
}

# A background process outlives the main one: appv keeps serving it (the
# session ends with its last process) and its writes land in the overlay.
c_session_background() {
	axe "$TPKG" sh -c '(sleep 0.5; cat /opt/t/share/data.txt >/tmp/appv-e2e-bg.txt) & exit 3'
	want_rc 3
	absent /tmp/appv-e2e-bg.txt
	[ -n "$TID" ] || fail "no package id"
	grep -qF "$DATA_LINE1" "$(upper_of "$TID" default)/tmp/appv-e2e-bg.txt" ||
		fail "the background process's write is not in the overlay"
}

# Fail closed: kill the supervisor while a grandchild still runs; its next
# intercepted call must fail (ENOSYS) and the host must stay unchanged.
c_fail_closed() {
	local host=$C/outdir/host.txt before pid i
	echo "original" >"$host"
	before=$(file_sha "$host")
	# shellcheck disable=SC2086
	"$APPV" exec $MODE_OPT "$TPKG" sh -c "(sleep 1.5; echo changed >$host; echo \"after: \$?\" >&2) & echo started; wait" \
		>"$C/out" 2>"$C/err" </dev/null &
	pid=$!
	for i in 1 2 3 4 5 6 7 8 9 10; do
		grep -q started "$C/out" 2>/dev/null && break
		sleep 0.2
	done
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	sleep 2.5
	same_sha "$host" "$before"
	grep -q "after: [1-9]" "$C/err" ||
		fail "the orphan's write did not fail: $(cat "$C/err")"
	grep -qi "function not implemented" "$C/err" ||
		fail "no ENOSYS after the supervisor died: $(cat "$C/err")"
}

CASES_ALL="hello_run hello_strict coreutils_read busybox_read static_probe
python_import pkg_script_exec shebang_pkg_interp write_dynamic write_static
merged_listing getcwd_virtual proc_self_exe exit_status stdin_passthrough
corrupt_package bad_manifest landlock_backstop strict_no_trampoline
session_background fail_closed"
CASES=${E2E_CASES:-$CASES_ALL}
# Cases that do not depend on the interception mode run once.
MODELESS="bad_manifest"

# -------------------------------------------------------------- one pass --

report() { # report OK|FAIL NAME TAGS
	N=$((N + 1))
	if [ "$1" = OK ]; then
		echo "ok $N - $2 $3"
		return
	fi
	echo "not ok $N - $2 $3"
	if [ -s "$C/diag" ]; then sed 's/^/#   /' "$C/diag"; fi
	if [ -s "$C/cmds" ]; then
		echo "#   last command:"
		awk '/^\$ appv /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' \
			"$C/cmds" | sed 's/^/#     /'
	fi
	if [ -s "$C/last.out" ]; then
		echo "#   stdout:"
		head -n 15 "$C/last.out" | sed 's/^/#     /'
	fi
	if [ -s "$C/last.err" ]; then
		echo "#   stderr:"
		head -n 15 "$C/last.err" | sed 's/^/#     /'
	fi
}

run_pass() { # WHO: root|user; prints results numbered from $E2E_START
	local who=$1 name mode tags start t0
	N=$E2E_START
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/appv-e2e-$who.XXXXXX") || exit 1
	trap 'chmod -R u+rwX "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
	export HOME=$WORK/home
	mkdir -p "$HOME"
	TID=$(pkg_id "$TPKG")
	HID=$(pkg_id "$HPKG")
	start=$(date +%s)
	for name in $CASES; do
		for mode in shim noshim; do
			case " $MODELESS " in
			*" $name "*) [ $mode = shim ] || continue; tags="[build] [$who]" ;;
			*) tags="[$mode] [$who]" ;;
			esac
			MODE_OPT=""
			[ $mode = shim ] || MODE_OPT=--no-shim
			C=$WORK/$N-$name-$mode
			mkdir -p "$C/home" "$C/outdir"
			export APPV_HOME=$C/home
			: >"$C/diag"
			t0=$(date +%s)
			if [ $((t0 - start)) -ge "$BUDGET" ]; then
				note "not run: the suite's time budget (${BUDGET}s) was used up"
				report FAIL "$name" "$tags"
				continue
			fi
			(set -e; cd "$C"; "c_$name") >>"$C/diag" 2>&1
			local ok=$?
			if [ $ok -eq 0 ]; then
				report OK "$name" "$tags"
			else
				report FAIL "$name" "$tags"
			fi
		done
	done
	echo "# pass $who done in $(($(date +%s) - start))s"
}

# ------------------------------------------------------------ the outer --

die() { echo "e2e: $*" >&2; echo "e2e: 0 passed, 1 failed"; exit 1; }

# Stage the test package source (fs/ as seen at / in the sandbox) and build it.
build_test_pkg() {
	local src=$STAGE/tsrc fs=$STAGE/tsrc/fs
	mkdir -p "$fs/opt/t/bin" "$fs/opt/t/libexec" "$fs/opt/t/share/sub" \
		"$fs/usr/lib/python3/dist-packages/appvdemo" "$fs/etc"
	cat >"$src/appv.ini" <<-'EOF'
	; end-to-end test package
	[package]
	name = e2e
	version = 0.1
	[run]
	exec = /opt/t/bin/fsprobe_static
	args = cat:/opt/t/share/data.txt
	EOF
	printf '%s\n%s\n' "$DATA_LINE1" "line two: only in the package" \
		>"$fs/opt/t/share/data.txt"
	ln -s data.txt "$fs/opt/t/share/link"
	printf 'e2e = yes\n' >"$fs/etc/appv-e2e.conf"
	cp "$HELPERS/fsprobe" "$HELPERS/fsprobe_static" "$fs/opt/t/bin/"
	cp "$HELPERS/interp_static" "$fs/opt/t/libexec/interp"
	cat >"$fs/opt/t/bin/chain.sh" <<-'EOF'
	#!/bin/sh
	echo "chain: $0"
	exec /opt/t/bin/fsprobe exe cat:/opt/t/share/data.txt
	EOF
	printf '#!/opt/t/libexec/interp\nsay interpreted by the package interpreter\n' \
		>"$fs/opt/t/bin/interp-script"
	chmod 0755 "$fs/opt/t/bin/chain.sh" "$fs/opt/t/bin/interp-script"
	cat >"$fs/usr/lib/python3/dist-packages/appvdemo/__init__.py" <<-'EOF'
	VALUE = "appvdemo from the package"


	def data():
	    with open("/opt/t/share/data.txt") as f:
	        return f.readline().rstrip("\n")
	EOF
	chmod -R a+rX "$src"
	"$APPV" build "$src" -o "$STAGE/t.pkg" >"$STAGE/build.log" 2>&1
}

# Can TEST_USER reach the build outputs?  Else copy them (appv and its shim
# side by side, as appv looks for the shim next to itself).
stage_for_user() {
	local f need="$APPV $BUILD/libappv-shim.so $HPKG $HELPERS/fsprobe_static"
	for f in $need; do
		[ -e "$f" ] || continue
		setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
			test -r "$f" || { copy_outputs; return; }
	done
}

copy_outputs() {
	echo "# $BUILD is not readable by $TEST_USER: copying to $STAGE"
	mkdir -p "$STAGE/bin" "$STAGE/helpers"
	cp -p "$APPV" "$BUILD/libappv-shim.so" "$STAGE/bin/" 2>/dev/null
	cp -p "$HELPERS"/* "$STAGE/helpers/" 2>/dev/null
	cp -p "$HPKG" "$STAGE/hello.pkg" 2>/dev/null
	APPV=$STAGE/bin/appv HELPERS=$STAGE/helpers HPKG=$STAGE/hello.pkg
	chmod -R a+rX "$STAGE"
}

ensure_user() {
	id "$TEST_USER" >/dev/null 2>&1 && return 0
	useradd -m -s /bin/sh "$TEST_USER" >/dev/null 2>&1 ||
		die "cannot create the test user $TEST_USER"
}

# run_inner WHO START [setpriv prefix...]: one pass in a clean environment.
run_inner() {
	local who=$1 start=$2
	shift 2
	"$@" env -i PATH="$CLEAN_PATH" LANG=C.UTF-8 TMPDIR=/tmp \
		E2E_INNER=1 E2E_WHO="$who" E2E_START="$start" E2E_STAGE="$STAGE" \
		E2E_APPV="$APPV" E2E_HELPERS="$HELPERS" E2E_HPKG="$HPKG" \
		E2E_BUDGET="$BUDGET" E2E_TIMEOUT="$TMO" \
		E2E_PY_HOST_ENTRY="$PY_HOST_ENTRY" \
		/bin/bash "$STAGE/run.sh" </dev/null 2>&1
}

outer() {
	[ $# -ge 1 ] || die "usage: $0 BUILD_DIR"
	BUILD=$(cd "$1" 2>/dev/null && pwd) || die "no build dir $1"
	APPV=$BUILD/appv
	HELPERS=$BUILD/tests/helpers
	HPKG=$BUILD/examples/hello.pkg
	local f missing="" log t0
	t0=$(date +%s)
	for f in "$APPV" "$BUILD/libappv-shim.so" "$HPKG" "$HELPERS/fsprobe" \
		"$HELPERS/fsprobe_static" "$HELPERS/interp_static" \
		"$HELPERS/landlock_escape_static"; do
		[ -e "$f" ] || missing="$missing $f"
	done
	[ -z "$missing" ] || echo "# missing build outputs (cases using them fail):$missing"
	for f in /bin/busybox /usr/bin/python3 setpriv timeout sha256sum; do
		command -v "$f" >/dev/null || die "$f is needed (scripts/deps.sh test)"
	done
	STAGE=$(mktemp -d /tmp/appv-e2e-stage.XXXXXX) || die "mktemp failed"
	log=$STAGE/log
	if [ -n "${E2E_KEEP:-}" ]; then
		echo "# E2E_KEEP: the test package stays in $STAGE"
	else
		trap 'rm -rf "$STAGE"' EXIT
	fi
	chmod 755 "$STAGE"
	cp "$0" "$STAGE/run.sh"
	PY_HOST_ENTRY=""
	for f in /usr/lib/python3/dist-packages/*; do
		[ -e "$f" ] && PY_HOST_ENTRY=${f##*/} && break
	done
	if [ "$(id -u)" = 0 ]; then
		ensure_user
		stage_for_user
	fi
	if ! build_test_pkg; then
		echo "# appv build of the test package failed:"
		sed 's/^/#   /' "$STAGE/build.log" | head -n 20
	fi
	echo "TAP version 13"
	local who=user
	[ "$(id -u)" = 0 ] && who=root
	run_inner "$who" 0 | tee "$log"
	if [ "$(id -u)" = 0 ]; then
		local n
		n=$(grep -cE '^(ok|not ok) ' "$log")
		run_inner user "$n" setpriv --reuid="$TEST_USER" \
			--regid="$TEST_USER" --init-groups | tee -a "$log"
	fi
	local pass fail passes
	pass=$(grep -c '^ok ' "$log")
	fail=$(grep -c '^not ok ' "$log")
	passes=$(grep -c '^# pass .* done' "$log")
	local want=1
	[ "$(id -u)" = 0 ] && want=2
	if [ "$passes" -ne "$want" ]; then
		echo "not ok - a pass did not finish ($passes of $want)"
		fail=$((fail + 1))
	fi
	echo "1..$((pass + fail))"
	echo "# total time $(($(date +%s) - t0))s"
	echo "e2e: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
}

if [ -n "${E2E_INNER:-}" ]; then
	STAGE=$E2E_STAGE APPV=$E2E_APPV HELPERS=$E2E_HELPERS HPKG=$E2E_HPKG
	TPKG=$STAGE/t.pkg PY_HOST_ENTRY=$E2E_PY_HOST_ENTRY
	DATA_SIZE=$(stat -c %s "$STAGE/tsrc/fs/opt/t/share/data.txt")
	DATA_SHA=$(file_sha "$STAGE/tsrc/fs/opt/t/share/data.txt")
	run_pass "$E2E_WHO"
	exit 0
fi
outer "$@"
