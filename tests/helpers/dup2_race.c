/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * dup2_race PKGDIR HOSTDIR NAME - a descriptor number another thread
 * dup2's onto while this one opens a directory at it.
 *
 * A thread opens PKGDIR (a package directory holding NAME) over and over;
 * the main thread puts HOSTDIR (which has no NAME) on the number that open
 * gets, and looks NAME up relative to it: natively that is HOSTDIR/NAME,
 * which does not exist.  The shim keeps the virtual path of a package
 * directory it opens by descriptor (intercept/shim.c, base_opened): kept
 * with the inode the number names by then - HOSTDIR's, should the dup2
 * come first - a lookup would find PKGDIR/NAME.
 *
 * Prints "iterations N wrong M"; exit status 1 when a lookup found NAME.
 * At most 1500000 rounds, fewer after 5 s (the race is rare).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NUM 100 /* the number both threads use */

static const char *pkgdir;
static volatile int stop;

static void *opener(void *x)
{
	(void)x;
	while (!stop) {
		int fd = open(pkgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		/* The lowest free number: NUM while the main thread has it
		 * closed; any other is closed again. */
		if (fd >= 0 && fd != NUM)
			close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct stat st, a, b;
	pthread_t t;
	long i, wrong = 0;
	time_t end = time(NULL) + 5;
	int host;

	if (argc != 4) {
		fprintf(stderr, "usage: dup2_race PKGDIR HOSTDIR NAME\n");
		return 2;
	}
	pkgdir = argv[1];
	host = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (host < 0 || host >= NUM) {
		perror(argv[2]);
		return 2;
	}
	/* Every number below NUM taken, so the opener's open gets NUM. */
	for (int k = 0; k < NUM; k++)
		if (k != host && fcntl(k, F_GETFD) < 0 && dup2(host, k) < 0)
			return 2;
	if (pthread_create(&t, NULL, opener, NULL))
		return 2;
	for (i = 0; i < 1500000 && !wrong; i++) {
		if ((i & 0xffff) == 0 && time(NULL) >= end)
			break;
		dup2(host, NUM);
		if (fstatat(NUM, argv[3], &st, 0) == 0 && fstat(NUM, &a) == 0 &&
		    fstat(host, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			wrong++;
		close(NUM);
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("iterations %ld wrong %ld\n", i, wrong);
	return wrong ? 1 : 0;
}
