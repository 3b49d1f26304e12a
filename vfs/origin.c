// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/origin.c - the overlay's origin table: which lower entry each
 * copied-up upper entry was made from, so that a copy-up keeps the
 * entry's identity (st_dev, st_ino), as overlayfs keeps it.
 *
 * Without it the first write to a host or package file gives it a new
 * inode, and a program that compares the inode it stat'ed with that of
 * the descriptor it wrote through (Vim: "E949: File changed while
 * writing"), or keeps inodes across runs (git's index, tar's incremental
 * snapshots, rsync, backup tools), sees another file.
 *
 * The file "<upper>.origin" beside the upper directory, shared by every
 * session of the overlay, mapped read-only by the shims (on first use)
 * and read-write by the supervisors, which alone change it, under flock:
 *
 *     header (a page): magic, the upper directory's st_dev, live count,
 *                      the upper root's record (it stands for "/"),
 *                      a bit per page of slots that holds any
 *     ORIGIN_SLOTS slots: { ino, seq, mode, odev, oino }
 *
 * A slot is keyed by the upper entry's inode, placed at ino % slots and
 * probed linearly (inodes of one directory are mostly close together, so
 * a few pages of the sparse file hold an overlay's records).  Each slot is
 * a seqlock (seq odd while written), so readers take no lock.  A removed
 * record keeps its key with mode 0 (a probe goes on past it) and its slot
 * can take another key.  mode holds the upper entry's file type: a record
 * applies only to an entry of that type.
 *
 * A record goes once a supervisor has removed or replaced the upper
 * entry's last name (vfs_origin_key, then vfs_origin_drop: a change that
 * failed keeps it), or swept a temporary of the work directory left by a
 * killed one (vfs_work_sweep); `appv overlay reset` empties the table.
 * An inode the upper file system reuses meanwhile (a removal behind the
 * overlay's back) could show a stale origin; the type check narrows that.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/file.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "../common/mapguard.h"
#include "../common/path.h"
#include "../common/sys.h"
#include "vfs_internal.h"

#define ORIGIN_MAGIC "APPVORG1"
#define ORIGIN_SLOTS (1u << 20)
#define ORIGIN_PROBES 64 /* a key further than this from its place is
			    not recorded (the copy gets its own inode) */

struct origin_slot {
	uint64_t ino; /* 0: never used */
	uint32_t seq; /* odd while written */
	uint32_t mode; /* S_IFMT of the upper entry; 0: removed */
	uint64_t odev, oino;
};

#define SLOTS_PER_PAGE (4096 / sizeof(struct origin_slot))
#define ORIGIN_PAGES (ORIGIN_SLOTS / SLOTS_PER_PAGE)

struct vfs_origin {
	char magic[8];
	uint64_t dev;  /* of the upper directory */
	uint32_t live; /* records in use: none, nothing to look up */
	uint32_t pad;
	/* The upper root's (note_root): kept apart, so that an overlay with
	 * no copy-up has no record (live 0: readers skip the table). */
	struct origin_slot root;
	/* A bit per page of slots, set before a slot there is first keyed:
	 * a lookup whose first slot's page has none ends without reading
	 * it (the fstat of a host file on the upper file system touches no
	 * page of the table). */
	uint64_t used[ORIGIN_PAGES / 64];
	char pad2[4096 - 24 - sizeof(struct origin_slot) - ORIGIN_PAGES / 8];
	struct origin_slot slot[ORIGIN_SLOTS];
};

_Static_assert(offsetof(struct vfs_origin, slot) == 4096,
	       "the slots start on the second page");

#define ORIGIN_SIZE sizeof(struct vfs_origin)
#define ORIGIN_NONE ((struct vfs_origin *)1) /* tried, no table */

static int path_of(const char *upper, size_t len, char *out, size_t cap)
{
	return vfs_concat(out, cap, upper, len, ".origin");
}

/* Whether the file at @fd has the table's size. */
static bool sized(int fd)
{
	struct stat st;

	return appv_fstat(fd, &st) == 0 && (size_t)st.st_size == ORIGIN_SIZE;
}

static struct vfs_origin *map_file(int fd, int prot)
{
	void *p;

	if (!sized(fd))
		return NULL;
	p = appv_guard_mmap(ORIGIN_SIZE, prot, MAP_SHARED, fd);
	if (appv_mmap_failed(p))
		return NULL;
	/* Lookups touch a page or two: no readahead, which on a first
	 * fault read (and zeroed) a large run of the sparse file - 2-3 ms
	 * at every session start. */
	APPV_SYS(SYS_madvise, p, ORIGIN_SIZE, MADV_RANDOM, 0, 0, 0);
	return p;
}

/* The table, mapped read-only on first use in the shim: nearly every
 * process fstats something, so that is one open, fstat and mmap each. */
static const struct vfs_origin *table(const struct vfs *cvfs)
{
	struct vfs *vfs = (struct vfs *)cvfs; /* the lazily set pointer */
	struct vfs_origin *o = __atomic_load_n(&vfs->origin, __ATOMIC_ACQUIRE);
	struct vfs_origin *none = NULL;
	char path[PATH_MAX];
	int fd;

	/* Truncated under this process (mapguard.h): its records are
	 * zeros now, and no record made here would reach the shims. */
	if (appv_guard_tripped())
		return NULL;
	if (o)
		return o == ORIGIN_NONE ? NULL : o;
	o = ORIGIN_NONE;
	if (vfs->upper_len &&
	    path_of(vfs->cfg.upper, vfs->upper_len, path, sizeof(path)) >= 0 &&
	    (fd = appv_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0)) >= 0) {
		struct vfs_origin *m = map_file(fd, PROT_READ);

		appv_close(fd);
		if (m && !memcmp(m->magic, ORIGIN_MAGIC, 8))
			o = m;
		else if (m)
			appv_guard_munmap(m, ORIGIN_SIZE);
	}
	if (__atomic_compare_exchange_n(&vfs->origin, &none, o, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return o == ORIGIN_NONE ? NULL : o;
	if (o != ORIGIN_NONE)
		appv_guard_munmap(o, ORIGIN_SIZE);
	return none == ORIGIN_NONE ? NULL : none;
}

/* A consistent copy of slot @s; false while it is being written. */
static bool read_slot(const struct origin_slot *s, struct origin_slot *out)
{
	uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

	if (seq & 1)
		return false;
	out->ino = __atomic_load_n(&s->ino, __ATOMIC_RELAXED);
	out->mode = __atomic_load_n(&s->mode, __ATOMIC_RELAXED);
	out->odev = __atomic_load_n(&s->odev, __ATOMIC_RELAXED);
	out->oino = __atomic_load_n(&s->oino, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq;
}

static void write_slot(struct origin_slot *s, uint64_t ino, uint32_t mode,
		       uint64_t odev, uint64_t oino)
{
	/* Even, also after a writer killed half-way. */
	uint32_t seq = (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) + 1) & ~1u;

	__atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->ino, ino, __ATOMIC_RELAXED);
	__atomic_store_n(&s->mode, mode, __ATOMIC_RELAXED);
	__atomic_store_n(&s->odev, odev, __ATOMIC_RELAXED);
	__atomic_store_n(&s->oino, oino, __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
}

/* A consistent copy of slot @s into @out, retried while it is written
 * (writes are few and short; one that a killed supervisor left half done
 * is given up on). */
static bool read_stable(const struct origin_slot *s, struct origin_slot *out)
{
	for (int tries = 0; tries < 1000; tries++)
		if (read_slot(s, out))
			return true;
	return false;
}

/* The live record of upper inode @ino (file type @type) into @out. */
static bool find(const struct vfs_origin *o, uint64_t ino, uint32_t type,
		 struct origin_slot *out)
{
	uint32_t page = (uint32_t)(ino % ORIGIN_SLOTS / SLOTS_PER_PAGE);

	if (!ino)
		return false;
	if (read_stable(&o->root, out) && out->ino == ino && out->mode)
		return out->mode == type;
	if (!__atomic_load_n(&o->live, __ATOMIC_ACQUIRE) ||
	    !(__atomic_load_n(&o->used[page / 64], __ATOMIC_ACQUIRE) &
	      (1ull << (page % 64))))
		return false;
	for (uint32_t i = 0; i < ORIGIN_PROBES; i++) {
		if (!read_stable(&o->slot[(ino + i) % ORIGIN_SLOTS], out))
			return false;
		if (!out->ino)
			return false;
		if (out->ino == ino && out->mode)
			return out->mode == type;
	}
	return false;
}

bool vfs_origin_of(const struct vfs *vfs, uint64_t dev, uint64_t ino,
		   mode_t mode, uint64_t *odev, uint64_t *oino)
{
	const struct vfs_origin *o = table(vfs);
	struct origin_slot s;

	if (!o || dev != __atomic_load_n(&o->dev, __ATOMIC_RELAXED) ||
	    !find(o, ino, mode & S_IFMT, &s))
		return false;
	*odev = s.odev;
	*oino = s.oino;
	return true;
}

void vfs_origin_stat(const struct vfs *vfs, struct stat *st)
{
	uint64_t odev, oino;

	if (vfs_origin_of(vfs, st->st_dev, st->st_ino, st->st_mode, &odev,
			  &oino)) {
		st->st_dev = (dev_t)odev;
		st->st_ino = (ino_t)oino;
	}
}

void vfs_origin_statx(const struct vfs *vfs, struct statx *stx)
{
	uint64_t odev, oino;

	if ((stx->stx_mask & STATX_INO) &&
	    vfs_origin_of(vfs, makedev(stx->stx_dev_major, stx->stx_dev_minor),
			  stx->stx_ino, stx->stx_mode, &odev, &oino)) {
		stx->stx_dev_major = major(odev);
		stx->stx_dev_minor = minor(odev);
		stx->stx_ino = oino;
	}
}

bool vfs_origin_any(const struct vfs *vfs)
{
	const struct vfs_origin *o = table(vfs);

	return o && __atomic_load_n(&o->live, __ATOMIC_ACQUIRE);
}

bool vfs_origin_on_upper(const struct vfs *vfs, uint64_t dev)
{
	const struct vfs_origin *o = table(vfs);

	return o && dev == __atomic_load_n(&o->dev, __ATOMIC_RELAXED);
}

uint64_t vfs_origin_ino(const struct vfs *vfs, uint64_t ino, mode_t mode)
{
	const struct vfs_origin *o = table(vfs);
	struct origin_slot s;

	return o && find(o, ino, mode & S_IFMT, &s) ? s.oino : ino;
}

void vfs_origin_dirents(const struct vfs *vfs, void *buf, size_t n)
{
	for (size_t off = 0; off + sizeof(struct linux_dirent64) <= n;) {
		struct linux_dirent64 *d = (void *)((char *)buf + off);

		d->d_ino = vfs_origin_ino(vfs, d->d_ino, DTTOIF(d->d_type));
		if (!d->d_reclen)
			break;
		off += d->d_reclen;
	}
}

/* ---- the supervisors' side (the shim maps no lock: origin_fd < 0) --- */

/* Records upper inode @ino (no live record: forget) in the first free
 * slot from its place; none within ORIGIN_PROBES: not recorded. */
static void put(struct vfs_origin *o, uint64_t ino, uint32_t type,
		uint64_t odev, uint64_t oino)
{
	for (uint32_t i = 0; i < ORIGIN_PROBES; i++) {
		struct origin_slot *s = &o->slot[(ino + i) % ORIGIN_SLOTS];
		uint32_t page =
		    (uint32_t)((ino + i) % ORIGIN_SLOTS / SLOTS_PER_PAGE);

		if (s->ino && s->mode)
			continue;
		__atomic_fetch_or(&o->used[page / 64], 1ull << (page % 64),
				  __ATOMIC_RELEASE);
		write_slot(s, ino, type, odev, oino);
		__atomic_add_fetch(&o->live, 1, __ATOMIC_RELEASE);
		return;
	}
}

/* Emptied, as one step for readers: the file's blocks are freed (reads
 * see zeros: no device, nothing live), then the header is written again.
 * Where holes cannot be punched, the used slots are zeroed one by one
 * (reading the rest faults in zero pages). */
static void clear(struct vfs_origin *o, int fd, uint64_t dev, bool keep_root)
{
	struct origin_slot root = {0};

	if (keep_root && !read_stable(&o->root, &root))
		root = (struct origin_slot){0};
	__atomic_store_n(&o->live, 0, __ATOMIC_RELEASE);
	if (APPV_SYS(SYS_fallocate, fd,
		     FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
		     ORIGIN_SIZE, 0, 0) < 0)
		for (uint32_t i = 0; i < ORIGIN_SLOTS; i++)
			if (__atomic_load_n(&o->slot[i].ino,
					    __ATOMIC_RELAXED))
				write_slot(&o->slot[i], 0, 0, 0, 0);
	/* Also where the slots were zeroed one by one. */
	write_slot(&o->root, root.ino, root.mode, root.odev, root.oino);
	__atomic_store_n(&o->dev, dev, __ATOMIC_RELEASE);
	memcpy(o->magic, ORIGIN_MAGIC, 8);
}

/* The header page allocated (where fallocate works at all). */
static bool header_room(int fd)
{
	long r = APPV_SYS(SYS_fallocate, fd, 0, 0, 4096, 0, 0);

	return r >= 0 || r == -EOPNOTSUPP;
}

/* The table of the upper directory @upper, created when missing, with
 * its lock file descriptor in *@fd.  A table made for another device
 * (the overlay was moved to another file system) holds nothing valid. */
static struct vfs_origin *open_rw(const char *upper, size_t len, int *fd,
				  bool reset)
{
	char path[PATH_MAX];
	struct vfs_origin *o;
	struct stat st;

	if (path_of(upper, len, path, sizeof(path)) < 0)
		return NULL;
	/* Gone (a reset in progress): no device, so nothing is looked up
	 * until a session sets it again. */
	if (appv_fstatat(AT_FDCWD, upper, &st, 0) < 0)
		st.st_dev = 0;
	*fd = appv_openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	/* One the supervisor may not write (its mode changed, or another
	 * user's) is still read by the shims: its records would show, and
	 * go stale where a removal could not drop them.  A new table takes
	 * its place (its records are lost, as a damaged one's). */
	if ((*fd == -EACCES || *fd == -EPERM) &&
	    appv_unlinkat(AT_FDCWD, path, 0) == 0)
		*fd = appv_openat(AT_FDCWD, path,
				  O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	/* On a read-only file system nothing is copied up or removed: the
	 * records show here as the shims show them. */
	if (*fd == -EROFS &&
	    (*fd = appv_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0)) >= 0) {
		o = map_file(*fd, PROT_READ);
		appv_close(*fd);
		*fd = -1;
		if (o && memcmp(o->magic, ORIGIN_MAGIC, 8)) {
			appv_guard_munmap(o, ORIGIN_SIZE);
			o = NULL;
		}
		return o;
	}
	if (*fd < 0)
		return NULL;
	APPV_SYS(SYS_flock, *fd, LOCK_EX, 0, 0, 0, 0);
	o = map_file(*fd, PROT_READ | PROT_WRITE);
	/* The header is allocated before the table has its size (a hole
	 * faults on tmpfs: room()); no room, no table, for the shims
	 * neither.  One of the right size that could not be mapped (no
	 * address space) is left as it is: other sessions map it, and
	 * would fault past its end. */
	if (!o && !sized(*fd) &&
	    APPV_SYS(SYS_ftruncate, *fd, 0, 0, 0, 0, 0) == 0 &&
	    header_room(*fd) &&
	    APPV_SYS(SYS_ftruncate, *fd, ORIGIN_SIZE, 0, 0, 0, 0) == 0 &&
	    (o = map_file(*fd, PROT_READ | PROT_WRITE))) {
		o->dev = st.st_dev; /* new: all zeros */
		memcpy(o->magic, ORIGIN_MAGIC, 8);
	} else if (o && !header_room(*fd)) {
		/* Its header a hole (made by a supervisor killed at once, or
		 * a clear cut short): nothing in it is valid. */
		appv_guard_munmap(o, ORIGIN_SIZE);
		o = NULL;
		APPV_SYS(SYS_ftruncate, *fd, 0, 0, 0, 0, 0);
	}
	/* A reset keeps the upper root's record (note_root): the root
	 * stays, and running sessions noted it once, at start. */
	if (o && (memcmp(o->magic, ORIGIN_MAGIC, 8) ||
		  o->dev != (uint64_t)st.st_dev || reset))
		clear(o, *fd, st.st_dev,
		      !memcmp(o->magic, ORIGIN_MAGIC, 8) &&
			  o->dev == (uint64_t)st.st_dev);
	APPV_SYS(SYS_flock, *fd, LOCK_UN, 0, 0, 0, 0);
	if (!o) {
		appv_close(*fd);
		*fd = -1;
	}
	return o;
}

static struct vfs_origin *locked(struct vfs *vfs)
{
	struct vfs_origin *o = (struct vfs_origin *)table(vfs);

	if (!o || vfs->origin_fd < 0)
		return NULL;
	APPV_SYS(SYS_flock, vfs->origin_fd, LOCK_EX, 0, 0, 0, 0);
	return o;
}

static void unlock(struct vfs *vfs)
{
	APPV_SYS(SYS_flock, vfs->origin_fd, LOCK_UN, 0, 0, 0, 0);
}

/* The upper root is no copy, but stands for the host's root (or the
 * package's, where the host is hidden): "/" then is on the host's device,
 * and /usr no mount point. */
static void note_root(struct vfs *vfs)
{
	const char *low_path = vfs_rule_shows_host(vfs_rule_for(vfs, "/"))
				   ? "/"
				   : vfs->image_root;
	struct vfs_origin *o;
	struct stat up, low;
	uint64_t dev, ino;

	if (!low_path[0] ||
	    appv_fstatat(AT_FDCWD, vfs->cfg.upper, &up, 0) < 0 ||
	    appv_fstatat(AT_FDCWD, low_path, &low, 0) < 0 ||
	    (vfs_origin_of(vfs, up.st_dev, up.st_ino, up.st_mode, &dev, &ino) &&
	     dev == (uint64_t)low.st_dev && ino == (uint64_t)low.st_ino) ||
	    !(o = locked(vfs)))
		return;
	if (o->dev == (uint64_t)up.st_dev)
		write_slot(&o->root, up.st_ino, S_IFDIR, low.st_dev,
			   low.st_ino);
	unlock(vfs);
}

int vfs_origin_open(struct vfs *vfs)
{
	struct vfs_origin *o;

	if (!vfs->upper_len)
		return 0;
	o = open_rw(vfs->cfg.upper, vfs->upper_len, &vfs->origin_fd, false);
	/* Without a table copies get inodes of their own. */
	__atomic_store_n(&vfs->origin, o ? o : ORIGIN_NONE, __ATOMIC_RELEASE);
	if (o)
		note_root(vfs);
	return 0;
}

/* Whether the pages of the slots a record of @ino may use or a lookup of
 * it may read are allocated (made so now): a page of the sparse table
 * that is a hole faults on its first touch on tmpfs, and on a full one
 * that is a SIGBUS.  A lookup reads past its place only slots a record
 * made from a place within ORIGIN_PROBES took, whose room was made. */
static bool room(int fd, uint64_t ino)
{
	uint64_t first = ino % ORIGIN_SLOTS, n = ORIGIN_PROBES + 1;
	long r = 0;

	if (first + n > ORIGIN_SLOTS) { /* the probe wraps around */
		r = APPV_SYS(SYS_fallocate, fd, FALLOC_FL_KEEP_SIZE,
			     offsetof(struct vfs_origin, slot),
			     (first + n - ORIGIN_SLOTS) *
				 sizeof(struct origin_slot),
			     0, 0);
		n = ORIGIN_SLOTS - first;
	}
	if (r >= 0)
		r = APPV_SYS(SYS_fallocate, fd, FALLOC_FL_KEEP_SIZE,
			     offsetof(struct vfs_origin, slot) +
				 first * sizeof(struct origin_slot),
			     n * sizeof(struct origin_slot), 0, 0);
	return r >= 0 || r == -EOPNOTSUPP;
}

/* Removes the live record of @ino (when @match is not NULL: only if it
 * is that one), if any. */
static void forget(struct vfs_origin *o, uint64_t ino,
		   const struct vfs_origin_key *match)
{
	for (uint32_t i = 0; i < ORIGIN_PROBES; i++) {
		struct origin_slot *s = &o->slot[(ino + i) % ORIGIN_SLOTS];

		if (!s->ino)
			return;
		if (s->ino != ino || !s->mode)
			continue;
		if (!match ||
		    (s->mode == match->mode && s->odev == match->odev &&
		     s->oino == match->oino)) {
			write_slot(s, ino, 0, 0, 0);
			__atomic_sub_fetch(&o->live, 1, __ATOMIC_RELEASE);
		}
		return;
	}
}

void vfs_origin_note(struct vfs *vfs, const char *real,
		     const struct stat *lower)
{
	struct vfs_origin *o;
	struct stat st;

	if (appv_fstatat(AT_FDCWD, real, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !(o = locked(vfs)))
		return;
	/* No room: not recorded (the copy has an inode of its own). */
	if (o->dev == (uint64_t)st.st_dev && room(vfs->origin_fd, st.st_ino)) {
		forget(o, st.st_ino, NULL);
		put(o, st.st_ino, st.st_mode & S_IFMT, lower->st_dev,
		    lower->st_ino);
	}
	unlock(vfs);
}

/* Whether the upper entry at @real has a record that its removal or
 * replacement would leave stale (its last name): its lstat into @st (or
 * @lst, when the caller made it), the record into @out. */
static bool held(const struct vfs *vfs, const char *real,
		 const struct stat *lst, struct stat *st,
		 struct origin_slot *out)
{
	const struct vfs_origin *o = table(vfs);

	if (!o || !__atomic_load_n(&o->live, __ATOMIC_ACQUIRE))
		return false;
	if (lst)
		*st = *lst;
	else if (appv_fstatat(AT_FDCWD, real, st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return st->st_dev == (dev_t)o->dev &&
	       (S_ISDIR(st->st_mode) || st->st_nlink <= 1) &&
	       find(o, st->st_ino, st->st_mode & S_IFMT, out);
}

bool vfs_origin_held(const struct vfs *vfs, const char *real,
		     const struct stat *lst)
{
	struct origin_slot s;
	struct stat st;

	return held(vfs, real, lst, &st, &s);
}

void vfs_origin_key(const struct vfs *vfs, const char *real,
		    struct vfs_origin_key *key)
{
	struct origin_slot s;
	struct stat st;

	*key = (struct vfs_origin_key){0};
	if (held(vfs, real, NULL, &st, &s))
		*key = (struct vfs_origin_key){.ino = s.ino, .mode = s.mode,
					       .odev = s.odev, .oino = s.oino};
}

void vfs_origin_drop(struct vfs *vfs, const char *real,
		     const struct vfs_origin_key *key)
{
	struct vfs_origin *o;
	struct stat st;

	/* Still there (the change failed): it keeps its identity. */
	if (!key->ino ||
	    (appv_fstatat(AT_FDCWD, real, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	     (uint64_t)st.st_ino == key->ino &&
	     (st.st_mode & S_IFMT) == key->mode) ||
	    !(o = locked(vfs)))
		return;
	/* Only that record: the inode may have been reused meanwhile. */
	forget(o, key->ino, key);
	unlock(vfs);
}

int vfs_origin_reset_file(const char *upper)
{
	struct vfs_origin *o;
	int fd = -1;

	o = open_rw(upper, strlen(upper), &fd, true);
	if (!o)
		return 0;
	appv_guard_munmap(o, ORIGIN_SIZE);
	if (fd >= 0)
		appv_close(fd);
	return 0;
}

void vfs_origin_close(struct vfs *vfs)
{
	struct vfs_origin *o = vfs->origin;

	if (o && o != ORIGIN_NONE)
		appv_guard_munmap(o, ORIGIN_SIZE);
	vfs->origin = NULL;
	if (vfs->origin_fd >= 0)
		appv_close(vfs->origin_fd);
	vfs->origin_fd = -1;
}
