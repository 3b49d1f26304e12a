// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_attr.c - calls that change an entry's attributes or data in
 * place: chmod, chown, truncate, the utime family, extended attributes.
 * Each resolves with VFS_INTENT_WRITE, copies the entry up (extracting an
 * image file first) and acts on the upper copy without following a final
 * symlink (the real path has its symlinks resolved already unless the app
 * asked not to follow, so a raced symlink is never followed).  The "operate
 * on the descriptor" forms (fchmod, fchown, futimens, fsetxattr,
 * fremovexattr, AT_EMPTY_PATH, a NULL utimensat path) are notified too: a
 * descriptor opened for reading may be a package or host file, which is
 * copied up instead of changed (sup_fd_target).  So are the ioctls that
 * change an inode's flags (chattr), project or generation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#include "../common/cleanup.h"
#include "../common/sys.h"
#include "supervisor_internal.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#define XATTR_SIZE_MAX_ 65536

enum { FD_EMPTY_PATH = 1, FD_ONLY = 2 };

/* The path argument is "" with AT_EMPTY_PATH (FD_EMPTY_PATH), or NULL
 * (FD_ONLY, with @null_ok): operate on the fd.  0: on the path. */
static int on_fd(struct appv_sc_call *c, int path_arg, int flags, bool null_ok)
{
	char b;
	int r;

	if (!c->args[path_arg])
		return null_ok ? FD_ONLY : -EFAULT;
	if (!(flags & AT_EMPTY_PATH))
		return 0;
	r = target_read(c, c->args[path_arg], &b, 1);
	if (r < 0)
		return r;
	return b == '\0' ? FD_EMPTY_PATH : 0;
}

/* Resolve for a change that needs @need (0: nothing; vfs_may_setattr,
 * checked before a copy-up makes the entry the caller's own) and make the
 * entry writable. */
static int resolve_write(struct appv_sc_call *c, int dirfd_arg, int path_arg,
			 bool nofollow, int need, struct sup_path *p)
{
	int r = sup_resolve_arg(c, dirfd_arg, path_arg, VFS_INTENT_WRITE,
				nofollow ? VFS_F_NOFOLLOW : 0, p);

	if (r)
		return r;
	if (need) {
		r = vfs_may_setattr(c->s->vfs, sup_cred(c), &p->res,
				    (enum vfs_attr_need)need);
		if (r < 0)
			return r;
	}
	return sup_make_writable(c, &p->res);
}

enum { ON_FD = 0, ON_PATH = 1, ON_OPATH = 2 };

/* An O_PATH descriptor of shared host file @p (sup_open_shared; a final
 * symlink left alone for @nofollow) into *@tfd (0), or -errno. */
static int share_target(const struct sup_path *p, bool nofollow, int *tfd)
{
	int flags = O_PATH | (nofollow && !p->trailing_slash ? O_NOFOLLOW : 0);

	*tfd = sup_open_shared(p->res.real, flags);
	return *tfd < 0 ? *tfd : 0;
}

/* Where an attribute call acts: ON_FD (*tfd, a duplicate of the target's
 * descriptor of an upper, shared or anonymous file), ON_OPATH (*tfd, an
 * O_PATH descriptor of what a share-rule path under /proc or /dev reaches
 * through its magic links, or the target's own O_PATH descriptor, which
 * the AT_EMPTY_PATH forms take, or a shared host file's: share_target),
 * ON_PATH (p->res.real: an upper copy), or -errno.  @fd_form: 0,
 * FD_EMPTY_PATH or FD_ONLY (on_fd). */
static int attr_target(struct appv_sc_call *c, int fd_form, int dirfd_arg,
		       int path_arg, bool nofollow, int need,
		       struct sup_path *p, int *tfd)
{
	int r;

