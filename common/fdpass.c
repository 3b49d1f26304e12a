// SPDX-License-Identifier: LGPL-3.0-or-later
#include "fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sys.h"

/* The message: 'L' and the descriptor's number. */
struct offer {
	char tag;
	char fd[sizeof(int)];
};

int appv_fd_offer(int sock, int fd)
{
	struct offer m = {.tag = 'L'};
	ssize_t n;

	memcpy(m.fd, &fd, sizeof(fd));
	do
		n = write(sock, &m, sizeof(m));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(m) ? 0 : (n < 0 ? -errno : -EIO);
}

/* Read exactly @len bytes; 0 or -errno (-EPROTO at end of stream). */
static int read_full(int sock, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(sock, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPROTO;
		got += (size_t)n;
	}
	return 0;
}

int appv_fd_take(int sock, pid_t pid, char *tag)
{
	int fd, pidfd, r = read_full(sock, tag, 1);

	if (r < 0)
		return r;
	if (*tag != 'L')
		return -EPROTO;
	r = read_full(sock, &fd, sizeof(fd));
	if (r < 0)
		return r;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	r = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (r < 0)
		r = -errno;
	close(pidfd);
	return r;
}
