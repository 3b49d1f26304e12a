// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * intercept/shim_stat.c - the stat family, access and readlink,
 * interposed.  Every name maps to the *at syscall glibc uses on x86-64
 * (newfstatat, statx, faccessat2, readlinkat); struct stat and struct
 * stat64 are the kernel's struct stat there.  fstat(fd) - glibc's
 * newfstatat(fd, "", AT_EMPTY_PATH), which the filter lets through in BPF
 * - is interposed only to correct one case: the descriptor of a merged
 * directory, which is its listing in the session's scratch (see
 * fix_listing).
 */
#undef _FORTIFY_SOURCE
#include "shim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../common/sys.h"

#ifndef AT_SYMLINK_NOFOLLOW
#define AT_SYMLINK_NOFOLLOW 0x100
#endif

/* _STAT_VER_KERNEL (0) and _STAT_VER_LINUX (1) of old glibc on x86-64. */
#define STAT_VER_OK(v) ((v) == 0 || (v) == 1)

static long do_fstatat(int dirfd, const char *path, void *st, int flags);

/*
 * A merged directory opened for listing is a directory of the session's
 * scratch (vfs_merge_dir), so fstat of its descriptor would not be what
 * stat of its path says - and programs compare the two: Python's
 * shutil.rmtree refuses a directory whose lstat and fstat differ ("a
 * symbolic link").  A directory on the scratch's file system is looked at
 * (one readlink); a listing gets the stat of its virtual path.  The
 * scratch's device is learnt on first use (-1: none).
 */
static int listing_dev_state; /* 0 unknown, 1 known, -1 none */
static unsigned long listing_dev;

bool shim_on_scratch(unsigned long dev)
{
	int state = __atomic_load_n(&listing_dev_state, __ATOMIC_ACQUIRE);

	if (state == 0) {
		const char *run = vfs_get_config(shim_vfs)->run_dir;
		struct stat st;

		state = -1;
		if (run[0] && appv_fstatat(AT_FDCWD, run, &st, 0) == 0) {
			listing_dev = st.st_dev;
			state = 1;
		}
		__atomic_store_n(&listing_dev_state, state, __ATOMIC_RELEASE);
	}
	return state == 1 && dev == listing_dev;
}

/* Whether descriptor @fd, whose fstat gave @mode, @dev and @ino, is a
 * merged directory's listing - the scratch's, or the package's own
 * directory standing for it (SHIM_FD_COVERED, whose fstat would name the
 * package's directory where stat names the upper copy): its virtual path
 * into @v.  A covered one the shim opened has its path kept (shim.c,
 * base_opened), which spares the link's read and vfs_reverse. */
static bool listing_vpath(int fd, mode_t mode, unsigned long dev,
			  unsigned long ino, char *v, size_t cap)
{
	bool covered = shim_fd_kind(fd) == SHIM_FD_COVERED;
	bool cwd = fd == AT_FDCWD;
	char real[PATH_MAX];

	if (!shim_vfs || !S_ISDIR(mode) ||
	    (!covered && !cwd && !shim_on_scratch(dev)))
		return false;
	if (covered && shim_base_known(fd, dev, ino, v, cap))
		return true;
	/* AT_FDCWD (fstatat(AT_FDCWD, "", AT_EMPTY_PATH)): the working
	 * directory, which fchdir may have moved into a listing, or into a
	 * package directory (covered or not: stat of its path says). */
	if ((cwd ? APPV_SYS(SYS_getcwd, real, sizeof(real), 0, 0, 0, 0)
		 : shim_fd_path(fd, real, sizeof(real))) < 0)
		return false;
	if (cwd && !shim_on_scratch(dev))
		covered = vfs_real_in_image(shim_vfs, real);
	return covered ? vfs_reverse(shim_vfs, real, v, cap) >= 0
		       : vfs_listing_vpath(shim_vfs, real, v, cap) >= 0;
}

/* The descriptor's own stat stays when its path no longer names a
 * directory (moved or removed since it was opened: fstat still works). */
static long fix_listing(int fd, struct stat *st)
{
	char v[PATH_MAX];
	struct stat vs;

	if (listing_vpath(fd, st->st_mode, st->st_dev, st->st_ino, v,
			  sizeof(v)) &&
	    do_fstatat(AT_FDCWD, v, &vs, 0) == 0 && S_ISDIR(vs.st_mode))
		*st = vs;
	return 0;
}

