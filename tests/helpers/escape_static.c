/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * escape_static - tries to modify host files from inside the sandbox by
 * every path trick a program has, for the end-to-end tests.  The same
 * source is built dynamically by escape.c.
 *
 *   escape_static HOSTDIR
 *
 * HOSTDIR must hold the regular files dotdot.txt symlink.txt hardlink.txt
 * rename.txt rename2.txt procroot.txt proccwd.txt dirfd.txt opath.txt
 * opathdir.txt.  Each attempt appends "escaped\n" to one of them (or
 * replaces it) and prints one line:
 *
 *   NAME: wrote, reads back: yes|no   the write succeeded (in writecopy
 *                                     mode it must have gone to the overlay)
 *   NAME: errno N (TEXT)              the attempt was refused
 *
 * and "escape: done N attempts" at the end.  The caller hashes HOSTDIR
 * before and after: no attempt may change it.  Exit status 0 unless the
 * set-up failed (2).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MARK "escaped\n"
/* host paths are short (checked in main), so relative walks to them fit */
#define HPATH (PATH_MAX / 2)

static const char *hostdir;
static int attempts;

static void path_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", hostdir, name);
}

static int refused(const char *name, int e)
{
	printf("%s: errno %d (%s)\n", name, e, strerror(e));
	return 0;
}

/* Does PATH (as the program sees it) now contain MARK? */
static const char *reads_back(const char *path)
{
	char buf[256];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return "no";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return "no";
	buf[n] = '\0';
	return strstr(buf, MARK) ? "yes" : "no";
}

/* Append MARK through FD (closed here) and report, reading back CHECK. */
static int append_fd(const char *name, int fd, const char *check)
{
	attempts++;
	if (fd < 0)
		return refused(name, errno);
	if (write(fd, MARK, strlen(MARK)) != (ssize_t)strlen(MARK)) {
		int e = errno;

		close(fd);
		return refused(name, e);
	}
	close(fd);
	printf("%s: wrote, reads back: %s\n", name, reads_back(check));
	return 0;
}

static int append_at(const char *name, int dirfd, const char *path,
		     const char *check)
{
	int fd = openat(dirfd, path, O_WRONLY | O_APPEND | O_CLOEXEC);

	return append_fd(name, fd, check);
}

/* ../ walks: from HOSTDIR up far past / and back down to the file. */
static void try_dotdot(void)
{
	char rel[PATH_MAX], abs[HPATH];

	path_of(abs, sizeof(abs), "dotdot.txt");
	snprintf(rel, sizeof(rel), "../../../../../../../../../../../..%s", abs);
	if (chdir(hostdir) < 0)
		return (void)refused("dotdot-chdir", errno);
	append_at("dotdot", AT_FDCWD, rel, abs);
	snprintf(rel, sizeof(rel), "/../../..%s", abs);
	append_at("dotdot-abs", AT_FDCWD, rel, abs);
}

/* A symlink created in the sandbox that points at a host file. */
static void try_symlink(void)
{
	char target[HPATH], link[HPATH], rel[PATH_MAX];

	path_of(target, sizeof(target), "symlink.txt");
	path_of(link, sizeof(link), "newlink");
	if (symlink(target, link) < 0)
		return (void)refused("symlink", errno);
	append_at("symlink", AT_FDCWD, link, target);
	/* a relative target climbing above / from a package-free dir */
	snprintf(rel, sizeof(rel), "../../../../../../../../..%s", target);
	path_of(link, sizeof(link), "newlink-rel");
	if (symlink(rel, link) < 0)
		return (void)refused("symlink-rel", errno);
	append_at("symlink-rel", AT_FDCWD, link, target);
}

/* A hard link to a host file, then a write through the link. */
static void try_hardlink(void)
{
	char target[HPATH], lnk[HPATH];

	path_of(target, sizeof(target), "hardlink.txt");
	path_of(lnk, sizeof(lnk), "newhard");
	attempts++;
	if (link(target, lnk) < 0)
		return (void)refused("hardlink", errno);
	attempts--;
	append_at("hardlink", AT_FDCWD, lnk, target);
}

/* Rename a file made in the sandbox over a host file and to a new host
 * name; rename a host file away. */
