// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_maps.c - a process's own /proc/TGID/maps with virtual paths.
 *
 * The kernel names a mapped package or overlay file by its real path
 * under $APPV_HOME (the content cache, the upper layer), which the program
 * cannot open: the view hides $APPV_HOME.  Programs that find their files
 * from their mappings (sanitizer symbolizers, "where am I" helpers) would
 * fail, and so would tools that read another process's maps (lsof, fuser,
 * gdb's "info proc mappings").  An open for reading of the maps of a
 * process of the session (/proc/self/maps, /proc/thread-self/maps, by
 * number, another process's) is answered with a copy whose paths are the
 * virtual ones (vfs_reverse), as a read-only memfd: a snapshot taken at
 * the open, where the kernel's file is made anew at each read from its
 * start.  A maps file with nothing to rename, and one of a process
 * outside the session (which Landlock keeps the caller from reading; the
 * supervisor could), is left to the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/path.h"
#include "../common/sys.h"
#include "supervisor_internal.h"

#define MAPS_MAX (64u << 20) /* a bigger maps file is left to the kernel */

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > MAPS_MAX)
			return -EFBIG;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p, b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

#define CHAIN_MAX 4096 /* ancestors walked to find appv */

bool sup_in_session(pid_t tgid)
{
	long me = (long)getpid(), p = tgid;

	for (int i = 0; i < CHAIN_MAX && p > 1 && p != me; i++) {
		if (target_status_field((pid_t)p, "PPid", 10, &p) < 0)
			return false;
		if (p == me)
			return true;
	}
	return false;
}

bool sup_may_read_proc(struct appv_sc_call *c, long tgid)
{
	struct vfs_cred *cred = sup_cred(c);
	char path[64];
	struct stat st;

	if (vfs_cred_get(cred) < 0)
		return false;
	if (cred->cap_eff & (1ull << CAP_SYS_PTRACE))
		return true;
	snprintf(path, sizeof(path), "/proc/%ld", tgid);
	return stat(path, &st) == 0 && st.st_uid == cred->fsuid;
}

long sup_proc_num(const char *s, const char **end)
{
	size_t len = strspn(s, "0123456789");
	long v = 0;

	if (!len || (len > 1 && *s == '0') || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (s[i] - '0');
	*end = s + len;
	return v > INT_MAX ? -1 : v;
}

const char *sup_proc_pid_rest(const char *abs, long *pid, long *tid)
{
	const char *end;

	if (strncmp(abs, "/proc/", 6) ||
	    (*pid = sup_proc_num(abs + 6, &end)) < 0)
		return NULL;
	*tid = -1;
	if (!strncmp(end, "/task/", 6) &&
	    (*tid = sup_proc_num(end + 6, &end)) < 0)
		return NULL;
	return end;
}

/* Whether @abs is /proc/TGID/maps or /proc/TGID/task/TID/maps of a
 * process of the session (/proc/self is the caller's TGID by now) that
 * the caller may read. */
static bool session_maps_path(struct appv_sc_call *c, const char *abs)
{
	long tgid, tid;
	const char *rest = sup_proc_pid_rest(abs, &tgid, &tid);

	if (!rest || strcmp(rest, "/maps"))
		return false;
	return tgid == (long)target_tgid(c) ||
	       (sup_in_session((pid_t)tgid) && sup_may_read_proc(c, tgid));
}

static int read_all(const char *path, struct buf *b)
{
	char chunk[16384];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		r = buf_put(b, chunk, (size_t)n);
		if (r < 0)
			break;
	}
	if (n < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Where a maps line's path starts (after five fields and the padding),
 * or NULL when it names no file. */
static const char *line_path(const char *line, const char *eol)
{
	const char *s = line;

	for (int f = 0; f < 5; f++) {
		while (s < eol && *s != ' ')
			s++;
		while (s < eol && *s == ' ')
			s++;
	}
	return s < eol && *s == '/' ? s : NULL;
}

/* Append @line (to @eol, without the newline) to @out with its path
 * made virtual; *@changed set when it was. */
static int put_line(const struct vfs *vfs, const char *line, const char *eol,
		    struct buf *out, bool *changed)
{
	const char *path = line_path(line, eol);
	char real[PATH_MAX], virt[PATH_MAX];
	size_t n, all;
	int r;

	if (!path || (size_t)(eol - path) >= sizeof(real))
		return buf_put(out, line, (size_t)(eol - line));
	all = (size_t)(eol - path);
	n = appv_path_undeleted(path, all);
	memcpy(real, path, n);
	real[n] = '\0';
	if (vfs_reverse(vfs, real, virt, sizeof(virt)) < 0 ||
	    !strcmp(real, virt))
		return buf_put(out, line, (size_t)(eol - line));
	*changed = true;
	r = buf_put(out, line, (size_t)(path - line));
	if (r == 0)
		r = buf_put(out, virt, strlen(virt));
	if (r == 0 && n != all)
		r = buf_put(out, APPV_DELETED, all - n);
	return r;
}

/* @in rewritten into @out: 1 when a path changed, 0 when none, -errno. */
static int rewrite(const struct vfs *vfs, const struct buf *in, struct buf *out)
{
	const char *s = in->p, *end = in->p + in->len;
	bool changed = false;
	int r = 0;

	while (s < end && r == 0) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));

		if (!eol)
			eol = end;
		r = put_line(vfs, s, eol, out, &changed);
		if (r == 0 && eol < end)
			r = buf_put(out, "\n", 1);
		s = eol + 1;
	}
	return r < 0 ? r : changed;
}

/* A read-only descriptor holding @b (a memfd reopened O_RDONLY). */
static int memfd_of(const struct buf *b)
{
	char self[64];
	int mfd = memfd_create("maps", MFD_CLOEXEC), fd;

	if (mfd < 0)
		return -errno;
	fd = appv_write_full(mfd, b->p, b->len);
	if (fd < 0) {
		close(mfd);
		return fd;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", mfd);
	fd = open(self, O_RDONLY | O_CLOEXEC);
	fd = fd < 0 ? -errno : fd;
	close(mfd);
	return fd;
}

long sys_open_session_maps(struct appv_sc_call *c, int flags, uint64_t resolve,
			   const char *abs)
{
	struct buf in = { 0 }, out = { 0 };
	int r, fd;

	if ((flags & (O_ACCMODE | O_PATH | O_CREAT | O_TRUNC | O_DIRECTORY |
		      __O_TMPFILE)) != O_RDONLY ||
	    resolve || !session_maps_path(c, abs))
		return 0;
	r = read_all(abs, &in);
	if (r == 0)
		r = rewrite(c->s->vfs, &in, &out);
	free(in.p);
	if (r <= 0) { /* nothing to rename, or unreadable: the kernel's */
		free(out.p);
		return 0;
	}
	fd = memfd_of(&out);
	free(out.p);
	if (fd < 0)
		return 0; /* no copy here: the kernel's file */
	r = target_addfd(c, fd, flags & O_CLOEXEC, true);
	close(fd);
	return r < 0 ? r : 1;
}
