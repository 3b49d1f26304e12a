// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/layer_upper.c - the overlay's writable layer: <upper><vpath>.
 *
 * Whiteouts are symlinks with a reserved target, recognised here at no
 * extra cost on the fast path: the lookup's lstat already says S_ISLNK and
 * gives the target's length; only a symlink of a marker's length is read.
 * Opaque directories hold a marker symlink (VFS_OPAQUE_NAME), checked by
 * the walk only for directories that also exist in a lower layer.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include "../common/path.h"
#include "../common/sys.h"
#include "vfs_internal.h"

static int upper_real(const struct vfs *vfs, const char *vpath, char *out,
		      size_t cap)
{
	return vfs_concat(out, cap, vfs->cfg.upper, vfs->upper_len, vpath);
}

static int marker_at(int dirfd, const char *path, const struct stat *st);

int vfs_upper_lookup_st(const struct vfs *vfs, const char *vpath, size_t len,
			struct layer_hit *hit, struct stat *st)
{
	char real[PATH_MAX];
	int r = upper_real(vfs, vpath, real, sizeof(real)), k = 0;

	if (r < 0)
		return r;
	/* An opaque marker looked up by name is as absent as a whiteout.  A
	 * symlink of a marker's size that cannot be read was replaced since
	 * the stat (another session's mkdir over a whiteout, its rename or
	 * rmdir): stat'ed again, not taken as a symlink of the application's
	 * (an lstat showed a whiteout as one, mode 0777). */
	for (int tries = 0; tries < 4; tries++) {
		r = vfs_held_lstat(vfs, real, st);
		if (r < 0)
			return r;
		k = marker_at(AT_FDCWD, real, st);
		if (k >= 0)
			break;
	}
	hit->mode = st->st_mode;
	hit->uid = st->st_uid;
	hit->gid = st->st_gid;
	hit->whiteout = k > 0;
	hit->opaque = false;
	return 0;
}

static int upper_lookup(const struct vfs *vfs, const char *vpath, size_t len,
			struct layer_hit *hit)
{
	struct stat st;

	return vfs_upper_lookup_st(vfs, vpath, len, hit, &st);
}

#define WH_LEN (sizeof(VFS_WHITEOUT_TARGET) - 1)
#define OPQ_LEN (sizeof(VFS_OPAQUE_TARGET) - 1)

int vfs_marker_of(const char *target, ssize_t n)
{
	if (n == (ssize_t)WH_LEN && !memcmp(target, VFS_WHITEOUT_TARGET, WH_LEN))
		return VFS_MARKER_WHITEOUT;
	if (n == (ssize_t)OPQ_LEN && !memcmp(target, VFS_OPAQUE_TARGET, OPQ_LEN))
		return VFS_MARKER_OPAQUE;
	return VFS_MARKER_NONE;
}

/* vfs_marker_at, or the error of reading a symlink of a marker's size. */
static int marker_at(int dirfd, const char *path, const struct stat *st)
{
	char buf[32];
	ssize_t n;

	if (!S_ISLNK(st->st_mode) ||
	    (st->st_size != (off_t)WH_LEN && st->st_size != (off_t)OPQ_LEN))
		return VFS_MARKER_NONE;
	n = appv_readlinkat(dirfd, path, buf, sizeof(buf));
	return n < 0 ? (int)n : vfs_marker_of(buf, n);
}

int vfs_marker_at(int dirfd, const char *path, const struct stat *st)
{
	int k = marker_at(dirfd, path, st);

	return k < 0 ? VFS_MARKER_NONE : k;
}

int vfs_upper_marker(const char *real)
{
	struct stat st;
	int r = appv_fstatat(AT_FDCWD, real, &st, AT_SYMLINK_NOFOLLOW);

	return r < 0 ? r : vfs_marker_at(AT_FDCWD, real, &st);
}

bool vfs_reserved_target(const char *target)
{
	return !strcmp(target, VFS_WHITEOUT_TARGET) ||
	       !strcmp(target, VFS_OPAQUE_TARGET);
}

