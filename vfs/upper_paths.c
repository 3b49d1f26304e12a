// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/upper_paths.c - the shim's cache of read-only resolutions (see
 * vfs_internal.h for the contract).
 *
 * Python's imports and a build's tools stat and open the same package
 * paths again and again; each walk costs about a microsecond (a probe per
 * component, the image index, the upper directories' cache), as much as
 * the stat itself.  An entry keeps what vfs_resolve answered for one
 * request - the request's own strings and every flag that changes the
 * answer - and gives it back with no walk.
 *
 * Why it is safe.  An entry is kept only for a walk that read nothing
 * unversioned, and is used only while the versions it read are current:
 * - The walk reads the overlay's name epoch (upper_negs.c) and directory
 *   generation (upper_names.c) before it starts, and the entry is stored
 *   with those (only while no upper directory is being moved:
 *   vfs_upper_steady).  Every name appv makes in the upper layer -
 *   creates, copy-ups, whiteouts, opaque markers, renames - bumps the
 *   epoch before the call that made it returns, in the shim and in the
 *   supervisor; every removal, move, mode or owner change of an upper
 *   directory, and every change of its markers, bumps the generation
 *   (before and after a move).  What an upper directory holds of the
 *   walk's names can then only change by a removal of a non-directory
 *   (the shim unlinks an upper file that hides nothing itself:
 *   intercept/shim_attr.c), which bumps neither: so no entry depends on
 *   an upper non-directory -
 *   a final entry of the upper layer is kept only when it is a directory,
 *   a walk that followed an upper symlink is not kept, and neither is
 *   ENOTDIR (which an upper file on the way may give).  Whiteouts go only
 *   with a name made over them or their directory's removal.
 * - The package image never changes.  Whether an image file is
 *   extracted yet is not kept: it is read again from the state map at
 *   every use, as the walk reads it (needs_extract).
 * - The host is not versioned: a walk that consulted it in any way - a
 *   host lookup or a hand-off that stats, a host symlink, a host twin of
 *   a directory, a root symlink's way (relink) - is not kept (resolve.c:
 *   w->unkept).  A lazy hand-off (VFS_F_HOST_LAZY: the rest of a read's
 *   path, below a host-only directory, given to the kernel unlooked-at)
 *   asks the host nothing: what the walk decided - that no rule, upper
 *   or image entry lies on that way - is versioned state, and the
 *   caller's own call, made on every use, gets the host's answer then
 *   (a file made on the host meanwhile is seen at once).
 * - Permissions: a walk through a directory that does not grant search
 *   to everyone is not kept, whoever checks it: the resolver against the
 *   caller's credentials, or the kernel on the walk's probes of the
 *   upper layer (which a kept answer would skip: a process that drops a
 *   capability or its uid between two stats of the same path would keep
 *   the first one's answer).  One whose directories all grant search to
 *   everyone gives every caller the same answer.  Whether the request
 *   had credentials at all, and whether they cover every layer, are part
 *   of the key.
 * - Only VFS_INTENT_READ, never BENEATH/IN_ROOT (their anchor is the
 *   base, which an absolute path's key leaves out); no answer that
 *   filled the caller's stat buffer (res->final_stat); answers: 0, or
 *   -ENOENT.
 * - The key is the request's path, after its base directory and a NUL
 *   for a relative one (where a relative path's base ends changes the
 *   answer: a base is searched, never followed), plus the flags, whether
 *   a stat buffer was given, and whether the walk starts at an upper
 *   base (vfs_req.base_upper).  The shim still checks that the base did
 *   not move during the call (intercept/shim.c, base_moved).
 * Bases.  A relative walk whose base lies on the host, below a prefix in
 * neither the upper layer nor the image, hands the rest to the kernel
 * lazily at that prefix (resolve.c, handoff): git status, make and a
 * compiler stat thousands of different names from one working directory,
 * more than the table holds, and each would walk the base again.  What
 * such a walk decided holds for every plain relative path from the same
 * base - no "..", no trailing slash - when no rule lies below the base:
 * the walk up to the prefix is the base's alone (versioned as above), and
 * below it the kernel is asked on every use.  So the base is kept too, in
 * a few slots of its own, and such a path's answer is made from it with
 * no walk: the joined path, on the host, under the prefix's rule.  A base
 * with an upper copy (git's working directory once its .git is copied
 * up; walked from "/" or from the upper directory, resolve.c, seed_base)
 * hands off below the first component instead, a host-only directory:
 * the first component is then kept with the base ("BASE/C1", a key of
 * its own), the path's rest made from it the same way (first_sub).
 * Entries made behind appv's back are not seen, as with the other
 * caches (vfs/README.md).  Only the shim keeps one (vfs_cache_paths): a
 * supervisor walks in the middle of its own changes.  A forked child
 * keeps a copy, valid as well: the versions are the overlay's.
 *
 * Threads and signal handlers share the table: each slot is a seqlock
 * whose writer only try-locks, as in upper_dirs.c.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "../common/path.h"
#include "../common/sys.h"
#include "vfs_internal.h"

#define PATHS_SLOTS 512
#define BASE_SLOTS 64 /* a repository's top-level directories each keep one */
/* The key and the resolved path (when it is not the key's path) share
 * this many bytes: longer ones are not cached. */
#define PATHS_TEXT 256

/* Key bits beyond the request's VFS_F_* flags. */
#define KEY_FINAL_ST (1u << 24)
#define KEY_CRED (1u << 25)
#define KEY_ALL_LAYERS (1u << 26)
#define KEY_SEED (1u << 27)
#define KEY_RELATIVE (1u << 28)
/* A first component's slot, never a base's own: a walk from "BASE/C1"
 * keeps the same string, but its answer may be the caller's own path
 * (changed false), which from BASE is not. */
#define KEY_FIRST (1u << 29)

struct paths_slot {
	unsigned int seq; /* odd while written */
	unsigned int gen;
	uint64_t epoch;
	unsigned long long hash;
	unsigned int bits;
	unsigned short klen; /* 0: empty */
	unsigned short vlen;
	bool vsame; /* the resolved path is the key's (absolute) path */
	int r;	    /* 0 or -ENOENT */
	unsigned char layer, rule;
	bool changed, merged_dir, no_host;
	uint32_t image_file;
	mode_t mode;
	char text[PATHS_TEXT]; /* key: [base NUL] path; then the resolved
				  path unless vsame */
};

/* A base whose plain relative paths are the host's (see "Bases"). */
struct base_slot {
	unsigned int seq; /* odd while written */
	unsigned int gen;
	uint64_t epoch;
	unsigned long long hash;
	unsigned int bits;
	unsigned short blen; /* with its NUL; 0: empty */
	unsigned char rule;
	bool changed;
	/* when the oldest host directory on the way was seen (gettimeofday:
	 * kept as long as that one is remembered, vfs_host_seen_get); 0:
	 * no end */
	long long seen_us;
	char base[PATHS_TEXT];
};

struct vfs_paths {
	struct paths_slot slot[PATHS_SLOTS];
	struct base_slot base[BASE_SLOTS];
};

void vfs_cache_paths(struct vfs *vfs, bool on)
{
	vfs->paths_on = on;
}

void vfs_paths_free(struct vfs *vfs)
{
	if (vfs->paths)
		appv_munmap(vfs->paths, sizeof(struct vfs_paths));
	vfs->paths = NULL;
}

bool vfs_paths_key(const struct vfs *vfs, const struct vfs_req *req,
		   struct vfs_paths_key *k)
{
	bool rel;

	if (!vfs->paths_on || req->intent != VFS_INTENT_READ ||
	    (req->flags & (VFS_F_BENEATH | VFS_F_IN_ROOT)) || !req->path ||
	    !req->path[0] || !vfs_upper_epoch(vfs, &k->epoch) ||
	    !vfs_upper_gen(vfs, &k->gen))
		return false;
	rel = req->path[0] != '/';
	k->base = NULL;
	k->blen = 0;
	if (rel) {
		if (!req->base)
			return false;
		k->base = req->base;
		k->blen = strnlen(req->base, PATHS_TEXT) + 1;
	}
	k->path = req->path;
	k->plen = strnlen(req->path, PATHS_TEXT);
	if (k->blen + k->plen >= PATHS_TEXT)
		return false;
	k->hashed = false;
	k->bits = (unsigned int)req->flags & 0xffffffu;
	if (req->final_st)
		k->bits |= KEY_FINAL_ST;
	if (req->cred)
		k->bits |= KEY_CRED;
	if (req->cred && req->cred->all_layers)
		k->bits |= KEY_ALL_LAYERS;
	if (rel && req->base_upper)
		k->bits |= KEY_SEED;
	if (rel)
		k->bits |= KEY_RELATIVE;
	return true;
}

/* 8 bytes a step (appv_hash64 takes one): most walks this is asked
 * for are not kept, and should pay little for asking. */
static unsigned long long hash_more(unsigned long long h, const char *p,
				    size_t n)
{
	uint64_t w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w ^ ((uint64_t)n << 56)) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

static unsigned long long key_hash(struct vfs_paths_key *k)
{
	if (!k->hashed) {
		k->hash =
		    hash_more(APPV_HASH64_INIT ^ k->bits, k->path, k->plen);
		if (k->base)
			k->hash = hash_more(k->hash, k->base, k->blen);
		k->hashed = true;
	}
	return k->hash;
}

/* Two places per key (2-way), as in upper_dirs.c. */
static struct paths_slot *slot_of(struct vfs_paths *d, unsigned long long h,
				  int way)
{
	unsigned int i = (unsigned int)(way ? h >> 40 : h ^ (h >> 29));

	return &d->slot[(i + (unsigned int)way) % PATHS_SLOTS];
}

/* The slot's key: [base NUL] path. */
static bool holds(const struct paths_slot *s, const struct vfs_paths_key *k)
{
	return s->hash == k->hash && s->klen == k->blen + k->plen &&
	       s->bits == k->bits &&
	       (!k->blen || !memcmp(s->text, k->base, k->blen)) &&
	       !memcmp(s->text + k->blen, k->path, k->plen);
}

bool vfs_paths_get(const struct vfs *vfs, struct vfs_paths_key *k,
		   struct vfs_res *res, int *r)
{
	struct vfs_paths *d = __atomic_load_n(&vfs->paths, __ATOMIC_ACQUIRE);

	if (!d)
		return false;
	key_hash(k);
	for (int way = 0; way < 2; way++) {
		struct paths_slot *s = slot_of(d, k->hash, way);
		unsigned int seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		size_t vlen, voff;

		if ((seq & 1) || s->epoch != k->epoch || s->gen != k->gen ||
		    !holds(s, k))
			continue;
		vlen = s->vlen;
		voff = s->vsame ? 0 : s->klen;
		if (voff + vlen > PATHS_TEXT)
			return false; /* torn */
		memcpy(res->vpath, s->text + voff, vlen);
		res->vpath[vlen] = '\0';
		*r = s->r;
		res->layer = (enum vfs_layer)s->layer;
		res->rule = (enum vfs_rule)s->rule;
		res->changed = s->changed;
		res->merged_dir = s->merged_dir;
		res->no_host = s->no_host;
		res->image_file = s->image_file;
		res->mode = s->mode;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq)
			return false;
		if (*r < 0)
			return true;
		if (res->layer == VFS_LAYER_IMAGE && S_ISREG(res->mode))
			res->needs_extract =
			    !vfs_image_extracted(vfs, res->image_file);
		return vfs_layer_ops(res->layer)
			   ->real(vfs, res->vpath, res->real, PATH_MAX) >= 0;
	}
	return false;
}

void vfs_paths_put(const struct vfs *cvfs, struct vfs_paths_key *k,
		   const struct vfs_res *res, int r)
{
	struct vfs *vfs = (struct vfs *)cvfs; /* the lazily set pointer */
	size_t klen = k->blen + k->plen, vlen = strnlen(res->vpath, PATHS_TEXT);
	bool vsame =
	    !k->blen && vlen == k->plen && !memcmp(res->vpath, k->path, vlen);
	struct paths_slot *s, *s1;
	struct vfs_paths *d;
	unsigned int seq;
	uint64_t epoch;

	/* Stored only under the versions read before the walk, still
	 * current, with no move of upper directories under way: a walk
	 * made meanwhile may have seen a tree in between. */
	if ((!vsame && klen + vlen > PATHS_TEXT) ||
	    !vfs_upper_epoch(vfs, &epoch) || epoch != k->epoch ||
	    !vfs_upper_steady(vfs, k->gen) ||
	    !(d = vfs_map_once((void **)&vfs->paths, sizeof(struct vfs_paths))))
		return;
	/* The place that holds the key, else an empty or stale first one,
	 * else the second. */
	key_hash(k);
	s = slot_of(d, k->hash, 0);
	s1 = slot_of(d, k->hash, 1);
	if (!holds(s, k) && (holds(s1, k) || (s->klen && s->epoch == k->epoch &&
					      s->gen == k->gen)))
		s = s1;
	if (!appv_seq_try(&s->seq, &seq))
		return; /* another writer (a thread, a signal handler) */
	s->epoch = k->epoch;
	s->gen = k->gen;
	s->hash = k->hash;
	s->bits = k->bits;
	s->klen = (unsigned short)klen;
	if (k->blen)
		memcpy(s->text, k->base, k->blen); /* with its NUL */
	memcpy(s->text + k->blen, k->path, k->plen);
	s->vlen = (unsigned short)vlen;
	s->vsame = vsame;
	if (!vsame)
		memcpy(s->text + klen, res->vpath, vlen);
	s->r = r;
	s->layer = (unsigned char)res->layer;
	s->rule = (unsigned char)res->rule;
	s->changed = res->changed;
	s->merged_dir = res->merged_dir;
	s->no_host = res->no_host;
	s->image_file = res->image_file;
	s->mode = res->mode;
	appv_seq_done(&s->seq, seq);
}

/*
 * @k as the key of its path's first component: base "BASE/C1", path the
 * rest - the base slot a walk keeps that handed off below C1, a host-only
 * directory in a virtual base (resolve.c, first_handoff).  In @buf; false
 * when the path has no rest below a plain first component.
 */
static bool first_sub(const struct vfs_paths_key *k, char *buf, size_t cap,
		      struct vfs_paths_key *sub)
{
	const char *p = k->path, *rest;
	size_t n = strcspn(p, "/"), blen = k->blen - 1;

	rest = p + n;
	while (*rest == '/')
		rest++;
	if (n == 0 || !*rest || (n == 1 && p[0] == '.') ||
	    (n == 2 && p[0] == '.' && p[1] == '.') || blen + n + 2 > cap)
		return false;
	*sub = *k;
	sub->bits |= KEY_FIRST;
	memcpy(buf, k->base, blen);
	buf[blen] = '/';
	memcpy(buf + blen + 1, p, n);
	buf[blen + 1 + n] = '\0';
	sub->base = buf;
	sub->blen = blen + n + 2;
	sub->path = rest;
	sub->plen = k->plen - (size_t)(rest - p);
	return true;
}

static struct base_slot *base_of(struct vfs_paths *d,
				 const struct vfs_paths_key *k,
				 unsigned long long *h)
{
	*h = hash_more(APPV_HASH64_INIT ^ k->bits, k->base, k->blen);
	return &d->base[(*h ^ (*h >> 29)) % BASE_SLOTS];
}

/* vfs_paths_base_get of base slot @k. */
static bool base_lookup(const struct vfs *vfs, struct vfs_paths *d,
			const struct vfs_paths_key *k, struct vfs_res *res)
{
	unsigned long long h;
	struct base_slot *s;
	unsigned int seq;
	bool slash, changed;
	long long seen, age;
	int rule;

	s = base_of(d, k, &h);
	seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	if ((seq & 1) || s->epoch != k->epoch || s->gen != k->gen ||
	    s->hash != h || s->bits != k->bits || s->blen != k->blen ||
	    memcmp(s->base, k->base, k->blen))
		return false;
	rule = s->rule;
	changed = s->changed;
	seen = s->seen_us;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq)
		return false;
	/* A clock set back: too old, as the memory of the way says. */
	age = seen ? vfs_now_us() - seen : 0;
	if (age < 0 || age >= VFS_HOST_SEEN_US)
		return false;
	/* A trailing slash (or "."): the walk wants a directory there. */
	if (appv_path_join(k->base, k->path, res->vpath, PATH_MAX, &slash) <
		0 ||
	    slash)
		return false;
	res->layer = VFS_LAYER_HOST;
	res->rule = (enum vfs_rule)rule;
	res->changed = changed;
	res->mode = 0;
	return vfs_host_ops.real(vfs, res->vpath, res->real, PATH_MAX) >= 0;
}

