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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

/* The process group of process @pid (the fifth field of its stat), or
 * -errno. */
static long pgrp_of(pid_t pid)
{
	char p[64], buf[512], state;
	const char *e;
	long ppid, pg;
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	e = strrchr(buf, ')');
	if (!e || sscanf(e + 1, " %c %ld %ld", &state, &ppid, &pg) != 3)
		return -EIO;
	return pg;
}

/* The real, effective and saved user ids of thread @tid (its status),
 * or -1s. */
static void uids_of(pid_t tid, long id[3])
{
	char p[64], line[256];
	FILE *f;

	id[0] = id[1] = id[2] = -1;
	snprintf(p, sizeof(p), "/proc/%d/status", (int)tid);
	f = fopen(p, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %ld %ld %ld", &id[0], &id[1], &id[2]) ==
		    3)
			break;
	if (f)
		fclose(f);
}

/* Whether the caller may signal @pid: kill_ok_by_cred(), its real or
 * effective id one of the target's real and saved ones, or CAP_KILL (a
 * root session's process that dropped its ids; the supervisor keeps
 * appv's).  SIGCONT's exception for one terminal session is not made. */
static bool may_signal(struct appv_sc_call *c, pid_t pid)
{
	struct vfs_cred *cred = sup_cred(c);
	long me[3], t[3];

	if (vfs_cred_get(cred) == 0 && cred->cap_eff & (1ULL << CAP_KILL))
		return true;
	uids_of(c->tid, me);
	uids_of(pid, t);
	for (int i = 0; i < 2; i++)
		if (me[i] >= 0 && (me[i] == t[0] || me[i] == t[2]))
			return true;
	return false;
}

/* Whether process group @pg has a member outside the session (appv, a
 * host process); with @sig >= 0 it goes to each member of the session
 * instead, *@r the outcome. */
static bool group_foreign(struct appv_sc_call *c, long pg, int sig, long *r)
{
	bool foreign = false, sent = false;
	struct dirent *de;
	DIR *d = opendir("/proc");

	*r = -ESRCH;
	while (d && (de = readdir(d))) {
		long pid = strtol(de->d_name, NULL, 10);
		int fd;

		if (pid <= 0 || pgrp_of((pid_t)pid) != pg)
			continue;
		if (sig < 0) {
			if ((foreign = !sup_in_session((pid_t)pid)))
				break;
			continue;
		}
		/* Held, then checked again: not a recycled number. */
		fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
		if (fd < 0)
			continue;
		if (!sup_in_session((pid_t)pid) || pgrp_of((pid_t)pid) != pg ||
		    !may_signal(c, (pid_t)pid))
			*r = -EPERM;
		else if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) == 0)
			sent = true;
		else
			*r = -errno;
		close(fd);
	}
	if (d)
		closedir(d);
	if (sent)
		*r = 0;
	return foreign;
}

/*
 * Process group @pg (0: the caller's).  SUP_CONTINUE when it is the
 * session's alone: led by a process of the session (a host process does
 * not join it), or each member is one.  Otherwise - appv's group, which
 * the session's first processes share, and which holds the script that
 * ran appv too - the call is refused (-EPERM), but a signal (@sig >= 0)
 * goes from here to the group's processes of the session, as Landlock's
 * scoping has it: `trap 'kill 0' EXIT` ends a script's jobs, not appv
 * nor its caller.  They see appv as the sender (si_pid).
 */
static long group_only(struct appv_sc_call *c, long pg, int sig)
{
	long r;

	if (pg == 0 && (pg = pgrp_of(target_tgid(c))) < 0)
		return SUP_CONTINUE;
	if (sup_in_session((pid_t)pg) || !group_foreign(c, pg, -1, &r))
		return SUP_CONTINUE;
	if (sig < 0)
		return -EPERM;
	group_foreign(c, pg, sig, &r);
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

/*
 * fcntl's F_SETOWN and F_SETOWN_EX, ioctl's FIOSETOWN and SIOCSPGRP: I/O on
 * the descriptor then signals its owner (SIGIO, SIGURG or F_SETSIG's),
 * which Landlock's ABI 6 scopes too.  A process, thread or group of the
 * session only.  An owner read from memory is set from here, on the same
 * open file, so that no other thread changes it after the check.
 */
static long set_owner(struct appv_sc_call *c, bool ioctl_req)
{
	struct f_owner_ex o = {F_OWNER_PID, (int)c->args[2]}, set;
	bool ex = !ioctl_req && (unsigned int)c->args[1] == F_SETOWN_EX;
	struct stat st;
	long r;
	int fd = -1;

	if (ioctl_req || ex) {
		fd = target_getfd(c, (int)c->args[0]);
		if (fd < 0)
			return fd;
		if ((ioctl_req &&
		     (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))) ||
		    target_read(c, c->args[2], ioctl_req ? (void *)&o.pid : &o,
				ioctl_req ? sizeof(o.pid) : sizeof(o)) < 0) {
			close(fd); /* not a socket's (ENOTTY), or EFAULT */
			return SUP_CONTINUE;
		}
	}
	set = o;
	if (o.pid < 0 && o.type == F_OWNER_PID)
		o.type = F_OWNER_PGRP, o.pid = -o.pid;
	if (o.pid <= 0 || (unsigned int)o.type > F_OWNER_PGRP)
		r = SUP_CONTINUE; /* none, or EINVAL */
	else
		r = o.type == F_OWNER_PGRP ? group_only(c, o.pid, -1)
					   : session_only(c, o.pid);
	if (r == SUP_CONTINUE && ioctl_req)
		r = ioctl(fd, (unsigned int)c->args[1], &set.pid) < 0 ? -errno
								      : 0;
	else if (r == SUP_CONTINUE && ex)
		r = fcntl(fd, F_SETOWN_EX, &set) < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	return r;
}

static bool scoped_signals(void)
{
	return loader_landlock_abi() >= 6;
}

long sys_ioctl_owner(struct appv_sc_call *c)
{
	return scoped_signals() ? SUP_CONTINUE : set_owner(c, true);
}

long sys_other_process(struct appv_sc_call *c)
{
	long nr = c->req->data.nr, pid = (int)c->args[0], who;
	bool prio;
	int sig;

	switch (nr) {
	case SYS_kill:
		if (scoped_signals())
			return SUP_CONTINUE;
		/* -1: every process the caller may signal, the host's too */
		if (pid == -1)
			return -EPERM;
		if (pid > 0)
			return session_only(c, pid);
		sig = (int)c->args[1];
		/* not a signal: the kernel's EINVAL, sent to none */
		return sig < 0 || sig > 64 ? SUP_CONTINUE
					   : group_only(c, -pid, sig);
	case SYS_tkill:
	case SYS_tgkill:
	case SYS_rt_sigqueueinfo:
	case SYS_rt_tgsigqueueinfo:
		return scoped_signals() ? SUP_CONTINUE : session_only(c, pid);
	case SYS_fcntl:
		return scoped_signals() ? SUP_CONTINUE : set_owner(c, false);
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
		if (pid == (prio ? PRIO_PGRP : IOPRIO_WHO_PGRP))
			return group_only(c, who, -1);
		return who == 0 ? SUP_CONTINUE : session_only(c, who);
	case SYS_prlimit64:
		if (!c->args[2]) /* reading them changes nothing */
			return SUP_CONTINUE;
		return session_only(c, pid);
	default: /* sched_set*: the process or thread in argument 0 */
		return session_only(c, pid);
	}
}
