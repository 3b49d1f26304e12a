// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * intercept/shim_dir.c - readdir of a merged listing reports real inodes.
 *
 * A merged directory opened for listing is a directory of placeholders in
 * the session's scratch (vfs/merge.c), whose d_ino are the scratch's; the
 * supervisor writes each listing's inode map (vfs/merge_ino.c).  The shim
 * marks the descriptors it got from the supervisor for the open of a
 * merged directory (shim_fd_opened); readdir on a stream over a marked
 * descriptor reads the listing's map once per stream (one fstat, one
 * open+pread) and replaces each d_ino by the real one, so it matches
 * st_ino of the same name.
 * Everything else is libc's own readdir (found with dlsym), untouched.
 *
 * A map larger than a buffer, or one for a 17th listing stream open at
 * once, is mapped instead.  getdents64 made without a stream
 * (getdents64(3), getdirentries, syscall(3)) is corrected alike, and
 * scandir is made here over the shim's readdir.  Not covered: streams
 * libc opens and reads internally (glob, nftw, fts: they hand out names
 * and stats, no d_ino), and descriptors of 2^20 and above (beyond the
 * kernel's default nr_open).
 * A stream made by fdopendir over any
 * other descriptor (a duplicate: Python's os.scandir(fd)) is checked with
 * one fstat.  A package directory opened for a merged one (SHIM_FD_COVERED)
 * takes its map from what its open learnt (vfs_covered_map_kept) while
 * the overlay did not move, checked against that fstat; else it is found
 * again from the descriptor's path (one readlink, one stat).
 * Without the shim the supervisor answers getdents64 (loader/sys_stat.c),
 * except for a static binary in a session with the shim (README).
 */
#include "shim_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "../common/path.h"
#include "../common/sys.h"

#define DIR_FDS 4096	 /* slots per chunk */
#define DIR_CHUNKS 256	 /* descriptors below DIR_FDS * DIR_CHUNKS */
#define DIR_FD_MAX (DIR_FDS * DIR_CHUNKS)
#define BUFS 16		 /* streams whose maps are read into a buffer */
#define BUF_SIZE 65536	 /* a map of up to 4095 entries */

struct dir_slot {
	bool listing;			/* marked by shim_fd_opened */
	unsigned char kind;		/* enum shim_fd_kind */
	DIR *dir;			/* the stream the map is for */
	const struct vfs_ino_map *map;	/* NULL: none (yet) */
	size_t len;			/* > 0: mapped (a large map) */
	int buf;			/* 1 + the buffer holding it, or 0 */
	bool upper;			/* SHIM_FD_UPPER, checked for @dir */
	struct vfs_cov_ticket cov;	/* SHIM_FD_COVERED: from its open */
};

/* Slots by descriptor number: the first chunk static, the others mapped
 * on first use (a program holding thousands of files; a thread that loses
 * the race unmaps its own). */
static struct dir_slot slots[DIR_FDS];
static struct dir_slot *chunks[DIR_CHUNKS];

/* The slot of @fd; NULL when @fd is out of range, or when its chunk was
 * never mapped (then it holds nothing) and @make is false or it cannot be
 * mapped now. */
static struct dir_slot *slot_at(int fd, bool make)
{
	unsigned int c = (unsigned int)fd / DIR_FDS;
	struct dir_slot *chunk, *none = NULL;
	void *p;

	if (fd < 0 || fd >= DIR_FD_MAX)
		return NULL;
	if (!c)
		return &slots[fd];
	chunk = __atomic_load_n(&chunks[c], __ATOMIC_ACQUIRE);
	if (!chunk && make) {
		p = appv_mmap(NULL, sizeof(slots), PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (appv_mmap_failed(p))
			return NULL;
		if (__atomic_compare_exchange_n(&chunks[c], &none, p, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			chunk = p;
		} else {
			appv_munmap(p, sizeof(slots));
			chunk = none;
		}
	}
	return chunk ? &chunk[fd % DIR_FDS] : NULL;
}
/* Buffers, mapped on first use and kept: a fresh mapping per stream would
 * cost its page faults and a TLB flush at every closedir. */
static void *bufs[BUFS];
static unsigned int bufs_busy; /* atomic bit mask */

static int buf_take(void)
{
	for (int i = 0; i < BUFS; i++) {
		unsigned int bit = 1u << i;
		void *p;

		if (__atomic_fetch_or(&bufs_busy, bit, __ATOMIC_ACQUIRE) & bit)
			continue;
		if (!bufs[i]) {
			p = appv_mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (appv_mmap_failed(p)) {
				__atomic_fetch_and(&bufs_busy, ~bit,
						   __ATOMIC_RELEASE);
				return -1;
			}
			bufs[i] = p;
		}
		return i;
	}
	return -1;
}

/* The slot's map, if any, given up (its buffer free again). */
static void map_drop(struct dir_slot *s)
{
	if (s->map && s->len)
		appv_munmap((void *)s->map, s->len);
	if (s->buf)
		__atomic_fetch_and(&bufs_busy, ~(1u << (s->buf - 1)),
				   __ATOMIC_RELEASE);
	s->map = NULL;
	s->len = 0;
	s->buf = 0;
}

static void slot_drop(struct dir_slot *s)
{
	map_drop(s);
	s->dir = NULL;
	s->upper = false;
}

void shim_fd_opened(int fd, bool listing, int kind)
{
	struct dir_slot *s = slot_at(fd, listing || kind != SHIM_FD_PLAIN);

	if (!s)
		return;
	/* @dir too: a stream read with no map (a covered directory whose
	 * copies all keep their inodes) would else keep it, and the next
	 * stream on the number - often at the same address, or the same
	 * stream after rewinddir - would be taken for one already loaded. */
	if (s->listing || s->map || s->buf || s->upper || s->dir)
		slot_drop(s);
	s->listing = listing;
	s->kind = (unsigned char)kind;
	s->cov.seq = 0;
}

void shim_fd_covered(int fd, const struct vfs_cov_ticket *t)
{
	struct dir_slot *s = slot_at(fd, false);

	if (s && s->kind == SHIM_FD_COVERED)
		s->cov = *t;
}

int shim_fd_kind(int fd)
{
	const struct dir_slot *s = slot_at(fd, false);

	return s ? s->kind : SHIM_FD_PLAIN;
}

/* The map of marked listing @fd, read for stream @d. */
static void slot_load(struct dir_slot *s, int fd, DIR *d)
{
	char real[PATH_MAX], v[PATH_MAX];
	struct stat st;

	s->dir = d;
	if (s->kind == SHIM_FD_COVERED) {
		/* The package's own directory: its copied-up entries'
		 * inodes are their upper copies' - as its open saw them
		 * while nothing changed since, else looked at again from
		 * its path.  A host directory's are its own already (a
		 * copy-up keeps the host entry's inode). */
		s->buf = buf_take() + 1;
		if (!s->buf)
			return;
		s->map = vfs_covered_map_kept(shim_vfs, &s->cov,
					      bufs[s->buf - 1], BUF_SIZE);
		if (!s->map && shim_fd_path(fd, real, sizeof(real)) >= 0 &&
		    vfs_real_in_image(shim_vfs, real) &&
		    vfs_reverse(shim_vfs, real, v, sizeof(v)) >= 0)
			s->map = vfs_covered_map(shim_vfs, v, bufs[s->buf - 1],
						 BUF_SIZE);
		/* Every copy keeps its package entry's inode: readdir
		 * passes the entries on as they are. */
		if (s->map && vfs_ino_map_empty(s->map))
			map_drop(s);
		return;
	}
	if (s->kind == SHIM_FD_UPPER) {
		/* Still the upper directory: the number may have been
		 * reused by an open the shim did not see. */
		s->upper = vfs_origin_any(shim_vfs) &&
			   appv_fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 &&
			   S_ISDIR(st.st_mode) &&
			   vfs_origin_on_upper(shim_vfs, st.st_dev);
		return;
	}
	if (appv_fstatat(fd, "", &st, AT_EMPTY_PATH) < 0 ||
	    !S_ISDIR(st.st_mode) || !shim_on_scratch(st.st_dev))
		return;
	s->buf = buf_take() + 1;
	s->map = vfs_listing_map(shim_vfs, st.st_ino,
				 s->buf ? bufs[s->buf - 1] : NULL, BUF_SIZE,
				 &s->len);
}

/* The slot of stream @d when its descriptor is a marked listing, with the
 * map loaded for @d. */
static struct dir_slot *listing_slot(DIR *d)
{
	int fd = dirfd(d);
	struct dir_slot *s = slot_at(fd, false);

	if (!s || !shim_vfs ||
	    (!s->listing && s->kind != SHIM_FD_COVERED &&
	     s->kind != SHIM_FD_UPPER))
		return NULL;
	if (s->dir != d) {
		int e = errno;

		slot_drop(s);
		slot_load(s, fd, d);
		errno = e;
	}
	return s->map || s->upper ? s : NULL;
}

/* errno is kept (listing_slot, and here): a program that sets it to 0
 * once, then reads to the end, tells the end from an error by it. */
static void fix_ino(DIR *d, ino_t *ino, const char *name, unsigned char type)
{
	struct dir_slot *s = listing_slot(d);
	uint64_t v = 0;
	int e;

	if (!s)
		return;
	if (s->upper) {
		e = errno;
		v = vfs_origin_ino(shim_vfs, *ino, DTTOIF(type));
		errno = e;
	} else if (s->kind == SHIM_FD_COVERED) {
		v = vfs_ino_map_find(s->map, appv_hash64(name, strlen(name)));
	} else {
		v = vfs_ino_map_find(s->map, *ino);
	}
	if (v)
		*ino = (ino_t)v;
}

typedef struct dirent *(*readdir_fn)(DIR *);
typedef struct dirent64 *(*readdir64_fn)(DIR *);
typedef int (*readdir_r_fn)(DIR *, struct dirent *, struct dirent **);
typedef int (*readdir64_r_fn)(DIR *, struct dirent64 *, struct dirent64 **);
typedef int (*closedir_fn)(DIR *);
typedef DIR *(*fdopendir_fn)(int);

/* On x86-64 struct dirent64 is struct dirent. */
static void *fixed(DIR *d, struct dirent *e)
{
	if (e)
		fix_ino(d, &e->d_ino, e->d_name, e->d_type);
	return e;
}

static int fixed_r(DIR *d, int r, struct dirent *res)
{
	if (r == 0 && res)
		fix_ino(d, &res->d_ino, res->d_name, res->d_type);
	return r;
}

static struct dirent *dir_read(DIR *d)
{
	LIBC(readdir_fn, readdir);

	return real ? fixed(d, real(d)) : NULL;
}

SHIM_EXPORT struct dirent *readdir(DIR *d)
{
	return dir_read(d);
}

SHIM_EXPORT struct dirent64 *readdir64(DIR *d)
{
	LIBC(readdir64_fn, readdir64);

	return real ? fixed(d, (struct dirent *)real(d)) : NULL;
}

SHIM_EXPORT int readdir_r(DIR *d, struct dirent *e, struct dirent **res)
{
	LIBC(readdir_r_fn, readdir_r);
	int r = real ? real(d, e, res) : ENOSYS;

	return fixed_r(d, r, r ? NULL : *res);
}

SHIM_EXPORT int readdir64_r(DIR *d, struct dirent64 *e,
			    struct dirent64 **res)
{
	LIBC(readdir64_r_fn, readdir64_r);
	int r = real ? real(d, e, res) : ENOSYS;

	return fixed_r(d, r, r ? NULL : (struct dirent *)*res);
}

DIR *shim_fdopendir(int fd)
{
	LIBC(fdopendir_fn, fdopendir);

	if (!real) {
		errno = ENOSYS;
		return NULL;
	}
	return real(fd);
}

/* Whether directory @fd, not opened by the shim as a package entry, is a
 * package directory whose virtual top is its upper copy (as a covered one:
 * shim_path_call's SHIM_FD_COVERED). */
static bool covered_fd(int fd)
{
	char real[PATH_MAX], v[PATH_MAX];
	struct vfs_req req = {.path = v, .intent = VFS_INTENT_READ,
			      .flags = VFS_F_NO_MERGED};
	struct vfs_res res;

	return shim_fd_path(fd, real, sizeof(real)) >= 0 &&
	       vfs_real_in_image(shim_vfs, real) &&
	       vfs_reverse(shim_vfs, real, v, sizeof(v)) >= 0 &&
	       vfs_resolve(shim_vfs, &req, &res) == 0 &&
	       res.layer == VFS_LAYER_UPPER && S_ISDIR(res.mode);
}

/* A stream over a descriptor the shim did not open as a listing - a
 * duplicate (Python's os.scandir(fd) and os.fwalk), an inherited one - is
 * a listing when it is a directory on the scratch's device (one fstat);
 * listing_slot then finds its map, or none.  Unmarked otherwise, it may
 * be a duplicate of a covered package directory's (one readlink). */
SHIM_EXPORT DIR *fdopendir(int fd)
{
	DIR *d = shim_fdopendir(fd);
	struct dir_slot *s = slot_at(fd, false);
	struct stat st;
	bool dir;

	if (!d || fd < 0 || fd >= DIR_FD_MAX || (s && s->listing) || !shim_vfs)
		return d;
	dir = appv_fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 &&
	      S_ISDIR(st.st_mode);
	/* The open's ticket (slot_load) holds for the directory it opened;
	 * the number may name another now, given by a dup or an open the
	 * shim did not see. */
	if (s && s->cov.seq &&
	    (!dir ||
	     !vfs_covered_ticket_for(shim_vfs, &s->cov, st.st_dev, st.st_ino)))
		s->cov.seq = 0;
	if (!dir)
		return d;
	if (shim_on_scratch(st.st_dev))
		shim_fd_opened(fd, true, SHIM_FD_PLAIN);
	else if ((!s || s->kind == SHIM_FD_PLAIN) && covered_fd(fd))
		shim_fd_opened(fd, false, SHIM_FD_COVERED);
	return d;
}

/*
 * rewinddir makes the stream show the directory as it is now (POSIX), as
 * a fresh opendir would.  A listing (a snapshot), a package directory or a
 * host directory opened before a change made in the session no longer
 * is: the change went to the upper layer, and the directory's listing is
 * now another one.  So the path is opened again (as the application's
 * open would be) and, when that gives another directory, the new
 * descriptor takes the stream's number (dup3), keeping its close-on-exec
 * flag.  An upper-only directory, or a listing still valid (the same
 * cached one), stays.  Costs one readlink, one open and two fstats.
 */
static void reopen_current(int fd)
{
	char real[PATH_MAX], v[PATH_MAX];
	const struct dir_slot *ns;
	struct stat a, b;
	int nfd, fl;

	if (fd < 0 || fd >= DIR_FD_MAX || shim_fd_path(fd, real, sizeof(real)) < 0 ||
	    real[0] != '/' || vfs_real_in_upper(shim_vfs, real) ||
	    vfs_reverse(shim_vfs, real, v, sizeof(v)) < 0)
		return;
	nfd = (int)shim_openat(AT_FDCWD, v, O_RDONLY | O_DIRECTORY |
						 O_CLOEXEC, 0);
	if (nfd < 0)
		return; /* gone: the stream keeps what it had */
	ns = slot_at(nfd, false);
	if (nfd < DIR_FD_MAX && appv_fstat(fd, &a) == 0 &&
	    appv_fstat(nfd, &b) == 0 &&
	    (a.st_dev != b.st_dev || a.st_ino != b.st_ino)) {
		/* Its duplicates (Python's os.listdir(fd) reads one, then
		 * rewinds it) keep the old one, rewound as libc would. */
		APPV_SYS(SYS_lseek, fd, 0, SEEK_SET, 0, 0, 0);
		fl = (int)APPV_SYS(SYS_fcntl, fd, F_GETFD, 0, 0, 0, 0);
		if (fl >= 0 && APPV_SYS(SYS_dup3, nfd, fd,
					(fl & FD_CLOEXEC) ? O_CLOEXEC : 0, 0,
					0, 0) == fd)
			shim_fd_opened(fd, ns && ns->listing,
				       ns ? ns->kind : SHIM_FD_PLAIN);
	}
	shim_fd_opened(nfd, false, SHIM_FD_PLAIN);
	appv_close(nfd);
}

typedef void (*rewinddir_fn)(DIR *);

SHIM_EXPORT void rewinddir(DIR *d)
{
	LIBC(rewinddir_fn, rewinddir);
	DIR *volatile dp = d; /* a NULL stream is libc's to answer */
	int e = errno;

	if (shim_vfs && dp)
		reopen_current(dirfd(dp));
	errno = e;
	if (real)
		real(d);
}

static int dir_close(DIR *d)
{
	LIBC(closedir_fn, closedir);
	DIR *volatile dp = d; /* glibc's answers NULL with EINVAL */
	int fd = dp ? dirfd(dp) : -1;
	const struct dir_slot *s = slot_at(fd, false);

	/* A covered stream's buffer is taken even when its map failed (not
	 * when it was empty). */
	if (s && (s->listing || s->map || s->buf ||
		  s->kind == SHIM_FD_COVERED))
		shim_fd_opened(fd, false, SHIM_FD_PLAIN);
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(d);
}

SHIM_EXPORT int closedir(DIR *d)
{
	return dir_close(d);
}

/*
 * getdents64 made without a stream - glibc's getdents64(3) and
 * getdirentries, syscall(SYS_getdents64) (shim_stat.c) - comes from
 * libc's text, where the filter lets it through for the shim to answer:
 * its entries get the d_ino readdir gives them.  The descriptor's map is
 * loaded for each call (one fstat; a listing's or covered directory's map
 * read as for a stream, slot_load), which a caller reading 32 KiB at a
 * time pays about once per directory.  The mark of @fd is the open's, as
 * for a stream (a covered one's ticket checked against the fstat, as
 * fdopendir does).
 */
long shim_getdents(int fd, void *buf, size_t n)
{
	const struct dir_slot *s = slot_at(fd, false);
	struct dir_slot t = {.kind = s ? s->kind : SHIM_FD_PLAIN};
	long r = appv_syscall(SYS_getdents64, fd, (long)buf, (long)n, 0, 0, 0);
	struct stat st;
	int e = errno;

	if (r <= 0 || !shim_vfs)
		return r;
	if (t.kind == SHIM_FD_COVERED) {
		t.cov = s->cov;
		if (t.cov.seq &&
		    (appv_fstatat(fd, "", &st, AT_EMPTY_PATH) < 0 ||
		     !vfs_covered_ticket_for(shim_vfs, &t.cov, st.st_dev,
					     st.st_ino)))
			t.cov.seq = 0;
	}
	slot_load(&t, fd, NULL);
	if (t.upper)
		vfs_origin_dirents(shim_vfs, buf, (size_t)r);
	else if (t.map && t.kind == SHIM_FD_COVERED)
		vfs_ino_map_apply_names(t.map, buf, (size_t)r);
	else if (t.map)
		vfs_ino_map_apply(t.map, buf, (size_t)r);
	map_drop(&t);
	errno = e;
	return r;
}

/* glibc's: the kernel takes an unsigned int, and some of its checks an
 * int. */
static size_t dents_len(size_t n)
{
	return n > INT_MAX ? INT_MAX : n;
}

SHIM_EXPORT ssize_t getdents64(int fd, void *buf, size_t n)
{
	return shim_ret(shim_getdents(fd, buf, dents_len(n)));
}

/* getdirentries64 (getdirentries on x86-64) as glibc's: the position
 * before the read into *@basep. */
static ssize_t dirents_at(int fd, char *buf, size_t n, off_t *basep)
{
	long base = APPV_SYS(SYS_lseek, fd, 0, SEEK_CUR, 0, 0, 0);
	long r;

	if (base < 0) {
		errno = (int)-base;
		base = -1;
	}
	r = shim_getdents(fd, buf, dents_len(n));
	if (r >= 0)
		*basep = base;
	return shim_ret(r);
}

SHIM_EXPORT ssize_t getdirentries(int fd, char *buf, size_t n, off_t *basep)
{
	return dirents_at(fd, buf, n, basep);
}

SHIM_EXPORT ssize_t getdirentries64(int fd, char *buf, size_t n, off64_t *basep)
{
	return dirents_at(fd, buf, n, (off_t *)basep);
}

/*
 * scandir and scandirat as glibc's (dirent/scandir-tail-common.c), over
 * the shim's open and readdir.  glibc's own read the directory inside
 * libc: its open was a round trip to the supervisor, and its getdents64
 * passed the shim, so a merged listing's entries kept their placeholders'
 * d_ino (libuv's uv_fs_scandir, node's fs.readdir, lists every directory
 * so).  Not kept from glibc's: the cleanup of a thread cancelled in
 * @sel or @cmp (the list so far leaks).
 */
typedef int (*scan_sel_fn)(const struct dirent *);
typedef int (*scan_cmp_fn)(const struct dirent **, const struct dirent **);

static int scan(int dfd, const char *dir, struct dirent ***list,
		scan_sel_fn sel, scan_cmp_fn cmp)
{
	const int flags = O_RDONLY | O_NDELAY | O_DIRECTORY | O_CLOEXEC;
	long fd = shim_openat(dfd, dir, flags, 0);
	struct dirent **v = NULL, **nv, *e, *c;
	size_t n = 0, cap = 0;
	int save = errno, err;
	DIR *d;

	if (fd < 0) {
		errno = (int)-fd;
		return -1;
	}
	d = shim_fdopendir((int)fd); /* marked by the open */
	if (!d) {
		err = errno;
		appv_close((int)fd);
		errno = err;
		return -1;
	}
	errno = 0;
	while ((e = dir_read(d))) {
		/* @sel, readdir, malloc may set errno on success: only an
		 * error that ends the loop counts. */
		if (sel && !sel(e)) {
			errno = 0;
			continue;
		}
		errno = 0;
		if (n == cap) {
			cap = cap ? 2 * cap : 10;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		c = malloc(e->d_reclen);
		if (!c)
			break;
		v[n++] = memcpy(c, e, e->d_reclen);
		errno = 0;
	}
	err = errno;
	if (err) {
		while (n)
			free(v[--n]);
		free(v);
		dir_close(d);
		errno = err;
		return -1;
	}
	dir_close(d);
	if (cmp)
		qsort(v, n, sizeof(*v),
		      (int (*)(const void *, const void *))cmp);
	*list = v;
	errno = save;
	return (int)n;
}

SHIM_EXPORT int scandir(const char *dir, struct dirent ***list, scan_sel_fn sel,
			scan_cmp_fn cmp)
{
	return scan(AT_FDCWD, dir, list, sel, cmp);
}

SHIM_EXPORT int scandirat(int dfd, const char *dir, struct dirent ***list,
			  scan_sel_fn sel, scan_cmp_fn cmp)
{
	return scan(dfd, dir, list, sel, cmp);
}

/* On x86-64 struct dirent64 is struct dirent. */
typedef int (*scan64_sel_fn)(const struct dirent64 *);
typedef int (*scan64_cmp_fn)(const struct dirent64 **,
			     const struct dirent64 **);

SHIM_EXPORT int scandir64(const char *dir, struct dirent64 ***list,
			  scan64_sel_fn sel, scan64_cmp_fn cmp)
{
	return scan(AT_FDCWD, dir, (struct dirent ***)list, (scan_sel_fn)sel,
		    (scan_cmp_fn)cmp);
}

SHIM_EXPORT int scandirat64(int dfd, const char *dir, struct dirent64 ***list,
			    scan64_sel_fn sel, scan64_cmp_fn cmp)
{
	return scan(dfd, dir, (struct dirent ***)list, (scan_sel_fn)sel,
		    (scan_cmp_fn)cmp);
}

/*
 * glibc's fts, unless told FTS_NOCHDIR, checks each directory it enters:
 * fstat of the descriptor it opened against its lstat of the name.  That
 * fstat is a call inside libc, which the shim cannot see: for a merged
 * directory it names the scratch listing, the check fails, and the walk
 * skips the directory's contents without an error.  The walk is made
 * without changing directories instead, as FTS_LOGICAL walks always are:
 * fts_accpath is then the whole path (what programs are told to use), and
 * the working directory stays where it was.
 */
#define SHIM_FTS_NOCHDIR 0x0004 /* <fts.h>'s FTS_NOCHDIR */

typedef void *(*fts_open_fn)(char *const *, int, void *);
void *fts_open(char *const *argv, int options, void *compar);
void *fts64_open(char *const *argv, int options, void *compar);

/* libc's @real (fts_open or fts64_open) with FTS_NOCHDIR in a session. */
static void *fts_nochdir(fts_open_fn real, char *const *argv, int options,
			 void *compar)
{
	if (!real) {
		errno = ENOSYS;
		return NULL;
	}
	return real(argv, shim_vfs ? options | SHIM_FTS_NOCHDIR : options,
		    compar);
}

SHIM_EXPORT void *fts_open(char *const *argv, int options, void *compar)
{
	LIBC(fts_open_fn, fts_open);

	return fts_nochdir(real, argv, options, compar);
}

SHIM_EXPORT void *fts64_open(char *const *argv, int options, void *compar)
{
	LIBC(fts_open_fn, fts64_open);

	return fts_nochdir(real, argv, options, compar);
}
