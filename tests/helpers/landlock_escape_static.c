/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * landlock_escape_static - tries to write to the host through a route the
 * interception does not cover, to prove the Landlock backstop.
 *
 * It copies a "syscall; ret" stub into its own page at the shim trampoline
 * address (possible because a static program never loads the shim), so in
 * fast mode the seccomp filter exempts these syscalls by instruction pointer
 * and the supervisor never sees them.  Then:
 *
 *   probe  READPATH   open O_RDONLY through the stub; "bypass: yes" when the
 *                     call was not virtualised (ENOENT for a package-only
 *                     path), "bypass: no" when it was (opened fine)
 *   modify HOSTFILE   open O_WRONLY|O_APPEND + write through the stub
 *   create NEWPATH    open O_WRONLY|O_CREAT|O_EXCL through the stub
 *   chmod  HOSTFILE   fchmodat to 0600 through the stub: Landlock has no
 *                     right for a file's mode, owner, times or extended
 *                     attributes, so in fast mode this reaches the host
 *                     (README, threat model); it does not count below
 *   mknod  NODEPATH   (optional) mknodat of character device 1:3 there
 *                     through the stub: a path in the overlay's upper
 *                     directory, where Landlock allows other creates; a
 *                     device node there would open as the device
 *   trunc  TRUNCFILE  (optional) open O_RDONLY|O_TRUNC through the stub:
 *                     Landlock's truncate right, which fast mode does not
 *                     handle (README, threat model); it does not count
 *
 * Each prints "<op> PATH: ok" or "<op> PATH: errno N (NAME)".  Exit status:
 * 0 when every write attempt was refused with EACCES or EPERM, 1 when a write
 * succeeded, 2 on a set-up error.
 *
 * usage: landlock_escape_static READPATH HOSTFILE NEWPATH [NODEPATH
 * [TRUNCFILE]]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "raw_stub.h"

static const char *errname(long e)
{
	switch (e) {
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EROFS: return "EROFS";
	case EEXIST: return "EEXIST";
	default: return "other";
	}
}

static long raw_open(stub_fn stub, const char *path, int flags)
{
	return stub(SYS_openat, AT_FDCWD, (long)path, flags, 0644, 0);
}

static int report(const char *op, const char *path, long r)
{
	if (r >= 0) {
		printf("%s %s: ok\n", op, path);
		return 0;
	}
	printf("%s %s: errno %ld (%s)\n", op, path, -r, errname(-r));
	return (int)-r;
}

/* A write attempt: 0 when refused by EACCES/EPERM, 1 otherwise. */
static int try_write(stub_fn stub, const char *op, const char *path, int flags)
{
	static const char msg[] = "landlock escape\n";
	long fd = raw_open(stub, path, flags);
	int e = report(op, path, fd);

	if (fd >= 0) {
		long w = stub(SYS_write, fd, (long)msg, sizeof(msg) - 1, 0, 0);

		report("write", path, w);
		stub(SYS_close, fd, 0, 0, 0, 0);
		return 1;
	}
	return (e == EACCES || e == EPERM) ? 0 : 1;
}

int main(int argc, char **argv)
{
	stub_fn stub;
	long fd;
	int bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4 || argc > 6) {
		fprintf(stderr,
			"usage: %s READPATH HOSTFILE NEWPATH [NODEPATH "
			"[TRUNCFILE]]\n",
			argv[0]);
		return 2;
	}
	stub = map_stub();
	if (!stub)
		return 2;
	fd = raw_open(stub, argv[1], O_RDONLY | O_CLOEXEC);
	report("probe", argv[1], fd);
	printf("bypass: %s\n", fd == -ENOENT ? "yes" : fd >= 0 ? "no" : "unknown");
	if (fd >= 0)
		stub(SYS_close, fd, 0, 0, 0, 0);
	bad |= try_write(stub, "modify", argv[2], O_WRONLY | O_APPEND | O_CLOEXEC);
	bad |= try_write(stub, "create", argv[3],
			 O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC);
	report("chmod", argv[2],
	       stub(SYS_fchmodat, AT_FDCWD, (long)argv[2], 0600, 0, 0));
	if (argc >= 5) {
		int e = report("mknod", argv[4],
			       stub(SYS_mknodat, AT_FDCWD, (long)argv[4],
				    S_IFCHR | 0666, (long)makedev(1, 3), 0));

		bad |= e == EACCES || e == EPERM ? 0 : 1;
	}
	if (argc == 6) {
		fd = raw_open(stub, argv[5], O_RDONLY | O_TRUNC | O_CLOEXEC);
		if (report("trunc", argv[5], fd) == 0)
			stub(SYS_close, fd, 0, 0, 0, 0);
	}
	return bad;
}
