// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/merge.c - merged directory listings (supervisor only).
 *
 * The union of a directory's layers is materialised as a real directory,
 * <run_dir>/m/<n><vpath>, holding one placeholder per visible name: empty
 * files, directories, symlinks with the same target, fifos, sockets; so
 * getdents64, lseek and rewinddir on it run natively with the right names
 * and d_type.  Device nodes become empty regular files (creating them needs
 * privilege).  Layers are filled top-down and a name that already exists is
 * skipped, so the top layer's entry decides the type.  Only names and types
 * are meaningful: a stat of a child goes through the resolver, with the
 * directory mapped back by vfs_reverse().
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "../common/path.h"
#include "../common/sys.h"
#include "vfs_internal.h"

#ifndef DT_DIR
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_DIR 4
#define DT_LNK 10
#define DT_SOCK 12
#endif

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

struct merge {
	struct vfs *vfs;
	const char *vpath;	  /* the merged directory */
	int outfd;		  /* the materialised directory */
	unsigned long nwhiteouts; /* placeholders to sweep at the end */
	char child[PATH_MAX];
	char link[PATH_MAX];
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
	return vfs_rule_shows_host(rule);
}

/* One placeholder; an existing name (from a higher layer) is kept. */
static int add(struct merge *m, const char *name, mode_t mode,
	       const char *target)
{
	int fd = m->outfd, r;

	if (S_ISDIR(mode))
		r = appv_mkdirat(fd, name, 0755);
	else if (S_ISLNK(mode))
		r = (int)APPV_SYS(SYS_symlinkat, target ? target : "", fd, name,
				  0, 0, 0);
	else if (S_ISFIFO(mode) || S_ISSOCK(mode))
		r = (int)APPV_SYS(SYS_mknodat, fd, name, (mode & S_IFMT) | 0644,
				  0, 0, 0);
	else
		r = (int)APPV_SYS(SYS_mknodat, fd, name, S_IFREG | 0644, 0, 0,
				  0);
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
	case DT_SOCK:
		return S_IFSOCK;
	default:
		return S_IFREG;
	}
}

static int add_real(struct merge *m, int dirfd, const struct linux_dirent64 *d,
		    enum vfs_layer layer)
{
	const char *name = d->d_name;
	mode_t mode = dtype_mode(d->d_type);
	const char *target = NULL;
	struct stat st;

	if ((name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]))) ||
	    !visible(m, name, layer))
		return 0;
	if ((d->d_type == DT_UNKNOWN ||
	     (layer == VFS_LAYER_UPPER && d->d_type == DT_LNK)) &&
	    appv_fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		mode = st.st_mode;
	/* An upper whiteout hides the name: its placeholder (a whiteout too)
	 * keeps the lower layers from adding it and is swept at the end; an
	 * opaque marker is not listed at all. */
	if (layer == VFS_LAYER_UPPER && S_ISLNK(mode)) {
		int k = vfs_marker_at(dirfd, name, &st);

		if (k == VFS_MARKER_OPAQUE)
			return 0;
		if (k == VFS_MARKER_WHITEOUT) {
			m->nwhiteouts++;
			return add(m, name, S_IFLNK, VFS_WHITEOUT_TARGET);
		}
	}
	if (S_ISLNK(mode)) {
		ssize_t n =
		    appv_readlinkat(dirfd, name, m->link, sizeof(m->link) - 1);

		if (n < 0)
			return 0; /* vanished meanwhile */
		m->link[n] = '\0';
		target = m->link;
	}
	return add(m, name, mode, target);
}

static int add_dir_fd(struct merge *m, int dirfd, enum vfs_layer layer)
{
	char buf[16384];

	for (;;) {
		ssize_t n = appv_getdents64(dirfd, buf, sizeof(buf));

		if (n <= 0)
			return (int)n;
		for (ssize_t off = 0; off < n;) {
			const struct linux_dirent64 *d = (void *)(buf + off);
			int r = add_real(m, dirfd, d, layer);

			if (r < 0)
				return r;
			off += d->d_reclen;
		}
	}
}

static int add_real_layer(struct merge *m, const struct vfs_layer_ops *ops)
{
	char real[PATH_MAX];
	int fd, r = ops->real(m->vfs, m->vpath, real, sizeof(real));

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	/* The host directory is followed like the resolver's hand-off does;
	 * the upper one is ours and never a symlink to follow. */
	fd = appv_openat(AT_FDCWD, real,
			 O_RDONLY | O_DIRECTORY | O_CLOEXEC |
			     (ops->layer == VFS_LAYER_UPPER ? O_NOFOLLOW : 0),
			 0);
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
		r = add(m, name, e.mode, e.target);
		if (r < 0)
			return r;
	}
	return r == -ENOENT || r == -ENOTDIR ? 0 : r;
}

