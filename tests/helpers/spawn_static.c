/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * spawn_static - process creation for the end-to-end tests: fork/exec
 * chains, vfork and posix_spawn.  The same source is built dynamically by
 * spawn.c.
 *
 *   spawn_static chain N FILE
 *       appends "level N\n" to FILE, then (N > 0) forks a child that execs
 *       argv[0] with "chain N-1 FILE" and waits for it; at N == 0 prints
 *       "chain bottom: <lines in FILE>" and "chain cwd: <getcwd()>".
 *       Each level prints "chain N: child status S".
 *   spawn_static vfork PROG ARG...     vfork + execv
 *   spawn_static vforkcd DIR NAME PROG ARG...
 *       vfork; the child enters DIR, opens NAME there, then execs PROG
 *       (PROG "-": _exit; "kill": the child dies by SIGKILL);
 *       the parent prints "NAME before/after: yes|no" (whether it sees
 *       NAME from its own working directory) around it
 *   spawn_static spawn PROG ARG...     posix_spawn
 *   spawn_static spawnp NAME ARG...    posix_spawnp (searches $PATH)
 *       prints "<mode> PROG: status S" after the child's own output
 *       (S = exit status, 128+N for a signal, "ERR ..." when the spawn
 *       itself failed).
 * Exit status 0 when every step worked and every child exited 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int status_of(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : 255;
}

static int wait_child(const char *what, const char *prog, pid_t pid)
{
	int ws, s;

	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR) {
			printf("ERR %s %s: waitpid: %s\n", what, prog,
			       strerror(errno));
			return 1;
		}
	s = status_of(ws);
	printf("%s %s: status %d\n", what, prog, s);
	return s != 0;
}

static int count_lines(const char *path)
{
	char buf[4096];
	ssize_t n;
	int lines = 0, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

static int chain(const char *self, int n, const char *file)
{
	char line[32], arg[16], cwd[PATH_MAX];
	int fd, len;
	pid_t pid;

	fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	len = snprintf(line, sizeof(line), "level %d\n", n);
	if (fd < 0 || write(fd, line, (size_t)len) != len) {
		printf("ERR chain %d %s: %s\n", n, file, strerror(errno));
		return 1;
	}
	close(fd);
	if (n == 0) {
		printf("chain bottom: %d\n", count_lines(file));
		printf("chain cwd: %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
		return 0;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("ERR chain %d: fork: %s\n", n, strerror(errno));
		return 1;
	}
	if (pid == 0) {
		snprintf(arg, sizeof(arg), "%d", n - 1);
		execl(self, self, "chain", arg, file, (char *)NULL);
		printf("ERR chain %d: exec %s: %s\n", n, self, strerror(errno));
		fflush(stdout);
		_exit(127);
	}
	snprintf(line, sizeof(line), "%d", n);
	return wait_child("chain", line, pid);
}

static const char *seen(const char *name)
{
	struct stat st;

	return stat(name, &st) == 0 ? "yes" : "no";
}

/* vfork + execv; with @dir, the child first enters @dir and looks up
 * @name there, a lookup that runs in its parent's memory (CLONE_VM),
 * and the parent says whether it sees @name before and after. */
static int do_vfork(const char *dir, const char *name, char **argv)
{
	pid_t pid;
	int r;

	if (dir)
		printf("%s before: %s\n", name, seen(name));
	fflush(stdout);
	pid = vfork();
	if (pid < 0) {
		printf("ERR vfork %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	if (pid == 0) {
		if (dir) {
			if (chdir(dir) < 0)
				_exit(127);
			open(name, O_RDONLY); /* found or not: looked up */
			if (!strcmp(argv[0], "kill"))
				kill(getpid(), SIGKILL);
			if (!strcmp(argv[0], "-"))
				_exit(0);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	r = wait_child("vfork", argv[0], pid);
	if (dir)
		printf("%s after: %s\n", name, seen(name));
	return r;
}

static int do_spawn(char **argv, int search)
{
	pid_t pid;
	int r;

	fflush(stdout);
	r = search ? posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) :
		     posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	if (r) {
		printf("ERR %s %s: %s\n", search ? "spawnp" : "spawn", argv[0],
		       strerror(r));
		return 1;
	}
	return wait_child(search ? "spawnp" : "spawn", argv[0], pid);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "chain"))
		return chain(argv[0], atoi(argv[2]), argv[3]);
	if (argc >= 3 && !strcmp(argv[1], "vfork"))
		return do_vfork(NULL, NULL, argv + 2);
	if (argc >= 5 && !strcmp(argv[1], "vforkcd"))
		return do_vfork(argv[2], argv[3], argv + 4);
	if (argc >= 3 && !strcmp(argv[1], "spawn"))
		return do_spawn(argv + 2, 0);
	if (argc >= 3 && !strcmp(argv[1], "spawnp"))
		return do_spawn(argv + 2, 1);
	fprintf(stderr,
		"usage: %s chain N FILE | vfork|spawn|spawnp PROG ARG... |"
		" vforkcd DIR NAME PROG ARG...\n",
		argv[0]);
	return 2;
}
