/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * threads_static - concurrent file operations from many threads, for the
 * end-to-end tests.  The same source is built dynamically by threads.c.
 *
 *   threads_static run BASE NTHREADS NFILES
 *       mkdir BASE (must not exist: an upper-only directory in the
 *       overlay); each thread T makes BASE/tT and, for i < NFILES,
 *       creates BASE/tT/new.i (O_CREAT|O_EXCL), writes "T i\n", renames it
 *       to BASE/tT/f.i, stats and reads it back, and unlinks it when i is
 *       odd.  Every thread also renames its files across to the shared
 *       BASE/shared directory (f.i -> shared/T.i for i % 4 == 0).  Then the
 *       main thread checks every directory listing and every content.
 *       Prints "threads: ok T*N ops" or "ERR ..." lines (exit status 1).
 *   threads_static check BASE NTHREADS NFILES
 *       only the final check, for a second run in the same overlay:
 *       prints "check: ok".
 *   threads_static remkdir BASE NTHREADS NITER
 *       BASE/d/f is a lower file: unlink it, then NITER times rmdir BASE/d
 *       and mkdir it again (an opaque directory over the deleted lower
 *       one) while NTHREADS threads stat BASE/d/f; after each mkdir the
 *       main thread's stat of BASE/d/f must be ENOENT.  Prints
 *       "remkdir: ok N" or "ERR ..." lines.
 *   threads_static movefd BASE NTHREADS NITER
 *       NTHREADS threads rename BASE/d to BASE/e and back (NITER times in
 *       all) while the main thread opens and stats "f" relative to a
 *       descriptor of the directory, which natively always finds it.
 *       Prints "movefd: ok N" or "ERR ..." lines.
 *   threads_static swapbase BASE/NAME NTHREADS NITER
 *       BASE/NAME is a lower file: unlink it and mkdir BASE/u.  NTHREADS
 *       threads switch the working directory between BASE/u and BASE
 *       (and a descriptor number between the two) while the main thread,
 *       NITER times, makes BASE/u/NAME by its full path and unlinks
 *       "NAME" relative to the working directory: natively that removes
 *       BASE/u/NAME or finds none, BASE/NAME never shows again; then it
 *       creates "n" (O_EXCL) relative to the descriptor, which natively
 *       always succeeds in one of the two.  Prints "swapbase: ok N" or
 *       "ERR ..." lines.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_THREADS 32

static const char *base;
static int nfiles;
static int errors;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void err(const char *op, const char *path, int e)
{
	pthread_mutex_lock(&out_lock);
	printf("ERR %s %s: %s (errno %d)\n", op, path, strerror(e), e);
	errors++;
	pthread_mutex_unlock(&out_lock);
}

static int write_new(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len) {
		int e = errno ? errno : EIO;

		close(fd);
		return -e;
	}
	return close(fd) < 0 ? -errno : 0;
}

/* read_eq PATH WANT: 0 when PATH holds exactly WANT, else -errno/-EBADMSG */
static int read_eq(const char *path, const char *want)
{
	char buf[128];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return strcmp(buf, want) ? -EBADMSG : 0;
}

static void one_file(int t, int i)
{
	char a[PATH_MAX], b[PATH_MAX], text[64];
	struct stat st;
	int r;

	snprintf(a, sizeof(a), "%s/t%d/new.%d", base, t, i);
	snprintf(b, sizeof(b), "%s/t%d/f.%d", base, t, i);
	snprintf(text, sizeof(text), "%d %d\n", t, i);
	if ((r = write_new(a, text)) < 0)
		return err("create", a, -r);
	if (rename(a, b) < 0)
		return err("rename", a, errno);
	if (stat(b, &st) < 0)
		return err("stat", b, errno);
	if (!S_ISREG(st.st_mode) || st.st_size != (off_t)strlen(text))
		return err("stat-size", b, EBADMSG);
	if ((r = read_eq(b, text)) < 0)
		return err("read", b, -r);
	if (access(a, F_OK) == 0 || errno != ENOENT)
		return err("old-name-gone", a, errno ? errno : EEXIST);
	if (i % 2 && unlink(b) < 0)
		return err("unlink", b, errno);
	if (i % 4 == 0) {
		snprintf(a, sizeof(a), "%s/shared/%d.%d", base, t, i);
		if (rename(b, a) < 0)
			return err("rename-shared", b, errno);
	}
}

static void *worker(void *arg)
{
	int t = (int)(long)arg;
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/t%d", base, t);
	if (mkdir(dir, 0755) < 0) {
		err("mkdir", dir, errno);
		return NULL;
	}
	for (int i = 0; i < nfiles; i++)
		one_file(t, i);
	return NULL;
}

