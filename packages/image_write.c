// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * packages/image_write.c - `appv build`: SRC_DIR -> package file.
 *
 * The image is assembled with libsquashfs's low-level writers, as its own
 * gensquashfs does: file data goes through a block processor (zstd, 128 KiB
 * blocks, fragments, deduplication) while the tree is walked; then inodes
 * and directory listings are written children first, then the fragment and
 * id tables and the final super block.  Ownership is not kept: every inode
 * is uid/gid 0.  The result goes to OUT.tmpXXXXXX, gets its trailer, is
 * fsync'ed and renamed over OUT; on any failure the temp file is removed.
 */
#include <dirent.h>
#include <errno.h>
#include <search.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqfs/block_processor.h>
#include <sqfs/block_writer.h>
#include <sqfs/compressor.h>
#include <sqfs/dir_writer.h>
#include <sqfs/error.h>
#include <sqfs/frag_table.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/meta_writer.h>
#include <sqfs/super.h>
#include <sqfs/xattr_writer.h>

#include "../common/cleanup.h"
#include "../common/path.h"
#include "../common/sys.h"
#include "pkg_internal.h"

#define BLOCK_SIZE (128 * 1024)
#define NUM_WORKERS 2
#define SQFS_NAME_MAX 256

struct wnode {
	char *name;
	mode_t mode;
	int64_t mtime;
	char *target;		     /* symlinks */
	sqfs_inode_generic_t *inode; /* regular files: owned by the block
					processor until it finishes */
	struct wnode **kids;
	size_t nkids;
	uint32_t ino;
	uint64_t ref;	     /* inode reference: block << 16 | offset */
	uint32_t xattr;	     /* xattr writer token or PKG_NO_XATTR */
	struct wnode *link;  /* another name of this regular file (the
				first one seen, which holds inode and data) */
	uint32_t nlink;	     /* regular files: names of the inode */
	bool written;	     /* inode written (ref valid) */
};

/* (st_dev, st_ino) of a regular file under fs/ with st_nlink > 1 */
struct hlink {
	dev_t dev;
	ino_t ino;
	struct wnode *first;
};

struct wctx {
	const char *src;
	struct appv_diag *diag, *warn;
	char *buf; /* BLOCK_SIZE read buffer */
	size_t nentries;
	uint32_t next_ino;
	bool in_file, finished; /* block processor state, for clean-up */
	sqfs_super_t super;
	sqfs_file_t *file;
	sqfs_compressor_t *cmp;
	sqfs_block_writer_t *bw;
	sqfs_frag_table_t *frag;
	sqfs_block_processor_t *proc;
	sqfs_meta_writer_t *im, *dm;
	sqfs_dir_writer_t *dirw;
	sqfs_id_table_t *ids;
	sqfs_xattr_writer_t *xwr;
	void *links; /* tsearch tree of struct hlink */
};

static void wnode_free(struct wnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		wnode_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->target);
	free(n->inode);
	free(n);
}

static struct wnode *wnode_new(const char *name, const struct stat *st)
{
	struct wnode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = strdup(name);
	if (!n->name) {
		free(n);
		return NULL;
	}
	n->mode = st->st_mode & (S_IFMT | 07777);
	n->mtime = st->st_mtime;
	n->xattr = PKG_NO_XATTR;
	n->nlink = 1;
	return n;
}

static int add_kid(struct wnode *dir, struct wnode *kid)
{
	struct wnode **k = realloc(dir->kids, (dir->nkids + 1) * sizeof(*k));

	if (!k)
		return -ENOMEM;
	dir->kids = k;
	k[dir->nkids++] = kid;
	return 0;
}

static int sqfs_fail(struct wctx *c, int err, const char *what)
{
	return appv_diag_set(c->diag, pkg_sqfs_errno(err) ? pkg_sqfs_errno(err)
							  : -EIO,
			     "%s: %s: %s", c->src, what, pkg_sqfs_strerror(err));
}

