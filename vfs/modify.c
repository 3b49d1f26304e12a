// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/modify.c - overlay changes of the name space (supervisor only):
 * whiteouts, opaque directories, removal, mkdir, recursive copy-up.
 *
 * Representation (vfs/README.md, "Whiteouts"): unprivileged users cannot
 * make overlayfs's 0/0 character devices, so a whiteout is a symlink whose
 * target is VFS_WHITEOUT_TARGET, and an opaque directory holds a symlink
 * VFS_OPAQUE_NAME -> VFS_OPAQUE_TARGET.  Lookups recognise a whiteout from
 * the lstat they already do (S_ISLNK and the target's length); opaqueness
 * is asked only of directories that also exist in a lower layer, through
 * the shared filter first (upper_names.c).  The application cannot create
 * symlinks with these targets (vfs_reserved_target).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "../common/path.h"
#include "../common/sys.h"
#include "vfs_internal.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static bool writecopy(int rule)
{
	return rule == VFS_RULE_WRITECOPY || rule == VFS_RULE_FULL;
}

/*
 * @vpath is canonical and its parent a directory of the union (the caller
 * resolved it): a lower layer holds it unless an opaque upper directory
 * above hides the lower ones, or the rule hides the layer, or the layer has
 * nothing at that path.  The image costs a hash probe, the host one lstat
 * (the kernel follows host symlinks on the way, as the walk's hand-off
 * does); no walk of the upper layer.
 */
int vfs_lower_exists(struct vfs *vfs, const char *vpath, mode_t *mode)
{
	int rule = vfs_rule_for(vfs, vpath);
	size_t len = strlen(vpath);
	struct layer_hit hit;
	struct stat st;

	if (len < 2 || vpath[0] != '/')
		return 0; /* "/" is in every layer, and never removed */
	for (size_t i = 1; i < len; i++)
		if (vpath[i] == '/' && vfs_upper_opaque(vfs, vpath, i))
			return 0;
	if (vfs->idx && vfs_rule_shows_image(rule) &&
	    vfs_image_ops.lookup(vfs, vpath, len, &hit) == 0) {
		if (mode)
			*mode = hit.mode;
		return 1;
	}
	if (!vfs_rule_shows_host(rule) ||
	    appv_fstatat(AT_FDCWD, vpath, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (mode)
		*mode = st.st_mode;
	return 1;
}

/*
 * Removal of the entry at @real by the whiteout in @tmp, exactly once: of
 * several sessions removing one name, the first wins and the others get
 * -ENOENT, as natively.  Nothing upper there: the whiteout is renamed in
 * (RENAME_NOREPLACE).  Else it is exchanged with what is there (one
 * atomic step, so no two removals both find the entry): another whiteout
 * means the name was removed already; a directory (made since the
 * caller's resolution) is put back (-ESTALE); anything else is the
 * removed entry.  @tmp is gone afterwards but on failure.
 */
static int whiteout_once(struct vfs *vfs, const char *tmp, const char *real)
{
	struct stat st;
	int r = -EEXIST, k;

	for (int tries = 0; tries < 4 && r == -EEXIST; tries++) {
		r = (int)vfs_upper_sys_in(vfs, real, SYS_renameat2, AT_FDCWD,
					  (long)tmp, AT_FDCWD, (long)real,
					  RENAME_NOREPLACE);
		if (r != -EEXIST)
			return r;
		r = (int)vfs_upper_sys_in(vfs, real, SYS_renameat2, AT_FDCWD,
					  (long)tmp, AT_FDCWD, (long)real,
					  RENAME_EXCHANGE);
		if (r == -ENOENT)
			r = -EEXIST; /* gone again meanwhile: rename in */
	}
	if (r < 0)
		return r;
	if (appv_fstatat(AT_FDCWD, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode)) {
		r = (int)vfs_upper_sys_in(vfs, real, SYS_renameat2, AT_FDCWD,
					  (long)tmp, AT_FDCWD, (long)real,
					  RENAME_EXCHANGE);
		return r < 0 ? r : -ESTALE;
	}
	k = vfs_upper_marker(tmp);
	appv_unlinkat(AT_FDCWD, tmp, 0);
	return k == VFS_MARKER_WHITEOUT ? -ENOENT : 0;
}

/* A whiteout for @vpath at @real: made in the work directory and renamed
 * over, so an upper non-directory there is replaced atomically (never a
 * moment without either); with @once, as the removal of what is there
 * (whiteout_once).  Its directory is noted first: should the lower one
 * go, the directory is still listed through a merge, which hides it. */
static int put_whiteout(struct vfs *vfs, const char *vpath, const char *real,
			bool once)
{
	char tmp[PATH_MAX];
	int r = vfs_temp_work(vfs, VFS_WORK_WHITEOUT, tmp, sizeof(tmp));

	if (r < 0)
		return r;
	vfs_whiteout_note(vfs, vpath);
	r = (int)APPV_SYS(SYS_symlinkat, VFS_WHITEOUT_TARGET, AT_FDCWD, tmp, 0,
			  0, 0);
	if (r < 0)
		return r;
	if (once)
		r = whiteout_once(vfs, tmp, real);
	else
		r = (int)vfs_upper_sys_in(vfs, real, SYS_renameat2, AT_FDCWD,
					  (long)tmp, AT_FDCWD, (long)real, 0);
	if (r < 0)
		APPV_SYS(SYS_unlinkat, AT_FDCWD, tmp, 0, 0, 0, 0);
	return r;
}

static int whiteout_at(struct vfs *vfs, const char *vpath, bool once)
{
	char real[PATH_MAX];
	int r = vfs_upper_ops.real(vfs, vpath, real, sizeof(real));

	if (r < 0)
		return r;
	vfs_names_note(vfs, vpath);
	r = vfs_upper_make_parents(vfs, vpath);
	if (r == 0)
		r = put_whiteout(vfs, vpath, real, once);
	vfs_names_sync(vfs);
	return r;
}

int vfs_whiteout(struct vfs *vfs, const char *vpath)
{
	return whiteout_at(vfs, vpath, false);
}

static int mark_opaque(struct vfs *vfs, const char *vpath, const char *real)
{
	char m[PATH_MAX];
	size_t n = strlen(real), nl = sizeof(VFS_OPAQUE_NAME) - 1;
	int r;

	if (n + 1 + nl + 1 > sizeof(m))
		return -ENAMETOOLONG;
	memcpy(m, real, n);
	m[n] = '/';
	memcpy(m + n + 1, VFS_OPAQUE_NAME, nl + 1);
	vfs_opaque_note(vfs, vpath);
	r = (int)vfs_upper_sys(vfs, real, n, SYS_symlinkat,
			       (long)VFS_OPAQUE_TARGET, AT_FDCWD, (long)m, 0,
			       0);
	if (r == -EEXIST && vfs_upper_marker(m) == VFS_MARKER_OPAQUE)
		return 0;
	return r; /* -EEXIST: the application's own entry holds the name */
}

int vfs_opaque_name_free(const char *real)
{
	char m[PATH_MAX];
	size_t n = strlen(real), nl = sizeof(VFS_OPAQUE_NAME) - 1;
	int k;

	if (n + 1 + nl + 1 > sizeof(m))
		return -ENAMETOOLONG;
	memcpy(m, real, n);
	m[n] = '/';
	memcpy(m + n + 1, VFS_OPAQUE_NAME, nl + 1);
	k = vfs_upper_marker(m);
	if (k == -ENOENT || k == VFS_MARKER_OPAQUE)
		return 0;
	return k < 0 ? k : -EPERM;
}

/* Remove the markers directly in upper directory @real: whiteouts, and
 * the opaque marker unless @keep_opaque. */
static int strip_markers(struct vfs *vfs, const char *real, bool keep_opaque)
{
	char buf[8192];
	struct stat st, dst;
	struct timespec before = {0, UTIME_OMIT};
	bool stripped = false;
	int fd, r = 0, k;

	fd = vfs_upper_open_dir(vfs, real);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	if (appv_fstatat(fd, "", &dst, AT_EMPTY_PATH) == 0)
		before = dst.st_mtim;
	for (;;) {
		ssize_t n = appv_getdents64(fd, buf, sizeof(buf));

		if (n <= 0) {
			r = (int)n;
			break;
		}
		for (ssize_t off = 0; off < n && r == 0;) {
			const struct linux_dirent64 *d = (void *)(buf + off);

			off += d->d_reclen;
			if (d->d_type != 10 /* DT_LNK */ &&
			    d->d_type != 0 /* DT_UNKNOWN */)
				continue;
			if (appv_fstatat(fd, d->d_name, &st,
					 AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			k = vfs_marker_at(fd, d->d_name, &st);
			if (k == VFS_MARKER_WHITEOUT ||
			    (k == VFS_MARKER_OPAQUE && !keep_opaque)) {
				r = (int)vfs_upper_sys(
				    vfs, real, strlen(real), SYS_unlinkat, fd,
				    (long)d->d_name, 0, 0, 0);
				stripped = true;
			}
		}
		if (r < 0)
			break;
	}
	/* Markers are bookkeeping: the directory's times stay. */
	if (stripped && appv_fstatat(fd, "", &dst, AT_EMPTY_PATH) == 0) {
		struct timespec ts[2] = {dst.st_atim, before};

		APPV_SYS(SYS_utimensat, fd, NULL, ts, 0, 0, 0);
	}
	appv_close(fd);
	return r;
}

static int strip_deep(struct vfs *vfs, char *path, size_t len,
		      bool keep_opaque);

static bool strip_sub(const struct linux_dirent64 *d)
{
	return d->d_type == 4 /* DT_DIR */ &&
	       !(d->d_name[0] == '.' &&
		 (!d->d_name[1] || (d->d_name[1] == '.' && !d->d_name[2])));
}

/* The next subdirectory of @path at or after directory offset *@pos:
 * its name goes after @path (at @len), *@pos past it; 1, 0 at the end,
 * or -errno.  No descriptor stays open across levels. */
static int strip_next(struct vfs *vfs, char *path, size_t len, long *pos)
{
	char buf[1024];
	ssize_t n;
	int fd = vfs_upper_open_dir(vfs, path);

	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	n = APPV_SYS(SYS_lseek, fd, *pos, SEEK_SET, 0, 0, 0);
	while (n >= 0 && (n = appv_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			const struct linux_dirent64 *d = (void *)(buf + off);
			size_t nl = strlen(d->d_name);

			off += d->d_reclen;
			*pos = (long)d->d_off;
			if (!strip_sub(d))
				continue;
			appv_close(fd);
			if (len + 1 + nl + 1 > PATH_MAX)
				return -ENAMETOOLONG;
			path[len] = '/';
			memcpy(path + len + 1, d->d_name, nl + 1);
			return 1;
		}
	}
	appv_close(fd);
	return (int)n;
}

/* strip_markers in upper directory @path (@len bytes, in a PATH_MAX
 * buffer that every level extends in place) and every directory below:
 * as deep as a path can be, with a small frame per level.  @keep_opaque
 * keeps @path's own opaque marker (not those below). */
static int strip_deep(struct vfs *vfs, char *path, size_t len, bool keep_opaque)
{
	long pos = 0;
	int r = strip_markers(vfs, path, keep_opaque);

	while (r == 0 && (r = strip_next(vfs, path, len, &pos)) > 0) {
		r = strip_deep(vfs, path, strlen(path), false);
		path[len] = '\0';
	}
	return r;
}

static int remove_upper(struct vfs *vfs, const struct vfs_res *res, bool dir,
			int lower)
{
	int r;

	if (!dir)
		return lower ? put_whiteout(vfs, res->vpath, res->real, true)
			     : appv_unlinkat(AT_FDCWD, res->real, 0);
	/* An empty directory goes at once: stripping markers first reads
	 * it, which a watcher of its parent sees as IN_OPEN, IN_ACCESS and
	 * IN_CLOSE_NOWRITE before the IN_DELETE an rmdir gives natively. */
	r = appv_unlinkat(AT_FDCWD, res->real, AT_REMOVEDIR);
	if (r == -ENOTEMPTY || r == -EEXIST) {
		r = strip_markers(vfs, res->real, false);
		if (r == 0)
			r = appv_unlinkat(AT_FDCWD, res->real, AT_REMOVEDIR);
		/* An entry made meanwhile (with the shim, the program's own
		 * create is made directly): the directory stays, empty in the
		 * union but for it, and made opaque it hides what the markers
		 * hid (e2e ov_rmdir_race_markers). */
		if (r < 0 && lower)
			(void)vfs_settle_dir(vfs, res->vpath, false);
	}
	if (r == 0 && lower)
		r = vfs_whiteout(vfs, res->vpath);
	return r;
}

int vfs_remove(struct vfs *vfs, const struct vfs_res *res, bool dir)
{
	int lower, r;

	if (res->layer == VFS_LAYER_NONE)
		return -ENOENT;
	if (dir && !S_ISDIR(res->mode))
		return -ENOTDIR;
	if (!dir && S_ISDIR(res->mode))
		return -EISDIR;
	if (res->rule == VFS_RULE_SHARE && res->layer == VFS_LAYER_HOST)
		return appv_unlinkat(AT_FDCWD, res->real,
				     dir ? AT_REMOVEDIR : 0);
	if (!writecopy(res->rule))
		return -EROFS;
	if (dir && (res->merged_dir || res->layer != VFS_LAYER_UPPER)) {
		r = vfs_dir_empty(vfs, res);
		if (r <= 0)
			return r < 0 ? r : -ENOTEMPTY;
	}
	lower = vfs_lower_exists(vfs, res->vpath, NULL);
	if (lower < 0)
		return lower;
	if (dir) {
		vfs_upper_change_begin(vfs);
		vfs_upper_move_begin(vfs);
	}
	if (res->layer == VFS_LAYER_UPPER) {
		struct vfs_origin_key key;

		vfs_origin_key(vfs, res->real, &key);
		r = remove_upper(vfs, res, dir, lower);
		vfs_origin_drop(vfs, res->real, &key);
	} else {
		r = whiteout_at(vfs, res->vpath, true);
	}
	if (dir) {
		vfs_upper_move_end(vfs);
		vfs_upper_change_end(vfs); /* also after a partial failure */
	}
	/* Every name in upper was noted: the filter is current once a
	 * top-level removal's new root ctime is stored. */
	if (!strchr(res->vpath + 1, '/'))
		vfs_names_sync(vfs);
	return r;
}

int vfs_mkdir(struct vfs *vfs, struct vfs_res *res, mode_t mode)
{
	mode_t lmode = 0, got, want;
	struct stat st;
	int lower, r;

	if (res->layer != VFS_LAYER_NONE)
		return -EEXIST;
	if (res->rule == VFS_RULE_SHARE)
		return appv_mkdirat(AT_FDCWD, res->real, mode);
	r = vfs_make_writable(vfs, res);
	if (r < 0)
		return r;
	lower = vfs_lower_exists(vfs, res->vpath, &lmode);
	if (lower < 0)
		return lower;
	if (!lower || !S_ISDIR(lmode)) {
		r = appv_mkdirat(AT_FDCWD, res->real, mode);
		vfs_names_sync(vfs); /* the name was noted */
		return r;
	}
	/* Over a deleted lower directory: opaque.  Made u+wx to let the
	 * marker in (no grant needed), the rest of its bits the kernel's
	 * (the umask, or the parent's default ACL, which has the umask
	 * ignored); a u+wx not asked for is taken back after the marker,
	 * the bits mkdir gave kept (so at once for a mode with u+wx). */
	r = appv_mkdirat(AT_FDCWD, res->real, mode | 0300);
	if (r < 0)
		return r;
	r = appv_fstatat(AT_FDCWD, res->real, &st, AT_SYMLINK_NOFOLLOW);
	got = r == 0 ? st.st_mode & 07777 : 0;
	want = got & ~(0300 & ~mode);
	if (r == 0 && (got & 0300) != 0300) { /* a umask, an ACL without */
		r = (int)APPV_SYS(SYS_fchmodat, AT_FDCWD, res->real, got | 0300,
				  0, 0, 0);
		got |= 0300;
	}
	if (r == 0)
		r = mark_opaque(vfs, res->vpath, res->real);
	if (r == 0 && got != want)
		r = (int)APPV_SYS(SYS_fchmodat, AT_FDCWD, res->real, want, 0, 0,
				  0);
	/* Moved or removed by another session since it was made (its
	 * place a whiteout now): natively that follows the mkdir, which
	 * succeeded, and what is there now is not this call's. */
	if (r == -ENOENT || r == -ENOTDIR)
		r = 0;
	if (r < 0)
		appv_unlinkat(AT_FDCWD, res->real, AT_REMOVEDIR);
	/* A shim may have cached the directory as not opaque (or at all)
	 * before its marker was made. */
	vfs_upper_changed(vfs);
	vfs_names_sync(vfs);
	return r;
}

/* mark_opaque of a directory that keeps its times (a marker is no change
 * of it). */
static int mark_opaque_keep_times(struct vfs *vfs, const char *vpath,
				  const char *real)
{
	struct stat st;
	bool keep = appv_fstatat(AT_FDCWD, real, &st, AT_SYMLINK_NOFOLLOW) == 0;
	int r = mark_opaque(vfs, vpath, real);

	if (keep) {
		struct timespec ts[2] = {st.st_atim, st.st_mtim};

		APPV_SYS(SYS_utimensat, AT_FDCWD, real, ts,
			 AT_SYMLINK_NOFOLLOW, 0, 0);
	}
	return r;
}

/*
 * Over a lower directory the marker goes in before the others are
 * stripped, and stays: a directory renamed there (sys_rename makes it
 * opaque before the move) is never merged with the lower one, whose
 * entries another session's lookup or listing would otherwise find
 * meanwhile.
 */
int vfs_settle_dir(struct vfs *vfs, const char *vpath, bool markers)
{
	char real[PATH_MAX];
	mode_t lmode = 0;
	bool over;
	int r = vfs_upper_ops.real(vfs, vpath, real, sizeof(real));

	if (r < 0)
		return r;
	r = vfs_lower_exists(vfs, vpath, &lmode);
	if (r < 0)
		return r;
	over = r > 0 && S_ISDIR(lmode);
	r = over ? mark_opaque_keep_times(vfs, vpath, real) : 0;
	if (r == 0 && markers)
		r = strip_deep(vfs, real, strlen(real), over);
	return r;
}

int vfs_opaque_before_move(struct vfs *vfs, const char *to, const char *real)
{
	mode_t lmode = 0;
	int r = vfs_lower_exists(vfs, to, &lmode);

	if (r <= 0 || !S_ISDIR(lmode))
		return r;
	return mark_opaque_keep_times(vfs, to, real);
}

ino_t vfs_upper_ino(const char *path)
{
	struct stat st;

	return appv_fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW)
		   ? 0
		   : st.st_ino;
}

/* Only while the same entry: the moves lock is not held, and another
 * session's rename to that name may have taken it meanwhile. */
void vfs_rename_whiteout_undo(struct vfs *vfs, const char *real, ino_t ino)
{
	if (vfs_upper_ino(real) == ino &&
	    vfs_upper_marker(real) == VFS_MARKER_WHITEOUT)
		(void)vfs_upper_sys_in(vfs, real, SYS_unlinkat, AT_FDCWD,
				       (long)real, 0, 0, 0);
}

int vfs_rename_whiteout(struct vfs *vfs, struct vfs_res *res, bool make)
{
	char real[PATH_MAX], tmp[PATH_MAX];
	int r = vfs_upper_ops.real(vfs, res->vpath, real, sizeof(real)), k;

	if (r < 0)
		return r;
	k = vfs_upper_marker(real);
	if (k != VFS_MARKER_WHITEOUT && (!make || k != -ENOENT))
		return 0; /* rename_target's way */
	memcpy(res->real, real, strlen(real) + 1);
	res->changed = true;
	if (k == VFS_MARKER_WHITEOUT)
		return 1;
	vfs_names_note(vfs, res->vpath);
	r = vfs_upper_make_parents(vfs, res->vpath);
	if (r == 0)
		r = vfs_temp_work(vfs, VFS_WORK_WHITEOUT, tmp, sizeof(tmp));
	if (r == 0) {
		vfs_whiteout_note(vfs, res->vpath);
		r = (int)APPV_SYS(SYS_symlinkat, VFS_WHITEOUT_TARGET, AT_FDCWD,
				  tmp, 0, 0, 0);
	}
	/* Never over an entry another session made meanwhile. */
	if (r == 0) {
		r = (int)vfs_upper_sys_in(vfs, real, SYS_renameat2, AT_FDCWD,
					  (long)tmp, AT_FDCWD, (long)real,
					  RENAME_NOREPLACE);
		if (r < 0)
			APPV_SYS(SYS_unlinkat, AT_FDCWD, tmp, 0, 0, 0, 0);
		if (r == -EEXIST)
			r = vfs_upper_marker(real) == VFS_MARKER_WHITEOUT
				? 1
				: -ESTALE;
		else if (r == 0)
			r = 2;
	}
	vfs_names_sync(vfs);
	return r;
}

int vfs_clear_dir(struct vfs *vfs, const struct vfs_res *res)
{
	if (res->layer != VFS_LAYER_UPPER || !S_ISDIR(res->mode))
		return -EINVAL;
	return strip_markers(vfs, res->real, false);
}

/* ---- recursive copy-up ----------------------------------------------------
 *
 * All or nothing: a copy of a tree that cannot complete (a host device
 * node below it, which is never copied up; a file it cannot read; a full
 * disk) removes what it made, the upper parents included, and leaves the
 * markers as they were, so that the caller's rename fails with the
 * virtual tree and the overlay as before the call.  What it made is
 * logged as it goes; the directories are made opaque (their whiteouts
 * then void) only once everything is copied.  The log lives in an
 * anonymous mapping: the file is in the shim's build too, which never
 * calls malloc.
 */

enum { TREE_MADE, TREE_MADE_DIR, TREE_SETTLE, TREE_NONE };

/* One record: @size bytes (a multiple of 8), the upper real path and,
 * for TREE_SETTLE, the virtual one after it; the last 4 bytes repeat
 * @size, so that the log is read backwards too.  What was made is known
 * by its inode (@ino 0: not yet): an entry another session put in its
 * place meanwhile (a whiteout of its removal, a directory of its own)
 * stays. */
struct tree_rec {
	uint32_t size;
	uint8_t kind;
	bool keep; /* TREE_SETTLE: put back times @ts */
	struct timespec ts[2];
	uint64_t ino;
	char path[];
};

struct tree {
	struct vfs *vfs;
	int (*prepare)(void *ctx, struct vfs_res *res);
	void *ctx;
	char *log;
	size_t len, cap;
};

/* @ino: the entry made (0: not known yet); @st: the times of the
 * directory to settle. */
static int tree_log(struct tree *t, int kind, const char *real,
		    const char *vpath, uint64_t ino, const struct stat *st)
{
	size_t rl = strlen(real) + 1, vl = vpath ? strlen(vpath) + 1 : 0;
	size_t size = (sizeof(struct tree_rec) + rl + vl + 4 + 7) & ~(size_t)7;
	struct tree_rec *rec;

	if (t->len + size > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 65536;
		void *p;

		while (ncap < t->len + size)
			ncap *= 2;
		p = t->log ? (void *)APPV_SYS(SYS_mremap, t->log, t->cap, ncap,
					      MREMAP_MAYMOVE, 0, 0)
			   : appv_mmap(NULL, ncap, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (appv_mmap_failed(p))
			return -ENOMEM;
		t->log = p;
		t->cap = ncap;
	}
	rec = (struct tree_rec *)(t->log + t->len);
	rec->size = (uint32_t)size;
	rec->kind = (uint8_t)kind;
	rec->keep = st != NULL;
	rec->ino = ino;
	if (st) {
		rec->ts[0] = st->st_atim;
		rec->ts[1] = st->st_mtim;
	}
	memcpy(rec->path, real, rl);
	if (vl)
		memcpy(rec->path + rl, vpath, vl);
	memcpy(t->log + t->len + size - 4, &rec->size, 4);
	t->len += size;
	return 0;
}

/* Remove entry @real that the copy made (inode @ino, if known), keeping
 * its upper parent's times (the removal is no change of the directory
 * either).  A directory that holds more (made meanwhile by another
 * process) stays. */
static void tree_unmake(struct vfs *vfs, const char *real, bool dir,
			uint64_t ino)
{
	char parent[PATH_MAX];
	size_t cut = strlen(real);
	struct vfs_origin_key key;
	struct stat pst;
	bool keep;

	while (cut > 1 && real[cut - 1] != '/')
		cut--;
	if (cut < 2 || cut > sizeof(parent))
		return;
	if (ino && (appv_fstatat(AT_FDCWD, real, &pst, AT_SYMLINK_NOFOLLOW) ||
		    (uint64_t)pst.st_ino != ino))
		return;
	memcpy(parent, real, cut - 1);
	parent[cut - 1] = '\0';
	keep = appv_fstatat(AT_FDCWD, parent, &pst, 0) == 0;
	vfs_origin_key(vfs, real, &key);
	if (vfs_upper_sys_in(vfs, real, SYS_unlinkat, AT_FDCWD, (long)real,
			     dir ? AT_REMOVEDIR : 0, 0, 0) == 0 &&
	    keep) {
		struct timespec ts[2] = {pst.st_atim, pst.st_mtim};

		APPV_SYS(SYS_utimensat, AT_FDCWD, parent, ts, 0, 0, 0);
	}
	vfs_origin_drop(vfs, real, &key);
}

/* The copy failed: what it made goes, the last made first. */
static void tree_undo(struct tree *t)
{
	size_t end = t->len;

	while (end > 0) {
		uint32_t size;
		const struct tree_rec *rec;

		memcpy(&size, t->log + end - 4, 4);
		end -= size;
		rec = (const struct tree_rec *)(t->log + end);
		if (rec->kind == TREE_MADE || rec->kind == TREE_MADE_DIR)
			tree_unmake(t->vfs, rec->path,
				    rec->kind == TREE_MADE_DIR, rec->ino);
	}
	vfs_upper_changed(t->vfs);
}

/* The upper levels logged since @from (tree_parents) get their inodes
 * once made; those not made are no longer the copy's. */
static void tree_levels_made(struct tree *t, size_t from)
{
	for (size_t at = from; at < t->len;) {
		struct tree_rec *rec = (struct tree_rec *)(t->log + at);
		struct stat st;

		at += rec->size;
		if (rec->kind != TREE_MADE_DIR || rec->ino)
			continue;
		if (appv_fstatat(AT_FDCWD, rec->path, &st,
				 AT_SYMLINK_NOFOLLOW) == 0)
			rec->ino = (uint64_t)st.st_ino;
		else
			rec->kind = TREE_NONE;
	}
}

/* The other names of image file @res that its copy-up (link_group) linked
 * to the copy: the copy's too. */
static int tree_links(struct tree *t, const struct vfs_res *res)
{
	char up[PATH_MAX];
	struct vfs_index_ent e;
	struct stat st;
	uint32_t cur = 0;
	int r = 0;

	while (r == 0 &&
	       vfs_index_next_link(t->vfs->idx, res->image_file, &cur, &e) == 1)
		if (strcmp(e.path, res->vpath) != 0 &&
		    vfs_upper_ops.real(t->vfs, e.path, up, sizeof(up)) >= 0 &&
		    appv_fstatat(AT_FDCWD, up, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (uint64_t)st.st_ino == res->copied)
			r = tree_log(t, TREE_MADE, up, NULL, res->copied, NULL);
	return r;
}

/* Log @res (just made writable) if the copy-up was this call's, with the
 * names of a package file's link group (@image) linked to it. */
static int tree_made(struct tree *t, const struct vfs_res *res, bool image)
{
	bool dir = S_ISDIR(res->mode);
	struct stat st;
	int r;

	if (!res->copied)
		return 0;
	r = tree_log(t, dir ? TREE_MADE_DIR : TREE_MADE, res->real, NULL,
		     res->copied, NULL);
	if (r < 0)
		tree_unmake(t->vfs, res->real, dir, res->copied);
	else if (image && t->vfs->idx &&
		 appv_fstatat(AT_FDCWD, res->real, &st, AT_SYMLINK_NOFOLLOW) ==
		     0 &&
		 st.st_nlink > 1)
		r = tree_links(t, res);
	return r;
}

/* The upper levels above @vpath that a copy-up makes (those missing now),
 * logged before they are made (tree_levels_made after): the top level
 * first. */
static int tree_parents(struct tree *t, const char *vpath)
{
	char prefix[PATH_MAX], real[PATH_MAX];
	size_t len = strlen(vpath);
	bool missing = false;
	struct stat st;
	int r;

	for (size_t i = 1; i < len; i++) {
		if (vpath[i] != '/')
			continue;
		memcpy(prefix, vpath, i);
		prefix[i] = '\0';
		r = vfs_upper_ops.real(t->vfs, prefix, real, sizeof(real));
		if (r < 0)
			return r;
		if (!missing)
			missing = appv_fstatat(AT_FDCWD, real, &st,
					       AT_SYMLINK_NOFOLLOW) < 0;
		if (missing) {
			r = tree_log(t, TREE_MADE_DIR, real, NULL, 0, NULL);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Before image file @res is copied up: the upper levels above its other
 * names that link_group may make. */
static int tree_link_parents(struct tree *t, const struct vfs_res *res)
{
	struct vfs_index_ent e;
	struct stat st;
	uint32_t cur = 0;
	int r = 0;

	if (!t->vfs->idx ||
	    appv_fstatat(AT_FDCWD, res->real, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_nlink < 2)
		return 0;
	while (r == 0 &&
	       vfs_index_next_link(t->vfs->idx, res->image_file, &cur, &e) == 1)
		if (strcmp(e.path, res->vpath) != 0)
			r = tree_parents(t, e.path);
	return r;
}

/* Copy non-directory @res up (@top: the upper levels above it too). */
static int tree_file(struct tree *t, struct vfs_res *res, bool top)
{
	bool image = res->layer == VFS_LAYER_IMAGE && S_ISREG(res->mode);
	size_t from = t->len;
	int r = 0;

	if (res->needs_extract && t->prepare)
		r = t->prepare(t->ctx, res);
	if (r == 0 && top && res->layer != VFS_LAYER_UPPER)
		r = tree_parents(t, res->vpath);
	if (r == 0 && image)
		r = tree_link_parents(t, res);
	if (r == 0)
		r = vfs_make_writable(t->vfs, res);
	tree_levels_made(t, from);
	if (r == 0)
		r = tree_made(t, res, image);
	return r;
}

static int tree_up(struct tree *t, struct vfs_res *res, int depth);

/* Copy child @name of directory @dir (virtual) up, recursing into merged or
 * lower directories. */
static int tree_child(struct tree *t, const char *dir, const char *name,
		      int depth)
{
	char v[PATH_MAX];
	struct vfs_req q = {.path = v,
			    .base = "/",
			    .intent = VFS_INTENT_WRITE,
			    .flags = VFS_F_NOFOLLOW};
	struct vfs_res res;
	size_t dl = strlen(dir), nl = strlen(name);
	int r;

	if (dl == 1)
		dl = 0;
	if (dl + 1 + nl + 1 > sizeof(v))
		return -ENAMETOOLONG;
	memcpy(v, dir, dl);
	v[dl] = '/';
	memcpy(v + dl + 1, name, nl + 1);
	r = vfs_resolve(t->vfs, &q, &res);
	if (r == -ENOENT)
		return 0; /* hidden by a rule, or vanished */
	if (r < 0)
		return r;
	if (S_ISDIR(res.mode))
		return res.layer == VFS_LAYER_UPPER && !res.merged_dir
			   ? 0 /* nothing below it is lower */
			   : tree_up(t, &res, depth + 1);
	r = tree_file(t, &res, false);
	return r == -ESTALE ? 0 : r; /* removed meanwhile: gone from it */
}

/* One entry of a directory being copied up (vfs_each_dirent). */
struct tree_dir {
	struct tree *t;
	const char *vpath;
	int depth;
};

static int tree_entry(const struct linux_dirent64 *d, void *ctx)
{
	struct tree_dir *td = ctx;

	return tree_child(td->t, td->vpath, d->d_name, td->depth);
}

/* Copy @res and what is below it up; the directory is logged to be made
 * opaque (tree_settle) once all of it is. */
static int tree_up(struct tree *t, struct vfs_res *res, int depth)
{
	char out[PATH_MAX];
	size_t from = t->len;
	struct stat st;
	bool keep;
	int fd, r;

	if (depth > 200)
		return -ELOOP;
	/* Upper only: nothing below it can be lower; no marker needed. */
	if (res->layer == VFS_LAYER_UPPER && !res->merged_dir)
		return 0;
	r = depth == 0 && res->layer != VFS_LAYER_UPPER
		? tree_parents(t, res->vpath)
		: 0;
	if (r == 0)
		r = vfs_make_writable(t->vfs, res);
	tree_levels_made(t, from);
	if (r == 0)
		r = tree_made(t, res, false);
	if (r < 0)
		return r;
	/* Copying the entries up is no change of the directory. */
	keep = appv_fstatat(AT_FDCWD, res->real, &st, AT_SYMLINK_NOFOLLOW) == 0;
	r = vfs_merge_dir(t->vfs, res, out, sizeof(out));
	if (r < 0)
		return r;
	fd = appv_openat(AT_FDCWD, out, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd >= 0) {
		struct tree_dir td = {t, res->vpath, depth};

		r = vfs_each_dirent(fd, tree_entry, &td);
	} else {
		r = fd;
	}
	if (fd >= 0)
		appv_close(fd);
	vfs_merge_release(t->vfs, out);
	if (r == 0)
		r = tree_log(t, TREE_SETTLE, res->real, res->vpath, 0,
			     keep ? &st : NULL);
	return r;
}

/* Everything visible is in upper now: each directory opaque, so the
 * whiteouts are void (and the directory stays right where it is, should
 * the caller's rename fail; vfs_settle_dir tidies up after a move), the
 * deepest first.  Where an entry of the directory itself is named like
 * the marker, it stays merged with its whiteouts, which hide the same.
 * A failure here (a full disk) leaves the copy complete. */
static int tree_settle(struct tree *t)
{
	int r = 0;

	for (size_t at = 0; at < t->len && r == 0;) {
		const struct tree_rec *rec =
		    (const struct tree_rec *)(t->log + at);
		const char *real = rec->path, *vpath = real + strlen(real) + 1;

		at += rec->size;
		if (rec->kind != TREE_SETTLE)
			continue;
		r = mark_opaque(t->vfs, vpath, real);
		if (r == 0)
			r = strip_markers(t->vfs, real, true);
		else if (r == -EEXIST)
			r = 0;
		if (r == 0 && rec->keep)
			APPV_SYS(SYS_utimensat, AT_FDCWD, real, rec->ts,
				 AT_SYMLINK_NOFOLLOW, 0, 0);
	}
	return r;
}

/* @res (a directory with what is below it, or not a directory), then
 * @other (NULL: none): all or nothing. */
static int tree_copy(struct tree *t, struct vfs_res *res, struct vfs_res *other)
{
	struct vfs_res *top[2] = {res, other};
	int r = 0;

	for (int i = 0; i < 2 && top[i]; i++)
		if (top[i]->rule != VFS_RULE_SHARE && !writecopy(top[i]->rule))
			return -EROFS;
	for (int i = 0; i < 2 && top[i] && r == 0; i++)
		if (top[i]->rule != VFS_RULE_SHARE)
			r = S_ISDIR(top[i]->mode) ? tree_up(t, top[i], 0)
						  : tree_file(t, top[i], true);
	if (r < 0)
		tree_undo(t);
	else
		r = tree_settle(t);
	if (t->log)
		appv_munmap(t->log, t->cap);
	return r;
}

int vfs_copy_up_tree(struct vfs *vfs, struct vfs_res *res,
		     int (*prepare)(void *ctx, struct vfs_res *res), void *ctx)
{
	struct tree t = {.vfs = vfs, .prepare = prepare, .ctx = ctx};

	if (!S_ISDIR(res->mode))
		return -ENOTDIR;
	return tree_copy(&t, res, NULL);
}

int vfs_copy_up_pair(struct vfs *vfs, struct vfs_res *a, struct vfs_res *b,
		     int (*prepare)(void *ctx, struct vfs_res *res), void *ctx)
{
	struct tree t = {.vfs = vfs, .prepare = prepare, .ctx = ctx};

	return tree_copy(&t, a, b);
}
