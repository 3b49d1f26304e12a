// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/upper_names.c - the filter of the upper directory's top-level names
 * (see vfs_internal.h for the contract).
 *
 * Why it is safe: bits are only ever set, never cleared, so a stale filter
 * can only make the walk probe when it need not.  A name is absent from the
 * filter while present in upper only if it was created by something other
 * than vfs_make_writable() - and then the upper root's ctime moved: a
 * supervisor-side vfs_new() folds the listing in again, a shim-side one
 * stops trusting the filter.  Changes made behind our back while a process
 * runs are seen by that process only once its resolver is rebuilt
 * (documented in vfs/README.md).
 */
#include <errno.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>

#include "../common/mapguard.h"
#include "../common/path.h"
#include "../common/sys.h"
#include "vfs_internal.h"

/* Version 3: the first page's bits are two filters of NAMES_BITS each,
 * the top-level names and the full virtual paths of opaque directories;
 * the second page is a third, the virtual paths of directories a whiteout
 * was ever made in (WH_BITS).  Version 2 was the first page alone. */
#define NAMES_MAGIC "APPVTOP3"
#define NAMES_MAGIC_V2 "APPVTOP2"
#define NAMES_PAGE 4096
#define NAMES_SIZE (2 * NAMES_PAGE)
#define NAMES_WORDS ((NAMES_PAGE - 32) / 8)
#define NAMES_BITS (NAMES_WORDS / 2 * 64)
#define OPAQUE_BASE (NAMES_WORDS / 2 * 64) /* bit offset of the 2nd filter */
#define WH_BASE (NAMES_WORDS * 64)	   /* ... and of the 3rd */
#define WH_BITS (NAMES_PAGE / 8 * 64)
#define BUSY_MOVING (1u << 16) /* vfs_upper_move_begin */

struct upper_names {
	char magic[8];
	int64_t ctime_sec; /* of the upper root when last folded in */
	int64_t ctime_nsec;
	uint32_t dir_gen; /* upper_dirs.c: bumped after an upper directory
			     goes or changes (vfs_upper_changed) */
	uint32_t dir_busy; /* moves and removals under way (0 in pages of
			      older versions, which never set it); their
			      steps proper in BUSY_MOVING's units */
	uint64_t bits[NAMES_WORDS + WH_BITS / 64];
};

/* The two bits of the name hashed @h (appv_hash64) in the filter at bit
 * @base (WH_BASE: WH_BITS long, else NAMES_BITS). */
static void bit_pos(unsigned long long h, uint32_t base, uint32_t pos[2])
{
	uint32_t nbits = base == WH_BASE ? WH_BITS : NAMES_BITS;

	pos[0] = base + (uint32_t)(h % nbits);
	pos[1] = base + (uint32_t)((h >> 32) % nbits);
}

static bool bits_set(const struct upper_names *n, unsigned long long h,
		     uint32_t base)
{
	uint32_t pos[2];

	bit_pos(h, base, pos);
	for (int i = 0; i < 2; i++) {
		uint64_t w = __atomic_load_n(&n->bits[pos[i] / 64],
					     __ATOMIC_ACQUIRE);

		if (!(w & (1ULL << (pos[i] % 64))))
			return false;
	}
	return true;
}

static bool bits_maybe(const struct vfs *vfs, unsigned long long h,
		       uint32_t base)
{
	if (!vfs->names || vfs->names_stale || appv_guard_tripped())
		return true;
	return bits_set(vfs->names, h, base);
}

bool vfs_names_maybe(const struct vfs *vfs, const char *name, size_t len)
{
	return bits_maybe(vfs, appv_hash64(name, len), 0);
}

bool vfs_opaque_maybe(const struct vfs *vfs, unsigned long long h)
{
	return bits_maybe(vfs, h, OPAQUE_BASE);
}

/* Whiteouts are only ever made by supervisors, which set the bit first:
 * the filter holds even when the top-level names are stale. */
bool vfs_whiteouts_maybe(const struct vfs *vfs, const char *vpath,
			 size_t len)
{
	return !vfs->names || appv_guard_tripped() ||
	       bits_set(vfs->names, appv_hash64(vpath, len), WH_BASE);
}

