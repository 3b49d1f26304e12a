/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * shared_file_static - damages a file through the shim trampoline stub
 * (raw_stub.h), whose calls the fast mode's filter exempts: what a hostile
 * program can do to the overlay's shared files beside its upper directory
 * (vfs/README.md), which the supervisors and the other sessions' shims map.
 *
 *   shared_file_static trunc LEN PATH...   truncate(2) each PATH to LEN
 *   shared_file_static fill BYTE PATH...   write BYTE over each whole file
 *   shared_file_static rdlock SECS PATH    hold a read lock (F_OFD_SETLK) of
 *                                          PATH for SECS seconds
 *   shared_file_static chmod MODE PATH...  chmod(2) each PATH to octal MODE
 *   shared_file_static flags FL PATH...    set each PATH's inode flags to FL
 *                                          (FS_IOC_SETFLAGS, as chattr)
 *
 * Prints "OP PATH: ok" or "OP PATH: errno N (TEXT)" per PATH.  And the
 * victim's side, through libc (supervised: the program is static):
 *
 *   shared_file_static work DIR GO         once GO exists (10 s at most),
 *                                          makes, renames, stats and removes
 *                                          names below DIR 20 times: "work:
 *                                          ok" or "work: OP PATH: TEXT"
 *   shared_file_static late DIR GO GO2     once GO exists, makes and removes
 *                                          DIR/d; once GO2 exists, makes
 *                                          DIR/new: "late: ok" or as work
 *
 * Exit status 0 (work: 1 when a call failed), or 2 on a set-up or usage
 * error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include "raw_stub.h"

static int failed(const char *op, const char *path)
{
	printf("work: %s %s: %s\n", op, path, strerror(errno));
	return 1;
}

static int work(const char *dir, const char *go)
{
	struct timespec tick = {0, 20 * 1000 * 1000};
	char d[4096], f[4200], g[4200];
	struct stat st;
	int fd;

	for (int i = 0; i < 500 && stat(go, &st) < 0; i++)
		nanosleep(&tick, NULL);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return failed("mkdir", dir);
	for (int i = 0; i < 20; i++) {
		snprintf(d, sizeof(d), "%s/d%d", dir, i);
		snprintf(f, sizeof(f), "%s/f", d);
		snprintf(g, sizeof(g), "%s/g", d);
		if (mkdir(d, 0755) < 0)
			return failed("mkdir", d);
		fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, "x\n", 2) != 2 || close(fd) < 0)
			return failed("create", f);
		if (rename(f, g) < 0)
			return failed("rename", f);
		if (stat(g, &st) < 0 || st.st_size != 2)
			return failed("stat", g);
		if (unlink(g) < 0)
			return failed("unlink", g);
		if (rmdir(d) < 0)
			return failed("rmdir", d);
	}
	printf("work: ok\n");
	return 0;
}

static void wait_for(const char *path)
{
	struct timespec tick = {0, 20 * 1000 * 1000};
	struct stat st;

	for (int i = 0; i < 500 && stat(path, &st) < 0; i++)
		nanosleep(&tick, NULL);
}

/* A change made after the truncation: other sessions must see it. */
static int late(const char *dir, const char *go, const char *go2)
{
	char d[4200];
	int fd;

	wait_for(go);
	snprintf(d, sizeof(d), "%s/d", dir);
	if (mkdir(d, 0755) < 0 || rmdir(d) < 0)
		return failed("mkdir", d);
	wait_for(go2);
	snprintf(d, sizeof(d), "%s/new", dir);
	fd = open(d, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || close(fd) < 0)
		return failed("create", d);
	printf("late: ok\n");
	return 0;
}

static long fill(stub_fn stub, const char *path, int byte)
{
	char buf[4096];
	struct stat st;
	long fd = stub(SYS_openat, AT_FDCWD, (long)path, O_WRONLY | O_CLOEXEC,
		       0, 0),
	     r = 0;

	if (fd < 0)
		return fd;
	r = stub(SYS_fstat, fd, (long)&st, 0, 0, 0);
	memset(buf, byte, sizeof(buf));
	for (off_t off = 0; r >= 0 && off < st.st_size; off += r)
		r = stub(SYS_pwrite64, fd, (long)buf,
			 st.st_size - off < (off_t)sizeof(buf)
			     ? (long)(st.st_size - off)
			     : (long)sizeof(buf),
			 off, 0);
	stub(SYS_close, fd, 0, 0, 0, 0);
	return r < 0 ? r : 0;
}

/* chattr through the stub: FS_IOC_SETFLAGS on a read-only descriptor. */
static long set_flags(stub_fn stub, const char *path, int flags)
{
	long fd = stub(SYS_openat, AT_FDCWD, (long)path,
		       O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0, 0),
	     r;

	if (fd < 0)
		return fd;
	r = stub(SYS_ioctl, fd, FS_IOC_SETFLAGS, (long)&flags, 0, 0);
	stub(SYS_close, fd, 0, 0, 0, 0);
	return r;
}

/* An open file description read lock of the whole of @path, held for
 * @secs seconds (the overlay's moves lock: vfs/layer_upper.c). */
static long rdlock(stub_fn stub, const char *path, int secs)
{
	struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
	long fd = stub(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0, 0), r;

	if (fd < 0)
		return fd;
	r = stub(SYS_fcntl, fd, F_OFD_SETLK, (long)&fl, 0, 0);
	if (r < 0)
		return r;
	printf("%s %s: held\n", "rdlock", path);
	fflush(stdout);
	sleep((unsigned int)secs);
	return 0;
}

int main(int argc, char **argv)
{
	stub_fn stub;
	long r;

	if (argc == 4 && !strcmp(argv[1], "work"))
		return work(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "late"))
		return late(argv[2], argv[3], argv[4]);
	if (argc < 4 ||
	    (strcmp(argv[1], "trunc") && strcmp(argv[1], "fill") &&
	     strcmp(argv[1], "rdlock") && strcmp(argv[1], "chmod") &&
	     strcmp(argv[1], "flags"))) {
		fprintf(stderr, "usage: shared_file_static "
				"trunc|fill|rdlock|chmod|flags N PATH...\n"
				"       shared_file_static work DIR GO\n"
				"       shared_file_static late DIR GO GO2\n");
		return 2;
	}
	stub = map_stub();
	if (!stub)
		return 2;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[1], "trunc"))
			r = stub(SYS_truncate, (long)argv[i], atol(argv[2]), 0,
				 0, 0);
		else if (!strcmp(argv[1], "rdlock"))
			r = rdlock(stub, argv[i], atoi(argv[2]));
		else if (!strcmp(argv[1], "chmod"))
			r = stub(SYS_fchmodat, AT_FDCWD, (long)argv[i],
				 strtol(argv[2], NULL, 8), 0, 0);
		else if (!strcmp(argv[1], "flags"))
			r = set_flags(stub, argv[i],
				      (int)strtol(argv[2], NULL, 0));
		else
			r = fill(stub, argv[i], (int)strtol(argv[2], NULL, 0));
		if (r < 0)
			printf("%s %s: errno %ld (%s)\n", argv[1], argv[i], -r,
			       strerror((int)-r));
		else
			printf("%s %s: ok\n", argv[1], argv[i]);
	}
	return 0;
}
