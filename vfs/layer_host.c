// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/layer_host.c - the host file system: a virtual path is its own real
 * path.  Walking the host component by component is the slow path; see
 * resolve.c for when the rest of a path is handed to the kernel at once.
 */
#include <errno.h>
#include <string.h>

#include "../common/sys.h"
#include "vfs_internal.h"

static int host_lookup(const struct vfs *vfs, const char *vpath, size_t len,
		       struct layer_hit *hit)
{
	struct stat st;
	int r = appv_fstatat(AT_FDCWD, vpath, &st, AT_SYMLINK_NOFOLLOW);

	if (r < 0)
		return r;
	hit->mode = st.st_mode;
	hit->whiteout = false;
	hit->opaque = false;
	return 0;
}

static int host_readlink(const struct vfs *vfs, const char *vpath,
			 const struct layer_hit *hit, char *buf, size_t cap)
{
	ssize_t n = appv_readlinkat(AT_FDCWD, vpath, buf, cap);

	if (n < 0)
		return (int)n;
	if ((size_t)n >= cap)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

static int host_real(const struct vfs *vfs, const char *vpath, char *out,
		     size_t cap)
{
	size_t n = strlen(vpath);

	if (n >= cap)
		return -ENAMETOOLONG;
	memmove(out, vpath, n + 1);
	return (int)n;
}

const struct vfs_layer_ops vfs_host_ops = {
    .layer = VFS_LAYER_HOST,
    .lookup = host_lookup,
    .readlink = host_readlink,
    .real = host_real,
};

const struct vfs_layer_ops *vfs_layer_ops(enum vfs_layer layer)
{
	switch (layer) {
	case VFS_LAYER_UPPER:
		return &vfs_upper_ops;
	case VFS_LAYER_IMAGE:
		return &vfs_image_ops;
	case VFS_LAYER_HOST:
		return &vfs_host_ops;
	default:
		return NULL;
	}
}