	if (fd_form) {
		r = sup_fd_target(c, (int)c->args[0], need,
				  fd_form == FD_ONLY, tfd, p);
		if (r == ON_FD && (fcntl(*tfd, F_GETFL) & O_PATH))
			r = ON_OPATH;
		return r;
	}
	r = resolve_write(c, dirfd_arg, path_arg, nofollow, need, p);
	if (r == 1)
		r = sup_path_target(c, p, nofollow, need, tfd);
	else if (r == 0 && sup_share_host(p)) /* Landlock bounds no attribute */
		r = share_target(p, nofollow, tfd);
	else if (r == 0)
		r = ON_PATH;
	return r == 0 ? ON_OPATH : r;
}

/* One chmod by the supervisor: on descriptor @fd (an O_PATH one with
 * @opath), else on @path, whose type is @path_type's. */
struct chmod_op {
	int fd;
	bool opath;
	const char *path;
	mode_t path_type;
	mode_t mode;
};

/* chmod of what O_PATH descriptor @fd names without fchmodat2 (before
 * Linux 6.6), through its magic link, a symlink's refused as fchmodat2
 * refuses it with AT_SYMLINK_NOFOLLOW. */
static int chmod_opath(int fd, mode_t mode)
{
	char magic[32];
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -EOPNOTSUPP;
	snprintf(magic, sizeof(magic), "/proc/self/fd/%d", fd);
	return chmod(magic, mode) ? -errno : 0;
}

/* chmod of upper entry @path, not following a final symlink, without
 * fchmodat2: the application may have put a symlink to a host file in
 * its place since it was resolved. */
static int chmod_nofollow(const char *path, mode_t mode)
{
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = chmod_opath(fd, mode);
	close(fd);
	return r;
}

static int chmod_do(void *ctx)
{
	const struct chmod_op *op = ctx;
	int r;

	if (op->fd >= 0 && !op->opath)
		return fchmod(op->fd, op->mode) ? -errno : 0;
	if (op->fd >= 0) {
		r = (int)syscall(SYS_fchmodat2, op->fd, "", op->mode,
				 AT_EMPTY_PATH);
		if (r < 0 && errno == ENOSYS)
			return chmod_opath(op->fd, op->mode);
		return r < 0 ? -errno : 0;
	}
	r = (int)syscall(SYS_fchmodat2, AT_FDCWD, op->path, op->mode,
			 AT_SYMLINK_NOFOLLOW);
	if (r < 0 && errno == ENOSYS)
		return chmod_nofollow(op->path, op->mode);
	return r < 0 ? -errno : 0;
}

/* A directory's mode is changed under the overlay's grant lock: another
 * supervisor's temporary u+wx on it (vfs/layer_upper.c) must not be put
 * back over this change. */
static int chmod_run(struct appv_sc_call *c, struct chmod_op *op)
{
	struct stat st;
	bool dir;
	int r;

	if (op->fd >= 0)
		dir = !fstat(op->fd, &st) && S_ISDIR(st.st_mode);
	else
		dir = S_ISDIR(op->path_type);
	if (!dir)
		return chmod_do(op);
	r = vfs_upper_locked(c->s->vfs, chmod_do, op);
	/* Upper directories' modes are cached by the shims (upper_dirs.c). */
	vfs_upper_changed(c->s->vfs);
	return r;
}

long sys_chmod(struct appv_sc_call *c)
{
	int nr = c->req->data.nr, dirfd_arg = 0, path_arg = 1, flags = 0, r;
	mode_t mode;
	struct sup_path p;
	struct chmod_op op;
	int tfd, fd_form;

	if (nr == SYS_chmod || nr == SYS_fchmod)
		dirfd_arg = -1, path_arg = 0, mode = (mode_t)c->args[1];
	else
		mode = (mode_t)c->args[2];
	if (nr == SYS_fchmodat2)
		flags = (int)c->args[3];
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	fd_form = nr == SYS_fchmod ? FD_ONLY : on_fd(c, path_arg, flags, false);
	if (fd_form < 0)
		return fd_form;
	/* A stand-in is a symlink, whose mode no chmod changes (before any
	 * permission check, as notify_change refuses it). */
	if (fd_form == FD_EMPTY_PATH && sup_fd_standin(c, (int)c->args[0], &p))
		return -EOPNOTSUPP;
	r = attr_target(c, fd_form, dirfd_arg, path_arg,
			flags & AT_SYMLINK_NOFOLLOW, VFS_ATTR_OWNER, &p, &tfd);
	if (r < 0)
		return r;
	op.mode = mode & 07777;
	op.fd = r == ON_PATH ? -1 : tfd;
	op.opath = r == ON_OPATH;
	op.path = p.res.real;
	op.path_type = r == ON_PATH ? p.res.mode : 0;
	r = chmod_run(c, &op);
	if (op.fd >= 0)
		close(tfd);
	return r;
}

