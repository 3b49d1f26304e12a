// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * intercept/shim_retry.c - path calls the shim does not resolve, made
 * again when a signal kept them from the supervisor.
 *
 * These calls change the tree (or read attributes the supervisor keeps):
 * the shim leaves them to the supervisor, as glibc's own wrappers would.
 * A signal that arrives before the supervisor has received such a
 * notification makes the kernel drop it, and under a handler installed
 * without SA_RESTART the call fails with EINTR - which natively it never
 * does (mkdir, rmdir, chmod cannot be interrupted).  So each wrapper here
 * issues the same syscall (shim_direct: notified, retried on EINTR) that
 * glibc's would, with the same arguments.  Static binaries and --no-shim
 * sessions keep the kernel's behaviour (README, known limits).
 */
#include "shim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../common/sys.h"

#define RET(x) return (int)shim_ret(x)

SHIM_EXPORT int mkdir(const char *path, mode_t mode)
{
	RET(shim_direct(SYS_mkdir, (long)path, mode, 0, 0, 0, 0));
}

SHIM_EXPORT int mkdirat(int dirfd, const char *path, mode_t mode)
{
	RET(shim_direct(SYS_mkdirat, dirfd, (long)path, mode, 0, 0, 0));
}

SHIM_EXPORT int rmdir(const char *path)
{
	RET(shim_direct(SYS_rmdir, (long)path, 0, 0, 0, 0, 0));
}

SHIM_EXPORT int chmod(const char *path, mode_t mode)
{
	RET(shim_direct(SYS_chmod, (long)path, mode, 0, 0, 0, 0));
}

SHIM_EXPORT int chown(const char *path, uid_t uid, gid_t gid)
{
	RET(shim_direct(SYS_chown, (long)path, (long)uid, (long)gid, 0, 0, 0));
}

SHIM_EXPORT int lchown(const char *path, uid_t uid, gid_t gid)
{
	RET(shim_direct(SYS_lchown, (long)path, (long)uid, (long)gid, 0, 0,
			0));
}

SHIM_EXPORT int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid,
			 int flags)
{
	RET(shim_direct(SYS_fchownat, dirfd, (long)path, (long)uid, (long)gid,
			flags, 0));
}

SHIM_EXPORT int link(const char *old, const char *new)
{
	RET(shim_direct(SYS_link, (long)old, (long)new, 0, 0, 0, 0));
}

SHIM_EXPORT int linkat(int odirfd, const char *old, int ndirfd,
		       const char *new, int flags)
{
	RET(shim_direct(SYS_linkat, odirfd, (long)old, ndirfd, (long)new, flags,
			0));
}

SHIM_EXPORT int symlink(const char *target, const char *path)
{
	RET(shim_direct(SYS_symlink, (long)target, (long)path, 0, 0, 0, 0));
}

SHIM_EXPORT int symlinkat(const char *target, int dirfd, const char *path)
{
	RET(shim_direct(SYS_symlinkat, (long)target, dirfd, (long)path, 0, 0,
			0));
}

/* glibc refuses a NULL path itself (the kernel would take it as futimens;
 * declared nonnull, so read through a volatile). */
SHIM_EXPORT int utimensat(int dirfd, const char *path,
			  const struct timespec times[2], int flags)
{
	const char *volatile p = path;

	if (!p)
		RET(-EINVAL);
	RET(shim_direct(SYS_utimensat, dirfd, (long)path, (long)times, flags,
			0, 0));
}

SHIM_EXPORT int truncate(const char *path, off_t len)
{
	RET(shim_direct(SYS_truncate, (long)path, len, 0, 0, 0, 0));
}

SHIM_EXPORT int truncate64(const char *path, off_t len)
{
	RET(shim_direct(SYS_truncate, (long)path, len, 0, 0, 0, 0));
}

SHIM_EXPORT int statfs(const char *path, struct statfs *buf)
{
	RET(shim_direct(SYS_statfs, (long)path, (long)buf, 0, 0, 0, 0));
}

SHIM_EXPORT int statfs64(const char *path, struct statfs64 *buf)
{
	RET(shim_direct(SYS_statfs, (long)path, (long)buf, 0, 0, 0, 0));
}

SHIM_EXPORT ssize_t getxattr(const char *path, const char *name, void *value,
			     size_t size)
{
	return shim_ret(shim_direct(SYS_getxattr, (long)path, (long)name,
				    (long)value, (long)size, 0, 0));
}

SHIM_EXPORT ssize_t lgetxattr(const char *path, const char *name, void *value,
			      size_t size)
{
	return shim_ret(shim_direct(SYS_lgetxattr, (long)path, (long)name,
				    (long)value, (long)size, 0, 0));
}

SHIM_EXPORT int setxattr(const char *path, const char *name, const void *value,
			 size_t size, int flags)
{
	RET(shim_direct(SYS_setxattr, (long)path, (long)name, (long)value,
			(long)size, flags, 0));
}

SHIM_EXPORT int lsetxattr(const char *path, const char *name,
			  const void *value, size_t size, int flags)
{
	RET(shim_direct(SYS_lsetxattr, (long)path, (long)name, (long)value,
			(long)size, flags, 0));
}

SHIM_EXPORT ssize_t listxattr(const char *path, char *list, size_t size)
{
	return shim_ret(shim_direct(SYS_listxattr, (long)path, (long)list,
				    (long)size, 0, 0, 0));
}

SHIM_EXPORT ssize_t llistxattr(const char *path, char *list, size_t size)
{
	return shim_ret(shim_direct(SYS_llistxattr, (long)path, (long)list,
				    (long)size, 0, 0, 0));
}

SHIM_EXPORT int removexattr(const char *path, const char *name)
{
	RET(shim_direct(SYS_removexattr, (long)path, (long)name, 0, 0, 0, 0));
}

SHIM_EXPORT int lremovexattr(const char *path, const char *name)
{
	RET(shim_direct(SYS_lremovexattr, (long)path, (long)name, 0, 0, 0, 0));
}