static int root_ctime(const struct vfs *vfs, struct stat *st)
{
	return appv_fstatat(AT_FDCWD, vfs->cfg.upper, st, 0);
}

static bool ctime_matches(const struct upper_names *n, const struct stat *st)
{
	return __atomic_load_n(&n->ctime_sec, __ATOMIC_ACQUIRE) ==
		   st->st_ctim.tv_sec &&
	       __atomic_load_n(&n->ctime_nsec, __ATOMIC_ACQUIRE) ==
		   st->st_ctim.tv_nsec;
}

static int path_of(const struct vfs *vfs, char *out, size_t cap)
{
	return vfs_concat(out, cap, vfs->cfg.upper, vfs->upper_len, ".names");
}

/* A hole in a shared mapping of a tmpfs file is allocated when it is
 * first touched, read or written: on a full tmpfs that is a SIGBUS.  A
 * file with holes there (new, or version 2's page grown) is not used until
 * a supervisor has allocated it (at its start), by the shims neither. */
static bool holes_fault(int fd, const struct stat *st)
{
	struct statfs sf;

	return (uint64_t)st->st_blocks * 512 < NAMES_SIZE &&
	       APPV_SYS(SYS_fstatfs, fd, &sf, 0, 0, 0, 0) == 0 &&
	       sf.f_type == TMPFS_MAGIC;
}

static void *map_file(int fd, int prot)
{
	struct stat st;

	if (appv_fstat(fd, &st) < 0 || st.st_size != NAMES_SIZE ||
	    holes_fault(fd, &st))
		return NULL;
	void *p = appv_guard_mmap(NAMES_SIZE, prot, MAP_SHARED, fd);

	return appv_mmap_failed(p) ? NULL : p;
}

#ifdef APPV_SHIM
int vfs_names_open(struct vfs *vfs)
{
	char path[PATH_MAX];
	struct upper_names *n;
	struct stat st;
	int fd;

	if (!vfs->upper_len || path_of(vfs, path, sizeof(path)) < 0)
		return 0;
	fd = appv_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	n = map_file(fd, PROT_READ);
	appv_close(fd);
	if (!n)
		return 0;
	if (memcmp(n->magic, NAMES_MAGIC, 8)) {
		appv_guard_munmap(n, NAMES_SIZE);
		return 0;
	}
	/* The generation stays usable when the bits are not current. */
	vfs->names = n;
	vfs->names_stale = root_ctime(vfs, &st) < 0 || !ctime_matches(n, &st);
	return 0;
}

void vfs_names_note(struct vfs *vfs, const char *vpath)
{
}

void vfs_names_sync(struct vfs *vfs)
{
}

void vfs_opaque_note(struct vfs *vfs, const char *vpath)
{
}

void vfs_whiteout_note(struct vfs *vfs, const char *vpath)
{
}

void vfs_upper_changed(const struct vfs *vfs)
{
	/* The shim sends what would need it to the supervisor. */
}

void vfs_upper_change_begin(const struct vfs *vfs)
{
}

void vfs_upper_change_end(const struct vfs *vfs)
{
}

void vfs_upper_move_begin(const struct vfs *vfs)
{
}

void vfs_upper_move_end(const struct vfs *vfs)
{
}
#else
static void set_bits(struct upper_names *n, const char *name, size_t len,
		     uint32_t base)
{
	uint32_t pos[2];

	bit_pos(appv_hash64(name, len), base, pos);
	for (int i = 0; i < 2; i++)
		__atomic_fetch_or(&n->bits[pos[i] / 64], 1ULL << (pos[i] % 64),
				  __ATOMIC_RELEASE);
}

static void set_name(struct upper_names *n, const char *name, size_t len)
{
	set_bits(n, name, len, 0);
}

static void store_ctime(struct upper_names *n, const struct stat *st)
{
	__atomic_store_n(&n->ctime_sec, (int64_t)st->st_ctim.tv_sec,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&n->ctime_nsec, (int64_t)st->st_ctim.tv_nsec,
			 __ATOMIC_RELEASE);
}