long sys_chown(struct appv_sc_call *c)
{
	int nr = c->req->data.nr, flags = 0, r;
	bool at = nr == SYS_fchownat;
	uid_t uid = (uid_t)c->args[at ? 2 : 1];
	gid_t gid = (gid_t)c->args[at ? 3 : 2];
	struct sup_path p;
	int tfd, fd_form;

	if (nr == SYS_fchown)
		uid = (uid_t)c->args[1], gid = (gid_t)c->args[2];
	if (nr == SYS_lchown)
		flags = AT_SYMLINK_NOFOLLOW;
	if (at)
		flags = (int)c->args[4];
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	fd_form = nr == SYS_fchown ? FD_ONLY
				     : on_fd(c, at ? 1 : 0, flags, false);
	if (fd_form < 0)
		return fd_form;
	r = attr_target(c, fd_form, at ? 0 : -1, at ? 1 : 0,
			flags & AT_SYMLINK_NOFOLLOW,
			uid == (uid_t)-1 && gid == (gid_t)-1 ? 0
							     : VFS_ATTR_CHOWN,
			&p, &tfd);
	if (r < 0)
		return r;
	if (r == ON_PATH) {
		r = fchownat(AT_FDCWD, p.res.real, uid, gid,
			     AT_SYMLINK_NOFOLLOW)
			? -errno
			: 0;
	} else {
		r = fchownat(tfd, "", uid, gid, AT_EMPTY_PATH) ? -errno : 0;
		close(tfd);
	}
	/* Upper directories' owners are cached by the shims (upper_dirs.c). */
	if (r == 0)
		vfs_upper_changed(c->s->vfs);
	return r;
}

/* truncate(2) of what O_PATH descriptor @fd names, its type checked
 * first as vfs_truncate does (a symlink's link would not be followed). */
static int truncate_fd_link(int fd, off_t len)
{
	char link[64];
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	return truncate(link, len) ? -errno : 0;
}

long sys_truncate(struct appv_sc_call *c)
{
	off_t len = (off_t)c->args[1];
	struct sup_path p;
	int r, fd;

	if (len < 0)
		return -EINVAL;
	r = resolve_write(c, -1, 0, false, VFS_ATTR_WRITE, &p);
	if (r == 1) {
		/* A share rule on /proc, /dev: a magic link there leads to a
		 * file of any layer, which Landlock may leave truncated
		 * (loader_landlock_truncation).  What it reaches is decided
		 * here, as for chmod. */
		r = sup_path_target(c, &p, false, VFS_ATTR_WRITE, &fd);
		if (r == 0) {
			r = truncate_fd_link(fd, len);
			close(fd);
			return r;
		}
	}
	if (r < 0)
		return r;
	/* Not opened for writing: an open of a FIFO would block the
	 * supervisor (natively truncate(2) of one is EINVAL), and a watcher
	 * would see IN_OPEN and IN_CLOSE_WRITE.  truncate(2) of the O_PATH
	 * descriptor's link makes the kernel's own checks (write
	 * permission, append-only, ETXTBSY) and sends only IN_MODIFY. */
	if (!vfs_res_host_checked(&p.res)) {
		fd = sup_open_real(c->sup, p.res.real, O_PATH | O_NOFOLLOW, 0,
				   false);
	} else {
		/* A shared host file (sys_open.c, share_host_change). */
		fd = sup_open_shared(p.res.real, O_PATH | O_NOFOLLOW);
	}
	if (fd < 0)
		return fd;
	r = truncate_fd_link(fd, len);
	close(fd);
	return r;
}

