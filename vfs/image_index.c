// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/image_index.c - the shim-safe reader of the package index.
 *
 * The whole file is mapped read-only.  Open checks only what is O(1): the
 * header, every section bound and the root entry's shape; it touches no
 * page past the first, as every exec'd process opens the index.  The
 * header is read once into the handle and checked there: the file is the
 * user's (a program of theirs may write or truncate it while mapped), so
 * every bound comes from that copy, never from the mapping again.  The
 * rest is checked where it is read, so that a corrupt index never reads
 * out of bounds and gives -EIO there: a bucket's entry number (find), an
 * entry's path and target strings (each must end in NUL inside the string
 * table) and its file number and hard-link agreement (fill), a directory's
 * child range (next_child), a files[] slot (vfs_index_file).  The entries'
 * parent numbers are not read by the reader and not checked.
 *
 * The mapping is guarded (common/mapguard.h): in appv, a truncation of the
 * file turns it into zeros at the next fault instead of a SIGBUS, and every
 * lookup made since is -EIO (the magic no longer reads back).  The shim's
 * mapping is a plain one (its processes die of that SIGBUS: README, known
 * limits).  No malloc (the handle is an anonymous page), no stdio, every
 * kernel call through common/sys.h.
 */
#include "image_index.h"
#include "image_index_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "../common/mapguard.h"
#include "../common/path.h"
#include "../common/sys.h"

struct vfs_index {
	struct idx_header hdr;	  /* the checked copy: every bound */
	const unsigned char *map; /* the file, hdr.total_size bytes */
};

static const void *section(const struct vfs_index *idx, uint64_t off)
{
	return idx->map + off;
}

static const struct idx_entry *ents(const struct vfs_index *idx)
{
	return section(idx, idx->hdr.ents_off);
}

static const uint32_t *buckets(const struct vfs_index *idx)
{
	return section(idx, idx->hdr.buckets_off);
}

static const uint32_t *files(const struct vfs_index *idx)
{
	return section(idx, idx->hdr.files_off);
}

static const char *strs(const struct vfs_index *idx)
{
	return section(idx, idx->hdr.strings_off);
}

/* Whether the mapping still holds the file as open found it, checked after
 * each lookup: the magic reads back unless the header was overwritten or
 * the guard replaced a truncated file with zeros (what the lookup read
 * then is not the index). */
static int intact(const struct vfs_index *idx, int r)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST); /* read after the lookup's */
	return memcmp(idx->map, IDX_MAGIC, 8) ? -EIO : r;
}

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

	return end < idx->hdr.strings_size && strs(idx)[end] == '\0';
}

/* The root entry's shape (it follows the header, on the same page); its
 * string is checked where it is read, like every entry's. */
static int check_root(const struct vfs_index *idx)
{
	const struct idx_entry *e = &ents(idx)[0];

	return e->path_len == 1 && e->parent == 0 ? 0 : -EINVAL;
}

static int map_file(int dirfd, const char *name, struct vfs_index *idx)
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
		p = appv_guard_mmap((size_t)st.st_size, PROT_READ, MAP_PRIVATE,
				    fd);
		if (appv_mmap_failed(p)) {
			r = (int)(long)p;
		} else {
			idx->map = p;
			/* Checked against the size mapped, not a later one. */
			memcpy(&idx->hdr, p, sizeof(idx->hdr));
			r = check_header(&idx->hdr, (size_t)st.st_size);
			if (r < 0)
				appv_guard_munmap(p, (size_t)st.st_size);
		}
	}
	appv_close(fd);
	return r;
}

