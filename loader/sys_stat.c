// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_stat.c - calls that read metadata of a path: the stat family,
 * statx, statfs, access, readlink, inotify_add_watch.  Performed in the
 * supervisor on the resolved real path; results are written into the
 * target's buffers with process_vm_writev (EFAULT like the kernel).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../common/path.h"
#include "../common/sys.h"
#include "supervisor_internal.h"

/* Fast mode, unchanged host path: continuing is safe because the call only
 * reads, Landlock keeps the host unwritten and reads are not a boundary in
 * fast mode. */
static bool may_continue(struct appv_sc_call *c, const struct sup_path *p)
{
	return !c->s->strict && sup_path_unchanged(p);
}

/* resolve_read: strict mode's share-rule path, *sfd to act on. */
enum { SHARE_FD = 2 };

/* Strict mode, a path sup_resolve gave 1 (a share rule on /proc or /dev)
 * for a call that reads (@vflags its VFS_F_NOFOLLOW, VFS_F_DIRECTORY):
 * sup_share_fd's O_PATH descriptor into *@fd (0), or -errno. */
static int share_at(struct appv_sc_call *c, struct sup_path *p, int vflags,
		    int *fd)
{
	bool follow = !(vflags & VFS_F_NOFOLLOW) || p->trailing_slash;
	bool dir = (vflags & VFS_F_DIRECTORY) || p->trailing_slash;

	return sup_share_fd(c, p, AT_FDCWD, p->abs,
			    (follow ? 0 : O_NOFOLLOW) | (dir ? O_DIRECTORY : 0),
			    0, VFS_INTENT_READ, fd);
}

/* Resolves a path argument of a read-only call.  Returns 1 when the call
 * may continue as issued (outside strict mode, a share rule on /proc or
 * /dev: passthrough(); or may_continue()); SHARE_FD with *@sfd (strict
 * mode, that share rule: share_at's descriptor, with AT_EMPTY_PATH), 0
 * with the real path in @p, or -errno. */
static int resolve_read(struct appv_sc_call *c, int dirfd_arg, int path_arg,
			int intent, int vflags, struct sup_path *p, int *sfd)
{
	int r = sup_resolve_arg(c, dirfd_arg, path_arg, intent, vflags, p);

	*sfd = -1;
	/* Strict mode keeps a record of a cwd in /proc or /dev (sys_cwd.c),
	 * so a relative path there is resolved here (proc_here), not shared:
	 * share_at's too, whose walk follows a final link only the kernel
	 * can (/proc/TGID/fd/0 from "0" in /proc/self/fd, or "stdin" in
	 * /dev). */
	if (r == 0 && c->s->strict && p->proc_here &&
	    p->res.rule == VFS_RULE_SHARE && !p->res.merged_dir)
		r = 1;
	if (r == 1 && c->s->strict) {
		r = share_at(c, p, vflags, sfd);
		return r == 0 ? SHARE_FD : r;
	}
	if (r != 0)
		return r;
	return may_continue(c, p) ? 1 : 0;
}

/* Where a read-only call on the resolved @p acts, as the dirfd and path of
 * an *at call: *fd and *path; returns the AT_EMPTY_PATH flag the call
 * needs (0 or AT_EMPTY_PATH), or -errno.  The real path of a layer holds
 * no symlink but a final one the call does not follow: it is walked from
 * its layer root's anchor (sup_real_at), which the caller keeps open.  A
 * host path whose tail the kernel would walk is opened with
 * sup_host_path_fd (no host symlink past the rules, nor a raced one): a
 * descriptor with AT_EMPTY_PATH, which close_at() closes. */
static int real_at(struct appv_sc_call *c, int intent, int vflags,
		   struct sup_path *p, int *fd, const char **path)
{
	if (!vfs_res_host_checked(&p->res)) {
		*fd = sup_real_at(c->sup, p->res.real, path);
		return 0;
	}
	*fd = sup_host_path_fd(c, intent, vflags, p);
	if (*fd < 0)
		return *fd;
	*path = "";
	return AT_EMPTY_PATH;
}

/* Closes what real_at() opened (@at_flags: what it returned). */
static void close_at(int fd, int at_flags)
{
	if (at_flags & AT_EMPTY_PATH)
		close(fd);
}

static int nofollow(int at_flags)
{
	return at_flags & AT_SYMLINK_NOFOLLOW ? VFS_F_NOFOLLOW : 0;
}

/* AT_EMPTY_PATH with "": the call operates on the descriptor itself. */
static bool empty_path_on_fd(struct appv_sc_call *c, int path_arg, int flags,
			     int *err)
{
	char b;

	*err = 0;
	if (!(flags & AT_EMPTY_PATH))
		return false;
	*err = target_read(c, c->args[path_arg], &b, 1);
	return *err == 0 && b == '\0';
}

/* The target's descriptor @fd, or for AT_FDCWD its working directory (an
 * O_PATH descriptor): what a call with AT_EMPTY_PATH and "" works on. */
