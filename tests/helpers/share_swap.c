/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * share_swap - races the supervisor's change of a shared host file with
 * another process's change of the shared tree: "swap" exchanges a
 * directory of the shared tree with a symlink to a host directory outside
 * it, in a loop (run outside the session, or in another one); the other
 * form makes raw calls (notified: the supervisor's) on FILE, N times each:
 * open O_WRONLY|O_TRUNC, open O_RDONLY|O_TRUNC, truncate(2).  Followed
 * after the supervisor's walk, the symlink would take it, which Landlock
 * does not bound, to the host file of the same name outside the share.
 *
 * The "attr" form changes FILE's attributes instead, N times each, through
 * libc (the shim's) and raw calls (notified): chmod, chown to the caller's
 * own ids, utimensat, setxattr of user.x, removexattr of user.y,
 * truncate(2), or those OPS names (attrs); none may reach the host file
 * outside the share.
 *
 * usage: share_swap swap LINK DIR     (exchanges LINK and DIR until killed)
 *        share_swap FILE N            (prints "done"; the caller checks
 *                                      the host file)
 *        share_swap attr FILE N [OPS] (likewise)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

/* One round of the attribute changes @ops names on @f, each through libc
 * and raw: m chmod, o chown, t utimensat, x setxattr of user.x, r
 * removexattr of user.y, s truncate. */
static void attrs(const char *f, const char *ops)
{
	struct timespec ts[2] = {{12345, 0}, {12345, 0}};

	if (strchr(ops, 'm')) {
		chmod(f, 0600);
		syscall(SYS_fchmodat, AT_FDCWD, f, 0640);
	}
	if (strchr(ops, 'o')) {
		chown(f, getuid(), getgid());
		syscall(SYS_fchownat, AT_FDCWD, f, getuid(), getgid(), 0);
	}
	if (strchr(ops, 't')) {
		utimensat(AT_FDCWD, f, ts, 0);
		syscall(SYS_utimensat, AT_FDCWD, f, ts, 0);
	}
	if (strchr(ops, 'x')) {
		setxattr(f, "user.x", "1", 1, 0);
		syscall(SYS_setxattr, f, "user.x", "2", 1, 0);
	}
	if (strchr(ops, 'r')) {
		removexattr(f, "user.y");
		syscall(SYS_removexattr, f, "user.y");
	}
	if (strchr(ops, 's')) {
		truncate(f, 0);
		syscall(SYS_truncate, f, 0L);
	}
}

int main(int argc, char **argv)
{
	int n, fd;

	if (argc == 4 && !strcmp(argv[1], "swap")) {
		for (;;)
			syscall(SYS_renameat2, AT_FDCWD, argv[2], AT_FDCWD,
				argv[3], RENAME_EXCHANGE);
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "attr")) {
		n = atoi(argv[3]);
		for (int i = 0; i < n; i++)
			attrs(argv[2], argc == 5 ? argv[4] : "motxrs");
		printf("done\n");
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr,
			"usage: %s FILE N | attr FILE N [OPS] | "
			"swap LINK DIR\n",
			argv[0]);
		return 2;
	}
	n = atoi(argv[2]);
	for (int i = 0; i < n; i++) {
		fd = (int)syscall(SYS_openat, AT_FDCWD, argv[1],
				  O_WRONLY | O_TRUNC);
		if (fd >= 0)
			close(fd);
		fd = (int)syscall(SYS_openat, AT_FDCWD, argv[1],
				  O_RDONLY | O_TRUNC);
		if (fd >= 0)
			close(fd);
		syscall(SYS_truncate, argv[1], 0L);
	}
	printf("done\n");
	return 0;
}
