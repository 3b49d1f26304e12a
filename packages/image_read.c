// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * packages/image_read.c - opening and verifying a package file.
 *
 * Trust boundary: the package file is untrusted input.  The trailer is
 * checked against the file size, the image against its SHA-256 (unless a
 * stamp in our own cache says this very file - same device, inode, size,
 * mtime and ctime - was verified before), and every structure is then read
 * through an sqfs_file_t that cannot see outside the image.  The tree walk
 * is ours rather than sqfs_dir_reader_get_full_hierarchy so that it can
 * bound depth, entry count and memory and reject hostile names, unsorted
 * or duplicate entries and special files before anything is materialised.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>

#include "../common/cleanup.h"
#include "../common/sys.h"
#include "../vfs/image_index.h"
#include "pkg_internal.h"

#define MAX_PATH_BYTES (128u << 20) /* sum of all entry path lengths */
/* Sum of the variable parts (file block lists, symlink targets) of the
 * inodes read: every name gets its own copy, sized from the stated file
 * size, and a sparse file's list of zeros compresses to nearly nothing.
 * 128 MiB of block lists is 4 TiB of content in 128 KiB blocks. */
#define MAX_INODE_BYTES (128u << 20)

/* Lazy per-file lookups may read this many directory entries (plus four
 * per file of the package) before the whole tree is walked instead: the
 * walk reads each entry once, so lookups never cost much more than it. */
#define LAZY_SCAN_MIN 65536

struct rctx {
	struct pkg *p;
	struct appv_diag *diag;
	size_t cap_ents, cap_files;
	uint64_t path_bytes;
	uint64_t inode_bytes;
};

/* One directory's entries, read completely before recursing (the reader
 * has one cursor). */
struct kid {
	char *name;
	sqfs_inode_generic_t *inode;
};

static int image_ensure(struct pkg *p, struct appv_diag *diag);

static int corrupt(struct rctx *c, const char *what, int sqfs_err)
{
	if (sqfs_err == SQFS_ERROR_ALLOC)
		return appv_diag_set(c->diag, -ENOMEM, "%s: out of memory",
				     c->p->path);
	return appv_diag_set(c->diag, -EINVAL, "%s: corrupt package image: "
			     "%s: %s", c->p->path, what,
			     pkg_sqfs_strerror(sqfs_err));
}

__attribute__((format(printf, 3, 4))) static int
hostile(struct rctx *c, const char *dir, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return appv_diag_set(c->diag, -EINVAL, "%s: rejected package image: "
			     "%s in %s", c->p->path, what, dir);
}

static bool inode_is_dir(const sqfs_inode_generic_t *in)
{
	return in->base.type == SQFS_INODE_DIR ||
	       in->base.type == SQFS_INODE_EXT_DIR;
}

static bool inode_is_file(const sqfs_inode_generic_t *in)
{
	return in->base.type == SQFS_INODE_FILE ||
	       in->base.type == SQFS_INODE_EXT_FILE;
}

static bool inode_is_slink(const sqfs_inode_generic_t *in)
{
	return in->base.type == SQFS_INODE_SLINK ||
	       in->base.type == SQFS_INODE_EXT_SLINK;
}

static void kids_free(struct kid *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(k[i].name);
		free(k[i].inode);
	}
	free(k);
}

static int check_name(struct rctx *c, const char *dir,
		      const sqfs_dir_entry_t *ent, const char *prev)
{
	const char *name = (const char *)ent->name;
	size_t len = strnlen(name, (size_t)ent->size + 2);

	if (len != (size_t)ent->size + 1)
		return hostile(c, dir, "an entry name with a NUL byte");
	if (len > NAME_MAX)
		return hostile(c, dir, "an entry name longer than %d bytes",
			       NAME_MAX);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return hostile(c, dir, "an entry named '%s'", name);
	if (strchr(name, '/'))
		return hostile(c, dir, "an entry name with '/' ('%s')", name);
	if (prev && strcmp(prev, name) >= 0)
		return hostile(c, dir, "unsorted or duplicate entry '%s'",
			       name);
	return 0;
}