static bool marker_read(const struct vfs *vfs, const char *vpath, size_t len)
{
	char real[PATH_MAX], buf[32];
	size_t n = vfs->upper_len, nl = sizeof(VFS_OPAQUE_NAME) - 1;
	ssize_t k;

	if (len == 1 && vpath[0] == '/')
		len = 0; /* the root is never opaque, but be exact */
	if (n + len + 1 + nl + 1 > sizeof(real))
		return false;
	memcpy(real, vfs->cfg.upper, n);
	memcpy(real + n, vpath, len);
	n += len;
	real[n++] = '/';
	memcpy(real + n, VFS_OPAQUE_NAME, nl + 1);
	k = appv_readlinkat(AT_FDCWD, real, buf, sizeof(buf));
	return vfs_marker_of(buf, k) == VFS_MARKER_OPAQUE;
}

/* A cache of upper directories (the shim's or a supervisor's,
 * upper_dirs.c) remembers the answer for a directory it knows: markers
 * change only with the generation. */
bool vfs_upper_opaque(const struct vfs *vfs, const char *vpath, size_t len)
{
	return vfs_upper_opaque_hashed(vfs, vpath, len,
				       appv_hash64(vpath, len));
}

bool vfs_upper_opaque_hashed(const struct vfs *vfs, const char *vpath,
			     size_t len, unsigned long long h)
{
	struct vfs_dir_ent e;
	bool known = vfs_dirs_get_hashed(vfs, vpath, len, h, &e), opaque;

	if (known && e.opaque != VFS_DIRS_OPAQUE_UNKNOWN)
		return e.opaque == VFS_DIRS_OPAQUE_YES;
	opaque = vfs_opaque_maybe(vfs, h) && marker_read(vfs, vpath, len);
	if (known) {
		e.opaque = opaque ? VFS_DIRS_OPAQUE_YES : VFS_DIRS_OPAQUE_NO;
		vfs_dirs_put_hashed(vfs, vpath, len, h, &e);
	}
	return opaque;
}