static long do_fstat(int fd, void *st)
{
	struct stat *s = st;
	long r = appv_syscall(SYS_newfstatat, fd, (long)"", (long)st,
			      AT_EMPTY_PATH, 0, 0);

	if (r < 0)
		return r;
	/* A package entry: as stat of its path says (vfs_fix_stat). */
	if (shim_fd_kind(fd) == SHIM_FD_IMAGE)
		s->st_ctim = s->st_mtim;
	else if (shim_vfs)
		vfs_origin_stat(shim_vfs, s); /* a copied-up entry */
	return fix_listing(fd, st);
}

/* fstat(fd) as glibc's: a negative @fd is EBADF (AT_FDCWD with
 * AT_EMPTY_PATH would be the working directory). */
static long do_fstat_fd(int fd, void *st)
{
	return fd < 0 ? -EBADF : do_fstat(fd, st);
}

/* The virtual path of @fd when it is a merged directory's listing in the
 * scratch (not a covered package directory, whose file system is the
 * cache's: the supervisor's fstatfs answers the same). */
static bool scratch_listing(int fd, char *v, size_t cap)
{
	struct stat st;

	return shim_vfs &&
	       appv_syscall(SYS_newfstatat, fd, (long)"", (long)&st,
			    AT_EMPTY_PATH, 0, 0) == 0 &&
	       S_ISDIR(st.st_mode) && shim_on_scratch(st.st_dev) &&
	       shim_fd_kind(fd) != SHIM_FD_COVERED &&
	       listing_vpath(fd, st.st_mode, st.st_dev, st.st_ino, v, cap);
}

/* fstatfs of a listing: as statfs of its path (the supervisor's), as the
 * supervisor answers it without the shim (loader/sys_stat.c). */
static long do_fstatfs(int fd, struct statfs *buf)
{
	long r = appv_syscall(SYS_fstatfs, fd, (long)buf, 0, 0, 0, 0);
	char v[PATH_MAX];
	struct statfs vs;

	if (r == 0 && scratch_listing(fd, v, sizeof(v)) &&
	    shim_direct(SYS_statfs, (long)v, (long)&vs, 0, 0, 0, 0) == 0)
		*buf = vs;
	return r;
}

SHIM_EXPORT int fstatfs(int fd, struct statfs *buf)
{
	return (int)shim_ret(do_fstatfs(fd, buf));
}

SHIM_EXPORT int fstatfs64(int fd, struct statfs64 *buf)
{
	return (int)shim_ret(do_fstatfs(fd, (struct statfs *)buf));
}

/* The virtual path of @fd when it is a merged directory's listing: the
 * scratch's, or a directory standing for it (SHIM_FD_COVERED, the
 * package's or the host's own), whose own attributes are no longer the
 * upper copy's once the session changed those. */
static bool any_listing(int fd, char *v, size_t cap)
{
	struct stat st;

	if (fd < 0 || shim_fd_kind(fd) != SHIM_FD_COVERED)
		return scratch_listing(fd, v, cap);
	return appv_syscall(SYS_newfstatat, fd, (long)"", (long)&st,
			    AT_EMPTY_PATH, 0, 0) == 0 &&
	       listing_vpath(fd, st.st_mode, st.st_dev, st.st_ino, v, cap);
}

/* fgetxattr/flistxattr of a listing: as its path has them (the
 * supervisor answers for the path; without the shim it answers the
 * descriptor alike, loader/sys_attr.c). */
static long do_fgetxattr(int fd, const char *name, void *value, size_t size)
{
	char v[PATH_MAX];

	if (any_listing(fd, v, sizeof(v)))
		return shim_direct(SYS_getxattr, (long)v, (long)name,
				   (long)value, (long)size, 0, 0);
	return appv_syscall(SYS_fgetxattr, fd, (long)name, (long)value,
			    (long)size, 0, 0);
}

SHIM_EXPORT ssize_t fgetxattr(int fd, const char *name, void *value,
			      size_t size)
{
	return shim_ret(do_fgetxattr(fd, name, value, size));
}

static long do_flistxattr(int fd, char *list, size_t size)
{
	char v[PATH_MAX];

	if (any_listing(fd, v, sizeof(v)))
		return shim_direct(SYS_listxattr, (long)v, (long)list,
				   (long)size, 0, 0, 0);
	return appv_syscall(SYS_flistxattr, fd, (long)list, (long)size, 0, 0,
			    0);
}

SHIM_EXPORT ssize_t flistxattr(int fd, char *list, size_t size)
{
	return shim_ret(do_flistxattr(fd, list, size));
}

typedef int (*fstatvfs_fn)(int, struct statvfs *);
typedef int (*statvfs_fn)(const char *, struct statvfs *);

