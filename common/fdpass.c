// SPDX-License-Identifier: LGPL-3.0-or-later
#include "fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

union fd_cmsg {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

int appv_send_fd(int sock, int fd, char tag)
{
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	union fd_cmsg u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	/* sendmmsg: the child hands the listener over after its filter is
	 * loaded, while nobody serves the listener yet, so the call must
	 * never be notified (loader/syscalls.c notifies neither sendmsg
	 * nor sendmmsg; sendmmsg is the one to keep that way). */
	struct mmsghdr mm = { .msg_hdr = msg };
	int r;

	do
		r = sendmmsg(sock, &mm, 1, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	n = r == 1 ? (ssize_t)mm.msg_len : (r < 0 ? -1 : 0);
	return n == 1 ? 0 : (n < 0 ? -errno : -EIO);
}

int appv_recv_fd(int sock, char *tag)
{
	struct iovec iov = { .iov_base = tag, .iov_len = 1 };
	union fd_cmsg u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (n != 1 || !c || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}
