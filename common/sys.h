/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * common/sys.h - the one thin layer for kernel calls.
 *
 * Every wrapper returns the result or a negative errno; none touches errno.
 * All calls go through appv_syscall(), which by default issues the syscall
 * directly.  The shim (intercept/) points appv_syscall_hook at its trampoline
 * so that the VFS code, running inside an application, issues its syscalls
 * from the page the seccomp filter exempts.  Thread- and async-signal-safe.
 */
#ifndef APPV_COMMON_SYS_H
#define APPV_COMMON_SYS_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <fcntl.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef O_PATH
#define O_PATH 010000000
#endif
#ifndef RESOLVE_BENEATH
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
/* Older C library headers lack these (kernel 5.3, 5.6, 5.1). */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/*
 * The open(2)/openat(2)/creat(2) flags the kernel acts on
 * (build_open_how(): VALID_OPEN_FLAGS, x86-64 values): other bits are
 * dropped, and with O_PATH all but O_DIRECTORY, O_NOFOLLOW and O_CLOEXEC
 * are, where openat2(2) refuses both with EINVAL.  musl adds O_LARGEFILE
 * (0100000) to every open, O_PATH ones included.
 */
#define APPV_VALID_OPEN_FLAGS 037777703
#define APPV_O_PATH_FLAGS (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)

static inline int appv_open_flags_legacy(int flags)
{
	flags &= APPV_VALID_OPEN_FLAGS;
	return (flags & O_PATH) ? flags & APPV_O_PATH_FLAGS : flags;
}

struct appv_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

/* Signature of a raw six-argument syscall; returns value or -errno. */
typedef long (*appv_syscall_fn)(long nr, long a, long b, long c, long d,
				long e, long f);

/* NULL means "issue directly".  Set once, before any thread starts. */
extern appv_syscall_fn appv_syscall_hook;

long appv_syscall_direct(long nr, long a, long b, long c, long d, long e,
			 long f);

static inline long appv_syscall(long nr, long a, long b, long c, long d,
				long e, long f)
{
	if (appv_syscall_hook)
		return appv_syscall_hook(nr, a, b, c, d, e, f);
	return appv_syscall_direct(nr, a, b, c, d, e, f);
}

#define APPV_SYS(nr, a, b, c, d, e, f)                                        \
	appv_syscall((nr), (long)(a), (long)(b), (long)(c), (long)(d),        \
		     (long)(e), (long)(f))

/* The credentials the kernel has: a preload library that fakes getuid()
 * (fakeroot around a dynamically linked appv) must not decide whose
 * directories appv trusts or whom its files belong to. */
static inline uid_t appv_getuid(void)
{
	return (uid_t)APPV_SYS(SYS_getuid, 0, 0, 0, 0, 0, 0);
}

static inline uid_t appv_geteuid(void)
{
	return (uid_t)APPV_SYS(SYS_geteuid, 0, 0, 0, 0, 0, 0);
}

static inline gid_t appv_getegid(void)
{
	return (gid_t)APPV_SYS(SYS_getegid, 0, 0, 0, 0, 0, 0);
}

static inline int appv_openat(int dirfd, const char *path, int flags,
			      mode_t mode)
{
	return (int)APPV_SYS(SYS_openat, dirfd, path, flags, mode, 0, 0);
}

/*
 * Whether this kernel refuses O_CREAT|O_DIRECTORY (without O_TMPFILE)
 * with EINVAL before it looks at the path, as Linux does since 6.4 (6.1
 * says EISDIR for a directory): asked once, with an empty path, which
 * creates nothing either way.
 */
static inline int appv_creat_dir_refused(void)
{
	static int known; /* 0: not asked, 1: no, 2: yes */

	if (!known)
		known =
		    appv_openat(AT_FDCWD, "",
				O_CREAT | O_DIRECTORY | O_RDONLY | O_CLOEXEC,
				0) == -EINVAL
			? 2
			: 1;
	return known == 2;
}

/* The open flags the kernel refuses as a whole (see above). */
static inline int appv_open_flags_refused(int flags)
{
	/* glibc's __O_TMPFILE holds O_DIRECTORY: the bit alone.  O_TMPFILE
	 * is that bit with O_DIRECTORY, without O_CREAT, for writing. */
	if (flags & 020000000)
		return (flags & (O_CREAT | O_DIRECTORY)) != O_DIRECTORY ||
		       (flags & O_ACCMODE) == O_RDONLY;
	return (flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY) &&
	       appv_creat_dir_refused();
}

static inline int appv_openat2(int dirfd, const char *path, int flags,
			       mode_t mode, uint64_t resolve)
{
	struct appv_open_how how = { (uint64_t)flags, mode, resolve };
	if (!(flags & (O_CREAT | O_TMPFILE)))
		how.mode = 0;
	return (int)APPV_SYS(SYS_openat2, dirfd, path, &how, sizeof(how), 0, 0);
}

