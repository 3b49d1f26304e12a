// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * Child set-up.  Order matters: no_new_privs (required by Landlock and
 * seccomp for an unprivileged user), Landlock, then the seccomp filter —
 * from that point every path syscall of the child is notified, so the
 * listener is handed to the parent before exec.  No go-ahead is awaited:
 * the exec itself is the first notification and waits in the kernel until
 * the supervisor receives it (or fails with ENOSYS once the listener is
 * closed), which saves a round trip between the two processes.
 *
 * Trust boundary: the child trusts the parent (same program, before exec);
 * the one message is one fd (or a failure text) over a socketpair.
 */
#include "loader.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "../common/cleanup.h"
#include "../common/fdpass.h"

static void set_env(const struct session *s)
{
	if (!s->use_shim)
		return;
	const char *old = getenv("LD_PRELOAD");
	char buf[PATH_MAX * 2];

	if (old && *old)
		snprintf(buf, sizeof(buf), "%s:%s", s->shim_path, old);
	else
		snprintf(buf, sizeof(buf), "%s", s->shim_path);
	setenv("LD_PRELOAD", buf, 1);
	setenv("APPV_SESSION", s->session_file, 1);
}

/* Reports a set-up failure to the parent through the pipe's status byte
 * and exits; the parent prints the message. */
static void __attribute__((noreturn)) child_fail(int sock, const char *what,
						  int err)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "E%s: %s", what, strerror(err));

	if (n > 0)
		(void)!write(sock, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	_exit(127);
}

static void __attribute__((noreturn))
child_main(struct session *s, char *const argv[], int sock, pid_t parent,
	   const sigset_t *oldmask)
{
	struct appv_filter_opts fo = { .strict = s->strict };
	int listener, r;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	/* The supervisor made itself non-dumpable; the child inherited that,
	 * and an unprivileged supervisor could not read the child's memory at
	 * its first execve (exec resets it later anyway). */
	if (prctl(PR_SET_DUMPABLE, 1) < 0)
		_exit(127);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(sock, "no_new_privs", errno);
	r = loader_landlock_apply(s);
	if (r < 0)
		child_fail(sock, "Landlock backstop", -r);
	set_env(s);
	listener = appv_filter_install(loader_syscalls, loader_nsyscalls, &fo);
	if (listener < 0)
		child_fail(sock, "seccomp filter", -listener);
	if (appv_send_fd(sock, listener, 'L') < 0)
		_exit(127);
	close(listener);
	close(sock);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	if (strchr(argv[0], '/'))
		execv(argv[0], argv);
	else
		execvp(argv[0], argv);
	r = errno;
	fprintf(stderr, "appv: %s: %s\n", argv[0], strerror(r));
	_exit(r == ENOENT ? 127 : 126);
}

pid_t child_spawn(struct session *s, char *const argv[], int *listener,
		  struct appv_diag *diag)
{
	sigset_t oldmask;
	char tag = 0;
	int sv[2], fd, r;
	pid_t pid, parent = getpid();

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return appv_diag_set(diag, -errno, "socketpair: %s",
				     strerror(errno));
	/* The supervisor blocked its signals (signalfd); the child gets the
	 * mask the user gave appv back just before exec. */
	oldmask = s->sigmask_orig;
	pid = fork();
	if (pid < 0)
		return appv_diag_set(diag, -errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(sv[0]);
		child_main(s, argv, sv[1], parent, &oldmask);
	}
	close(sv[1]);
	/* The resolver is only the supervisor's: build it while the child
	 * sets itself up (on another CPU when there is one). */
	r = session_open_vfs(s, diag);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(sv[0]);
		return r;
	}
	fd = appv_recv_fd(sv[0], &tag);
	if (fd < 0) {
		char msg[512] = "";
		ssize_t n = read(sv[0], msg, sizeof(msg) - 1);
		int st;

		waitpid(pid, &st, 0);
		close(sv[0]);
		/* appv_recv_fd consumed the leading 'E' of a failure report. */
		if (tag == 'E' && n > 0) {
			msg[n] = '\0';
			return appv_diag_set(diag, -ENOSYS,
					     "cannot set up the sandbox: %s",
					     msg);
		}
		return appv_diag_set(diag, -EPROTO,
				     "cannot set up the sandbox (child exited)");
	}
	close(sv[0]);
	*listener = fd;
	return pid;
}
