// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/held.c - the content cache and the overlays' directory, held open by
 * the shim to name real paths from.
 *
 * Package files are read at <cache>/<id>/root<vpath>, upper entries at
 * <overlays>/<id>/<name>/upper<vpath>: seven or more path components more
 * than the virtual path, which the kernel walks one by one (60-90 ns
 * apiece here, a third of a stat).  So the shim keeps a descriptor of
 * <cache> and one of <overlays>, and names those paths from them,
 * "<id>/root<vpath>" and "<id>/<name>/upper<vpath>": its opens of package
 * files (intercept/shim.c, real_call) and every probe of the upper layer
 * (layer_upper.c) - a second git status in the same overlay lstats each
 * file's upper copy, find each upper directory it lists.
 *
 * The program may close or replace any descriptor: the package id (64 hex
 * digits) makes a lookup from anything else fail, and a failure is checked
 * against the descriptor's inode and redone with the full path
 * (vfs_held_ok).  Any failure, not only ENOENT, ENOTDIR and EBADF: a
 * directory the program may not search (opened O_PATH, or for reading
 * only) gives EACCES.  The descriptors sit high (HELD_FD_MIN or above) so
 * that they do not take a number the program expects free; where the
 * limit does not allow that, there is none.  They are opened
 * while the process has one thread (vfs_hold, from the shim's
 * constructor): a high number grows the descriptor table, which in a
 * process of several threads waits for an RCU grace period
 * (expand_fdtable: 11 ms here).  After fork they stay valid; exec closes
 * them.  A supervisor holds none: its walks name full paths.
 */
#include <fcntl.h>
#include <string.h>

#include "../common/sys.h"
#include "vfs_internal.h"

#define HELD_FD_MIN 1000

/* The directory held for @which: <cache> is the parent of image_dir
 * (<cache>/<id>), <overlays> the third of upper's; its length in *@len. */
static const char *held_path(const struct vfs *vfs, int which, size_t *len)
{
	const char *dir =
	    which == VFS_HELD_CACHE ? vfs->cfg.image_dir : vfs->cfg.upper;
	size_t n = strlen(dir);

	for (int up = which == VFS_HELD_CACHE ? 1 : 3; up > 0; up--) {
		while (n > 0 && dir[n - 1] != '/')
			n--;
		if (n <= 1)
			return NULL;
		n--;
	}
	*len = n;
	return dir;
}

static void held_open(struct vfs *vfs, int which)
{
	struct vfs_held *h = &vfs->held[which];
	char parent[VFS_PATH_MAX];
	const char *dir = held_path(vfs, which, &h->len);
	struct stat st;
	int fd, hi = -1;

	if (!dir || h->len >= sizeof(parent))
		return;
	memcpy(parent, dir, h->len);
	parent[h->len] = '\0';
	fd = appv_openat(AT_FDCWD, parent,
			 O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (appv_fstat(fd, &st) == 0) {
		h->dev = st.st_dev;
		h->ino = st.st_ino;
		hi = (int)APPV_SYS(SYS_fcntl, fd, F_DUPFD_CLOEXEC, HELD_FD_MIN,
				   0, 0, 0);
	}
	appv_close(fd);
	__atomic_store_n(&h->fd, hi, __ATOMIC_RELEASE);
}

void vfs_hold(struct vfs *vfs)
{
	if (vfs->cfg.image_dir[0])
		held_open(vfs, VFS_HELD_CACHE);
	if (vfs->cfg.upper[0])
		held_open(vfs, VFS_HELD_UPPER);
}

int vfs_held_at(const struct vfs *vfs, const char *real, const char **rel,
		int *which)
{
	int w, fd;

	if (vfs_real_in_image(vfs, real))
		w = VFS_HELD_CACHE;
	else if (vfs_real_in_upper(vfs, real))
		w = VFS_HELD_UPPER;
	else
		return -1;
	fd = __atomic_load_n(&vfs->held[w].fd, __ATOMIC_ACQUIRE);
	if (fd < 0)
		return -1;
	*which = w;
	*rel = real + vfs->held[w].len + 1;
	return fd;
}

bool vfs_held_ok(const struct vfs *cvfs, int which, int fd)
{
	struct vfs_held *h = &((struct vfs *)cvfs)->held[which];
	struct stat st;

	if (appv_fstat(fd, &st) == 0 && st.st_dev == h->dev &&
	    st.st_ino == h->ino)
		return true;
	__atomic_store_n(&h->fd, -1, __ATOMIC_RELEASE);
	return false;
}

int vfs_held_lstat(const struct vfs *vfs, const char *real, struct stat *st)
{
	const char *rel;
	int which, fd = vfs_held_at(vfs, real, &rel, &which), r;

	if (fd >= 0) {
		r = appv_fstatat(fd, rel, st, AT_SYMLINK_NOFOLLOW);
		if (r >= 0 || vfs_held_ok(vfs, which, fd))
			return r;
	}
	return appv_fstatat(AT_FDCWD, real, st, AT_SYMLINK_NOFOLLOW);
}
