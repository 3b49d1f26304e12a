/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * bench/timeit.c - run a command and measure it, without a shell or an
 * interpreter in the timed path.
 *
 *   timeit [-n RUNS] [-m] [-q] [-r MS] -- CMD [ARG...]
 *
 *   -n RUNS  run CMD RUNS times, one after the other; report the mean wall
 *            time of one run (fork to reaped exit)
 *   -m       while each run lasts, poll VmHWM of the direct child (e.g. the
 *            appv supervisor) every millisecond; report the maximum seen
 *   -q       the command's stdout goes to /dev/null (for commands that
 *            print a lot, e.g. find over a big tree)
 *   -r MS    memory probe instead of timing: after MS milliseconds, read
 *            VmRSS/RssAnon/RssFile of the deepest descendant (the
 *            application, when CMD is a supervisor), then SIGTERM the child
 *
 * Prints one line last on stdout:
 *   timeit runs=N wall_ns=X status=S maxrss_kb=K hwm_kb=H
 * or, with -r,
 *   timeit rss_kb=R anon_kb=A file_kb=F pid=P comm=C
 * Exit status: the command's (128+N for a signal), 0 when all runs exited 0.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct opts {
	long runs;
	int poll_hwm;
	int quiet;
	long rss_delay_ms; /* -1: time instead */
	char **argv;
};

struct result {
	long long wall_ns;
	int status;
	long maxrss_kb;
	long hwm_kb;
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Value in kB of "Key:" in /proc/PID/status, or -1. */
static long status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* First child of @pid found in /proc, or 0. */
static pid_t child_of(pid_t pid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		char path[300], buf[512], *p;
		FILE *f;
		int ppid;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		if (p && sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid == pid)
			found = (pid_t)atoi(e->d_name);
		fclose(f);
	}
	closedir(d);
	return found;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

static pid_t spawn(char **argv, int quiet)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = quiet ? open("/dev/null", O_WRONLY) : -1;

		if (fd >= 0 && fd != STDOUT_FILENO) {
			dup2(fd, STDOUT_FILENO);
			close(fd);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "timeit: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Wait for @pid, polling its VmHWM every millisecond when asked. */
static int wait_run(pid_t pid, int poll_hwm, struct rusage *ru, long *hwm)
{
	int status = 0, pfd = -1;

	if (poll_hwm)
		pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	while (pfd >= 0) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		long v = status_kb(pid, "VmHWM");

		if (v > *hwm)
			*hwm = v;
		if (poll(&p, 1, 1) != 0)
			break;
	}
	if (pfd >= 0)
		close(pfd);
	while (wait4(pid, &status, 0, ru) < 0) {
		if (errno != EINTR)
			return 255 << 8;
	}
	return status;
}

static int time_runs(const struct opts *o, struct result *res)
{
	long long total = 0;

	for (long i = 0; i < o->runs; i++) {
		struct rusage ru;
		long long t0 = now_ns();
		pid_t pid = spawn(o->argv, o->quiet);

		if (pid < 0)
			return -errno;
		res->status = exit_code(wait_run(pid, o->poll_hwm, &ru,
						 &res->hwm_kb));
		total += now_ns() - t0;
		if (ru.ru_maxrss > res->maxrss_kb)
			res->maxrss_kb = ru.ru_maxrss;
		if (res->status)
			break;
	}
	res->wall_ns = total / o->runs;
	return 0;
}

static int probe_rss(const struct opts *o)
{
	struct timespec d = { o->rss_delay_ms / 1000,
			      (o->rss_delay_ms % 1000) * 1000000L };
	pid_t pid = spawn(o->argv, o->quiet), leaf, next;
	char comm_path[64], comm[64] = "?";
	int status;
	FILE *f;

	if (pid < 0)
		return 1;
	nanosleep(&d, NULL);
	for (leaf = pid; (next = child_of(leaf)) != 0;)
		leaf = next;
	snprintf(comm_path, sizeof(comm_path), "/proc/%d/comm", (int)leaf);
	f = fopen(comm_path, "re");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	printf("timeit rss_kb=%ld anon_kb=%ld file_kb=%ld pid=%d comm=%s\n",
	       status_kb(leaf, "VmRSS"), status_kb(leaf, "RssAnon"),
	       status_kb(leaf, "RssFile"), (int)leaf, comm);
	fflush(stdout);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .runs = 1, .rss_delay_ms = -1 };
	while ((c = getopt(argc, argv, "+n:mqr:")) != -1) {
		if (c == 'n')
			o->runs = strtol(optarg, NULL, 10);
		else if (c == 'm')
			o->poll_hwm = 1;
		else if (c == 'q')
			o->quiet = 1;
		else if (c == 'r')
			o->rss_delay_ms = strtol(optarg, NULL, 10);
		else
			return -1;
	}
	if (optind >= argc || o->runs <= 0)
		return -1;
	o->argv = argv + optind;
	return 0;
}

int main(int argc, char **argv)
{
	struct result res = { 0 };
	struct opts o;

	if (parse_opts(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: timeit [-n RUNS] [-m] [-q] [-r MS] -- CMD "
				"[ARG...]\n");
		return 2;
	}
	if (o.rss_delay_ms >= 0)
		return probe_rss(&o);
	fflush(stdout);
	if (time_runs(&o, &res) < 0) {
		perror("timeit: fork");
		return 1;
	}
	printf("timeit runs=%ld wall_ns=%lld status=%d maxrss_kb=%ld "
	       "hwm_kb=%ld\n",
	       o.runs, res.wall_ns, res.status, res.maxrss_kb, res.hwm_kb);
	return res.status;
}