static int upper_readlink(const struct vfs *vfs, const char *vpath,
			  const struct layer_hit *hit, char *buf, size_t cap)
{
	char real[PATH_MAX];
	ssize_t n;
	int r = upper_real(vfs, vpath, real, sizeof(real));

	if (r < 0)
		return r;
	n = appv_readlinkat(AT_FDCWD, real, buf, cap);
	if (n < 0)
		return (int)n;
	if ((size_t)n >= cap)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

const struct vfs_layer_ops vfs_upper_ops = {
    .layer = VFS_LAYER_UPPER,
    .lookup = upper_lookup,
    .readlink = upper_readlink,
    .real = upper_real,
};

/* The metadata an upper copy of directory @vpath gets: the visible lower
 * directory's exact permission bits, times and owner; @src (PATH_MAX) is
 * set to the lower directory's real path, whose extended attributes the
 * copy gets, or "" when it has none to give.  false when no lower
 * directory exists. */
static bool lower_dir_stat(const struct vfs *vfs, const char *vpath, size_t len,
			   struct stat *st, char *src)
{
	int rule = vfs_rule_for(vfs, vpath);
	struct layer_hit hit;

	src[0] = '\0';
	if (vfs_rule_shows_image(rule) &&
	    vfs_image_ops.lookup(vfs, vpath, len, &hit) == 0 &&
	    S_ISDIR(hit.mode)) {
		struct stat cache;

		memset(st, 0, sizeof(*st));
		/* Without set-id bits, as stat shows it (packages/cache.c). */
		st->st_mode = hit.mode & ~(mode_t)(S_ISUID | S_ISGID);
		st->st_uid = (uid_t)-1; /* the cache's owner */
		st->st_gid = (gid_t)-1;
		st->st_mtim.tv_sec = hit.ent.mtime;
		st->st_mtim.tv_nsec = hit.ent.mtime_nsec;
		st->st_atim = st->st_mtim;
		if (vfs_image_ops.real(vfs, vpath, src, PATH_MAX) < 0)
			src[0] = '\0';
		/* The access time stat showed: the cache directory's (a copy
		 * of a file keeps its own, copyup.c lower_stat). */
		else if (appv_fstatat(AT_FDCWD, src, &cache,
				      AT_SYMLINK_NOFOLLOW) == 0)
			st->st_atim = cache.st_atim;
		return true;
	}
	if (!vfs_rule_shows_host(rule) ||
	    appv_fstatat(AT_FDCWD, vpath, st, AT_SYMLINK_NOFOLLOW) ||
	    !S_ISDIR(st->st_mode))
		return false;
	memcpy(src, vpath, len); /* len < PATH_MAX: a prefix of a path */
	src[len] = '\0';
	return true;
}

/* The upper copy @real of a lower directory, with the user.* extended
 * attributes of @src unless it is "" (made u+rwx for that meanwhile). */
static int make_dir_like(struct vfs *vfs, const char *real,
			 const struct stat *st, const char *src)
{
	mode_t mode = st->st_mode & 07777;
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	int r = (int)vfs_upper_sys_in(vfs, real, SYS_mkdirat, AT_FDCWD,
				      (long)real, src[0] ? mode | 0700 : mode,
				      0, 0);

	if (r < 0)
		return r;
	if (src[0]) {
		struct stat lower;

		vfs_copy_xattrs_path(src, real);
		if (appv_fstatat(AT_FDCWD, src, &lower, AT_SYMLINK_NOFOLLOW) ==
		    0)
			vfs_origin_note(vfs, real, &lower);
	}
	/* mkdir applied the umask: set the lower directory's bits. */
	r = (int)APPV_SYS(SYS_fchmodat, AT_FDCWD, real, mode, 0, 0, 0);
	/* The owner where permitted (root), else the group where the user
	 * is in it (a setgid directory passes it on). */
	if (st->st_uid != (uid_t)-1 &&
	    APPV_SYS(SYS_fchownat, AT_FDCWD, real, st->st_uid, st->st_gid,
		     AT_SYMLINK_NOFOLLOW, 0) == -EPERM)
		APPV_SYS(SYS_fchownat, AT_FDCWD, real, -1, st->st_gid,
			 AT_SYMLINK_NOFOLLOW, 0);
	APPV_SYS(SYS_utimensat, AT_FDCWD, real, ts, AT_SYMLINK_NOFOLLOW, 0, 0);
	/* A walk in between may have cached the umask'ed mode and our
	 * owner (upper_dirs.c). */
	vfs_upper_changed(vfs);
	return r;
}

/* A directory made in the upper parent @parent (times @pst) is no change
 * of the virtual parent: its times are put back. */
static void keep_times(const char *parent, const struct stat *pst)
{
	struct timespec ts[2] = {pst->st_atim, pst->st_mtim};

	APPV_SYS(SYS_utimensat, AT_FDCWD, parent, ts, AT_SYMLINK_NOFOLLOW, 0,
		 0);
}

int vfs_upper_make_parents(struct vfs *vfs, const char *vpath)
{
	char prefix[PATH_MAX], real[PATH_MAX], src[PATH_MAX], up[PATH_MAX];
	size_t len = strlen(vpath);
	struct stat st, pst;
	bool have_up = false;
	int r;

	if (len >= sizeof(prefix))
		return -ENAMETOOLONG;
	for (size_t i = 1; i < len; i++) {
		if (vpath[i] != '/')
			continue;
		memcpy(prefix, vpath, i);
		prefix[i] = '\0';
		r = upper_real(vfs, prefix, real, sizeof(real));
		if (r < 0)
			return r;
		/* Each level a directory, not a symlink (one the application
		 * made would lead the next level's writes to the host); a
		 * directory stays one: only supervisors move or remove upper
		 * directories (loader/landlock.c). */
		if (appv_fstatat(AT_FDCWD, real, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			struct stat now;

			if (!lower_dir_stat(vfs, prefix, i, &st, src)) {
				memset(&st, 0, sizeof(st));
				st.st_mode = S_IFDIR | 0755;
				st.st_uid = (uid_t)-1;
				st.st_atim.tv_nsec = UTIME_NOW;
				st.st_mtim.tv_nsec = UTIME_NOW;
			}
			r = make_dir_like(vfs, real, &st, src);
			if (r < 0 && r != -EEXIST)
				return r;
			if (r == -EEXIST &&
			    (appv_fstatat(AT_FDCWD, real, &now,
					  AT_SYMLINK_NOFOLLOW) < 0 ||
			     !S_ISDIR(now.st_mode)))
				return -ENOTDIR;
			if (r == 0 && have_up)
				keep_times(up, &pst);
		} else if (!S_ISDIR(st.st_mode)) {
			return -ENOTDIR;
		}
		/* The next level's parent: its times as they are now. */
		memcpy(up, real, strlen(real) + 1);
		pst = st;
		have_up = true;
	}
	return 0;
}

/* ---- the supervisor's own changes in directories without u+rwx ---------
 *
 * An upper directory carries the virtual directory's exact mode: stat shows
 * it, and the kernel checks it for the creates and removals the shim and
 * the application make there themselves.  The supervisor's bookkeeping in
 * a directory whose mode lacks u+r, u+w or u+x (a copy-up below a 0555
 * directory, a whiteout, an opaque marker, an upper parent, reading a 0311
 * directory to merge it or strip its markers) is refused by the kernel
 * unless the supervisor overrides DAC; it then gives itself u+rwx on that
 * directory for one system call and puts the mode back.
 *
 * Concurrency: several sessions (supervisors) may share one overlay.  The
 * exact mode is read, changed and put back only under an exclusive flock
 * of "<upper>.lock" - one lock per overlay: grants are rare, and a
 * directory without u+r could not be opened to be locked itself.  Each
 * grant opens the file anew, so threads of one process exclude each other
 * as well.  The mode is put back only while it is still the granted one:
 * a chmod of the directory by the application in between (the shim's
 * fchmod of an upper directory, which takes no lock) wins; the
 * supervisor's chmod takes the lock (vfs_upper_locked).  Readers take no
 * lock: for the one system call a grant lasts, a stat of the directory
 * shows the granted mode and a create that the kernel checks against it
 * is allowed.
 *
 * Crash safety: before the mode changes, the lock file records which
 * directory (device, inode, path) and its exact mode; the record is
 * cleared once the mode is back.  Whoever takes the lock next - the next
 * grant, or vfs_upper_recover when a session starts - puts a recorded mode
 * back first if the same directory still has the granted mode.
 */

#define GRANT_MAGIC 0x61707667u /* "apvg" */

struct grant_rec {
	uint32_t magic;
	uint32_t mode; /* the exact mode (07777 bits) */
	uint64_t dev, ino;
	char path[PATH_MAX];
};

#define GRANT_HDR offsetof(struct grant_rec, path)

static int lock_path(const struct vfs *vfs, char *out, size_t cap)
{
	return vfs_concat(out, cap, vfs->cfg.upper, vfs->upper_len, ".lock");
}

/* Put back the mode of directory @path (device/inode @dev/@ino) from the
 * granted @granted to @mode, unless someone changed it meanwhile. */
static void grant_undo(const char *path, uint64_t dev, uint64_t ino,
		       mode_t mode, mode_t granted)
{
	struct stat st;

	if (appv_fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode) && (uint64_t)st.st_dev == dev &&
	    (uint64_t)st.st_ino == ino && (st.st_mode & 07777) == granted)
		APPV_SYS(SYS_fchmodat, AT_FDCWD, path, mode, 0, 0, 0);
}

/* A grant left by a supervisor that died before putting the mode back:
 * true when one was undone. */
static bool grant_recover(int fd)
{
	struct grant_rec rec;
	ssize_t n = appv_pread(fd, &rec, sizeof(rec), 0);

	if (n <= 0)
		return false;
	if ((size_t)n > GRANT_HDR && rec.magic == GRANT_MAGIC &&
	    memchr(rec.path, '\0', (size_t)n - GRANT_HDR))
		grant_undo(rec.path, rec.dev, rec.ino, rec.mode & 07777,
			   (rec.mode | 0700) & 07777);
	APPV_SYS(SYS_ftruncate, fd, 0, 0, 0, 0, 0);
	return true;
}

/* The overlay's grant lock, held (and a crashed grant undone): the file
 * descriptor, or -errno. */
static int grant_lock(const struct vfs *vfs, bool create)
{
	char path[PATH_MAX];
	int fd, r = lock_path(vfs, path, sizeof(path));

	if (r < 0)
		return r;
	fd = appv_openat(AT_FDCWD, path,
			 O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0),
			 0600);
	if (fd < 0)
		return fd;
	do
		r = (int)APPV_SYS(SYS_flock, fd, LOCK_EX, 0, 0, 0, 0);
	while (r == -EINTR);
	if (r < 0) {
		appv_close(fd);
		return r;
	}
	if (grant_recover(fd))
		vfs_upper_changed(vfs);
	return fd;
}

