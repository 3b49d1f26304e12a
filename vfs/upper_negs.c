// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/upper_negs.c - which names an upper directory does not hold: the
 * name epoch of an overlay and a per-process cache of upper directories'
 * names (see vfs_internal.h for the contract).
 *
 * A lookup below a directory that has an upper copy probes the upper
 * directory for each name (an lstat), and most names are not there: a
 * find over a package tree with one copied-up file per directory paid
 * one failed lstat per entry.  After a few such misses in one directory,
 * its upper copy is listed once into a bloom filter of its names; a name
 * the filter does not hold is not there, with no syscall.
 *
 * Why it is safe: the filter says "absent" only while the overlay's name
 * epoch is the one read before the listing.  Every name made in the upper
 * layer by appv - a supervisor's call that may create one (a create, a
 * copy-up, a whiteout, a rename), or the shim's own create or rename of
 * an upper entry - bumps the epoch after it is made and before the call
 * returns to the application, so a lookup that starts after that sees a
 * new epoch and probes.  A create on a shared path is the host's and
 * makes no upper name: no bump (a shell's `> /dev/null` made one per
 * redirection, and every shim of the overlay started its caches again).
 * Removals need no bump: a name the filter holds is probed anyway.  The epoch
 * lives in "<upper>.epoch", shared by every session of the overlay and mapped
 * read-write by each process (Landlock grants the shim that file:
 * loader/landlock.c); a process that could not map it caches nothing.  Entries
 * made behind appv's back are not seen (as with the other caches,
 * vfs/README.md).  A supervisor keeps listings only while it serves a call that
 * makes no name (vfs_cache_upper_names, loader/supervisor.c): one that makes
 * one walks again in the middle of its change, before it bumps the epoch.
 *
 * Threads and signal handlers share the table: each slot is a seqlock
 * whose writer only try-locks, as in upper_dirs.c.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "../common/mapguard.h"
#include "../common/path.h"
#include "../common/sys.h"
#include "vfs_internal.h"

#define EPOCH_SIZE 4096
#define NEGS_SLOTS 128
#define NEGS_PATH 240 /* longer directory paths are not cached */
#define NEGS_WORDS 32 /* a 2048-bit filter per directory */
/* Misses in one directory before it is listed, plus one per 32 names its
 * last listing had. */
#define NEGS_MISSES 4
/* More names than this: the filter says little, and the listing stops. */
#define NEGS_MAX 1400

struct negs_slot {
	unsigned int seq; /* odd while written */
	unsigned short len;
	unsigned short misses; /* under epoch, up to the threshold */
	unsigned short names;  /* the directory's last listing had */
	bool listed;	       /* bits hold the listing made under epoch */
	uint64_t epoch;
	unsigned long long hash;
	char path[NEGS_PATH];
	uint64_t bits[NEGS_WORDS];
};

struct vfs_negs {
	struct negs_slot slot[NEGS_SLOTS];
};

uint64_t *vfs_epoch_map(const char *upper, size_t len, bool create)
{
	char path[PATH_MAX];

	if (vfs_concat(path, sizeof(path), upper, len, ".epoch") < 0)
		return NULL;
	return vfs_map_file(path, EPOCH_SIZE, create);
}

void vfs_epoch_unmap(uint64_t *epoch)
{
	appv_guard_munmap(epoch, EPOCH_SIZE);
}

void vfs_epoch_open(struct vfs *vfs)
{
#ifdef APPV_SHIM
	bool create = false; /* the supervisor makes it */
#else
	bool create = true;
#endif

	if (vfs->upper_len)
		vfs->epoch =
		    vfs_epoch_map(vfs->cfg.upper, vfs->upper_len, create);
}

void vfs_epoch_close(struct vfs *vfs)
{
	if (vfs->epoch)
		vfs_epoch_unmap(vfs->epoch);
	vfs->epoch = NULL;
	if (vfs->negs)
		appv_munmap(vfs->negs, sizeof(struct vfs_negs));
	vfs->negs = NULL;
}

void vfs_upper_created(const struct vfs *vfs)
{
	uint64_t *e = vfs->epoch;

	/* This process's copy replaced by zeros reaches no other session
	 * (mapguard.h): the file as it is now, grown again by a session
	 * started since, whose caches must see the name made here. */
	if (e && appv_guard_tripped())
		e = vfs_epoch_map(vfs->cfg.upper, vfs->upper_len, false);
	if (!e)
		return;
	__atomic_add_fetch(e, 1, __ATOMIC_SEQ_CST);
	if (e != vfs->epoch)
		vfs_epoch_unmap(e);
}

void vfs_cache_upper_names(struct vfs *vfs, bool on)
{
	vfs->negs_on = on && vfs->epoch != NULL;
}

static uint64_t epoch_now(const struct vfs *vfs)
{
	return __atomic_load_n(vfs->epoch, __ATOMIC_SEQ_CST);
}

