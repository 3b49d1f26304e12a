/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * upper_swap_static - races the supervisor's writes in the upper layer by
 * swapping an upper directory for a symlink to a host directory.
 *
 * Like landlock_escape_static it copies a "syscall; ret" stub to the shim
 * trampoline address, whose calls the fast mode's filter exempts: they
 * reach the upper directory UPPER directly, as the shim's do.  It has the
 * supervisor copy up DIR (chmod DIR/seed), makes the symlink
 * UPPER/DIR.s -> VICTIM, and while one thread exchanges UPPER/DIR and
 * UPPER/DIR.s (renameat2 RENAME_EXCHANGE) in a loop, the main thread has
 * the supervisor copy up and chmod DIR/f<i> and make the FIFO DIR/p<i>
 * (i < N).  The supervisor must act on the upper directory only: VICTIM
 * (holding f<i> of its own) stays unchanged.
 *
 * With "plant" the thread instead makes and removes the symlink
 * UPPER/DIR/e<i> -> VICTIM/e<i> in a loop while the main thread has the
 * supervisor copy up and chmod DIR/e<i>/x, whose upper parent does not
 * exist yet (DIR/e<i> is a lower directory): the upper parent the
 * supervisor makes or finds must not be that symlink.  With "final" the
 * symlink is UPPER/DIR/f<i> -> VICTIM/f<i> while the supervisor copies
 * up and chmods DIR/f<i> itself: its chmod must not follow it (Linux
 * before 6.6 has no fchmodat2).
 *
 * Prints "upper: reachable" or "upper: unreachable" (the raw calls were
 * virtualised: no shim trampoline exemption), then "swaps: K" (symlinks
 * planted) and, when an exchange was refused, "exchange: errno N".  Exit
 * status 0, or 2 on a set-up error.
 *
 * usage: upper_swap_static UPPER DIR VICTIM N [plant|final]
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
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
static char dir_real[4096], sym_real[4096];
static const char *victim, *prefix = "e";
static volatile int stop, cur;
static long swaps, refused;

static void *planter(void *arg)
{
	char at[4200], to[4200];

	(void)arg;
	while (!stop) {
		int i = cur;

		snprintf(at, sizeof(at), "%s/%s%d", dir_real, prefix, i);
		snprintf(to, sizeof(to), "%s/%s%d", victim, prefix, i);
		if (stub(SYS_symlinkat, (long)to, AT_FDCWD, (long)at, 0, 0))
			continue;
		swaps++;
		for (volatile int k = 0; k < 200; k++)
			;
		stub(SYS_unlinkat, AT_FDCWD, (long)at, 0, 0, 0);
	}
	return NULL;
}

static void *swapper(void *arg)
{
	(void)arg;
	while (!stop) {
		long r = stub(SYS_renameat2, AT_FDCWD, (long)dir_real, AT_FDCWD,
			      (long)sym_real, EXCHANGE);

		if (r == 0)
			swaps++;
		else if (!refused)
			refused = -r;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	char path[4096];
	struct stat st;
	pthread_t t;
	int n;

	bool final = argc == 6 && !strcmp(argv[5], "final");
	bool plant = final || (argc == 6 && !strcmp(argv[5], "plant"));

	if (argc != 5 && !plant)
		return 2;
	n = atoi(argv[4]);
	victim = argv[3];
	stub = map_stub();
	if (!stub)
		return 2;

	snprintf(path, sizeof(path), "%s/seed", argv[2]);
	if (chmod(path, 0644) < 0) {
		printf("setup: chmod %s failed\n", path);
		return 2;
	}
	snprintf(dir_real, sizeof(dir_real), "%s%s", argv[1], argv[2]);
	snprintf(sym_real, sizeof(sym_real), "%s%s.s", argv[1], argv[2]);
	if (stub(SYS_newfstatat, AT_FDCWD, (long)dir_real, (long)&st,
		 AT_SYMLINK_NOFOLLOW, 0) < 0 ||
	    !S_ISDIR(st.st_mode)) {
		printf("upper: unreachable\n");
		return 0;
	}
	printf("upper: reachable\n");
	if (plant) {
		if (final)
			prefix = "f";
		if (pthread_create(&t, NULL, planter, NULL))
			return 2;
		for (int i = 0; i < n; i++) {
			cur = i;
			snprintf(path, sizeof(path),
				 final ? "%s/f%d" : "%s/e%d/x", argv[2], i);
			chmod(path, 0777);
		}
		stop = 1;
		pthread_join(t, NULL);
		printf("swaps: %ld\n", swaps);
		return 0;
	}
	if (stub(SYS_symlinkat, (long)argv[3], AT_FDCWD, (long)sym_real, 0, 0) <
	    0) {
		printf("setup: symlink %s failed\n", sym_real);
		return 2;
	}
	if (pthread_create(&t, NULL, swapper, NULL))
		return 2;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%d", argv[2], i);
		chmod(path, 0777);
		snprintf(path, sizeof(path), "%s/p%d", argv[2], i);
		mkfifo(path, 0666);
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("swaps: %ld\n", swaps);
	if (refused)
		printf("exchange: errno %ld\n", refused);
	return 0;
}