/* Closing the descriptor drops the lock. */
static void grant_unlock(int fd)
{
	appv_close(fd);
}

void vfs_upper_recover(struct vfs *vfs)
{
	int fd = grant_lock(vfs, false); /* none yet: -ENOENT */

	if (fd >= 0)
		grant_unlock(fd);
}

int vfs_upper_locked(struct vfs *vfs, int (*fn)(void *ctx), void *ctx)
{
	int fd, r;

	if (vfs_self_overrides_dac())
		return fn(ctx); /* never grants */
	fd = grant_lock(vfs, true);
	if (fd < 0)
		return fd;
	r = fn(ctx);
	grant_unlock(fd);
	return r;
}

/* Under the lock: @dir gets u+rwx (recorded in lock file @lfd first) for
 * @nr(@a), then its mode back.  The shims' caches of upper directories
 * hold modes (upper_dirs.c): they are dropped once the granted mode is
 * set, so that a shim sees it (and leaves creates there to the
 * supervisor), and again once the mode is back. */
static long granted_call(const struct vfs *vfs, int lfd, const char *dir,
			 long nr, const long a[5])
{
	struct grant_rec rec;
	struct stat st;
	size_t len = strlen(dir) + 1;
	mode_t mode, granted;
	long r = appv_fstatat(AT_FDCWD, dir, &st, AT_SYMLINK_NOFOLLOW);

	if (r < 0)
		return r;
	mode = st.st_mode & 07777;
	granted = mode | 0700;
	if (!S_ISDIR(st.st_mode) || mode == granted)
		return APPV_SYS(nr, a[0], a[1], a[2], a[3], a[4], 0);
	rec.magic = GRANT_MAGIC;
	rec.mode = (uint32_t)mode;
	rec.dev = (uint64_t)st.st_dev;
	rec.ino = (uint64_t)st.st_ino;
	memcpy(rec.path, dir, len);
	r = APPV_SYS(SYS_pwrite64, lfd, &rec, GRANT_HDR + len, 0, 0, 0);
	if (r == (long)(GRANT_HDR + len))
		r = APPV_SYS(SYS_fchmodat, AT_FDCWD, dir, granted, 0, 0, 0);
	else if (r >= 0)
		r = -EIO;
	if (r < 0)
		return r;
	vfs_upper_changed(vfs);
	r = APPV_SYS(nr, a[0], a[1], a[2], a[3], a[4], 0);
	grant_undo(dir, rec.dev, rec.ino, mode, granted);
	vfs_upper_changed(vfs);
	APPV_SYS(SYS_ftruncate, lfd, 0, 0, 0, 0, 0);
	return r;
}

