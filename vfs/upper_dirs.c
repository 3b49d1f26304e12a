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
 * Host directories share the table (their key's hash salted, so an upper
 * directory's lookup never finds one).  A walk below an upper or image
 * directory lstats each host directory on its way there, since a host
 * symlink at that place is followed virtually (resolve.c, probe): git
 * status in a repository with an upper copy made one such lstat per file.
 * The host is not versioned, so what was seen is kept for a short time
 * only (VFS_HOST_SEEN_US), by the shim and by a supervisor outside strict
 * mode (vfs->host_seen_on: a strict supervisor's walk must see a symlink
 * that leads to a hidden tree), for reads only (a change's way is walked fresh:
 * it names where the copy-up lands) whose rest goes to the kernel (not
 * realpath's walk, which names every component, nor one with ".." ahead, which
 * would climb back out of the link's target).  A host directory that a process
 * outside the session turns into a symlink meanwhile is walked through on
 * the host: the kernel follows the link there, which differs from
 * following it virtually only where it leads into a directory with upper
 * or package entries (README, known limits).  Removed, or made a file, the
 * kernel's walk of the full path says so itself.  Nothing seen at a path
 * is kept the same way: that an upper or image directory has no host twin
 * (resolve.c, host_twin_gone), under a rule that lets no process of the
 * session make one there - a twin made from outside merges in once the
 * time is over - and a missing host directory on a read's way.
 *
 * Threads and signal handlers share the table: each slot is a seqlock
 * whose writer only try-locks (a busy slot is simply not cached), so no
 * path here waits.
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>

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

void vfs_cache_host_seen(struct vfs *vfs)
{
	vfs->host_seen_on = true;
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

#define HOST_SALT 0x6a09e667f3bcc909ULL

long long vfs_now_us(void)
{
	struct timeval tv;

	if (gettimeofday(&tv, NULL) < 0)
		return 0;
	return (long long)tv.tv_sec * 1000000LL + tv.tv_usec;
}

bool vfs_host_seen_get(const struct vfs *vfs, const char *vpath, size_t len,
		       unsigned long long h, mode_t *mode, long long *seen_us)
{
	struct vfs_dir_ent e;
	long long age;

	if (!vfs->host_seen_on ||
	    !vfs_dirs_get_hashed(vfs, vpath, len, h ^ HOST_SALT, &e))
		return false;
	age = vfs_now_us() - e.seen_us; /* a clock set back: too old */
	if (age < 0 || age >= VFS_HOST_SEEN_US)
		return false;
	*mode = e.mode;
	if (seen_us)
		*seen_us = e.seen_us;
	return true;
}

void vfs_host_seen_put(const struct vfs *vfs, const char *vpath, size_t len,
		       unsigned long long h, unsigned int gen, mode_t mode,
		       long long seen_us)
{
	struct vfs_dir_ent e = {.gen = gen, .mode = mode, .seen_us = seen_us};

	if (!vfs->host_seen_on || (mode && !S_ISDIR(mode)) ||
	    (!e.seen_us && !(e.seen_us = vfs_now_us())))
		return;
	vfs_dirs_put_hashed(vfs, vpath, len, h ^ HOST_SALT, &e);
}