/* Read the listing of directory @in completely. */
static int read_dir(struct rctx *c, const sqfs_inode_generic_t *in,
		    const char *dir, struct kid **out, size_t *nout)
{
	struct kid *k = NULL, *nk;
	sqfs_dir_entry_t *ent;
	size_t n = 0;
	int err;

	err = sqfs_dir_reader_open_dir(c->p->rd, in, 0);
	if (err)
		return corrupt(c, dir, err);
	while ((err = sqfs_dir_reader_read(c->p->rd, &ent)) == 0) {
		err = check_name(c, dir, ent, n ? k[n - 1].name : NULL);
		if (err == 0 && c->p->nents + n >= PKG_MAX_ENTRIES)
			err = hostile(c, dir, "more entries than allowed");
		nk = err ? NULL : realloc(k, (n + 1) * sizeof(*k));
		if (!err && !nk)
			err = appv_diag_set(c->diag, -ENOMEM, "out of memory");
		if (err) {
			sqfs_free(ent);
			kids_free(k, n);
			return err;
		}
		k = nk;
		k[n].name = strdup((const char *)ent->name);
		k[n].inode = NULL;
		sqfs_free(ent);
		n++;
		err = k[n - 1].name ? sqfs_dir_reader_get_inode(c->p->rd,
								&k[n - 1].inode)
				    : SQFS_ERROR_ALLOC;
		if (err) {
			kids_free(k, n);
			return corrupt(c, dir, err);
		}
		c->inode_bytes += k[n - 1].inode->payload_bytes_used;
		if (c->inode_bytes > MAX_INODE_BYTES) {
			kids_free(k, n);
			return hostile(c, dir, "inodes larger than allowed");
		}
	}
	if (err < 0) {
		kids_free(k, n);
		return corrupt(c, dir, err);
	}
	*out = k;
	*nout = n;
	return 0;
}

static int push_entry(struct rctx *c, char *path, sqfs_inode_generic_t *in,
		      uint32_t depth, struct pkg_entry **out)
{
	struct pkg *p = c->p;
	struct pkg_entry *e;
	char *xattrs = NULL;
	uint32_t xlen = 0;
	int err;

	err = pkg_xattr_read(p, in, &xattrs, &xlen);
	if (err == SQFS_ERROR_ALLOC)
		return -ENOMEM;
	if (err)
		return corrupt(c, path, err);
	if (p->nents == c->cap_ents) {
		size_t cap = c->cap_ents ? 2 * c->cap_ents : 64;
		e = realloc(p->ents, cap * sizeof(*e));
		if (!e) {
			free(xattrs);
			return -ENOMEM;
		}
		p->ents = e;
		c->cap_ents = cap;
	}
	e = &p->ents[p->nents++];
	memset(e, 0, sizeof(*e));
	e->path = path;
	e->mode = in->base.mode & 07777;
	e->mtime = in->base.mod_time;
	e->file_no = UINT32_MAX;
	e->depth = depth;
	e->xattrs = xattrs;
	e->xattrs_len = xlen;
	*out = e;
	return 0;
}

/* ---- hard links: inode number -> file_no of its first name ---- */

static uint32_t *hl_slot(struct pkg *p, uint32_t ino)
{
	size_t mask = p->hl_cap - 1, i = (ino * 2654435761u) & mask;

	while (p->hl_file[i] != UINT32_MAX && p->hl_ino[i] != ino)
		i = (i + 1) & mask;
	p->hl_ino[i] = ino;
	return &p->hl_file[i];
}

static int hl_grow(struct pkg *p)
{
	size_t old = p->hl_cap, cap = old ? 2 * old : 64;
	uint32_t *ino = malloc(cap * sizeof(*ino));
	uint32_t *file = malloc(cap * sizeof(*file));
	uint32_t *oino = p->hl_ino, *ofile = p->hl_file;

	if (!ino || !file) {
		free(ino);
		free(file);
		return -ENOMEM;
	}
	memset(file, 0xff, cap * sizeof(*file));
	p->hl_ino = ino;
	p->hl_file = file;
	p->hl_cap = cap;
	for (size_t i = 0; i < old; i++)
		if (ofile[i] != UINT32_MAX)
			*hl_slot(p, oino[i]) = ofile[i];
	free(oino);
	free(ofile);
	return 0;
}

/* The file_no already given to inode @ino, or UINT32_MAX after noting
 * @file_no for it; -ENOMEM as UINT32_MAX - 1. */
static uint32_t hl_lookup(struct pkg *p, uint32_t ino, uint32_t file_no)
{
	uint32_t *slot;

	if (2 * (p->hl_n + 1) > p->hl_cap && hl_grow(p) < 0)
		return UINT32_MAX - 1;
	slot = hl_slot(p, ino);
	if (*slot != UINT32_MAX)
		return *slot;
	*slot = file_no;
	p->hl_n++;
	return UINT32_MAX;
}

static bool same_file(const sqfs_inode_generic_t *a,
		      const sqfs_inode_generic_t *b)
{
	sqfs_u64 sa = 0, sb = 0, ba = 0, bb = 0;
	sqfs_u32 fa = 0, fb = 0, oa = 0, ob = 0;

	sqfs_inode_get_file_size(a, &sa);
	sqfs_inode_get_file_size(b, &sb);
	sqfs_inode_get_file_block_start(a, &ba);
	sqfs_inode_get_file_block_start(b, &bb);
	sqfs_inode_get_frag_location(a, &fa, &oa);
	sqfs_inode_get_frag_location(b, &fb, &ob);
	return a->base.type == b->base.type && a->base.mode == b->base.mode &&
	       a->base.mod_time == b->base.mod_time && sa == sb && ba == bb &&
	       fa == fb && oa == ob &&
	       a->payload_bytes_used == b->payload_bytes_used &&
	       memcmp(a->extra, b->extra, a->payload_bytes_used) == 0;
}

