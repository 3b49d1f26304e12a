// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * packages/cache.c - the content cache <cache_base>/<id>/.
 *
 *   root/     the fs/ tree: directories and symlinks real, regular files
 *             placeholders of the right size (sparse), mode and mtime
 *   index     vfs/image_index.h, regular files numbered in our entry order
 *   state     one byte per regular file, 1 = data present
 *   lock      flock()ed while a placeholder is filled
 *   verified  the SHA-256 stamp (image_read.c)
 *
 * The directory is built under <id>.tmp.XXXXXX and renamed into place, so
 * a reader either sees a complete cache or none; when two sessions race,
 * the loser removes its copy.  Extraction fills a placeholder in place (its
 * inode never changes, so open descriptors and cached stats stay valid),
 * under the lock, and sets the state byte last: a crash leaves the byte 0
 * and the next call redoes the work.  Data is not fsync'ed: a process crash
 * loses nothing (the page cache survives it), a power cut may need
 * `rm -rf` of the cache entry.  One that lacks a part (index, state, root:
 * removed by hand, a cleanup cut short) or whose index or state is damaged
 * (truncated: a program of the user may, in fast mode) is built again and
 * takes its place.  A session that runs meanwhile takes a state byte past
 * the end of its file for 0: the file is extracted again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/sys.h"
#include "../vfs/image_index.h"
#include "pkg_internal.h"

#define COPY_CHUNK (128 * 1024)

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/* The mode a real file in root/ gets: no set-id bits on our own copies;
 * directories stay traversable by their owner. */
static mode_t real_mode(mode_t mode)
{
	mode_t m = mode & 07777 & ~(mode_t)(S_ISUID | S_ISGID);

	return S_ISDIR(mode) ? m | S_IRUSR | S_IXUSR : m;
}

static const char *rel_of(const struct pkg_entry *e)
{
	return strcmp(e->path, "/") == 0 ? "." : e->path + 1;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Remove @name under @at recursively (our own temp trees only). */
static int rm_rf(int at, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if (unlinkat(at, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	fchmodat(at, name, 0700, 0);
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rm_rf(dirfd(d), de->d_name);
	closedir(d);
	return unlinkat(at, name, AT_REMOVEDIR) == 0 ? 0 : -errno;
}

static int set_times(int at, const char *rel, int64_t mtime, int flags)
{
	struct timespec ts[2] = { { .tv_sec = mtime }, { .tv_sec = mtime } };

	return utimensat(at, rel, ts, flags) == 0 ? 0 : -errno;
}

/* user.* xattrs of @e on @fd (before the final chmod: setting them needs
 * write permission on the inode).  On failure @diag names the file, the
 * attribute and, for a file system without user xattrs, the remedy. */
static int apply_xattrs(const struct pkg *p, int fd, const struct pkg_entry *e,
			struct appv_diag *diag, bool *said)
{
	const char *failed = "";
	int r;

	if (!e->xattrs)
		return 0;
	r = pkg_xattr_apply_user(fd, e->xattrs, e->xattrs_len, &failed);
	*said = r < 0;
	if (r == -EOPNOTSUPP)
		return appv_diag_set(diag, r, "%s: %s has extended attribute "
				     "%s, but the cache file system does not "
				     "support user extended attributes (put "
				     "the appv cache on one that does, e.g. "
				     "ext4, xfs, btrfs or tmpfs)", p->path,
				     e->path, failed);
	if (r < 0)
		return appv_diag_set(diag, r, "%s: setting extended attribute "
				     "%s of %s in the cache: %s", p->path,
				     failed, e->path, strerror(-r));
	return 0;
}

static int make_placeholder(const struct pkg *p, int rootfd,
			    const struct pkg_entry *e, struct appv_diag *diag,
			    bool *said)
{
	struct timespec ts[2] = { { .tv_sec = e->mtime },
				  { .tv_sec = e->mtime } };
	_cleanup_close_ int fd = -1;
	int r;

	fd = openat(rootfd, rel_of(e), O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)e->size) != 0)
		return -errno;
	r = apply_xattrs(p, fd, e, diag, said);
	if (r < 0)
		return r;
	if (fchmod(fd, real_mode(e->mode)) != 0 || futimens(fd, ts) != 0)
		return -errno;
	return 0;
}

static int make_dir(const struct pkg *p, int rootfd, const struct pkg_entry *e,
		    struct appv_diag *diag, bool *said)
{
	const char *rel = rel_of(e);
	_cleanup_close_ int fd = -1;

	if (strcmp(rel, ".") != 0 && mkdirat(rootfd, rel, 0700) != 0)
		return -errno;
	if (!e->xattrs)
		return 0;
	fd = openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				   O_CLOEXEC);
	return fd < 0 ? -errno : apply_xattrs(p, fd, e, diag, said);
}

