/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * upper_forge_static - makes a symlink through the shim trampoline stub
 * (raw_stub.h), whose calls the fast mode's filter exempts: what a
 * hostile program can leave in its overlay's upper directory, such as a
 * marker (vfs/README.md, "Whiteouts") the supervisor would refuse to make,
 * or a name deeper than PATH_MAX.  LINKPATH is walked one component at a
 * time from its first one (absolute), the missing directories made on the
 * way (relative calls: it may be longer than PATH_MAX).
 *
 * Prints "forge: ok" or "forge: errno N (TEXT)" (a call was refused, or
 * virtualised without the shim).  Exit status 0, or 2 on a set-up error.
 *
 * usage: upper_forge_static TARGET LINKPATH
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "raw_stub.h"

static long forge(stub_fn stub, const char *target, char *path)
{
	long dfd = stub(SYS_openat, AT_FDCWD, (long)"/",
			O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, 0);
	char *name = path, *slash;

	while (dfd >= 0 && (slash = strchr(name, '/'))) {
		long sub;

		*slash = '\0';
		if (*name) {
			stub(SYS_mkdirat, dfd, (long)name, 0755, 0, 0);
			sub = stub(SYS_openat, dfd, (long)name,
				   O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, 0);
			stub(SYS_close, dfd, 0, 0, 0, 0);
			dfd = sub;
		}
		name = slash + 1;
	}
	if (dfd < 0)
		return dfd;
	long r = stub(SYS_symlinkat, (long)target, dfd, (long)name, 0, 0);

	stub(SYS_close, dfd, 0, 0, 0, 0);
	return r;
}

int main(int argc, char **argv)
{
	stub_fn stub;
	long r;

	if (argc != 3 || argv[2][0] != '/') {
		fprintf(stderr, "usage: upper_forge_static TARGET /LINKPATH\n");
		return 2;
	}
	stub = map_stub();
	if (!stub)
		return 2;
	r = forge(stub, argv[1], argv[2]);
	if (r < 0)
		printf("forge: errno %ld (%s)\n", -r, strerror((int)-r));
	else
		printf("forge: ok\n");
	return 0;
}
