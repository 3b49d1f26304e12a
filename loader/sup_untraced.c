// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sup_untraced.c - opens made as the application's would be
 * checked for ptrace access.  The kernel checks it when a file below
 * /proc/PID is opened (maps, environ, mem) or a link there is followed
 * (fd/N, exe, cwd), with the opener's credentials and Landlock domain:
 * the application is in a domain, appv's serving thread in none (and
 * appv traces its descendants).  Where the supervisor opens such a path
 * of a process the application may not trace (strict mode), it does so
 * from this thread, which entered a Landlock domain of its own and has
 * appv's credentials, the application's unless it changed its own: the
 * kernel then refuses what it refuses the application, and lets through
 * what needs no such access (status, stat, cmdline).  appv's own
 * threads pass any such check (one thread group): the caller refuses
 * those paths itself (sys_common.c, proc_appv_own).
 *
 * One thread, made on first use, serves one request at a time; the
 * serving thread waits for the answer.  Its descriptors are the
 * supervisor's (threads share the table).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/landlock.h>

#include "../common/sys.h"
#include "supervisor_internal.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_restrict_self 446
#endif

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started, ready, busy, done;
	int dirfd, flags, result;
	uint64_t resolve;
	const char *path;
} uo = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* A Landlock domain for the calling thread alone: a ruleset that handles
 * one right (making block devices) and grants none.  Its point is the
 * domain itself, which takes ptrace access to every process outside it. */
static bool enter_domain(void)
{
	struct landlock_ruleset_attr attr = {.handled_access_fs =
						 LANDLOCK_ACCESS_FS_MAKE_BLOCK};
	int rs, r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return false;
	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		return false;
	r = (int)syscall(SYS_landlock_restrict_self, rs, 0);
	close(rs);
	return r == 0;
}

static void *untraced_main(void *arg)
{
	bool ok = enter_domain();
	int r;

	(void)arg;
	pthread_mutex_lock(&uo.mu);
	uo.ready = ok;
	uo.done = true;
	pthread_cond_broadcast(&uo.cv);
	while (ok) {
		while (!uo.busy || uo.done)
			pthread_cond_wait(&uo.cv, &uo.mu);
		pthread_mutex_unlock(&uo.mu);
		r = appv_openat2(uo.dirfd, uo.path, uo.flags | O_CLOEXEC, 0,
				 uo.resolve);
		pthread_mutex_lock(&uo.mu);
		uo.result = r;
		uo.done = true;
		pthread_cond_broadcast(&uo.cv);
	}
	pthread_mutex_unlock(&uo.mu);
	return NULL;
}

/* Start the thread once: whether it runs in its domain. */
static bool untraced_start(void)
{
	pthread_attr_t attr;
	pthread_t t;

	if (uo.started)
		return uo.ready;
	uo.started = true;
	uo.done = false;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&t, &attr, untraced_main, NULL) != 0)
		uo.done = true;
	pthread_attr_destroy(&attr);
	while (!uo.done)
		pthread_cond_wait(&uo.cv, &uo.mu);
	return uo.ready;
}

int sup_open_untraced(int dirfd, const char *path, int flags, uint64_t resolve)
{
	int r;

	pthread_mutex_lock(&uo.mu);
	if (!untraced_start()) {
		pthread_mutex_unlock(&uo.mu);
		return -EACCES; /* no domain: refused, as the kernel may */
	}
	uo.dirfd = dirfd, uo.path = path, uo.flags = flags;
	uo.resolve = resolve;
	uo.done = false;
	uo.busy = true;
	pthread_cond_broadcast(&uo.cv);
	while (!uo.done)
		pthread_cond_wait(&uo.cv, &uo.mu);
	uo.busy = false;
	r = uo.result;
	pthread_mutex_unlock(&uo.mu);
	return r;
}
