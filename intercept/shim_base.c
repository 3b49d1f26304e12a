// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * intercept/shim_base.c - the virtual path of a directory descriptor,
 * remembered.
 *
 * A path relative to a descriptor is walked from the descriptor's virtual
 * path, which readlink of /proc/self/fd/N and vfs_reverse give: a /proc
 * walk and a d_path, 3 us on the bench VM, where an fstat costs 0.3 us.
 * find (fts) makes three calls from a directory's descriptor for each of
 * its subdirectories.  So the virtual path of a directory descriptor is
 * kept with its inode, and a later call takes it after an fstat finds the
 * same inode there; a package or upper directory the shim opens itself is
 * kept as it is opened (shim.c, base_opened), so even the first call from
 * it reads no link.  Why it is still the path then:
 * - package directories (the content cache) and listings never move
 *   (vfs_real_fixed);
 * - an upper directory moves or goes only by a rename or removal that a
 *   supervisor makes, which bumps the overlay's directory generation, so
 *   an upper one is taken only under the generation read before its link
 *   was;
 * - a host directory under a writecopy or readonly rule moves only in the
 *   overlay: the host's stays where it is, and so does the descriptor.
 *   A process outside the session may move it on the host (git, rsync:
 *   mv d d.old && mkdir d): the kernel still walks a relative call from
 *   the descriptor itself (the shim passes the caller's relative path on,
 *   open_host too), and only the lookups of upper and package entries
 *   use the old path - as overlayfs leaves such changes of a lower layer
 *   undefined.  One the session may move (a share rule on it or above it,
 *   vfs_host_movable) is not kept.
 * A descriptor number that names another directory now (dup2, close and
 * open, a vfork child's) shows another inode.  Of a movable one, only
 * that fact is kept, which spares the fstat until the link says
 * otherwise (the link is read anyway).  Not told apart: one directory
 * reached at two paths through a bind mount, where a number reused from
 * one path to the other keeps the first one's.
 *
 * Threads and signal handlers share the slots: each is a seqlock whose
 * writer only try-locks (as in vfs/upper_dirs.c), so nothing here waits.
 */
#include "shim_internal.h"

#include <string.h>

#include "../common/sys.h"

#define BASE_SLOTS 16 /* by descriptor number */
#define BASE_PATH 240 /* longer virtual paths are not kept */

struct base_slot {
	unsigned int seq; /* odd while written */
	int fd1;	  /* the descriptor + 1; 0: empty */
	bool movable;	  /* a host directory the session may move: no path */
	bool upper;	  /* an upper directory, valid under gen */
	unsigned int gen;
	unsigned long dev, ino;
	unsigned short len;
	char vpath[BASE_PATH];
};

static struct base_slot slots[BASE_SLOTS];

static struct base_slot *slot_of(int fd)
{
	return &slots[(unsigned int)fd % BASE_SLOTS];
}

/* shim_base_get's lookup; @fresh: *@st is to be taken now (else it holds
 * the descriptor's fstat already). */
static int base_get(int fd, char *out, size_t cap, bool *upper, struct stat *st,
		    bool fresh)
{
	struct base_slot *s = slot_of(fd);
	unsigned int seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE), gen;
	struct base_slot c;

	if ((seq & 1) || s->fd1 != fd + 1)
		return SHIM_BASE_UNKNOWN;
	if (s->movable)
		return SHIM_BASE_MOVABLE;
	c = *s;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq || c.len >= cap ||
	    (fresh && appv_fstat(fd, st) < 0))
		return SHIM_BASE_UNKNOWN;
	if (st->st_dev != c.dev || st->st_ino != c.ino ||
	    (c.upper &&
	     (!vfs_upper_gen(shim_vfs, &gen) || gen != c.gen)))
		return SHIM_BASE_STAT;
	memcpy(out, c.vpath, c.len);
	out[c.len] = '\0';
	*upper = c.upper;
	return SHIM_BASE_HIT;
}

int shim_base_get(int fd, char *out, size_t cap, bool *upper, struct stat *st)
{
	return base_get(fd, out, cap, upper, st, true);
}

bool shim_base_known(int fd, unsigned long dev, unsigned long ino, char *out,
		     size_t cap)
{
	struct stat st = {.st_dev = dev, .st_ino = ino};
	bool upper;

	return base_get(fd, out, cap, &upper, &st, false) == SHIM_BASE_HIT;
}

void shim_base_put(int fd, const char *real, const char *vpath, bool upper,
		   unsigned int gen, const struct stat *st)
{
	struct base_slot *s = slot_of(fd);
	unsigned int seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	size_t len = strlen(vpath);

	if ((seq & 1) || fd < 0 || !S_ISDIR(st->st_mode) ||
	    len >= BASE_PATH ||
	    (!upper && !vfs_real_fixed(shim_vfs, real) &&
	     vfs_host_movable(shim_vfs, vpath)) ||
	    !__atomic_compare_exchange_n(&s->seq, &seq, seq + 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	s->fd1 = fd + 1;
	s->movable = false;
	s->upper = upper;
	s->gen = gen;
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->len = (unsigned short)len;
	memcpy(s->vpath, vpath, len);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
}

void shim_base_movable(int fd, bool movable)
{
	struct base_slot *s = slot_of(fd);
	unsigned int seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);

	if ((seq & 1) || fd < 0 ||
	    (!movable && (s->fd1 != fd + 1 || !s->movable)) ||
	    !__atomic_compare_exchange_n(&s->seq, &seq, seq + 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	s->fd1 = movable ? fd + 1 : 0;
	s->movable = movable;
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
}