/* Another name of a file seen before: share its number (the image inode
 * must be the very same; its xattrs stay on the first name). */
static int add_link(struct rctx *c, struct pkg_entry *e,
		    const sqfs_inode_generic_t *in, uint32_t file_no)
{
	struct pkg *p = c->p;
	const struct pkg_entry *first = &p->ents[p->file_ent[file_no]];

	if (!same_file(p->files[file_no], in))
		return hostile(c, e->path, "two different inodes numbered %u "
			       "(first %s)", in->base.inode_number,
			       first->path);
	e->mode |= S_IFREG;
	e->size = first->size;
	e->file_no = file_no;
	free(e->xattrs);
	e->xattrs = NULL;
	e->xattrs_len = 0;
	p->nlinks++;
	return 0;
}

static int add_file(struct rctx *c, struct pkg_entry *e,
		    sqfs_inode_generic_t **in)
{
	struct pkg *p = c->p;
	sqfs_u64 size = 0;

	if ((*in)->base.type == SQFS_INODE_EXT_FILE &&
	    (*in)->data.file_ext.nlink > 1) {
		uint32_t fno = hl_lookup(p, (*in)->base.inode_number,
					 p->nfiles);
		if (fno == UINT32_MAX - 1)
			return -ENOMEM;
		if (fno != UINT32_MAX)
			return add_link(c, e, *in, fno);
	}

	if (p->nfiles == c->cap_files) {
		size_t cap = c->cap_files ? 2 * c->cap_files : 64;
		sqfs_inode_generic_t **f = realloc(p->files, cap * sizeof(*f));
		size_t *fe;

		if (!f)
			return -ENOMEM;
		p->files = f;
		fe = realloc(p->file_ent, cap * sizeof(*fe));
		if (!fe)
			return -ENOMEM;
		p->file_ent = fe;
		c->cap_files = cap;
	}
	sqfs_inode_get_file_size(*in, &size);
	if (size > (UINT64_C(1) << 50) || p->content_size + size <
					       p->content_size)
		return hostile(c, e->path, "an absurd file size");
	e->mode |= S_IFREG;
	e->size = size;
	e->file_no = p->nfiles;
	p->file_ent[p->nfiles] = (size_t)(e - p->ents);
	p->files[p->nfiles++] = steal_pointer(in);
	p->content_size += size;
	return 0;
}

static int add_slink(struct rctx *c, struct pkg_entry *e,
		     const sqfs_inode_generic_t *in)
{
	size_t len = in->data.slink.target_size;

	if (len == 0 || len >= PATH_MAX || len > in->payload_bytes_used ||
	    memchr(in->extra, '\0', len))
		return hostile(c, e->path, "a bad symlink target");
	e->target = strndup((const char *)in->extra, len);
	if (!e->target)
		return -ENOMEM;
	e->mode |= S_IFLNK;
	e->size = len;
	c->p->nsymlinks++;
	return 0;
}

static int walk(struct rctx *c, const sqfs_inode_generic_t *dir,
		const char *path, uint32_t depth);

static char *child_path(const char *dir, const char *name)
{
	char *s = NULL;

	if (asprintf(&s, "%s/%s", strcmp(dir, "/") ? dir : "", name) < 0)
		return NULL;
	return s;
}

static int walk_kid(struct rctx *c, const char *dir, struct kid *k,
		    uint32_t depth)
{
	struct pkg_entry *e;
	char *path = child_path(dir, k->name);
	int r;

	if (!path)
		return -ENOMEM;
	c->path_bytes += strlen(path);
	if (strlen(path) >= PATH_MAX || c->path_bytes > MAX_PATH_BYTES) {
		free(path);
		return hostile(c, dir, "paths too long");
	}
	r = push_entry(c, path, k->inode, depth, &e);
	if (r < 0) {
		free(path);
		return r;
	}
	if (inode_is_dir(k->inode)) {
		e->mode |= S_IFDIR;
		c->p->ndirs++;
		return walk(c, k->inode, e->path, depth + 1);
	}
	if (inode_is_file(k->inode))
		return add_file(c, e, &k->inode);
	if (inode_is_slink(k->inode))
		return add_slink(c, e, k->inode);
	return hostile(c, dir, "a device node, socket or fifo ('%s')",
		       k->name);
}