/* Regular files: the first name is a placeholder, further names of the
 * same image inode (hard links) are link()s to it. */
static int make_entry(const struct pkg *p, int rootfd,
		      const struct pkg_entry *e, struct appv_diag *diag,
		      bool *said)
{
	const char *rel = rel_of(e);
	const struct pkg_entry *first;

	if (S_ISDIR(e->mode))
		return make_dir(p, rootfd, e, diag, said);
	if (S_ISLNK(e->mode)) {
		if (symlinkat(e->target, rootfd, rel) != 0)
			return -errno;
		return set_times(rootfd, rel, e->mtime, AT_SYMLINK_NOFOLLOW);
	}
	first = &p->ents[p->file_ent[e->file_no]];
	if (first != e)
		return linkat(rootfd, rel_of(first), rootfd, rel, 0) == 0
			       ? 0 : -errno;
	return make_placeholder(p, rootfd, e, diag, said);
}

/* root/: entries in pre-order, then directory modes and times children
 * first (creating a child changes its parent's mtime). */
static int build_root(const struct pkg *p, int tmpfd, struct appv_diag *diag)
{
	_cleanup_close_ int rootfd = -1;
	int r = 0;

	if (mkdirat(tmpfd, "root", 0700) != 0)
		return -errno;
	rootfd = openat(tmpfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	for (size_t i = 0; i < p->nents && r == 0; i++) {
		bool said = false;

		r = make_entry(p, rootfd, &p->ents[i], diag, &said);
		if (r < 0 && !said)
			return appv_diag_set(diag, r, "%s: cannot create %s in "
					     "the cache: %s", p->path,
					     p->ents[i].path, strerror(-r));
		if (r < 0)
			return r;
	}
	for (size_t i = p->nents; i-- > 0 && r == 0;) {
		const struct pkg_entry *e = &p->ents[i];
		if (!S_ISDIR(e->mode))
			continue;
		if (fchmodat(rootfd, rel_of(e), real_mode(e->mode), 0) != 0)
			r = -errno;
		else
			r = set_times(rootfd, rel_of(e), e->mtime, 0);
	}
	return r;
}

static int write_index(const struct pkg *p, int tmpfd)
{
	struct vfs_index_ent *v = calloc(p->nents ? p->nents : 1, sizeof(*v));
	int r;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < p->nents; i++) {
		const struct pkg_entry *e = &p->ents[i];
		const struct pkg_entry *first = NULL;

		if (S_ISREG(e->mode))
			first = &p->ents[p->file_ent[e->file_no]];
		v[i] = (struct vfs_index_ent){
			.path = e->path, .target = e->target, .mode = e->mode,
			.uid = appv_geteuid(), .gid = appv_getegid(), .size = e->size,
			.mtime = e->mtime, .file_no = e->file_no,
			.link_to = first && first != e ? first->path : NULL,
		};
	}
	r = vfs_index_write(tmpfd, "index", v, p->nents);
	free(v);
	if (r >= 0 && (uint32_t)r != p->nfiles)
		r = -EPROTO; /* numbering disagrees with ours */
	return r < 0 ? r : 0;
}

int pkg_index_private(struct pkg *p, struct vfs_index **out,
		      struct appv_diag *diag)
{
	const char *base = getenv("TMPDIR");
	char tmp[PATH_MAX];
	int r, dfd;

