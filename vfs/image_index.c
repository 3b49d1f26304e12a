// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/image_index.c - the shim-safe reader of the package index.
 *
 * The whole file is mapped read-only and validated once at open: the header,
 * every section bound, every entry's string offsets (each string must end in
 * NUL inside the string table), parent/child ranges, bucket and file
 * numbers.  After that, lookups index the mapping without further checks.
 * No malloc (the handle lives in an anonymous mapping), no stdio, every
 * kernel call through common/sys.h.
 */
#include "image_index.h"
#include "image_index_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "../common/path.h"
#include "../common/sys.h"

struct vfs_index {
	const unsigned char *map;
	size_t map_len;
	const struct idx_header *hdr;
	const struct idx_entry *ents;
	const uint32_t *buckets;
	const uint32_t *files;
	const char *strings;
};

static bool section_ok(const struct idx_header *h, uint64_t off, uint64_t count,
		       uint64_t elem, uint64_t align)
{
	if (off % align || off < sizeof(*h) || off > h->total_size)
		return false;
	return count <= (h->total_size - off) / elem;
}

static int check_header(const struct idx_header *h, size_t file_size)
{
	if (memcmp(h->magic, IDX_MAGIC, 8) || h->version != IDX_VERSION)
		return -EINVAL;
	if (h->total_size != file_size || h->nents == 0 ||
	    h->nents > IDX_MAX_ENTS || h->nfiles > h->nents)
		return -EINVAL;
	if (h->nbuckets <= h->nents || (h->nbuckets & (h->nbuckets - 1)))
		return -EINVAL;
	if (!section_ok(h, h->ents_off, h->nents, sizeof(struct idx_entry),
			8) ||
	    !section_ok(h, h->buckets_off, h->nbuckets, 4, 4) ||
	    !section_ok(h, h->files_off, h->nfiles, 4, 4) ||
	    !section_ok(h, h->strings_off, h->strings_size, 1, 1))
		return -EINVAL;
	if (h->strings_size > UINT32_MAX)
		return -EINVAL;
	return 0;
}

static bool string_ok(const struct vfs_index *idx, uint32_t off, uint32_t len)
{
	uint64_t end = (uint64_t)off + len;

	return end < idx->hdr->strings_size && idx->strings[end] == '\0';
}

static int check_entry(const struct vfs_index *idx, uint32_t i)
{
	const struct idx_entry *e = &idx->ents[i];
	const struct idx_entry *f;
	uint32_t n = idx->hdr->nents;

	if (e->path_len == 0 || !string_ok(idx, e->path_off, e->path_len) ||
	    idx->strings[e->path_off] != '/')
		return -EINVAL;
	if (e->target_off != IDX_NO_TARGET &&
	    !string_ok(idx, e->target_off, e->target_len))
		return -EINVAL;
	if (e->parent >= n || e->child_first > n ||
	    e->child_count > n - e->child_first)
		return -EINVAL;
	if (e->file_no == VFS_INDEX_NO_FILE)
		return 0;
	if (e->file_no >= idx->hdr->nfiles || !S_ISREG(e->mode))
		return -EINVAL;
	/* hard links: other names of a file agree with its first name */
	f = &idx->ents[idx->files[e->file_no]];
	if (f->file_no != e->file_no || f->size != e->size)
		return -EINVAL;
	return 0;
}

static int check_tables(const struct vfs_index *idx)
{
	const struct idx_header *h = idx->hdr;
	int r;

	if (idx->ents[0].path_len != 1 || idx->ents[0].parent != 0)
		return -EINVAL;
	for (uint32_t i = 0; i < h->nbuckets; i++)
		if (idx->buckets[i] != IDX_EMPTY && idx->buckets[i] >= h->nents)
			return -EINVAL;
	for (uint32_t i = 0; i < h->nfiles; i++)
		if (idx->files[i] >= h->nents ||
		    idx->ents[idx->files[i]].file_no != i)
			return -EINVAL;
	for (uint32_t i = 0; i < h->nents; i++) {
		r = check_entry(idx, i);
		if (r < 0)
			return r;
	}
	return 0;
}

static int map_file(int dirfd, const char *name, const unsigned char **map,
		    size_t *len)
{
	struct stat st;
	void *p;
	int fd, r;

	fd = appv_openat(dirfd, name, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	r = appv_fstat(fd, &st);
	if (r == 0 && (!S_ISREG(st.st_mode) ||
		       (uint64_t)st.st_size < sizeof(struct idx_header) ||
		       (uint64_t)st.st_size > ((uint64_t)1 << 40)))
		r = -EINVAL;
	if (r == 0) {
		p = appv_mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			      fd, 0);
		if (appv_mmap_failed(p))
			r = (int)(long)p;
		else {
			*map = p;
			*len = (size_t)st.st_size;
		}
	}
	appv_close(fd);
	return r;
}

