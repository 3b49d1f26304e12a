// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * intercept/shim_attr.c - unlink, and attribute changes through a
 * descriptor (fchmod, fchown, futimens, fsetxattr, fremovexattr),
 * interposed.  unlink of an overlay file that hides nothing, where the
 * kernel's checks on the upper parent are the virtual ones
 * (vfs_res.upper_delete), is done here; every other removal (whiteouts,
 * directories) goes to the supervisor; rename likewise.  Attribute
 * changes: the supervisor
 * must see those whose file is not the overlay's own (a descriptor opened
 * for reading may be a host or package file: it copies that up instead,
 * loader/sys_attr.c); a file of the upper layer - what a program changes
 * after writing it, tar and cp -p on every file - is changed in place
 * through the trampoline, which costs one fcntl (a descriptor open for
 * writing) or one readlink instead of a round trip.
 */
#include "shim_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "../common/path.h"
#include "../common/sys.h"

/* Whether descriptor @fd may be changed in place: open for writing
 * (common/sys.h), or a file below the upper directory. */
static bool fd_in_upper(int fd)
{
	const struct vfs_config *cfg;
	char real[PATH_MAX];
	size_t ul;

	if (!shim_vfs)
		return false;
	if (appv_fd_writable(fd))
		return true;
	if (shim_fd_path(fd, real, sizeof(real)) < 0)
		return false;
	cfg = vfs_get_config(shim_vfs);
	ul = strlen(cfg->upper);
	return ul > 1 && !strncmp(real, cfg->upper, ul) && real[ul] == '/';
}

/* @nr on descriptor a0: in place for an upper file, else the supervisor. */
static long fd_call(long nr, long a0, long a1, long a2, long a3, long a4)
{
	if (fd_in_upper((int)a0))
		return appv_syscall(nr, a0, a1, a2, a3, a4, 0);
	return shim_direct(nr, a0, a1, a2, a3, a4, 0);
}

/* Mode and owner: in place only through a descriptor open for writing
 * (never a directory).  An upper directory's mode and owner are cached by
 * every shim of the overlay (vfs/upper_dirs.c), so changing them is the
 * supervisor's, which tells the shims. */
static long fd_owner_call(long nr, long a0, long a1, long a2, long a3,
			  long a4)
{
	if (shim_vfs && appv_fd_writable((int)a0))
		return appv_syscall(nr, a0, a1, a2, a3, a4, 0);
	return shim_direct(nr, a0, a1, a2, a3, a4, 0);
}

/* An access ACL sets the mode's bits too: as fchmod. */
static long fd_xattr_call(long nr, const char *name, long a0, long a2,
			  long a3, long a4)
{
	if (name && !strcmp(name, "system.posix_acl_access"))
		return fd_owner_call(nr, a0, (long)name, a2, a3, a4);
	return fd_call(nr, a0, (long)name, a2, a3, a4);
}

SHIM_EXPORT int fchmod(int fd, mode_t mode)
{
	return (int)shim_ret(fd_owner_call(SYS_fchmod, fd, mode, 0, 0, 0));
}

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* glibc emulates AT_SYMLINK_NOFOLLOW with an O_PATH|O_NOFOLLOW open and
 * a chmod through /proc/self/fd, an open the supervisor cannot hand over
 * for a symlink of the package or overlay (ELOOP instead of EOPNOTSUPP):
 * fchmodat2(2) does it in one call, which the supervisor emulates. */
SHIM_EXPORT int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	struct stat st;
	long r;

	if (!flags)
		return (int)shim_ret(shim_direct(SYS_fchmodat, dirfd,
						 (long)path, mode, 0, 0, 0));
	if (flags & ~AT_SYMLINK_NOFOLLOW)
		return (int)shim_ret(-EINVAL);
	r = shim_direct(SYS_fchmodat2, dirfd, (long)path, mode, flags, 0, 0);
	if (r != -ENOSYS)
		return (int)shim_ret(r);
	r = shim_direct(SYS_newfstatat, dirfd, (long)path, (long)&st,
			AT_SYMLINK_NOFOLLOW, 0, 0);
	if (r == 0 && S_ISLNK(st.st_mode))
		r = -EOPNOTSUPP;
	else if (r == 0)
		r = shim_direct(SYS_fchmodat, dirfd, (long)path, mode, 0, 0, 0);
	return (int)shim_ret(r);
}

SHIM_EXPORT int fchown(int fd, uid_t uid, gid_t gid)
{
	return (int)shim_ret(fd_owner_call(SYS_fchown, fd, uid, gid, 0, 0));
}