/* ---- data ---- */

/* The next piece of @fd's data at @pos into c->buf: its length, 0 at the
 * end, or -errno.  Holes of a sparse file (@sparse) are not read, which
 * would have the kernel zero every page of them (a 5 GiB sparse file cost
 * ten seconds of system time): their zeros are handed on from memory,
 * and the block processor keeps whole zero blocks as sparse ones.
 * *@data and *@hole (0 at the start) are where the data found by the
 * last SEEK_DATA starts and ends. */
static ssize_t read_piece(struct wctx *c, int fd, off_t pos, bool sparse,
			  off_t *data, off_t *hole)
{
	ssize_t r;

	if (sparse && pos >= *hole) {
		*data = lseek(fd, pos, SEEK_DATA);
		if (*data < 0 && errno == ENXIO) /* a hole to the end */
			*data = *hole = lseek(fd, 0, SEEK_END);
		else if (*data >= 0)
			*hole = lseek(fd, *data, SEEK_HOLE);
		if (*data < 0 || *hole < 0) { /* not told: read it all */
			*data = pos;
			*hole = INT64_MAX;
		}
	}
	if (sparse && *data > pos) {
		r = *data - pos < BLOCK_SIZE ? (ssize_t)(*data - pos)
					     : BLOCK_SIZE;
		memset(c->buf, 0, (size_t)r);
		return r;
	}
	do
		r = pread(fd, c->buf, BLOCK_SIZE, pos);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

static int add_file_data(struct wctx *c, int dirfd, const char *name,
			 struct wnode *n, const char *rel)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	off_t pos = 0, data = 0, hole = 0;
	bool sparse;
	ssize_t r;
	int err;

	/* O_NONBLOCK: a file swapped for a FIFO since the walk's lstat must
	 * not block the build (it is refused below). */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
					 O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0)
		return appv_diag_set(c->diag, -errno, "%s/%s: %s", c->src, rel,
				     strerror(errno));
	if (!S_ISREG(st.st_mode))
		return appv_diag_set(c->diag, -EINVAL, "%s/%s: no longer a "
				     "regular file (the tree changed while "
				     "it was packed)", c->src, rel);
	sparse = (off_t)st.st_blocks * 512 < st.st_size;
	err = sqfs_block_processor_begin_file(c->proc, &n->inode, NULL, 0);
	if (err)
		return sqfs_fail(c, err, "writing file data");
	c->in_file = true;
	for (;;) {
		r = read_piece(c, fd, pos, sparse, &data, &hole);
		if (r < 0)
			return appv_diag_set(c->diag, (int)r, "%s/%s: %s",
					     c->src, rel, strerror((int)-r));
		if (r == 0)
			break;
		err = sqfs_block_processor_append(c->proc, c->buf, (size_t)r);
		if (err)
			return sqfs_fail(c, err, "writing file data");
		pos += r;
	}
	c->in_file = false;
	err = sqfs_block_processor_end_file(c->proc);
	return err ? sqfs_fail(c, err, "writing file data") : 0;
}

/* ---- walking SRC_DIR/fs ---- */

static int walk_dir(struct wctx *c, int dirfd, struct wnode *dir, char *rel,
		    size_t rlen, unsigned depth);

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of @dirfd's entries (SquashFS listings are sorted). */
static int list_names(int dirfd, char ***out, size_t *nout)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	char **v = NULL, **nv;
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	rewinddir(d);
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv || !(nv[n] = strdup(de->d_name))) {
			v = nv ? nv : v;
			goto nomem;
		}
		v = nv;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_names);
	*out = v;
	*nout = n;
	return 0;
nomem:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return -ENOMEM;
}

static int add_symlink(struct wctx *c, int dirfd, const char *name,
		       struct wnode *n, const struct stat *st, const char *rel)
{
	char buf[PATH_MAX];
	ssize_t len = readlinkat(dirfd, name, buf, sizeof(buf));

