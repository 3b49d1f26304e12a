/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * vfs/image_index.h - the package path index: an immutable file mapping each
 * virtual path of a package to its metadata, written once by the content
 * cache (packages/) and mapped read-only by every resolver.  Lookups are a
 * hash probe; no syscalls.  The byte layout is private to image_index.c.
 */
#ifndef APPV_VFS_IMAGE_INDEX_H
#define APPV_VFS_IMAGE_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VFS_INDEX_NO_FILE UINT32_MAX

struct vfs_index_ent {
	const char *path;   /* absolute virtual path, e.g. "/opt/hello/bin/hello" */
	const char *target; /* symlink target or NULL */
	mode_t mode;	    /* st_mode incl. type */
	uid_t uid;
	gid_t gid;
	uint64_t size;
	int64_t mtime;
	uint32_t mtime_nsec;
	uint32_t file_no; /* regular files: 0..nfiles-1; else VFS_INDEX_NO_FILE */
	/* Input only (vfs_index_write; lookups return NULL): this regular
	 * file is another name (hard link) of the earlier regular entry with
	 * this path, and shares its file_no.  NULL: a file of its own. */
	const char *link_to;
};

/* Write an index for @n entries (file_no of the inputs is ignored: regular
 * files are numbered in input order, an entry with link_to takes the number
 * of the entry it names, which must be an earlier regular file of the same
 * size, else -EINVAL).  Includes "/" implicitly if absent.
 * Atomic: temp file in @dirfd + rename to @name.  Returns the number of
 * regular files (>= 0) or -errno.  Uses malloc: supervisor/tools only. */
int vfs_index_write(int dirfd, const char *name,
		    const struct vfs_index_ent *ents, size_t n);

struct vfs_index;

/* Map an index read-only; checks the header and the section bounds (O(1):
 * -EINVAL when they are wrong) on a copy that every call below takes its
 * bounds from.  The tables are checked where each call below reads them:
 * a corrupt entry, bucket or files[] slot is -EIO from that call, never a
 * read out of bounds.  So is every call once the file's header was
 * overwritten, or the file truncated under a guarded mapping (appv's:
 * common/mapguard.h).  Shim-safe (mmap, no malloc). */
int vfs_index_open(int dirfd, const char *name, struct vfs_index **out);
void vfs_index_close(struct vfs_index *idx);

/* Exact lookup of a normalised absolute path.  0, -ENOENT or -EIO.  The
 * strings in @out point into the mapping (valid until vfs_index_close). */
int vfs_index_lookup(const struct vfs_index *idx, const char *path,
		     size_t len, struct vfs_index_ent *out);
/* The same, with @hash = appv_hash64(@path, @len) (common/path.h) from the
 * caller, who may compute it incrementally along a walk. */
int vfs_index_lookup_hashed(const struct vfs_index *idx, const char *path,
			    size_t len, uint64_t hash,
			    struct vfs_index_ent *out);
uint32_t vfs_index_nfiles(const struct vfs_index *idx);
/* The entry of regular file @file_no (its first name when hard links share
 * the number); 0, -ENOENT or -EIO. */
int vfs_index_file(const struct vfs_index *idx, uint32_t file_no,
		   struct vfs_index_ent *out);
/* Iterate the direct children of directory @dir: call with *cursor = 0,
 * returns 1 and fills @out per child, 0 at the end; -ENOENT, -ENOTDIR or
 * -EIO. */
int vfs_index_next_child(const struct vfs_index *idx, const char *dir,
			 uint32_t *cursor, struct vfs_index_ent *out);
/* Iterate the names (hard links) of regular file @file_no: call with
 * *cursor = 0, returns 1 and fills @out per name, 0 at the end (-EIO for a
 * corrupt entry).  Scans the
 * whole index: for copy-up of a file with several names only. */
int vfs_index_next_link(const struct vfs_index *idx, uint32_t file_no,
			uint32_t *cursor, struct vfs_index_ent *out);

#endif