static int walk(struct rctx *c, const sqfs_inode_generic_t *dir,
		const char *path, uint32_t depth)
{
	_cleanup_free_ char *here = strdup(path); /* p->ents may move */
	struct kid *k = NULL;
	size_t n = 0;
	int r;

	if (!here)
		return -ENOMEM;
	if (depth > PKG_MAX_DEPTH)
		return hostile(c, here, "directories nested too deep");
	r = read_dir(c, dir, here, &k, &n);
	for (size_t i = 0; i < n && r == 0; i++)
		r = walk_kid(c, here, &k[i], depth);
	kids_free(k, n);
	return r;
}

/* ---- top level: appv.ini, fs/, registry.reg ---- */

static int read_inode_data(struct pkg *p, const sqfs_inode_generic_t *in,
			   char *buf, uint64_t size)
{
	uint64_t off = 0;

	while (off < size) {
		uint64_t want = size - off > (1u << 20) ? (1u << 20) :
							  size - off;
		sqfs_s32 r = sqfs_data_reader_read(p->data, in, off, buf + off,
						   (sqfs_u32)want);
		if (r <= 0)
			return r < 0 ? r : SQFS_ERROR_CORRUPTED;
		off += (uint64_t)r;
	}
	return 0;
}

static int load_manifest(struct rctx *c, const sqfs_inode_generic_t *in)
{
	struct pkg *p = c->p;
	_cleanup_free_ char *text = NULL;
	char name[PATH_MAX + 16];
	sqfs_u64 size = 0;
	int r;

	if (p->manifest_text)
		return 0; /* stamped open: parsed from the stamp already */
	if (!inode_is_file(in))
		return hostile(c, "/", "appv.ini that is not a file");
	sqfs_inode_get_file_size(in, &size);
	if (size > PKG_MAX_MANIFEST)
		return hostile(c, "/", "an oversized appv.ini");
	text = malloc(size + 1);
	if (!text)
		return -ENOMEM;
	r = read_inode_data(p, in, text, size);
	if (r)
		return corrupt(c, "appv.ini", r);
	text[size] = '\0';
	snprintf(name, sizeof(name), "%s:appv.ini", p->path);
	r = pkg_manifest_parse(text, size, name, &p->manifest, c->diag, NULL);
	if (r == 0) { /* kept for the verified stamp */
		p->manifest_text = steal_pointer(&text);
		p->manifest_len = size;
	}
	return r;
}

/* The root listing: appv.ini (parsed) and fs/ (kept for the walk).  The
 * root holds appv.ini, fs/ and registry.reg: this costs the same whatever
 * the package contains. */
static int load_top(struct rctx *c)
{
	struct pkg *p = c->p;
	sqfs_inode_generic_t *root = NULL, *ini = NULL;
	struct kid *k = NULL;
	size_t n = 0;
	int r;

	r = sqfs_dir_reader_get_root_inode(p->rd, &root);
	if (r)
		return corrupt(c, "root inode", r);
	r = inode_is_dir(root) ? read_dir(c, root, "/", &k, &n) :
				 hostile(c, "/", "a root that is not a "
					 "directory");
	sqfs_free(root);
	for (size_t i = 0; i < n && r == 0; i++) {
		if (strcmp(k[i].name, "fs") == 0 && inode_is_dir(k[i].inode))
			p->fs_inode = steal_pointer(&k[i].inode);
		else if (strcmp(k[i].name, "appv.ini") == 0)
			ini = k[i].inode;
	}
	if (r == 0 && (!ini || !p->fs_inode))
		r = appv_diag_set(c->diag, -EINVAL, "%s: not an appv package: "
				  "appv.ini or fs/ missing", p->path);
	if (r == 0)
		r = load_manifest(c, ini);
	kids_free(k, n);
	return r;
}

static void tree_free(struct pkg *p)
{
	for (uint32_t i = 0; i < p->nfiles; i++)
		sqfs_free(p->files[i]);
	free(p->files);
	free(p->file_ent);
	for (size_t i = 0; i < p->nents; i++) {
		free(p->ents[i].path);
		free(p->ents[i].target);
		free(p->ents[i].xattrs);
	}
	free(p->ents);
	free(p->hl_ino);
	free(p->hl_file);
	p->hl_ino = p->hl_file = NULL;
	p->hl_cap = p->hl_n = 0;
	p->nlinks = 0;
	p->xattr_bytes = 0;
	p->files = NULL;
	p->file_ent = NULL;
	p->ents = NULL;
	p->nents = 0;
	p->nfiles = 0;
	p->ndirs = p->nsymlinks = p->content_size = 0;
}

/* Walk and validate fs/ into p->ents and p->files (p->lock held, or @p not
 * shared yet).  On failure nothing is kept. */
static int tree_walk(struct pkg *p, struct appv_diag *diag)
{
	struct rctx c = { .p = p, .diag = diag };
	struct pkg_entry *e;
	char *root = strdup("/");
	int r;

	p->walks++;
	r = root ? push_entry(&c, root, p->fs_inode, 0, &e) : -ENOMEM;
	if (r < 0) {
		free(root);
	} else {
		e->mode |= S_IFDIR;
		r = walk(&c, p->fs_inode, "/", 1);
	}
	if (r < 0) {
		if (r == -ENOMEM)
			appv_diag_set(diag, r, "%s: out of memory", p->path);
		tree_free(p);
		return r;
	}
	p->walked = true;
	return 0;
}

