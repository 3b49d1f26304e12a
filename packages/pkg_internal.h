/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * packages/pkg_internal.h - shared between the files of packages/: the
 * trailer format, the opened package, the fd-backed sqfs_file_t and small
 * helpers.  Not for other modules.
 */
#ifndef APPV_PKG_INTERNAL_H
#define APPV_PKG_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <sqfs/dir_reader.h>
#include <sqfs/predef.h>
#include <sqfs/super.h>
#include <sqfs/xattr_reader.h>
#include <sqfs/xattr_writer.h>
#include <sqfs/meta_reader.h>

#include "pkg.h"

struct vfs_index;

/*
 * Trailer: the last PKG_TRAILER_SIZE bytes of a package file, little endian.
 *   0  magic "appv-pkg"        8
 *   8  u32 format version (1)  4
 *  12  u32 trailer size (80)   4
 *  16  u64 image offset        8
 *  24  u64 image size          8
 *  32  SHA-256 of the image   32
 *  64  reserved, zero          8
 *  72  magic "appv-end"        8
 * The image is the byte range [offset, offset + size) and ends exactly
 * where the trailer begins; whatever precedes it is a launcher header.
 */
#define PKG_TRAILER_SIZE 80
#define PKG_FORMAT_VERSION 1
#define PKG_MAGIC_HEAD "appv-pkg"
#define PKG_MAGIC_TAIL "appv-end"
#define PKG_SHA256_LEN 32

struct pkg_trailer {
	uint64_t image_offset;
	uint64_t image_size;
	unsigned char sha256[PKG_SHA256_LEN];
};

void pkg_trailer_encode(const struct pkg_trailer *t,
			unsigned char out[PKG_TRAILER_SIZE]);
/* 0, or -EINVAL when magic, version, size or reserved bytes are wrong. */
int pkg_trailer_decode(const unsigned char in[PKG_TRAILER_SIZE],
		       struct pkg_trailer *t);

/* Bounds on what an image may contain (hostile images). */
#define PKG_MAX_ENTRIES (1u << 20)  /* entries under fs/ */
#define PKG_MAX_DEPTH 512	    /* directory nesting */
#define PKG_MAX_MANIFEST (1u << 20) /* bytes of appv.ini */
#define PKG_MAX_REGISTRY (16u << 20)
#define PKG_XATTR_MAX_PAIRS 256		/* xattrs of one inode */
#define PKG_XATTR_MAX_INODE (256u << 10) /* decoded bytes of one inode */
#define PKG_XATTR_MAX_TOTAL (64u << 20)	/* decoded bytes of the tree */
#define PKG_NO_XATTR 0xFFFFFFFFu

/* One entry under fs/, in pre-order (parents before children, siblings
 * sorted by name).  Regular files are numbered 0.. in this order. */
struct pkg_entry {
	char *path;   /* absolute virtual path ("/" for fs/ itself) */
	char *target; /* symlink target or NULL */
	mode_t mode;  /* type | permission bits */
	uint64_t size;
	int64_t mtime;
	uint32_t file_no; /* regular files, else UINT32_MAX; hard links
			     (several names of one image inode) share it */
	uint32_t depth;	  /* 0 for "/" */
	char *xattrs;	  /* blob (xattr.c), NULL if none; on the first
			     name of a hard-linked file only */
	uint32_t xattrs_len;
};

struct pkg {
	char *path;
	char id[PKG_ID_HEX + 1];
	int fd; /* the package file, O_RDONLY|O_NONBLOCK|O_CLOEXEC */
	struct stat st;
	struct pkg_trailer tr;
	bool hashed; /* SHA-256 computed by this process (stamp may be written) */
	bool stamped; /* the verified stamp matched: the image is opened and
			 the tree walked lazily */

	struct pkg_manifest manifest;
	char *manifest_text; /* appv.ini as read (for the stamp), NUL-ended */
	size_t manifest_len;

	/* The whole validated tree.  Loaded by pkg_open unless the stamp
	 * matched, else on first need (pkg_tree_load); immutable once
	 * @walked is set.  Fields up to @walks are guarded by @lock. */
	bool walked;
	int walk_err;  /* a lazy walk failed: its -errno, returned again */
	unsigned walks; /* full walks done (tests) */
	struct pkg_entry *ents;
	size_t nents;
	sqfs_inode_generic_t **files; /* regular file inodes by file_no */
	size_t *file_ent;	      /* file_no -> index in ents (first name) */
	uint32_t nfiles;	      /* distinct regular file inodes */
	uint64_t nlinks;	      /* names beyond the first of hard links */
	/* hard links seen by the walk: inode number -> file_no, open
	 * addressing (only inodes with nlink > 1 are entered) */
	uint32_t *hl_ino, *hl_file;
	size_t hl_cap, hl_n;
	uint64_t ndirs, nsymlinks, content_size;

