// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_proc.c - calls that act on another process: signals, its
 * priority, I/O priority, resource limits and scheduling.  A process of
 * the session may act on the session's processes only (sup_in_session:
 * appv's descendants), never on the host's nor on appv itself: a root
 * session's `pkill`, `renice -u` or `prlimit --pid` in an installer's
 * script would otherwise reach the host's processes.
 *
 * Landlock (ABI 6, Linux 6.12) keeps signals in the session by itself:
 * with it, the signal calls continue at once.  Without it (Debian 12's
 * 6.1) they are checked here, as the others always are.  A call allowed
 * continues as issued, so the kernel's own checks and the sender's
 * identity (si_pid) are kept; the target is held by a pidfd while it is
 * checked, so its number is not reused meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "loader.h"
#include "supervisor_internal.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_WHO_PGRP 2
#define IOPRIO_WHO_USER 3

/* SUP_CONTINUE when process or thread @id is the session's, or names
 * none (the kernel answers ESRCH or EINVAL); -EPERM when it is another's.
 * The caller's own process, or thread, is (raise, pthread_kill, Go's
 * preemption signals).  A thread is held only where the kernel has
 * PIDFD_THREAD (6.9). */
static long session_only(struct appv_sc_call *c, long id)
{
	int fd;
	long r;

	if (id <= 0 || id == c->tid || id == target_tgid(c))
		return SUP_CONTINUE;
	fd = (int)syscall(SYS_pidfd_open, (pid_t)id, 0);
	if (fd < 0 && errno == EINVAL) /* a thread's id */
		fd = (int)syscall(SYS_pidfd_open, (pid_t)id, PIDFD_THREAD);
	if (fd < 0 && errno == ESRCH)
		return SUP_CONTINUE;
	r = sup_in_session((pid_t)id) ? SUP_CONTINUE : -EPERM;
	if (fd >= 0)
		close(fd);
	return r;
}

/* The pid a pidfd of the target's refers to (its fdinfo), or 0. */
static long pidfd_pid(struct appv_sc_call *c, int tfd)
{
	char p[64], buf[512];
	const char *f;
	ssize_t n;
	int fd, ifd;

	fd = target_getfd(c, tfd);
	if (fd < 0)
		return 0;
	snprintf(p, sizeof(p), "/proc/self/fdinfo/%d", fd);
	ifd = open(p, O_RDONLY | O_CLOEXEC);
	n = ifd < 0 ? -1 : read(ifd, buf, sizeof(buf) - 1);
	if (ifd >= 0)
		close(ifd);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	f = strstr(buf, "\nPid:");
	return f ? strtol(f + 5, NULL, 10) : 0;
}

static bool scoped_signals(void)
{
	static int abi = -1;

	if (abi < 0)
		abi = loader_landlock_abi();
	return abi >= 6;
}

long sys_other_process(struct appv_sc_call *c)
{
	long nr = c->req->data.nr, pid = (int)c->args[0], who;
	bool prio;

	switch (nr) {
	case SYS_kill:
		if (scoped_signals() || pid == 0)
			return SUP_CONTINUE;
		/* -1: every process the caller may signal, the host's too */
		return pid == -1 ? -EPERM
				 : session_only(c, pid < 0 ? -pid : pid);
	case SYS_tkill:
	case SYS_tgkill:
	case SYS_rt_sigqueueinfo:
	case SYS_rt_tgsigqueueinfo:
		return scoped_signals() ? SUP_CONTINUE : session_only(c, pid);
	case SYS_pidfd_send_signal:
		if (scoped_signals())
			return SUP_CONTINUE;
		pid = pidfd_pid(c, (int)pid);
		/* not a pidfd: the kernel's EBADF or EINVAL */
		return pid > 0 ? session_only(c, pid) : SUP_CONTINUE;
	case SYS_setpriority:
	case SYS_ioprio_set:
		prio = nr == SYS_setpriority;
		who = (int)c->args[1];
		if (pid == (prio ? PRIO_USER : IOPRIO_WHO_USER))
			return -EPERM; /* a user's processes: the host's too */
		if (pid != (prio ? PRIO_PROCESS : IOPRIO_WHO_PROCESS) &&
		    pid != (prio ? PRIO_PGRP : IOPRIO_WHO_PGRP))
			return SUP_CONTINUE; /* EINVAL */
		/* a process group by its leader */
		return who == 0 ? SUP_CONTINUE : session_only(c, who);
	case SYS_prlimit64:
		if (!c->args[2]) /* reading them changes nothing */
			return SUP_CONTINUE;
		return session_only(c, pid);
	default: /* sched_set*: the process or thread in argument 0 */
		return session_only(c, pid);
	}
}