/* p->lock held.  A failed walk is not retried: the image is bad. */
static int tree_load_locked(struct pkg *p, struct appv_diag *diag)
{
	int r;

	if (p->walked)
		return 0;
	if (p->walk_err)
		return appv_diag_set(diag, p->walk_err, "%s: the package image "
				     "failed validation", p->path);
	r = image_ensure(p, diag);
	if (r == 0)
		r = tree_walk(p, diag);
	if (r < 0)
		p->walk_err = r;
	return r;
}

int pkg_tree_load(struct pkg *p, struct appv_diag *diag)
{
	int r;

	pthread_mutex_lock(&p->lock);
	r = tree_load_locked(p, diag);
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* ---- one file by path: stamped and not walked (p->lock held) ---- */

/* Find the entry named by the @len bytes at @name in directory @dir (the
 * listing is sorted: stop at the first greater name). */
static int find_kid(struct pkg *p, const sqfs_inode_generic_t *dir,
		    const char *name, size_t len, sqfs_inode_generic_t **out)
{
	sqfs_dir_entry_t *ent;
	int err, cmp;

	if (!inode_is_dir(dir))
		return SQFS_ERROR_NOT_DIR;
	err = sqfs_dir_reader_open_dir(p->rd, dir, 0);
	while (err == 0 && (err = sqfs_dir_reader_read(p->rd, &ent)) == 0) {
		const char *have = (const char *)ent->name;

		p->lz_scanned++;
		cmp = strncmp(have, name, len);
		if (cmp == 0 && have[len] != '\0')
			cmp = 1;
		sqfs_free(ent);
		if (cmp == 0)
			return sqfs_dir_reader_get_inode(p->rd, out);
		if (cmp > 0)
			break;
	}
	return err < 0 ? err : SQFS_ERROR_NO_ENTRY;
}

/* The inode of virtual path @path (under fs/). */
static int find_path(struct pkg *p, const char *path,
		     sqfs_inode_generic_t **out)
{
	sqfs_inode_generic_t *cur = NULL, *next = NULL;
	size_t len;
	int err;

	for (const char *s = path;; s += len) {
		s += strspn(s, "/");
		if (!*s)
			break;
		len = strcspn(s, "/");
		err = find_kid(p, cur ? cur : p->fs_inode, s, len, &next);
		sqfs_free(cur);
		cur = NULL;
		if (err)
			return err;
		cur = steal_pointer(&next);
	}
	if (!cur)
		return SQFS_ERROR_NOT_FILE; /* "/" */
	*out = cur;
	return 0;
}

static int lazy_open_index(struct pkg *p, int dfd, struct appv_diag *diag)
{
	uint32_t n;
	int r;

	if (p->idx)
		return 0;
	r = vfs_index_open(dfd, "index", &p->idx);
	if (r < 0)
		return appv_diag_set(diag, r, "%s: reading the cache index: %s",
				     p->path, strerror(-r));
	n = vfs_index_nfiles(p->idx);
	p->lz_ents = calloc(n ? n : 1, sizeof(*p->lz_ents));
	p->lz_files = calloc(n ? n : 1, sizeof(*p->lz_files));
	if (!p->lz_ents || !p->lz_files) {
		free(steal_pointer(&p->lz_ents));
		free(steal_pointer(&p->lz_files));
		vfs_index_close(steal_pointer(&p->idx));
		return appv_diag_set(diag, -ENOMEM, "%s: out of memory",
				     p->path);
	}
	p->lz_n = n;
	return 0;
}

static int lazy_mismatch(struct pkg *p, const char *path, int sqfs_err,
			 struct appv_diag *diag)
{
	if (sqfs_err == SQFS_ERROR_ALLOC)
		return appv_diag_set(diag, -ENOMEM, "%s: out of memory",
				     p->path);
	return appv_diag_set(diag, -EIO, "%s: the cache index does not match "
			     "the image at %s: %s", p->path, path,
			     pkg_sqfs_strerror(sqfs_err));
}

static int lazy_lookup(struct pkg *p, int dfd, uint32_t file_no,
		       const struct pkg_entry **out, struct appv_diag *diag)
{
	sqfs_inode_generic_t *in = NULL;
	struct vfs_index_ent ve;
	struct pkg_entry *e;
	sqfs_u64 size = 0;
	int err;

	err = image_ensure(p, diag);
	if (err == 0)
		err = lazy_open_index(p, dfd, diag);
	if (err < 0)
		return err;
	if (file_no >= p->lz_n || vfs_index_file(p->idx, file_no, &ve) < 0)
		return appv_diag_set(diag, -ENOENT, "%s: no file number %u",
				     p->path, file_no);
	e = &p->lz_ents[file_no];
	if (e->path) {
		*out = e;
		return 0;
	}
	err = find_path(p, ve.path, &in);
	if (err == 0 && !inode_is_file(in))
		err = SQFS_ERROR_NOT_FILE;
	if (err == 0)
		sqfs_inode_get_file_size(in, &size);
	if (err == 0 && size != ve.size)
		err = SQFS_ERROR_CORRUPTED;
	if (err == 0 && !(e->path = strdup(ve.path)))
		err = SQFS_ERROR_ALLOC;
	if (err) {
		sqfs_free(in);
		return lazy_mismatch(p, ve.path, err, diag);
	}
	e->mode = S_IFREG | (in->base.mode & 07777);
	e->size = size;
	e->mtime = in->base.mod_time;
	e->file_no = file_no;
	p->lz_files[file_no] = in;
	*out = e;
	return 0;
}

int pkg_file_lookup(struct pkg *p, int image_dfd, uint32_t file_no,
		    const struct pkg_entry **out, struct appv_diag *diag)
{
	int r = 0;

	pthread_mutex_lock(&p->lock);
	if (!p->walked &&
	    p->lz_scanned > LAZY_SCAN_MIN + 4 * (uint64_t)p->lz_n)
		r = tree_load_locked(p, diag);
	if (r == 0 && p->walked) {
		if (file_no < p->nfiles)
			*out = &p->ents[p->file_ent[file_no]];
		else
			r = appv_diag_set(diag, -ENOENT, "%s: no file number "
					  "%u", p->path, file_no);
	} else if (r == 0) {
		r = lazy_lookup(p, image_dfd, file_no, out, diag);
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* ---- the container ---- */

static int read_trailer(struct pkg *p, struct appv_diag *diag)
{
	unsigned char raw[PKG_TRAILER_SIZE];
	uint64_t fsize = (uint64_t)p->st.st_size;
	uint64_t end;

	if (!S_ISREG(p->st.st_mode))
		return appv_diag_set(diag, -EINVAL, "%s: not a regular file",
				     p->path);
	if (fsize < PKG_TRAILER_SIZE ||
	    appv_pread(p->fd, raw, sizeof(raw),
		       (off_t)(fsize - PKG_TRAILER_SIZE)) != (ssize_t)sizeof(raw) ||
	    pkg_trailer_decode(raw, &p->tr) < 0)
		return appv_diag_set(diag, -EINVAL, "%s: not an appv package "
				     "(no valid trailer)", p->path);
	end = p->tr.image_offset + p->tr.image_size;
	if (end < p->tr.image_offset || end != fsize - PKG_TRAILER_SIZE ||
	    p->tr.image_size < sizeof(sqfs_super_t))
		return appv_diag_set(diag, -EINVAL, "%s: truncated or corrupt "
				     "package (image size does not match the "
				     "file)", p->path);
	pkg_hex(p->tr.sha256, PKG_SHA256_LEN, p->id);
	return 0;
}

/*
 * The verified stamp <cache>/<id>/verified: one line naming this very file
 * (device, inode, size, mtime, ctime) and the length of its appv.ini,
 * then appv.ini itself.  A matching stamp lets a run skip the hash, the
 * walk and every read of the image: the manifest comes from here.  The
 * stamp is as trusted as the cache it sits in (our own 0700 tree).
 */
#define STAMP_LINE_MAX 256

static void format_stamp(const struct stat *st, size_t manifest_len,
			 char *buf, size_t cap)
{
	snprintf(buf, cap, "appv-verified 2 %llu %llu %lld %lld.%09ld %lld.%09ld %zu\n",
		 (unsigned long long)st->st_dev,
		 (unsigned long long)st->st_ino, (long long)st->st_size,
		 (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		 (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec,
		 manifest_len);
}

/* The stamp's text, NUL-terminated, bounded; NULL when absent or odd. */
static char *read_stamp(const struct pkg *p, const char *cache_base,
			size_t *len)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;

	if (!cache_base || snprintf(path, sizeof(path), "%s/%s/verified",
				    cache_base, p->id) >= (int)sizeof(path))
		return NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || st.st_size > STAMP_LINE_MAX + PKG_MAX_MANIFEST)
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return NULL;
	if (appv_read_full(fd, buf, (size_t)st.st_size) < 0)
		return NULL;
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return steal_pointer(&buf);
}

/* True when the stamp names this file and its manifest parses (then
 * p->manifest and p->manifest_text are set). */
static bool stamp_load(struct pkg *p, const char *cache_base)
{
	_cleanup_free_ char *buf = NULL;
	char want[STAMP_LINE_MAX], name[PATH_MAX + 16];
	size_t len = 0, hdr, mlen;
	char *nl;

	buf = read_stamp(p, cache_base, &len);
	nl = buf ? memchr(buf, '\n', len) : NULL;
	if (!nl)
		return false;
	hdr = (size_t)(nl - buf) + 1;
	mlen = len - hdr;
	format_stamp(&p->st, mlen, want, sizeof(want));
	if (strlen(want) != hdr || memcmp(want, buf, hdr) != 0 ||
	    memchr(nl + 1, '\0', mlen))
		return false;
	snprintf(name, sizeof(name), "%s:appv.ini", p->path);
	if (pkg_manifest_parse(nl + 1, mlen, name, &p->manifest, NULL,
			       NULL) < 0) {
		pkg_manifest_release(&p->manifest);
		return false;
	}
	p->manifest_len = mlen;
	p->manifest_text = malloc(mlen + 1);
	if (!p->manifest_text) {
		pkg_manifest_release(&p->manifest);
		return false;
	}
	memcpy(p->manifest_text, nl + 1, mlen + 1);
	return true;
}

void pkg_stamp_write(const struct pkg *p, const char *cache_base)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 32], buf[STAMP_LINE_MAX];
	int fd;

	if (!cache_base || !p->hashed || !p->manifest_text ||
	    snprintf(dir, sizeof(dir), "%s/%s", cache_base, p->id) >=
		    (int)sizeof(dir))
		return;
	snprintf(tmp, sizeof(tmp), "%s/verified.tmpXXXXXX", dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return; /* no cache dir yet: pkg_cache_prepare retries */
	format_stamp(&p->st, p->manifest_len, buf, sizeof(buf));
	if (appv_write_full(fd, buf, strlen(buf)) == 0 &&
	    appv_write_full(fd, p->manifest_text, p->manifest_len) == 0 &&
	    close(fd) == 0) {
		snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir),
			 "/verified");
		if (rename(tmp, dir) == 0)
			return;
	} else {
		close(fd);
	}
	unlink(tmp);
}

