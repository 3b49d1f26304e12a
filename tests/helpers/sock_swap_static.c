// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * sock_swap_static PATH N - N datagrams (sendto and sendmsg, in turns) to
 * an abstract name nobody listens on, while another thread keeps swapping
 * the address in memory for PATH and back.  A send that succeeds reached
 * PATH: the kernel read an address other than the one checked.  Prints
 * "sent K".  Static, so the shim never answers for it.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct sockaddr_un addr, nobody, path;
static volatile int stop;

static void hold(void)
{
	__asm__ volatile("" ::: "memory"); /* each store happens */
	for (volatile int i = 0; i < 300; i++)
		;
}

static void *swap(void *arg)
{
	(void)arg;
	while (!stop) {
		memcpy(&addr, &path, sizeof(addr));
		hold();
		memcpy(&addr, &nobody, sizeof(addr));
		hold();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 0, sent = 0, s;
	socklen_t len;
	pthread_t t;

	if (argc != 3 || strlen(argv[1]) >= sizeof(path.sun_path)) {
		fprintf(stderr, "usage: sock_swap_static PATH N\n");
		return 2;
	}
	nobody.sun_family = path.sun_family = AF_UNIX;
	snprintf(nobody.sun_path + 1, sizeof(nobody.sun_path) - 1,
		 "appv-nobody-%d", (int)getpid());
	strcpy(path.sun_path, argv[1]);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			  strlen(argv[1]) + 1);
	memcpy(&addr, &nobody, sizeof(addr));
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s < 0 || pthread_create(&t, NULL, swap, NULL)) {
		perror("sock_swap_static");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct iovec iov = {"x", 1};
		struct msghdr m = {.msg_name = &addr,
				   .msg_namelen = len,
				   .msg_iov = &iov,
				   .msg_iovlen = 1};
		ssize_t r = i & 1 ? sendmsg(s, &m, MSG_DONTWAIT)
				  : sendto(s, "x", 1, MSG_DONTWAIT,
					   (struct sockaddr *)&addr, len);

		sent += r == 1;
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("sent %d\n", sent);
	return 0;
}