/* Fold the current top-level listing of upper into the filter. */
static int fold_listing(struct vfs *vfs, struct upper_names *n)
{
	char buf[8192];
	struct stat st;
	int fd, r;

	/* ctime first: a change during the listing leaves it stale, so the
	 * next vfs_new() folds again. */
	r = root_ctime(vfs, &st);
	if (r < 0 || ctime_matches(n, &st))
		return r;
	fd = appv_openat(AT_FDCWD, vfs->cfg.upper,
			 O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t len = appv_getdents64(fd, buf, sizeof(buf));

		if (len <= 0) {
			r = (int)len;
			break;
		}
		for (ssize_t off = 0; off < len;) {
			/* struct linux_dirent64: name at offset 19 */
			unsigned short reclen;
			const char *name = buf + off + 19;

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			set_name(n, name, strlen(name));
			off += reclen;
		}
	}
	appv_close(fd);
	if (r == 0)
		store_ctime(n, &st);
	return r;
}

#define SCAN_OPAQUE 1
#define SCAN_WHITEOUTS 2

/* A new filter knows no opaque directory (SCAN_OPAQUE) and no directory
 * with markers (SCAN_WHITEOUTS; a version 2 filter neither): find the
 * markers in the whole upper tree (once per filter file; an empty upper
 * costs one getdents).  @vp holds the virtual path of @fd, @vlen bytes. */
static int scan_markers(struct upper_names *n, int fd, char *vp, size_t vlen,
			int depth, int what)
{
	char buf[4096];
	struct stat st;

	if (depth > 256)
		return -ELOOP;
	for (;;) {
		ssize_t len = appv_getdents64(fd, buf, sizeof(buf));

		if (len <= 0)
			return (int)len;
		for (ssize_t off = 0; off < len;) {
			unsigned short reclen;
			unsigned char type = (unsigned char)buf[off + 18];
			const char *name = buf + off + 19;
			size_t nl = strlen(name);

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			off += reclen;
			/* Either marker counts for the third filter (an
			 * opaque one shows as much as a whiteout). */
			if ((type == 10 /* DT_LNK */ || type == 0) &&
			    appv_fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) ==
				0) {
				int k = vfs_marker_at(fd, name, &st);

				if (k == VFS_MARKER_OPAQUE &&
				    (what & SCAN_OPAQUE))
					set_bits(n, vlen ? vp : "/",
						 vlen ? vlen : 1, OPAQUE_BASE);
				if ((k == VFS_MARKER_OPAQUE ||
				     k == VFS_MARKER_WHITEOUT) &&
				    (what & SCAN_WHITEOUTS))
					set_bits(n, vlen ? vp : "/",
						 vlen ? vlen : 1, WH_BASE);
			}
			if (type != 4 /* DT_DIR */ || !strcmp(name, ".") ||
			    !strcmp(name, "..") || vlen + 1 + nl >= PATH_MAX)
				continue;
			int sub = appv_openat(
			    fd, name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
			if (sub < 0)
				continue;
			vp[vlen] = '/';
			memcpy(vp + vlen + 1, name, nl + 1);
			scan_markers(n, sub, vp, vlen + 1 + nl, depth + 1,
				     what);
			vp[vlen] = '\0';
			appv_close(sub);
		}
	}
}