static int getfd_at(struct appv_sc_call *c, int fd)
{
	char p[64];
	int r;

	if (fd != AT_FDCWD)
		return target_getfd(c, fd);
	snprintf(p, sizeof(p), "/proc/%d/cwd", (int)c->tid);
	r = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return r < 0 ? -errno : r;
}

/*
 * A merged directory opened for listing is a directory of the session's
 * scratch; a stat of its descriptor answers as a stat of its virtual path
 * would (as the shim does, intercept/shim_stat.c): find's fts and Python's
 * shutil.rmtree compare the two.  Calls on descriptors are notified only
 * without the shim.  1 with the virtual directory resolved in @p; 0 for
 * any other descriptor, and for a listing whose path no longer names a
 * directory (the descriptor's own stat then stands), where the kernel's
 * answer is the right one.
 */
/* Resolve the absolute virtual path in @p->raw for reading: whether it
 * names a directory (then @p->res holds it). */
static bool resolve_raw_dir(struct appv_sc_call *c, struct sup_path *p)
{
	p->vbase[0] = p->rbase[0] = '\0';
	return sup_resolve(c, VFS_INTENT_READ, 0, p) == 0 &&
	       S_ISDIR(p->res.mode);
}

int sup_fd_listing(struct appv_sc_call *c, int fd, struct sup_path *p)
{
	if (target_fd_path(c, fd, p->abs, sizeof(p->abs)) < 0) {
		p->abs[0] = '\0';
		return 0;
	}
	return vfs_listing_vpath(c->s->vfs, p->abs, p->raw, sizeof(p->raw)) >=
		   0 &&
	       resolve_raw_dir(c, p);
}

/* Whether @p->abs, what a descriptor names, is a stand-in for a symlink
 * (vfs/standin.c): then @p->raw holds the symlink's virtual path. */
static bool standin_abs(struct appv_sc_call *c, struct sup_path *p)
{
	p->vbase[0] = p->rbase[0] = '\0';
	return vfs_standin_vpath(c->s->vfs, p->abs, p->raw, sizeof(p->raw)) >=
	       0;
}

int sup_fd_standin(struct appv_sc_call *c, int fd, struct sup_path *p)
{
	if (fd < 0 || target_fd_path(c, fd, p->abs, sizeof(p->abs)) < 0)
		return 0;
	return standin_abs(c, p);
}

/* Whether the package or host directory @p->abs (a descriptor's) stands
 * for a merged directory whose top is its upper copy (vfs_merge_covered):
 * then @p->res holds that, and fstat must answer as stat of the path
 * does. */
static bool covered_dir(struct appv_sc_call *c, struct sup_path *p)
{
	return vfs_reverse(c->s->vfs, p->abs, p->raw, sizeof(p->raw)) >= 0 &&
	       resolve_raw_dir(c, p) && p->res.layer == VFS_LAYER_UPPER;
}

int sup_fd_dir(struct appv_sc_call *c, int fd, struct sup_path *p)
{
	struct stat st;
	bool dir;
	int tfd;

	if (sup_fd_listing(c, fd, p))
		return 1;
	/* A package directory, or a host one (the shim opens either for a
	 * covered merged directory); not the upper copy itself. */
	if (p->abs[0] != '/' || (!vfs_real_in_image(c->s->vfs, p->abs) &&
				 (vfs_real_fixed(c->s->vfs, p->abs) ||
				  vfs_real_in_upper(c->s->vfs, p->abs))))
		return 0;
	tfd = target_getfd(c, fd);
	if (tfd < 0)
		return 0;
	dir = !fstat(tfd, &st) && S_ISDIR(st.st_mode);
	close(tfd);
	return dir && covered_dir(c, p);
}

/* The descriptor's own answer, made here: strict mode's for a stat of it
 * through a path call (AT_EMPTY_PATH and ""), which continued would have
 * the kernel read the string again - by then maybe another thread's
 * path. */
static long fd_stat_here(struct appv_sc_call *c, int fd, uint64_t buf,
			 bool statx_call)
{
	/* Through the descriptor's magic link, which leads to that very
	 * open file (one call, where a duplicate costs three). */
	int flags = statx_call ? (int)c->args[2] & AT_STATX_SYNC_TYPE : 0;
	unsigned int mask = statx_call ? (unsigned int)c->args[3] : 0;
	char link[64];
	struct statx stx;
	struct stat st;
	int r;

	if (fd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)c->tid);
	else if (fd >= 0)
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)c->tid, fd);
	else
		return -EBADF;
	r = statx_call ? statx(AT_FDCWD, link, flags, mask, &stx)
		       : stat(link, &st);
	r = r ? (errno == ENOENT ? -EBADF : -errno) : 0;
	if (r == 0)
		r = statx_call ? target_write(c, buf, &stx, sizeof(stx))
			       : target_write(c, buf, &st, sizeof(st));
	return r;
}