SHIM_EXPORT int futimens(int fd, const struct timespec ts[2])
{
	return (int)shim_ret(
	    fd_call(SYS_utimensat, fd, 0 /* NULL path */, (long)ts, 0, 0));
}

SHIM_EXPORT int fsetxattr(int fd, const char *name, const void *value,
			  size_t size, int flags)
{
	return (int)shim_ret(fd_xattr_call(SYS_fsetxattr, name, fd,
					   (long)value, (long)size, flags));
}

SHIM_EXPORT int fremovexattr(int fd, const char *name)
{
	return (int)shim_ret(fd_xattr_call(SYS_fremovexattr, name, fd, 0, 0, 0));
}

/* unlinkat(2) with flags 0 through shim_route; AT_REMOVEDIR (a directory
 * is empty only in the union) goes to the supervisor. */
static long shim_unlinkat(int dirfd, const char *path, int flags)
{
	struct shim_sc sc = {
		.nr = SYS_unlinkat, .dirfd_arg = 0, .path_arg = 1,
		.intent = VFS_INTENT_DELETE,
		.vflags = VFS_F_NOFOLLOW | VFS_F_NAME,
	};

	if (flags)
		return shim_direct(SYS_unlinkat, dirfd, (long)path, flags, 0, 0,
				   0);
	return shim_path_syscall(&sc, dirfd, (long)path, 0, 0, 0, 0);
}

SHIM_EXPORT int unlink(const char *path)
{
	return (int)shim_ret(shim_unlinkat(AT_FDCWD, path, 0));
}

SHIM_EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	return (int)shim_ret(shim_unlinkat(dirfd, path, flags));
}

/*
 * rename within the overlay's own entries: the source hides nothing, the
 * target is new (upper_create) or an upper entry that hides nothing, both
 * parents where the kernel's checks are the virtual ones - then the
 * kernel's rename of the upper paths is exact.  A directory, moved or
 * replaced (the application may not remove upper directories itself:
 * loader/landlock.c), goes to the supervisor, which tells every shim
 * that upper directories moved (vfs_upper_changed: their caches of
 * upper directories go); so does anything else, and
 * RENAME_EXCHANGE/WHITEOUT.
 */
static long shim_renameat2(int odirfd, const char *old, int ndirfd,
			   const char *new, unsigned int flags)
{
	struct shim_sc so = {
		.nr = SYS_renameat2, .dirfd_arg = 0, .path_arg = 1,
		.intent = VFS_INTENT_DELETE,
		.vflags = VFS_F_NOFOLLOW | VFS_F_NAME,
	};
	struct shim_sc sn = {
		.nr = SYS_renameat2, .dirfd_arg = 2, .path_arg = 3,
		.intent = VFS_INTENT_CREATE,
		.vflags = VFS_F_NOFOLLOW | VFS_F_NAME,
	};
	long a[6] = {odirfd, (long)old, ndirfd, (long)new, flags, 0}, err, r;
	struct vfs_res ro, rn;

	if (!(flags & ~RENAME_NOREPLACE) && old && new &&
	    !appv_path_last_is_dot(old) && !appv_path_last_is_dot(new) &&
	    shim_route(&so, a, &ro, &err) == SHIM_REAL &&
	    shim_route(&sn, a, &rn, &err) == SHIM_REAL && !S_ISDIR(ro.mode) &&
	    (rn.layer == VFS_LAYER_NONE
		 ? rn.upper_create
		 : rn.upper_delete && !S_ISDIR(rn.mode) &&
		       !vfs_origin_held(shim_vfs, rn.real, NULL))) {
		r = appv_syscall(SYS_renameat2, AT_FDCWD, (long)ro.real,
				 AT_FDCWD, (long)rn.real, flags, 0);
		vfs_upper_created(shim_vfs);
		/* -EACCES: Landlock refused to move a directory that
		 * another session put at the old name since the walk (the
		 * application moves no upper directory itself): the
		 * supervisor's, as any other directory's. */
		if (r != -EACCES)
			return r;
	}
	return shim_direct(SYS_renameat2, odirfd, (long)old, ndirfd, (long)new,
			   flags, 0);
}

SHIM_EXPORT int rename(const char *old, const char *new)
{
	return (int)shim_ret(shim_renameat2(AT_FDCWD, old, AT_FDCWD, new, 0));
}

SHIM_EXPORT int renameat(int odirfd, const char *old, int ndirfd,
			 const char *new)
{
	return (int)shim_ret(shim_renameat2(odirfd, old, ndirfd, new, 0));
}

SHIM_EXPORT int renameat2(int odirfd, const char *old, int ndirfd,
			  const char *new, unsigned int flags)
{
	return (int)shim_ret(shim_renameat2(odirfd, old, ndirfd, new, flags));
}