	if (len < 0)
		return appv_diag_set(c->diag, -errno, "%s/%s: %s", c->src, rel,
				     strerror(errno));
	if ((size_t)len >= sizeof(buf) || len == 0)
		return appv_diag_set(c->diag, -EINVAL, "%s/%s: symlink target "
				     "empty or too long", c->src, rel);
	n->target = strndup(buf, (size_t)len);
	return n->target ? 0 : -ENOMEM;
}

static int cmp_hlink(const void *a, const void *b)
{
	const struct hlink *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

/* A regular file with several names: 1 if @n is another name of a file
 * already added (it then has no data of its own), 0 if it is the first. */
static int note_link(struct wctx *c, struct wnode *n, const struct stat *st)
{
	struct hlink *h = malloc(sizeof(*h)), **slot;

	if (!h)
		return -ENOMEM;
	*h = (struct hlink){ .dev = st->st_dev, .ino = st->st_ino, .first = n };
	slot = tsearch(h, &c->links, cmp_hlink);
	if (!slot) {
		free(h);
		return -ENOMEM;
	}
	if (*slot == h)
		return 0;
	free(h);
	n->link = (*slot)->first;
	n->link->nlink++;
	return 1;
}

static int add_xattrs(struct wctx *c, struct wnode *n, const char *rel)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", c->src, rel);
	return pkg_xattr_collect(c->xwr, path, path, &n->xattr, c->diag,
				 c->warn);
}

static int add_entry(struct wctx *c, int dirfd, struct wnode *dir,
		     const char *name, char *rel, size_t rlen, unsigned depth)
{
	struct stat st;
	struct wnode *n;
	int r;

	if (strlen(name) >= SQFS_NAME_MAX)
		return appv_diag_set(c->diag, -ENAMETOOLONG, "%s/%s: name "
				     "longer than %d bytes", c->src, rel,
				     SQFS_NAME_MAX - 1);
	if (++c->nentries > PKG_MAX_ENTRIES)
		return appv_diag_set(c->diag, -EFBIG, "%s: more than %u "
				     "entries under fs/", c->src,
				     PKG_MAX_ENTRIES);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return appv_diag_set(c->diag, -errno, "%s/%s: %s", c->src, rel,
				     strerror(errno));
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return appv_diag_set(c->diag, -EINVAL, "%s/%s: device nodes "
				     "cannot be packaged", c->src, rel);
	if (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode))
		return appv_diag_set(c->diag, -EINVAL, "%s/%s: sockets and "
				     "named pipes cannot be packaged", c->src,
				     rel);
	n = wnode_new(name, &st);
	if (!n || add_kid(dir, n) < 0) {
		wnode_free(n);
		return appv_diag_set(c->diag, -ENOMEM, "%s: out of memory",
				     c->src);
	}
	r = add_xattrs(c, n, rel);
	if (r < 0)
		return r;
	if (S_ISLNK(st.st_mode))
		return add_symlink(c, dirfd, name, n, &st, rel);
	if (S_ISREG(st.st_mode) && depth > 0 && st.st_nlink > 1) {
		r = note_link(c, n, &st);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	if (S_ISREG(st.st_mode))
		return add_file_data(c, dirfd, name, n, rel);
	r = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r < 0)
		return appv_diag_set(c->diag, -errno, "%s/%s: %s", c->src, rel,
				     strerror(errno));
	{
		_cleanup_close_ int fd = r;
		return walk_dir(c, fd, n, rel, rlen, depth + 1);
	}
}