/* None once the file was truncated under this process (mapguard.h). */
bool vfs_upper_epoch(const struct vfs *vfs, uint64_t *epoch)
{
	if (!vfs->epoch || appv_guard_tripped())
		return false;
	*epoch = epoch_now(vfs);
	return true;
}

static void name_bits(const char *name, size_t len, uint32_t pos[2])
{
	unsigned long long h = appv_hash64(name, len);

	pos[0] = (uint32_t)(h % (NEGS_WORDS * 64));
	pos[1] = (uint32_t)((h >> 32) % (NEGS_WORDS * 64));
}

static struct negs_slot *slot_for(const struct vfs *vfs, unsigned long long h)
{
	return &vfs->negs->slot[(h ^ (h >> 31)) % NEGS_SLOTS];
}

static bool holds(const struct negs_slot *s, unsigned long long h,
		  const char *dir, size_t len)
{
	return s->hash == h && s->len == len && !memcmp(s->path, dir, len);
}

bool vfs_negs_absent(const struct vfs *vfs, const char *vpath, size_t len,
		     size_t plen, unsigned long long h)
{
	size_t off = plen == 1 ? 1 : plen + 1;
	const struct negs_slot *s;
	unsigned int seq;
	uint32_t pos[2];
	bool absent;

	if (!vfs->negs_on || !vfs->negs || plen >= NEGS_PATH || off >= len ||
	    appv_guard_tripped())
		return false;
	s = slot_for(vfs, h);
	seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	if (seq & 1)
		return false;
	name_bits(vpath + off, len - off, pos);
	absent = s->listed && holds(s, h, vpath, plen) &&
		 s->epoch == epoch_now(vfs) &&
		 !((s->bits[pos[0] / 64] >> (pos[0] % 64)) & 1 &&
		   (s->bits[pos[1] / 64] >> (pos[1] % 64)) & 1);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return absent && __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq;
}

/* List upper directory @dir (virtual, @len bytes) into @s's bits and
 * s->names: false when it cannot, or holds too many names to say much. */
static bool list_upper(const struct vfs *vfs, const char *dir, size_t len,
		       struct negs_slot *s)
{
	char real[PATH_MAX], buf[8192];
	unsigned int n = 0;
	int fd;

	if (vfs->upper_len + len >= sizeof(real))
		return false;
	memcpy(real, vfs->cfg.upper, vfs->upper_len);
	memcpy(real + vfs->upper_len, dir, len == 1 ? 0 : len);
	real[vfs->upper_len + (len == 1 ? 0 : len)] = '\0';
	fd = appv_openat(AT_FDCWD, real,
			 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return false;
	memset(s->bits, 0, sizeof(s->bits));
	for (;;) {
		ssize_t got = appv_getdents64(fd, buf, sizeof(buf));

		if (got <= 0 || n > NEGS_MAX) {
			appv_close(fd);
			s->names = (unsigned short)n;
			return got == 0 && n <= NEGS_MAX;
		}
		for (ssize_t off = 0; off < got;) {
			/* struct linux_dirent64: name at offset 19 */
			unsigned short reclen;
			const char *name = buf + off + 19;
			uint32_t pos[2];

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			off += reclen;
			name_bits(name, strlen(name), pos);
			s->bits[pos[0] / 64] |= 1ULL << (pos[0] % 64);
			s->bits[pos[1] / 64] |= 1ULL << (pos[1] % 64);
			n++;
		}
	}
}

void vfs_negs_missed(const struct vfs *cvfs, const char *vpath, size_t plen,
		     unsigned long long h)
{
	struct vfs *vfs = (struct vfs *)cvfs; /* the lazily set pointer */
	struct negs_slot *s;
	unsigned int seq;
	uint64_t e;

	if (!vfs->negs_on || plen >= NEGS_PATH ||
	    !vfs_map_once((void **)&vfs->negs, sizeof(struct vfs_negs)))
		return;
	s = slot_for(vfs, h);
	if (!appv_seq_try(&s->seq, &seq))
		return; /* busy: another thread or an interrupted handler */
	e = epoch_now(vfs);
	if (!holds(s, h, vpath, plen)) {
		s->hash = h;
		s->len = (unsigned short)plen;
		memcpy(s->path, vpath, plen);
		s->names = 0;
		s->epoch = e + 1; /* reset below */
	}
	if (s->epoch != e) {
		s->epoch = e;
		s->misses = 0;
		s->listed = false;
	}
	/* Listed once per epoch at most, later the more names it had: a
	 * program that makes names in a large directory between lookups
	 * does not have it listed again and again.  The epoch is read
	 * before the listing: a name made meanwhile bumps it, and the
	 * filter is not used. */
	if (!s->listed && s->misses < NEGS_MISSES + s->names / 32 &&
	    ++s->misses == NEGS_MISSES + s->names / 32)
		s->listed = list_upper(vfs, vpath, plen, s);
	appv_seq_done(&s->seq, seq);
}
