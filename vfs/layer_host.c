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

/* One host root entry into vfs->root_links as a record "<name length>
 * <target length>name\0target\0" (lengths one byte each, so that a lookup
 * skips a record without reading it); no room, or a name of 256 bytes or
 * more: it is walked like any host entry, by the kernel. */
static void add_root_link(struct vfs *vfs, int rootfd, const char *name)
{
	char target[256];
	size_t nl = strlen(name), used = vfs->root_links_len;
	ssize_t tl = appv_readlinkat(rootfd, name, target, sizeof(target));
	char *rec = vfs->root_links + used;

	if (tl <= 0 || (size_t)tl >= sizeof(target) || nl > 255 ||
	    used + 2 + nl + 1 + (size_t)tl + 1 > sizeof(vfs->root_links))
		return;
	rec[0] = (char)nl;
	rec[1] = (char)tl;
	memcpy(rec + 2, name, nl + 1);
	memcpy(rec + 2 + nl + 1, target, (size_t)tl);
	rec[2 + nl + 1 + (size_t)tl] = '\0';
	vfs->root_links_len = used + 2 + nl + 1 + (size_t)tl + 1;
}

/*
 * The host root's symlinks (/lib -> usr/lib, /bin -> usr/bin on merged-/usr
 * systems), read once per resolver: the walk follows them virtually rather
 * than handing /lib/... to the kernel, which would miss the package's and
 * the overlay's /usr/lib.  A root symlink changed during the session keeps
 * its old target for that session.
 */
struct root_scan {
	struct vfs *vfs;
	int fd;
};

static int root_entry(const struct linux_dirent64 *d, void *ctx)
{
	struct root_scan *rs = ctx;

	if (d->d_type == 10 /* DT_LNK */)
		add_root_link(rs->vfs, rs->fd, d->d_name);
	return 0;
}

void vfs_host_root_links_load(struct vfs *vfs)
{
	struct root_scan rs = {vfs, -1};

	vfs->root_links_len = 0;
	rs.fd = appv_openat(AT_FDCWD, "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			    0);
	if (rs.fd < 0)
		return;
	vfs_each_dirent(rs.fd, root_entry, &rs);
	appv_close(rs.fd);
}

const char *vfs_host_root_link(const struct vfs *vfs, const char *vpath,
			       size_t len)
{
	const char *p = vfs->root_links, *end = p + vfs->root_links_len;
	const char *name = vpath + 1;
	size_t nl = len - 1;

	if (len < 2 || vpath[0] != '/' || nl > 255)
		return NULL;
	for (size_t i = 0; i < nl; i++)
		if (name[i] == '/')
			return NULL;
	while (p < end) {
		size_t rl = (unsigned char)p[0], tl = (unsigned char)p[1];
		const char *rname = p + 2;

		if (rl == nl && rname[0] == name[0] && !memcmp(rname, name, nl))
			return rname + nl + 1;
		p = rname + rl + 1 + tl + 1;
	}
	return NULL;
}

static int host_lookup(const struct vfs *vfs, const char *vpath, size_t len,
		       struct layer_hit *hit)
{
	struct stat st;
	int r = 0;

	hit->whiteout = false;
	hit->opaque = false;
	if (vfs_host_root_link(vfs, vpath, len)) {
		hit->mode = S_IFLNK | 0777;
		return 0;
	}
	r = appv_fstatat(AT_FDCWD, vpath, &st, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return r;
	hit->mode = st.st_mode;
	return 0;
}

static int host_readlink(const struct vfs *vfs, const char *vpath,
			 const struct layer_hit *hit, char *buf, size_t cap)
{
	const char *root_link = vfs_host_root_link(vfs, vpath, strlen(vpath));
	ssize_t n;

	if (root_link) {
		n = (ssize_t)strlen(root_link);
		if ((size_t)n >= cap)
			return -ENAMETOOLONG;
		memcpy(buf, root_link, (size_t)n + 1);
		return (int)n;
	}
	n = appv_readlinkat(AT_FDCWD, vpath, buf, cap);

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