static int verify_hash(struct pkg *p, struct appv_diag *diag)
{
	unsigned char sum[PKG_SHA256_LEN];
	int r;

	r = pkg_sha256_fd(p->fd, p->tr.image_offset, p->tr.image_size, sum);
	if (r < 0)
		return appv_diag_set(diag, r, "%s: reading: %s", p->path,
				     strerror(-r));
	if (memcmp(sum, p->tr.sha256, sizeof(sum)) != 0)
		return appv_diag_set(diag, -EINVAL, "%s: corrupt package: "
				     "image checksum mismatch", p->path);
	p->hashed = true;
	return 0;
}

static int open_image(struct pkg *p, struct rctx *c)
{
	sqfs_compressor_config_t cfg;
	int err;

	p->file = pkg_sqfs_file_new(p->fd, p->tr.image_offset,
				    p->tr.image_size);
	if (!p->file)
		return -ENOMEM;
	err = sqfs_super_read(&p->super, p->file);
	if (err)
		return corrupt(c, "super block", err);
	if (p->super.compression_id != SQFS_COMP_ZSTD)
		return appv_diag_set(c->diag, -EINVAL, "%s: unsupported image "
				     "compression (appv packages use zstd)",
				     p->path);
	if (p->super.bytes_used > p->tr.image_size)
		return corrupt(c, "super block", SQFS_ERROR_OUT_OF_BOUNDS);
	/* libsquashfs sizes its fragment table allocation from this count:
	 * keep it to what the image could hold (a fragment block takes more
	 * than 8 bytes) so a forged count cannot ask for gigabytes. */
	if (p->super.fragment_entry_count > PKG_MAX_ENTRIES ||
	    p->super.fragment_entry_count > p->tr.image_size / 8)
		return corrupt(c, "super block", SQFS_ERROR_CORRUPTED);
	err = sqfs_compressor_config_init(&cfg, SQFS_COMP_ZSTD,
					  p->super.block_size,
					  SQFS_COMP_FLAG_UNCOMPRESS);
	if (!err)
		err = sqfs_compressor_create(&cfg, &p->cmp);
	if (!err && (p->super.flags & SQFS_FLAG_COMPRESSOR_OPTIONS))
		err = p->cmp->read_options(p->cmp, p->file);
	if (err)
		return corrupt(c, "compressor", err);
	p->data = sqfs_data_reader_create(p->file, p->super.block_size,
					  p->cmp, 0);
	if (!p->data)
		return -ENOMEM;
	err = sqfs_data_reader_load_fragment_table(p->data, &p->super);
	if (err)
		return corrupt(c, "fragment table", err);
	p->rd = sqfs_dir_reader_create(&p->super, p->cmp, p->file, 0);
	if (!p->rd)
		return -ENOMEM;
	err = pkg_xattr_open(p);
	if (err == SQFS_ERROR_ALLOC)
		return -ENOMEM;
	return err ? corrupt(c, "xattr table", err) : 0;
}