/* A descriptor below the content cache's root or the upper directory
 * (@p->abs from sup_fd_listing): a package file or directory answers with
 * mtime as ctime, a package directory standing for a merged one as its
 * virtual path, and a copied-up entry with its origin's identity, as stat
 * of its path says (vfs_fix_stat).  Anything else continues, or with
 * @here (fd_stat_here) is answered here. */
static long fd_stat(struct appv_sc_call *c, int fd, struct sup_path *p,
		    uint64_t buf, bool statx_call, bool here)
{
	int flags = AT_EMPTY_PATH | (statx_call ? (int)c->args[2] : 0);
	unsigned int mask = statx_call ? (unsigned int)c->args[3] : 0;
	struct statx stx;
	struct stat st;
	bool upper = p->abs[0] && vfs_origin_any(c->s->vfs) &&
		     vfs_real_in_upper(c->s->vfs, p->abs);
	bool dir;
	int tfd, r;

	if (!upper && !vfs_real_in_image(c->s->vfs, p->abs))
		return here ? fd_stat_here(c, fd, buf, statx_call)
			    : SUP_CONTINUE;
	tfd = getfd_at(c, fd); /* AT_FDCWD: fchdir'ed into a package dir */
	if (tfd < 0)
		return here ? tfd : SUP_CONTINUE;
	r = statx_call ? statx(tfd, "", flags, mask, &stx) : fstat(tfd, &st);
	r = r ? -errno : 0;
	close(tfd);
	if (r < 0)
		return r;
	dir = S_ISDIR(statx_call ? stx.stx_mode : st.st_mode);
	if (upper) {
		p->res.layer = VFS_LAYER_UPPER;
		p->res.merged_dir = false;
		p->res.needs_extract = false;
	} else if (dir && covered_dir(c, p)) {
		r = statx_call ? statx(AT_FDCWD, p->res.real,
				       (flags & ~AT_EMPTY_PATH) |
					   AT_SYMLINK_NOFOLLOW,
				       mask, &stx)
			       : fstatat(AT_FDCWD, p->res.real, &st,
					 AT_SYMLINK_NOFOLLOW);
		if (r) /* gone since */
			return here ? fd_stat_here(c, fd, buf, statx_call)
				    : SUP_CONTINUE;
	} else {
		p->res.layer = VFS_LAYER_IMAGE; /* its own: a package entry */
		p->res.merged_dir = false;
		p->res.needs_extract = false; /* open: filled */
	}
	if (statx_call) {
		vfs_fix_statx(c->s->vfs, &p->res, &stx);
		r = target_write(c, buf, &stx, sizeof(stx));
	} else {
		vfs_fix_stat(c->s->vfs, &p->res, &st);
		r = target_write(c, buf, &st, sizeof(st));
	}
	return r < 0 ? r : 0;
}

/*
 * The symlink a stand-in stands for (@p->raw), resolved without following
 * it, and acted on as the dirfd and path of an *at call (real_at; close
 * with close_at): the AT_EMPTY_PATH flag it needs, or -errno; -ENOENT
 * when no symlink is there any more.
 */
static int standin_at(struct appv_sc_call *c, struct sup_path *p, int *fd,
		      const char **path)
{
	int vflags = VFS_F_NOFOLLOW | VFS_F_HOST_LAZY;
	int r = sup_resolve(c, VFS_INTENT_READ, vflags, p);

	if (r == 1) /* /proc, /dev: made for none there (open_standin) */
		return -ENOENT;
	if (r < 0)
		return r;
	if (p->res.mode && !S_ISLNK(p->res.mode))
		return -ENOENT;
	return real_at(c, VFS_INTENT_READ, vflags, p, fd, path);
}

/*
 * fstat, and newfstatat or statx with AT_EMPTY_PATH, of a stand-in
 * (@p->raw: its symlink's virtual path): as lstat of that path, what the
 * kernel answers for the O_PATH descriptor of the symlink.  One removed or
 * replaced since leaves the stand-in's own stat with a symlink's type
 * (known difference: natively the old symlink's).
 */