/* Read the times argument of any utime flavour as timespec[2]; *tsp is
 * NULL for "now". */
static int read_times(struct appv_sc_call *c, int nr, uint64_t addr,
		      struct timespec ts[2], struct timespec **tsp)
{
	struct timeval tv[2];
	struct utimbuf ub;
	int r;

	*tsp = NULL;
	if (!addr)
		return 0;
	*tsp = ts;
	if (nr == SYS_utimensat)
		return target_read(c, addr, ts, 2 * sizeof(*ts));
	if (nr == SYS_utime) {
		r = target_read(c, addr, &ub, sizeof(ub));
		ts[0] = (struct timespec){ub.actime, 0};
		ts[1] = (struct timespec){ub.modtime, 0};
		return r;
	}
	r = target_read(c, addr, tv, sizeof(tv));
	if (r < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i] = (struct timespec){tv[i].tv_sec, tv[i].tv_usec * 1000};
	}
	return 0;
}

/* What setting times @tsp needs (utimensat(2), "Permissions
 * requirements"). */
static int times_need(const struct timespec *tsp)
{
	if (!tsp || (tsp[0].tv_nsec == UTIME_NOW && tsp[1].tv_nsec == UTIME_NOW))
		return VFS_ATTR_NOW;
	if (tsp[0].tv_nsec == UTIME_OMIT && tsp[1].tv_nsec == UTIME_OMIT)
		return 0;
	return VFS_ATTR_OWNER;
}

long sys_utimes(struct appv_sc_call *c)
{
	int nr = c->req->data.nr, flags = 0, r, tfd, fd_form;
	bool at = nr == SYS_utimensat || nr == SYS_futimesat;
	struct timespec ts[2], *tsp;
	struct sup_path p;

	r = read_times(c, nr, c->args[at ? 2 : 1], ts, &tsp);
	if (r < 0)
		return r;
	/* Both UTIME_OMIT: the kernel returns at once, before it looks at
	 * the flags or the path (nothing to copy up). */
	if (tsp && !times_need(tsp))
		return 0;
	if (nr == SYS_utimensat)
		flags = (int)c->args[3];
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	fd_form = on_fd(c, at ? 1 : 0, flags, at);
	if (fd_form < 0)
		return fd_form;
	r = attr_target(c, fd_form, at ? 0 : -1, at ? 1 : 0,
			flags & AT_SYMLINK_NOFOLLOW, times_need(tsp), &p, &tfd);
	if (r == ON_FD || r == ON_OPATH) {
		r = (r == ON_FD ? futimens(tfd, tsp)
				: utimensat(tfd, "", tsp, AT_EMPTY_PATH))
			? -errno
			: 0;
		close(tfd);
		return r;
	}
	if (r < 0)
		return r;
	return utimensat(AT_FDCWD, p.res.real, tsp, AT_SYMLINK_NOFOLLOW)
		   ? -errno
		   : 0;
}

/* getxattr/listxattr (@name NULL) of @real, not following a final
 * symlink unless @follow. */
static long xattr_read_side(struct appv_sc_call *c, const char *real,
			    bool follow, const char *name)
{
	bool list = !name;
	uint64_t buf = c->args[list ? 1 : 2];
	size_t size = (size_t)c->args[list ? 2 : 3];
	_cleanup_free_ char *val = NULL;
	ssize_t n;
	int r;

	if (size > XATTR_SIZE_MAX_)
		size = XATTR_SIZE_MAX_;
	if (size && !(val = malloc(size)))
		return -ENOMEM;
	if (follow)
		n = list ? listxattr(real, val, size)
			 : getxattr(real, name, val, size);
	else
		n = list ? llistxattr(real, val, size)
			 : lgetxattr(real, name, val, size);
	if (n < 0)
		return -errno;
	if (size) {
		r = target_write(c, buf, val, (size_t)n);
		if (r < 0)
			return r;
	}
	return n;
}

