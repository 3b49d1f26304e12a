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
 * The "names" form changes names in DIR instead, for i below N, each
 * through libc (the shim's, in fast mode) and raw (notified): link gI to
 * hI, rename eI to kI, unlink gI, rmdir rI, mkdir nI, mknod a FIFO fI,
 * symlink sI; none may remove or make a name in the host directory
 * outside the share.
 *
 * usage: share_swap swap LINK DIR     (exchanges LINK and DIR until killed)
 *        share_swap FILE N            (prints "done"; the caller checks
 *                                      the host file)
 *        share_swap attr FILE N [OPS] (likewise)
 *        share_swap names DIR N       (likewise, the host directory)
 */
#include <fcntl.h>
#include <limits.h>
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

/* @dir/@c@i into @b (of PATH_MAX bytes). */
static void name(char *b, const char *dir, char c, int i)
{
	snprintf(b, PATH_MAX, "%s/%c%d", dir, c, i);
}

/* One round of name changes in @dir, on names numbered @i. */
static void names(const char *dir, int i)
{
	char a[PATH_MAX], b[PATH_MAX];

	name(a, dir, 'g', i);
	name(b, dir, 'h', i);
	link(a, b);
	syscall(SYS_linkat, AT_FDCWD, a, AT_FDCWD, b, 0);
	name(a, dir, 'e', i);
	name(b, dir, 'k', i);
	rename(a, b);
	syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 0);
	name(a, dir, 'g', i);
	unlink(a);
	syscall(SYS_unlinkat, AT_FDCWD, a, 0);
	name(a, dir, 'r', i);
	rmdir(a);
	syscall(SYS_unlinkat, AT_FDCWD, a, AT_REMOVEDIR);
	name(a, dir, 'n', i);
	mkdir(a, 0755);
	syscall(SYS_mkdirat, AT_FDCWD, a, 0755);
	name(a, dir, 'f', i);
	mknod(a, S_IFIFO | 0644, 0);
	syscall(SYS_mknodat, AT_FDCWD, a, S_IFIFO | 0644, 0);
	name(a, dir, 's', i);
	symlink("t", a);
	syscall(SYS_symlinkat, "t", AT_FDCWD, a);
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
	if (argc == 4 && !strcmp(argv[1], "names")) {
		n = atoi(argv[3]);
		for (int i = 0; i < n; i++)
			names(argv[2], i);
		printf("done\n");
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr,
			"usage: %s FILE N | attr FILE N [OPS] | names DIR N | "
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