static void try_rename(void)
{
	char tmp[HPATH], dst[HPATH];
	int fd;

	snprintf(tmp, sizeof(tmp), "/tmp/appv-escape-%d", (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, MARK, strlen(MARK)) < 0)
		return (void)refused("rename-create", errno);
	close(fd);
	path_of(dst, sizeof(dst), "rename.txt");
	attempts++;
	if (rename(tmp, dst) < 0)
		refused("rename-over", errno);
	else
		printf("rename-over: wrote, reads back: %s\n", reads_back(dst));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	path_of(dst, sizeof(dst), "renamed-new");
	attempts++;
	if (rename(tmp, dst) < 0)
		refused("rename-new", errno);
	else
		printf("rename-new: wrote, reads back: yes\n");
	path_of(dst, sizeof(dst), "rename2.txt");
	attempts++;
	if (rename(dst, tmp) < 0)
		refused("rename-away", errno);
	else
		printf("rename-away: wrote, reads back: yes\n");
}

static void try_proc(void)
{
	char p[PATH_MAX], abs[HPATH];

	path_of(abs, sizeof(abs), "procroot.txt");
	snprintf(p, sizeof(p), "/proc/self/root%s", abs);
	append_at("procroot", AT_FDCWD, p, abs);
	snprintf(p, sizeof(p), "/proc/%d/root%s", (int)getpid(), abs);
	append_at("procroot-pid", AT_FDCWD, p, abs);
	path_of(abs, sizeof(abs), "proccwd.txt");
	if (chdir(hostdir) < 0)
		return (void)refused("proccwd-chdir", errno);
	append_at("proccwd", AT_FDCWD, "/proc/self/cwd/proccwd.txt", abs);
	append_at("proccwd-thread", AT_FDCWD,
		  "/proc/thread-self/cwd/proccwd.txt", abs);
}

/* A directory descriptor opened before a chdir elsewhere. */
static void try_dirfd(void)
{
	char abs[HPATH], rel[PATH_MAX];
	int dfd = open(hostdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	path_of(abs, sizeof(abs), "dirfd.txt");
	if (dfd < 0 || chdir("/") < 0)
		return (void)refused("dirfd-open", errno);
	append_at("dirfd", dfd, "dirfd.txt", abs);
	snprintf(rel, sizeof(rel), "../../../../../../../../../..%s", abs);
	append_at("dirfd-dotdot", dfd, rel, abs);
	if (fchdir(dfd) < 0)
		refused("dirfd-fchdir", errno);
	else
		append_at("dirfd-fchdir", AT_FDCWD, "dirfd.txt", abs);
	attempts++;
	if (unlinkat(dfd, "dirfd.txt", 0) < 0)
		refused("dirfd-unlink", errno);
	else
		printf("dirfd-unlink: wrote, reads back: %s\n",
		       access(abs, F_OK) ? "yes" : "no");
	close(dfd);
}

/* O_PATH descriptors re-opened for writing through /proc/self/fd. */
static void try_opath(void)
{
	char abs[HPATH], p[64];
	int fd;

	path_of(abs, sizeof(abs), "opath.txt");
	fd = open(abs, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return (void)refused("opath-open", errno);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	append_at("opath-reopen", AT_FDCWD, p, abs);
	close(fd);
	path_of(abs, sizeof(abs), "opathdir.txt");
	fd = open(hostdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return (void)refused("opathdir-open", errno);
	append_at("opathdir-at", fd, "opathdir.txt", abs);
	snprintf(p, sizeof(p), "/proc/self/fd/%d/opathdir.txt", fd);
	append_at("opathdir-proc", AT_FDCWD, p, abs);
	close(fd);
}

int main(int argc, char **argv)
{
	struct stat st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2 || strlen(argv[1]) > HPATH - 64 || stat(argv[1], &st) < 0 ||
	    !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "usage: %s HOSTDIR\n", argv[0]);
		return 2;
	}
	hostdir = argv[1];
	try_dotdot();
	try_symlink();
	try_hardlink();
	try_rename();
	try_proc();
	try_dirfd();
	try_opath();
	printf("escape: done %d attempts\n", attempts);
	return 0;
}
