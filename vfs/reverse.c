// SPDX-License-Identifier: LGPL-3.0-or-later
/* vfs/reverse.c - real path -> virtual path (for getcwd, /proc/self/fd,
 * realpath and descriptors whose path the supervisor must name). */
#include <errno.h>
#include <string.h>

#include "../common/path.h"
#include "vfs_internal.h"

static int put(const char *v, char *vpath, size_t cap)
{
	size_t n = strlen(v);

	if (n == 0) {
		v = "/";
		n = 1;
	}
	if (n >= cap)
		return -ENAMETOOLONG;
	memmove(vpath, v, n + 1);
	return (int)n;
}

static bool under(const char *real, const char *root, size_t len)
{
	return len > 0 && appv_path_has_prefix(real, root);
}

int vfs_reverse(const struct vfs *vfs, const char *real, char *vpath,
		size_t cap)
{
	if (!real || real[0] != '/')
		return -EINVAL;
	/* Merged listings: <run_dir>/m/<n><vpath>; skip the number.  A
	 * stand-in (<run_dir>/m/s<vpath> (deleted)) names its symlink. */
	if (under(real, vfs->merge_root, vfs->merge_root_len)) {
		const char *p = real + vfs->merge_root_len;
		int n = vfs_standin_vpath(vfs, real, vpath, cap);

		if (n != -ENOENT)
			return n;
		if (*p == '/')
			p++;
		while (*p && *p != '/')
			p++;
		return put(p, vpath, cap);
	}
	if (under(real, vfs->image_root, vfs->image_root_len))
		return put(real + vfs->image_root_len, vpath, cap);
	if (under(real, vfs->cfg.upper, vfs->upper_len))
		return put(real + vfs->upper_len, vpath, cap);
	return put(real, vpath, cap);
}

bool vfs_real_in_image(const struct vfs *vfs, const char *real)
{
	return under(real, vfs->image_root, vfs->image_root_len) &&
	       real[vfs->image_root_len] == '/';
}

bool vfs_real_fixed(const struct vfs *vfs, const char *real)
{
	return vfs_real_in_image(vfs, real) ||
	       under(real, vfs->merge_root, vfs->merge_root_len);
}

bool vfs_real_in_upper(const struct vfs *vfs, const char *real)
{
	return under(real, vfs->cfg.upper, vfs->upper_len) &&
	       real[vfs->upper_len] == '/';
}

int vfs_listing_vpath(const struct vfs *vfs, const char *real, char *vpath,
		      size_t cap)
{
	if (!real || !under(real, vfs->merge_root, vfs->merge_root_len) ||
	    vfs_standin_vpath(vfs, real, NULL, 0) >= 0)
		return -ENOENT;
	return vfs_reverse(vfs, real, vpath, cap);
}
