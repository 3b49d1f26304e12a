// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/merge_ino.c - a merged listing's inode map.
 *
 * The placeholders of a merged listing (merge.c) are the scratch's own
 * inodes, so the d_ino that getdents64 gives for them is not the st_ino
 * that stat of the same name reports.  While it builds a listing the
 * supervisor records each placeholder's real inode: the d_ino of the entry
 * it copies (upper and host: from that layer's getdents64; package: from
 * its content-cache directory, one getdents64 pass, as stat answers from
 * that tree).  It then writes <merge_root>/i<N>, N the listing directory's
 * own inode - what a reader learns from one fstat of its descriptor:
 *
 *     u32 magic, u32 count, count x { u64 placeholder, u64 real }
 *
 * sorted by placeholder inode, which is what a reader has in hand: it
 * reads the file once per directory stream (a buffer it owns, or a
 * mapping when the file is larger) and looks each d_ino up
 * (vfs_ino_map_find).  "." maps to the directory's own inode; ".." is
 * left alone.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../common/path.h"
#include "../common/sys.h"
#include "vfs_internal.h"

#define INO_MAGIC 0x314f4e49u /* "INO1" */

struct vfs_ino_map {
	uint32_t magic, n;
	uint64_t pair[][2];
};

/* ---- the builder's records ----------------------------------------- */

/* Grow the mapping *@p of *@cap bytes to hold @need bytes. */
static int grow(void **p, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 65536;
	void *q;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if (*p)
		q = (void *)APPV_SYS(SYS_mremap, *p, *cap, ncap, MREMAP_MAYMOVE,
				     0, 0);
	else
		q = appv_mmap(NULL, ncap, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (appv_mmap_failed(q))
		return -ENOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}

void vfs_inorec_add(struct vfs_inorec *r, const char *name, uint64_t ino,
		    bool image)
{
	size_t nl = strlen(name) + 1;
	struct vfs_inorec_ent *e;

	if (r->failed || grow((void **)&r->v, &r->vcap,
			      (r->n + 1) * sizeof(*r->v)) < 0 ||
	    grow((void **)&r->names, &r->ncap, r->used + nl) < 0) {
		r->failed = true;
		return;
	}
	e = &r->v[r->n++];
	e->ino = ino;
	e->name = r->used;
	e->image = image;
	memcpy(r->names + r->used, name, nl);
	r->used += nl;
	r->nimage += image;
}

void vfs_inorec_free(struct vfs_inorec *r)
{
	if (r->v)
		appv_munmap(r->v, r->vcap);
	if (r->names)
		appv_munmap(r->names, r->ncap);
	memset(r, 0, sizeof(*r));
}

static int by_name(const void *a, const void *b, void *names)
{
	const struct vfs_inorec_ent *x = a, *y = b;

	return strcmp((const char *)names + x->name,
		      (const char *)names + y->name);
}

static struct vfs_inorec_ent *find_name(struct vfs_inorec *r,
					const char *name)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, r->names + r->v[mid].name);

		if (!c)
			return &r->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* The package entries' inodes, from their content-cache directory. */
static int image_ino(const struct linux_dirent64 *d, void *ctx)
{
	struct vfs_inorec_ent *e = find_name(ctx, d->d_name);

	if (e && e->image)
		e->ino = d->d_ino;
	return 0;
}

struct pair_scan {
	struct vfs_inorec *r;
	struct vfs_ino_map *out; /* header, then pairs */
	size_t cap;
};

static int add_pair(struct pair_scan *s, uint64_t from, uint64_t to)
{
	struct vfs_ino_map *m = s->out;

	if (!to || from == to)
		return 0;
	if (grow((void **)&s->out, &s->cap,
		 sizeof(*m) + (s->out->n + 1) * sizeof(m->pair[0])) < 0)
		return -ENOMEM;
	m = s->out;
	m->pair[m->n][0] = from;
	m->pair[m->n][1] = to;
	m->n++;
	return 0;
}

static int listed(const struct linux_dirent64 *d, void *ctx)
{
	struct pair_scan *s = ctx;
	struct vfs_inorec_ent *e = find_name(s->r, d->d_name);

	return e ? add_pair(s, d->d_ino, e->ino) : 0;
}

