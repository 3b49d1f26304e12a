// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/merge.c - merged directory listings (supervisor only, but for
 * vfs_merge_covered, which the shim uses to open a covered directory -
 * see image_covers - without a round trip).
 *
 * The union of a directory's layers is materialised as a real directory,
 * <run_dir>/m/<n><vpath>, holding one placeholder per visible name: empty
 * files, directories, symlinks with the same target, fifos, sockets; so
 * getdents64, lseek and rewinddir on it run natively with the right names
 * and d_type.  Device nodes are made as such (device 0:0: a placeholder is
 * never opened) by a privileged supervisor, as empty regular files by
 * others (mknod needs CAP_MKNOD).  Layers are filled top-down and a name
 * that already exists is skipped, so the top layer's entry decides the
 * type.  Only names and types
 * are meaningful: a stat of a child goes through the resolver, with the
 * directory mapped back by vfs_reverse().
 *
 * Cost: one syscall per entry (mknodat, mkdirat, or readlinkat+symlinkat
 * for symlinks; a stat only for DT_UNKNOWN).  Listings are reused within
 * the session: keyed by vpath, stamped with the upper and host directories'
 * (st_dev, st_ino, st_mtim, st_ctim) and the opaqueness above (the image is
 * immutable, the rules fixed), so reopening an unchanged directory costs
 * those stats.  A changed stamp builds a fresh listing; a listing is never
 * modified once built (an application may hold it open).  Cached ones are
 * named <run_dir>/m/c<n>; one superseded, and every uncached one, is
 * removed once no process holds it any more (merge_gc.c).
 *
 * The application may write in the scratch (it lies below /dev/shm or the
 * runtime directory): every level the supervisor makes, opens or removes
 * there is reached from vfs->run_fd, opened before the application ran,
 * with no symlink followed (vfs_scratch_dir), so a directory swapped for
 * a symlink fails the listing instead of moving its writes to the host.
 */
#include <errno.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>

#include "../common/mapguard.h"
#include "../common/path.h"
#include "../common/sys.h"
#include "vfs_internal.h"

#ifndef DT_DIR
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_LNK 10
#define DT_SOCK 12
#endif

struct merge {
	struct vfs *vfs;
	const char *vpath;	  /* the merged directory */
	int outfd;		  /* the materialised directory */
	unsigned long nents;	  /* placeholders made */
	unsigned long nwhiteouts; /* placeholders to sweep at the end */
	size_t wo_len;		  /* their names, NUL-separated, in wo */
	bool wo_full;		  /* some did not fit: sweep by scanning */
	struct vfs_inorec inos;	  /* the placeholders' real inodes */
	char child[PATH_MAX];
	char link[PATH_MAX];
	char wo[8192];
};


/* The child's virtual path into m->child; false when it does not fit. */
static bool child_path(struct merge *m, const char *name)
{
	size_t dl = strlen(m->vpath), nl = strlen(name);

	if (dl == 1)
		dl = 0;
	if (dl + 1 + nl + 1 > sizeof(m->child))
		return false;
	memcpy(m->child, m->vpath, dl);
	m->child[dl] = '/';
	memcpy(m->child + dl + 1, name, nl + 1);
	return true;
}

/* Whether @layer may show @name here, per the child's own rule. */
static bool visible(struct merge *m, const char *name, enum vfs_layer layer)
{
	int rule;

	if (!child_path(m, name))
		return false;
	rule = vfs_rule_for(m->vfs, m->child);
	if (rule == VFS_RULE_HIDE)
		return false;
	if (layer == VFS_LAYER_UPPER)
		return vfs_rule_shows_upper(rule);
	if (layer == VFS_LAYER_IMAGE)
		return vfs_rule_shows_image(rule);
	return vfs_rule_host_at(m->vfs, rule, m->child, strlen(m->child));
}

/* One placeholder for the entry of inode @ino (0 with @image: the
 * package's, found later); an existing name (from a higher layer) is
 * kept. */
static int add(struct merge *m, const char *name, mode_t mode,
	       const char *target, uint64_t ino, bool image)
{
	int fd = m->outfd, r = -EPERM;

	if (S_ISDIR(mode))
		r = appv_mkdirat(fd, name, 0755);
	else if (S_ISLNK(mode))
		r = (int)APPV_SYS(SYS_symlinkat, target ? target : "", fd, name,
				  0, 0, 0);
	else if (!S_ISREG(mode))
		r = (int)APPV_SYS(SYS_mknodat, fd, name, (mode & S_IFMT) | 0644,
				  0, 0, 0);
	/* a regular file, or a device node the supervisor may not make */
	if (r == -EPERM && !S_ISDIR(mode) && !S_ISLNK(mode))
		r = (int)APPV_SYS(SYS_mknodat, fd, name, S_IFREG | 0644, 0, 0,
				  0);
	if (r == 0) {
		vfs_inorec_add(&m->inos, name, ino, image);
		m->nents++;
	}
	return r == -EEXIST ? 0 : r;
}

static mode_t dtype_mode(unsigned char t)
{
	switch (t) {
	case DT_DIR:
		return S_IFDIR;
	case DT_LNK:
		return S_IFLNK;
	case DT_FIFO:
		return S_IFIFO;
	case DT_CHR:
		return S_IFCHR;
	case DT_BLK:
		return S_IFBLK;
	case DT_SOCK:
		return S_IFSOCK;
	default:
		return S_IFREG;
	}
}

/* Note a whiteout placeholder's name for the sweep. */
static void note_whiteout(struct merge *m, const char *name)
{
	size_t nl = strlen(name) + 1;

	m->nwhiteouts++;
	if (m->wo_full || m->wo_len + nl > sizeof(m->wo)) {
		m->wo_full = true;
		return;
	}
	memcpy(m->wo + m->wo_len, name, nl);
	m->wo_len += nl;
}

/* A symlink's target into m->link: VFS_MARKER_* for upper markers, or
 * -errno (vanished meanwhile). */
static int read_link(struct merge *m, int dirfd, const char *name,
		     enum vfs_layer layer)
{
	ssize_t n = appv_readlinkat(dirfd, name, m->link, sizeof(m->link) - 1);

	if (n < 0)
		return (int)n;
	m->link[n] = '\0';
	if (layer != VFS_LAYER_UPPER)
		return VFS_MARKER_NONE;
	return vfs_marker_of(m->link, n);
}

/* The inode stat reports for entry @d of @layer: a copy-up's origin's. */
static uint64_t layer_ino(const struct merge *m,
			  const struct linux_dirent64 *d, mode_t mode,
			  enum vfs_layer layer)
{
	return layer == VFS_LAYER_UPPER ? vfs_origin_ino(m->vfs, d->d_ino, mode)
					: d->d_ino;
}

static int add_real(struct merge *m, int dirfd, const struct linux_dirent64 *d,
		    enum vfs_layer layer)
{
	const char *name = d->d_name;
	mode_t mode = dtype_mode(d->d_type);
	struct stat st;
	int k;

