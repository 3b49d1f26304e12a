/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * bench/micro.c - path-syscall micro-benchmarks.  One source, built twice:
 * dynamically (libc calls the shim can interpose) and statically (only the
 * seccomp path can see them).
 *
 *   micro OP PATH ITERATIONS [EXPECTED_ENTRIES]
 *
 * OP is one of
 *   open       open(PATH, O_RDONLY|O_CLOEXEC) + close; must succeed
 *   stat       stat(PATH); must succeed
 *   stat-miss  stat(PATH); must fail with ENOENT
 *   readdir    opendir + readdir to the end + closedir; with
 *              EXPECTED_ENTRIES, the count (without . and ..) must match
 *
 * A warm-up of ITERATIONS/10 + 1 operations runs first (first access to a
 * package file extracts it into the content cache; that is not the steady
 * state being measured).  Prints one line:
 *   micro op=OP iters=N ns_per_op=X
 * Exits 1 (with the reason on stderr) when an operation does not give the
 * expected result, so a broken virtualization never looks fast.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum op { OP_OPEN, OP_STAT, OP_STAT_MISS, OP_READDIR };

struct job {
	enum op op;
	const char *path;
	long expected; /* readdir entries, -1 = do not check */
};

static int do_open(const struct job *j)
{
	int fd = open(j->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int do_stat(const struct job *j)
{
	struct stat st;

	if (stat(j->path, &st) < 0)
		return -errno;
	return 0;
}

static int do_stat_miss(const struct job *j)
{
	struct stat st;

	if (stat(j->path, &st) == 0)
		return -EEXIST;
	return errno == ENOENT ? 0 : -errno;
}

static int do_readdir(const struct job *j)
{
	DIR *d = opendir(j->path);
	struct dirent *e;
	long n = 0;

	if (!d)
		return -errno;
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	}
	n = errno ? -errno : n;
	closedir(d);
	if (n < 0)
		return (int)n;
	if (j->expected >= 0 && n != j->expected)
		return -EBADMSG;
	return 0;
}

static int run_one(const struct job *j)
{
	switch (j->op) {
	case OP_OPEN:
		return do_open(j);
	case OP_STAT:
		return do_stat(j);
	case OP_STAT_MISS:
		return do_stat_miss(j);
	case OP_READDIR:
		return do_readdir(j);
	}
	return -EINVAL;
}

static int parse_op(const char *s, enum op *op)
{
	static const struct {
		const char *name;
		enum op op;
	} ops[] = {
		{ "open", OP_OPEN },
		{ "stat", OP_STAT },
		{ "stat-miss", OP_STAT_MISS },
		{ "readdir", OP_READDIR },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!strcmp(s, ops[i].name)) {
			*op = ops[i].op;
			return 0;
		}
	}
	return -EINVAL;
}

static long parse_count(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return -1;
	return v;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int loop(const struct job *j, long n)
{
	for (long i = 0; i < n; i++) {
		int r = run_one(j);

		if (r < 0)
			return r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct job j = { .expected = -1 };
	long iters;
	long long t0 = 0, t1 = 0;
	int r;

	if (argc < 4 || argc > 5 || parse_op(argv[1], &j.op) < 0 ||
	    (iters = parse_count(argv[3])) <= 0 ||
	    (argc == 5 && (j.expected = parse_count(argv[4])) < 0)) {
		fprintf(stderr, "usage: micro open|stat|stat-miss|readdir "
				"PATH ITERATIONS [EXPECTED_ENTRIES]\n");
		return 2;
	}
	j.path = argv[2];
	r = loop(&j, iters / 10 + 1);
	if (r == 0) {
		t0 = now_ns();
		r = loop(&j, iters);
		t1 = now_ns();
	}
	if (r < 0) {
		fprintf(stderr, "micro: %s %s: %s\n", argv[1], j.path,
			r == -EEXIST	? "exists, expected ENOENT"
			: r == -EBADMSG ? "wrong number of entries"
					: strerror(-r));
		return 1;
	}
	printf("micro op=%s iters=%ld ns_per_op=%.1f\n", argv[1], iters,
	       (double)(t1 - t0) / (double)iters);
	return 0;
}