static long standin_stat(struct appv_sc_call *c, int fd, struct sup_path *p,
			 uint64_t buf, bool statx_call)
{
	int flags = statx_call ? (int)c->args[2] & AT_STATX_SYNC_TYPE : 0;
	unsigned int mask = statx_call ? (unsigned int)c->args[3] : 0;
	struct statx stx;
	struct stat st;
	const char *rp;
	int dfd, e = standin_at(c, p, &dfd, &rp), r = e;

	if (e >= 0) {
		r = statx_call ? statx(dfd, rp, flags | AT_SYMLINK_NOFOLLOW | e,
				       mask, &stx)
			       : fstatat(dfd, rp, &st, AT_SYMLINK_NOFOLLOW | e);
		r = r ? -errno : 0;
		close_at(dfd, e);
		if (r == 0 && !S_ISLNK(statx_call ? stx.stx_mode : st.st_mode))
			r = -ENOENT;
	}
	if (r == 0 && statx_call)
		vfs_fix_statx(c->s->vfs, &p->res, &stx);
	else if (r == 0)
		vfs_fix_stat(c->s->vfs, &p->res, &st);
	if (r < 0) {
		dfd = target_getfd(c, fd);
		if (dfd < 0)
			return dfd;
		r = statx_call
			? statx(dfd, "", flags | AT_EMPTY_PATH, mask, &stx)
			: fstat(dfd, &st);
		r = r ? -errno : 0;
		close(dfd);
		if (r < 0)
			return r;
		if (statx_call)
			stx.stx_mode = S_IFLNK | 0777, stx.stx_size = 0;
		else
			st.st_mode = S_IFLNK | 0777, st.st_size = 0;
	}
	r = statx_call ? target_write(c, buf, &stx, sizeof(stx))
		       : target_write(c, buf, &st, sizeof(st));
	return r < 0 ? r : 0;
}

/* @here: fd_stat's. */
static long stat_on_fd(struct appv_sc_call *c, int fd, uint64_t buf, bool here)
{
	struct sup_path p;
	struct stat st;
	int r;

	if (!sup_fd_listing(c, fd, &p))
		return standin_abs(c, &p)
			   ? standin_stat(c, fd, &p, buf, false)
			   : fd_stat(c, fd, &p, buf, false, here);
	/* Gone since, or its name another entry now (another session's
	 * rename put its whiteout there): the descriptor's own. */
	if (fstatat(AT_FDCWD, p.res.real, &st, AT_SYMLINK_NOFOLLOW) ||
	    !S_ISDIR(st.st_mode))
		return here ? fd_stat_here(c, fd, buf, false) : SUP_CONTINUE;
	vfs_fix_stat(c->s->vfs, &p.res, &st);
	r = target_write(c, buf, &st, sizeof(st));
	return r < 0 ? r : 0;
}

long sys_fstat(struct appv_sc_call *c)
{
	if ((int)c->args[0] < 0)
		return SUP_CONTINUE; /* EBADF, AT_FDCWD included */
	return stat_on_fd(c, (int)c->args[0], c->args[1], false);
}

/*
 * getdents64 of a merged listing: its placeholders' d_ino replaced by the
 * real inodes from the listing's map (vfs/merge_ino.c), as the shim's
 * readdir does.  Read through a duplicate of the target's descriptor, so
 * the position it shares moves as the target's own call would move it.
 */
/* Whether the target's descriptor @fd is close-on-exec (its fdinfo). */
static bool target_cloexec(struct appv_sc_call *c, int fd)
{
	char p[64], buf[256];
	const char *f;
	ssize_t n;
	int ifd;

	snprintf(p, sizeof(p), "/proc/%d/fdinfo/%d", (int)c->tid, fd);
	ifd = open(p, O_RDONLY | O_CLOEXEC);
	if (ifd < 0)
		return true;
	n = read(ifd, buf, sizeof(buf) - 1);
	close(ifd);
	buf[n > 0 ? n : 0] = '\0';
	f = strstr(buf, "flags:");
	return !f || (strtol(f + 6, NULL, 8) & O_CLOEXEC);
}

/*
 * A listing read from its start shows the directory as it is now, as
 * rewinddir (lseek to 0) does natively: a listing (a snapshot), package or
 * host directory opened before a change made in the session is another
 * directory than a fresh open would give now.  Then that one is opened
 * and takes the target's descriptor number (ADDFD with SETFD, keeping its
 * close-on-exec flag); other duplicates keep the old one.  1 when it was
 * replaced, else 0.  @abs: what the descriptor names.
 */