bool vfs_paths_base_get(const struct vfs *vfs, const struct vfs_paths_key *k,
			struct vfs_res *res)
{
	struct vfs_paths *d = __atomic_load_n(&vfs->paths, __ATOMIC_ACQUIRE);
	struct vfs_paths_key sub;
	char sub_base[PATHS_TEXT];

	if (!d || !k->base || appv_path_has_dotdot(k->path))
		return false;
	/* A base with an upper copy hands off below the first component
	 * (a seed walk always does: its base is an upper directory). */
	if (!(k->bits & KEY_SEED) && base_lookup(vfs, d, k, res))
		return true;
	return first_sub(k, sub_base, sizeof(sub_base), &sub) &&
	       base_lookup(vfs, d, &sub, res);
}

void vfs_paths_base_put(const struct vfs *cvfs, const struct vfs_paths_key *k,
			const struct vfs_res *res, long long seen_us,
			bool first)
{
	struct vfs *vfs = (struct vfs *)cvfs; /* the lazily set pointer */
	char base[PATHS_TEXT], sub_base[PATHS_TEXT];
	struct vfs_paths_key sub;
	unsigned long long h;
	struct base_slot *s;
	struct vfs_paths *d;
	unsigned int seq;
	uint64_t epoch;
	int n;

	if (first) {
		if (!k->base || !first_sub(k, sub_base, sizeof(sub_base), &sub))
			return;
		k = &sub;
	}
	/* No rule below the base (the walk saw none on its own way). */
	if (!k->base ||
	    (n = appv_path_join("/", k->base, base, sizeof(base), NULL)) < 0 ||
	    vfs_rule_under(vfs, base, (size_t)n) ||
	    !vfs_upper_epoch(vfs, &epoch) || epoch != k->epoch ||
	    !vfs_upper_steady(vfs, k->gen) ||
	    !(d = vfs_map_once((void **)&vfs->paths, sizeof(struct vfs_paths))))
		return;
	s = base_of(d, k, &h);
	if (!appv_seq_try(&s->seq, &seq))
		return;
	s->epoch = k->epoch;
	s->gen = k->gen;
	s->hash = h;
	s->bits = k->bits;
	s->blen = (unsigned short)k->blen;
	memcpy(s->base, k->base, k->blen); /* with its NUL */
	s->rule = (unsigned char)res->rule;
	s->changed = res->changed;
	s->seen_us = seen_us;
	appv_seq_done(&s->seq, seq);
}