/* glibc's fstatvfs calls its own fstatfs, past the shim: a listing is
 * answered by libc's statvfs of its path. */
static int do_fstatvfs(int fd, struct statvfs *buf)
{
	LIBC(fstatvfs_fn, fstatvfs);
	static void *cache_statvfs;
	statvfs_fn real_s = (statvfs_fn)shim_libc_fn(&cache_statvfs,
						     "statvfs");
	char v[PATH_MAX];

	if (!real || !real_s)
		return (int)shim_ret(-ENOSYS);
	if (scratch_listing(fd, v, sizeof(v)) && real_s(v, buf) == 0)
		return 0;
	return real(fd, buf);
}

SHIM_EXPORT int fstatvfs(int fd, struct statvfs *buf)
{
	return do_fstatvfs(fd, buf);
}

SHIM_EXPORT int fstatvfs64(int fd, struct statvfs64 *buf)
{
	return do_fstatvfs(fd, (struct statvfs *)buf);
}

typedef long (*fpathconf_fn)(int, int);
typedef long (*pathconf_fn)(const char *, int);

/* glibc's fpathconf calls its own fstatfs, past the shim: a listing's
 * limits (LINK_MAX, FILESIZEBITS...) would be the scratch's file
 * system's.  It is answered by libc's pathconf of its path, unless that
 * fails (the directory gone since: the descriptor's own). */
SHIM_EXPORT long fpathconf(int fd, int name)
{
	LIBC(fpathconf_fn, fpathconf);
	static void *cache_pathconf;
	pathconf_fn real_p =
	    (pathconf_fn)shim_libc_fn(&cache_pathconf, "pathconf");
	char v[PATH_MAX];
	int e = errno, err;
	long r;

	if (!real || !real_p)
		return shim_ret(-ENOSYS);
	if (scratch_listing(fd, v, sizeof(v))) {
		errno = 0;
		r = real_p(v, name);
		err = errno;
		errno = e;
		if (r != -1 || !err) /* -1 without an error: no limit */
			return r;
	}
	return real(fd, name);
}

SHIM_EXPORT int fstat(int fd, struct stat *st)
{
	return (int)shim_ret(do_fstat_fd(fd, st));
}

SHIM_EXPORT int fstat64(int fd, struct stat64 *st)
{
	return (int)shim_ret(do_fstat_fd(fd, st));
}

