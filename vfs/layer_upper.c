// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/layer_upper.c - the overlay's writable layer: <upper><vpath>.
 *
 * Whiteouts are symlinks with a reserved target, recognised here at no
 * extra cost on the fast path: the lookup's lstat already says S_ISLNK and
 * gives the target's length; only a symlink of a marker's length is read.
 * Opaque directories hold a marker symlink (VFS_OPAQUE_NAME), checked by
 * the walk only for directories that also exist in a lower layer.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "../common/sys.h"
#include "vfs_internal.h"

static int upper_real(const struct vfs *vfs, const char *vpath, char *out,
		      size_t cap)
{
	return vfs_concat(out, cap, vfs->cfg.upper, vfs->upper_len, vpath);
}

static int upper_lookup(const struct vfs *vfs, const char *vpath, size_t len,
			struct layer_hit *hit)
{
	char real[PATH_MAX];
	struct stat st;
	int r = upper_real(vfs, vpath, real, sizeof(real));

	if (r < 0)
		return r;
	r = appv_fstatat(AT_FDCWD, real, &st, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return r;
	hit->mode = st.st_mode;
	hit->uid = st.st_uid;
	hit->gid = st.st_gid;
	/* An opaque marker looked up by name is as absent as a whiteout. */
	hit->whiteout = vfs_marker_at(AT_FDCWD, real, &st) != VFS_MARKER_NONE;
	hit->opaque = false;
	return 0;
}

#define WH_LEN (sizeof(VFS_WHITEOUT_TARGET) - 1)
#define OPQ_LEN (sizeof(VFS_OPAQUE_TARGET) - 1)

int vfs_marker_at(int dirfd, const char *path, const struct stat *st)
{
	char buf[32];
	ssize_t n;

	if (!S_ISLNK(st->st_mode) ||
	    (st->st_size != (off_t)WH_LEN && st->st_size != (off_t)OPQ_LEN))
		return VFS_MARKER_NONE;
	n = appv_readlinkat(dirfd, path, buf, sizeof(buf));
	if (n == (ssize_t)WH_LEN && !memcmp(buf, VFS_WHITEOUT_TARGET, WH_LEN))
		return VFS_MARKER_WHITEOUT;
	if (n == (ssize_t)OPQ_LEN && !memcmp(buf, VFS_OPAQUE_TARGET, OPQ_LEN))
		return VFS_MARKER_OPAQUE;
	return VFS_MARKER_NONE;
}

int vfs_upper_marker(const char *real)
{
	struct stat st;
	int r = appv_fstatat(AT_FDCWD, real, &st, AT_SYMLINK_NOFOLLOW);

	return r < 0 ? r : vfs_marker_at(AT_FDCWD, real, &st);
}

bool vfs_reserved_target(const char *target)
{
	return !strcmp(target, VFS_WHITEOUT_TARGET) ||
	       !strcmp(target, VFS_OPAQUE_TARGET);
}

bool vfs_upper_opaque(const struct vfs *vfs, const char *vpath, size_t len)
{
	char real[PATH_MAX], buf[32];
	size_t n = vfs->upper_len, nl = sizeof(VFS_OPAQUE_NAME) - 1;
	ssize_t k;

	if (!vfs_opaque_maybe(vfs, vpath, len))
		return false;
	if (len == 1 && vpath[0] == '/')
		len = 0; /* the root is never opaque, but be exact */
	if (n + len + 1 + nl + 1 > sizeof(real))
		return false;
	memcpy(real, vfs->cfg.upper, n);
	memcpy(real + n, vpath, len);
	n += len;
	real[n++] = '/';
	memcpy(real + n, VFS_OPAQUE_NAME, nl + 1);
	k = appv_readlinkat(AT_FDCWD, real, buf, sizeof(buf));
	return k == (ssize_t)OPQ_LEN &&
	       !memcmp(buf, VFS_OPAQUE_TARGET, OPQ_LEN);
}

static int upper_readlink(const struct vfs *vfs, const char *vpath,
			  const struct layer_hit *hit, char *buf, size_t cap)
{
	char real[PATH_MAX];
	ssize_t n;
	int r = upper_real(vfs, vpath, real, sizeof(real));

	if (r < 0)
		return r;
	n = appv_readlinkat(AT_FDCWD, real, buf, cap);
	if (n < 0)
		return (int)n;
	if ((size_t)n >= cap)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

const struct vfs_layer_ops vfs_upper_ops = {
    .layer = VFS_LAYER_UPPER,
    .lookup = upper_lookup,
    .readlink = upper_readlink,
    .real = upper_real,
};

/* The metadata an upper copy of directory @vpath gets: the visible lower
 * directory's permission bits (plus u+rwx so the owner can fill it),
 * times and owner.  false when no lower directory exists. */
static bool lower_dir_stat(const struct vfs *vfs, const char *vpath, size_t len,
			   struct stat *st)
{
	int rule = vfs_rule_for(vfs, vpath);
	struct layer_hit hit;

	if (vfs_rule_shows_image(rule) &&
	    vfs_image_ops.lookup(vfs, vpath, len, &hit) == 0 &&
	    S_ISDIR(hit.mode)) {
		memset(st, 0, sizeof(*st));
		st->st_mode = hit.mode;
		st->st_uid = (uid_t)-1; /* the cache's owner */
		st->st_gid = (gid_t)-1;
		st->st_mtim.tv_sec = hit.ent.mtime;
		st->st_mtim.tv_nsec = hit.ent.mtime_nsec;
		st->st_atim = st->st_mtim;
		return true;
	}
	return vfs_rule_shows_host(rule) &&
	       appv_fstatat(AT_FDCWD, vpath, st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st->st_mode);
}

static int make_dir_like(const char *real, const struct stat *st)
{
	mode_t mode = vfs_upper_dir_mode(st->st_mode);
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	int r = appv_mkdirat(AT_FDCWD, real, mode);

	if (r < 0)
		return r;
	/* mkdir applied the umask: set the lower directory's bits. */
	r = (int)APPV_SYS(SYS_fchmodat, AT_FDCWD, real, mode, 0, 0, 0);
	if (st->st_uid != (uid_t)-1) /* where permitted (root) */
		APPV_SYS(SYS_fchownat, AT_FDCWD, real, st->st_uid, st->st_gid,
			 AT_SYMLINK_NOFOLLOW, 0);
	APPV_SYS(SYS_utimensat, AT_FDCWD, real, ts, AT_SYMLINK_NOFOLLOW, 0, 0);
	return r;
}

int vfs_upper_make_parents(struct vfs *vfs, const char *vpath)
{
	char prefix[PATH_MAX], real[PATH_MAX];
	size_t len = strlen(vpath);
	struct stat st;
	int r;

	if (len >= sizeof(prefix))
		return -ENAMETOOLONG;
	for (size_t i = 1; i < len; i++) {
		if (vpath[i] != '/')
			continue;
		memcpy(prefix, vpath, i);
		prefix[i] = '\0';
		r = upper_real(vfs, prefix, real, sizeof(real));
		if (r < 0)
			return r;
		if (appv_fstatat(AT_FDCWD, real, &st, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (!lower_dir_stat(vfs, prefix, i, &st)) {
			memset(&st, 0, sizeof(st));
			st.st_mode = S_IFDIR | 0755;
			st.st_uid = (uid_t)-1;
			st.st_atim.tv_nsec = st.st_mtim.tv_nsec = UTIME_NOW;
		}
		r = make_dir_like(real, &st);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}
