// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/copyup.c - make a resolved entry writable (supervisor only).
 *
 * A lower entry is copied into the upper layer atomically: the copy is
 * built under a temporary name in the overlay's work directory and renamed
 * into place with RENAME_NOREPLACE, so a concurrent session sees either
 * nothing or the whole file, and the first copy to land wins.  Data, permission bits,
 * timestamps, user.* extended attributes and POSIX ACLs are kept, the
 * owner where permitted (root; else the group where the user is in it);
 * the upper parent's times are restored afterwards (a copy-up is no
 * change of the directory).  The lower file is only ever opened O_RDONLY.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/sys.h"
#include "vfs_internal.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

/*
 * "<overlay>/work/<tag><pid>.<seq>": a name unique per process and call
 * for build-then-rename (copy-up, whiteouts), in the overlay's work
 * directory beside its upper one (same file system; made on first use), as
 * overlayfs does: a listing of the upper directory never shows the entry
 * half-built, nor one a crash left (sessions sweep those:
 * vfs_work_sweep).
 */
int vfs_temp_work(struct vfs *vfs, const char *tag, char *tmp, size_t cap)
{
	unsigned long seq =
	    __atomic_add_fetch(&vfs->merge_seq, 1, __ATOMIC_RELAXED);
	long pid = APPV_SYS(SYS_getpid, 0, 0, 0, 0, 0, 0);
	size_t tlen = strlen(tag), n;
	int r = vfs_work_dir(vfs, tmp, cap);

	if (r < 0)
		return r;
	n = (size_t)r;
	if (n + 1 + tlen + 48 > cap)
		return -ENAMETOOLONG;
	r = appv_mkdirat(AT_FDCWD, tmp, 0700);
	if (r < 0 && r != -EEXIST)
		return r;
	tmp[n++] = '/';
	memcpy(tmp + n, tag, tlen);
	n += tlen;
	n += vfs_put_num(tmp + n, (unsigned long)pid);
	tmp[n++] = '.';
	n += vfs_put_num(tmp + n, seq);
	tmp[n] = '\0';
	return 0;
}

int vfs_work_dir(const struct vfs *vfs, char *out, size_t cap)
{
	const char *up = vfs->cfg.upper;
	size_t cut = strlen(up);

	while (cut > 0 && up[cut - 1] != '/')
		cut--;
	if (cut == 0 || cut + sizeof("work") > cap)
		return -ENAMETOOLONG;
	memcpy(out, up, cut);
	memcpy(out + cut, "work", sizeof("work"));
	return (int)(cut + sizeof("work") - 1);
}

/* Whether @name is a temporary of vfs_temp_work whose process is gone. */
static bool stale_temp(const char *name)
{
	static const char *const tags[] = {VFS_WORK_COPYUP, VFS_WORK_WHITEOUT};
	char *end;
	long pid;

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t n = strlen(tags[i]);

		if (strncmp(name, tags[i], n))
			continue;
		pid = strtol(name + n, &end, 10);
		return pid > 0 && *end == '.' &&
		       APPV_SYS(SYS_kill, pid, 0, 0, 0, 0, 0) == -ESRCH;
	}
	return false;
}

struct sweep {
	struct vfs *vfs;
	int fd;
	char path[PATH_MAX]; /* "<work>/", then a temporary's */
	size_t len;	     /* of "<work>/" */
};

/* A temporary's record goes with it: a copy noted before its rename, an
 * upper entry a removal moved here (vfs_origin_key/drop). */
static int sweep_entry(const struct linux_dirent64 *d, void *ctx)
{
	struct sweep *sw = ctx;
	struct vfs_origin_key key;

	if (!stale_temp(d->d_name) ||
	    vfs_concat(sw->path, sizeof(sw->path), sw->path, sw->len,
		       d->d_name) < 0)
		return 0;
	vfs_origin_key(sw->vfs, sw->path, &key);
	APPV_SYS(SYS_unlinkat, sw->fd, d->d_name, 0, 0, 0, 0);
	vfs_origin_drop(sw->vfs, sw->path, &key);
	return 0;
}

