// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/merge_gc.c - superseded merged listings, removed once nobody holds
 * them (supervisor only).
 *
 * A listing (merge.c) stays as long as a process may list it: one entry
 * per visible name, a tmpfs inode each, under /dev/shm, which the whole
 * host shares.  A cached one superseded by a newer listing of its
 * directory, and every uncached one (a directory changed too recently to
 * be trusted later), is noted here once handed out.  When the notes pass
 * a budget (MGC_LISTINGS listings or MGC_ENTRIES entries more than were
 * held at the last scan), the caller looks for who holds them - every
 * descriptor, cwd and root it can see in /proc, vfs_merge_gc_hold - and
 * vfs_merge_gc_sweep removes the others.  The caller scans only between
 * two notifications: a listing handed over has been installed in its
 * process by then, and none is on its way.  One still held is kept and
 * looked at again at the next scan.  Listing numbers are never reused,
 * so a path that names a removed listing names nothing ever after.
 *
 * The notes live in an anonymous mapping: the file is in the shim's build
 * too, which never calls malloc.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "../common/sys.h"
#include "vfs_internal.h"

#define MGC_LISTINGS 8
#define MGC_ENTRIES 32768UL

/* One superseded listing: @size bytes (a multiple of 8), its path last. */
struct gc_rec {
	unsigned long seq; /* its <merge_root>/[c]<seq> */
	unsigned long nents;
	uint32_t size;
	bool held; /* seen in use by this scan */
	char path[];
};

struct merge_gc {
	size_t cap;		/* bytes mapped, this header included */
	size_t used;		/* bytes of records after the header */
	unsigned long n;	/* listings noted and not removed, */
	unsigned long ents;	/* ...and their entries */
	unsigned long due_n;	/* a scan is due at this many, */
	unsigned long due_ents; /* ...or this many entries */
};

#define MGC_HDR ((sizeof(struct merge_gc) + 7) & ~(size_t)7)

static struct gc_rec *rec_at(struct merge_gc *g, size_t off)
{
	return (struct gc_rec *)((char *)g + MGC_HDR + off);
}

/* Room for @len more bytes of records; false without memory. */
static bool gc_room(struct vfs *vfs, size_t len)
{
	struct merge_gc *g = vfs->mgc, *ng;
	size_t cap = g ? g->cap : 0;

	if (g && MGC_HDR + g->used + len <= g->cap)
		return true;
	while (cap < MGC_HDR + (g ? g->used : 0) + len)
		cap = cap ? 2 * cap : 64 * 1024;
	ng = appv_mmap(NULL, cap, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (appv_mmap_failed(ng))
		return false;
	if (g) {
		memcpy(ng, g, MGC_HDR + g->used);
		appv_munmap(g, g->cap);
	} else {
		memset(ng, 0, MGC_HDR);
		ng->due_n = MGC_LISTINGS;
		ng->due_ents = MGC_ENTRIES;
	}
	ng->cap = cap;
	vfs->mgc = ng;
	return true;
}

void vfs_merge_retire(struct vfs *vfs, const char *listing, unsigned long seq,
		      unsigned long nents)
{
	size_t pl = strlen(listing) + 1;
	size_t size = (sizeof(struct gc_rec) + pl + 7) & ~(size_t)7;
	struct gc_rec *r;

	/* Without memory for the note, it stays to the session's end, as
	 * every listing did before. */
	if (!seq || !gc_room(vfs, size))
		return;
	r = rec_at(vfs->mgc, vfs->mgc->used);
	r->seq = seq;
	r->nents = nents;
	r->size = (uint32_t)size;
	r->held = false;
	memcpy(r->path, listing, pl);
	vfs->mgc->used += size;
	vfs->mgc->n++;
	vfs->mgc->ents += nents;
}

/* Drop the records for which @drop says so, keeping the others' order. */
static void gc_compact(struct vfs *vfs,
		       bool (*drop)(struct vfs *vfs, struct gc_rec *r,
				    void *ctx),
		       void *ctx)
{
	struct merge_gc *g = vfs->mgc;
	size_t in = 0, out = 0;

	while (in < g->used) {
		struct gc_rec *r = rec_at(g, in);
		size_t size = r->size;

		in += size;
		if (drop(vfs, r, ctx)) {
			g->n--;
			g->ents -= r->nents;
			continue;
		}
		if (out != in - size)
			memmove(rec_at(g, out), r, size);
		out += size;
	}
	g->used = out;
}

static bool same_seq(struct vfs *vfs, struct gc_rec *r, void *ctx)
{
	return r->seq == *(unsigned long *)ctx;
}

void vfs_merge_unretire(struct vfs *vfs, unsigned long seq)
{
	if (vfs->mgc && seq)
		gc_compact(vfs, same_seq, &seq);
}

bool vfs_merge_gc_due(const struct vfs *vfs)
{
	const struct merge_gc *g = vfs->mgc;

	return g && g->n && (g->n >= g->due_n || g->ents >= g->due_ents);
}

void vfs_merge_gc_hold(struct vfs *vfs, const char *real)
{
	struct merge_gc *g = vfs->mgc;
	/* Whatever follows the number - the listing's vpath, a placeholder
	 * below it, the kernel's " (deleted)" - it is that listing's. */
	unsigned long seq = g ? vfs_listing_seq(vfs, real) : 0;

	if (!seq)
		return;
	for (size_t off = 0; off < g->used; off += rec_at(g, off)->size)
		if (rec_at(g, off)->seq == seq)
			rec_at(g, off)->held = true;
}

/* Remove an unheld listing; a failure other than its absence keeps its
 * record for the next scan.  A held one is unmarked. */
static bool sweep_one(struct vfs *vfs, struct gc_rec *r, void *ctx)
{
	bool *remove = ctx;
	int e;

	if (r->held || !*remove) {
		r->held = false;
		return false;
	}
	e = vfs_listing_remove(vfs, r->path);
	return e == 0 || e == -ENOENT;
}

void vfs_merge_gc_sweep(struct vfs *vfs, bool remove)
{
	struct merge_gc *g = vfs->mgc;

	if (!g)
		return;
	gc_compact(vfs, sweep_one, &remove);
	/* What is held now waits for as many again, not for the next one
	 * (a program may keep a few listings open for its whole run). */
	g->due_n = g->n + MGC_LISTINGS;
	g->due_ents = g->ents + MGC_ENTRIES;
}

void vfs_merge_gc_free(struct vfs *vfs)
{
	if (vfs->mgc)
		appv_munmap(vfs->mgc, vfs->mgc->cap);
	vfs->mgc = NULL;
}
