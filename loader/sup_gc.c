// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sup_gc.c - superseded merged listings freed while the session
 * runs (vfs/merge_gc.c says which, and when a scan is due).
 *
 * A listing reaches a process as a descriptor (ADDFD: sys_open.c, the
 * getdents refresh of sys_stat.c), and from one a kernel cwd or root
 * (fchdir: sys_cwd.c lets the kernel move there); a descriptor may be
 * inherited, dup'ed into a thread's unshared table, or passed on.  So
 * every process the supervisor can see is looked at - not only the
 * session's: one outside may have taken a descriptor from /proc/PID/fd -
 * each thread's cwd and root, and the descriptors of each distinct
 * descriptor table (kcmp).  A process that cannot be read (another
 * user's, a non-dumpable one) counts only when it is the session's
 * (sup_in_session): then nothing is removed this time.  One outside the
 * session that holds a listing and cannot be read lists an empty,
 * deleted directory afterwards.
 *
 * Runs on the serving thread after a reply, so no listing is on its way
 * to a process.  Not seen (README, Known limits): a descriptor in flight
 * in an SCM_RIGHTS message, and one moved during the scan from a process
 * not read yet to one read already (pidfd_getfd, or a fork child whose
 * pid is lower than its parent's after the pid counter wrapped, the
 * parent closing its copy meanwhile).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kcmp.h>
#include <sys/syscall.h>

#include "supervisor_internal.h"

/* Hold what link @name below @dirfd names: 0, -ENOENT when it is gone,
 * -EACCES when it cannot be read (the process is not ours to look at).
 * A path too long is no listing's (make_target keeps them in PATH_MAX). */
static int hold_link(struct vfs *vfs, int dirfd, const char *name)
{
	char buf[PATH_MAX + 16];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);

	if (n < 0 && errno == ENAMETOOLONG)
		return 0;
	if (n < 0)
		return errno == EACCES || errno == EPERM ? -EACCES : -ENOENT;
	buf[n] = '\0';
	vfs_merge_gc_hold(vfs, buf);
	return 0;
}

/* The cwd and root of thread @tfd; false when unreadable. */
static bool hold_fs(struct vfs *vfs, int tfd)
{
	return hold_link(vfs, tfd, "cwd") != -EACCES &&
	       hold_link(vfs, tfd, "root") != -EACCES;
}

/*
 * The descriptors of /proc/PID/task/TID (@tfd).  The process runs on
 * meanwhile, and dup2, close and fcntl(F_DUPFD) are never notified: a
 * listing moved from a number listed but not read yet to one not listed
 * (dup2(fd, fd2); close(fd)) shows only as a number gone when its link is
 * read.  So a table in which one went is read again, and one that keeps
 * changing counts as unreadable (false): a busy server's churn delays
 * the removal, never makes it wrong.  Not seen: a move inside the
 * kernel's listing of the table, to a number it has passed already.
 */
static bool hold_fds(struct vfs *vfs, int tfd)
{
	int fd = openat(tfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool gone = true;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return errno != EACCES && errno != EPERM;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	for (int i = 0; gone && i < 4; i++) {
		gone = false;
		if (i)
			rewinddir(d);
		while ((de = readdir(d))) {
			int r;

			if (de->d_name[0] == '.')
				continue;
			r = hold_link(vfs, fd, de->d_name);
			if (r == -EACCES) {
				closedir(d);
				return false;
			}
			gone |= r == -ENOENT;
		}
	}
	closedir(d);
	return !gone;
}

/* Every thread of process @pid; false when one could not be read. */
static bool hold_process(struct vfs *vfs, long pid)
{
	char path[64];
	struct dirent *de;
	bool ok = true, fds_read = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	d = opendir(path);
	if (!d)
		return errno != EACCES && errno != EPERM;
	while (ok && (de = readdir(d))) {
		long tid = strtol(de->d_name, NULL, 10);
		int tfd;

		if (tid <= 0)
			continue;
		tfd = openat(dirfd(d), de->d_name,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (tfd < 0)
			continue; /* gone meanwhile */
		/* Threads share their descriptor table but for an
		 * unshare(CLONE_FILES): one read per table, before the cwd
		 * and root of the threads that use it, as the shim's fchdir
		 * is not notified: a listing gone from a descriptor to a
		 * cwd meanwhile (its chdir: open, fchdir, close) is in the
		 * cwd when that is read.  The other way needs an open of
		 * ".", which is notified and given the current listing. */
		if (!fds_read || syscall(SYS_kcmp, (pid_t)pid, (pid_t)tid,
					 KCMP_FILES, 0, 0) != 0) {
			ok = hold_fds(vfs, tfd);
			fds_read = true;
		}
		ok = ok && hold_fs(vfs, tfd);
		close(tfd);
	}
	closedir(d);
	return ok;
}

void sup_listings_gc(struct sup *sup)
{
	struct vfs *vfs = sup->s->vfs;
	struct dirent *de;
	bool sure = true;
	DIR *d;

	if (!vfs_merge_gc_due(vfs))
		return;
	d = opendir("/proc");
	if (!d) {
		vfs_merge_gc_sweep(vfs, false);
		return;
	}
	while (sure && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (pid <= 0 || *end)
			continue;
		if (!hold_process(vfs, pid) && sup_in_session((pid_t)pid))
			sure = false;
	}
	closedir(d);
	vfs_merge_gc_sweep(vfs, sure);
}
