// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/image_index_write.c - builds the package index (layout in
 * image_index_internal.h).  Runs in the supervisor and tools only: it uses
 * malloc and is left out of the shim build.
 */
#ifndef APPV_SHIM
#include "image_index.h"
#include "image_index_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/path.h"
#include "../common/sys.h"

struct wnode {
	const char *path;
	size_t len;
	const struct vfs_index_ent *src; /* NULL: synthesised parent dir */
	char *owned;			 /* storage of a synthesised path */
	uint32_t depth;
	uint32_t parent;
	uint32_t child_first;
	uint32_t child_count;
	uint32_t file_no;
};

struct wbuild {
	struct wnode *nodes;
	size_t n, cap;
	uint32_t *by_path; /* node numbers sorted by path */
	uint32_t *link_src; /* input index -> input index of its link_to, or
			       UINT32_MAX */
};

static int cmp_path(const void *a, const void *b)
{
	const struct wnode *x = a, *y = b;

	return strcmp(x->path, y->path);
}

static int cmp_depth_path(const void *a, const void *b)
{
	const struct wnode *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int add_node(struct wbuild *b, const char *path, size_t len,
		    const struct vfs_index_ent *src, char *owned)
{
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		struct wnode *p = realloc(b->nodes, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		b->nodes = p;
		b->cap = ncap;
	}
	b->nodes[b->n++] = (struct wnode){.path = path,
					  .len = len,
					  .src = src,
					  .owned = owned,
					  .file_no = VFS_INDEX_NO_FILE};
	return 0;
}

static bool path_ok(const char *p)
{
	char norm[PATH_MAX];
	int r = appv_path_normalize(p, norm, sizeof(norm));

	return p[0] == '/' && r > 0 && strcmp(norm, p) == 0;
}

static size_t dirname_len(const struct wnode *w)
{
	size_t l = w->len;

	while (l > 1 && w->path[l - 1] != '/')
		l--;
	return l > 1 ? l - 1 : 1;
}

/* Binary search of the path-sorted node array (before the final sort). */
static struct wnode *find_sorted(struct wbuild *b, const char *p, size_t len)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(b->nodes[mid].path, p, len);

		if (c == 0 && b->nodes[mid].len != len)
			c = b->nodes[mid].len < len ? -1 : 1;
		if (c == 0)
			return &b->nodes[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Sort by path, reject duplicates of real entries, drop duplicate
 * synthesised ones. */
static int sort_dedupe(struct wbuild *b)
{
	size_t out = 0;

	qsort(b->nodes, b->n, sizeof(*b->nodes), cmp_path);
	for (size_t i = 0; i < b->n; i++) {
		struct wnode *w = &b->nodes[i];

		if (out && strcmp(b->nodes[out - 1].path, w->path) == 0) {
			if (w->src && b->nodes[out - 1].src)
				return -EINVAL;
			if (w->src) {
				free(b->nodes[out - 1].owned);
				b->nodes[out - 1] = *w;
			} else {
				free(w->owned);
			}
			continue;
		}
		b->nodes[out++] = *w;
	}
	b->n = out;
	return 0;
}

static int add_missing_parents(struct wbuild *b)
{
	for (;;) {
		size_t n = b->n, added = 0;
		int r = sort_dedupe(b);

		if (r < 0)
			return r;
		n = b->n;
		for (size_t i = 0; i < n; i++) {
			size_t dl = dirname_len(&b->nodes[i]);
			char *p;

			if (b->nodes[i].len == 1 ||
			    find_sorted(b, b->nodes[i].path, dl))
				continue;
			p = strndup(b->nodes[i].path, dl);
			if (!p || add_node(b, p, dl, NULL, p) < 0) {
				free(p);
				return -ENOMEM;
			}
			added++;
		}
		if (!added)
			return 0;
	}
}

static int link_tree(struct wbuild *b)
{
	struct wnode *sorted = b->nodes;

	/* Parents first, looked up in path order. */
	for (size_t i = 0; i < b->n; i++) {
		struct wnode *w = &sorted[i];
		struct wnode *p = find_sorted(b, w->path, dirname_len(w));

		if (!p || (p->src && !S_ISDIR(p->src->mode)))
			return -EINVAL;
		w->depth = 0;
		for (size_t k = 1; k < w->len; k++)
			w->depth += w->path[k] == '/';
		w->depth += w->len > 1;
		/* Index in path order for now; reorder() translates it. */
		w->parent = (uint32_t)(p - sorted);
	}
	return 0;
}

static void number_children(struct wbuild *b)
{
	for (size_t i = 0; i < b->n; i++) {
		b->nodes[i].child_first = 0;
		b->nodes[i].child_count = 0;
	}
	for (size_t i = 1; i < b->n; i++) {
		struct wnode *p = &b->nodes[b->nodes[i].parent];

		if (p->child_count == 0)
			p->child_first = (uint32_t)i;
		p->child_count++;
	}
}

/* After link_tree (parent = index in path order), sort by (depth, path) and
 * translate parent numbers into the new order. */
static int reorder(struct wbuild *b)
{
	uint32_t *newpos;

	/* child_first holds the path-order index across the sort. */
	for (size_t i = 0; i < b->n; i++)
		b->nodes[i].child_first = (uint32_t)i;
	qsort(b->nodes, b->n, sizeof(*b->nodes), cmp_depth_path);
	newpos = malloc(b->n * sizeof(*newpos));
	if (!newpos)
		return -ENOMEM;
	for (size_t i = 0; i < b->n; i++)
		newpos[b->nodes[i].child_first] = (uint32_t)i;
	for (size_t i = 0; i < b->n; i++)
		b->nodes[i].parent = newpos[b->nodes[i].parent];
	b->by_path = newpos;
	number_children(b);
	return 0;
}

/* While the nodes are sorted by path (before reorder): resolve each
 * link_to to the input index of an earlier regular file of the same size. */
static int resolve_links(struct wbuild *b, const struct vfs_index_ent *ents,
			 size_t n)
{
	b->link_src = malloc((n ? n : 1) * sizeof(*b->link_src));
	if (!b->link_src)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		const struct vfs_index_ent *e = &ents[k];
		const struct wnode *t;

		b->link_src[k] = UINT32_MAX;
		if (!e->link_to)
			continue;
		t = find_sorted(b, e->link_to, strlen(e->link_to));
		if (!S_ISREG(e->mode) || !t || !t->src || t->src >= e ||
		    !S_ISREG(t->src->mode) || t->src->size != e->size)
			return -EINVAL;
		b->link_src[k] = (uint32_t)(t->src - ents);
	}
	return 0;
}

/* Regular files are numbered in input order (hard links share the number
 * of their first name); returns their count or UINT32_MAX on allocation
 * failure. */
static uint32_t number_files(struct wbuild *b, const struct vfs_index_ent *ents,
			     size_t n)
{
	uint32_t *rank = calloc(n ? n : 1, sizeof(*rank));
	uint32_t nfiles = 0;

	if (!rank)
		return UINT32_MAX;
	for (size_t k = 0; k < n; k++) {
		if (b->link_src[k] != UINT32_MAX)
			rank[k] = rank[b->link_src[k]];
		else
			rank[k] = S_ISREG(ents[k].mode) ? nfiles++
							: VFS_INDEX_NO_FILE;
	}
	for (size_t i = 0; i < b->n; i++) {
		struct wnode *w = &b->nodes[i];

		if (w->src)
			w->file_no = rank[w->src - ents];
	}
	free(rank);
	return nfiles;
}

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~(uint64_t)7;
}

