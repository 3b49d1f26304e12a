// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/layer_upper.c - the overlay's writable layer: <upper><vpath>.
 *
 * Whiteouts and opaque directories (issue 3) belong in upper_lookup(): set
 * hit->whiteout for a deletion marker and hit->opaque for a directory that
 * hides its lower namesakes; resolve.c and merge.c already honour both.
 */
#include <errno.h>
#include <string.h>

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
	hit->whiteout = false;
	hit->opaque = false;
	return 0;
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

/* The mode an upper copy of directory @vpath gets: the visible lower
 * directory's permission bits, plus u+rwx so the owner can fill it. */
static mode_t lower_dir_mode(const struct vfs *vfs, const char *vpath,
			     size_t len)
{
	int rule = vfs_rule_for(vfs, vpath);
	struct layer_hit hit;

	if (vfs_rule_shows_image(rule) &&
	    vfs_image_ops.lookup(vfs, vpath, len, &hit) == 0 &&
	    S_ISDIR(hit.mode))
		return (hit.mode & 07777) | 0700;
	if (vfs_rule_shows_host(rule) &&
	    vfs_host_ops.lookup(vfs, vpath, len, &hit) == 0 &&
	    S_ISDIR(hit.mode))
		return (hit.mode & 07777) | 0700;
	return 0755;
}

int vfs_upper_make_parents(struct vfs *vfs, const char *vpath)
{
	char prefix[PATH_MAX], real[PATH_MAX];
	size_t len = strlen(vpath);
	mode_t mode;
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
		mode = lower_dir_mode(vfs, prefix, i);
		r = appv_mkdirat(AT_FDCWD, real, mode);
		/* mkdir applied the umask: set the lower directory's bits. */
		if (r == 0)
			r = (int)APPV_SYS(SYS_fchmodat, AT_FDCWD, real, mode, 0,
					  0, 0);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}