/* setxattr/removexattr (@remove) on the upper copy @p, or on the file
 * descriptor @tfd reaches when >= 0 (closed here). */
static long xattr_write(struct appv_sc_call *c, const struct sup_path *p,
			int tfd, const char *name, bool remove)
{
	size_t size = remove ? 0 : (size_t)c->args[3];
	_cleanup_free_ char *val = NULL;
	char self[64];
	int r = 0;

	if (size > XATTR_SIZE_MAX_)
		r = -E2BIG;
	else if (size && !(val = malloc(size)))
		r = -ENOMEM;
	else if (size)
		r = target_read(c, c->args[2], val, size);
	snprintf(self, sizeof(self), "/proc/self/fd/%d", tfd);
	if (r == 0 && tfd >= 0)
		r = (remove ? removexattr(self, name)
			    : setxattr(self, name, val, size, (int)c->args[4]))
			? -errno
			: 0;
	else if (r == 0)
		r = (remove ? lremovexattr(p->res.real, name)
			    : lsetxattr(p->res.real, name, val, size,
					(int)c->args[4]))
			? -errno
			: 0;
	if (tfd >= 0)
		close(tfd);
	return r;
}

/* The attribute name the call passes (its second argument) into @name:
 * 0, or -ERANGE for an empty or overlong one, as the kernel answers. */
static int xattr_name(struct appv_sc_call *c, char *name, size_t cap)
{
	int r = target_read_path(c, c->args[1], name, cap);

	if (r < 0)
		return r == -ENAMETOOLONG ? -ERANGE : r;
	return name[0] ? 0 : -ERANGE;
}

/* What a change of attribute @name needs (vfs_may_setattr): the
 * kernel's xattr_permission and cap_inode_setxattr, which a privileged
 * supervisor would pass for a caller that dropped its capabilities - a
 * file capability set on a shared host file, for one. */
static int xattr_need(const char *name)
{
	if (!strncmp(name, "system.posix_acl_", 17))
		return VFS_ATTR_OWNER;
	if (!strcmp(name, "security.capability"))
		return VFS_ATTR_SETFCAP;
	if (!strncmp(name, "trusted.", 8) || !strncmp(name, "security.", 9))
		return VFS_ATTR_ADMIN;
	return VFS_ATTR_WRITE;
}

/* fgetxattr/flistxattr of a merged directory's listing (a directory of
 * the session's scratch): as its path has them.  Without the shim only
 * (fd_only); the shim answers it alike. */
long sys_fxattr(struct appv_sc_call *c)
{
	bool list = c->req->data.nr == SYS_flistxattr;
	char name[256];
	struct sup_path p;
	int r;

	if ((int)c->args[0] < 0)
		return SUP_CONTINUE; /* EBADF */
	if (!sup_fd_listing(c, (int)c->args[0], &p))
		/* A stand-in: the O_PATH descriptor it stands for, which
		 * fgetxattr refuses; else the descriptor's own attributes. */
		return vfs_standin_vpath(c->s->vfs, p.abs, NULL, 0) >= 0
			   ? -EBADF
			   : SUP_CONTINUE;
	if (!list && (r = xattr_name(c, name, sizeof(name))) < 0)
		return r;
	return xattr_read_side(c, p.res.real, false, list ? NULL : name);
}