/* The SquashFS readers, the root listing and (unless the stamp gave it) the
 * manifest: at open, or on first need after a stamped open (p->lock held,
 * or @p not shared yet).  A failure is sticky. */
static int image_ensure(struct pkg *p, struct appv_diag *diag)
{
	struct rctx c = { .p = p, .diag = diag };
	int r;

	if (p->image_open)
		return 0;
	if (p->image_err)
		return appv_diag_set(diag, p->image_err, "%s: the package image "
				     "failed validation", p->path);
	r = open_image(p, &c);
	if (r == 0)
		r = load_top(&c);
	if (r < 0)
		p->image_err = r;
	else
		p->image_open = true;
	return r;
}

static int open_pkg(struct pkg *p, const char *cache_base,
		    struct appv_diag *diag)
{
	int r;

	/* O_NONBLOCK: a FIFO without a writer would block the open; it
	 * fails the regular-file check below instead (no effect on reads
	 * of a regular file) */
	p->fd = open(p->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (p->fd < 0)
		return appv_diag_set(diag, -errno, "%s: %s", p->path,
				     strerror(errno));
	if (fstat(p->fd, &p->st) != 0)
		return appv_diag_set(diag, -errno, "%s: %s", p->path,
				     strerror(errno));
	r = read_trailer(p, diag);
	if (r == 0) {
		p->stamped = stamp_load(p, cache_base);
		/* stamped: this very file passed everything below before;
		 * the image is opened on first need (image_ensure) */
		if (p->stamped)
			return 0;
		r = verify_hash(p, diag);
	}
	if (r == 0)
		r = image_ensure(p, diag);
	if (r == 0)
		r = tree_walk(p, diag);
	if (r == -ENOMEM)
		appv_diag_set(diag, r, "%s: out of memory", p->path);
	if (r == 0) /* only now: hash, tree and manifest all passed */
		pkg_stamp_write(p, cache_base);
	return r;
}

int pkg_open(const char *path, const char *cache_base, struct pkg **out,
	     struct appv_diag *diag)
{
	struct pkg *p = calloc(1, sizeof(*p));
	int r;

