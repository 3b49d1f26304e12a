// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * intercept/shim_open.c - open, creat, fopen and opendir, interposed.
 * Each one issues exactly the syscall glibc would (openat), routed by
 * shim_route(); the stdio and dirent objects come from libc's fdopen and
 * fdopendir, so the application gets ordinary FILE and DIR handles.
 */
#undef _FORTIFY_SOURCE
#include "shim_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../common/sys.h"

#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif

static bool needs_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

static int open_intent(int flags)
{
	if ((flags & O_TMPFILE) == O_TMPFILE || (flags & O_CREAT))
		return VFS_INTENT_CREATE;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return VFS_INTENT_WRITE;
	return VFS_INTENT_READ;
}

static long shim_openat_flags(int dirfd, const char *path, int flags,
			      mode_t mode)
{
	struct shim_sc sc = {
		.nr = SYS_openat, .dirfd_arg = 0, .path_arg = 1,
		.intent = open_intent(flags),
		/* O_CREAT|O_EXCL never follows a final symlink (POSIX). */
		.vflags = ((flags & O_NOFOLLOW) ||
				   (flags & (O_CREAT | O_EXCL)) ==
				       (O_CREAT | O_EXCL)
			       ? VFS_F_NOFOLLOW
			       : 0) |
			  ((flags & O_DIRECTORY) ? VFS_F_DIRECTORY : 0) |
			  ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)
			       ? VFS_F_EXCL
			       : 0),
	};
	long a[6] = {dirfd, (long)path, flags, mode, 0, 0}, err, r;
	struct vfs_res res;

	if (appv_open_flags_refused(flags))
		return -EINVAL; /* before the path, as the kernel */
	/* A read-only truncating open changes the file where fast mode's
	 * Landlock refuses nothing (loader_landlock_truncation).  Made
	 * here, the kernel would read the caller's string again (another
	 * thread's host path by then) and follow what the walk saw as a
	 * plain file of a shared tree (a symlink to a host file since):
	 * the supervisor opens it (no fopen mode asks for one). */
	if ((flags & (O_ACCMODE | O_TRUNC)) == O_TRUNC)
		return shim_direct(SYS_openat, dirfd, (long)path, flags, mode,
				   0, 0);
	r = shim_path_syscall(&sc, dirfd, (long)path, flags, mode, 0, 0);

	/* VFS_F_EXCL let the kernel's exclusive create find what the upper
	 * layer holds; a whiteout left there by a lower directory gone
	 * since is no entry: asked again with the name probed.  An entry
	 * the walk finds now is the one the kernel found (tar extracting
	 * over its earlier files: no second create). */
	if (r == -EEXIST && (sc.vflags & VFS_F_EXCL)) {
		sc.vflags &= ~VFS_F_EXCL;
		r = shim_route(&sc, a, &res, &err);
		if ((r == SHIM_REAL || r == SHIM_OWN) &&
		    res.layer != VFS_LAYER_NONE)
			return -EEXIST;
		r = shim_path_call(&sc, a, &res);
	}
	return r;
}

/* Flags as open(2) takes them: what the kernel ignores is dropped
 * first, so an O_PATH|O_RDWR open copies nothing up. */
long shim_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return shim_openat_flags(dirfd, path, appv_open_flags_legacy(flags),
				 mode);
}

#define MODE_ARG(flags, mode)                                                 \
	do {                                                                  \
		if (needs_mode(flags)) {                                      \
			va_list ap;                                           \
			va_start(ap, flags);                                  \
			mode = va_arg(ap, mode_t);                            \
			va_end(ap);                                           \
		}                                                             \
	} while (0)

SHIM_EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return (int)shim_ret(shim_openat(AT_FDCWD, path, flags, mode));
}

SHIM_EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return (int)shim_ret(shim_openat(AT_FDCWD, path, flags, mode));
}

SHIM_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return (int)shim_ret(shim_openat(dirfd, path, flags, mode));
}

SHIM_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return (int)shim_ret(shim_openat(dirfd, path, flags, mode));
}

/* _FORTIFY_SOURCE variants: glibc aborts when a mode would be needed. */
SHIM_EXPORT int __open_2(const char *path, int flags)
{
	if (needs_mode(flags))
		abort();
	return (int)shim_ret(shim_openat(AT_FDCWD, path, flags, 0));
}

SHIM_EXPORT int __open64_2(const char *path, int flags)
{
	return __open_2(path, flags);
}

SHIM_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	if (needs_mode(flags))
		abort();
	return (int)shim_ret(shim_openat(dirfd, path, flags, 0));
}

SHIM_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return __openat_2(dirfd, path, flags);
}

SHIM_EXPORT int creat(const char *path, mode_t mode)
{
	return (int)shim_ret(shim_openat(AT_FDCWD, path,
					 O_CREAT | O_WRONLY | O_TRUNC, mode));
}

SHIM_EXPORT int creat64(const char *path, mode_t mode)
{
	return creat(path, mode);
}

/* fopen's mode string as glibc reads it: r/w/a, then up to six of
 * "+xbmce" until a ','.  -EINVAL for anything else first. */
static int fopen_flags(const char *mode)
{
	int flags;

	switch (mode[0]) {
	case 'r':
		flags = O_RDONLY;
		break;
	case 'w':
		flags = O_WRONLY | O_CREAT | O_TRUNC;
		break;
	case 'a':
		flags = O_WRONLY | O_CREAT | O_APPEND;
		break;
	default:
		return -EINVAL;
	}
	for (int i = 1; i < 7 && mode[i] && mode[i] != ','; i++) {
		if (mode[i] == '+')
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		else if (mode[i] == 'x')
			flags |= O_EXCL;
		else if (mode[i] == 'e')
			flags |= O_CLOEXEC;
	}
	return flags;
}

static FILE *shim_fopen(const char *path, const char *mode)
{
	int flags = fopen_flags(mode);
	long fd;
	FILE *f;

	if (flags < 0) {
		errno = EINVAL;
		return NULL;
	}
	fd = shim_openat(AT_FDCWD, path, flags, 0666);
	if (fd < 0) {
		errno = (int)-fd;
		return NULL;
	}
	f = fdopen((int)fd, mode);
	if (!f) {
		int e = errno;

		appv_close((int)fd);
		errno = e;
	}
	return f;
}

SHIM_EXPORT FILE *fopen(const char *path, const char *mode)
{
	return shim_fopen(path, mode);
}

SHIM_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return shim_fopen(path, mode);
}

/* opendir = open the directory + fdopendir, as glibc does internally.  A
 * merged directory (visible in several layers) is routed to the
 * supervisor, which materialises the union listing. */
SHIM_EXPORT DIR *opendir(const char *path)
{
	const int flags = O_RDONLY | O_NDELAY | O_DIRECTORY | O_CLOEXEC;
	long fd;
	DIR *d;

	fd = shim_openat(AT_FDCWD, path, flags, 0);
	if (fd < 0) {
		errno = (int)-fd;
		return NULL;
	}
	d = shim_fdopendir((int)fd); /* marked by the open */
	if (!d) {
		int e = errno;

		appv_close((int)fd);
		errno = e;
	}
	return d;
}
