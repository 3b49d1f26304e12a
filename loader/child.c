// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * Child set-up.  Order matters: no_new_privs (required by Landlock and
 * seccomp for an unprivileged user), Landlock, then the seccomp filter —
 * from that point every path syscall of the child is notified, so the
 * listener is handed to the parent before exec: the child names it, the
 * parent takes it (common/fdpass.h).  No go-ahead is awaited: the exec
 * itself is the first notification and waits in the kernel until the
 * supervisor receives it (or fails with ENOSYS once the listener is
 * closed), which saves a round trip between the two processes; the
 * child's copy of the listener stays open until then (close-on-exec).  Except
 * for a command without a slash: execvp would try each PATH directory, a
 * notification apiece (nine for /usr/bin/find with a long PATH), so the
 * parent, once its resolver is built, names the first directory that
 * holds the program in the virtual tree (child_find) and the child execs
 * that path; should that fail, execvp's own search runs, so the outcome
 * and the error are execvp's.
 *
 * Trust boundary: the child trusts the parent (same program, before exec);
 * the messages are one fd (or a failure text) from the child and at most
 * one path from the parent, over a socketpair.
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
#include "../common/path.h"

/* "NAME=value" in a new string, or NULL. */
static char *env_entry(const char *name, const char *v1, const char *v2)
{
	char *e;

	if (asprintf(&e, "%s=%s%s%s", name, v1, v2 && *v2 ? ":" : "",
		     v2 && *v2 ? v2 : "") < 0)
		return NULL;
	return e;
}

/*
 * The environment the application starts with: appv's, with the shim
 * preloaded (after the libraries of any LD_PRELOAD the user had:
 * appv_preload_place) and the session file named.  Built by the parent
 * before fork: the child only reads it, so it touches no heap page of
 * its own (each would be a copy-on-write fault).
 * Freed with env_free.
 */
static char **env_build(const struct session *s)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 3, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!s->use_shim || (strncmp(environ[i], "LD_PRELOAD=", 11) &&
				     strncmp(environ[i], "APPV_SESSION=", 13)))
			env[k++] = environ[i];
	if (s->use_shim) {
		const char *old = getenv("LD_PRELOAD");
		size_t cap = (old ? strlen(old) : 0) + strlen(s->shim_path) + 2;
		char *v = malloc(cap);

		env[k] = v && appv_preload_place(old, s->shim_path, v, cap) >= 0
				 ? env_entry("LD_PRELOAD", v, NULL)
				 : NULL;
		free(v);
		env[k + 1] = env_entry("APPV_SESSION", s->session_file, NULL);
		if (!env[k] || !env[k + 1]) {
			free(env[k]);
			free(env);
			return NULL;
		}
	}
	return env;
}

static void env_free(const struct session *s, char **env)
{
	size_t n = 0;

	if (!env)
		return;
	while (env[n])
		n++;
	if (s->use_shim && n >= 2) {
		free(env[n - 1]);
		free(env[n - 2]);
	}
	free(env);
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

/* The parent's answer for a PATH search: a NUL-terminated path, empty
 * for none (then execvp searches). */
static bool read_path(int sock, char *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t k = read(sock, buf + n, cap - n);

		if (k <= 0)
			return false;
		n += (size_t)k;
		if (memchr(buf, '\0', n))
			return buf[0] == '/';
	}
	return false;
}