int vfs_index_open(int dirfd, const char *name, struct vfs_index **out)
{
	const unsigned char *map = NULL;
	struct vfs_index *idx;
	size_t len = 0;
	void *p;
	int r;

	r = map_file(dirfd, name, &map, &len);
	if (r < 0)
		return r;
	p = appv_mmap(NULL, sizeof(*idx), PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (appv_mmap_failed(p)) {
		appv_munmap((void *)map, len);
		return (int)(long)p;
	}
	idx = p;
	idx->map = map;
	idx->map_len = len;
	idx->hdr = (const struct idx_header *)map;
	r = check_header(idx->hdr, len);
	if (r == 0) {
		idx->ents = (const void *)(map + idx->hdr->ents_off);
		idx->buckets = (const void *)(map + idx->hdr->buckets_off);
		idx->files = (const void *)(map + idx->hdr->files_off);
		idx->strings = (const char *)map + idx->hdr->strings_off;
		r = check_tables(idx);
	}
	if (r < 0) {
		vfs_index_close(idx);
		return r;
	}
	*out = idx;
	return 0;
}

void vfs_index_close(struct vfs_index *idx)
{
	if (!idx)
		return;
	appv_munmap((void *)idx->map, idx->map_len);
	appv_munmap(idx, sizeof(*idx));
}

static void fill(const struct vfs_index *idx, uint32_t i,
		 struct vfs_index_ent *out)
{
	const struct idx_entry *e = &idx->ents[i];

	out->path = idx->strings + e->path_off;
	out->target = e->target_off == IDX_NO_TARGET
			  ? NULL
			  : idx->strings + e->target_off;
	out->mode = e->mode;
	out->uid = e->uid;
	out->gid = e->gid;
	out->size = e->size;
	out->mtime = e->mtime;
	out->mtime_nsec = e->mtime_nsec;
	out->file_no = e->file_no;
}

static int find(const struct vfs_index *idx, const char *path, size_t len,
		uint32_t *out)
{
	uint64_t h = appv_hash64(path, len);
	uint32_t mask = idx->hdr->nbuckets - 1;
	uint32_t slot = (uint32_t)h & mask;

	/* Bounded by the table size: a corrupt table with no free slot ends. */
	for (uint32_t n = 0; n <= mask; n++, slot = (slot + 1) & mask) {
		uint32_t i = idx->buckets[slot];
		const struct idx_entry *e;

		if (i == IDX_EMPTY)
			return -ENOENT;
		e = &idx->ents[i];
		if (e->hash == h && e->path_len == len &&
		    memcmp(idx->strings + e->path_off, path, len) == 0) {
			*out = i;
			return 0;
		}
	}
	return -ENOENT;
}

int vfs_index_lookup(const struct vfs_index *idx, const char *path, size_t len,
		     struct vfs_index_ent *out)
{
	uint32_t i;
	int r = find(idx, path, len, &i);

	if (r == 0 && out)
		fill(idx, i, out);
	return r;
}

uint32_t vfs_index_nfiles(const struct vfs_index *idx)
{
	return idx->hdr->nfiles;
}

int vfs_index_file(const struct vfs_index *idx, uint32_t file_no,
		   struct vfs_index_ent *out)
{
	if (file_no >= idx->hdr->nfiles)
		return -ENOENT;
	fill(idx, idx->files[file_no], out);
	return 0;
}

int vfs_index_next_child(const struct vfs_index *idx, const char *dir,
			 uint32_t *cursor, struct vfs_index_ent *out)
{
	const struct idx_entry *e;
	uint32_t i;
	int r = find(idx, dir, strlen(dir), &i);

	if (r < 0)
		return r;
	e = &idx->ents[i];
	if (!S_ISDIR(e->mode))
		return -ENOTDIR;
	if (*cursor >= e->child_count)
		return 0;
	fill(idx, e->child_first + *cursor, out);
	(*cursor)++;
	return 1;
}

int vfs_index_next_link(const struct vfs_index *idx, uint32_t file_no,
			uint32_t *cursor, struct vfs_index_ent *out)
{
	while (*cursor < idx->hdr->nents) {
		uint32_t i = (*cursor)++;

		if (idx->ents[i].file_no == file_no &&
		    file_no != VFS_INDEX_NO_FILE) {
			fill(idx, i, out);
			return 1;
		}
	}
	return 0;
}