	*out = NULL;
	if (!p || !(p->path = strdup(path))) {
		free(p);
		return appv_diag_set(diag, -ENOMEM, "%s: out of memory", path);
	}
	p->fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	r = open_pkg(p, cache_base, diag);
	if (r < 0) {
		pkg_free(p);
		return r;
	}
	*out = p;
	return 0;
}

void pkg_free(struct pkg *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i < p->lz_n; i++) {
		sqfs_free(p->lz_files[i]);
		free(p->lz_ents[i].path);
	}
	free(p->lz_files);
	free(p->lz_ents);
	vfs_index_close(p->idx);
	tree_free(p);
	sqfs_free(p->fs_inode);
	sqfs_destroy(p->xkv);
	sqfs_destroy(p->xr);
	sqfs_destroy(p->rd);
	sqfs_destroy(p->data);
	sqfs_destroy(p->cmp);
	sqfs_destroy(p->file);
	pkg_manifest_release(&p->manifest);
	free(p->manifest_text);
	if (p->fd >= 0)
		close(p->fd);
	pthread_mutex_destroy(&p->lock);
	free(p->path);
	free(p);
}

const char *pkg_id(const struct pkg *p)
{
	return p->id;
}

const char *pkg_path(const struct pkg *p)
{
	return p->path;
}

const struct pkg_manifest *pkg_get_manifest(const struct pkg *p)
{
	return &p->manifest;
}

int pkg_get_stats(struct pkg *p, struct pkg_stats *st)
{
	int r = pkg_tree_load(p, NULL);

	if (r < 0)
		return r;
	st->image_size = p->tr.image_size;
	st->file_size = (uint64_t)p->st.st_size;
	st->nfiles = p->nfiles;
	st->ndirs = p->ndirs;
	st->nsymlinks = p->nsymlinks;
	st->content_size = p->content_size;
	return 0;
}

/* Read up to @cap bytes of regular file @file_no at @off (cache.c). */
int pkg_read_file(struct pkg *p, uint32_t file_no, uint64_t off, void *buf,
		  size_t cap)
{
	const sqfs_inode_generic_t *in = NULL;
	sqfs_s32 r = -1;

	if (cap > INT32_MAX)
		cap = INT32_MAX;
	pthread_mutex_lock(&p->lock);
	if (file_no < p->lz_n && p->lz_files[file_no])
		in = p->lz_files[file_no];
	else if (p->walked && file_no < p->nfiles)
		in = p->files[file_no];
	if (in)
		r = sqfs_data_reader_read(p->data, in, off, buf,
					  (sqfs_u32)cap);
	pthread_mutex_unlock(&p->lock);
	if (!in)
		return -ENOENT;
	return r < 0 ? -EIO : (int)r;
}
