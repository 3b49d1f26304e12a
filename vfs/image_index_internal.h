/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * vfs/image_index_internal.h - the byte layout of the package index, shared
 * by the writer (image_index_write.c) and the reader (image_index.c).
 *
 * Layout, all little-endian, every section 8-byte aligned:
 *
 *   struct idx_header
 *   struct idx_entry  entries[nents]     sorted by (depth, path): entry 0 is
 *                                        "/", the children of every
 *                                        directory are one contiguous run
 *   uint32_t          buckets[nbuckets]  open addressing, linear probing on
 *                                        appv_hash64(path); IDX_EMPTY = free
 *   uint32_t          files[nfiles]      file_no -> entry number
 *   char              strings[]          NUL-terminated paths and targets
 */
#ifndef APPV_VFS_IMAGE_INDEX_INTERNAL_H
#define APPV_VFS_IMAGE_INDEX_INTERNAL_H

#include <stdint.h>

#define IDX_MAGIC "APPVIDX1"
#define IDX_VERSION 1u
#define IDX_EMPTY UINT32_MAX
#define IDX_NO_TARGET UINT32_MAX
/* Ceiling on entries: keeps every size computation far from overflow. */
#define IDX_MAX_ENTS (1u << 26)

struct idx_header {
	char magic[8];
	uint32_t version;
	uint32_t nents;
	uint32_t nbuckets; /* power of two, > nents */
	uint32_t nfiles;
	uint64_t ents_off;
	uint64_t buckets_off;
	uint64_t files_off;
	uint64_t strings_off;
	uint64_t strings_size;
	uint64_t total_size;
};

struct idx_entry {
	uint64_t hash; /* appv_hash64(path) */
	uint64_t size;
	int64_t mtime;
	uint32_t mtime_nsec;
	uint32_t path_off; /* into strings, NUL at path_off + path_len */
	uint32_t path_len;
	uint32_t target_off; /* IDX_NO_TARGET when not a symlink */
	uint32_t target_len;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t file_no;     /* VFS_INDEX_NO_FILE for non-regular entries */
	uint32_t parent;      /* entry number; "/" is its own parent */
	uint32_t child_first; /* entry number of the first child */
	uint32_t child_count;
};

#endif
