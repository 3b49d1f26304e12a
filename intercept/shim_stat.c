// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * intercept/shim_stat.c - the stat family, access and readlink,
 * interposed.  Every name maps to the *at syscall glibc uses on x86-64
 * (newfstatat, statx, faccessat2, readlinkat); struct stat and struct
 * stat64 are the kernel's struct stat there.  fstat(fd) needs no wrapper:
 * glibc issues newfstatat(fd, "", AT_EMPTY_PATH), which the filter lets
 * through in BPF.
 */
#undef _FORTIFY_SOURCE
#include "shim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "../common/sys.h"

#ifndef AT_SYMLINK_NOFOLLOW
#define AT_SYMLINK_NOFOLLOW 0x100
#endif

/* _STAT_VER_KERNEL (0) and _STAT_VER_LINUX (1) of old glibc on x86-64. */
#define STAT_VER_OK(v) ((v) == 0 || (v) == 1)

static long do_fstatat(int dirfd, const char *path, void *st, int flags)
{
	struct shim_sc sc = {
		.nr = SYS_newfstatat, .dirfd_arg = 0, .path_arg = 1,
		.intent = VFS_INTENT_READ,
		.vflags = (flags & AT_SYMLINK_NOFOLLOW) ? VFS_F_NOFOLLOW : 0,
	};

	return shim_path_syscall(&sc, dirfd, (long)path, (long)st, flags, 0,
				 0);
}

SHIM_EXPORT int stat(const char *path, struct stat *st)
{
	return (int)shim_ret(do_fstatat(AT_FDCWD, path, st, 0));
}

SHIM_EXPORT int stat64(const char *path, struct stat64 *st)
{
	return (int)shim_ret(do_fstatat(AT_FDCWD, path, st, 0));
}

SHIM_EXPORT int lstat(const char *path, struct stat *st)
{
	return (int)shim_ret(do_fstatat(AT_FDCWD, path, st,
					AT_SYMLINK_NOFOLLOW));
}

SHIM_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	return (int)shim_ret(do_fstatat(AT_FDCWD, path, st,
					AT_SYMLINK_NOFOLLOW));
}

SHIM_EXPORT int fstatat(int dirfd, const char *path, struct stat *st,
			int flags)
{
	return (int)shim_ret(do_fstatat(dirfd, path, st, flags));
}

SHIM_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st,
			  int flags)
{
	return (int)shim_ret(do_fstatat(dirfd, path, st, flags));
}

static int xstat_at(int ver, int dirfd, const char *path, void *st,
		    int flags)
{
	if (!STAT_VER_OK(ver))
		return (int)shim_ret(-EINVAL);
	return (int)shim_ret(do_fstatat(dirfd, path, st, flags));
}

SHIM_EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
	return xstat_at(ver, AT_FDCWD, path, st, 0);
}

SHIM_EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
	return xstat_at(ver, AT_FDCWD, path, st, 0);
}

SHIM_EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
	return xstat_at(ver, AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

SHIM_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
	return xstat_at(ver, AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

SHIM_EXPORT int __fxstatat(int ver, int dirfd, const char *path,
			   struct stat *st, int flags)
{
	return xstat_at(ver, dirfd, path, st, flags);
}

SHIM_EXPORT int __fxstatat64(int ver, int dirfd, const char *path,
			     struct stat64 *st, int flags)
{
	return xstat_at(ver, dirfd, path, st, flags);
}

SHIM_EXPORT int statx(int dirfd, const char *path, int flags,
		      unsigned int mask, struct statx *buf)
{
	struct shim_sc sc = {
		.nr = SYS_statx, .dirfd_arg = 0, .path_arg = 1,
		.intent = VFS_INTENT_READ,
		.vflags = (flags & AT_SYMLINK_NOFOLLOW) ? VFS_F_NOFOLLOW : 0,
	};

	return (int)shim_ret(shim_path_syscall(&sc, dirfd, (long)path, flags,
					       mask, (long)buf, 0));
}

/* access(W_OK) asks about a change: a lower entry would be copied up, so
 * only the supervisor can answer it. */
static long do_faccessat(int dirfd, const char *path, int mode, int flags)
{
	struct shim_sc sc = {
		.nr = SYS_faccessat2, .dirfd_arg = 0, .path_arg = 1,
		.intent = (mode & W_OK) ? VFS_INTENT_WRITE : VFS_INTENT_READ,
		.vflags = (flags & AT_SYMLINK_NOFOLLOW) ? VFS_F_NOFOLLOW : 0,
	};
	long r = shim_path_syscall(&sc, dirfd, (long)path, mode, flags, 0, 0);

	/* Before 5.8 there is no faccessat2; faccessat has no flags. */
	if (r == -ENOSYS && !flags) {
		sc.nr = SYS_faccessat;
		r = shim_path_syscall(&sc, dirfd, (long)path, mode, 0, 0, 0);
	}
	return r;
}

SHIM_EXPORT int access(const char *path, int mode)
{
	return (int)shim_ret(do_faccessat(AT_FDCWD, path, mode, 0));
}

SHIM_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	return (int)shim_ret(do_faccessat(dirfd, path, mode, flags));
}

static long do_readlinkat(int dirfd, const char *path, char *buf, size_t n)
{
	struct shim_sc sc = {
		.nr = SYS_readlinkat, .dirfd_arg = 0, .path_arg = 1,
		.intent = VFS_INTENT_READ, .vflags = VFS_F_NOFOLLOW,
	};

	return shim_path_syscall(&sc, dirfd, (long)path, (long)buf, (long)n, 0,
				 0);
}

SHIM_EXPORT ssize_t readlink(const char *path, char *buf, size_t n)
{
	return shim_ret(do_readlinkat(AT_FDCWD, path, buf, n));
}

SHIM_EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf,
			       size_t n)
{
	return shim_ret(do_readlinkat(dirfd, path, buf, n));
}