static void __attribute__((noreturn))
child_main(struct session *s, char *const argv[], char *const envp[], int sock,
	   pid_t parent, const sigset_t *oldmask)
{
	/* Landlock's ABI 6 keeps signals in the session: they need no
	 * notification (loader/sys_proc.c). */
	struct appv_filter_opts fo = {.no_shim = !s->use_shim,
				      .signals_scoped =
					  loader_landlock_abi() >= 6};
	char found[PATH_MAX];
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
	listener = appv_filter_install(loader_syscalls, loader_nsyscalls, &fo);
	if (listener < 0)
		child_fail(sock, "seccomp filter", -listener);
	if (appv_fd_offer(sock, listener) < 0)
		_exit(127);
	if (strchr(argv[0], '/') || !read_path(sock, found, sizeof(found)))
		found[0] = '\0';
	close(sock);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	if (found[0])
		execve(found, argv, envp);
	if (strchr(argv[0], '/'))
		execve(argv[0], argv, envp);
	else
		execvpe(argv[0], argv, envp);
	r = errno;
	fprintf(stderr, "appv: %s: %s\n", argv[0], strerror(r));
	_exit(r == ENOENT ? 127 : 126);
}

/*
 * The first PATH directory (of appv's environment, which the child
 * inherits: execvp reads its own) whose @file exists in the virtual tree,
 * into @out; "" when there is none or a relative directory comes first
 * (the child's execvp decides).  Directories where the lookup fails with
 * ENOENT or ENOTDIR are the ones execvp would pass over too.
 */
static void child_find(struct session *s, const char *file, char *out,
		       size_t cap)
{
	const char *p = getenv("PATH");
	struct vfs_res res;

	if (!p)
		p = "/bin:/usr/bin";
	while (p) {
		struct vfs_req q = { .path = out, .base = "/",
				     .intent = VFS_INTENT_READ };
		int r;

		if (appv_path_candidate(&p, file, out, cap) < 0 ||
		    out[0] != '/')
			break;
		r = vfs_resolve(s->vfs, &q, &res);
		if (r != -ENOENT && r != -ENOTDIR)
			return;
	}
	out[0] = '\0';
}

pid_t child_spawn(struct session *s, char *const argv[], int *listener,
		  struct appv_diag *diag)
{
	sigset_t oldmask;
	char tag = 0, **envp;
	int sv[2], fd, r;
	pid_t pid, parent = getpid();

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return appv_diag_set(diag, -errno, "socketpair: %s",
				     strerror(errno));
	/* The supervisor blocked its signals (signalfd); the child gets the
	 * mask the user gave appv back just before exec. */
	oldmask = s->sigmask_orig;
	envp = env_build(s);
	if (!envp) {
		close(sv[0]);
		close(sv[1]);
		return appv_diag_set(diag, -ENOMEM, "environment: %s",
				     strerror(ENOMEM));
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		child_main(s, argv, envp, sv[1], parent, &oldmask);
	}
	r = -errno;
	env_free(s, envp);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return appv_diag_set(diag, r, "fork: %s", strerror(-r));
	}
	/* The resolver is only the supervisor's: build it while the child
	 * sets itself up (on another CPU when there is one). */
	r = session_open_vfs(s, diag);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(sv[0]);
		return r;
	}
	fd = appv_fd_take(sv[0], pid, &tag);
	if (fd < 0) {
		char msg[512] = "";
		ssize_t n = 0;
		int st;

		if (tag == 'L')
			kill(pid, SIGKILL); /* waiting in its execve */
		else
			n = read(sv[0], msg, sizeof(msg) - 1);
		waitpid(pid, &st, 0);
		close(sv[0]);
		/* appv_fd_take consumed the leading 'E' of a failure report. */
		if (tag == 'E' && n > 0) {
			msg[n] = '\0';
			return appv_diag_set(diag, -ENOSYS,
					     "cannot set up the sandbox: %s",
					     msg);
		}
		if (tag == 'L')
			return appv_diag_set(
			    diag, fd,
			    "cannot set up the sandbox: taking the seccomp "
			    "listener from the child (pidfd_getfd): %s",
			    strerror(-fd));
		return appv_diag_set(diag, -EPROTO,
				     "cannot set up the sandbox (child exited)");
	}
	if (!strchr(argv[0], '/')) {
		char found[PATH_MAX];

		child_find(s, argv[0], found, sizeof(found));
		(void)!write(sv[0], found, strlen(found) + 1);
	}
	close(sv[0]);
	*listener = fd;
	return pid;
}
