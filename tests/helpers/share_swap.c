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
 * usage: share_swap swap LINK DIR     (exchanges LINK and DIR until killed)
 *        share_swap FILE N            (prints "done"; the caller checks
 *                                      the host file)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n, fd;

	if (argc == 4 && !strcmp(argv[1], "swap")) {
		for (;;)
			syscall(SYS_renameat2, AT_FDCWD, argv[2], AT_FDCWD,
				argv[3], RENAME_EXCHANGE);
	}
	if (argc != 3) {
		fprintf(stderr, "usage: %s FILE N | swap LINK DIR\n", argv[0]);
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