long sys_xattr(struct appv_sc_call *c)
{
	int nr = c->req->data.nr;
	bool nofollow = nr == SYS_lsetxattr || nr == SYS_lgetxattr ||
			nr == SYS_llistxattr || nr == SYS_lremovexattr;
	bool list = nr == SYS_listxattr || nr == SYS_llistxattr;
	bool write = nr == SYS_setxattr || nr == SYS_lsetxattr ||
		     nr == SYS_removexattr || nr == SYS_lremovexattr;
	bool fd_form = nr == SYS_fsetxattr || nr == SYS_fremovexattr;
	char name[256];
	struct sup_path p;
	int r, tfd;

	if (!list && (r = xattr_name(c, name, sizeof(name))) < 0)
		return r;
	if (write || fd_form) {
		r = attr_target(c, fd_form ? FD_ONLY : 0, -1, 0, nofollow,
				xattr_need(name), &p, &tfd);
		if (r < 0)
			return r;
		r = (int)xattr_write(c, &p, r == ON_PATH ? -1 : tfd, name,
					nr == SYS_removexattr ||
					    nr == SYS_lremovexattr ||
					    nr == SYS_fremovexattr);
		/* An access ACL sets the mode's bits too, which the walkers'
		 * caches of upper directories hold (upper_dirs.c). */
		if (!strcmp(name, "system.posix_acl_access"))
			vfs_upper_changed(c->s->vfs);
		return r;
	}
	r = sup_resolve_arg(c, -1, 0, VFS_INTENT_READ,
			    nofollow ? VFS_F_NOFOLLOW : 0, &p);
	if (r == 1 && !c->s->strict)
		return SUP_CONTINUE; /* share rule on /proc, /dev: a read */
	if (r == 1) {
		/* Strict mode continues no call on a path (sup_share_fd):
		 * what the descriptor names, through its magic link. */
		char self[64];
		long n;
		int fd;

		r = sup_share_fd(c, &p, AT_FDCWD, p.abs,
				 nofollow && !p.trailing_slash ? O_NOFOLLOW : 0,
				 0, VFS_INTENT_READ, &fd);
		if (r < 0)
			return r;
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		n = xattr_read_side(c, self, true, list ? NULL : name);
		close(fd);
		return n;
	}
	if (r < 0)
		return r;
	if (!c->s->strict && sup_path_unchanged(&p))
		return SUP_CONTINUE; /* fast mode read: see sys_stat.c */
	return xattr_read_side(c, p.res.real, false, list ? NULL : name);
}

/* The ioctl argument of @cmd, as the kernel reads or writes it. */
union ioctl_arg {
	int flags;
	struct fsxattr fsx;
};

static size_t ioctl_len(unsigned int cmd)
{
	return cmd == FS_IOC_FSSETXATTR || cmd == FS_IOC_FSGETXATTR
		   ? sizeof(struct fsxattr)
		   : sizeof(int);
}

/* The open flags of the target's descriptor @fd (F_GETFL), or -errno. */
static int target_fd_flags(struct appv_sc_call *c, int fd)
{
	int tfd = target_getfd(c, fd), fl;

	if (tfd < 0)
		return tfd;
	fl = fcntl(tfd, F_GETFL);
	fl = fl < 0 ? -errno : fl;
	close(tfd);
	return fl;
}

/* A request that reads the flags: a merged directory's listing (a
 * directory of the session's scratch), or a package directory whose top
 * is its upper copy, answers with that directory's, as the kernel would
 * on the path's top layer.  Any other descriptor is the kernel's. */
static long ioctl_get(struct appv_sc_call *c, unsigned int cmd)
{
	union ioctl_arg arg;
	struct sup_path p;
	int fd, r;

	if ((int)c->args[0] < 0 || !sup_fd_dir(c, (int)c->args[0], &p))
		return SUP_CONTINUE;
	r = target_fd_flags(c, (int)c->args[0]);
	if (r < 0 || (r & O_PATH))
		return SUP_CONTINUE; /* EBADF, as the kernel says */
	fd = sup_open_real(c->sup, p.res.real,
			   O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW, 0,
			   false);
	if (fd < 0)
		return SUP_CONTINUE; /* gone since: the listing's own */
	r = ioctl(fd, cmd, &arg) < 0 ? -errno : 0;
	close(fd);
	if (r == 0)
		r = target_write(c, c->args[2], &arg, ioctl_len(cmd));
	return r;
}

