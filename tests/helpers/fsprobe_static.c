/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * fsprobe_static - a statically linked probe for the end-to-end tests.
 * Runs the operations given on the command line, in order, and prints one
 * line per result:
 *
 *   cat:PATH           "cat PATH: <content, newlines as \n>"
 *   stat:PATH          "stat PATH: type=reg|dir|lnk|other size=N mode=OOOO"
 *   lstat:PATH         same, without following a final symlink
 *   readlink:PATH      "readlink PATH: TARGET"
 *   ls:PATH            "ls PATH: a b c" (sorted, without . and ..)
 *   inos:PATH          "inos PATH: a b=BAD" (sorted): "=BAD" where readdir's
 *                      d_ino of the entry is not lstat's st_ino; the stream
 *                      made by open(O_DIRECTORY) and fdopendir, as fts
 *                      makes it
 *   write:PATH:TEXT    create/truncate PATH and write TEXT
 *   append:PATH:TEXT   append TEXT to an existing PATH
 *   mkdir:PATH         mkdir PATH 0755
 *   cd:PATH            chdir
 *   cwd                "cwd: <getcwd()>"
 *   exe                "exe: <readlink /proc/self/exe>"
 *   fdattr:PATH        open PATH read-only, then fchmod 0600, futimens
 *                      (mtime 1000000000) and linkat(fd, "", PATH.lnk,
 *                      AT_EMPTY_PATH) through the descriptor: one line per
 *                      call ("fchmod PATH: ok" ...)
 *   opath:PATH         a symlink through O_PATH | O_NOFOLLOW:
 *                      "opath PATH: type=lnk target=T lchmod=E" (fstat's
 *                      type, readlinkat(fd, "")'s text, the errno name
 *                      of glibc's fchmodat(AT_SYMLINK_NOFOLLOW), which
 *                      opens the link so, or "ok")
 *   nodump:PATH        open PATH read-only and set its nodump inode flag
 *                      (FS_IOC_SETFLAGS, chattr +d): "nodump PATH: ok";
 *                      then "flags PATH: nodump|-" as FS_IOC_GETFLAGS of
 *                      PATH opened again says
 *   exit:N             exit with status N now
 *
 * A failed operation prints "ERR op PATH: strerror (errno N)" and makes the
 * exit status 1; the following operations still run.  The same source is
 * built dynamically by fsprobe.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int status;

static int fail(const char *op, const char *path)
{
	int e = errno;

	printf("ERR %s %s: %s (errno %d)\n", op, path, strerror(e), e);
	status = 1;
	return -e;
}

static void put_escaped(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			fputs("\\n", stdout);
		else
			putchar(buf[i]);
	}
}

static int op_cat(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail("cat", path);
	printf("cat %s: ", path);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		put_escaped(buf, (size_t)n);
	putchar('\n');
	if (n < 0)
		fail("cat-read", path);
	close(fd);
	return 0;
}

static const char *type_name(mode_t m)
{
	if (S_ISREG(m))
		return "reg";
	if (S_ISDIR(m))
		return "dir";
	if (S_ISLNK(m))
		return "lnk";
	return "other";
}

static int op_stat(const char *path, int follow)
{
	struct stat st;
	int r = follow ? stat(path, &st) : lstat(path, &st);

	if (r < 0)
		return fail(follow ? "stat" : "lstat", path);
	printf("%s %s: type=%s size=%lld mode=%04o\n", follow ? "stat" : "lstat",
	       path, type_name(st.st_mode), (long long)st.st_size,
	       (unsigned int)(st.st_mode & 07777));
	return 0;
}

static int op_readlink(const char *op, const char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return fail(op, path);
	buf[n] = '\0';
	printf("%s %s: %s\n", op, path, buf);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ls:PATH, or with @inos inos:PATH (see the top of this file). */
static int op_ls(const char *path, int inos)
{
	const char *op = inos ? "inos" : "ls";
	char *names[4096], child[PATH_MAX];
	size_t n = 0;
	struct dirent *de;
	struct stat st;
	int fd = inos ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	DIR *d = inos ? (fd < 0 ? NULL : fdopendir(fd)) : opendir(path);

	if (!d)
		return fail(op, path);
	while ((de = readdir(d)) && n < sizeof(names) / sizeof(names[0])) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		if (inos)
			names[n++] = strdup(
			    lstat(child, &st) == 0 && st.st_ino == de->d_ino
				? de->d_name
				: strcat(strcpy(child, de->d_name), "=BAD"));
		else
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	printf("%s %s:", op, path);
	for (size_t i = 0; i < n; i++) {
		printf(" %s", names[i] ? names[i] : "?");
		free(names[i]);
	}
	putchar('\n');
	return 0;
}

static int op_write(const char *arg, int append)
{
	const char *op = append ? "append" : "write";
	char path[PATH_MAX];
	const char *sep = strchr(arg, ':');
	size_t len = sep ? (size_t)(sep - arg) : strlen(arg);
	int flags = O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_CREAT | O_TRUNC);
	int fd;

	if (len >= sizeof(path))
		len = sizeof(path) - 1;
	memcpy(path, arg, len);
	path[len] = '\0';
	fd = open(path, flags, 0644);
	if (fd < 0)
		return fail(op, path);
	if (sep && write(fd, sep + 1, strlen(sep + 1)) != (ssize_t)strlen(sep + 1))
		fail(op, path);
	else
		printf("%s %s: ok\n", op, path);
	close(fd);
	return 0;
}