static long do_fstatat(int dirfd, const char *path, void *st, int flags)
{
	struct shim_sc sc = {
		.nr = SYS_newfstatat, .dirfd_arg = 0, .path_arg = 1,
		.intent = VFS_INTENT_READ,
		.vflags = (flags & AT_SYMLINK_NOFOLLOW) ? VFS_F_NOFOLLOW : 0,
	};

	long a[6] = { dirfd, (long)path, (long)st, flags, 0, 0 };
	struct vfs_res res;
	long r;

	if (path && !path[0] && (flags & AT_EMPTY_PATH))
		return do_fstat(dirfd, st);
	r = shim_path_call(&sc, a, &res);
	if (r == 0)
		vfs_fix_stat(shim_vfs, &res, st);
	return r;
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

SHIM_EXPORT int __fxstat(int ver, int fd, struct stat *st)
{
	if (!STAT_VER_OK(ver))
		return (int)shim_ret(-EINVAL);
	return (int)shim_ret(do_fstat_fd(fd, st));
}

SHIM_EXPORT int __fxstat64(int ver, int fd, struct stat64 *st)
{
	if (!STAT_VER_OK(ver))
		return (int)shim_ret(-EINVAL);
	return (int)shim_ret(do_fstat_fd(fd, st));
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

static long do_statx(int dirfd, const char *path, int flags,
		     unsigned int mask, struct statx *buf)
{
	struct shim_sc sc = {
		.nr = SYS_statx, .dirfd_arg = 0, .path_arg = 1,
		.intent = VFS_INTENT_READ,
		.vflags = (flags & AT_SYMLINK_NOFOLLOW) ? VFS_F_NOFOLLOW : 0,
	};
	long a[6] = { dirfd, (long)path, flags, mask, (long)buf, 0 };
	struct vfs_res res;
	long r = shim_path_call(&sc, a, &res);

	if (r == 0)
		vfs_fix_statx(shim_vfs, &res, buf);
	return r;
}

static long statx_fixed(int dirfd, const char *path, int flags,
			unsigned int mask, struct statx *buf)
{
	long r = do_statx(dirfd, path, flags, mask, buf);
	const char *volatile p = path; /* NULL passes since Linux 6.11 */
	char v[PATH_MAX];
	struct statx vx;

	if (r == 0 && (!p || !p[0]) && (flags & AT_EMPTY_PATH)) {
		/* as do_fstat */
		if (shim_fd_kind(dirfd) == SHIM_FD_IMAGE)
			vfs_image_statx_times(buf);
		else if (shim_vfs)
			vfs_origin_statx(shim_vfs, buf);
	}
	/* fix_listing's case, in statx's terms. */
	if (r == 0 && (!p || !p[0]) && (flags & AT_EMPTY_PATH) &&
	    listing_vpath(dirfd, buf->stx_mode,
			  makedev(buf->stx_dev_major, buf->stx_dev_minor),
			  buf->stx_ino, v, sizeof(v)) &&
	    do_statx(AT_FDCWD, v, flags & ~AT_EMPTY_PATH, mask, &vx) == 0 &&
	    S_ISDIR(vx.stx_mode))
		*buf = vx;
	return r;
}

SHIM_EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask,
		      struct statx *buf)
{
	return (int)shim_ret(statx_fixed(dirfd, path, flags, mask, buf));
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

/* glibc's euidaccess (eaccess) checks from inside libc - a stat, or an
 * access, that the shim does not see: each a notification (make's search
 * of PATH for every command it runs).  The same check with the effective
 * ids is faccessat(AT_EACCESS), which glibc's clears of bits other than
 * R_OK, W_OK and X_OK first (the kernel would say EINVAL). */
SHIM_EXPORT int euidaccess(const char *path, int mode)
{
	return (int)shim_ret(do_faccessat(
	    AT_FDCWD, path, mode & (R_OK | W_OK | X_OK), AT_EACCESS));
}

SHIM_EXPORT int eaccess(const char *path, int mode)
{
	return (int)shim_ret(do_faccessat(
	    AT_FDCWD, path, mode & (R_OK | W_OK | X_OK), AT_EACCESS));
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

typedef long (*syscall_fn)(long, ...);

/*
 * syscall(3).  A program that makes its stat calls through it - libuv, so
 * node, whose fs.fstat, FileHandle.stat and every stat are
 * syscall(SYS_statx, ...) - makes them from libc's text, where the filter
 * lets through the descriptor calls the shim answers (fstat, the
 * AT_EMPTY_PATH forms, fstatfs, fgetxattr, flistxattr; getdents64,
 * shim_dir.c): a copied-up file's fstat would name its upper copy, a
 * merged directory's its listing in the scratch, a package file's ctime
 * the cache's, where stat of the path (notified) names the virtual entry;
 * a merged directory's getdents64 would give its placeholders' d_ino.
 * Those numbers get the wrappers' answers, and so does chdir (shim.c),
 * which the shim must see to move the kernel's cwd.  Every other call
 * goes to libc's syscall as asked, so a path call is still notified from
 * there.  Six arguments are read, as glibc's syscall reads six registers
 * whatever the call.
 */
SHIM_EXPORT long syscall(long nr, ...)
{
	static void *cache_syscall;
	syscall_fn real;
	va_list ap;
	long a[6];

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	switch (nr) {
	case SYS_fstat:
		return shim_ret(do_fstat_fd((int)a[0], (void *)a[1]));
	case SYS_newfstatat:
		return shim_ret(do_fstatat((int)a[0], (const char *)a[1],
					   (void *)a[2], (int)a[3]));
	case SYS_statx:
		return shim_ret(statx_fixed((int)a[0], (const char *)a[1],
					    (int)a[2], (unsigned int)a[3],
					    (struct statx *)a[4]));
	case SYS_fstatfs:
		return shim_ret(do_fstatfs((int)a[0], (struct statfs *)a[1]));
	case SYS_fgetxattr:
		return shim_ret(do_fgetxattr((int)a[0], (const char *)a[1],
					     (void *)a[2], (size_t)a[3]));
	case SYS_flistxattr:
		return shim_ret(
		    do_flistxattr((int)a[0], (char *)a[1], (size_t)a[2]));
	case SYS_getdents64:
		return shim_ret(
		    shim_getdents((int)a[0], (void *)a[1], (unsigned int)a[2]));
	case SYS_chdir:
		/* Answered by the supervisor, a chdir into a package
		 * directory leaves the kernel's cwd, which the shim reads
		 * (getcwd, relative paths), and keeps a record of the
		 * virtual one (loader/sys_cwd.c). */
		return chdir((const char *)a[0]);
	}
	real = (syscall_fn)shim_libc_fn(&cache_syscall, "syscall");
	if (!real)
		return shim_ret(-ENOSYS);
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