	if (!base || base[0] != '/')
		base = "/tmp";
	if (snprintf(tmp, sizeof(tmp), "%s/appv-index.XXXXXX", base) >=
	    (int)sizeof(tmp))
		return appv_diag_set(diag, -ENAMETOOLONG, "%s: path too long",
				     base);
	r = pkg_tree_load(p, diag); /* a stamped open has not walked yet */
	if (r < 0)
		return r;
	if (!mkdtemp(tmp))
		return appv_diag_set(diag, -errno, "%s: %s", tmp,
				     strerror(errno));
	dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = dfd < 0 ? -errno : write_index(p, dfd);
	if (r == 0)
		r = vfs_index_open(dfd, "index", out);
	if (dfd >= 0) {
		unlinkat(dfd, "index", 0);
		close(dfd);
	}
	rm_rf(AT_FDCWD, tmp);
	if (r < 0)
		appv_diag_set(diag, r, "%s: making its index: %s", p->path,
			      strerror(-r));
	return r;
}

/* state: 0 per file, except empty files, whose placeholder is complete. */
static int write_state(const struct pkg *p, int tmpfd)
{
	_cleanup_free_ char *buf = calloc(p->nfiles ? p->nfiles : 1, 1);
	_cleanup_close_ int fd = -1;
	int r;

	if (!buf)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nfiles; i++)
		buf[i] = p->ents[p->file_ent[i]].size == 0;
	fd = openat(tmpfd, "state", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return -errno;
	r = appv_write_full(fd, buf, p->nfiles);
	if (r == 0) {
		int lfd = openat(tmpfd, "lock", O_WRONLY | O_CREAT | O_EXCL |
						       O_CLOEXEC, 0600);
		if (lfd < 0)
			return -errno;
		close(lfd);
	}
	return r;
}

static int build_cache(const struct pkg *p, const char *tmp,
		       struct appv_diag *diag)
{
	_cleanup_close_ int tmpfd = open(tmp, O_RDONLY | O_DIRECTORY |
						      O_CLOEXEC);
	int r;

	if (tmpfd < 0)
		return -errno;
	r = build_root(p, tmpfd, diag);
	if (r < 0)
		return r;
	r = write_index(p, tmpfd);
	if (r == 0)
		r = write_state(p, tmpfd);
	if (r < 0)
		appv_diag_set(diag, r, "%s: writing the cache index: %s",
			      p->path, strerror(-r));
	return r;
}

static bool say(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool say(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return true;
}

/* Whether the cache entry @dir cannot serve as it is, and why (into @why):
 * a part missing (removed by hand, a cleanup cut short) or damaged (a
 * crash, a full disk, a program of the user truncating it: fast mode lets
 * it).  The index must pass its own checks and, once @p is walked, number
 * as many files as @p; state must hold a byte per file.  What root/ holds
 * is not checked. */
static bool damaged(const struct pkg *p, const char *dir, char *why, size_t cap)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct vfs_index *idx;
	struct stat st;
	uint32_t n;
	int r;

	if (dfd < 0)
		return say(why, cap, "%s: %s", dir, strerror(errno));
	r = vfs_index_open(dfd, "index", &idx);
	if (r < 0)
		return say(why, cap, "%s/index: %s", dir,
			   r == -EINVAL ? "header or size wrong"
					: strerror(-r));
	n = vfs_index_nfiles(idx);
	vfs_index_close(idx);
	if (p->walked && n != p->nfiles)
		return say(why, cap, "%s/index: %u files, the package has %u",
			   dir, n, p->nfiles);
	if (fstatat(dfd, "state", &st, 0) != 0)
		return say(why, cap, "%s/state: %s", dir, strerror(errno));
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < n)
		return say(why, cap, "%s/state: %lld bytes for %u files", dir,
			   (long long)st.st_size, n);
	if (faccessat(dfd, "root", F_OK, 0) != 0)
		return say(why, cap, "%s/root: %s", dir, strerror(errno));
	return false;
}

/* The cache entry @dir is there but damaged: the new one @tmp takes its
 * place, under a lock on @cache_base (another session may be repairing
 * it too: then its entry is used).  A running session keeps the files it
 * has open (and its mappings) of the old one. */
