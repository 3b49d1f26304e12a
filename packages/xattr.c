// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * packages/xattr.c - extended attributes: collected at build time into the
 * image (libsquashfs's xattr writer), read back and bounded at open time,
 * applied to the cache's real files.
 *
 * The reader uses libsquashfs only for the descriptor table (its index is
 * range-checked there, and we bound the number of descriptors first); the
 * key/value pairs are decoded here, through a meta data reader confined to
 * the image, because libsquashfs would allocate whatever value size a
 * forged image states.  Keys are at most XATTR_NAME_MAX bytes, values at
 * most XATTR_SIZE_MAX, at most PKG_XATTR_MAX_PAIRS pairs per inode and
 * PKG_XATTR_MAX_TOTAL bytes for the whole tree.
 *
 * A blob (struct pkg_entry.xattrs) is a sequence of records:
 *   u32 name length (without NUL), u32 value length, name, NUL, value.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <linux/limits.h>

#include <sqfs/error.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/meta_reader.h>
#include <sqfs/xattr.h>
#include <sqfs/xattr_reader.h>
#include <sqfs/xattr_writer.h>

#include "../common/cleanup.h"
#include "pkg_internal.h"

#define LIST_CAP (XATTR_LIST_MAX + 1)

/* ---- build: SRC file -> xattr writer ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of @path's xattrs, sorted (reproducible images). */
static int list_names(const char *path, char *buf, char **names, size_t *n)
{
	ssize_t len = llistxattr(path, buf, LIST_CAP - 1);
	size_t k = 0;

	if (len < 0)
		return errno == ENOTSUP ? 0 : -errno;
	buf[len] = '\0';
	for (char *s = buf; s < buf + len && k < XATTR_LIST_MAX / 2;
	     s += strlen(s) + 1)
		if (*s)
			names[k++] = s;
	qsort(names, k, sizeof(*names), cmp_str);
	*n = k;
	return 0;
}

/* Add one pair to the open block; 1 if added, 0 if skipped (warned). */
static int add_one(sqfs_xattr_writer_t *xwr, const char *path,
		   const char *shown, const char *name, void *val,
		   struct appv_diag *diag, struct appv_diag *warn)
{
	bool user = strncmp(name, "user.", 5) == 0;
	ssize_t len;
	int err;

	if (sqfs_get_xattr_prefix_id(name) < 0) {
		pkg_diag_append(warn, "%s: extended attribute %s not kept "
				"(SquashFS stores user.*, trusted.* and "
				"security.* only)", shown, name);
		return 0;
	}
	len = lgetxattr(path, name, val, XATTR_SIZE_MAX);
	if (len < 0 && !user) {
		pkg_diag_append(warn, "%s: extended attribute %s not kept: "
				"%s", shown, name, strerror(errno));
		return 0;
	}
	if (len < 0)
		return appv_diag_set(diag, -errno, "%s: reading extended "
				     "attribute %s: %s", shown, name,
				     strerror(errno));
	err = sqfs_xattr_writer_add(xwr, name, val, (size_t)len);
	if (err)
		return appv_diag_set(diag, pkg_sqfs_errno(err) ?: -EIO,
				     "%s: extended attribute %s: %s", shown,
				     name, pkg_sqfs_strerror(err));
	return 1;
}

int pkg_xattr_collect(sqfs_xattr_writer_t *xwr, const char *path,
		      const char *shown, uint32_t *index,
		      struct appv_diag *diag, struct appv_diag *warn)
{
	_cleanup_free_ char *buf = malloc(LIST_CAP);
	_cleanup_free_ char **names = calloc(XATTR_LIST_MAX / 2,
					     sizeof(*names));
	_cleanup_free_ void *val = malloc(XATTR_SIZE_MAX);
	size_t n = 0;
	int r, err;

	*index = PKG_NO_XATTR;
	if (!buf || !names || !val)
		return -ENOMEM;
	r = list_names(path, buf, names, &n);
	if (r < 0)
		return appv_diag_set(diag, r, "%s: listing extended "
				     "attributes: %s", shown, strerror(-r));
	if (n == 0)
		return 0;
	err = sqfs_xattr_writer_begin(xwr, 0);
	for (size_t i = 0; i < n && !err; i++) {
		r = add_one(xwr, path, shown, names[i], val, diag, warn);
		if (r < 0)
			return r;
	}
	if (!err)
		err = sqfs_xattr_writer_end(xwr, index);
	if (err)
		return appv_diag_set(diag, pkg_sqfs_errno(err) ?: -EIO,
				     "%s: extended attributes: %s", shown,
				     pkg_sqfs_strerror(err));
	return 0;
}

/* ---- open: image -> blobs ---- */

int pkg_xattr_open(struct pkg *p)
{
	sqfs_xattr_id_table_t tbl;
	int err;

	if ((p->super.flags & SQFS_FLAG_NO_XATTRS) ||
	    p->super.xattr_id_table_start == UINT64_MAX)
		return 0;
	if (p->super.xattr_id_table_start >= p->super.bytes_used)
		return SQFS_ERROR_OUT_OF_BOUNDS;
	err = p->file->read_at(p->file, p->super.xattr_id_table_start, &tbl,
			       sizeof(tbl));
	if (err)
		return err;
	/* libsquashfs allocates from this count: no more sets than entries */
	p->xattr_start = le64toh(tbl.xattr_table_start);
	if (le32toh(tbl.xattr_ids) > PKG_MAX_ENTRIES + 8 ||
	    p->xattr_start >= p->super.xattr_id_table_start)
		return SQFS_ERROR_CORRUPTED;
	p->xr = sqfs_xattr_reader_create(0);
	if (!p->xr)
		return SQFS_ERROR_ALLOC;
	err = sqfs_xattr_reader_load(p->xr, &p->super, p->file, p->cmp);
	if (err)
		return err;
	p->xkv = sqfs_meta_reader_create(p->file, p->cmp, p->xattr_start,
					 p->super.bytes_used);
	return p->xkv ? 0 : SQFS_ERROR_ALLOC;
}

static int kv_read(struct pkg *p, void *buf, size_t n)
{
	return sqfs_meta_reader_read(p->xkv, buf, n);
}

/* An out-of-line value: a reference to a value stored elsewhere. */
static int seek_ool(struct pkg *p, uint32_t *vsize, sqfs_u64 *ret_block,
		    size_t *ret_off)
{
	sqfs_xattr_value_t v;
	sqfs_u64 ref;
	int err;

	if (*vsize != sizeof(ref))
		return SQFS_ERROR_CORRUPTED;
	err = kv_read(p, &ref, sizeof(ref));
	if (err)
		return err;
	ref = le64toh(ref);
	sqfs_meta_reader_get_position(p->xkv, ret_block, ret_off);
	if ((ref >> 16) > p->super.bytes_used - p->xattr_start)
		return SQFS_ERROR_OUT_OF_BOUNDS;
	err = sqfs_meta_reader_seek(p->xkv, p->xattr_start + (ref >> 16),
				    ref & 0xFFFF);
	if (!err)
		err = kv_read(p, &v, sizeof(v));
	*vsize = le32toh(v.size);
	return err;
}

/* Append one decoded pair to @out (capacity PKG_XATTR_MAX_INODE). */
static int read_pair(struct pkg *p, char *out, size_t *used)
{
	sqfs_xattr_entry_t key;
	sqfs_xattr_value_t v;
	sqfs_u64 back_block = 0;
	size_t back_off = 0;
	const char *prefix;
	uint32_t nlen, vlen;
	size_t plen;
	bool ool;
	int err;

	err = kv_read(p, &key, sizeof(key));
	if (err)
		return err;
	key.type = le16toh(key.type);
	key.size = le16toh(key.size);
	ool = key.type & SQFS_XATTR_FLAG_OOL;
	prefix = sqfs_get_xattr_prefix(key.type & SQFS_XATTR_PREFIX_MASK);
	if (!prefix || (key.type & ~(SQFS_XATTR_FLAG_OOL |
				     SQFS_XATTR_PREFIX_MASK)))
		return SQFS_ERROR_CORRUPTED;
	plen = strlen(prefix);
	nlen = (uint32_t)(plen + key.size);
	if (key.size == 0 || nlen > XATTR_NAME_MAX ||
	    *used + 8 + nlen + 1 > PKG_XATTR_MAX_INODE)
		return SQFS_ERROR_CORRUPTED;
	memcpy(out + *used + 8, prefix, plen);
	err = kv_read(p, out + *used + 8 + plen, key.size);
	if (!err)
		err = kv_read(p, &v, sizeof(v));
	if (err)
		return err;
	vlen = le32toh(v.size);
	if (ool && (err = seek_ool(p, &vlen, &back_block, &back_off)))
		return err;
	if (vlen > XATTR_SIZE_MAX ||
	    *used + 8 + nlen + 1 + vlen > PKG_XATTR_MAX_INODE)
		return SQFS_ERROR_CORRUPTED;
	out[*used + 8 + nlen] = '\0';
	if (memchr(out + *used + 8, '\0', nlen))
		return SQFS_ERROR_CORRUPTED;
	err = kv_read(p, out + *used + 8 + nlen + 1, vlen);
	if (!err && ool)
		err = sqfs_meta_reader_seek(p->xkv, back_block, back_off);
	if (err)
		return err;
	memcpy(out + *used, &nlen, 4);
	memcpy(out + *used + 4, &vlen, 4);
	*used += 8 + nlen + 1 + vlen;
	return 0;
}

int pkg_xattr_read(struct pkg *p, const sqfs_inode_generic_t *in,
		   char **blob, uint32_t *len)
{
	_cleanup_free_ char *buf = NULL;
	sqfs_xattr_id_t desc;
	sqfs_u32 index = PKG_NO_XATTR;
	size_t used = 0;
	int err;

	*blob = NULL;
	*len = 0;
	err = sqfs_inode_get_xattr_index(in, &index);
	if (err || index == PKG_NO_XATTR)
		return err;
	if (!p->xr)
		return SQFS_ERROR_OUT_OF_BOUNDS;
	err = sqfs_xattr_reader_get_desc(p->xr, index, &desc);
	if (err)
		return err;
	if (desc.count == 0)
		return 0;
	if (desc.count > PKG_XATTR_MAX_PAIRS ||
	    (desc.xattr >> 16) >= p->super.bytes_used - p->xattr_start)
		return SQFS_ERROR_CORRUPTED;
	err = sqfs_meta_reader_seek(p->xkv, p->xattr_start + (desc.xattr >> 16),
				    desc.xattr & 0xFFFF);
	buf = err ? NULL : malloc(PKG_XATTR_MAX_INODE);
	if (!err && !buf)
		return SQFS_ERROR_ALLOC;
	for (sqfs_u32 i = 0; i < desc.count && !err; i++)
		err = read_pair(p, buf, &used);
	if (err)
		return err;
	if (p->xattr_bytes + used > PKG_XATTR_MAX_TOTAL)
		return SQFS_ERROR_CORRUPTED;
	*blob = realloc(buf, used);
	if (!*blob)
		return SQFS_ERROR_ALLOC;
	buf = NULL;
	p->xattr_bytes += used;
	*len = (uint32_t)used;
	return 0;
}

/* ---- cache: blob -> real file ---- */

int pkg_xattr_next(const char *blob, uint32_t len, uint32_t *pos,
		   const char **name, const void **val, uint32_t *vlen)
{
	uint32_t nlen;

	if (*pos >= len)
		return 0;
	memcpy(&nlen, blob + *pos, 4);
	memcpy(vlen, blob + *pos + 4, 4);
	*name = blob + *pos + 8;
	*val = blob + *pos + 8 + nlen + 1;
	*pos += 8 + nlen + 1 + *vlen;
	return 1;
}

int pkg_xattr_apply_user(int fd, const char *blob, uint32_t len,
			 const char **failed)
{
	const char *name;
	const void *val;
	uint32_t pos = 0, vlen;

	while (pkg_xattr_next(blob, len, &pos, &name, &val, &vlen)) {
		if (strncmp(name, "user.", 5) != 0)
			continue; /* trusted/security: not ours to set */
		if (fsetxattr(fd, name, val, vlen, 0) != 0) {
			*failed = name;
			return -errno;
		}
	}
	return 0;
}