	/* libsquashfs state for extraction; the data reader keeps a block
	 * cache and is not thread-safe, hence the mutex.  Set up by
	 * pkg_open, or on first need after a stamped open (@image_open,
	 * @image_err under @lock). */
	pthread_mutex_t lock;
	bool image_open;
	int image_err;
	sqfs_file_t *file;
	sqfs_compressor_t *cmp;
	sqfs_data_reader_t *data;
	sqfs_dir_reader_t *rd;
	sqfs_inode_generic_t *fs_inode; /* fs/ */
	sqfs_super_t super;
	/* xattrs (xattr.c): descriptors via libsquashfs, pairs decoded by us */
	sqfs_xattr_reader_t *xr;
	sqfs_meta_reader_t *xkv;
	uint64_t xattr_start;
	uint64_t xattr_bytes; /* decoded so far, bounded */

	/* Stamped and not walked: regular files looked up one at a time by
	 * the path the cache index gives (pkg_file_lookup), under @lock. */
	struct vfs_index *idx;
	struct pkg_entry *lz_ents;	 /* by file_no; path NULL = not yet */
	sqfs_inode_generic_t **lz_files; /* by file_no */
	uint32_t lz_n;
	uint64_t lz_scanned; /* directory entries read by lookups */
};

/*
 * An sqfs_file_t over a descriptor: reads and writes at @base + offset and
 * never past @limit bytes (UINT64_MAX: writable, grows).  Owns nothing: the
 * caller closes @fd after sqfs_destroy.  Reads beyond the limit fail with
 * SQFS_ERROR_OUT_OF_BOUNDS, so a hostile image cannot read outside itself.
 */
sqfs_file_t *pkg_sqfs_file_new(int fd, uint64_t base, uint64_t limit);

/* Map a libsquashfs error code to -errno. */
int pkg_sqfs_errno(int sqfs_err);
const char *pkg_sqfs_strerror(int sqfs_err);

/* Append one line to @d (NULL allowed); truncates quietly when full. */
void pkg_diag_append(struct appv_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* SHA-256 of @len bytes of @fd at @off. */
int pkg_sha256_fd(int fd, uint64_t off, uint64_t len,
		  unsigned char out[PKG_SHA256_LEN]);
void pkg_hex(const unsigned char *in, size_t n, char *out);

/* Load and validate the whole tree if pkg_open did not (thread-safe).
 * 0 or -errno; a failure is sticky. */
int pkg_tree_load(struct pkg *p, struct appv_diag *diag);

/* The entry of regular file @file_no: from the tree when walked, else
 * looked up by the path the cache index in @image_dfd gives (the image
 * itself is searched by path; its inode, mode, size and mtime are the
 * image's).  The entry stays valid until pkg_free.  -ENOENT for a number
 * out of range. */
int pkg_file_lookup(struct pkg *p, int image_dfd, uint32_t file_no,
		    const struct pkg_entry **out, struct appv_diag *diag);

/* Read up to @cap bytes of regular file @file_no at @off from the image
 * (thread-safe).  Returns the number of bytes, 0 at the end, or -errno. */
int pkg_read_file(struct pkg *p, uint32_t file_no, uint64_t off, void *buf,
		  size_t cap);

/* ---- xattr.c ---- */
/* Record the xattrs of @path (not followed) as one block of @xwr; *index
 * is its token or PKG_NO_XATTR.  user.* must be readable; trusted.* and
 * security.* that cannot be read, and other namespaces, are skipped with a
 * line in @warn.  0 or -errno (@diag names @shown). */
int pkg_xattr_collect(sqfs_xattr_writer_t *xwr, const char *path,
		      const char *shown, uint32_t *index,
		      struct appv_diag *diag, struct appv_diag *warn);
/* After the super block and compressor: bounded set-up of the readers.
 * 0 or an SQFS_ERROR. */
int pkg_xattr_open(struct pkg *p);
/* The decoded, bounded xattrs of inode @in (p->lock held or @p not shared
 * yet): *blob NULL when it has none.  0 or an SQFS_ERROR. */
int pkg_xattr_read(struct pkg *p, const sqfs_inode_generic_t *in,
		   char **blob, uint32_t *len);
/* Iterate a blob: start with *pos = 0; 1 per pair, 0 at the end. */
int pkg_xattr_next(const char *blob, uint32_t len, uint32_t *pos,
		   const char **name, const void **val, uint32_t *vlen);
/* fsetxattr the user.* pairs of a blob on @fd; -errno with *failed set to
 * the name that failed. */
int pkg_xattr_apply_user(int fd, const char *blob, uint32_t len,
			 const char **failed);

/* Write the verification stamp <cache_base>/<id>/verified if that directory
 * exists and this process verified everything (hash, tree, manifest);
 * failures are ignored (the stamp is an optimisation). */
void pkg_stamp_write(const struct pkg *p, const char *cache_base);

#endif