static void fold_markers(struct vfs *vfs, struct upper_names *n, int what)
{
	char vp[PATH_MAX] = "";
	int fd = appv_openat(AT_FDCWD, vfs->cfg.upper,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

	if (fd < 0)
		return;
	scan_markers(n, fd, vp, 0, 0, what);
	appv_close(fd);
}

int vfs_names_open(struct vfs *vfs)
{
	char path[PATH_MAX];
	struct upper_names *n;
	struct stat st;
	int fd;

	if (!vfs->upper_len || path_of(vfs, path, sizeof(path)) < 0)
		return 0;
	fd = appv_openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return 0; /* no filter: every walk probes upper */
	if (appv_fstat(fd, &st) == 0 && st.st_size != NAMES_SIZE)
		APPV_SYS(SYS_ftruncate, fd, NAMES_SIZE, 0, 0, 0, 0);
	/* Allocated now, or (a full file system) not used: map_file. */
	APPV_SYS(SYS_fallocate, fd, 0, 0, NAMES_SIZE, 0, 0);
	n = map_file(fd, PROT_READ | PROT_WRITE);
	appv_close(fd);
	if (!n)
		return 0;
	if (!memcmp(n->magic, NAMES_MAGIC_V2, 8)) {
		/* Version 2 (its first page is this one's): the new second
		 * page learns the whiteouts already made. */
		fold_markers(vfs, n, SCAN_WHITEOUTS);
		memcpy(n->magic, NAMES_MAGIC, 8);
	} else if (memcmp(n->magic, NAMES_MAGIC, 8)) {
		/* New (zero-filled) or damaged.  Bits are never cleared, not
		 * even here: another process may be setting some right now,
		 * and stray set bits only cost a probe.  The impossible ctime
		 * forces the fold below. */
		__atomic_store_n(&n->ctime_sec, -1, __ATOMIC_RELEASE);
		fold_markers(vfs, n, SCAN_OPAQUE | SCAN_WHITEOUTS);
		memcpy(n->magic, NAMES_MAGIC, 8);
	}
	/* Kept when the fold fails: the bits are then not trusted, but the
	 * directory generation must still be bumped for the shims. */
	vfs->names = n;
	vfs->names_stale = fold_listing(vfs, n) < 0;
	return 0;
}

/* What a change is written to.  Once a guarded mapping of this process
 * was replaced by zeros (mapguard.h), its copy reaches no other session,
 * whose caches would then keep names made or removed here: the file as it
 * is now (grown again by a session started since) is mapped for the one
 * change, else none.  Release with shared_done. */
static struct upper_names *shared(const struct vfs *vfs)
{
	char path[PATH_MAX];
	struct upper_names *n;
	int fd;

	if (!vfs->names || !appv_guard_tripped())
		return vfs->names;
	if (path_of(vfs, path, sizeof(path)) < 0)
		return NULL;
	fd = appv_openat(AT_FDCWD, path, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	n = map_file(fd, PROT_READ | PROT_WRITE);
	appv_close(fd);
	return n;
}

static void shared_done(const struct vfs *vfs, struct upper_names *n)
{
	if (n && n != vfs->names)
		appv_guard_munmap(n, NAMES_SIZE);
}

void vfs_upper_changed(const struct vfs *vfs)
{
	struct upper_names *n = shared(vfs);

	if (n)
		__atomic_add_fetch(&n->dir_gen, 1, __ATOMIC_RELEASE);
	shared_done(vfs, n);
}

/* A move or removal: bumped before and after, and counted while it runs,
 * so that a reader whose whole walk fell inside it still sees it
 * (vfs_upper_steady).  A supervisor killed in between leaves the count
 * up: readers then keep asking a supervisor, which is slower, not wrong,
 * until `appv overlay reset` clears it (vfs_names_bump_file); so the
 * count never goes below 0.  @unit: 1 for the whole change, BUSY_MOVING
 * for its step proper (below). */
static void busy_begin(const struct vfs *vfs, uint32_t unit)
{
	struct upper_names *n = shared(vfs);

	if (!n)
		return;
	__atomic_add_fetch(&n->dir_busy, unit, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&n->dir_gen, 1, __ATOMIC_SEQ_CST);
	shared_done(vfs, n);
}

static void busy_end(const struct vfs *vfs, uint32_t unit)
{
	struct upper_names *n = shared(vfs);

	if (!n)
		return;
	__atomic_add_fetch(&n->dir_gen, 1, __ATOMIC_SEQ_CST);
	appv_atomic_sub_floor(&n->dir_busy, unit);
	shared_done(vfs, n);
}

void vfs_upper_change_begin(const struct vfs *vfs)
{
	busy_begin(vfs, 1);
}

void vfs_upper_change_end(const struct vfs *vfs)
{
	busy_end(vfs, 1);
}

/* The step of a move or removal that changes what a walk finds (the
 * kernel's rename or exchange, the markers after it): counted apart in
 * dir_busy's high bits, so that vfs_upper_moving does not take a long
 * copy-up before it for a move (a walk then asks again and again). */
void vfs_upper_move_begin(const struct vfs *vfs)
{
	busy_begin(vfs, BUSY_MOVING);
}

void vfs_upper_move_end(const struct vfs *vfs)
{
	busy_end(vfs, BUSY_MOVING);
}

int vfs_names_bump_file(const char *upper)
{
	char path[PATH_MAX];
	struct upper_names *n;
	int fd;

	if (vfs_concat(path, sizeof(path), upper, strlen(upper), ".names") < 0)
		return -ENAMETOOLONG;
	fd = appv_openat(AT_FDCWD, path, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	n = map_file(fd, PROT_READ | PROT_WRITE);
	appv_close(fd);
	if (!n)
		return 0;
	__atomic_add_fetch(&n->dir_gen, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&n->dir_busy, 0, __ATOMIC_SEQ_CST);
	appv_guard_munmap(n, NAMES_SIZE);
	return 0;
}

void vfs_names_note(struct vfs *vfs, const char *vpath)
{
	const char *p = vpath + 1, *end;
	struct upper_names *n;

	if (!vfs->names || vpath[0] != '/' || !*p)
		return;
	end = strchr(p, '/');
	n = shared(vfs);
	if (n)
		set_name(n, p, end ? (size_t)(end - p) : strlen(p));
	shared_done(vfs, n);
}

/* An opaque marker is a marker too: should the lower directory go, the
 * upper one is still listed through a merge, which hides it. */
void vfs_opaque_note(struct vfs *vfs, const char *vpath)
{
	struct upper_names *n = shared(vfs);

	if (!n)
		return;
	set_bits(n, vpath, strlen(vpath), OPAQUE_BASE);
	set_bits(n, vpath, strlen(vpath), WH_BASE);
	shared_done(vfs, n);
}

void vfs_whiteout_note(struct vfs *vfs, const char *vpath)
{
	const char *slash = strrchr(vpath, '/');
	struct upper_names *n;

	if (!slash || !(n = shared(vfs)))
		return;
	set_bits(n, vpath, slash > vpath ? (size_t)(slash - vpath) : 1,
		 WH_BASE);
	shared_done(vfs, n);
}

/* Not when this process could not fold the listing in: the stored ctime
 * would vouch for bits that miss names. */
void vfs_names_sync(struct vfs *vfs)
{
	struct stat st;

	if (vfs->names && !vfs->names_stale && root_ctime(vfs, &st) == 0)
		store_ctime(vfs->names, &st);
}
#endif

/* None once the file was truncated under this process (mapguard.h): its
 * copy no longer moves with the other sessions' changes. */
bool vfs_upper_gen(const struct vfs *vfs, unsigned int *gen)
{
	if (!vfs->names || appv_guard_tripped())
		return false;
	*gen = __atomic_load_n(&vfs->names->dir_gen, __ATOMIC_ACQUIRE);
	return true;
}

bool vfs_upper_steady(const struct vfs *vfs, unsigned int gen)
{
	if (!vfs->names || appv_guard_tripped() ||
	    __atomic_load_n(&vfs->names->dir_busy, __ATOMIC_SEQ_CST))
		return false;
	return __atomic_load_n(&vfs->names->dir_gen, __ATOMIC_SEQ_CST) == gen;
}

bool vfs_upper_moving(const struct vfs *vfs, unsigned int gen)
{
	if (!vfs->names || appv_guard_tripped())
		return false;
	return __atomic_load_n(&vfs->names->dir_busy, __ATOMIC_SEQ_CST) >=
		   BUSY_MOVING ||
	       __atomic_load_n(&vfs->names->dir_gen, __ATOMIC_SEQ_CST) != gen;
}

void vfs_names_close(struct vfs *vfs)
{
	if (vfs->names)
		appv_guard_munmap(vfs->names, NAMES_SIZE);
	vfs->names = NULL;
}
