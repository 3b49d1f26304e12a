// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/standin.c - stand-ins for symlinks opened with O_PATH | O_NOFOLLOW
 * (supervisor only; vfs_standin_vpath and vfs_reverse serve everyone).
 *
 * SECCOMP_IOCTL_NOTIF_ADDFD hands over no O_PATH descriptor, and a
 * symlink opens no other way, so for an emulated O_PATH open of one the
 * supervisor hands over a read-only descriptor of an empty file it makes
 * at <merge_root>/s<vpath> and unlinks at once.  The name the kernel keeps
 * for it, "<that> (deleted)", says which virtual symlink it stands for:
 * nothing is recorded anywhere, the file goes when the last descriptor of
 * it is closed, and the directories made on the way are removed again as
 * far as they are empty, so the scratch does not grow.  The supervisor
 * answers the calls on such a descriptor as on the symlink itself
 * (loader/sys_stat.c, sup_fd_standin).
 *
 * As for listings, every level is made and opened from vfs->run_fd with
 * no symlink followed (vfs_scratch_dir): the application may write in the
 * scratch.  A file it makes there, opens and unlinks looks like a stand-in
 * of the path it chose, which tells it only what that path tells it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "../common/path.h"
#include "../common/sys.h"
#include "vfs_internal.h"

/* The levels of @rel ("s/DIR/.../NAME", below @mfd) before its last
 * component, each made when missing and opened below the one above: the
 * last level's descriptor, or -errno. */
static int make_levels(int mfd, char *rel)
{
	int fd = -1, r;

	for (char *c = rel, *e; (e = strchr(c, '/')); c = e + 1) {
		*e = '\0';
		r = appv_mkdirat(fd < 0 ? mfd : fd, c, 0700);
		if (r == 0 || r == -EEXIST)
			r = vfs_scratch_dir(fd < 0 ? mfd : fd, c);
		*e = '/';
		if (fd >= 0)
			appv_close(fd);
		if (r < 0)
			return r;
		fd = r;
	}
	return fd;
}

/* rmdir the levels of @rel below "s", deepest first, while they are
 * empty (one the application filled stays, which costs only its own
 * room). */
static void prune_levels(int mfd, char *rel)
{
	char *e = strrchr(rel, '/'), *s;
	int fd, r;

	while (e && e > rel + 1) {
		*e = '\0';
		s = strrchr(rel, '/');
		*s = '\0';
		fd = vfs_scratch_dir(mfd, rel);
		*s = '/';
		r = fd < 0 ? fd : appv_unlinkat(fd, s + 1, AT_REMOVEDIR);
		if (fd >= 0)
			appv_close(fd);
		if (r < 0)
			return;
		e = s;
	}
}

/* The unlinked placeholder @name in @dfd, opened for reading. */
static int make_leaf(int dfd, const char *name)
{
	int flags = O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = appv_openat(dfd, name, flags, 0);

	if (fd == -EEXIST) {
		/* Left by the application (a stand-in never keeps its
		 * name): not ours to keep. */
		if (appv_unlinkat(dfd, name, 0) < 0)
			appv_unlinkat(dfd, name, AT_REMOVEDIR);
		fd = appv_openat(dfd, name, flags, 0);
	}
	if (fd >= 0)
		appv_unlinkat(dfd, name, 0);
	return fd;
}

int vfs_standin_open(struct vfs *vfs, const char *vpath)
{
	size_t vl = strlen(vpath);
	char rel[PATH_MAX + 2];
	int mfd, dfd, fd;

	if (!vfs->merge_root_len || vpath[0] != '/' || vl < 2 ||
	    vpath[vl - 1] == '/')
		return -EINVAL;
	/* Its name, suffix and all, must read back from /proc/PID/fd/N. */
	if (vfs->merge_root_len + 2 + vl + sizeof(APPV_DELETED) > PATH_MAX)
		return -ENAMETOOLONG;
	rel[0] = 's';
	memcpy(rel + 1, vpath, vl + 1);
	fd = appv_mkdirat(vfs->run_fd, "m", 0700);
	if (fd < 0 && fd != -EEXIST)
		return fd;
	mfd = vfs_scratch_dir(vfs->run_fd, "m");
	if (mfd < 0)
		return mfd;
	dfd = make_levels(mfd, rel);
	if (dfd < 0) {
		appv_close(mfd);
		return dfd;
	}
	fd = make_leaf(dfd, strrchr(rel, '/') + 1);
	appv_close(dfd);
	prune_levels(mfd, rel);
	appv_close(mfd);
	return fd;
}

int vfs_standin_vpath(const struct vfs *vfs, const char *real, char *vpath,
		      size_t cap)
{
	size_t n = vfs->merge_root_len, len;

	if (!n || !real || strncmp(real, vfs->merge_root, n) ||
	    strncmp(real + n, "/s/", 3))
		return -ENOENT;
	len = strlen(real + n + 2);
	/* Unlinked when made: a name without the suffix is none of ours. */
	if (appv_path_undeleted(real + n + 2, len) == len)
		return -ENOENT;
	len = appv_path_undeleted(real + n + 2, len);
	if (!vpath)
		return (int)len;
	if (len >= cap)
		return -ENAMETOOLONG;
	memmove(vpath, real + n + 2, len); /* vfs_reverse's may be @real */
	vpath[len] = '\0';
	return (int)len;
}
