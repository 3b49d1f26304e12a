/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * scratch_swap_static - races the supervisor's writes in the session
 * scratch by swapping its merged-listing root for a symlink to a host
 * directory.
 *
 * Like landlock_escape_static it copies a "syscall; ret" stub to the shim
 * trampoline address, whose calls the fast mode's filter exempts.  It
 * opens DIR (a directory of both the package and the host: a merged
 * listing <run_dir>/m/<n>DIR) and reads the listing's real path from
 * /proc/self/fd through the stub, which gives the scratch <run_dir>.  It
 * makes the symlink <run_dir>/m.s -> VICTIM and, while one thread
 * exchanges <run_dir>/m and <run_dir>/m.s (renameat2 RENAME_EXCHANGE) in
 * a loop, the main thread N times creates and removes DIR/NAME (the
 * upper directory changes, so the listing is built again) and lists DIR.
 * The supervisor must build and remove its listings in the scratch only:
 * VICTIM stays unchanged.
 *
 * Prints "scratch: reachable" or "scratch: unreachable" (the raw calls
 * were virtualised: no shim trampoline exemption), then "swaps: K"
 * (exchanges made) and, when an exchange was refused, "exchange: errno
 * E".  Exit status 0, or 2 on a set-up error.
 *
 * usage: scratch_swap_static DIR NAME VICTIM N
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_stub.h"

#define EXCHANGE 2 /* RENAME_EXCHANGE */

static stub_fn stub;
static char root[4096], sym[4096];
static volatile int stop;
static long swaps, refused;

static void *swapper(void *arg)
{
	(void)arg;
	while (!stop) {
		long r = stub(SYS_renameat2, AT_FDCWD, (long)root, AT_FDCWD,
			      (long)sym, EXCHANGE);

		if (r == 0)
			swaps++;
		else if (!refused)
			refused = -r;
	}
	return NULL;
}

/* <run_dir>/m of the listing @real (<run_dir>/m/<n>@dir) into root. */
static int merge_root(const char *real, const char *dir)
{
	size_t n = strlen(real), dl = strlen(dir);
	char *p;

	if (n <= dl || strcmp(real + n - dl, dir) || n - dl >= sizeof(root))
		return -1;
	memcpy(root, real, n - dl);
	root[n - dl] = '\0';
	p = strrchr(root, '/'); /* /<n> */
	if (!p)
		return -1;
	*p = '\0';
	n = strlen(root);
	return n > 2 && !strcmp(root + n - 2, "/m") ? 0 : -1;
}

static void list(const char *dir)
{
	DIR *d = opendir(dir);

	if (!d)
		return;
	while (readdir(d))
		;
	closedir(d);
}

int main(int argc, char **argv)
{
	char path[4096], real[4096];
	struct stat st;
	pthread_t t;
	long r;
	int n, fd;

	if (argc != 5)
		return 2;
	n = atoi(argv[4]);
	stub = map_stub();
	if (!stub)
		return 2;

	/* A change in DIR first: its listing is then built, not the
	 * package's own directory. */
	snprintf(path, sizeof(path), "%s/%s", argv[1], argv[2]);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		printf("setup: create %s failed\n", path);
		return 2;
	}
	close(fd);
	fd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		printf("setup: open %s failed\n", argv[1]);
		return 2;
	}
	snprintf(real, sizeof(real), "/proc/self/fd/%d", fd);
	r = stub(SYS_readlink, (long)real, (long)path, sizeof(path) - 1, 0, 0);
	close(fd);
	path[r > 0 ? r : 0] = '\0';
	if (merge_root(path, argv[1]) < 0 ||
	    stub(SYS_newfstatat, AT_FDCWD, (long)root, (long)&st,
		 AT_SYMLINK_NOFOLLOW, 0) < 0 ||
	    !S_ISDIR(st.st_mode)) {
		printf("scratch: unreachable\n");
		return 0;
	}
	printf("scratch: reachable\n");
	snprintf(sym, sizeof(sym), "%s.s", root);
	if (stub(SYS_symlinkat, (long)argv[3], AT_FDCWD, (long)sym, 0, 0) < 0) {
		printf("setup: symlink %s failed\n", sym);
		return 2;
	}
	if (pthread_create(&t, NULL, swapper, NULL))
		return 2;
	snprintf(path, sizeof(path), "%s/%s", argv[1], argv[2]);
	for (int i = 0; i < n; i++) {
		unlink(path);
		fd = open(path, O_WRONLY | O_CREAT, 0644);
		if (fd >= 0)
			close(fd);
		list(argv[1]);
	}
	stop = 1;
	pthread_join(t, NULL);
	/* The listing root back in place (an odd number of exchanges). */
	if (stub(SYS_newfstatat, AT_FDCWD, (long)root, (long)&st,
		 AT_SYMLINK_NOFOLLOW, 0) == 0 &&
	    S_ISLNK(st.st_mode))
		stub(SYS_renameat2, AT_FDCWD, (long)root, AT_FDCWD, (long)sym,
		     EXCHANGE);
	stub(SYS_unlinkat, AT_FDCWD, (long)sym, 0, 0, 0);
	unlink(path);
	printf("swaps: %ld\n", swaps);
	if (refused)
		printf("exchange: errno %ld\n", refused);
	return 0;
}
