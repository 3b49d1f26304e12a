// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_modify.c - calls that change the name space: mkdir, mknod,
 * unlink/rmdir, rename, symlink, link.  Each resolves with the matching
 * intent, makes the entry writable (extraction, copy-up, upper parent
 * directories) and performs the call in the supervisor on the real path,
 * with the target's umask for creations.  Nothing on the host is touched
 * except through vfs results (the upper layer, or paths the user shared).
 *
 * Known limit (issue 3 brings whiteouts): removing or renaming an entry
 * that exists in a lower layer (package or host) is refused: unlink/rmdir
 * with EROFS, rename with EXDEV (mv then falls back to copy + unlink).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../common/path.h"
#include "../common/sys.h"
#include "supervisor_internal.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif

/* Resolve the final entry of a creation: it must not exist. */
static int resolve_new(struct appv_sc_call *c, int dirfd_arg, int path_arg,
		       struct sup_path *p)
{
	int r = sup_resolve_arg(c, dirfd_arg, path_arg, VFS_INTENT_CREATE,
				VFS_F_NOFOLLOW, p);

	if (r)
		return r;
	return p->res.layer != VFS_LAYER_NONE ? -EEXIST : 0;
}

/* ... and prepare its upper parent directories. */
static int resolve_create(struct appv_sc_call *c, int dirfd_arg, int path_arg,
			  struct sup_path *p)
{
	int r = resolve_new(c, dirfd_arg, path_arg, p);

	return r ? r : sup_make_writable(c, &p->res);
}

long sys_mkdir(struct appv_sc_call *c)
{
	bool at = c->req->data.nr == SYS_mkdirat;
	mode_t mode = (mode_t)c->args[at ? 2 : 1], um;
	struct sup_path p;
	int r = resolve_create(c, at ? 0 : -1, at ? 1 : 0, &p);

	if (r == 1)
		return SUP_CONTINUE; /* share rule on /proc, /dev: the kernel's
					own */
	if (r < 0)
		return r;
	um = sup_umask_enter(c);
	r = mkdir(p.res.real, mode & 07777) ? -errno : 0;
	sup_umask_leave(um);
	return r;
}

long sys_mknod(struct appv_sc_call *c)
{
	bool at = c->req->data.nr == SYS_mknodat;
	mode_t mode = (mode_t)c->args[at ? 2 : 1], um;
	dev_t dev = (dev_t)c->args[at ? 3 : 2];
	struct sup_path p;
	int r = resolve_create(c, at ? 0 : -1, at ? 1 : 0, &p);

	if (r == 1)
		return SUP_CONTINUE; /* share rule on /proc, /dev: the kernel's
					own */
	if (r < 0)
		return r;
	um = sup_umask_enter(c);
	r = mknod(p.res.real, mode, dev) ? -errno : 0;
	sup_umask_leave(um);
	return r;
}

/* May the entry be removed or renamed away without a whiteout? */
static int removable(struct appv_sc_call *c, const struct sup_path *p, int err)
{
	if (p->res.rule == VFS_RULE_SHARE && p->res.layer == VFS_LAYER_HOST)
		return 0;
	if (p->res.layer == VFS_LAYER_UPPER &&
	    !sup_lower_exists(c, p->res.vpath, p->res.rule))
		return 0;
	return err;
}

long sys_unlink(struct appv_sc_call *c)
{
	int nr = c->req->data.nr, flags = 0, r;
	struct sup_path p;

	if (nr == SYS_rmdir)
		flags = AT_REMOVEDIR;
	if (nr == SYS_unlinkat) {
		flags = (int)c->args[2];
		if (flags & ~AT_REMOVEDIR)
			return -EINVAL;
	}
	r = sup_resolve_arg(c, nr == SYS_unlinkat ? 0 : -1,
			    nr == SYS_unlinkat ? 1 : 0, VFS_INTENT_DELETE,
			    VFS_F_NOFOLLOW, &p);
	if (r == 1)
		return SUP_CONTINUE; /* share rule on /proc, /dev: the kernel's
					own */
	if (r < 0)
		return r;
	if (!(flags & AT_REMOVEDIR) && S_ISDIR(p.res.mode))
		return -EISDIR;
	if ((flags & AT_REMOVEDIR) && !S_ISDIR(p.res.mode))
		return -ENOTDIR;
	r = removable(c, &p, -EROFS);
	if (r < 0)
		return r;
	return unlinkat(AT_FDCWD, p.res.real, flags) ? -errno : 0;
}

/* Old and new must live in the same writable place: the upper layer, or
 * both on a shared host path. */
static bool same_domain(const struct sup_path *a, const struct sup_path *b)
{
	return (a->res.rule == VFS_RULE_SHARE) ==
	       (b->res.rule == VFS_RULE_SHARE);
}

