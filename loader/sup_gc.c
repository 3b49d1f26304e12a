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

/* Hold what link @name below @dirfd names; false when it cannot be read
 * (the process is not ours to look at), true when gone or held. */
static bool hold_link(struct vfs *vfs, int dirfd, const char *name)
{
	char buf[PATH_MAX + 16];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);

	if (n < 0)
		return errno != EACCES && errno != EPERM;
	buf[n] = '\0';
	vfs_merge_gc_hold(vfs, buf);
	return true;
}

/* The descriptors of /proc/PID/task/TID (@tfd). */
static bool hold_fds(struct vfs *vfs, int tfd)
{
	int fd = openat(tfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	bool ok = true;
	DIR *d;

	if (fd < 0)
		return errno != EACCES && errno != EPERM;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while (ok && (de = readdir(d)))
		if (de->d_name[0] != '.')
			ok = hold_link(vfs, fd, de->d_name);
	closedir(d);
	return ok;
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
		ok = hold_link(vfs, tfd, "cwd") && hold_link(vfs, tfd, "root");
		/* Threads share their descriptor table but for an
		 * unshare(CLONE_FILES): one read per table. */
		if (ok &&
		    (!fds_read || syscall(SYS_kcmp, (pid_t)pid, (pid_t)tid,
					  KCMP_FILES, 0, 0) != 0)) {
			ok = hold_fds(vfs, tfd);
			fds_read = true;
		}
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
