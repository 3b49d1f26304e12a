// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/upper_dirs.c - the cache of upper directories of a shim or a
 * supervisor (see vfs_internal.h for the contract).
 *
 * Why it is safe: an entry says "this virtual path is a directory of the
 * upper layer, opaque or not, with this mode and owner" (and maybe "with no
 * host twin": resolve.c, host_parent_once, says why that holds), learnt by
 * a probe made after reading the overlay's directory generation
 * (upper_names.c).
 * What can make that false - rmdir, rename, a whiteout or marker change,
 * chmod, chown, a supervisor's temporary grant, an overlay reset - is done
 * by a supervisor, which bumps the generation after it; the shim sends
 * directory removals and renames, and mode and owner changes through a
 * descriptor not open for writing, there.  Creating entries never makes
 * an entry false.  A reader that compares the generation before
 * using an entry sees at worst the state of an instant before a
 * concurrent removal, as a probe made then would have.
 *
 * Threads and signal handlers share the table: each slot is a seqlock
 * whose writer only try-locks (a busy slot is simply not cached), so no
 * path here waits.
 */
#include <string.h>
#include <sys/mman.h>

#include "../common/path.h"
#include "../common/sys.h"
#include "vfs_internal.h"

#define DIRS_SLOTS 256
#define DIRS_PATH 224 /* longer virtual paths are not cached */

struct dir_slot {
	unsigned int seq; /* odd while written */
	struct vfs_dir_ent e;
	unsigned long long hash;
	unsigned short len;
	char path[DIRS_PATH];
};

struct vfs_dirs {
	struct dir_slot slot[DIRS_SLOTS];
};

/* The table, mapped on first use (most processes never walk below an
 * upper directory). */
static struct vfs_dirs *dirs_of(const struct vfs *cvfs)
{
	struct vfs *vfs = (struct vfs *)cvfs; /* the lazily set pointer */

	if (!vfs->dirs_on)
		return NULL;
	return vfs_map_once((void **)&vfs->dirs, sizeof(struct vfs_dirs));
}

void vfs_cache_dirs(struct vfs *vfs)
{
	vfs->dirs_on = vfs->names != NULL;
}

void vfs_dirs_free(struct vfs *vfs)
{
	if (vfs->dirs)
		appv_munmap(vfs->dirs, sizeof(struct vfs_dirs));
	vfs->dirs = NULL;
}

/* Two places per path (2-way): a pair of busy directories that share
 * one place (a deep tree's two ancestors) do not evict each other. */
static struct dir_slot *slot_of(struct vfs_dirs *d, unsigned long long h,
				int way)
{
	unsigned int i = (unsigned int)(way ? h >> 40 : h ^ (h >> 29));

	return &d->slot[(i + (unsigned int)way) % DIRS_SLOTS];
}

static bool holds(const struct dir_slot *s, unsigned long long h,
		  const char *vpath, size_t len)
{
	return s->hash == h && s->len == len && !memcmp(s->path, vpath, len);
}

bool vfs_dirs_get(const struct vfs *vfs, const char *vpath, size_t len,
		  struct vfs_dir_ent *e)
{
	return vfs_dirs_get_hashed(vfs, vpath, len, appv_hash64(vpath, len), e);
}

bool vfs_dirs_get_hashed(const struct vfs *vfs, const char *vpath, size_t len,
			 unsigned long long h, struct vfs_dir_ent *e)
{
	struct vfs_dirs *d = __atomic_load_n(&vfs->dirs, __ATOMIC_ACQUIRE);
	unsigned int gen;

	if (!d || len >= DIRS_PATH || !vfs_upper_gen(vfs, &gen))
		return false;
	for (int way = 0; way < 2; way++) {
		struct dir_slot *s = slot_of(d, h, way);
		unsigned int seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

		if ((seq & 1) || s->e.gen != gen || !holds(s, h, vpath, len))
			continue;
		*e = s->e;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		return __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq;
	}
	return false;
}

void vfs_dirs_put(const struct vfs *vfs, const char *vpath, size_t len,
		  const struct vfs_dir_ent *e)
{
	vfs_dirs_put_hashed(vfs, vpath, len, appv_hash64(vpath, len), e);
}

void vfs_dirs_put_hashed(const struct vfs *vfs, const char *vpath, size_t len,
			 unsigned long long h, const struct vfs_dir_ent *e)
{
	struct vfs_dirs *d;
	struct dir_slot *s, *s1;
	unsigned int seq, gen;

	if (len >= DIRS_PATH || !(d = dirs_of(vfs)) || !vfs_upper_gen(vfs, &gen))
		return;
	/* The place that holds the path, else an empty or stale first one,
	 * else the second (the first keeps what was cached earlier). */
	s = slot_of(d, h, 0);
	s1 = slot_of(d, h, 1);
	if (!holds(s, h, vpath, len) &&
	    (holds(s1, h, vpath, len) || (s->len && s->e.gen == gen)))
		s = s1;
	if (!appv_seq_try(&s->seq, &seq))
		return; /* another writer (a thread, a signal handler) */
	s->e = *e;
	s->hash = h;
	s->len = (unsigned short)len;
	memcpy(s->path, vpath, len);
	appv_seq_done(&s->seq, seq);
}