/* Attribute changes and a new name through a read-only descriptor. */
static int op_fdattr(const char *path)
{
	struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
	char lnk[PATH_MAX];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail("fdattr", path);
	if (fchmod(fd, 0600) < 0)
		fail("fchmod", path);
	else
		printf("fchmod %s: ok\n", path);
	if (futimens(fd, ts) < 0)
		fail("futimens", path);
	else
		printf("futimens %s: ok\n", path);
	snprintf(lnk, sizeof(lnk), "%s.lnk", path);
	if (linkat(fd, "", AT_FDCWD, lnk, AT_EMPTY_PATH) < 0)
		fail("linkat", lnk);
	else
		printf("linkat %s: ok\n", lnk);
	close(fd);
	return 0;
}

/* A symlink's O_PATH descriptor, and lchmod as glibc emulates it. */
static int op_opath(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC), e;

	if (fd < 0)
		return fail("opath", path);
	if (fstat(fd, &st) < 0 ||
	    (n = readlinkat(fd, "", buf, sizeof(buf) - 1)) < 0) {
		close(fd);
		return fail("opath", path);
	}
	close(fd);
	buf[n] = '\0';
	e = fchmodat(AT_FDCWD, path, 0777, AT_SYMLINK_NOFOLLOW) < 0 ? errno : 0;
	printf("opath %s: type=%s target=%s lchmod=%s\n", path,
	       type_name(st.st_mode), buf,
	       e == EOPNOTSUPP ? "EOPNOTSUPP"
	       : e	       ? strerror(e)
			       : "ok");
	return 0;
}

/* chattr +d through a read-only descriptor, then lsattr of the path. */
static int op_nodump(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), fl;

	if (fd < 0)
		return fail("nodump", path);
	if (ioctl(fd, FS_IOC_GETFLAGS, &fl) < 0 ||
	    (fl |= FS_NODUMP_FL, ioctl(fd, FS_IOC_SETFLAGS, &fl) < 0))
		fail("nodump", path);
	else
		printf("nodump %s: ok\n", path);
	close(fd);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &fl) < 0)
		fail("flags", path);
	else
		printf("flags %s: %s\n", path,
		       fl & FS_NODUMP_FL ? "nodump" : "-");
	if (fd >= 0)
		close(fd);
	return 0;
}

static int run_op(const char *a)
{
	char buf[PATH_MAX];

	if (!strncmp(a, "cat:", 4))
		return op_cat(a + 4);
	if (!strncmp(a, "stat:", 5))
		return op_stat(a + 5, 1);
	if (!strncmp(a, "lstat:", 6))
		return op_stat(a + 6, 0);
	if (!strncmp(a, "readlink:", 9))
		return op_readlink("readlink", a + 9);
	if (!strncmp(a, "ls:", 3))
		return op_ls(a + 3, 0);
	if (!strncmp(a, "inos:", 5))
		return op_ls(a + 5, 1);
	if (!strncmp(a, "write:", 6))
		return op_write(a + 6, 0);
	if (!strncmp(a, "append:", 7))
		return op_write(a + 7, 1);
	if (!strncmp(a, "mkdir:", 6)) {
		if (mkdir(a + 6, 0755) < 0)
			return fail("mkdir", a + 6);
		printf("mkdir %s: ok\n", a + 6);
		return 0;
	}
	if (!strncmp(a, "cd:", 3)) {
		if (chdir(a + 3) < 0)
			return fail("cd", a + 3);
		printf("cd %s: ok\n", a + 3);
		return 0;
	}
	if (!strcmp(a, "cwd")) {
		if (!getcwd(buf, sizeof(buf)))
			return fail("cwd", ".");
		printf("cwd: %s\n", buf);
		return 0;
	}
	if (!strncmp(a, "fdattr:", 7))
		return op_fdattr(a + 7);
	if (!strncmp(a, "nodump:", 7))
		return op_nodump(a + 7);
	if (!strncmp(a, "opath:", 6))
		return op_opath(a + 6);
	if (!strcmp(a, "exe"))
		return op_readlink("exe", "/proc/self/exe");
	if (!strncmp(a, "exit:", 5)) {
		fflush(stdout);
		_exit((int)strtol(a + 5, NULL, 10));
	}
	printf("ERR unknown operation %s\n", a);
	status = 2;
	return -EINVAL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++)
		run_op(argv[i]);
	return status;
}
