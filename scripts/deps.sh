#!/bin/sh
# Install (as root) or name (as a user) the Debian packages appv needs.
#   scripts/deps.sh build|test|bench
set -eu
need_build="gcc make pkg-config libseccomp-dev libelf-dev libsquashfs-dev \
libcmocka-dev libzstd-dev libinih-dev libjansson-dev nettle-dev"
# git tar make gcc sqlite3 python3-venv python3-pip golang-go: the real
# workloads of the end-to-end tests (golang-go builds the static Go helper;
# it installs in about 40 s on Debian 12); perl: File::Find; attr:
# setfattr/getfattr (xattrs kept through copy-up); vim ed patch: the
# in-place editors of e2e ed_inplace_native; squashfs-tools: unsquashfs
# reads our images in the unit tests (a second, independent reader);
# fakeroot faketime: LD_PRELOAD tools beside the shim (e2e preload_order);
# strace: counts the shim's calls (e2e shim_syscall_counts); acl: setfacl
# (e2e ov_acl_copy); openssh-client gnupg: agents that make themselves
# non-dumpable (e2e nondumpable_paths); procps: ps and pgrep of host
# processes (e2e iso_other_processes); e2fsprogs: chattr and lsattr (e2e
# ov_chattr), not in a minimal Debian 12.
need_test="busybox-static python3 squashfs-tools-ng squashfs-tools passwd util-linux \
coreutils git tar make gcc sqlite3 python3-venv python3-pip golang-go perl \
attr vim ed patch fakeroot faketime strace acl openssh-client gnupg procps \
e2fsprogs"
need_bench="proot python3 git tar busybox-static findutils"
case "${1:-build}" in
build) want="$need_build" ;;
test) want="$need_build $need_test" ;;
bench) want="$need_build $need_test $need_bench" ;;
*) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "appv: installing missing packages:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	echo "appv: missing packages; run as root:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