static inline int appv_close(int fd)
{
	return (int)APPV_SYS(SYS_close, fd, 0, 0, 0, 0, 0);
}

static inline ssize_t appv_read(int fd, void *buf, size_t n)
{
	return APPV_SYS(SYS_read, fd, buf, n, 0, 0, 0);
}

static inline ssize_t appv_pread(int fd, void *buf, size_t n, off_t off)
{
	return APPV_SYS(SYS_pread64, fd, buf, n, off, 0, 0);
}

static inline ssize_t appv_write(int fd, const void *buf, size_t n)
{
	return APPV_SYS(SYS_write, fd, buf, n, 0, 0, 0);
}

static inline int appv_fstatat(int dirfd, const char *path, struct stat *st,
			       int flags)
{
	return (int)APPV_SYS(SYS_newfstatat, dirfd, path, st, flags, 0, 0);
}

static inline int appv_fstat(int fd, struct stat *st)
{
	return (int)APPV_SYS(SYS_fstat, fd, st, 0, 0, 0, 0);
}

static inline ssize_t appv_readlinkat(int dirfd, const char *path, char *buf,
				      size_t n)
{
	return APPV_SYS(SYS_readlinkat, dirfd, path, buf, n, 0, 0);
}

static inline int appv_faccessat(int dirfd, const char *path, int mode,
				 int flags)
{
	return (int)APPV_SYS(SYS_faccessat2, dirfd, path, mode, flags, 0, 0);
}

static inline int appv_mkdirat(int dirfd, const char *path, mode_t mode)
{
	return (int)APPV_SYS(SYS_mkdirat, dirfd, path, mode, 0, 0, 0);
}

static inline int appv_renameat(int ofd, const char *o, int nfd, const char *n)
{
	return (int)APPV_SYS(SYS_renameat2, ofd, o, nfd, n, 0, 0);
}

static inline int appv_unlinkat(int dirfd, const char *path, int flags)
{
	return (int)APPV_SYS(SYS_unlinkat, dirfd, path, flags, 0, 0, 0);
}

static inline void *appv_mmap(void *addr, size_t len, int prot, int flags,
			      int fd, off_t off)
{
	return (void *)APPV_SYS(SYS_mmap, addr, len, prot, flags, fd, off);
}

static inline int appv_munmap(void *addr, size_t len)
{
	return (int)APPV_SYS(SYS_munmap, addr, len, 0, 0, 0, 0);
}

static inline ssize_t appv_getdents64(int fd, void *buf, size_t n)
{
	return APPV_SYS(SYS_getdents64, fd, buf, n, 0, 0, 0);
}

/*
 * Whether descriptor @fd is open for writing (not O_PATH).  Such a
 * descriptor reaches only a file the sandbox may change in place: an
 * overlay file, a shared path's, or one handed to the program from
 * outside (a redirected stdout) - a lower file is copied up before it is
 * opened for writing.  One fcntl, where readlink of /proc/self/fd/N costs
 * a path walk and a d_path.
 */
static inline int appv_fd_writable(int fd)
{
	long fl = APPV_SYS(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0);

	return fl >= 0 && !(fl & O_PATH) && (fl & O_ACCMODE) != O_RDONLY;
}

/* mmap results: a pointer, or a value in [-4095, -1] meaning -errno. */
static inline int appv_mmap_failed(void *p)
{
	return (unsigned long)p >= (unsigned long)-4095L;
}

/* read/write that retry on EINTR and short counts; return 0 or -errno. */
int appv_read_full(int fd, void *buf, size_t n);
int appv_write_full(int fd, const void *buf, size_t n);

/*
 * The writer's side of a seqlocked slot whose sequence number @slot is
 * odd while written.  Writers only try: a slot busy with another writer
 * (a thread, or the code a signal handler interrupted) is simply not
 * written, so no path waits.  appv_seq_try: the even number taken into
 * *@seq, or false; appv_seq_done publishes the write.
 */
static inline int appv_seq_try(unsigned int *slot, unsigned int *seq)
{
	*seq = __atomic_load_n(slot, __ATOMIC_RELAXED);
	return !(*seq & 1) &&
	       __atomic_compare_exchange_n(slot, seq, *seq + 1, 0,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void appv_seq_done(unsigned int *slot, unsigned int seq)
{
	__atomic_store_n(slot, seq + 2, __ATOMIC_RELEASE);
}

/* Lowers counter *@n by @k, never below 0: a count that a reset zeroed
 * meanwhile (one a killed process had left up) stays there. */
static inline void appv_atomic_sub_floor(uint32_t *n, uint32_t k)
{
	uint32_t v = __atomic_load_n(n, __ATOMIC_SEQ_CST);

	while (v >= k &&
	       !__atomic_compare_exchange_n(n, &v, v - k, 0, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST))
		;
}

#endif