long sys_rename(struct appv_sc_call *c)
{
	int nr = c->req->data.nr, r;
	unsigned int flags = nr == SYS_renameat2 ? (unsigned int)c->args[4] : 0;
	bool at = nr != SYS_rename;
	struct sup_path o, n;

	r = sup_resolve_arg(c, at ? 0 : -1, at ? 1 : 0, VFS_INTENT_DELETE,
			    VFS_F_NOFOLLOW, &o);
	if (r < 0)
		return r;
	if (r == 1)
		return -EXDEV; /* /proc, /dev: nothing to rename there */
	r = sup_resolve_arg(c, at ? 2 : -1, at ? 3 : 1, VFS_INTENT_CREATE,
			    VFS_F_NOFOLLOW, &n);
	if (r < 0)
		return r;
	if (r == 1)
		return -EXDEV;
	r = removable(c, &o, -EXDEV);
	if (r < 0)
		return r;
	if (n.res.layer != VFS_LAYER_NONE && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (flags & RENAME_EXCHANGE) {
		if (n.res.layer == VFS_LAYER_NONE)
			return -ENOENT;
		r = removable(c, &n, -EXDEV);
		if (r < 0)
			return r;
	}
	if (!same_domain(&o, &n))
		return -EXDEV;
	r = sup_make_writable(c, &n.res);
	if (r < 0)
		return r;
	return renameat2(AT_FDCWD, o.res.real, AT_FDCWD, n.res.real, flags)
		   ? -errno
		   : 0;
}

long sys_symlink(struct appv_sc_call *c)
{
	bool at = c->req->data.nr == SYS_symlinkat;
	char target[PATH_MAX];
	struct sup_path p;
	int r;

	r = target_read_path(c, c->args[0], target, sizeof(target));
	if (r < 0)
		return r;
	if (!target[0])
		return -ENOENT;
	r = resolve_create(c, at ? 1 : -1, at ? 2 : 1, &p);
	if (r == 1)
		return SUP_CONTINUE; /* share rule on /proc, /dev: the kernel's
					own */
	if (r < 0)
		return r;
	/* The target string is stored as given: an absolute target means the
	 * virtual tree when it is followed later. */
	return symlink(target, p.res.real) ? -errno : 0;
}

static bool in_upper(struct appv_sc_call *c, const char *real)
{
	const struct vfs_config *cfg = vfs_get_config(c->s->vfs);

	return appv_path_has_prefix(real, cfg->upper);
}

/* linkat(fd, "", ..., AT_EMPTY_PATH) and linkat of /proc/PID/fd/N (the
 * O_TMPFILE idiom): only an inode of the upper layer may get a new name,
 * never a host file (writes through the new name would reach the host). */
static long link_fd(struct appv_sc_call *c, int fd, struct sup_path *n)
{
	char lnk[64], real[PATH_MAX];
	ssize_t len;
	int tfd, r;

	snprintf(lnk, sizeof(lnk), "/proc/%d/fd/%d", (int)c->tid, fd);
	len = readlink(lnk, real, sizeof(real) - 1);
	if (len < 0)
		return -EBADF;
	real[len] = '\0';
	if (!in_upper(c, real) || n->res.rule == VFS_RULE_SHARE)
		return -EXDEV;
	tfd = target_getfd(c, fd);
	if (tfd < 0)
		return tfd;
	r = linkat(tfd, "", AT_FDCWD, n->res.real, AT_EMPTY_PATH) ? -errno : 0;
	close(tfd);
	return r;
}

static int proc_fd_number(const char *abs)
{
	const char *s = strstr(abs, "/fd/");
	int fd = 0;

	if (!sup_is_proc_path(abs) || !s || !s[4])
		return -1;
	for (s += 4; *s; s++) {
		if (*s < '0' || *s > '9' || fd > 1 << 20)
			return -1;
		fd = fd * 10 + (*s - '0');
	}
	return fd;
}

long sys_link(struct appv_sc_call *c)
{
	bool at = c->req->data.nr == SYS_linkat;
	int flags = at ? (int)c->args[4] : 0, ro, rn, fd;
	struct sup_path o, n;
	char b = 1;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	rn = resolve_new(c, at ? 2 : -1, at ? 3 : 1, &n);
	if (rn < 0)
		return rn;
	if (rn == 1)
		return -EXDEV;
	rn = sup_make_writable(c, &n.res);
	if (rn < 0)
		return rn;
	if ((flags & AT_EMPTY_PATH) && target_read(c, c->args[1], &b, 1) == 0 &&
	    !b)
		return link_fd(c, (int)c->args[0], &n);
	ro =
	    sup_resolve_arg(c, at ? 0 : -1, at ? 1 : 0, VFS_INTENT_WRITE,
			    flags & AT_SYMLINK_FOLLOW ? 0 : VFS_F_NOFOLLOW, &o);
	if (ro == 1) {
		fd = proc_fd_number(o.abs);
		if (fd < 0 || !(flags & AT_SYMLINK_FOLLOW))
			return -EXDEV;
		return link_fd(c, fd, &n);
	}
	if (ro < 0)
		return ro;
	if (S_ISDIR(o.res.mode))
		return -EPERM;
	if (!same_domain(&o, &n))
		return -EXDEV;
	ro = sup_make_writable(c, &o.res);
	if (ro < 0)
		return ro;
	if (o.res.rule != VFS_RULE_SHARE && !in_upper(c, o.res.real))
		return -EXDEV;
	return linkat(AT_FDCWD, o.res.real, AT_FDCWD, n.res.real, 0) ? -errno
								     : 0;
}