void vfs_work_sweep(struct vfs *vfs)
{
	struct sweep sw = {.vfs = vfs};
	int r = vfs_work_dir(vfs, sw.path, sizeof(sw.path));

	if (r < 0 || (size_t)r + 1 >= sizeof(sw.path))
		return;
	sw.fd = appv_openat(AT_FDCWD, sw.path,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (sw.fd < 0)
		return;
	sw.path[r] = '/';
	sw.len = (size_t)r + 1;
	vfs_each_dirent(sw.fd, sweep_entry, &sw);
	appv_close(sw.fd);
}

static int copy_stream(int in, int out)
{
	char buf[65536];
	bool cfr = true;

	for (;;) {
		ssize_t n = -ENOSYS;

		if (cfr)
			n = APPV_SYS(SYS_copy_file_range, in, NULL, out, NULL,
				     1 << 30, 0);
		if (n == -EINTR)
			continue;
		if (cfr && n < 0) {
			/* EXDEV, EINVAL, EOPNOTSUPP, ENOSYS...: plain copy.
			 * Nothing was written, offsets did not move. */
			cfr = false;
			continue;
		}
		if (!cfr) {
			n = appv_read(in, buf, sizeof(buf));
			if (n == -EINTR)
				continue;
			if (n > 0) {
				int r = appv_write_full(out, buf, (size_t)n);

				if (r < 0)
					return r;
			}
		}
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0;
	}
}

/* Bytes [@off, @off + @len) of @in to the same offsets of @out. */
static int copy_range(int in, int out, loff_t off, loff_t len)
{
	char buf[65536];
	loff_t ioff = off, ooff = off;
	bool cfr = true;

	while (len > 0) {
		size_t want = len > (1 << 30) ? 1 << 30 : (size_t)len;
		ssize_t n;

		if (cfr) {
			n = APPV_SYS(SYS_copy_file_range, in, &ioff, out, &ooff,
				     want, 0);
			if (n == -EINTR)
				continue;
			if (n < 0 && ooff == off) {
				cfr = false; /* EXDEV, EOPNOTSUPP...: by hand */
				continue;
			}
		} else {
			n = appv_pread(in, buf,
				       want < sizeof(buf) ? want : sizeof(buf),
				       ioff);
			if (n == -EINTR)
				continue;
			if (n > 0) {
				ssize_t w = APPV_SYS(SYS_pwrite64, out, buf, n,
						     ooff, 0, 0);
				if (w < 0)
					return (int)w;
				n = w;
				ooff += n;
				ioff += n;
			}
		}
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0; /* the file shrank meanwhile */
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * The data of @in into the empty @out, keeping holes: only the data
 * extents (SEEK_DATA/SEEK_HOLE) are copied, then the size is set, so a
 * sparse file stays sparse and a 5 GiB hole costs nothing.  Where the
 * file system cannot tell holes, or reports a size of 0 (a file of
 * /proc), the whole content is streamed.
 */
static int copy_data(int in, int out)
{
	struct stat st;
	long data, hole;
	int r = appv_fstat(in, &st);

	if (r < 0)
		return r;
	data = APPV_SYS(SYS_lseek, in, 0, SEEK_DATA, 0, 0, 0);
	if (st.st_size == 0 || !S_ISREG(st.st_mode) ||
	    (data < 0 && data != -ENXIO)) {
		APPV_SYS(SYS_lseek, in, 0, SEEK_SET, 0, 0, 0);
		return copy_stream(in, out);
	}
	while (data >= 0 && data < st.st_size) {
		hole = APPV_SYS(SYS_lseek, in, data, SEEK_HOLE, 0, 0, 0);
		if (hole < 0)
			return (int)hole;
		r = copy_range(in, out, data, hole - data);
		if (r < 0)
			return r;
		data = APPV_SYS(SYS_lseek, in, hole, SEEK_DATA, 0, 0, 0);
	}
	if (data < 0 && data != -ENXIO)
		return (int)data;
	return (int)APPV_SYS(SYS_ftruncate, out, st.st_size, 0, 0, 0, 0);
}

static int set_times(int dirfd, const char *path, int fd, const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};

	if (fd >= 0)
		return (int)APPV_SYS(SYS_utimensat, fd, NULL, ts, 0, 0, 0);
	return (int)APPV_SYS(SYS_utimensat, dirfd, path, ts,
			     AT_SYMLINK_NOFOLLOW, 0, 0);
}

/* The POSIX ACLs a copy keeps, as the lower entry's mode does. */
static const char *const acl_names[] = {"system.posix_acl_access",
					"system.posix_acl_default"};

/* Which of acl_names @name is (bit 0 or 1), or 0 for none. */
static unsigned int acl_bit(const char *name)
{
	for (unsigned int i = 0; i < 2; i++)
		if (strcmp(name, acl_names[i]) == 0)
			return 1u << i;
	return 0;
}

/* One extended attribute @name of @in (@src) onto @out (@dst). */
static void copy_xattr(int in, int out, const char *src, const char *dst,
		       const char *name)
{
	char val[4096];
	ssize_t v;

	if (src) {
		v = APPV_SYS(SYS_lgetxattr, src, name, val, sizeof(val), 0, 0);
		if (v >= 0)
			APPV_SYS(SYS_lsetxattr, dst, name, val, v, 0, 0);
		return;
	}
	v = APPV_SYS(SYS_fgetxattr, in, name, val, sizeof(val), 0, 0);
	if (v >= 0)
		APPV_SYS(SYS_fsetxattr, out, name, val, v, 0, 0);
}

/* user.* extended attributes and POSIX ACLs of @in onto @out (best
 * effort: a file system without them has none to copy); an ACL the lower
 * entry lacks is removed (a directory made in the upper layer inherits
 * its upper parent's default ACL).  With @src/@dst set, the same by
 * path, not following a final symlink. */
static void copy_xattrs_of(int in, int out, const char *src, const char *dst)
{
	char names[4096];
	unsigned int acls = 0;
	ssize_t n = src ? APPV_SYS(SYS_llistxattr, src, names, sizeof(names),
				   0, 0, 0)
			: APPV_SYS(SYS_flistxattr, in, names, sizeof(names),
				   0, 0, 0);

	for (ssize_t off = 0; n > 0 && off < n;) {
		const char *name = names + off;
		unsigned int acl = acl_bit(name);

		off += (ssize_t)strlen(name) + 1;
		if (strncmp(name, "user.", 5) && !acl)
			continue;
		acls |= acl;
		copy_xattr(in, out, src, dst, name);
	}
	for (unsigned int i = 0; i < 2 && n >= 0; i++) {
		if (acls & (1u << i))
			continue;
		if (dst)
			APPV_SYS(SYS_lremovexattr, dst, acl_names[i], 0, 0, 0,
				 0);
		else
			APPV_SYS(SYS_fremovexattr, out, acl_names[i], 0, 0, 0,
				 0);
	}
}

static void copy_xattrs(int in, int out)
{
	copy_xattrs_of(in, out, NULL, NULL);
}

void vfs_copy_xattrs_path(const char *src, const char *dst)
{
	copy_xattrs_of(-1, -1, src, dst);
}

/* The owner where permitted (root), else the group where the user is in
 * it (a setgid directory then passes it on, as natively); an image entry
 * keeps the cache's. */
static void copy_owner(int fd, const char *path, const struct stat *st)
{
	long r;

	if (st->st_uid == (uid_t)-1)
		return;
	if (fd >= 0)
		r = APPV_SYS(SYS_fchown, fd, st->st_uid, st->st_gid, 0, 0, 0);
	else
		r = APPV_SYS(SYS_fchownat, AT_FDCWD, path, st->st_uid,
			     st->st_gid, AT_SYMLINK_NOFOLLOW, 0);
	if (r != -EPERM)
		return;
	if (fd >= 0)
		APPV_SYS(SYS_fchown, fd, -1, st->st_gid, 0, 0, 0);
	else
		APPV_SYS(SYS_fchownat, AT_FDCWD, path, -1, st->st_gid,
			 AT_SYMLINK_NOFOLLOW, 0);
}

static int copy_reg(struct vfs *vfs, const char *src, const char *tmp,
		    const struct stat *st, bool data)
{
	int in, out, r;

	in = appv_openat(AT_FDCWD, src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
	if (in < 0)
		return in;
	out = (int)vfs_upper_sys_in(vfs, tmp, SYS_openat, AT_FDCWD, (long)tmp,
				    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				    0600, 0);
	if (out < 0) {
		appv_close(in);
		return out;
	}
	r = data ? copy_data(in, out) : 0;
	copy_xattrs(in, out);
	copy_owner(out, NULL, st);
	if (r == 0)
		r = (int)APPV_SYS(SYS_fchmod, out, st->st_mode & 07777, 0, 0, 0,
				  0);
	if (r == 0)
		r = set_times(-1, NULL, out, st);
	if (r == 0)
		r = (int)APPV_SYS(SYS_fdatasync, out, 0, 0, 0, 0, 0);
	appv_close(in);
	appv_close(out);
	return r;
}

static int copy_link(struct vfs *vfs, const char *src, const char *tmp,
		     const struct stat *st)
{
	char target[PATH_MAX];
	ssize_t n = appv_readlinkat(AT_FDCWD, src, target, sizeof(target));
	int r;

	if (n < 0)
		return (int)n;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	target[n] = '\0';
	/* A lower symlink with a marker's target would turn into a marker:
	 * refused as its creation is (vfs_reserved_target). */
	if (vfs_reserved_target(target))
		return -EPERM;
	r = (int)vfs_upper_sys_in(vfs, tmp, SYS_symlinkat, (long)target,
				  AT_FDCWD, (long)tmp, 0, 0);
	if (r == 0) {
		copy_owner(-1, tmp, st);	  /* best effort */
		set_times(AT_FDCWD, tmp, -1, st); /* best effort */
	}
	return r;
}

/* A FIFO or socket: mknodat applies the supervisor's umask and makes it
 * ours and new, so its mode (after the owner, whose change drops set-id
 * bits), owner and times are the lower entry's as for a regular file
 * (a renamed directory's FIFO kept its mtime natively). */
static int copy_special(struct vfs *vfs, const char *tmp, const struct stat *st)
{
	int r =
	    (int)vfs_upper_sys_in(vfs, tmp, SYS_mknodat, AT_FDCWD, (long)tmp,
				  st->st_mode, (long)st->st_rdev, 0);

	if (r < 0)
		return r;
	copy_owner(-1, tmp, st);
	r = (int)APPV_SYS(SYS_fchmodat, AT_FDCWD, tmp, st->st_mode & 07777, 0,
			  0, 0);
	return r < 0 ? r : set_times(AT_FDCWD, tmp, -1, st);
}

/* Metadata of the lower entry: the real file, with the image's recorded
 * mode and mtime taking precedence for package entries. */
static int lower_stat(struct vfs *vfs, const struct vfs_res *res,
		      struct stat *st)
{
	struct layer_hit hit;
	int r = appv_fstatat(AT_FDCWD, res->real, st, AT_SYMLINK_NOFOLLOW);

	if (r < 0 || res->layer != VFS_LAYER_IMAGE)
		return r;
	if (vfs_image_ops.lookup(vfs, res->vpath, strlen(res->vpath), &hit) ==
	    0) {
		st->st_uid = (uid_t)-1; /* keep the cache's owner */
		/* Without set-id bits, as stat shows it (the cache's copy,
		 * packages/cache.c). */
		st->st_mode = hit.ent.mode & ~(mode_t)(S_ISUID | S_ISGID);
		st->st_mtim.tv_sec = hit.ent.mtime;
		st->st_mtim.tv_nsec = hit.ent.mtime_nsec;
	}
	return 0;
}

/* Another copy-up (or change) of @dst won the race: use its entry,
 * unless it is a whiteout - the lower entry was removed meanwhile (by
 * another session), and the caller's resolution is stale: -ESTALE, the
 * supervisor resolves the call again. */
static int upper_winner(const char *dst)
{
	return vfs_upper_marker(dst) == VFS_MARKER_WHITEOUT ? -ESTALE : 0;
}

/* The copy of a directory is made u+rwx (its extended attributes need
 * u+w), then given the lower directory's exact mode.  1 when made here, 0
 * when another copy-up made it first. */
static int copy_dir(struct vfs *vfs, const struct vfs_res *res,
		    const char *dst, const struct stat *st)
{
	int r = (int)vfs_upper_sys_in(vfs, dst, SYS_mkdirat, AT_FDCWD,
				      (long)dst, 0700, 0, 0);
	int in, out;

	if (r < 0)
		return r == -EEXIST ? upper_winner(dst) : r;
	vfs_origin_note(vfs, dst, st);
	copy_owner(-1, dst, st);
	in = appv_openat(AT_FDCWD, res->real,
			 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	out = appv_openat(AT_FDCWD, dst,
			  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (in >= 0 && out >= 0)
		copy_xattrs(in, out);
	if (in >= 0)
		appv_close(in);
	if (out >= 0)
		appv_close(out);
	APPV_SYS(SYS_fchmodat, AT_FDCWD, dst, st->st_mode & 07777, 0, 0, 0);
	set_times(AT_FDCWD, dst, -1, st);
	/* A walk in between may have cached it u+rwx and ours. */
	vfs_upper_changed(vfs);
	return 1;
}

/* The upper parent of @dst: its times before a copy-up, put back after. */
static int parent_of(const char *dst, char *out, size_t cap)
{
	size_t cut = strlen(dst);

	while (cut > 1 && dst[cut - 1] != '/')
		cut--;
	if (cut < 2 || cut > cap)
		return -ENAMETOOLONG;
	memcpy(out, dst, cut - 1);
	out[cut - 1] = '\0';
	return 0;
}

/* Another name @vpath of image file @file_no, if the image's file still
 * shows there, becomes a hard link to its upper copy @dst. */
static void link_name(struct vfs *vfs, uint32_t file_no, const char *vpath,
		      const char *dst)
{
	struct vfs_req req = {.path = vpath,
			      .base = "/",
			      .intent = VFS_INTENT_READ,
			      .flags = VFS_F_NOFOLLOW};
	struct vfs_res other;
	char up[PATH_MAX], parent[PATH_MAX];
	struct stat pst;

	if (vfs_resolve(vfs, &req, &other) < 0 ||
	    other.layer != VFS_LAYER_IMAGE || other.image_file != file_no ||
	    strcmp(other.vpath, vpath) != 0 ||
	    (other.rule != VFS_RULE_WRITECOPY && other.rule != VFS_RULE_FULL) ||
	    vfs_upper_ops.real(vfs, vpath, up, sizeof(up)) < 0)
		return;
	vfs_names_note(vfs, vpath);
	if (vfs_upper_make_parents(vfs, vpath) < 0 ||
	    parent_of(up, parent, sizeof(parent)) < 0 ||
	    appv_fstatat(AT_FDCWD, parent, &pst, 0) < 0)
		return;
	/* The name was there already: its directory's times stay, as for
	 * the copy's own (copy_entry). */
	if (vfs_upper_sys_in(vfs, up, SYS_linkat, AT_FDCWD, (long)dst, AT_FDCWD,
			     (long)up, 0) == 0) {
		struct timespec ts[2] = {pst.st_atim, pst.st_mtim};

		APPV_SYS(SYS_utimensat, AT_FDCWD, parent, ts, 0, 0, 0);
	}
}

/*
 * An image file with several names (hard links in the package) is copied
 * up once: its other names still showing the image's file are linked to
 * the copy, so that a write through one name shows through all of them
 * and st_nlink/st_ino agree, as for the one inode they were.
 */
static void link_group(struct vfs *vfs, const struct vfs_res *res,
		       const char *dst)
{
	struct vfs_index_ent e;
	uint32_t cur = 0;

	while (vfs_index_next_link(vfs->idx, res->image_file, &cur, &e) == 1)
		if (strcmp(e.path, res->vpath) != 0)
			link_name(vfs, res->image_file, e.path, dst);
}

/* The inode at @path, 0 when there is none. */
static uint64_t ino_of(const char *path)
{
	struct stat st;

	return appv_fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW)
		   ? 0
		   : (uint64_t)st.st_ino;
}

/* *@made: the inode of the copy at @dst when it is this call's (not
 * another session's), else 0. */
static int copy_entry(struct vfs *vfs, const struct vfs_res *res,
		      const char *dst, unsigned int flags, uint64_t *made)
{
	char tmp[PATH_MAX], parent[PATH_MAX];
	struct stat st, pst;
	bool keep_parent;
	int r = lower_stat(vfs, res, &st);

	if (r < 0)
		return r;
	if (vfs_device_node(st.st_mode, st.st_rdev))
		return -EPERM; /* a copy would be a way to the device */
	keep_parent = parent_of(dst, parent, sizeof(parent)) == 0 &&
		      appv_fstatat(AT_FDCWD, parent, &pst, 0) == 0;
	if (S_ISDIR(st.st_mode)) {
		r = copy_dir(vfs, res, dst, &st);
		*made = r == 1 ? ino_of(dst) : 0;
		r = r < 0 ? r : 0;
		goto out;
	}
	r = vfs_temp_work(vfs, VFS_WORK_COPYUP, tmp, sizeof(tmp));
	if (r < 0)
		return r;
	if (S_ISREG(st.st_mode))
		r = copy_reg(vfs, res->real, tmp, &st,
			     !(flags & VFS_CU_NO_DATA));
	else if (S_ISLNK(st.st_mode))
		r = copy_link(vfs, res->real, tmp, &st);
	else
		r = copy_special(vfs, tmp, &st);
	/* Noted before it shows: a stat of it may come at once. */
	if (r == 0) {
		*made = ino_of(tmp);
		vfs_origin_note(vfs, tmp, &st);
		r = (int)vfs_upper_sys_in(vfs, dst, SYS_renameat2, AT_FDCWD,
					  (long)tmp, AT_FDCWD, (long)dst,
					  RENAME_NOREPLACE);
	}
	if (r < 0) {
		struct vfs_origin_key key;

		vfs_origin_key(vfs, tmp, &key);
		APPV_SYS(SYS_unlinkat, AT_FDCWD, tmp, 0, 0, 0, 0);
		vfs_origin_drop(vfs, tmp, &key);
	}
	if (r < 0)
		*made = 0;
	/* Another session copied it up first: use theirs. */
	if (r == -EEXIST)
		r = upper_winner(dst);
	else if (r == 0 && S_ISREG(st.st_mode) && st.st_nlink > 1 &&
		 res->layer == VFS_LAYER_IMAGE && vfs->idx)
		link_group(vfs, res, dst);
out:
	if (r == 0 && keep_parent) {
		struct timespec ts[2] = {pst.st_atim, pst.st_mtim};

		APPV_SYS(SYS_utimensat, AT_FDCWD, parent, ts, 0, 0, 0);
	}
	return r;
}

/* A create over a whiteout: the whiteout goes (the caller creates the new
 * entry right after; vfs_mkdir makes a directory opaque).  The name of an
 * opaque directory's marker is the overlay's: a create there would go
 * through the marker (-EPERM). */
static int drop_whiteout(struct vfs *vfs, const char *dst)
{
	int k = vfs_upper_marker(dst);

	if (k == VFS_MARKER_OPAQUE)
		return -EPERM;
	if (k == VFS_MARKER_WHITEOUT) {
		k = (int)vfs_upper_sys_in(vfs, dst, SYS_unlinkat, AT_FDCWD,
					  (long)dst, 0, 0, 0);
		/* Another session's create dropped it first. */
		return k == -ENOENT ? 0 : k;
	}
	return k == -ENOENT || k >= 0 ? 0 : k;
}

int vfs_make_writable(struct vfs *vfs, struct vfs_res *res)
{
	return vfs_copy_up(vfs, res, 0);
}

/* Whether the upper parent of @dst (an upper real path) is a directory
 * below the upper root's top level, reached from the upper root through
 * directories only: a symlink the application made on the way since the
 * walk (where the upper layer had nothing) would lead the copy-up to the
 * host.  false sends the caller to vfs_upper_make_parents, which checks
 * each level. */
static bool upper_parent_exists(const struct vfs *vfs, const char *dst)
{
	char parent[PATH_MAX];
	size_t ulen = vfs->upper_len;
	int fd;

	if (parent_of(dst, parent, sizeof(parent)) < 0 ||
	    strlen(parent) <= ulen + 1 ||
	    !strchr(parent + ulen + 1, '/'))
		return false;
	fd = vfs_upper_open_beneath(vfs, parent + ulen + 1);
	if (fd < 0)
		return false;
	appv_close(fd);
	return true;
}

int vfs_upper_open_beneath(const struct vfs *vfs, const char *rel)
{
	int root = appv_openat(AT_FDCWD, vfs->cfg.upper,
			       O_PATH | O_DIRECTORY | O_CLOEXEC, 0),
	    fd;

	if (root < 0)
		return root;
	fd = appv_openat2(root, rel, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
			  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	appv_close(root);
	return fd;
}

int vfs_copy_up(struct vfs *vfs, struct vfs_res *res, unsigned int flags)
{
	char dst[PATH_MAX];
	bool parent;
	int r;

	res->copied = 0;
	if (res->rule == VFS_RULE_SHARE || res->layer == VFS_LAYER_UPPER)
		return 0;
	if (res->rule != VFS_RULE_WRITECOPY && res->rule != VFS_RULE_FULL)
		return -EROFS;
	if (res->layer == VFS_LAYER_IMAGE && S_ISREG(res->mode) &&
	    !(flags & VFS_CU_NO_DATA) &&
	    !vfs_image_extracted(vfs, res->image_file))
		return -EAGAIN;
	r = vfs_upper_ops.real(vfs, res->vpath, dst, sizeof(dst));
	if (r < 0)
		return r;
	/* Before anything exists in upper under this name: other processes
	 * must not skip the probe once it does (upper_names.c).  An upper
	 * parent below the top level means the name was noted when it was
	 * made, and nothing changes in the upper root. */
	/* upper_create: the walk saw the upper parent and no whiteout. */
	if (res->layer == VFS_LAYER_NONE && res->upper_create)
		goto done;
	parent = upper_parent_exists(vfs, dst);
	r = 0;
	if (!parent) {
		vfs_names_note(vfs, res->vpath);
		r = vfs_upper_make_parents(vfs, res->vpath);
	}
	if (r >= 0 && res->layer != VFS_LAYER_NONE &&
	    !((flags & VFS_CU_NAME_ONLY) && !S_ISDIR(res->mode)))
		r = copy_entry(vfs, res, dst, flags, &res->copied);
	else if (r >= 0)
		r = drop_whiteout(vfs, dst);
	if (!parent)
		vfs_names_sync(vfs);
	if (r < 0)
		return r;
	/* Names were made: the caller may not say so (a call the supervisor
	 * continues after a copy-up bumps nothing itself). */
	vfs_upper_created(vfs);
done:
	memcpy(res->real, dst, strlen(dst) + 1);
	if (res->layer != VFS_LAYER_NONE)
		res->layer = VFS_LAYER_UPPER;
	res->changed = true;
	res->needs_extract = false;
	return 0;
}