static size_t target_len(const struct wnode *w)
{
	if (!w->src || !S_ISLNK(w->src->mode) || !w->src->target)
		return 0;
	return strlen(w->src->target);
}

static int layout(struct wbuild *b, uint32_t nfiles, struct idx_header *h)
{
	uint64_t strings = 0;
	uint32_t nb = 8;

	while (nb <= b->n * 2)
		nb *= 2;
	for (size_t i = 0; i < b->n; i++) {
		strings += b->nodes[i].len + 1;
		if (b->nodes[i].src && S_ISLNK(b->nodes[i].src->mode))
			strings += target_len(&b->nodes[i]) + 1;
	}
	if (strings >= UINT32_MAX || b->n > IDX_MAX_ENTS)
		return -EFBIG;
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, IDX_MAGIC, 8);
	h->version = IDX_VERSION;
	h->nents = (uint32_t)b->n;
	h->nbuckets = nb;
	h->nfiles = nfiles;
	h->ents_off = align8(sizeof(*h));
	h->buckets_off = h->ents_off + b->n * sizeof(struct idx_entry);
	h->files_off = align8(h->buckets_off + (uint64_t)nb * 4);
	h->strings_off = align8(h->files_off + (uint64_t)nfiles * 4);
	h->strings_size = strings;
	h->total_size = h->strings_off + strings;
	return 0;
}

static uint32_t put_string(char *strings, uint64_t *used, const char *s,
			   size_t len)
{
	uint32_t off = (uint32_t)*used;

	memcpy(strings + off, s, len);
	strings[off + len] = '\0';
	*used += len + 1;
	return off;
}

