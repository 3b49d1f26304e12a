// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/layer_image.c - the package layer: metadata from the mapped index (no
 * syscall), data at <image_dir>/root<vpath> (regular files are placeholders
 * until extracted; see vfs_image_extracted()).
 */
#include <errno.h>
#include <string.h>

#include "vfs_internal.h"

void vfs_image_hit(struct layer_hit *hit)
{
	hit->mode = hit->ent.mode;
	hit->whiteout = false;
	hit->opaque = false;
}

static int image_lookup(const struct vfs *vfs, const char *vpath, size_t len,
			struct layer_hit *hit)
{
	int r;

	if (!vfs->idx)
		return -ENOENT;
	r = vfs_index_lookup(vfs->idx, vpath, len, &hit->ent);
	if (r == 0)
		vfs_image_hit(hit);
	return r;
}

static int image_readlink(const struct vfs *vfs, const char *vpath,
			  const struct layer_hit *hit, char *buf, size_t cap)
{
	size_t n;

	if (!hit->ent.target)
		return -EINVAL;
	n = strlen(hit->ent.target);
	if (n >= cap)
		return -ENAMETOOLONG;
	memcpy(buf, hit->ent.target, n + 1);
	return (int)n;
}

static int image_real(const struct vfs *vfs, const char *vpath, char *out,
		      size_t cap)
{
	if (!vfs->idx)
		return -ENOENT;
	return vfs_concat(out, cap, vfs->image_root, vfs->image_root_len,
			  vpath);
}

const struct vfs_layer_ops vfs_image_ops = {
    .layer = VFS_LAYER_IMAGE,
    .lookup = image_lookup,
    .readlink = image_readlink,
    .real = image_real,
};