static int count_entries(const char *path)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(path);

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* The expected end state: tT holds f.i for even i not divisible by 4,
 * shared holds T.i for i divisible by 4; odd i are gone. */
static void check(int nthreads)
{
	char p[PATH_MAX], text[64];
	int want_shared = 0, r;

	for (int t = 0; t < nthreads; t++) {
		int want = 0;

		for (int i = 0; i < nfiles; i++) {
			snprintf(text, sizeof(text), "%d %d\n", t, i);
			if (i % 4 == 0) {
				want_shared++;
				snprintf(p, sizeof(p), "%s/shared/%d.%d", base, t, i);
			} else {
				snprintf(p, sizeof(p), "%s/t%d/f.%d", base, t, i);
			}
			r = i % 2 ? (access(p, F_OK) == 0 ? -EEXIST : 0) :
				    read_eq(p, text);
			if (r < 0)
				err("check", p, -r);
			want += i % 2 == 0 && i % 4 != 0;
		}
		snprintf(p, sizeof(p), "%s/t%d", base, t);
		if ((r = count_entries(p)) != want)
			err("check-count", p, r < 0 ? -r : EBADMSG);
	}
	snprintf(p, sizeof(p), "%s/shared", base);
	if ((r = count_entries(p)) != want_shared)
		err("check-count", p, r < 0 ? -r : EBADMSG);
	snprintf(p, sizeof(p), "%s", base);
	if ((r = count_entries(p)) != nthreads + 1)
		err("check-count", p, r < 0 ? -r : EBADMSG);
}

static volatile int spin_stop;
static char spin_path[PATH_MAX];

static void *spin(void *arg)
{
	struct stat st;

	while (!spin_stop)
		stat(spin_path, &st);
	return NULL;
}

static int remkdir(int nthreads, int niter)
{
	pthread_t th[MAX_THREADS];
	char d[PATH_MAX];
	struct stat st;
	int t, i;

	snprintf(d, sizeof(d), "%s/d", base);
	snprintf(spin_path, sizeof(spin_path), "%s/d/f", base);
	if (unlink(spin_path) < 0)
		err("unlink", spin_path, errno);
	for (t = 0; t < nthreads; t++)
		if (pthread_create(&th[t], NULL, spin, NULL))
			break;
	for (i = 0; i < niter && !errors; i++) {
		if (rmdir(d) < 0)
			err("rmdir", d, errno);
		else if (mkdir(d, 0755) < 0)
			err("mkdir", d, errno);
		else if (stat(spin_path, &st) == 0)
			err("stat-after-mkdir", spin_path, EEXIST);
	}
	spin_stop = 1;
	while (t-- > 0)
		pthread_join(th[t], NULL);
	if (!errors)
		printf("remkdir: ok %d\n", niter);
	return errors ? 1 : 0;
}

static char move_from[PATH_MAX], move_to[PATH_MAX];
static pthread_mutex_t move_lock = PTHREAD_MUTEX_INITIALIZER;
static int moves_left;

/* One rename d -> e and back per turn, one mover at a time. */
static void *mover(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&move_lock);
		if (moves_left <= 0 || errors) {
			pthread_mutex_unlock(&move_lock);
			return NULL;
		}
		moves_left--;
		if (rename(move_from, move_to) < 0)
			err("rename", move_from, errno);
		else if (rename(move_to, move_from) < 0)
			err("rename", move_to, errno);
		pthread_mutex_unlock(&move_lock);
	}
}