static int by_placeholder(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* "." of the listing @fd, from a getdents64 pass that sees it. */
static uint64_t dot_ino(int fd)
{
	char buf[4096];
	ssize_t n;

	if (APPV_SYS(SYS_lseek, fd, 0, 0 /* SEEK_SET */, 0, 0, 0) < 0)
		return 0;
	n = appv_getdents64(fd, buf, sizeof(buf));
	for (ssize_t off = 0; off < n;) {
		const struct linux_dirent64 *d = (void *)(buf + off);

		if (!strcmp(d->d_name, "."))
			return d->d_ino;
		off += d->d_reclen;
	}
	return 0;
}

int vfs_inorec_write(const struct vfs *vfs, struct vfs_inorec *r,
		     int listing_fd, int image_fd, uint64_t self_ino)
{
	struct pair_scan s = {.r = r};
	char name[24];
	uint64_t dot = dot_ino(listing_fd);
	int fd, k, mfd;
	size_t len;

	if (r->failed)
		return -ENOMEM;
	if (!dot || !vfs->merge_root_len)
		return -EINVAL;
	vfs_listing_map_name(dot, name);
	if (r->n) /* an empty listing has no array at all */
		qsort_r(r->v, r->n, sizeof(*r->v), by_name, r->names);
	if (r->nimage && image_fd >= 0)
		(void)vfs_each_dirent(image_fd, image_ino, r);
	mfd = vfs_scratch_dir(vfs->run_fd, "m");
	if (mfd < 0)
		return mfd;
	if (grow((void **)&s.out, &s.cap, sizeof(*s.out)) < 0) {
		appv_close(mfd);
		return -ENOMEM;
	}
	s.out->magic = INO_MAGIC;
	s.out->n = 0;
	k = add_pair(&s, dot, self_ino);
	if (k == 0 && APPV_SYS(SYS_lseek, listing_fd, 0, 0, 0, 0, 0) < 0)
		k = -EIO;
	if (k == 0)
		k = vfs_each_dirent(listing_fd, listed, &s);
	if (k == 0) {
		qsort(s.out->pair, s.out->n, sizeof(s.out->pair[0]),
		      by_placeholder);
		len = sizeof(*s.out) + s.out->n * sizeof(s.out->pair[0]);
		/* A fresh file below the scratch's own <merge_root>: nothing
		 * the application put there is followed or truncated. */
		appv_unlinkat(mfd, name, 0);
		fd = appv_openat2(mfd, name,
				  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				      O_CLOEXEC,
				  0644, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
		k = fd < 0 ? fd : 0;
		if (fd >= 0 && (size_t)APPV_SYS(SYS_write, fd, s.out, len, 0, 0,
						0) != len)
			k = -EIO;
		if (fd >= 0)
			appv_close(fd);
		if (k < 0)
			appv_unlinkat(mfd, name, 0);
	}
	appv_close(mfd);
	appv_munmap(s.out, s.cap);
	return k;
}

/* ---- readers ---------------------------------------------------------- */

void vfs_listing_map_name(uint64_t ino, char *out)
{
	out[0] = 'i';
	out[1 + vfs_put_num(out + 1, ino)] = '\0';
}

int vfs_listing_map_path(const struct vfs *vfs, uint64_t ino, char *out,
			 size_t cap)
{
	size_t n = vfs->merge_root_len;

	if (!n || n + 2 + 20 + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(out, vfs->merge_root, n);
	out[n++] = '/';
	vfs_listing_map_name(ino, out + n);
	return 0;
}

static bool map_valid(const struct vfs_ino_map *m, size_t len)
{
	return len >= sizeof(*m) && m->magic == INO_MAGIC &&
	       sizeof(*m) + (size_t)m->n * sizeof(m->pair[0]) == len;
}

const struct vfs_ino_map *vfs_listing_map(const struct vfs *vfs, uint64_t ino,
					  void *buf, size_t cap, size_t *len)
{
	char path[PATH_MAX];
	const struct vfs_ino_map *m = NULL;
	struct stat st;
	ssize_t n;
	void *p;
	int fd;

	*len = 0;
	if (vfs_listing_map_path(vfs, ino, path, sizeof(path)) < 0)
		return NULL;
	fd = appv_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	/* One read when it fits @buf; it is complete when it is shorter. */
	n = buf ? (ssize_t)APPV_SYS(SYS_pread64, fd, buf, cap, 0, 0, 0) : -1;
	if (n >= 0 && (size_t)n < cap) {
		if (map_valid(buf, (size_t)n))
			m = buf;
	} else if (appv_fstatat(fd, "", &st, AT_EMPTY_PATH) == 0) {
		/* Populated: a page fault costs more than the lookups. */
		p = appv_mmap(NULL, (size_t)st.st_size, PROT_READ,
			      MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (!appv_mmap_failed(p)) {
			if (map_valid(p, (size_t)st.st_size)) {
				m = p;
				*len = (size_t)st.st_size;
			} else {
				appv_munmap(p, (size_t)st.st_size);
			}
		}
	}
	appv_close(fd);
	return m;
}

uint64_t vfs_ino_map_find(const struct vfs_ino_map *m, uint64_t placeholder)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->pair[mid][0] == placeholder)
			return m->pair[mid][1];
		if (m->pair[mid][0] < placeholder)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

bool vfs_ino_map_empty(const struct vfs_ino_map *m)
{
	return !m->n;
}

void vfs_ino_map_apply(const struct vfs_ino_map *m, void *buf, size_t n)
{
	for (size_t off = 0; off + sizeof(struct linux_dirent64) <= n;) {
		struct linux_dirent64 *d = (void *)((char *)buf + off);
		uint64_t v = vfs_ino_map_find(m, d->d_ino);

		if (v)
			d->d_ino = v;
		if (!d->d_reclen)
			break;
		off += d->d_reclen;
	}
}

/* ---- a package directory standing for a merged one ------------------ */

struct covered_scan {
	const struct vfs *vfs;
	struct vfs_ino_map *m;
	size_t max; /* pairs that fit */
};

static int covered_ent(const struct linux_dirent64 *d, void *ctx)
{
	struct covered_scan *c = ctx;
	struct vfs_ino_map *m = c->m;

	if (m->n >= c->max)
		return 1; /* a partial map would be wrong silently: none */
	m->pair[m->n][0] = appv_hash64(d->d_name, strlen(d->d_name));
	m->pair[m->n][1] = vfs_origin_ino(c->vfs, d->d_ino, DTTOIF(d->d_type));
	m->n++;
	return 0;
}

const struct vfs_ino_map *vfs_covered_map(const struct vfs *vfs,
					  const char *vpath, void *buf,
					  size_t cap)
{
	struct vfs_ino_map *m = buf;
	struct covered_scan c = {.vfs = vfs, .m = m};
	char real[PATH_MAX];
	struct stat st;
	uint64_t img[2];
	int fd, r;

	if (!buf || cap < sizeof(*m) ||
	    vfs_image_ops.real(vfs, vpath, real, sizeof(real)) < 0 ||
	    appv_fstatat(AT_FDCWD, real, &st, 0) < 0)
		return NULL;
	img[0] = st.st_dev;
	img[1] = st.st_ino;
	if (vfs_upper_ops.real(vfs, vpath, real, sizeof(real)) < 0)
		return NULL;
	if (cap >= sizeof(*m) + VFS_COV_PAIRS * sizeof(m->pair[0]) &&
	    vfs_covered_known(vfs, vpath, img, m->pair, &m->n)) {
		m->magic = INO_MAGIC;
		return m;
	}
	fd = appv_openat(AT_FDCWD, real,
			 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	m->magic = INO_MAGIC;
	m->n = 0;
	c.max = (cap - sizeof(*m)) / sizeof(m->pair[0]);
	r = vfs_each_dirent(fd, covered_ent, &c);
	appv_close(fd);
	if (r != 0)
		return NULL;
	qsort(m->pair, m->n, sizeof(m->pair[0]), by_placeholder);
	return m;
}

const struct vfs_ino_map *vfs_covered_map_kept(const struct vfs *vfs,
					       const struct vfs_cov_ticket *t,
					       void *buf, size_t cap)
{
	struct vfs_ino_map *m = buf;

	if (!buf || cap < sizeof(*m) + VFS_COV_PAIRS * sizeof(m->pair[0]) ||
	    !vfs_covered_kept(vfs, t, m->pair, &m->n))
		return NULL;
	m->magic = INO_MAGIC;
	return m;
}

void vfs_ino_map_apply_names(const struct vfs_ino_map *m, void *buf,
			     size_t n)
{
	for (size_t off = 0; off + sizeof(struct linux_dirent64) <= n;) {
		struct linux_dirent64 *d = (void *)((char *)buf + off);
		uint64_t v = vfs_ino_map_find(
		    m, appv_hash64(d->d_name, strlen(d->d_name)));

		if (v)
			d->d_ino = v;
		if (!d->d_reclen)
			break;
		off += d->d_reclen;
	}
}