static int replace_broken(const struct pkg *p, const char *cache_base,
			  const char *dir, const char *tmp,
			  struct appv_diag *diag)
{
	_cleanup_close_ int lock = open(cache_base, O_RDONLY | O_DIRECTORY |
							 O_CLOEXEC);
	char aside[PATH_MAX], why[PATH_MAX + 64], now[PATH_MAX + 64];
	int r = 0;

	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return appv_diag_set(diag, -errno, "%s: %s", cache_base,
				     strerror(errno));
	if (!damaged(p, dir, why, sizeof(why)))
		return 0;
	if (snprintf(aside, sizeof(aside), "%s.broken.XXXXXX", dir) >=
	    (int)sizeof(aside))
		return appv_diag_set(diag, -ENAMETOOLONG, "%s: cache path too "
				     "long", dir);
	if (!mkdtemp(aside))
		return appv_diag_set(diag, -errno, "%s: %s", dir,
				     strerror(errno));
	/* Moved over the empty @aside, then the new one goes in (a session
	 * that found no entry meanwhile may have put its own: used). */
	if (rename(dir, aside) != 0 ||
	    renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_NOREPLACE) != 0)
		r = -errno;
	if ((r == -EEXIST || r == -ENOTEMPTY) &&
	    !damaged(p, dir, now, sizeof(now)))
		r = 0;
	if (r < 0)
		appv_diag_set(diag, r,
			      "%s: replacing a damaged package cache: %s", dir,
			      strerror(-r));
	rm_rf(AT_FDCWD, aside);
	if (r == 0) /* a warning for the caller */
		appv_diag_set(
		    diag, 0,
		    "%s: the package cache was damaged; built it again", why);
	return r;
}

int pkg_cache_prepare(struct pkg *p, const char *cache_base, char *image_dir,
		      size_t cap, struct appv_diag *diag)
{
	char dir[PATH_MAX], tmp[PATH_MAX], why[PATH_MAX + 64];
	int r;

	if (snprintf(dir, sizeof(dir), "%s/%s", cache_base, p->id) >=
		    (int)sizeof(dir) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", dir) >=
		    (int)sizeof(tmp) || strlen(dir) >= cap)
		return appv_diag_set(diag, -ENAMETOOLONG, "%s: cache path too "
				     "long", cache_base);
	memcpy(image_dir, dir, strlen(dir) + 1);
	if (!damaged(p, dir, why, sizeof(why)))
		goto done;
	r = pkg_tree_load(p, diag); /* a stamped open has not walked yet */
	if (r < 0)
		return r;
	r = mkdir_p(cache_base, 0700);
	if (r < 0)
		return appv_diag_set(diag, r, "%s: %s", cache_base,
				     strerror(-r));
	if (!mkdtemp(tmp))
		return appv_diag_set(diag, -errno, "%s: %s", tmp,
				     strerror(errno));
	r = build_cache(p, tmp, diag);
	if (r == 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, dir,
				RENAME_NOREPLACE) != 0) {
		r = -errno;
		/* Another session won the race: use theirs.  Or what is
		 * there is damaged. */
		if (r == -EEXIST || r == -ENOTEMPTY)
			r = !damaged(p, dir, why, sizeof(why))
				? 0
				: replace_broken(p, cache_base, dir, tmp, diag);
		else
			appv_diag_set(diag, r, "%s: %s", dir, strerror(-r));
	}
	rm_rf(AT_FDCWD, tmp);
	if (r < 0)
		return r;
done:
	pkg_stamp_write(p, cache_base);
	return 0;
}

/* ---- extraction ---- */

static bool all_zero(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i])
			return false;
	return true;
}

/* pwrite all of @n bytes: a short write (a full disk) is retried, so the
 * caller learns why (-ENOSPC, not -EIO). */