static int walk_dir(struct wctx *c, int dirfd, struct wnode *dir, char *rel,
		    size_t rlen, unsigned depth)
{
	char **names = NULL;
	size_t n = 0, i, nl;
	int r;

	if (depth > PKG_MAX_DEPTH)
		return appv_diag_set(c->diag, -ELOOP, "%s/%s: directories "
				     "nested deeper than %d", c->src, rel,
				     PKG_MAX_DEPTH);
	r = list_names(dirfd, &names, &n);
	if (r < 0)
		return appv_diag_set(c->diag, r, "%s/%s: %s", c->src, rel,
				     strerror(-r));
	for (i = 0; i < n && r == 0; i++) {
		nl = strlen(names[i]);
		if (rlen + 1 + nl >= PATH_MAX) {
			r = appv_diag_set(c->diag, -ENAMETOOLONG, "%s/%s/%s: "
					  "path too long", c->src, rel,
					  names[i]);
			break;
		}
		rel[rlen] = '/';
		memcpy(rel + rlen + 1, names[i], nl + 1);
		r = add_entry(c, dirfd, dir, names[i], rel, rlen + 1 + nl,
			      depth);
		rel[rlen] = '\0';
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

/* ---- inodes and directories, children before parents ---- */

/* Inode numbers children first; other names of a hard-linked file get
 * no number of their own (write_inode copies the first name's). */
static void number_tree(struct wctx *c, struct wnode *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		number_tree(c, n->kids[i]);
	if (!n->link)
		n->ino = ++c->next_ino;
}

static sqfs_inode_generic_t *slink_inode(const struct wnode *n)
{
	size_t len = strlen(n->target);
	sqfs_inode_generic_t *in = calloc(1, sizeof(*in) + len);

	if (!in)
		return NULL;
	in->base.type = SQFS_INODE_SLINK;
	in->data.slink.nlink = 1;
	in->data.slink.target_size = (sqfs_u32)len;
	in->payload_bytes_available = (sqfs_u32)len;
	in->payload_bytes_used = (sqfs_u32)len;
	memcpy(in->extra, n->target, len);
	return in;
}

static sqfs_inode_generic_t *dir_inode(struct wctx *c, struct wnode *n,
				       uint32_t parent_ino, int *err)
{
	sqfs_inode_generic_t *in;
	size_t nlink = 2;

	*err = sqfs_dir_writer_begin(c->dirw, 0);
	for (size_t i = 0; i < n->nkids && !*err; i++) {
		struct wnode *k = n->kids[i];
		nlink += S_ISDIR(k->mode);
		*err = sqfs_dir_writer_add_entry(c->dirw, k->name, k->ino,
						 k->ref, (sqfs_u16)k->mode);
	}
	if (!*err)
		*err = sqfs_dir_writer_end(c->dirw);
	if (*err)
		return NULL;
	in = sqfs_dir_writer_create_inode(c->dirw, nlink, n->xattr,
					  parent_ino);
	if (!in)
		*err = SQFS_ERROR_ALLOC;
	return in;
}

static int write_inode(struct wctx *c, struct wnode *n, uint32_t parent_ino)
{
	sqfs_inode_generic_t *in;
	sqfs_u64 block;
	sqfs_u32 off;
	int err = 0;

	if (n->link) { /* the same inode: written once, referenced twice */
		if (!n->link->written)
			err = write_inode(c, n->link, parent_ino);
		n->ino = n->link->ino;
		n->ref = n->link->ref;
		return err;
	}
	if (n->written)
		return 0;
	if (S_ISDIR(n->mode)) {
		for (size_t i = 0; i < n->nkids; i++) {
			err = write_inode(c, n->kids[i], n->ino);
			if (err)
				return err;
		}
		in = dir_inode(c, n, parent_ino, &err);
	} else if (S_ISLNK(n->mode)) {
		in = slink_inode(n);
		err = in ? 0 : SQFS_ERROR_ALLOC;
	} else {
		in = steal_pointer(&n->inode);
		err = in ? 0 : SQFS_ERROR_INTERNAL;
		if (!err && n->nlink > 1)
			err = sqfs_inode_make_extended(in);
		if (!err && in->base.type == SQFS_INODE_EXT_FILE)
			in->data.file_ext.nlink = n->nlink;
	}
	if (err)
		return err;
	in->base.mode = (sqfs_u16)n->mode;
	in->base.mod_time = n->mtime < 0 ? 0 :
			    n->mtime > UINT32_MAX ? UINT32_MAX :
						    (sqfs_u32)n->mtime;
	in->base.inode_number = n->ino;
	if (n->xattr != PKG_NO_XATTR && !S_ISDIR(n->mode))
		err = sqfs_inode_set_xattr_index(in, n->xattr);
	if (!err)
		err = sqfs_id_table_id_to_index(c->ids, 0, &in->base.uid_idx);
	if (!err)
		err = sqfs_id_table_id_to_index(c->ids, 0, &in->base.gid_idx);
	sqfs_meta_writer_get_position(c->im, &block, &off);
	n->ref = (block << 16) | off;
	n->written = true;
	if (!err)
		err = sqfs_meta_writer_write_inode(c->im, in);
	free(in);
	return err;
}

static int write_tables(struct wctx *c, struct wnode *root)
{
	int err;

	c->finished = true;
	err = sqfs_block_processor_finish(c->proc);
	if (err)
		return sqfs_fail(c, err, "writing file data");
	number_tree(c, root);
	c->super.inode_count = c->next_ino;
	c->super.inode_table_start = c->file->get_size(c->file);
	err = write_inode(c, root, c->next_ino + 1);
	if (!err)
		err = sqfs_meta_writer_flush(c->im);
	if (!err)
		err = sqfs_meta_writer_flush(c->dm);
	if (err)
		return sqfs_fail(c, err, "writing inodes");
	c->super.root_inode_ref = root->ref;
	c->super.directory_table_start = c->file->get_size(c->file);
	err = sqfs_meta_write_write_to_file(c->dm);
	if (!err)
		err = sqfs_frag_table_write(c->frag, c->file, &c->super, c->cmp);
	if (!err)
		err = sqfs_id_table_write(c->ids, c->file, &c->super, c->cmp);
	/* last: SquashFS wants the xattr tables at the end */
	if (!err)
		err = sqfs_xattr_writer_flush(c->xwr, c->file, &c->super,
					      c->cmp);
	if (err)
		return sqfs_fail(c, err, "writing tables");
	c->super.bytes_used = c->file->get_size(c->file);
	err = sqfs_super_write(&c->super, c->file);
	if (err)
		return sqfs_fail(c, err, "writing the super block");
	/* pad to the device block size, as mksquashfs does */
	if (c->super.bytes_used % SQFS_DEVBLK_SIZE) {
		uint64_t pad = SQFS_DEVBLK_SIZE -
			       c->super.bytes_used % SQFS_DEVBLK_SIZE;
		err = c->file->truncate(c->file, c->super.bytes_used + pad);
		if (err)
			return sqfs_fail(c, err, "padding the image");
	}
	return 0;
}

/* ---- set-up and tear-down of the libsquashfs writers ---- */

static int writers_init(struct wctx *c, int fd)
{
	sqfs_compressor_config_t cfg;
	int err;

	c->file = pkg_sqfs_file_new(fd, 0, UINT64_MAX);
	c->buf = malloc(BLOCK_SIZE);
	if (!c->file || !c->buf)
		return -ENOMEM;
	err = sqfs_super_init(&c->super, BLOCK_SIZE, 0, SQFS_COMP_ZSTD);
	if (!err)
		err = sqfs_compressor_config_init(&cfg, SQFS_COMP_ZSTD,
						  BLOCK_SIZE, 0);
	if (!err)
		err = sqfs_compressor_create(&cfg, &c->cmp);
	if (err)
		return sqfs_fail(c, err, "zstd compressor");
	c->super.flags |= SQFS_FLAG_NO_XATTRS;
	err = sqfs_super_write(&c->super, c->file);
	if (err)
		return sqfs_fail(c, err, "writing the super block");
	err = c->cmp->write_options(c->cmp, c->file);
	if (err < 0)
		return sqfs_fail(c, err, "writing compressor options");
	if (err > 0)
		c->super.flags |= SQFS_FLAG_COMPRESSOR_OPTIONS;
	c->bw = sqfs_block_writer_create(c->file, SQFS_DEVBLK_SIZE, 0);
	c->frag = sqfs_frag_table_create(0);
	c->ids = sqfs_id_table_create(0);
	c->im = sqfs_meta_writer_create(c->file, c->cmp, 0);
	c->dm = sqfs_meta_writer_create(c->file, c->cmp,
					SQFS_META_WRITER_KEEP_IN_MEMORY);
	if (!c->bw || !c->frag || !c->ids || !c->im || !c->dm)
		return -ENOMEM;
	c->dirw = sqfs_dir_writer_create(c->dm, 0);
	c->xwr = sqfs_xattr_writer_create(0);
	c->proc = sqfs_block_processor_create(BLOCK_SIZE, c->cmp, NUM_WORKERS,
					      16 * NUM_WORKERS, c->bw, c->frag);
	if (!c->dirw || !c->proc || !c->xwr)
		return -ENOMEM;
	return 0;
}

static void writers_free(struct wctx *c)
{
	/* the block processor first: it may still point at inodes.  After a
	 * failure, let it flush (into the doomed temp file): destroying it
	 * with a fragment block pending leaks that block in libsquashfs 1.2. */
	if (c->proc && !c->finished) {
		if (c->in_file)
			sqfs_block_processor_end_file(c->proc);
		sqfs_block_processor_finish(c->proc);
	}
	sqfs_destroy(c->proc);
	sqfs_destroy(c->xwr);
	tdestroy(c->links, free);
	sqfs_destroy(c->dirw);
	sqfs_destroy(c->dm);
	sqfs_destroy(c->im);
	sqfs_destroy(c->ids);
	sqfs_destroy(c->frag);
	sqfs_destroy(c->bw);
	sqfs_destroy(c->cmp);
	sqfs_destroy(c->file);
	free(c->buf);
}

/* ---- the source directory ---- */

static int read_small_file(int dirfd, const char *name, size_t max,
			   char **out, size_t *len)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	int r;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	r = appv_read_full(fd, buf, (size_t)st.st_size);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[st.st_size] = '\0';
	*out = buf;
	*len = (size_t)st.st_size;
	return 0;
}

static int expect_type(const char *src, int dirfd, const char *name,
		       mode_t type, bool optional, struct appv_diag *diag)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT && optional)
			return 0;
		return appv_diag_set(diag, -errno, "%s/%s: %s", src, name,
				     strerror(errno));
	}
	if ((st.st_mode & S_IFMT) != type)
		return appv_diag_set(diag, -EINVAL, "%s/%s: must be a %s", src,
				     name, type == S_IFDIR ? "directory" :
							     "regular file");
	return 1;
}