	if (!visible(m, name, layer))
		return 0;
	if (d->d_type == DT_UNKNOWN) {
		if (appv_fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return 0; /* vanished meanwhile */
		mode = st.st_mode;
	}
	if (!S_ISLNK(mode))
		return add(m, name, mode, NULL, layer_ino(m, d, mode, layer),
			   false);
	/* One readlink gives the target and tells an upper marker: an opaque
	 * marker is not listed; a whiteout hides the name, its placeholder
	 * (a whiteout too) keeps the lower layers from adding it and is
	 * swept at the end. */
	k = read_link(m, dirfd, name, layer);
	if (k < 0 || k == VFS_MARKER_OPAQUE)
		return 0;
	if (k == VFS_MARKER_WHITEOUT)
		note_whiteout(m, name);
	return add(m, name, S_IFLNK, m->link,
		   layer_ino(m, d, S_IFLNK, layer), false);
}

struct layer_scan {
	struct merge *m;
	int dirfd;
	enum vfs_layer layer;
};

static int add_entry(const struct linux_dirent64 *d, void *ctx)
{
	struct layer_scan *ls = ctx;
	int r = add_real(ls->m, ls->dirfd, d, ls->layer);

	return r < 0 ? r : 0;
}

static int add_dir_fd(struct merge *m, int dirfd, enum vfs_layer layer)
{
	struct layer_scan ls = {m, dirfd, layer};

	return vfs_each_dirent(dirfd, add_entry, &ls);
}

/* @seen: the key found the directory in this layer.  An upper one gone
 * since (another session's rename moved it, a whiteout took its name)
 * would list as empty, its lower layers hidden by its opaqueness: the
 * caller resolves again (-ESTALE), as a native open finds the directory
 * or nothing. */
static int add_real_layer(struct merge *m, const struct vfs_layer_ops *ops,
			  bool seen)
{
	char real[PATH_MAX];
	int fd, r = ops->real(m->vfs, m->vpath, real, sizeof(real));

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	/* The host directory is followed like the resolver's hand-off does;
	 * the upper one is ours and never a symlink to follow. */
	if (ops->layer == VFS_LAYER_UPPER)
		fd = vfs_upper_open_dir(m->vfs, real); /* u-r: granted */
	else
		fd = appv_openat(AT_FDCWD, real, O_RDONLY | O_DIRECTORY |
						       O_CLOEXEC, 0);
	if (fd < 0 && seen && ops->layer == VFS_LAYER_UPPER &&
	    (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP))
		return -ESTALE;
	if (fd < 0)
		return fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP ? 0 : fd;
	r = add_dir_fd(m, fd, ops->layer);
	appv_close(fd);
	return r;
}

static int add_image(struct merge *m)
{
	struct vfs_index_ent e;
	uint32_t cur = 0;
	int r;

	if (!m->vfs->idx)
		return 0;
	while ((r = vfs_index_next_child(m->vfs->idx, m->vpath, &cur, &e)) ==
	       1) {
		const char *name = strrchr(e.path, '/') + 1;

		if (!visible(m, name, VFS_LAYER_IMAGE))
			continue;
		r = add(m, name, e.mode, e.target, 0, true);
		if (r < 0)
			return r;
	}
	return r == -ENOENT || r == -ENOTDIR ? 0 : r;
}

int vfs_scratch_dir(int dirfd, const char *rel)
{
	if (dirfd < 0)
		return -EBADF;
	return appv_openat2(dirfd, rel,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0,
			    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
}

/* mkdir @name in @fd and open it (a symlink there is not followed);
 * closes @fd. */
static int make_level(int fd, const char *name, mode_t mode)
{
	int r = appv_mkdirat(fd, name, mode);

	if (r == 0)
		r = vfs_scratch_dir(fd, name);
	appv_close(fd);
	return r;
}

/* mkdir -p <run_dir>/m/<n><vpath> with a fresh n ("c<n>" for a cached
 * listing), each level made and opened below the one above; opens the
 * last one. */
static int make_target(struct vfs *vfs, const char *vpath, bool cached,
		       char *out, size_t cap)
{
	size_t n, vl = strlen(vpath), m = vfs->merge_root_len + 1;
	int r, fd;

	if (!vfs->merge_root_len)
		return -EINVAL;
	if (vfs->merge_root_len + 24 + vl + 1 > cap)
		return -ENAMETOOLONG;
	r = appv_mkdirat(vfs->run_fd, "m", 0700);
	if (r < 0 && r != -EEXIST)
		return r;
	fd = vfs_scratch_dir(vfs->run_fd, "m");
	if (fd < 0)
		return fd;
	do {
		unsigned long seq =
		    __atomic_add_fetch(&vfs->merge_seq, 1, __ATOMIC_RELAXED);
		memcpy(out, vfs->merge_root, vfs->merge_root_len);
		n = vfs->merge_root_len;
		out[n++] = '/';
		if (cached)
			out[n++] = 'c';
		n += vfs_put_num(out + n, seq);
		out[n] = '\0';
		r = appv_mkdirat(fd, out + m, 0700);
	} while (r == -EEXIST);
	if (r == 0)
		r = vfs_scratch_dir(fd, out + m);
	appv_close(fd);
	if (r < 0 || vl <= 1)
		return r;
	fd = r;
	memcpy(out + n, vpath, vl + 1);
	for (char *c = out + n + 1, *e; fd >= 0 && *c; c = e + 1) {
		char save;

		e = strchr(c, '/');
		if (!e)
			e = c + strlen(c);
		save = *e;
		*e = '\0';
		fd = make_level(fd, c, 0755);
		*e = save;
		if (!save)
			break;
	}
	return fd;
}

/* The merged directory takes the top layer's permission bits and times. */
static void copy_attrs(struct vfs *vfs, const struct vfs_res *res, int fd)
{
	struct stat st;
	struct timespec ts[2];
	struct layer_hit hit;

	if (res->layer == VFS_LAYER_IMAGE &&
	    vfs_image_ops.lookup(vfs, res->vpath, strlen(res->vpath), &hit) ==
		0) {
		st.st_mode = hit.ent.mode;
		st.st_mtim.tv_sec = hit.ent.mtime;
		st.st_mtim.tv_nsec = hit.ent.mtime_nsec;
		st.st_atim = st.st_mtim;
	} else if (appv_fstatat(AT_FDCWD, res->real, &st, 0) < 0) {
		return;
	}
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	APPV_SYS(SYS_fchmod, fd, (st.st_mode & 07777) | 0700, 0, 0, 0, 0);
	APPV_SYS(SYS_utimensat, fd, NULL, ts, 0, 0, 0);
}

/* Remove the whiteout placeholders from the listing: by the noted names,
 * or, when they did not all fit, by scanning the listing. */
static int sweep_scan(struct merge *m);

static int sweep(struct merge *m)
{
	int r = 0;

	if (m->wo_full)
		return sweep_scan(m);
	for (size_t i = 0; i < m->wo_len && r >= 0;) {
		const char *nm = m->wo + i;

		r = appv_unlinkat(m->outfd, nm, 0);
		i += strlen(nm) + 1;
	}
	return r < 0 ? r : 0;
}

static int sweep_scan(struct merge *m)
{
	char buf[16384];
	struct stat st;
	int r =
	    (int)APPV_SYS(SYS_lseek, m->outfd, 0, 0 /* SEEK_SET */, 0, 0, 0);

	while (r >= 0) {
		ssize_t n = appv_getdents64(m->outfd, buf, sizeof(buf));

		if (n <= 0)
			return (int)n;
		for (ssize_t off = 0; off < n;) {
			const struct linux_dirent64 *d = (void *)(buf + off);

			off += d->d_reclen;
			if (d->d_type == DT_LNK &&
			    appv_fstatat(m->outfd, d->d_name, &st,
					 AT_SYMLINK_NOFOLLOW) == 0 &&
			    vfs_marker_at(m->outfd, d->d_name, &st) ==
				VFS_MARKER_WHITEOUT)
				r = appv_unlinkat(m->outfd, d->d_name, 0);
			if (r < 0)
				return r;
		}
	}
	return r;
}

/* --- the listing cache ------------------------------------------------ */

/* One contributing real directory, as last seen. */
struct merge_stamp {
	int err; /* 0, or why it could not be stat'ed (absent) */
	dev_t dev;
	ino_t ino;
	struct timespec mtim, ctim;
	mode_t mode; /* not compared: a chmod moves ctim */
};

struct merge_key {
	struct merge_stamp upper, host;
	bool lower; /* the lower layers show (no opaque upper at or above) */
};

struct merge_ent {
	struct merge_ent *next;
	uint32_t hash;
	unsigned long seq; /* the listing <run_dir>/m/c<seq>, 0: none */
	unsigned long nents; /* its entries */
	bool covered;	   /* the image's directory is the listing */
	struct merge_key key;
	char vpath[];
};

#define MC_BUCKETS 4096
#define MC_CHUNK (256 * 1024)
/* A stamp this close (ns) to the time it was taken may miss a change made
 * within the same timestamp tick: such a listing is not reused. */
#define MC_RACY_NS (50 * 1000 * 1000L)

struct mc_chunk {
	struct mc_chunk *next;
	size_t used;
};

struct merge_cache {
	struct mc_chunk *chunks; /* entries are carved from these */
	struct merge_ent *buckets[MC_BUCKETS];
};

static uint32_t mc_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void *mc_alloc(struct merge_cache *c, size_t len)
{
	struct mc_chunk *k = c->chunks;
	void *p;

	len = (len + 15) & ~(size_t)15;
	if (!k || k->used + len > MC_CHUNK) {
		p = appv_mmap(NULL, MC_CHUNK, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (appv_mmap_failed(p))
			return NULL;
		k = p;
		k->next = c->chunks;
		k->used = (sizeof(*k) + 15) & ~(size_t)15;
		c->chunks = k;
	}
	p = (char *)k + k->used;
	k->used += len;
	return p;
}

/* The cache entry of @vpath, made (empty) when missing; NULL when there is
 * no memory for it. */
static struct merge_ent *mc_entry(struct vfs *vfs, const char *vpath)
{
	struct merge_cache *c = vfs->mcache;
	uint32_t h = mc_hash(vpath);
	size_t vl = strlen(vpath);
	struct merge_ent *e;

	if (!c) {
		void *p = appv_mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (appv_mmap_failed(p))
			return NULL;
		c = vfs->mcache = p;
	}
	for (e = c->buckets[h % MC_BUCKETS]; e; e = e->next)
		if (e->hash == h && !strcmp(e->vpath, vpath))
			return e;
	if (sizeof(*e) + vl + 1 > MC_CHUNK / 2)
		return NULL;
	e = mc_alloc(c, sizeof(*e) + vl + 1);
	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->hash = h;
	memcpy(e->vpath, vpath, vl + 1);
	e->next = c->buckets[h % MC_BUCKETS];
	c->buckets[h % MC_BUCKETS] = e;
	return e;
}

static void cov_free(struct vfs *vfs);

void vfs_merge_cache_free(struct vfs *vfs)
{
	struct merge_cache *c = vfs->mcache;

	cov_free(vfs);
	vfs_merge_gc_free(vfs);
	if (!c)
		return;
	while (c->chunks) {
		struct mc_chunk *k = c->chunks;

		c->chunks = k->next;
		appv_munmap(k, MC_CHUNK);
	}
	appv_munmap(c, sizeof(*c));
	vfs->mcache = NULL;
}

/* Stat @ops's directory at @vpath: the upper one as is, the host one
 * followed (as add_real_layer opens them). */
static void stamp(struct vfs *vfs, const struct vfs_layer_ops *ops,
		  const char *vpath, struct merge_stamp *s)
{
	char real[PATH_MAX];
	struct stat st;
	int r = ops->real(vfs, vpath, real, sizeof(real));

	memset(s, 0, sizeof(*s));
	if (r >= 0)
		r = appv_fstatat(AT_FDCWD, real, &st,
				 ops->layer == VFS_LAYER_UPPER
				     ? AT_SYMLINK_NOFOLLOW
				     : 0);
	if (r < 0) {
		s->err = r;
		return;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->mtim = st.st_mtim;
	s->ctim = st.st_ctim;
	s->mode = st.st_mode;
}

static bool stamp_equal(const struct merge_stamp *a,
			const struct merge_stamp *b)
{
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino &&
	       a->mtim.tv_sec == b->mtim.tv_sec &&
	       a->mtim.tv_nsec == b->mtim.tv_nsec &&
	       a->ctim.tv_sec == b->ctim.tv_sec &&
	       a->ctim.tv_nsec == b->ctim.tv_nsec;
}

static bool stamp_racy(const struct merge_stamp *s, const struct timespec *now)
{
	const struct timespec *t[2] = {&s->mtim, &s->ctim};

	if (s->err)
		return false;
	for (int i = 0; i < 2; i++) {
		long long d = (long long)(now->tv_sec - t[i]->tv_sec) *
				  1000000000LL +
			      (now->tv_nsec - t[i]->tv_nsec);

		if (d < MC_RACY_NS)
			return true;
	}
	return false;
}

/* Whether an opaque upper directory at @vpath or above hides the lower
 * layers here. */
static bool opaque_above(const struct vfs *vfs, const char *vpath)
{
	size_t len = strlen(vpath);

	for (size_t i = 1; i <= len; i++)
		if ((i == len || vpath[i] == '/') &&
		    vfs_upper_opaque(vfs, vpath, i))
			return true;
	return false;
}

/* What decides the listing of @vpath under @rule, now; false when it
 * changes too recently to be trusted later. */
static bool take_key(struct vfs *vfs, const char *vpath, int rule,
		     struct merge_key *k)
{
	struct timespec now;

	memset(k, 0, sizeof(*k));
	k->lower = true;
	k->upper.err = k->host.err = -ENOENT;
	if (vfs_rule_shows_upper(rule)) {
		stamp(vfs, &vfs_upper_ops, vpath, &k->upper);
		/* An opaque upper directory hides the lower ones. */
		k->lower = !opaque_above(vfs, vpath);
	}
	if (k->lower && vfs_rule_host_at(vfs, rule, vpath, strlen(vpath)))
		stamp(vfs, &vfs_host_ops, vpath, &k->host);
	if (APPV_SYS(SYS_clock_gettime, CLOCK_REALTIME, &now, 0, 0, 0, 0) < 0)
		return false;
	return !stamp_racy(&k->upper, &now) && !stamp_racy(&k->host, &now);
}

static bool key_equal(const struct merge_key *a, const struct merge_key *b)
{
	return a->lower == b->lower && stamp_equal(&a->upper, &b->upper) &&
	       stamp_equal(&a->host, &b->host);
}

/* <run_dir>/m/c<seq><vpath> into @out. */
static int cached_path(struct vfs *vfs, const struct merge_ent *e, char *out,
		       size_t cap)
{
	size_t n = vfs->merge_root_len, vl = strlen(e->vpath);

	if (n + 24 + vl + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(out, vfs->merge_root, n);
	out[n++] = '/';
	out[n++] = 'c';
	n += vfs_put_num(out + n, e->seq);
	if (vl > 1)
		memcpy(out + n, e->vpath, vl), n += vl;
	out[n] = '\0';
	return 0;
}

/* The image's own directory <image_root><vpath> into @out. */
static int image_listing(struct vfs *vfs, const char *vpath, char *out,
			 size_t cap)
{
	int r = vfs_image_ops.real(vfs, vpath, out, cap);

	return r < 0 ? r : 0;
}

unsigned long vfs_listing_seq(const struct vfs *vfs, const char *path)
{
	size_t n = vfs->merge_root_len;
	const char *p = path + n + 1;
	unsigned long seq = 0;

	if (!n || strncmp(path, vfs->merge_root, n) || path[n] != '/')
		return 0;
	if (*p == 'c')
		p++;
	while (*p >= '0' && *p <= '9')
		seq = seq * 10 + (unsigned long)(*p++ - '0');
	return seq;
}

/* The listing's inode map (best effort: without one, readers keep the
 * placeholders' d_ino). */
static void write_inos(struct merge *m, const struct vfs_res *res)
{
	struct stat st;
	int image_fd = -1;

	if (appv_fstatat(AT_FDCWD, res->real, &st, 0) < 0)
		return;
	vfs_origin_stat(m->vfs, &st); /* "." as stat of the path says */
	if (m->inos.nimage &&
	    vfs_image_ops.real(m->vfs, m->vpath, m->child, sizeof(m->child)) >=
		0)
		image_fd = appv_openat(AT_FDCWD, m->child,
				       O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	vfs_inorec_write(m->vfs, &m->inos, m->outfd, image_fd, st.st_ino);
	if (image_fd >= 0)
		appv_close(image_fd);
}

/* Build the listing of @res into a fresh directory, whose path goes to
 * @out and number of entries to *@nents. */
static int build(struct vfs *vfs, const struct vfs_res *res,
		 const struct merge_key *key, int rule, bool cached, char *out,
		 size_t cap, unsigned long *nents)
{
	struct merge m = {.vfs = vfs, .vpath = res->vpath};
	int r = 0;

	m.outfd = make_target(vfs, res->vpath, cached, out, cap);
	if (m.outfd < 0)
		return m.outfd;
	if (vfs_rule_shows_upper(rule))
		r = add_real_layer(&m, &vfs_upper_ops, !key->upper.err);
	if (r == 0 && key->lower && vfs_rule_shows_image(rule))
		r = add_image(&m);
	if (r == 0 && key->lower &&
	    vfs_rule_host_at(vfs, rule, res->vpath, strlen(res->vpath)))
		r = add_real_layer(&m, &vfs_host_ops, !key->host.err);
	if (r == 0 && m.nwhiteouts)
		r = sweep(&m);
	if (r == 0) {
		copy_attrs(vfs, res, m.outfd);
		write_inos(&m, res);
	}
	vfs_inorec_free(&m.inos);
	appv_close(m.outfd);
	*nents = m.nents;
	return r;
}

/*
 * What is remembered of covered directories (image_covers): for an upper
 * directory's stamp (device, inode, mtime, ctime) and mode, whether it
 * holds only copies of image entries, and the copies' inodes by name
 * (vfs_covered_map), so that listing it again costs no scan: a covered
 * one nothing while the overlay's name epoch and directory generation
 * stand still (struct cov_key), else one stat.  Whatever would change the
 * answer - an entry made, removed or renamed in it, its chmod, its move - moves
 * its mtime or ctime, and through appv also one of the two; a stamp within
 * MC_RACY_NS of when it was taken is not kept (a change in the same tick
 * would keep it).  None of it depends on the session: the rules (nothing
 * below the directory) are asked again at each use, and the cache's
 * directory is only compared with a descriptor's.  So the shims of every
 * session of the overlay share one table, the file "<upper>.cov" (a
 * supervisor makes it; Landlock grants the shim that file): each find,
 * ls or make is a new process, and a covered directory is scanned once,
 * not once per process.  A supervisor keeps a table of its own: it does
 * not act on what applications wrote.  Threads, signal handlers and
 * processes share the table: each slot is a seqlock whose writer only
 * try-locks (one killed while it writes leaves its slot unused).  An
 * open's ticket (vfs_covered_map_kept) names a slot by its sequence
 * number, with the cache's directory the open gave: a slot written since
 * is not used for it.
 */
#define COV_SLOTS 2048
#define COV_PAIRS VFS_COV_PAIRS
#define COV_MANY UINT32_MAX /* more copies than a slot keeps */

/* The overlay's name epoch and directory generation (ok: both read). */
struct cov_ver {
	bool ok;
	unsigned int gen;
	uint64_t epoch;
};

struct cov_slot {
	unsigned int seq; /* odd while written */
	uint64_t hash;	  /* of the virtual path */
	struct merge_stamp upper;
	struct cov_ver ver; /* read before the stamp */
	bool covered;
	uint64_t img_dev, img_ino; /* the cache's directory (covered) */
	uint32_t n; /* pairs, or COV_MANY */
	uint64_t pair[COV_PAIRS][2]; /* name hash, inode; sorted */
};

struct vfs_cov {
	struct cov_slot slot[COV_SLOTS];
};

/* What an entry is checked against: the overlay's name epoch and directory
 * generation, read first - while neither moved since the entry was made,
 * nothing changed its directory: a name made there (a copy, a whiteout, a
 * new file) bumps the epoch, a chmod, move or removal of it the
 * generation, as the caches of upper_dirs.c and upper_negs.c trust - and
 * else its stamp, one stat of the upper directory (up.err: none yet). */
struct cov_key {
	struct cov_ver ver;
	struct merge_stamp up;
};

/* Scanning an upper directory for names of its own (image_covers); small
 * enough for the shim's stack. */
struct cover_scan {
	struct vfs *vfs;
	const char *vpath;
	int dirfd;
	int imgfd;		   /* the cache's directory (O_PATH), or -1 */
	uint64_t img_dev, img_ino; /* the cache's directory */
	uint32_t n; /* pairs noted, COV_MANY past COV_PAIRS */
	uint64_t pair[COV_PAIRS][2];
	char child[PATH_MAX];
};

/* Whether entry @d of upper directory @dirfd, of a lower entry's type,
 * may be its copy: no marker (whiteout, opaque), which is never a copy-up;
 * a symlink target longer than the buffer is not a marker. */
static bool no_marker(int dirfd, const struct linux_dirent64 *d)
{
	char buf[32];
	ssize_t n;

	if (d->d_type != DT_LNK)
		return true;
	n = appv_readlinkat(dirfd, d->d_name, buf, sizeof(buf));
	return n >= 0 && vfs_marker_of(buf, n) == VFS_MARKER_NONE;
}

/* Whether the upper directory's entry @d only re-lists the image's entry
 * of the same name with the same type (a copy-up): no whiteout, no name
 * of its own. */
static bool upper_ent_in_image(struct cover_scan *c,
			       const struct linux_dirent64 *d)
{
	struct layer_hit hit;
	mode_t mode = dtype_mode(d->d_type);
	size_t dl = strlen(c->vpath), nl = strlen(d->d_name);

	if (dl == 1)
		dl = 0;
	if (d->d_type == DT_UNKNOWN || dl + 1 + nl + 1 > sizeof(c->child))
		return false;
	memcpy(c->child, c->vpath, dl);
	c->child[dl] = '/';
	memcpy(c->child + dl + 1, d->d_name, nl + 1);
	if (vfs_image_ops.lookup(c->vfs, c->child, dl + 1 + nl, &hit) < 0 ||
	    (hit.mode & S_IFMT) != mode ||
	    (S_ISREG(mode) && d->d_type != 8 /* DT_REG */))
		return false;
	return no_marker(c->dirfd, d);
}

/*
 * Stops at an entry of the upper directory's own; notes the copies'
 * inodes by name (vfs_covered_map) - but not a copy that keeps its image
 * entry's inode (vfs_origin_ino: every copy-up recorded in the origin
 * table), which the cache directory's listing already shows: a
 * directory whose copies all keep theirs then has an empty map, and
 * readdir of it has nothing to change (intercept/shim_dir.c).
 */
static int not_in_image(const struct linux_dirent64 *d, void *ctx)
{
	struct cover_scan *c = ctx;
	struct stat st;
	uint64_t ino;

	if (!upper_ent_in_image(c, d))
		return 1;
	ino = vfs_origin_ino(c->vfs, d->d_ino, dtype_mode(d->d_type));
	if (c->imgfd >= 0 &&
	    appv_fstatat(c->imgfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_ino == ino)
		return 0;
	if (c->n < COV_PAIRS) {
		c->pair[c->n][0] = appv_hash64(d->d_name, strlen(d->d_name));
		c->pair[c->n++][1] = ino;
	} else {
		c->n = COV_MANY;
	}
	return 0;
}

/* "<upper>.cov" mapped (@create: made first), or NULL. */
static struct vfs_cov *cov_file(const struct vfs *vfs, bool create)
{
	char path[PATH_MAX];

	if (!vfs->upper_len || vfs_concat(path, sizeof(path), vfs->cfg.upper,
					  vfs->upper_len, ".cov") < 0)
		return NULL;
	return vfs_map_file(path, sizeof(struct vfs_cov), create);
}

static struct vfs_cov *cov_of(const struct vfs *vfs)
{
	struct vfs *v = (struct vfs *)vfs; /* the lazily set pointer */
#ifdef APPV_SHIM
	struct vfs_cov *t = __atomic_load_n(&v->cov, __ATOMIC_ACQUIRE);

	if (t)
		return t;
	if ((t = cov_file(vfs, false)))
		return vfs_map_keep((void **)&v->cov, t, sizeof(*t));
#endif
	return vfs_map_once((void **)&v->cov, sizeof(struct vfs_cov));
}

#ifndef APPV_SHIM
void vfs_cov_create(const struct vfs *vfs)
{
	struct vfs_cov *t = cov_file(vfs, true);

	if (t)
		appv_guard_munmap(t, sizeof(*t));
}
#endif

static void cov_free(struct vfs *vfs)
{
	if (vfs->cov)
		appv_guard_munmap(vfs->cov, sizeof(*vfs->cov));
	vfs->cov = NULL;
}

static bool cov_holds(const struct cov_slot *e, uint64_t h,
		      const struct cov_key *k)
{
	if (e->hash != h)
		return false;
	/* Not a "not covered": a name of its own removed (no bump) may
	 * have made it covered again. */
	if (k->ver.ok && e->ver.ok && e->covered &&
	    e->ver.epoch == k->ver.epoch && e->ver.gen == k->ver.gen)
		return true;
	return k->up.err == 0 && e->upper.mode == k->up.mode &&
	       stamp_equal(&e->upper, &k->up);
}

static void cov_key_start(const struct vfs *vfs, struct cov_key *k)
{
	k->ver.ok = vfs_upper_epoch(vfs, &k->ver.epoch) &&
		    vfs_upper_gen(vfs, &k->ver.gen);
	k->up.err = -ENODATA;
}

/* What the table knows of @vpath's upper directory under @k: *@covered,
 * and into @pair (when not NULL, and the inodes were kept: else false) the
 * copies' inodes by name, *@n of them. */
static bool cov_get(const struct vfs *vfs, const char *vpath,
		    const struct cov_key *k, bool *covered, uint64_t (*pair)[2],
		    uint32_t *n, const uint64_t *img, unsigned int *at)
{
	struct vfs_cov *t = cov_of(vfs); /* a shim's: filled by others */
	uint64_t h = appv_hash64(vpath, strlen(vpath));
	struct cov_slot *e;
	unsigned int seq;
	uint32_t en;

	if (!t)
		return false;
	e = &t->slot[h % COV_SLOTS];
	seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
	/* The count read once: a writer (another process of the overlay's)
	 * may change it between a second read and the copy. */
	en = __atomic_load_n(&e->n, __ATOMIC_RELAXED);
	if ((seq & 1) || !cov_holds(e, h, k) ||
	    (pair && (!e->covered || en > COV_PAIRS)) ||
	    (img && (e->img_dev != img[0] || e->img_ino != img[1])))
		return false;
	*covered = e->covered;
	if (pair) {
		*n = en;
		memcpy(pair, e->pair, en * sizeof(e->pair[0]));
	}
	if (at)
		*at = seq;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&e->seq, __ATOMIC_RELAXED) == seq;
}

static int by_hash(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* The slot's sequence number after the write, 0 when not kept. */
static unsigned int cov_put(const struct vfs *vfs, const char *vpath,
			    const struct cov_key *k, bool covered,
			    const struct cover_scan *c)
{
	uint64_t h = appv_hash64(vpath, strlen(vpath));
	struct vfs_cov *t;
	struct cov_slot *e;
	struct timespec now;
	struct timeval tv;
	unsigned int seq;

	/* libc's, from the vDSO: no syscall (gettimeofday: the shim may
	 * need no glibc newer than 2.14, clock_gettime is 2.17's) */
	if (gettimeofday(&tv, NULL) < 0)
		return 0;
	now.tv_sec = tv.tv_sec;
	now.tv_nsec = tv.tv_usec * 1000L;
	if (k->up.err || stamp_racy(&k->up, &now) || !(t = cov_of(vfs)))
		return 0;
	e = &t->slot[h % COV_SLOTS];
	if (!appv_seq_try(&e->seq, &seq))
		return 0; /* another writer (a thread, a signal handler) */
	e->hash = h;
	e->upper = k->up;
	e->ver = k->ver;
	e->covered = covered;
	e->img_dev = c->img_dev;
	e->img_ino = c->img_ino;
	e->n = covered ? c->n : COV_MANY;
	if (covered && c->n <= COV_PAIRS) { /* c->n: the slot's is shared */
		memcpy(e->pair, c->pair, c->n * sizeof(e->pair[0]));
		qsort(e->pair, c->n, sizeof(e->pair[0]), by_hash);
	}
	appv_seq_done(&e->seq, seq);
	return seq + 2;
}

/* A covered entry at ticket @at just found unchanged by its stamp under
 * @k: @k's versions are kept with it, so the next look needs no stat (a
 * session's start, or a name made anywhere in the overlay, moves them).
 * The ticket after the write, or @at. */
static unsigned int cov_touch(const struct vfs *vfs, const struct cov_key *k,
			      uint64_t h, unsigned int at)
{
	struct vfs_cov *t = cov_of(vfs);
	struct cov_slot *e;
	unsigned int seq;

	if (!t || !k->ver.ok || !at)
		return at;
	e = &t->slot[h % COV_SLOTS];
	if (!appv_seq_try(&e->seq, &seq))
		return at;
	if (seq != at || e->hash != h) {
		appv_seq_done(&e->seq, seq); /* changed meanwhile: as it is */
		return 0;
	}
	e->ver = k->ver;
	appv_seq_done(&e->seq, seq);
	return seq + 2;
}

/* What the table knows of @vpath (cov_get) while the overlay did not
 * move, else under its upper directory's stamp, taken into @k - none when
 * the stamp's mode is not @mode (if not 0).  A covered entry found by its
 * stamp takes @k's versions, its ticket *@at the new one. */
static bool cov_find(const struct vfs *vfs, const char *vpath, mode_t mode,
		     struct cov_key *k, bool *covered, uint64_t (*pair)[2],
		     uint32_t *n, const uint64_t *img, unsigned int *at)
{
	unsigned int seq = 0;

	cov_key_start(vfs, k);
	if (cov_get(vfs, vpath, k, covered, pair, n, img, at))
		return true;
	stamp((struct vfs *)vfs, &vfs_upper_ops, vpath, &k->up);
	if (k->up.err == 0 && mode && (k->up.mode & 07777) != (mode & 07777))
		k->up.err = -ESTALE;
	if (k->up.err || !cov_get(vfs, vpath, k, covered, pair, n, img, &seq))
		return false;
	if (*covered)
		seq = cov_touch(vfs, k, appv_hash64(vpath, strlen(vpath)), seq);
	if (at)
		*at = seq;
	return true;
}

bool vfs_covered_known(const struct vfs *vfs, const char *vpath,
		       const uint64_t img[2], uint64_t (*pair)[2], uint32_t *n)
{
	struct cov_key k;
	bool covered;

	if (!cov_of(vfs))
		return false;
	return cov_find(vfs, vpath, 0, &k, &covered, pair, n, img, NULL) &&
	       covered;
}

/* The slot ticket @t was given for, still holding what it held then;
 * NULL when the overlay moved since (vfs_covered_map_kept). */
static const struct cov_slot *ticket_slot(const struct vfs *vfs,
					  const struct vfs_cov_ticket *t)
{
	struct vfs_cov *tab = __atomic_load_n(&vfs->cov, __ATOMIC_ACQUIRE);
	const struct cov_slot *e;
	unsigned int gen;
	uint64_t epoch;

	if (!t->seq || !tab || !vfs_upper_epoch(vfs, &epoch) ||
	    epoch != t->epoch || !vfs_upper_gen(vfs, &gen) || gen != t->gen)
		return NULL;
	e = &tab->slot[t->hash % COV_SLOTS];
	if (__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE) != t->seq ||
	    e->hash != t->hash || !e->covered)
		return NULL;
	return e;
}

bool vfs_covered_kept(const struct vfs *vfs, const struct vfs_cov_ticket *t,
		      uint64_t (*pair)[2], uint32_t *n)
{
	const struct cov_slot *e = ticket_slot(vfs, t);
	uint32_t en = e ? __atomic_load_n(&e->n, __ATOMIC_RELAXED) : 0;

	if (!e || en > COV_PAIRS) /* read once, as in cov_get */
		return false;
	*n = en;
	memcpy(pair, e->pair, en * sizeof(e->pair[0]));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&e->seq, __ATOMIC_RELAXED) == t->seq;
}

bool vfs_covered_ticket_for(const struct vfs *vfs,
			    const struct vfs_cov_ticket *t, uint64_t dev,
			    uint64_t ino)
{
	const struct cov_slot *e = ticket_slot(vfs, t);
	bool same;

	if (!e)
		return false;
	same = e->img_dev == dev && e->img_ino == ino;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return same && __atomic_load_n(&e->seq, __ATOMIC_RELAXED) == t->seq;
}

/* The checks of image_covers that need no stamp: @vpath is an image
 * directory with no rule below it, whose cache directory has the upper
 * copy's mode @mode (fstat of the listing shows it: not after a chmod),
 * and every entry of its upper directory is a same-typed copy of an image
 * entry. */
static bool upper_only_copies(struct vfs *vfs, const char *vpath, mode_t mode,
			      unsigned int *at)
{
	struct cover_scan c = {.vfs = vfs, .vpath = vpath, .imgfd = -1};
	struct cov_key k;
	struct layer_hit hit;
	struct stat st;
	size_t vl = strlen(vpath);
	bool covered;

	/* The session's rules first: the table is the overlay's. */
	if (vfs_rule_under(vfs, vpath, vl))
		return false;
	/* Known when the stamp agrees with the walk's mode (no chmod in
	 * between). */
	if (cov_find(vfs, vpath, mode, &k, &covered, NULL, NULL, NULL, at))
		return covered;
	if (!vfs->idx || vfs_image_ops.lookup(vfs, vpath, vl, &hit) < 0 ||
	    !S_ISDIR(hit.mode) ||
	    vfs_image_ops.real(vfs, vpath, c.child, sizeof(c.child)) < 0 ||
	    appv_fstatat(AT_FDCWD, c.child, &st, 0) < 0 ||
	    (st.st_mode & 07777) != (mode & 07777))
		return false;
	c.img_dev = st.st_dev;
	c.img_ino = st.st_ino;
	c.imgfd = appv_openat(AT_FDCWD, c.child,
			      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	c.dirfd = vfs_upper_ops.real(vfs, vpath, c.child, sizeof(c.child)) < 0
		      ? -1
		      : appv_openat(
			    AT_FDCWD, c.child,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	covered =
	    c.dirfd >= 0 && vfs_each_dirent(c.dirfd, not_in_image, &c) == 0;
	if (c.dirfd >= 0)
		appv_close(c.dirfd);
	if (c.imgfd >= 0)
		appv_close(c.imgfd);
	if (c.dirfd < 0)
		return false;
	*at = cov_put(vfs, vpath, &k, covered, &c);
	return covered;
}

/*
 * The common merged directory - an image directory some of whose files were
 * copied up - lists exactly like the image's own directory in the content
 * cache (every name is there, with its type): no listing to build.  So when
 * the host shows no directory here, no rule lies below, and every upper
 * entry is a same-typed copy of an image entry (no whiteout, no new name).
 * The directory's own times (fstat of the listing) are then the image's;
 * its mode too, so the upper copy must still have the cache directory's
 * (a chmod'ed one is built, with the upper copy's mode).
 */
static bool image_covers(struct vfs *vfs, const struct vfs_res *res,
			 const struct merge_key *key, int rule)
{
	unsigned int at = 0;

	if (!key->lower || !vfs_rule_shows_image(rule) ||
	    key->host.err == 0 || key->upper.err != 0)
		return false;
	return upper_only_copies(vfs, res->vpath, res->mode, &at);
}

/* Scanning an upper directory for names the host directory @hostfd does
 * not hold with the same type (host_covers). */
struct host_scan {
	int upfd, hostfd;
};

static int not_on_host(const struct linux_dirent64 *d, void *ctx)
{
	const struct host_scan *c = ctx;
	struct stat st;

	if (d->d_type == DT_UNKNOWN ||
	    appv_fstatat(c->hostfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (st.st_mode & S_IFMT) != dtype_mode(d->d_type))
		return 1;
	return no_marker(c->upfd, d) ? 0 : 1;
}

/* The inode flags chattr sets of directory @fd (0 where the file system
 * has none). */
static long chattr_flags(int fd)
{
	long fl = 0;

	if (APPV_SYS(SYS_ioctl, fd, FS_IOC_GETFLAGS, &fl, 0, 0, 0) < 0)
		return 0;
	return fl & FS_FL_USER_MODIFIABLE;
}

/* Whether directories @a and @b show the same owner, mode, inode flags and
 * extended attributes: what calls on a descriptor of one show of it, where
 * the other is the virtual directory (its stat, lsattr, getfattr). */
static bool same_meta(int a, int b)
{
	char la[1024], lb[1024], va[256], vb[256];
	struct stat sa, sb;
	ssize_t na, nb;

	if (appv_fstat(a, &sa) < 0 || appv_fstat(b, &sb) < 0 ||
	    sa.st_mode != sb.st_mode || sa.st_uid != sb.st_uid ||
	    sa.st_gid != sb.st_gid || chattr_flags(a) != chattr_flags(b))
		return false;
	na = APPV_SYS(SYS_flistxattr, a, la, sizeof(la), 0, 0, 0);
	nb = APPV_SYS(SYS_flistxattr, b, lb, sizeof(lb), 0, 0, 0);
	if (na < 0 || nb < 0)
		return na == nb;
	if (na != nb || memcmp(la, lb, (size_t)na))
		return false;
	for (ssize_t off = 0; off < na; off += (ssize_t)strlen(la + off) + 1) {
		ssize_t x = APPV_SYS(SYS_fgetxattr, a, la + off, va, sizeof(va),
				     0, 0),
			y = APPV_SYS(SYS_fgetxattr, b, la + off, vb, sizeof(vb),
				     0, 0);

		if (x < 0 || x != y || memcmp(va, vb, (size_t)x))
			return false;
	}
	return true;
}

/*
 * The other common merged directory - a host directory some of whose
 * entries were copied up: the way to a file changed in the overlay (git's
 * .git of a repository, the src of a project) - lists exactly like the
 * host's own directory when the image shows nothing here, no rule lies
 * below, and every upper entry is a same-typed copy of a host entry (no
 * whiteout, no new name).  Its descriptor is then the host directory's:
 * the shim answers its fstat as stat of the path, but not its lsattr or
 * getfattr, so the upper copy must still show what the host directory
 * does (same_meta).  The host is not versioned, so this is asked at every
 * open, which costs the upper directory's listing and an lstat per entry
 * in it (a merged listing, the supervisor's, costs a round trip and a
 * directory of placeholders); a host entry removed since its copy-up
 * would then be missing from the listing.
 */
static bool host_covers(struct vfs *vfs, const struct vfs_res *res, int rule)
{
	struct host_scan c;
	char real[PATH_MAX];
	size_t vl = strlen(res->vpath);
	struct layer_hit hit;
	bool covered;

	if (vfs_rule_under(vfs, res->vpath, vl) ||
	    (vfs->idx && vfs_rule_shows_image(rule) &&
	     vfs_image_ops.lookup(vfs, res->vpath, vl, &hit) == 0) ||
	    vfs_upper_ops.real(vfs, res->vpath, real, sizeof(real)) < 0)
		return false;
	c.upfd = appv_openat(AT_FDCWD, real,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (c.upfd < 0)
		return false;
	c.hostfd = appv_openat(AT_FDCWD, res->vpath,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
			       0);
	covered = c.hostfd >= 0 && same_meta(c.upfd, c.hostfd) &&
		  vfs_each_dirent(c.upfd, not_on_host, &c) == 0;
	if (c.hostfd >= 0)
		appv_close(c.hostfd);
	appv_close(c.upfd);
	return covered;
}

int vfs_merge_covered(struct vfs *vfs, struct vfs_res *res, char *out,
		      size_t cap)
{
	int rule;
	struct stat st;
	struct merge_stamp host;

	res->cov_seq = 0;
	/* Covered implies an upper directory (the top layer) over one lower
	 * one: anything else is never that one's listing. */
	if (res->layer != VFS_LAYER_UPPER || !S_ISDIR(res->mode) ||
	    !res->merged_dir)
		return 0;
	rule = vfs_rule_for(vfs, res->vpath);
	if (!vfs_rule_shows_upper(rule) || opaque_above(vfs, res->vpath))
		return 0;
	if (!res->no_host &&
	    vfs_rule_host_at(vfs, rule, res->vpath, strlen(res->vpath))) {
		if (appv_fstatat(AT_FDCWD, res->vpath, &st,
				 AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			return host_covers(vfs, res, rule) &&
				       vfs_host_ops.real(vfs, res->vpath, out,
							 cap) >= 0
				   ? 1
				   : 0;
		stamp(vfs, &vfs_host_ops, res->vpath, &host);
		if (host.err == 0)
			return 0;
	}
	if (!vfs->idx || !vfs_rule_shows_image(rule))
		return 0;
	if (!upper_only_copies(vfs, res->vpath, res->mode, &res->cov_seq)) {
		res->cov_seq = 0;
		return 0;
	}
	return image_listing(vfs, res->vpath, out, cap) < 0 ? 0 : 1;
}

int vfs_merge_dir(struct vfs *vfs, const struct vfs_res *res, char *out,
		  size_t cap)
{
	int r, rule = vfs_rule_for(vfs, res->vpath);
	struct merge_key key;
	struct merge_ent *e = NULL;
	unsigned long nents = 0;
	bool stable, covered;
	char old[PATH_MAX];

	if (!S_ISDIR(res->mode))
		return -ENOTDIR;
	stable = take_key(vfs, res->vpath, rule, &key);
	if (vfs->merge_root_len)
		e = mc_entry(vfs, res->vpath);
	if (e && key_equal(&e->key, &key) && (e->seq || e->covered)) {
		if (e->covered)
			return image_listing(vfs, res->vpath, out, cap);
		return cached_path(vfs, e, out, cap);
	}
	covered = image_covers(vfs, res, &key, rule);
	if (covered)
		r = image_listing(vfs, res->vpath, out, cap);
	else
		r = build(vfs, res, &key, rule, e && stable, out, cap, &nents);
	if (r < 0)
		return r;
	/* A listing no later open is given goes once no process holds it:
	 * the one this replaces, and one not kept in the cache. */
	if (e && e->seq && cached_path(vfs, e, old, sizeof(old)) == 0)
		vfs_merge_retire(vfs, old, e->seq, e->nents);
	if (!covered && !(e && stable))
		vfs_merge_retire(vfs, out, vfs_listing_seq(vfs, out), nents);
	if (e) {
		e->seq = stable && !covered ? vfs_listing_seq(vfs, out) : 0;
		e->nents = nents;
		e->covered = stable && covered;
		e->key = key;
	}
	return 0;
}

/* Empty the flat listing directory @fd (its subdirectories are empty). */
static int empty_listing(int fd)
{
	char buf[16384];

	for (;;) {
		ssize_t n = appv_getdents64(fd, buf, sizeof(buf));
		int any = 0;

		if (n <= 0)
			return (int)n;
		for (ssize_t off = 0; off < n;) {
			const struct linux_dirent64 *d = (void *)(buf + off);
			const char *nm = d->d_name;

			off += d->d_reclen;
			if (nm[0] == '.' &&
			    (!nm[1] || (nm[1] == '.' && !nm[2])))
				continue;
			if (appv_unlinkat(fd, nm, 0) < 0)
				appv_unlinkat(fd, nm, AT_REMOVEDIR);
			any = 1;
		}
		if (any)
			APPV_SYS(SYS_lseek, fd, 0, 0, 0, 0, 0);
	}
}

/* rmdir <merge_root>/@rel: under its parent, reached from @mfd. */
static int remove_level(int mfd, char *rel, size_t n)
{
	size_t s = n;
	int fd, r;

	while (s > 0 && rel[s - 1] != '/')
		s--;
	if (s == 0)
		return appv_unlinkat(mfd, rel, AT_REMOVEDIR);
	rel[s - 1] = '\0';
	fd = vfs_scratch_dir(mfd, rel);
	rel[s - 1] = '/';
	if (fd < 0)
		return fd;
	r = appv_unlinkat(fd, rel + s, AT_REMOVEDIR);
	appv_close(fd);
	return r;
}

int vfs_merge_release(struct vfs *vfs, const char *listing)
{
	size_t n = strlen(listing), base = vfs->merge_root_len + 1;

	if (!vfs->merge_root_len ||
	    !appv_path_has_prefix(listing, vfs->merge_root) || n <= base)
		return -EINVAL;
	if (listing[base] == 'c')
		return 0; /* the cache's: merge_gc.c removes it */
	vfs_merge_unretire(vfs, vfs_listing_seq(vfs, listing));
	return vfs_listing_remove(vfs, listing);
}

int vfs_listing_remove(struct vfs *vfs, const char *listing)
{
	char p[PATH_MAX], ino_map[24];
	struct stat st;
	size_t n = strlen(listing), top, base = vfs->merge_root_len + 1;
	int fd, mfd, r;

	if (!vfs->merge_root_len ||
	    !appv_path_has_prefix(listing, vfs->merge_root) || n >= sizeof(p) ||
	    n <= base)
		return -EINVAL;
	/* Relative to <merge_root>: [c]<n>[<vpath>]. */
	n -= base;
	memcpy(p, listing + base, n + 1);
	for (top = 0; top < n && p[top] != '/';)
		top++; /* <n> */
	mfd = vfs_scratch_dir(vfs->run_fd, "m");
	if (mfd < 0)
		return mfd;
	fd = vfs_scratch_dir(mfd, p);
	if (fd < 0) {
		appv_close(mfd);
		return fd;
	}
	if (appv_fstatat(fd, "", &st, AT_EMPTY_PATH) == 0) {
		vfs_listing_map_name(st.st_ino, ino_map);
		appv_unlinkat(mfd, ino_map, 0);
	}
	r = empty_listing(fd);
	appv_close(fd);
	while (r == 0 && n >= top) {
		p[n] = '\0';
		r = remove_level(mfd, p, n);
		while (n > top && p[n - 1] != '/')
			n--;
		if (n <= top)
			break;
		n--;
	}
	appv_close(mfd);
	return r;
}

static int any_entry(const struct linux_dirent64 *d, void *ctx)
{
	return 1;
}

int vfs_dir_empty(struct vfs *vfs, const struct vfs_res *res)
{
	char out[PATH_MAX];
	int fd, r = vfs_merge_dir(vfs, res, out, sizeof(out));

	if (r < 0)
		return r;
	fd = appv_openat(AT_FDCWD, out, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	r = fd < 0 ? fd : vfs_each_dirent(fd, any_entry, NULL);
	if (fd >= 0)
		appv_close(fd);
	vfs_merge_release(vfs, out);
	return r < 0 ? r : !r;
}
