/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * bench/micro.c - path-syscall micro-benchmarks.  One source, built twice:
 * dynamically (libc calls the shim can interpose) and statically (only the
 * seccomp path can see them).
 *
 *   micro [-t MS] OP PATH ITERATIONS [EXPECTED_ENTRIES]
 *
 * OP is one of
 *   open       open(PATH, O_RDONLY|O_CLOEXEC) + close; must succeed
 *   stat       stat(PATH); must succeed
 *   stat-miss  stat(PATH); must fail with ENOENT
 *   readdir    opendir + readdir to the end + closedir; with
 *              EXPECTED_ENTRIES, the count (without . and ..) must match
 *   create     PATH is a directory: open(PATH/micro-cwu.PID,
 *              O_WRONLY|O_CREAT|O_EXCL) + write of 100 bytes + close +
 *              unlink; every step must succeed
 *   rename     PATH is a directory: micro-rn-a.PID is created once (not
 *              timed), then each operation renames it a -> b or b -> a;
 *              the file is removed at the end
 *
 * A warm-up of ITERATIONS/10 + 1 operations runs first (first access to a
 * package file extracts it into the content cache; that is not the steady
 * state being measured).  With -t MS, the warm-up and the timed loop each
 * stop after MS milliseconds even if fewer operations were done (at least
 * one), so that a pathologically slow variant cannot stall the benchmark;
 * ns_per_op is always over the operations actually timed.  Prints one line:
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

enum op { OP_OPEN, OP_STAT, OP_STAT_MISS, OP_READDIR, OP_CREATE, OP_RENAME };

struct job {
	enum op op;
	const char *path;
	long expected; /* readdir entries, -1 = do not check */
	char a[4096];  /* create: the file; rename: the two names */
	char b[4096];
	unsigned long flip; /* rename: which way the next one goes */
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

static int do_create(const struct job *j)
{
	static const char buf[100] = "a small file written by micro create\n";
	int fd = open(j->a, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, sizeof(buf));
	if (n != (ssize_t)sizeof(buf)) {
		int e = n < 0 ? -errno : -EIO;

		close(fd);
		unlink(j->a);
		return e;
	}
	if (close(fd) < 0 || unlink(j->a) < 0)
		return -errno;
	return 0;
}

static int do_rename(struct job *j)
{
	int r = j->flip & 1 ? rename(j->b, j->a) : rename(j->a, j->b);

	if (r < 0)
		return -errno;
	j->flip++;
	return 0;
}

/* create/rename: the file names under the directory PATH. */
static int prepare(struct job *j)
{
	const char *fa = j->op == OP_CREATE ? "micro-cwu" : "micro-rn-a";
	int n = snprintf(j->a, sizeof(j->a), "%s/%s.%d", j->path, fa,
			 (int)getpid());
	int m = snprintf(j->b, sizeof(j->b), "%s/micro-rn-b.%d", j->path,
			 (int)getpid());
	int fd;

	if (n < 0 || m < 0 || (size_t)n >= sizeof(j->a) ||
	    (size_t)m >= sizeof(j->b))
		return -ENAMETOOLONG;
	if (j->op != OP_RENAME)
		return 0;
	fd = open(j->a, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void finish(const struct job *j)
{
	if (j->op == OP_RENAME)
		unlink(j->flip & 1 ? j->b : j->a);
}

static int run_one(struct job *j)
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
	case OP_CREATE:
		return do_create(j);
	case OP_RENAME:
		return do_rename(j);
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
		{ "create", OP_CREATE },
		{ "rename", OP_RENAME },
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

/* Run up to @n operations, stopping once @limit_ns have passed (0: no
 * limit); *done gets the count. */
static int loop(struct job *j, long n, long long limit_ns, long *done)
{
	long long start = now_ns();

	for (*done = 0; *done < n; (*done)++) {
		int r = run_one(j);

		if (r < 0)
			return r;
		if (limit_ns && now_ns() - start >= limit_ns) {
			(*done)++;
			break;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct job j = { .expected = -1 };
	long iters, done = 0, limit_ms = 0;
	long long t0 = 0, t1 = 0;
	int r;

	if (argc > 2 && !strcmp(argv[1], "-t")) {
		limit_ms = parse_count(argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 4 || argc > 5 || limit_ms < 0 ||
	    parse_op(argv[1], &j.op) < 0 ||
	    (iters = parse_count(argv[3])) <= 0 ||
	    (argc == 5 && (j.expected = parse_count(argv[4])) < 0)) {
		fprintf(stderr, "usage: micro [-t MS] open|stat|stat-miss|readdir|"
				"create|rename PATH ITERATIONS "
				"[EXPECTED_ENTRIES]\n");
		return 2;
	}
	j.path = argv[2];
	r = prepare(&j);
	if (r == 0)
		r = loop(&j, iters / 10 + 1, limit_ms * 1000000LL, &done);
	if (r == 0) {
		t0 = now_ns();
		r = loop(&j, iters, limit_ms * 1000000LL, &done);
		t1 = now_ns();
	}
	finish(&j);
	if (r < 0) {
		fprintf(stderr, "micro: %s %s: %s\n", argv[1], j.path,
			r == -EEXIST	? "exists, expected ENOENT"
			: r == -EBADMSG ? "wrong number of entries"
					: strerror(-r));
		return 1;
	}
	printf("micro op=%s iters=%ld ns_per_op=%.1f\n", argv[1], done,
	       (double)(t1 - t0) / (double)done);
	return 0;
}