/* mkdir -p <run_dir>/m/<n><vpath> with a fresh n; opens the last one. */
static int make_target(struct vfs *vfs, const char *vpath, char *out,
		       size_t cap)
{
	size_t n, vl = strlen(vpath);
	int r;

	if (!vfs->merge_root_len)
		return -EINVAL;
	r = appv_mkdirat(AT_FDCWD, vfs->cfg.run_dir, 0700);
	if (r == 0 || r == -EEXIST)
		r = appv_mkdirat(AT_FDCWD, vfs->merge_root, 0700);
	if (r < 0 && r != -EEXIST)
		return r;
	if (vfs->merge_root_len + 24 + vl + 1 > cap)
		return -ENAMETOOLONG;
	do {
		unsigned long seq =
		    __atomic_add_fetch(&vfs->merge_seq, 1, __ATOMIC_RELAXED);
		memcpy(out, vfs->merge_root, vfs->merge_root_len);
		n = vfs->merge_root_len;
		out[n++] = '/';
		n += vfs_put_num(out + n, seq);
		out[n] = '\0';
		r = appv_mkdirat(AT_FDCWD, out, 0700);
	} while (r == -EEXIST);
	if (r < 0)
		return r;
	for (size_t i = 1; i <= vl && vl > 1; i++) {
		if (i < vl && vpath[i] != '/')
			continue;
		memcpy(out + n, vpath, i);
		out[n + i] = '\0';
		r = appv_mkdirat(AT_FDCWD, out, 0755);
		if (r < 0)
			return r;
	}
	return appv_openat(AT_FDCWD, out, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			   0);
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

/* Remove the whiteout placeholders from the listing. */
static int sweep(struct merge *m)
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

int vfs_merge_dir(struct vfs *vfs, const struct vfs_res *res, char *out,
		  size_t cap)
{
	struct merge m = {.vfs = vfs, .vpath = res->vpath};
	int r, rule = vfs_rule_for(vfs, res->vpath);
	bool lower = true;

	if (!S_ISDIR(res->mode))
		return -ENOTDIR;
	m.outfd = make_target(vfs, res->vpath, out, cap);
	if (m.outfd < 0)
		return m.outfd;
	r = 0;
	if (vfs_rule_shows_upper(rule)) {
		r = add_real_layer(&m, &vfs_upper_ops);
		/* An opaque upper directory hides the lower ones. */
		lower = !opaque_above(vfs, res->vpath);
	}
	if (r == 0 && lower && vfs_rule_shows_image(rule))
		r = add_image(&m);
	if (r == 0 && lower && vfs_rule_shows_host(rule))
		r = add_real_layer(&m, &vfs_host_ops);
	if (r == 0 && m.nwhiteouts)
		r = sweep(&m);
	if (r == 0)
		copy_attrs(vfs, res, m.outfd);
	appv_close(m.outfd);
	return r;
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

int vfs_merge_release(struct vfs *vfs, const char *listing)
{
	char p[PATH_MAX];
	size_t n = strlen(listing), top;
	int fd, r;

	if (!vfs->merge_root_len ||
	    !appv_path_has_prefix(listing, vfs->merge_root) || n >= sizeof(p) ||
	    n <= vfs->merge_root_len + 1)
		return -EINVAL;
	top = vfs->merge_root_len + 1;
	while (top < n && listing[top] != '/')
		top++; /* <merge_root>/<n> */
	memcpy(p, listing, n + 1);
	fd = appv_openat(AT_FDCWD, p,
			 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	r = empty_listing(fd);
	appv_close(fd);
	while (r == 0 && n >= top) {
		p[n] = '\0';
		r = appv_unlinkat(AT_FDCWD, p, AT_REMOVEDIR);
		while (n > top && p[n - 1] != '/')
			n--;
		if (n <= top)
			break;
		n--;
	}
	return r;
}

int vfs_dir_empty(struct vfs *vfs, const struct vfs_res *res)
{
	char out[PATH_MAX], buf[4096];
	int fd, r = vfs_merge_dir(vfs, res, out, sizeof(out));
	ssize_t n;

	if (r < 0)
		return r;
	fd = appv_openat(AT_FDCWD, out, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	r = fd;
	while (fd >= 0) {
		n = appv_getdents64(fd, buf, sizeof(buf));
		if (n <= 0) {
			r = n < 0 ? (int)n : 1;
			break;
		}
		r = 1;
		for (ssize_t off = 0; off < n && r;) {
			const struct linux_dirent64 *d = (void *)(buf + off);
			const char *nm = d->d_name;

			off += d->d_reclen;
			r = nm[0] == '.' &&
			    (!nm[1] || (nm[1] == '.' && !nm[2]));
		}
		if (!r)
			break;
	}
	if (fd >= 0)
		appv_close(fd);
	vfs_merge_release(vfs, out);
	return r;
}
