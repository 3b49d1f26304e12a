// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/host_absent.c - host paths known to be missing, shared by a
 * session's resolvers (see vfs.h for the contract).
 *
 * A package usually brings directories the host does not have (/opt/app).
 * Every lookup at or below one of them would otherwise ask the host once:
 * a directory's stat and open ask whether the host holds a twin to merge
 * with, a name the package lacks asks whether the host has it.  The
 * supervisor finds such "absent roots" before the first process starts,
 * watches the host directories on their way with inotify, and publishes
 * them in <run_dir>/absent.  Every resolver of the session maps that page
 * read-only; a host lookup at or below a live root is -ENOENT without a
 * syscall.
 *
 * Why it is safe: a root is published only after the watches on its way
 * were set and a stat said it is missing; from then on, whatever could
 * make it appear (a create or rename into a directory on its way, an
 * attribute change that would make the way unsearchable, a watched
 * directory moved or removed, a lost event) is an inotify event the
 * supervisor answers by clearing the root, for good.  What inotify does
 * not report is a mount on the way (documented in the README).  Roots
 * are never below a path the session shares with the host: what the
 * session itself creates there must be seen at once.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../common/sys.h"
#include "vfs_internal.h"

#define ABSENT_MAGIC 0x41505641u /* "AVPA" */

struct absent_ent {
	uint32_t live; /* atomic: 1 while the root is known missing */
	uint32_t len;
	char path[VFS_ABSENT_PATH];
};

struct vfs_absent {
	uint32_t magic;
	uint32_t n; /* atomic: entries published */
	char pad[sizeof(struct absent_ent) - 8];
	struct absent_ent ent[VFS_ABSENT_MAX];
};

static int absent_path(const char *run_dir, char *out, size_t cap)
{
	return vfs_concat(out, cap, run_dir, strlen(run_dir),
			  "/" VFS_ABSENT_FILE);
}

void vfs_absent_open(struct vfs *vfs)
{
	char path[PATH_MAX];
	void *p;
	int fd;

	vfs->absent = NULL;
	if (!vfs->cfg.run_dir[0] || !vfs->idx ||
	    absent_path(vfs->cfg.run_dir, path, sizeof(path)) < 0)
		return;
	fd = appv_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	p = appv_mmap(NULL, sizeof(struct vfs_absent), PROT_READ, MAP_SHARED,
		      fd, 0);
	appv_close(fd);
	if (appv_mmap_failed(p))
		return;
	/* A file shorter than the table would fault (SIGBUS) past its end:
	 * the supervisor sizes it before publishing the magic. */
	if (__atomic_load_n(&((const struct vfs_absent *)p)->magic,
			    __ATOMIC_ACQUIRE) != ABSENT_MAGIC) {
		appv_munmap(p, sizeof(struct vfs_absent));
		return;
	}
	vfs->absent = p;
}

void vfs_absent_close(struct vfs *vfs)
{
	if (vfs->absent)
		appv_munmap((void *)vfs->absent, sizeof(struct vfs_absent));
	vfs->absent = NULL;
}

/* @path (@len bytes) is @root or below it. */
static bool at_or_below(const char *path, size_t len, const char *root,
			size_t rlen)
{
	return len >= rlen && !memcmp(path, root, rlen) &&
	       (len == rlen || path[rlen] == '/' || rlen == 1);
}

bool vfs_host_absent(const struct vfs *vfs, const char *vpath, size_t len)
{
	const struct vfs_absent *a = vfs->absent;
	uint32_t n;

	if (!a)
		return false;
	n = __atomic_load_n(&a->n, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n && i < VFS_ABSENT_MAX; i++) {
		const struct absent_ent *e = &a->ent[i];

		if (e->len < VFS_ABSENT_PATH &&
		    at_or_below(vpath, len, e->path, e->len) &&
		    __atomic_load_n(&e->live, __ATOMIC_ACQUIRE))
			return true;
	}
	return false;
}

#ifndef APPV_SHIM
int vfs_absent_create(const char *run_dir, struct vfs_absent **out)
{
	char path[PATH_MAX];
	struct vfs_absent *a;
	int fd, r;

	r = absent_path(run_dir, path, sizeof(path));
	if (r < 0)
		return r;
	fd = appv_openat(AT_FDCWD, path,
			 O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			 0600);
	if (fd < 0)
		return fd;
	r = ftruncate(fd, sizeof(*a)) < 0 ? -errno : 0;
	a = r ? NULL
	      : appv_mmap(NULL, sizeof(*a), PROT_READ | PROT_WRITE,
			  MAP_SHARED, fd, 0);
	appv_close(fd);
	if (!r && appv_mmap_failed(a))
		r = (int)(long)a;
	if (r < 0) {
		appv_unlinkat(AT_FDCWD, path, 0);
		return r;
	}
	__atomic_store_n(&a->magic, ABSENT_MAGIC, __ATOMIC_RELEASE);
	*out = a;
	return 0;
}

int vfs_absent_add(struct vfs_absent *a, const char *vpath)
{
	uint32_t n = a->n;
	size_t len = strlen(vpath);
	struct absent_ent *e;

	if (len >= VFS_ABSENT_PATH || vpath[0] != '/')
		return -ENAMETOOLONG;
	if (n >= VFS_ABSENT_MAX)
		return -ENOSPC;
	e = &a->ent[n];
	memcpy(e->path, vpath, len + 1);
	e->len = (uint32_t)len;
	__atomic_store_n(&e->live, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&a->n, n + 1, __ATOMIC_RELEASE);
	return 0;
}

unsigned int vfs_absent_clear(struct vfs_absent *a, const char *prefix,
			      size_t len)
{
	unsigned int k = 0;

	for (uint32_t i = 0; i < a->n; i++) {
		struct absent_ent *e = &a->ent[i];

		if (e->live && at_or_below(e->path, e->len, prefix, len)) {
			__atomic_store_n(&e->live, 0, __ATOMIC_RELEASE);
			k++;
		}
	}
	return k;
}

unsigned int vfs_absent_live(const struct vfs_absent *a)
{
	unsigned int k = 0;

	for (uint32_t i = 0; i < a->n; i++)
		k += __atomic_load_n(&a->ent[i].live, __ATOMIC_ACQUIRE) != 0;
	return k;
}

const char *vfs_absent_root(const struct vfs_absent *a, unsigned int i)
{
	return i < a->n ? a->ent[i].path : NULL;
}

void vfs_absent_free(struct vfs_absent *a)
{
	if (a)
		appv_munmap(a, sizeof(*a));
}
#endif