static void fill_entry(struct idx_entry *e, const struct wnode *w,
		       char *strings, uint64_t *used)
{
	const struct vfs_index_ent *s = w->src;

	memset(e, 0, sizeof(*e));
	e->hash = appv_hash64(w->path, w->len);
	e->path_off = put_string(strings, used, w->path, w->len);
	e->path_len = (uint32_t)w->len;
	e->target_off = IDX_NO_TARGET;
	if (s && S_ISLNK(s->mode)) {
		e->target_len = (uint32_t)target_len(w);
		e->target_off = put_string(
		    strings, used, s->target ? s->target : "", e->target_len);
	}
	e->mode = s ? (uint32_t)s->mode : (uint32_t)(S_IFDIR | 0755);
	e->uid = s ? s->uid : 0;
	e->gid = s ? s->gid : 0;
	e->size = s ? s->size : 0;
	e->mtime = s ? s->mtime : 0;
	e->mtime_nsec = s ? s->mtime_nsec : 0;
	e->file_no = w->file_no;
	e->parent = w->parent;
	e->child_first = w->child_first;
	e->child_count = w->child_count;
}

static void serialise(const struct wbuild *b, const struct idx_header *h,
		      unsigned char *buf)
{
	struct idx_entry *ents = (void *)(buf + h->ents_off);
	uint32_t *buckets = (void *)(buf + h->buckets_off);
	uint32_t *files = (void *)(buf + h->files_off);
	char *strings = (char *)buf + h->strings_off;
	uint32_t mask = h->nbuckets - 1;
	uint64_t used = 0;

	memcpy(buf, h, sizeof(*h));
	memset(buckets, 0xff, (size_t)h->nbuckets * 4);
	for (size_t i = 0; i < b->n; i++) {
		uint32_t slot;

		fill_entry(&ents[i], &b->nodes[i], strings, &used);
		/* the name without link_to stands for the file */
		if (ents[i].file_no != VFS_INDEX_NO_FILE &&
		    !b->nodes[i].src->link_to)
			files[ents[i].file_no] = (uint32_t)i;
		slot = (uint32_t)ents[i].hash & mask;
		while (buckets[slot] != IDX_EMPTY)
			slot = (slot + 1) & mask;
		buckets[slot] = (uint32_t)i;
	}
}

static int write_atomic(int dirfd, const char *name, const void *buf,
			size_t len)
{
	static unsigned int seq;
	char tmp[PATH_MAX];
	int fd = -1, r;

	if (!name[0] || strchr(name, '/'))
		return -EINVAL; /* a name in @dirfd, not a path */
	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		r = snprintf(tmp, sizeof(tmp), ".%s.tmp.%d.%u", name,
			     (int)getpid(),
			     __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
		if (r < 0 || (size_t)r >= sizeof(tmp))
			return -ENAMETOOLONG;
		fd = appv_openat(dirfd, tmp,
				 O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && fd != -EEXIST)
			return fd;
	}
	if (fd < 0)
		return fd;
	r = appv_write_full(fd, buf, len);
	if (r == 0)
		r = (int)APPV_SYS(SYS_fsync, fd, 0, 0, 0, 0, 0);
	appv_close(fd);
	if (r == 0)
		r = appv_renameat(dirfd, tmp, dirfd, name);
	if (r < 0)
		appv_unlinkat(dirfd, tmp, 0);
	return r;
}

static int collect(struct wbuild *b, const struct vfs_index_ent *ents, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		if (!ents[i].path || !path_ok(ents[i].path) ||
		    (S_ISLNK(ents[i].mode) && !ents[i].target))
			return -EINVAL;
		r = add_node(b, ents[i].path, strlen(ents[i].path), &ents[i],
			     NULL);
	}
	if (r == 0)
		r = add_node(b, "/", 1, NULL, NULL);
	return r;
}

static int build_and_write(struct wbuild *b, int dirfd, const char *name,
			   const struct vfs_index_ent *ents, size_t n)
{
	struct idx_header h;
	unsigned char *buf;
	uint32_t nfiles;
	int r;

	if (n >= IDX_MAX_ENTS)
		return -EFBIG;
	r = collect(b, ents, n);
	if (r == 0)
		r = add_missing_parents(b);
	if (r == 0 && (!b->nodes[0].src || S_ISDIR(b->nodes[0].src->mode)))
		r = link_tree(b);
	else if (r == 0)
		r = -EINVAL;
	if (r == 0)
		r = resolve_links(b, ents, n);
	if (r == 0)
		r = reorder(b);
	if (r < 0)
		return r;
	nfiles = number_files(b, ents, n);
	if (nfiles == UINT32_MAX)
		return -ENOMEM;
	r = layout(b, nfiles, &h);
	if (r < 0)
		return r;
	buf = calloc(1, h.total_size);
	if (!buf)
		return -ENOMEM;
	serialise(b, &h, buf);
	r = write_atomic(dirfd, name, buf, h.total_size);
	free(buf);
	return r < 0 ? r : (int)nfiles;
}

int vfs_index_write(int dirfd, const char *name,
		    const struct vfs_index_ent *ents, size_t n)
{
	struct wbuild b = {0};
	int r = build_and_write(&b, dirfd, name, ents, n);

	for (size_t i = 0; i < b.n; i++)
		free(b.nodes[i].owned);
	free(b.nodes);
	free(b.by_path);
	free(b.link_src);
	return r;
}
#endif