static int movefd(int nthreads, int niter)
{
	pthread_t th[MAX_THREADS];
	char f[PATH_MAX];
	struct stat st;
	int t, fd, dfd;

	snprintf(move_from, sizeof(move_from), "%s/d", base);
	snprintf(move_to, sizeof(move_to), "%s/e", base);
	snprintf(f, sizeof(f), "%s/d/f", base);
	if (mkdir(move_from, 0755) < 0 || write_new(f, "f") < 0)
		err("setup", f, errno);
	dfd = open(move_from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		err("open", move_from, errno);
	moves_left = niter;
	for (t = 0; t < nthreads && !errors; t++)
		if (pthread_create(&th[t], NULL, mover, NULL))
			break;
	while (!errors && __atomic_load_n(&moves_left, __ATOMIC_RELAXED) > 0) {
		fd = openat(dfd, "f", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			err("openat", "f", errno);
		else
			close(fd);
		if (fstatat(dfd, "f", &st, 0) < 0)
			err("fstatat", "f", errno);
	}
	while (t-- > 0)
		pthread_join(th[t], NULL);
	if (!errors)
		printf("movefd: ok %d\n", niter);
	return errors ? 1 : 0;
}

static char swap_p[PATH_MAX], swap_u[PATH_MAX + 4];
static int swap_fd = 200, swap_fdu, swap_fdp;
static volatile int swap_stop;

static void *swapper(void *arg)
{
	(void)arg;
	while (!swap_stop) {
		if (chdir(swap_p) < 0 || chdir(swap_u) < 0)
			err("chdir", swap_p, errno);
		if (dup2(swap_fdp, swap_fd) < 0 || dup2(swap_fdu, swap_fd) < 0)
			err("dup2", swap_p, errno);
	}
	return NULL;
}

static int swapbase(const char *path, int nthreads, int niter)
{
	pthread_t th[MAX_THREADS];
	const char *name = strrchr(path, '/');
	char f[2 * PATH_MAX], n[2 * PATH_MAX];
	struct stat st;
	int t, i, fd;

	if (!name || name == path)
		return 2;
	snprintf(swap_p, sizeof(swap_p), "%.*s", (int)(name - path), path);
	name++;
	snprintf(swap_u, sizeof(swap_u), "%s/u", swap_p);
	snprintf(f, sizeof(f), "%s/%s", swap_u, name);
	if (unlink(path) < 0 || mkdir(swap_u, 0755) < 0 || chdir(swap_u) < 0) {
		err("setup", path, errno);
		return 1;
	}
	swap_fdu = open(swap_u, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	swap_fdp = open(swap_p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (swap_fdu < 0 || swap_fdp < 0 || dup2(swap_fdu, swap_fd) < 0) {
		err("open", swap_p, errno);
		return 1;
	}
	for (t = 0; t < nthreads; t++)
		if (pthread_create(&th[t], NULL, swapper, NULL))
			break;
	for (i = 0; i < niter && !errors; i++) {
		fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			err("open", f, errno);
		else
			close(fd);
		if (unlinkat(AT_FDCWD, name, 0) < 0 && errno != ENOENT)
			err("unlinkat", name, errno);
		if (lstat(path, &st) == 0)
			err("lstat (shows again)", path, EEXIST);
		fd = openat(swap_fd, "n",
			    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			err("openat", "n", errno);
			continue;
		}
		close(fd);
		snprintf(n, sizeof(n), "%s/n", swap_u);
		if (unlink(n) < 0) {
			snprintf(n, sizeof(n), "%s/n", swap_p);
			if (unlink(n) < 0)
				err("unlink", n, errno);
		}
	}
	swap_stop = 1;
	while (t-- > 0)
		pthread_join(th[t], NULL);
	if (!errors)
		printf("swapbase: ok %d\n", niter);
	return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_THREADS];
	char p[PATH_MAX];
	int nthreads;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 5 ||
	    (strcmp(argv[1], "run") && strcmp(argv[1], "check") &&
	     strcmp(argv[1], "remkdir") && strcmp(argv[1], "movefd") &&
	     strcmp(argv[1], "swapbase"))) {
		fprintf(stderr,
			"usage: %s run|check|remkdir|movefd|swapbase BASE "
			"NTHREADS N\n",
			argv[0]);
		return 2;
	}
	base = argv[2];
	nthreads = atoi(argv[3]);
	nfiles = atoi(argv[4]);
	if (nthreads < 1 || nthreads > MAX_THREADS || nfiles < 1)
		return 2;
	if (!strcmp(argv[1], "remkdir"))
		return remkdir(nthreads, nfiles);
	if (!strcmp(argv[1], "movefd"))
		return movefd(nthreads, nfiles);
	if (!strcmp(argv[1], "swapbase"))
		return swapbase(base, nthreads, nfiles);
	if (!strcmp(argv[1], "check")) {
		check(nthreads);
		if (!errors)
			printf("check: ok\n");
		return errors ? 1 : 0;
	}
	snprintf(p, sizeof(p), "%s/shared", base);
	if (mkdir(base, 0755) < 0 || mkdir(p, 0755) < 0) {
		err("mkdir", base, errno);
		return 1;
	}
	for (int t = 0; t < nthreads; t++)
		if (pthread_create(&th[t], NULL, worker, (void *)(long)t)) {
			err("pthread_create", base, EAGAIN);
			nthreads = t;
			break;
		}
	for (int t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	check(nthreads);
	if (!errors)
		printf("threads: ok %d*%d ops\n", nthreads, nfiles);
	return errors ? 1 : 0;
}