static int refresh_at_start(struct appv_sc_call *c, int fd, const char *abs)
{
	struct seccomp_notif_addfd a = {.id = c->req->id, .newfd = (uint32_t)fd,
					.flags = SECCOMP_ADDFD_FLAG_SETFD};
	static struct sup_path p; /* the supervisor serves on one thread */
	char what[PATH_MAX];
	off_t pos;
	int tfd, nfd, r;

	if (vfs_real_in_upper(c->s->vfs, abs))
		return 0; /* an upper-only directory is listed as it is */
	tfd = target_getfd(c, fd);
	if (tfd < 0)
		return 0;
	pos = lseek(tfd, 0, SEEK_CUR);
	close(tfd);
	if (pos != 0 ||
	    vfs_reverse(c->s->vfs, abs, p.raw, sizeof(p.raw)) < 0 ||
	    !resolve_raw_dir(c, &p))
		return 0;
	if (p.res.merged_dir) {
		if (vfs_merge_dir(c->s->vfs, &p.res, what, sizeof(what)) < 0)
			return 0;
	} else if (snprintf(what, sizeof(what), "%s", p.res.real) >=
		   (int)sizeof(what)) {
		return 0;
	}
	if (!strcmp(what, abs))
		return 0;
	nfd = open(what, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (nfd < 0)
		return 0;
	a.srcfd = (uint32_t)nfd;
	a.newfd_flags = target_cloexec(c, fd) ? O_CLOEXEC : 0;
	do
		r = ioctl(c->sup->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
	while (r < 0 && errno == EINTR);
	close(nfd);
	return r == fd;
}

static long getdents_fd(struct appv_sc_call *c, bool refresh)
{
	char buf[32768], mbuf[65536];
	size_t len = 0, cap = c->args[2] < sizeof(buf) ? c->args[2] : sizeof(buf);
	const struct vfs_ino_map *m = NULL;
	bool covered = false, upper = false;
	struct sup_path p;
	struct stat st;
	off_t pos;
	long n;
	int tfd, r;

	/* Only a listing, a package directory standing for a merged one
	 * (vfs_merge_covered: its copied-up entries are the upper copies)
	 * or, once a copy-up has a record, an upper directory reads
	 * further. */
	if ((int)c->args[0] < 0 ||
	    target_fd_path(c, (int)c->args[0], p.abs, sizeof(p.abs)) < 0)
		return SUP_CONTINUE;
	if (refresh && p.abs[0] == '/' &&
	    refresh_at_start(c, (int)c->args[0], p.abs))
		return getdents_fd(c, false);
	if (vfs_listing_vpath(c->s->vfs, p.abs, buf, sizeof(buf)) < 0) {
		/* An upper directory: entries moved in from a copy-up list
		 * their origin's inode (vfs_origin_ino). */
		upper = vfs_real_in_upper(c->s->vfs, p.abs) &&
			vfs_origin_any(c->s->vfs);
		if (!upper && (!vfs_real_in_image(c->s->vfs, p.abs) ||
			       !covered_dir(c, &p)))
			return SUP_CONTINUE;
		covered = !upper;
	}
	tfd = target_getfd(c, (int)c->args[0]);
	if (tfd < 0)
		return SUP_CONTINUE;
	if (covered) {
		m = vfs_covered_map(c->s->vfs, p.raw, mbuf, sizeof(mbuf));
		if (m && vfs_ino_map_empty(m)) { /* nothing to change */
			close(tfd);
			return SUP_CONTINUE;
		}
	} else if (!upper && fstat(tfd, &st) == 0)
		m = vfs_listing_map(c->s->vfs, st.st_ino, mbuf, sizeof(mbuf),
				    &len);
	if (!m && !upper) {
		close(tfd);
		return SUP_CONTINUE;
	}
	pos = lseek(tfd, 0, SEEK_CUR);
	n = syscall(SYS_getdents64, tfd, buf, cap);
	n = n < 0 ? -errno : n;
	if (n > 0) {
		if (upper)
			vfs_origin_dirents(c->s->vfs, buf, (size_t)n);
		else if (covered)
			vfs_ino_map_apply_names(m, buf, (size_t)n);
		else
			vfs_ino_map_apply(m, buf, (size_t)n);
		r = target_write(c, c->args[1], buf, (size_t)n);
		/* EFAULT leaves the position where it was, as the kernel's
		 * call does when it copies nothing. */
		if (r < 0 && pos >= 0)
			lseek(tfd, pos, SEEK_SET);
		if (r < 0)
			n = r;
	}
	close(tfd);
	if (len)
		munmap((void *)m, len);
	return n;
}

long sys_stat(struct appv_sc_call *c)
{
	int dirfd_arg = -1, path_arg = 0, flags = 0, r;
	uint64_t buf = c->args[1];
	struct sup_path p;
	struct stat st;
	const char *rp;
	int fd, e;

	if (c->req->data.nr == SYS_lstat)
		flags = AT_SYMLINK_NOFOLLOW;
	if (c->req->data.nr == SYS_newfstatat) {
		dirfd_arg = 0, path_arg = 1, buf = c->args[2];
		flags = (int)c->args[3];
		if (flags &
		    ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
			return -EINVAL;
		if (empty_path_on_fd(c, 1, flags, &r))
			return stat_on_fd(c, (int)c->args[0], buf,
					  c->s->strict);
		if (r < 0)
			return r;
	}
	r = resolve_read(c, dirfd_arg, path_arg, VFS_INTENT_READ,
			 VFS_F_HOST_LAZY | nofollow(flags), &p, &fd);
	if (r == 1)
		return SUP_CONTINUE; /* see resolve_read() */
	if (r < 0)
		return r;
	/* real has its symlinks resolved unless the app asked not to follow:
	 * never follow here, so a raced symlink is not followed either. */
	if (r == SHARE_FD)
		e = AT_EMPTY_PATH, rp = "";
	else
		e = real_at(c, VFS_INTENT_READ,
			    VFS_F_HOST_LAZY | nofollow(flags), &p, &fd, &rp);
	if (e < 0)
		return e;
	r = fstatat(fd, rp, &st, AT_SYMLINK_NOFOLLOW | e) ? -errno : 0;
	close_at(fd, e);
	if (r < 0)
		return r;
	vfs_fix_stat(c->s->vfs, &p.res, &st);
	r = target_write(c, buf, &st, sizeof(st));
	return r < 0 ? r : 0;
}

long sys_statx(struct appv_sc_call *c)
{
	int flags = (int)c->args[2], r;
	unsigned int mask = (unsigned int)c->args[3];
	struct sup_path p;
	struct statx stx;
	const char *rp = NULL;
	int fd = AT_FDCWD, e = 0;
	bool listing = false;

	if (empty_path_on_fd(c, 1, flags, &r)) {
		listing = true;
		if (!sup_fd_listing(c, (int)c->args[0], &p))
			return standin_abs(c, &p)
				   ? standin_stat(c, (int)c->args[0], &p,
						  c->args[4], true)
				   : fd_stat(c, (int)c->args[0], &p, c->args[4],
					     true, c->s->strict);
	} else if (r < 0) {
		return r;
	} else {
		r = resolve_read(c, 0, 1, VFS_INTENT_READ,
				 VFS_F_HOST_LAZY | nofollow(flags), &p, &fd);
		if (r == 1)
			return SUP_CONTINUE; /* see resolve_read() */
		if (r < 0)
			return r;
		if (r == SHARE_FD)
			e = AT_EMPTY_PATH, rp = "";
		else
			e = real_at(c, VFS_INTENT_READ,
				    VFS_F_HOST_LAZY | nofollow(flags), &p, &fd,
				    &rp);
		if (e < 0)
			return e;
	}
	r = statx(fd, rp ? rp : p.res.real,
		  (flags & ~AT_EMPTY_PATH) | AT_SYMLINK_NOFOLLOW | e, mask,
		  &stx)
		? -errno
		: 0;
	close_at(fd, e);
	if (r < 0)
		return r;
	/* The entry changed type since the resolution (an upper directory
	 * exchanged with its whiteout by another session's rename). */
	if ((stx.stx_mask & STATX_TYPE) && !rp &&
	    ((stx.stx_mode ^ p.res.mode) & S_IFMT))
		return listing ? fd_stat(c, (int)c->args[0], &p, c->args[4],
					 true, c->s->strict)
			       : -ESTALE;
	vfs_fix_statx(c->s->vfs, &p.res, &stx);
	r = target_write(c, c->args[4], &stx, sizeof(stx));
	return r < 0 ? r : 0;
}

long sys_statfs(struct appv_sc_call *c)
{
	struct sup_path p;
	struct statfs sf;
	int fd, r = resolve_read(c, -1, 0, VFS_INTENT_READ, VFS_F_HOST_LAZY, &p,
				 &fd);

	if (r == 1)
		return SUP_CONTINUE; /* see resolve_read() */
	if (r < 0)
		return r;
	if (r == SHARE_FD || vfs_res_host_checked(&p.res)) {
		if (r != SHARE_FD)
			fd = sup_host_path_fd(c, VFS_INTENT_READ,
					      VFS_F_HOST_LAZY, &p);
		if (fd < 0)
			return fd;
		r = fstatfs(fd, &sf) ? -errno : 0;
		close(fd);
	} else {
		r = statfs(p.res.real, &sf) ? -errno : 0;
	}
	if (r < 0)
		return r;
	r = target_write(c, c->args[1], &sf, sizeof(sf));
	return r < 0 ? r : 0;
}

/* fstatfs of a merged directory's listing (a directory of the session's
 * scratch): as statfs of its path says.  Without the shim only (fd_only);
 * the shim answers it alike. */
long sys_fstatfs(struct appv_sc_call *c)
{
	struct sup_path p;
	struct statfs sf;
	int r;

	if ((int)c->args[0] < 0 || !sup_fd_listing(c, (int)c->args[0], &p))
		return SUP_CONTINUE; /* not a listing: the descriptor's own
					file system is the answer */
	if (statfs(p.res.real, &sf))
		return SUP_CONTINUE; /* gone since: the descriptor's own */
	r = target_write(c, c->args[1], &sf, sizeof(sf));
	return r < 0 ? r : 0;
}

long sys_access(struct appv_sc_call *c)
{
	int nr = c->req->data.nr, dirfd_arg = 0, path_arg = 1, mode, flags = 0;
	struct sup_path p;
	const char *rp;
	int r, fd, e, vflags;

	if (nr == SYS_access)
		dirfd_arg = -1, path_arg = 0, mode = (int)c->args[1];
	else
		mode = (int)c->args[2];
	if (nr == SYS_faccessat2)
		flags = (int)c->args[3];
	if (mode & ~(R_OK | W_OK | X_OK) ||
	    flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (empty_path_on_fd(c, path_arg, flags, &r)) {
		int tfd;

		/* A stand-in: its symlink's answer. */
		if (sup_fd_standin(c, (int)c->args[0], &p)) {
			e = standin_at(c, &p, &fd, &rp);
			if (e < 0)
				return e;
			r = faccessat(fd, rp, mode,
				      (flags & AT_EACCESS) |
					  AT_SYMLINK_NOFOLLOW | e)
				? -errno
				: 0;
			close_at(fd, e);
			return r;
		}
		tfd = getfd_at(c, (int)c->args[0]);
		if (tfd < 0)
			return tfd;
		r = faccessat(tfd, "", mode, flags) ? -errno : 0;
		close(tfd);
		return r;
	}
	if (r < 0)
		return r;
	vflags = VFS_F_HOST_LAZY | nofollow(flags);
	c->real_ids = !(flags & AT_EACCESS);
	r = resolve_read(c, dirfd_arg, path_arg,
			 mode & W_OK ? VFS_INTENT_WRITE : VFS_INTENT_READ,
			 vflags, &p, &fd);
	if (r == 1)
		return SUP_CONTINUE; /* see resolve_read() */
	if (r < 0)
		return r;
	if (r == SHARE_FD) {
		r = faccessat(fd, "", mode,
			      (flags & AT_EACCESS) | AT_EMPTY_PATH)
			? -errno
			: 0;
		close(fd);
		return r;
	}
	/* A package directory (u+rx in the cache) or the upper copy of a
	 * host one: what the virtual one grants (as the shim's final_perm;
	 * R_OK, W_OK, X_OK are VFS_MAY_*). */
	if (mode && S_ISDIR(p.res.mode) &&
	    (p.res.layer == VFS_LAYER_IMAGE || p.res.merged_dir)) {
		r = sup_may_access(c, &p, mode);
		if (r < 0)
			return r;
	}
	e = real_at(c, mode & W_OK ? VFS_INTENT_WRITE : VFS_INTENT_READ, vflags,
		    &p, &fd, &rp);
	if (e < 0)
		return e;
	r = faccessat(fd, rp, mode,
		      (flags & AT_EACCESS) | AT_SYMLINK_NOFOLLOW | e)
		? -errno
		: 0;
	close_at(fd, e);
	return r;
}

/* readlink of the process's /proc/self or /proc/thread-self that the
 * supervisor resolved (a ".." or a symlink on the way, a path relative to
 * a virtual directory): @p->abs is /proc/TGID[/task/TID] by now, and the
 * app's last name says which link it was.  Their text, as the kernel's
 * for the process: its length, or 0. */
static int self_link_text(struct appv_sc_call *c, const struct sup_path *p,
			  char *out, size_t cap)
{
	const char *last = strrchr(p->raw, '/');
	char want[64];

	last = last ? last + 1 : p->raw;
	if (!strcmp(last, "self"))
		snprintf(want, sizeof(want), "/proc/%d", (int)target_tgid(c));
	else if (!strcmp(last, "thread-self"))
		snprintf(want, sizeof(want), "/proc/%d/task/%d",
			 (int)target_tgid(c), (int)c->tid);
	else
		return 0;
	if (strcmp(p->abs, want))
		return 0;
	return snprintf(out, cap, "%s", want + 6);
}

/* /dev/stdin, /dev/stdout, /dev/stderr as the final component, which the
 * walk replaced by the target's /proc/TGID/fd/N (dev_fd_subst): their own
 * text, the host's link (the same for any process), not the descriptor's
 * target.  0 for any other path. */
static int dev_std_text(struct appv_sc_call *c, const struct sup_path *p,
			char *out, size_t cap)
{
	static const char *const std[] = {"stdin", "stdout", "stderr"};
	const char *last = strrchr(p->raw, '/');
	char want[64], dev[16];
	ssize_t n;

	last = last ? last + 1 : p->raw;
	for (int i = 0; i < 3; i++) {
		if (strcmp(last, std[i]))
			continue;
		snprintf(want, sizeof(want), "/proc/%d/fd/%d",
			 (int)target_tgid(c), i);
		if (strcmp(p->abs, want))
			return 0;
		snprintf(dev, sizeof(dev), "/dev/%s", std[i]);
		n = readlink(dev, out, cap - 1);
		if (n < 0)
			return -errno;
		out[n] = '\0';
		return (int)n;
	}
	return 0;
}

long sys_readlink(struct appv_sc_call *c)
{
	bool at = c->req->data.nr == SYS_readlinkat;
	uint64_t buf = c->args[at ? 2 : 1];
	long size = (long)c->args[at ? 3 : 2];
	char out[PATH_MAX];
	struct sup_path p;
	bool shared = false;
	const char *rp;
	int r, n, fd, e;

	if ((int)size <= 0)
		return -EINVAL;
	if (at && target_read(c, c->args[1], out, 1) == 0 && !out[0]) {
		/* readlinkat(fd, ""): the link the descriptor itself is
		 * (O_PATH | O_NOFOLLOW), no lookup.  Strict mode reads it
		 * here: continued, the kernel would read the string again.
		 * A stand-in's is its symlink's text. */
		if (sup_fd_standin(c, (int)c->args[0], &p)) {
			e = standin_at(c, &p, &fd, &rp);
			if (e < 0)
				return e;
			n = (int)readlinkat(fd, rp, out, sizeof(out) - 1);
			n = n < 0 ? -errno : n;
			close_at(fd, e);
			if (n < 0)
				return n;
			goto answer;
		}
		if (!c->s->strict)
			return SUP_CONTINUE;
		fd = getfd_at(c, (int)c->args[0]);
		if (fd < 0)
			return fd;
		n = (int)readlinkat(fd, "", out, sizeof(out));
		n = n < 0 ? -errno : n;
		close(fd);
		if (n < 0)
			return n;
		goto answer;
	}
	r = sup_resolve_arg(c, at ? 0 : -1, at ? 1 : 0, VFS_INTENT_READ,
			    VFS_F_NOFOLLOW | VFS_F_HOST_LAZY, &p);
	if (r < 0)
		return r;
	n = r == 1 && !c->s->strict ? 0
				    : self_link_text(c, &p, out, sizeof(out));
	if (n == 0 && (r == 1 || p.proc_here))
		n = dev_std_text(c, &p, out, sizeof(out));
	if (n == 0)
		n = sup_proc_link(c, p.abs, out, sizeof(out));
	if (n < 0)
		return n;
	if (n == 0) {
		if ((r == 1 && !c->s->strict) || may_continue(c, &p))
			return SUP_CONTINUE; /* read-only; see may_continue() */
		shared = r == 1;
		r = shared ? share_at(c, &p, VFS_F_NOFOLLOW, &fd) : 1;
		if (r < 0)
			return r;
		if (r == 0) {
			e = AT_EMPTY_PATH, rp = "";
		} else {
			e = real_at(c, VFS_INTENT_READ,
				    VFS_F_NOFOLLOW | VFS_F_HOST_LAZY, &p, &fd,
				    &rp);
		}
		if (e < 0)
			return e;
		n = (int)readlinkat(fd, rp, out, sizeof(out) - 1);
		n = n < 0 ? -errno : n;
		close_at(fd, e);
		/* A link under /proc/PID (ns/...) of a process the target
		 * may not trace: not its to read. */
		if (n >= 0 && shared && sup_proc_untraced(c, p.abs))
			n = -EACCES;
		if (n == -ENOENT && e)
			n = -EINVAL; /* the descriptor is no symlink */
		if (n < 0)
			return n;
	}
answer:
	if (n > (int)size)
		n = (int)size;
	r = target_write(c, buf, out, (size_t)n);
	return r < 0 ? r : n;
}

long sys_inotify(struct appv_sc_call *c)
{
	uint32_t mask = (uint32_t)c->args[2];
	struct sup_path p;
	char self[64];
	int r, tfd, sfd;

	r = resolve_read(c, -1, 1, VFS_INTENT_READ,
			 (mask & IN_DONT_FOLLOW ? VFS_F_NOFOLLOW : 0) |
			     (mask & IN_ONLYDIR ? VFS_F_DIRECTORY : 0),
			 &p, &sfd);
	if (r == 1)
		return SUP_CONTINUE; /* see resolve_read() */
	if (r < 0)
		return r;
	if (r == SHARE_FD) {
		/* What the descriptor names, through its magic link. */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", sfd);
		tfd = target_getfd(c, (int)c->args[0]);
		r = tfd < 0 ? tfd
			    : inotify_add_watch(
				  tfd, self, mask & ~(uint32_t)IN_DONT_FOLLOW);
		r = r < 0 && tfd >= 0 ? -errno : r;
		if (tfd >= 0)
			close(tfd);
		close(sfd);
		return r;
	}
	/* A package directory never changes; what the program makes in it
	 * lands in its upper copy: watch that one (made now).  A host
	 * directory is watched on the host, for changes made outside. */
	if (p.res.layer == VFS_LAYER_IMAGE && S_ISDIR(p.res.mode) &&
	    (p.res.rule == VFS_RULE_WRITECOPY || p.res.rule == VFS_RULE_FULL)) {
		r = sup_make_writable(c, &p.res);
		if (r < 0)
			return r;
	}
	/* The watch is added to the target's own inotify instance (the
	 * duplicate shares its open file description). */
	tfd = target_getfd(c, (int)c->args[0]);
	if (tfd < 0)
		return tfd;
	r = inotify_add_watch(tfd, p.res.real, mask | IN_DONT_FOLLOW);
	r = r < 0 ? -errno : r;
	close(tfd);
	return r;
}

long sys_getdents(struct appv_sc_call *c)
{
	return getdents_fd(c, true);
}
