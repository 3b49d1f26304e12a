/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * intercept/shim_internal.h - shared by the shim's files (shim.c and
 * shim_*.c).  Not a public interface: the shim exports only the libc names
 * it interposes (intercept/shim.map).
 *
 * Every interposed call asks shim_route() where to go:
 *   SHIM_DIRECT  the original syscall with the original arguments, issued
 *		  from ordinary code, so the seccomp filter sends it to the
 *		  supervisor (which handles everything the shim does not);
 *   SHIM_OWN	  the original syscall via the trampoline: the VFS says the
 *		  path means itself on the host, the kernel gives the exact
 *		  answer;
 *   SHIM_REAL	  the same syscall via the trampoline on res.real (dirfd
 *		  AT_FDCWD), keeping the application's flags;
 *   SHIM_ERR	  the resolver's answer is final (a read that fails).
 */
#ifndef APPV_INTERCEPT_SHIM_INTERNAL_H
#define APPV_INTERCEPT_SHIM_INTERNAL_H

#include <stdbool.h>
#include <limits.h>
#include <sys/stat.h>

#include "../vfs/vfs.h"

#define SHIM_EXPORT __attribute__((visibility("default")))

enum shim_route { SHIM_DIRECT = 0, SHIM_OWN, SHIM_REAL, SHIM_ERR };

/* One path syscall as the kernel sees it. */
struct shim_sc {
	long nr;
	int dirfd_arg; /* index of the dirfd argument, -1: AT_FDCWD implied */
	int path_arg;  /* index of the path argument */
	int intent;    /* enum vfs_intent */
	int vflags;    /* VFS_F_* */
};

/* The resolver, or NULL while the shim is off (no session, no trampoline,
 * unreadable session file): then every call takes SHIM_DIRECT. */
extern struct vfs *shim_vfs;

/* Where @sc with arguments @a should go; for SHIM_REAL fills @res, for
 * SHIM_ERR sets *@err.  Async-signal-safe, no allocation. */
int shim_route(const struct shim_sc *sc, const long a[6],
	       struct vfs_res *res, long *err);

/* Route and issue @sc; returns the raw result (value or -errno). */
long shim_path_syscall(const struct shim_sc *sc, long a0, long a1, long a2,
		       long a3, long a4, long a5);
/* The same with the arguments in @a (rewritten) and the resolution in
 * @res: res->merged_dir is true only for a call issued here on a merged
 * directory. */
/*
 * A call the shim leaves to the supervisor (issued where the filter
 * notifies it).  One the supervisor never received - a signal came first,
 * the kernel dropped it, and under a handler without SA_RESTART it fails
 * with EINTR, which natively it cannot - is made again: once received, only
 * a fatal signal interrupts it (WAIT_KILLABLE_RECV).  Not a call that may
 * block natively (an open of a FIFO, a connect), whose EINTR may be the
 * kernel's own after the supervisor let it continue.
 */
long shim_direct(long nr, long a, long b, long c, long d, long e, long f);
long shim_path_call(const struct shim_sc *sc, long a[6], struct vfs_res *res);

/* What descriptor @fd names (readlink of /proc/self/fd/N, NUL-terminated
 * into @out): the length, or -errno. */
long shim_fd_path(int fd, char *out, size_t cap);

/* shim_base.c: the virtual path of directory descriptor @fd as
 * virtual_base last found it.  HIT: in @out, with *@upper; STAT: *@st is
 * the descriptor's fstat, which named something else; UNKNOWN: nothing
 * kept; MOVABLE: it named a host directory the session may move (nothing
 * kept, no fstat made: read the link).  shim_base_put: keep what the link
 * said, @gen read before it, @st the descriptor's fstat, taken before the
 * link was read and checked again after.  shim_base_movable: note that
 * @fd names such a host directory, or (false) no longer. */
enum { SHIM_BASE_UNKNOWN, SHIM_BASE_MOVABLE, SHIM_BASE_STAT, SHIM_BASE_HIT };
int shim_base_get(int fd, char *out, size_t cap, bool *upper,
		  struct stat *st);
void shim_base_put(int fd, const char *real, const char *vpath, bool upper,
		   unsigned int gen, const struct stat *st);
void shim_base_movable(int fd, bool movable);
/* The kept virtual path of @fd, whose fstat (the caller's) gave @dev and
 * @ino: as shim_base_get's HIT, with no fstat of its own. */
bool shim_base_known(int fd, unsigned long dev, unsigned long ino, char *out,
		     size_t cap);

/* shim_stat.c: @dev is the device of the session's scratch (merged
 * listings). */
bool shim_on_scratch(unsigned long dev);

/* What a descriptor the shim opened is, for its fstat. */
enum shim_fd_kind {
	SHIM_FD_PLAIN,	 /* the real file is the virtual one */
	SHIM_FD_IMAGE,	 /* a package file or directory opened for reading:
			    mtime as ctime, as stat says (vfs_fix_stat) */
	SHIM_FD_COVERED, /* a merged directory listed as the package's own
			    (vfs_merge_covered): stat of its virtual path */
	SHIM_FD_UPPER,	 /* a directory of the upper layer alone: an entry
			    moved there from a copy-up lists its origin's
			    inode (vfs_origin_ino) */
};

/* shim_dir.c: descriptor @fd was just opened by the shim; @listing: it
 * may be a merged listing (the supervisor answered the open of a merged
 * directory), whose d_ino readdir corrects; @kind: enum shim_fd_kind.
 * shim_fd_kind: @fd's (a mark lasts until the shim opens another file at
 * that number). */
void shim_fd_opened(int fd, bool listing, int kind);
/* What the open of covered directory @fd learnt (vfs_covered_map_kept). */
void shim_fd_covered(int fd, const struct vfs_cov_ticket *t);
int shim_fd_kind(int fd);
/* getdents64(@fd, @buf, @n) with each d_ino as readdir gives it: a
 * listing's, covered or upper directory's (shim_dir.c); value or -errno. */
long shim_getdents(int fd, void *buf, size_t n);
/* glibc's fdopendir, without the check of the shim's own (shim_dir.c). */
struct __dirstream;
struct __dirstream *shim_fdopendir(int fd);

/* libc's convention: errno and -1 for a negative result. */
long shim_ret(long r);

/* libc's @name (dlsym RTLD_NEXT), looked up once into *@cache; LIBC
 * declares `type real` for the wrapped function @name. */
void *shim_libc_fn(void **cache, const char *name);
#define LIBC(type, name)                                                       \
	static void *cache_##name;                                             \
	type real = (type)shim_libc_fn(&cache_##name, #name)

/* Open as the application asked (used by open*, creat*, fopen*). */
long shim_openat(int dirfd, const char *path, int flags, mode_t mode);

/* The saved LD_PRELOAD entry of the shim and APPV_SESSION (empty when the
 * process did not start in a session); set by the constructor. */
extern char shim_env_preload[];
extern char shim_env_session[];

/* glibc < 2.33 names that still exist as symbols; no header declares them
 * any more. */
int __xstat(int ver, const char *path, struct stat *st);
int __xstat64(int ver, const char *path, struct stat64 *st);
int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat64(int ver, const char *path, struct stat64 *st);
int __fxstat(int ver, int fd, struct stat *st);
int __fxstat64(int ver, int fd, struct stat64 *st);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st,
	       int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st,
		 int flags);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

#endif
