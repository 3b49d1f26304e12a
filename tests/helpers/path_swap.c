/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * path_swap - races the supervisor's decision on a path argument: one
 * thread flips a buffer between a path the rules let the kernel have (a
 * share-rule path under /dev, or "" for a call on a descriptor) and a
 * hidden one, while the main thread calls, N times each, every kind of
 * path call the supervisor once let continue there.  A call that answers
 * as only the hidden path could (its data, a regular file's stat, a
 * success where the other path gives ENOENT) is a leak.
 *
 * Prints one "NAME: K" line per kind (leaks of that kind) and "leaks: T".
 * Exit status 0 without leaks, 1 with, 2 on a set-up error.
 *
 * usage: path_swap FILE LINK DIR N
 *   FILE a hidden regular file holding data, LINK a hidden symlink, DIR a
 *   hidden directory holding a file "victim"; all below a shared
 *   directory, which Landlock lets the application write: FILE is opened
 *   O_RDWR too, DIR/new made and DIR/victim removed (a success, or any
 *   error but ENOENT, is a leak).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#define NONE "/dev/.appv-path-swap-none" /* under /dev: a share rule */

static char buf[4096];
static const char *flip_a, *flip_b;
static volatile int stop, flipping;

static void *flipper(void *arg)
{
	(void)arg;
	while (!stop) {
		if (!flipping)
			continue;
		strcpy(buf, flip_b);
		strcpy(buf, flip_a);
	}
	return NULL;
}

/* The kinds of call: each returns 1 for a leak. */
static int null_fd = -1, ino_fd = -1;

static int k_open(void)
{
	char c[64];
	int fd = (int)syscall(SYS_open, buf, O_RDONLY), n;

	if (fd < 0)
		return 0;
	n = (int)read(fd, c, sizeof(c));
	close(fd);
	return n > 0;
}

static int k_openat_rdwr(void)
{
	char c[64];
	int fd = (int)syscall(SYS_openat, AT_FDCWD, buf, O_RDWR), n;

	if (fd < 0)
		return 0;
	n = (int)read(fd, c, sizeof(c));
	close(fd);
	return n > 0;
}

static int k_stat(void)
{
	struct stat st;

	return syscall(SYS_newfstatat, AT_FDCWD, buf, &st, 0) == 0 &&
	       S_ISREG(st.st_mode);
}

static int k_lstat(void)
{
	struct stat st;

	return syscall(SYS_newfstatat, AT_FDCWD, buf, &st,
		       AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
}

static int k_statx(void)
{
	struct statx stx;

	return syscall(SYS_statx, AT_FDCWD, buf, 0, STATX_TYPE, &stx) == 0 &&
	       S_ISREG(stx.stx_mode);
}

static int k_access(void)
{
	return syscall(SYS_faccessat, AT_FDCWD, buf, R_OK) == 0;
}

static int k_readlink(void)
{
	char t[256];

	return syscall(SYS_readlinkat, AT_FDCWD, buf, t, sizeof(t)) >= 0;
}

static int k_statfs(void)
{
	struct statfs sf;

	return syscall(SYS_statfs, buf, &sf) == 0;
}

static int k_getxattr(void)
{
	char v[64];

	return syscall(SYS_getxattr, buf, "user.x", v, sizeof(v)) >= 0 ||
	       errno != ENOENT;
}

static int k_listxattr(void)
{
	char v[256];

	return syscall(SYS_listxattr, buf, v, sizeof(v)) >= 0 ||
	       errno != ENOENT;
}

static int k_chdir(void)
{
	if (syscall(SYS_chdir, buf) != 0)
		return 0;
	if (chdir("/") != 0)
		abort();
	return 1;
}

static int k_inotify(void)
{
	int w = (int)syscall(SYS_inotify_add_watch, ino_fd, buf, IN_OPEN);

	if (w < 0)
		return 0;
	inotify_rm_watch(ino_fd, w);
	return 1;
}

static int k_mkdir(void)
{
	return syscall(SYS_mkdir, buf, 0700) == 0 || errno != ENOENT;
}

static int k_unlink(void)
{
	return syscall(SYS_unlink, buf) == 0 || errno != ENOENT;
}

/* With "" and AT_EMPTY_PATH on /dev/null's descriptor: its own stat. */
static int k_fstat_empty(void)
{
	struct stat st;

	return syscall(SYS_newfstatat, null_fd, buf, &st, AT_EMPTY_PATH) == 0 &&
	       S_ISREG(st.st_mode);
}

static int k_statx_empty(void)
{
	struct statx stx;

	return syscall(SYS_statx, null_fd, buf, AT_EMPTY_PATH, STATX_TYPE,
		       &stx) == 0 &&
	       S_ISREG(stx.stx_mode);
}

/* readlinkat(fd, "") of a descriptor that is no symlink: ENOENT. */
static int k_readlink_empty(void)
{
	char t[256];

	return syscall(SYS_readlinkat, null_fd, buf, t, sizeof(t)) >= 0;
}

static const struct kind {
	const char *name;
	int (*call)(void);
	int target; /* 0: FILE, 1: LINK, 2: DIR, 3: DIR/new, 4: DIR/victim */
	const char *other;
} kinds[] = {
    {"open", k_open, 0, "/dev/null"},
    {"openat_rdwr", k_openat_rdwr, 0, "/dev/null"},
    {"stat", k_stat, 0, "/dev/null"},
    {"lstat", k_lstat, 0, "/dev/null"},
    {"statx", k_statx, 0, "/dev/null"},
    {"access", k_access, 0, NONE},
    {"readlink", k_readlink, 1, NONE},
    {"statfs", k_statfs, 0, NONE},
    {"getxattr", k_getxattr, 0, NONE},
    {"listxattr", k_listxattr, 0, NONE},
    {"chdir", k_chdir, 2, NONE},
    {"inotify", k_inotify, 0, NONE},
    {"fstat_empty", k_fstat_empty, 0, ""},
    {"statx_empty", k_statx_empty, 0, ""},
    {"readlink_empty", k_readlink_empty, 1, ""},
    {"mkdir", k_mkdir, 3, NONE "/d"},
    {"unlink", k_unlink, 4, NONE},
};

int main(int argc, char **argv)
{
	static char in_dir[2][4096];
	const char *target[5];
	pthread_t t;
	long total = 0;
	int n;

	if (argc != 5)
		return 2;
	snprintf(in_dir[0], sizeof(in_dir[0]), "%s/new", argv[3]);
	snprintf(in_dir[1], sizeof(in_dir[1]), "%s/victim", argv[3]);
	target[0] = argv[1], target[1] = argv[2], target[2] = argv[3];
	target[3] = in_dir[0], target[4] = in_dir[1];
	n = atoi(argv[4]);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ino_fd = inotify_init1(IN_CLOEXEC);
	if (null_fd < 0 || ino_fd < 0 || chdir("/") != 0)
		return 2;
	if (pthread_create(&t, NULL, flipper, NULL))
		return 2;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		long leaks = 0;

		flip_a = kinds[k].other;
		flip_b = target[kinds[k].target];
		strcpy(buf, flip_a);
		flipping = 1;
		for (int i = 0; i < n; i++)
			leaks += kinds[k].call();
		flipping = 0;
		printf("%s: %ld\n", kinds[k].name, leaks);
		total += leaks;
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("leaks: %ld\n", total);
	return total ? 1 : 0;
}