/* ---- sessions that share the overlay ------------------------------------
 *
 * A supervisor acts on upper entries by their paths, and takes every
 * directory on the way as the one its walk saw there: only supervisors
 * move or remove upper directories (the application has no REMOVE_DIR in
 * upper, loader/landlock.c), and one supervisor handles one call at a
 * time.  Another session on the same overlay runs its own supervisor
 * meanwhile: its program's exchange of an upper directory with a symlink
 * to a host directory, between this call's walk and its unlink, chmod,
 * rename or symlink, took that change to the host entry of the same name
 * (e2e ov_sessions_swap).  So each call that changes something holds a
 * read lock of "<upper>.moves", and a write lock while it moves or
 * removes a directory (an rmdir, a rename's move: loader/sys_modify.c),
 * as `appv overlay reset` does while it empties the tree.  Open file
 * description locks: a write lock needs a descriptor open for writing,
 * which the application cannot get (Landlock), so it can hold off the
 * sessions' moves at most (a read lock from the trampoline page; their
 * supervisors do not wait for it in F_OFD_SETLKW: loader/supervisor.c,
 * sup_upper_hold).
 */

static int moves_open(const char *upper, size_t len)
{
	char path[PATH_MAX];
	int fd, r = vfs_concat(path, sizeof(path), upper, len, ".moves");

	if (r < 0)
		return r;
	fd = appv_openat(AT_FDCWD, path,
			 O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	/* A read-only overlay is changed by no one. */
	return fd == -EROFS ? -ENOENT : fd;
}

/* @cmd F_OFD_SETLKW waits; F_OFD_SETLK returns -EAGAIN (or -EACCES)
 * while another description holds a conflicting lock. */
static int moves_lock(int fd, int cmd, short type)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET};
	long r;

	do
		r = APPV_SYS(SYS_fcntl, fd, cmd, &fl, 0, 0, 0);
	while (r == -EINTR);
	return r == -EACCES ? -EAGAIN : (int)r;
}