/* appv.ini parses, fs/ is a directory, registry.reg (if any) a file. */
static int check_source(int srcfd, const char *src, struct appv_diag *diag,
			struct appv_diag *warn)
{
	_cleanup_free_ char *text = NULL;
	struct pkg_manifest m;
	char name[PATH_MAX];
	struct stat st;
	size_t len = 0;
	int r;

	r = expect_type(src, srcfd, "appv.ini", S_IFREG, false, diag);
	if (r < 0)
		return r;
	r = read_small_file(srcfd, "appv.ini", PKG_MAX_MANIFEST, &text, &len);
	if (r < 0)
		return appv_diag_set(diag, r, "%s/appv.ini: %s", src,
				     r == -EFBIG ? "manifest too large" :
						   strerror(-r));
	snprintf(name, sizeof(name), "%s/appv.ini", src);
	r = pkg_manifest_parse(text, len, name, &m, diag, warn);
	if (r < 0)
		return r;
	if (fstatat(srcfd, "fs", &st, 0) == 0 && S_ISDIR(st.st_mode) &&
	    fstatat(srcfd, m.exec + 1, &st, AT_SYMLINK_NOFOLLOW) != 0 &&
	    snprintf(name, sizeof(name), "fs%s", m.exec) < (int)sizeof(name) &&
	    fstatat(srcfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		pkg_diag_append(warn, "%s/appv.ini: exec %s is not in fs/ "
				"(it must exist on the host then)", src, m.exec);
	pkg_manifest_release(&m);
	r = expect_type(src, srcfd, "fs", S_IFDIR, false, diag);
	if (r < 0)
		return r;
	r = expect_type(src, srcfd, "registry.reg", S_IFREG, true, diag);
	return r < 0 ? r : 0;
}

static int build_tree(struct wctx *c, int srcfd, struct wnode *root)
{
	char rel[PATH_MAX] = "fs";
	struct stat st;
	int r, fd;

	char top[PATH_MAX] = "appv.ini";

	r = add_entry(c, srcfd, root, "appv.ini", top, 0, 0);
	if (r < 0)
		return r;
	if (fstatat(srcfd, "fs", &st, AT_SYMLINK_NOFOLLOW) != 0)
		return appv_diag_set(c->diag, -errno, "%s/fs: %s", c->src,
				     strerror(errno));
	fd = openat(srcfd, "fs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				     O_CLOEXEC);
	if (fd < 0)
		return appv_diag_set(c->diag, -errno, "%s/fs: %s", c->src,
				     strerror(errno));
	{
		_cleanup_close_ int fsfd = fd;
		struct wnode *fs = wnode_new("fs", &st);

		if (!fs || add_kid(root, fs) < 0) {
			wnode_free(fs);
			return -ENOMEM;
		}
		r = add_xattrs(c, fs, "fs");
		if (r == 0)
			r = walk_dir(c, fsfd, fs, rel, strlen(rel), 1);
		if (r < 0)
			return r;
	}
	if (faccessat(srcfd, "registry.reg", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		snprintf(top, sizeof(top), "registry.reg");
		r = add_entry(c, srcfd, root, "registry.reg", top, 0, 0);
	}
	return r;
}

static int build_image(int srcfd, const char *src, int fd,
		       struct appv_diag *diag, struct appv_diag *warn)
{
	struct wctx c = { .src = src, .diag = diag, .warn = warn };
	struct wnode *root = NULL;
	struct stat st;
	int r;

	r = writers_init(&c, fd);
	if (r == 0 && fstat(srcfd, &st) != 0)
		r = -errno;
	if (r == 0) {
		root = wnode_new("", &st);
		r = root ? 0 : -ENOMEM;
	}
	if (r == 0)
		r = build_tree(&c, srcfd, root);
	if (r == 0)
		r = write_tables(&c, root);
	writers_free(&c);
	wnode_free(root);
	if (r == -ENOMEM)
		appv_diag_set(diag, r, "%s: out of memory", src);
	return r;
}

/* Hash the image, append the trailer, make it durable. */
static int seal(int fd, const char *tmp, struct appv_diag *diag)
{
	unsigned char raw[PKG_TRAILER_SIZE];
	struct pkg_trailer t = { 0 };
	struct stat st;
	int r;

	if (fstat(fd, &st) != 0)
		return appv_diag_set(diag, -errno, "%s: %s", tmp,
				     strerror(errno));
	t.image_offset = 0;
	t.image_size = (uint64_t)st.st_size;
	r = pkg_sha256_fd(fd, 0, t.image_size, t.sha256);
	if (r < 0)
		return appv_diag_set(diag, r, "%s: hashing: %s", tmp,
				     strerror(-r));
	pkg_trailer_encode(&t, raw);
	if (pwrite(fd, raw, sizeof(raw), st.st_size) != (ssize_t)sizeof(raw) ||
	    fchmod(fd, 0644) != 0 || fsync(fd) != 0)
		return appv_diag_set(diag, errno ? -errno : -EIO, "%s: %s", tmp,
				     strerror(errno ? errno : EIO));
	return 0;
}

/* The directory @path names its entry in ("." for a bare name). */
static int parent_of(const char *path, char *out, size_t cap)
{
	const char *name;

	return appv_path_split(path, out, cap, &name);
}

static void sync_parent(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	if (parent_of(path, dir, sizeof(dir)) < 0)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * The image is written to a file without a name (O_TMPFILE) in OUT's
 * directory, so a build that fails or is killed (Ctrl-C, SIGTERM, even
 * SIGKILL) leaves nothing behind, and a tree that holds OUT does not
 * pack the half-written file.  Where the file system has no O_TMPFILE,
 * or /proc (to link it) is missing, OUT.tmpXXXXXX is used and removed on
 * failure.  @tmp gets "" or that name.
 */
static int open_output(const char *out, char *tmp, size_t cap,
		       struct appv_diag *diag)
{
	char dir[PATH_MAX];
	struct stat st;
	int fd, r;

	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
		return appv_diag_set(diag, -EISDIR, "%s: %s", out,
				     strerror(EISDIR));
	r = parent_of(out, dir, sizeof(dir));
	if (r < 0 || snprintf(tmp, cap, "%s.tmpXXXXXX", out) >= (int)cap)
		return appv_diag_set(diag, -ENAMETOOLONG, "%s: path too long",
				     out);
	if (access("/proc/self/fd", X_OK) == 0) {
		fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd >= 0) {
			tmp[0] = '\0';
			return fd;
		}
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return appv_diag_set(diag, -errno, "%s: cannot write "
					     "in %s: %s", out, dir,
					     strerror(errno));
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return appv_diag_set(diag, -errno, "%s: cannot write in %s: "
				     "%s", out, dir, strerror(errno));
	return fd;
}

/* Gives the finished image its name OUT, replacing any file there.  An
 * unnamed file is linked as OUT.tmp<pid>.<n> first, then renamed over
 * OUT; the signals that would stop us in between wait. */
static int publish(int fd, char *tmp, size_t cap, const char *out,
		   struct appv_diag *diag)
{
	char proc[64];
	sigset_t all, old;
	int r = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (unsigned int i = 0; !tmp[0] && i < 100; i++) {
		snprintf(tmp, cap, "%s.tmp%d.%u", out, (int)getpid(), i);
		r = linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW);
		r = r == 0 ? 0 : -errno;
		if (r < 0)
			tmp[0] = '\0';
		if (r != -EEXIST)
			break;
	}
	if (r < 0)
		appv_diag_set(diag, r, "%s: %s", out, strerror(-r));
	else if (rename(tmp, out) != 0)
		r = appv_diag_set(diag, -errno, "%s: %s", out,
				  strerror(errno));
	if (r < 0 && tmp[0])
		unlink(tmp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

int pkg_build(const char *src_dir, const char *out_path,
	      struct appv_diag *diag, struct appv_diag *warnings)
{
	_cleanup_close_ int srcfd = -1;
	_cleanup_close_ int fd = -1;
	char tmp[PATH_MAX];
	int r;

	srcfd = open(src_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (srcfd < 0)
		return appv_diag_set(diag, -errno, "%s: %s", src_dir,
				     strerror(errno));
	r = check_source(srcfd, src_dir, diag, warnings);
	if (r < 0)
		return r;
	fd = open_output(out_path, tmp, sizeof(tmp), diag);
	if (fd < 0)
		return fd;
	r = build_image(srcfd, src_dir, fd, diag, warnings);
	if (r == 0)
		r = seal(fd, out_path, diag);
	if (r == 0)
		r = publish(fd, tmp, sizeof(tmp), out_path, diag);
	else if (tmp[0])
		unlink(tmp);
	if (r == 0)
		sync_parent(out_path);
	return r;
}