int vfs_index_open(int dirfd, const char *name, struct vfs_index **out)
{
	struct vfs_index *idx;
	int r;

	idx = appv_mmap(NULL, sizeof(*idx), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (appv_mmap_failed(idx))
		return (int)(long)idx;
	r = map_file(dirfd, name, idx);
	if (r == 0) {
		r = check_root(idx);
		if (r < 0)
			appv_guard_munmap((void *)idx->map,
					  idx->hdr.total_size);
	}
	if (r < 0) {
		appv_munmap(idx, sizeof(*idx));
		return r;
	}
	*out = idx;
	return 0;
}

void vfs_index_close(struct vfs_index *idx)
{
	if (!idx)
		return;
	appv_guard_munmap((void *)idx->map, idx->hdr.total_size);
	appv_munmap(idx, sizeof(*idx));
}

/* A regular file's number, and the agreement of its names: its first name
 * (files[]) carries the same number and size. */
static bool file_ok(const struct vfs_index *idx, const struct idx_entry *e)
{
	const struct idx_entry *f;
	uint32_t first;

	if (e->file_no >= idx->hdr.nfiles || !S_ISREG(e->mode))
		return false;
	first = files(idx)[e->file_no];
	if (first >= idx->hdr.nents)
		return false;
	f = &ents(idx)[first];
	return f->file_no == e->file_no && f->size == e->size;
}

/* Entry @i (< nents) into @out once its strings and file number are
 * checked: 0 or -EIO. */
static int fill(const struct vfs_index *idx, uint32_t i,
		struct vfs_index_ent *out)
{
	const struct idx_entry *e = &ents(idx)[i];

	if (e->path_len == 0 || !string_ok(idx, e->path_off, e->path_len) ||
	    strs(idx)[e->path_off] != '/')
		return -EIO;
	if (e->target_off != IDX_NO_TARGET &&
	    !string_ok(idx, e->target_off, e->target_len))
		return -EIO;
	if (e->file_no != VFS_INDEX_NO_FILE && !file_ok(idx, e))
		return -EIO;
	out->path = strs(idx) + e->path_off;
	out->target = e->target_off == IDX_NO_TARGET
			  ? NULL
			  : strs(idx) + e->target_off;
	out->mode = e->mode;
	out->uid = e->uid;
	out->gid = e->gid;
	out->size = e->size;
	out->mtime = e->mtime;
	out->mtime_nsec = e->mtime_nsec;
	out->file_no = e->file_no;
	out->link_to = NULL;
	return 0;
}

/* The entry of @path: 0, -ENOENT, or -EIO for a bucket or a path string
 * out of bounds on the way. */
static int find(const struct vfs_index *idx, const char *path, size_t len,
		uint64_t h, uint32_t *out)
{
	uint32_t mask = idx->hdr.nbuckets - 1;
	uint32_t slot = (uint32_t)h & mask;

	/* Bounded by the table size: a corrupt table with no free slot ends. */
	for (uint32_t n = 0; n <= mask; n++, slot = (slot + 1) & mask) {
		uint32_t i = buckets(idx)[slot];
		const struct idx_entry *e;

		if (i == IDX_EMPTY)
			return -ENOENT;
		if (i >= idx->hdr.nents)
			return -EIO;
		e = &ents(idx)[i];
		if (e->hash != h || e->path_len != len)
			continue;
		if (!string_ok(idx, e->path_off, e->path_len))
			return -EIO;
		if (memcmp(strs(idx) + e->path_off, path, len) == 0) {
			*out = i;
			return 0;
		}
	}
	return -ENOENT;
}

int vfs_index_lookup(const struct vfs_index *idx, const char *path, size_t len,
		     struct vfs_index_ent *out)
{
	return vfs_index_lookup_hashed(idx, path, len, appv_hash64(path, len),
				       out);
}

int vfs_index_lookup_hashed(const struct vfs_index *idx, const char *path,
			    size_t len, uint64_t hash,
			    struct vfs_index_ent *out)
{
	struct vfs_index_ent ent;
	uint32_t i;
	int r = find(idx, path, len, hash, &i);

	if (r == 0)
		r = fill(idx, i, out ? out : &ent);
	return intact(idx, r);
}

uint32_t vfs_index_nfiles(const struct vfs_index *idx)
{
	return idx->hdr.nfiles;
}

static int file_entry(const struct vfs_index *idx, uint32_t file_no,
		      struct vfs_index_ent *out)
{
	uint32_t i;

	if (file_no >= idx->hdr.nfiles)
		return -ENOENT;
	i = files(idx)[file_no];
	if (i >= idx->hdr.nents || ents(idx)[i].file_no != file_no)
		return -EIO;
	return fill(idx, i, out);
}

int vfs_index_file(const struct vfs_index *idx, uint32_t file_no,
		   struct vfs_index_ent *out)
{
	return intact(idx, file_entry(idx, file_no, out));
}

static int next_child(const struct vfs_index *idx, const char *dir,
		      uint32_t *cursor, struct vfs_index_ent *out)
{
	const struct idx_entry *e;
	uint32_t i;
	size_t len = strlen(dir);
	int r = find(idx, dir, len, appv_hash64(dir, len), &i);

	if (r < 0)
		return r;
	e = &ents(idx)[i];
	if (!S_ISDIR(e->mode))
		return -ENOTDIR;
	if (e->child_first > idx->hdr.nents ||
	    e->child_count > idx->hdr.nents - e->child_first)
		return -EIO;
	if (*cursor >= e->child_count)
		return 0;
	r = fill(idx, e->child_first + *cursor, out);
	if (r < 0)
		return r;
	(*cursor)++;
	return 1;
}

int vfs_index_next_child(const struct vfs_index *idx, const char *dir,
			 uint32_t *cursor, struct vfs_index_ent *out)
{
	return intact(idx, next_child(idx, dir, cursor, out));
}

static int next_link(const struct vfs_index *idx, uint32_t file_no,
		     uint32_t *cursor, struct vfs_index_ent *out)
{
	while (*cursor < idx->hdr.nents) {
		uint32_t i = (*cursor)++;

		if (ents(idx)[i].file_no == file_no &&
		    file_no != VFS_INDEX_NO_FILE) {
			int r = fill(idx, i, out);

			return r < 0 ? r : 1;
		}
	}
	return 0;
}

int vfs_index_next_link(const struct vfs_index *idx, uint32_t file_no,
			uint32_t *cursor, struct vfs_index_ent *out)
{
	return intact(idx, next_link(idx, file_no, cursor, out));
}