/* Fails closed: a fast-mode program can chmod the file or, as root, make
 * it immutable (Landlock has no right for either), and a supervisor that
 * went on without the lock took another session's directory swap (e2e
 * ov_moves_chmod).  Asked again at the next call. */
int vfs_upper_moves_open(struct vfs *vfs)
{
	int fd;

	if (vfs->moves_fd != -1)
		return 0;
	fd = vfs->upper_len ? moves_open(vfs->cfg.upper, vfs->upper_len)
			    : -ENOENT;
	if (fd < 0 && fd != -ENOENT)
		return fd;
	vfs->moves_fd = fd < 0 ? -2 : fd; /* -2: none to hold */
	return 0;
}

int vfs_upper_hold(struct vfs *vfs, bool moves)
{
	int r = vfs_upper_moves_open(vfs);

	if (r < 0 || vfs->moves_fd < 0)
		return r;
	return moves_lock(vfs->moves_fd, F_OFD_SETLK,
			  moves ? F_WRLCK : F_RDLCK);
}

void vfs_upper_unhold(struct vfs *vfs)
{
	if (vfs->moves_fd >= 0)
		moves_lock(vfs->moves_fd, F_OFD_SETLK, F_UNLCK);
}

int vfs_upper_hold_moves(const char *upper)
{
	int fd = moves_open(upper, strlen(upper)), r;

	if (fd < 0)
		return fd;
	r = moves_lock(fd, F_OFD_SETLKW, F_WRLCK);
	if (r < 0) {
		appv_close(fd);
		return r;
	}
	return fd;
}

long vfs_upper_sys(struct vfs *vfs, const char *dir, size_t dlen, long nr,
		   long a0, long a1, long a2, long a3, long a4)
{
	const long a[5] = {a0, a1, a2, a3, a4};
	char d[PATH_MAX];
	long r = APPV_SYS(nr, a0, a1, a2, a3, a4, 0);
	int lfd;

	/* Refused: the directory's mode, or (rarely) another grant of it
	 * ending in between.  A privileged supervisor is refused for good
	 * reasons only. */
	if (r != -EACCES || vfs_self_overrides_dac())
		return r;
	if (dlen == 0 || dlen >= sizeof(d))
		return r;
	memcpy(d, dir, dlen);
	d[dlen] = '\0';
	lfd = grant_lock(vfs, true);
	if (lfd < 0)
		return r;
	r = granted_call(vfs, lfd, d, nr, a);
	grant_unlock(lfd);
	return r;
}

int vfs_upper_open_dir(struct vfs *vfs, const char *real)
{
	return (int)vfs_upper_sys(vfs, real, strlen(real), SYS_openat,
				  AT_FDCWD, (long)real,
				  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
				  0, 0);
}

long vfs_upper_sys_in(struct vfs *vfs, const char *path, long nr, long a0,
		      long a1, long a2, long a3, long a4)
{
	size_t cut = strlen(path);

	while (cut > 0 && path[cut - 1] != '/')
		cut--;
	if (cut > 1)
		cut--; /* the parent, without its trailing slash */
	return vfs_upper_sys(vfs, path, cut, nr, a0, a1, a2, a3, a4);
}