/* The request that reads what set request @cmd changes. */
static unsigned int ioctl_get_of(unsigned int cmd)
{
	switch (cmd) {
	case FS_IOC_SETFLAGS:
		return FS_IOC_GETFLAGS;
	case FS_IOC32_SETFLAGS:
		return FS_IOC32_GETFLAGS;
	case FS_IOC_FSSETXATTR:
		return FS_IOC_FSGETXATTR;
	case FS_IOC_SETVERSION:
		return FS_IOC_GETVERSION;
	default:
		return FS_IOC32_GETVERSION;
	}
}

/*
 * The kernel's check of set request @cmd with @arg on @fd (the file the
 * supervisor changes) with the caller's credentials, which a privileged
 * supervisor does not share (sys_perm.c; the owner's is sup_fd_target's):
 * CAP_LINUX_IMMUTABLE to change the immutable or append-only flag.  A
 * file whose file system keeps no such attribute (and anything but a file
 * or directory) is left to the request itself, which fails as the
 * kernel's would.
 */
static int ioctl_may(struct appv_sc_call *c, int fd, unsigned int cmd,
		     const union ioctl_arg *arg)
{
	struct vfs_cred *cred = sup_cred(c);
	union ioctl_arg old;
	unsigned int pin;
	struct stat st;
	int r;

	if (!cred->all_layers)
		return 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) ||
	    ioctl(fd, ioctl_get_of(cmd), &old) < 0)
		return 0;
	r = vfs_cred_get(cred);
	if (r < 0)
		return r;
	if (cmd == FS_IOC_FSSETXATTR)
		pin = (old.fsx.fsx_xflags ^ arg->fsx.fsx_xflags) &
		      (FS_XFLAG_IMMUTABLE | FS_XFLAG_APPEND);
	else if (cmd == FS_IOC_SETFLAGS || cmd == FS_IOC32_SETFLAGS)
		pin = (unsigned int)(old.flags ^ arg->flags) &
		      (FS_IMMUTABLE_FL | FS_APPEND_FL);
	else
		pin = 0;
	if (pin && !(cred->cap_eff & (1ull << CAP_LINUX_IMMUTABLE)))
		return -EPERM;
	return 0;
}

/*
 * FS_IOC_SETFLAGS and the others the table notifies (loader/syscalls.c):
 * they change the inode of the file a descriptor names, which for one
 * opened for reading may be a host or package file.  As fchmod, the upper
 * copy is changed instead; the argument is read here and the request made
 * on the supervisor's own descriptor, so a descriptor number the
 * application reuses meanwhile changes nothing else.
 */
long sys_ioctl(struct appv_sc_call *c)
{
	unsigned int cmd = (unsigned int)c->args[1];
	union ioctl_arg arg;
	struct sup_path p;
	int tfd, r, fl;

	if (_IOC_TYPE(cmd) == 'p')
		return sys_rtc_set(c);
	if (cmd == FIOSETOWN || cmd == SIOCSPGRP)
		return sys_ioctl_owner(c);
	if (_IOC_DIR(cmd) == _IOC_READ)
		return ioctl_get(c, cmd);
	r = target_read(c, c->args[2], &arg, ioctl_len(cmd));
	if (r < 0) { /* a bad descriptor is told first, as the kernel does */
		fl = target_fd_flags(c, (int)c->args[0]);
		if (fl < 0)
			return fl;
		return fl & O_PATH ? -EBADF : r;
	}
	r = sup_fd_target(c, (int)c->args[0], VFS_ATTR_OWNER, true, &tfd, &p);
	if (r == 1)
		tfd =
		    sup_open_real(c->sup, p.res.real,
				  O_RDONLY | O_NONBLOCK | O_NOFOLLOW, 0, false);
	if (r < 0 || tfd < 0)
		return r < 0 ? r : tfd;
	r = ioctl_may(c, tfd, cmd, &arg);
	if (r == 0)
		r = ioctl(tfd, cmd, &arg) < 0 ? -errno : 0;
	close(tfd);
	return r;
}