static int pwrite_full(int fd, const char *buf, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, buf, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		buf += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int copy_data(struct pkg *p, uint32_t file_no, int fd, uint64_t size)
{
	_cleanup_free_ char *buf = malloc(COPY_CHUNK);
	uint64_t off = 0;
	int n, r;

	if (!buf)
		return -ENOMEM;
	while (off < size) {
		n = pkg_read_file(p, file_no, off, buf, COPY_CHUNK);
		if (n <= 0)
			return n < 0 ? n : -EIO;
		/* the placeholder is sparse: leave zero runs as holes */
		if (!all_zero(buf, (size_t)n)) {
			r = pwrite_full(fd, buf, (size_t)n, off);
			if (r < 0)
				return r;
		}
		off += (uint64_t)n;
	}
	return 0;
}

static int open_placeholder(int rootfd, const struct pkg_entry *e)
{
	const int flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC;
	const uint64_t resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
	int fd = appv_openat2(rootfd, rel_of(e), flags, 0, resolve);

	if (fd != -EACCES)
		return fd;
	/* a read-only file: open it for writing once, restore mode after */
	if (fchmodat(rootfd, rel_of(e), real_mode(e->mode) | S_IWUSR, 0) != 0)
		return -errno;
	return appv_openat2(rootfd, rel_of(e), flags, 0, resolve);
}

/* Whether the package file is still as it was opened (and verified):
 * one written over in place since would fill the cache of this package
 * id with another's bytes, for good. */
static bool same_file(const struct pkg *p)
{
	struct stat st;

	return fstat(p->fd, &st) == 0 && st.st_size == p->st.st_size &&
	       st.st_mtim.tv_sec == p->st.st_mtim.tv_sec &&
	       st.st_mtim.tv_nsec == p->st.st_mtim.tv_nsec &&
	       st.st_ctim.tv_sec == p->st.st_ctim.tv_sec &&
	       st.st_ctim.tv_nsec == p->st.st_ctim.tv_nsec;
}

static int fill(struct pkg *p, int dfd, const struct pkg_entry *e)
{
	struct timespec ts[2] = { { .tv_sec = e->mtime },
				  { .tv_sec = e->mtime } };
	_cleanup_close_ int rootfd = -1;
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	rootfd = openat(dfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	fd = open_placeholder(rootfd, e);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0)
		return -errno;
	if ((uint64_t)st.st_size != e->size &&
	    ftruncate(fd, (off_t)e->size) != 0)
		return -errno;
	r = copy_data(p, e->file_no, fd, e->size);
	if (r == 0 && !same_file(p))
		r = -ESTALE; /* read while it changed */
	/* Failed (a full disk): the placeholder is given back as it was,
	 * sparse, so that what was written holds no space. */
	if (r < 0)
		fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			  (off_t)e->size);
	if (futimens(fd, ts) != 0 || fchmod(fd, real_mode(e->mode)) != 0)
		return r < 0 ? r : -errno;
	if (r < 0)
		return r;
	return close(steal_fd(&fd)) == 0 ? 0 : -errno;
}

int pkg_cache_extract(struct pkg *p, const char *image_dir, uint32_t file_no,
		      struct appv_diag *diag)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_close_ int lockfd = -1;
	_cleanup_close_ int statefd = -1;
	const struct pkg_entry *e;
	char state = 0;
	ssize_t n;
	int r;

	dfd = open(image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return appv_diag_set(diag, -errno, "%s: %s", image_dir,
				     strerror(errno));
	/* walked: our entry; stamped: looked up by the index's path */
	r = pkg_file_lookup(p, dfd, file_no, &e, diag);
	if (r < 0)
		return r;
	lockfd = openat(dfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	statefd = openat(dfd, "state", O_RDWR | O_CLOEXEC);
	if (lockfd < 0 || statefd < 0)
		return appv_diag_set(diag, -errno, "%s: %s", image_dir,
				     strerror(errno));
	while ((r = flock(lockfd, LOCK_EX)) != 0 && errno == EINTR)
		;
	if (r != 0)
		return appv_diag_set(diag, -errno, "%s/lock: %s", image_dir,
				     strerror(errno));
	/* A byte past the end (state truncated under this session) is 0:
	 * the file is extracted again, the same bytes over a complete one. */
	n = pread(statefd, &state, 1, file_no);
	if (n < 0)
		return appv_diag_set(diag, -errno, "%s/state: %s", image_dir,
				     strerror(errno));
	if (n == 1 && state == 1)
		return 0;
	r = same_file(p) ? fill(p, dfd, e) : -ESTALE;
	if (r == -ESTALE)
		return appv_diag_set(
		    diag, -EIO,
		    "%s: the package file changed while in use (replace a "
		    "package by renaming a new file over it)",
		    p->path);
	if (r < 0)
		return appv_diag_set(diag, r, "%s: extracting %s: %s", p->path,
				     e->path, strerror(-r));
	state = 1;
	if (pwrite(statefd, &state, 1, file_no) != 1)
		return appv_diag_set(diag, -EIO, "%s/state: %s", image_dir,
				     strerror(errno));
	return 0; /* closing lockfd releases the lock */
}
