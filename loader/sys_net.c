// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_net.c - AF_UNIX path names: bind, connect, sendto, sendmsg,
 * sendmmsg.
 *
 * A socket path is a file-system path and must be resolved virtually.  The
 * filter cannot read the sockaddr, so these calls are notified whenever the
 * address pointer is not NULL.  The handler reads the address; anything but a
 * named AF_UNIX address (AF_INET*, abstract, unnamed) continues at once: the
 * kernel does no path lookup for those.  A path is resolved (bind: CREATE
 * without following, in the upper layer or on a shared host path; connect and
 * sendto: READ, following), then the call is performed by the supervisor
 * on a duplicate of the target's socket (pidfd_getfd, Linux 5.6), which
 * shares the open file description: the target's socket ends up bound or
 * connected.  The real path is passed as "/proc/self/fd/D/NAME", D an
 * O_PATH descriptor of the real parent directory (anchored at its layer
 * root), so sun_path's 108 bytes hold however long the real path is; a
 * longer NAME is bound from inside that directory (fchdir: handlers run on
 * the serving thread alone, and the signal thread uses no relative path).
 *
 * Cost: a network program pays one notification per connect/bind (once
 * per connection) and per sendto with an address (unconnected UDP: per
 * datagram), plus a small process_vm_readv before continuing; sendto
 * without an address never leaves BPF.  sendmsg and sendmmsg keep their
 * address inside the msghdr, so BPF notifies every one; the shim's
 * wrappers send those without a path name from the trampoline (a static
 * program, or any without the shim, pays a round trip per sendmsg).
 *
 * Strict mode: a continued call is read again by the kernel, and another
 * thread may have put a path in the address meanwhile; so on an AF_UNIX
 * socket the supervisor performs even a call without a path, with what
 * it read (strict_socket).
 *
 * The kernel keeps a bound socket's name as the binder passed it, and
 * answers it to getsockname, getpeername, accept and recvfrom.  A name
 * through "/proc/self/fd/D" would mean nothing to the app (Python's
 * multiprocessing connects to the name getsockname answers), so a bind
 * goes through "<run_dir>/k<id>/NAME", k<id> a symlink to the directory
 * made for that one call, and the app's own string is kept under <id>;
 * getsockname and getpeername are notified and answer it (sys_sockname;
 * the shim's wrappers, intercept/shim_net.c, ask only for such a name).
 * accept and recvfrom still show the scratch name of a peer that bound
 * one (the client of a stream socket rarely does).
 *
 * Limits: the supervisor performs the call, so a blocking connect to a
 * listener with a full backlog, or a blocking send to a full datagram
 * queue, waits on the supervisor's thread (sends wait in 100 ms slices
 * while the caller lives; other notifications wait meanwhile).  AF_UNIX
 * connect never returns EINPROGRESS: a non-blocking socket gets EAGAIN as
 * natively (the duplicate shares O_NONBLOCK).  SO_PASSCRED receivers see
 * the supervisor's pid for an emulated sendto.  Kernels without
 * pidfd_getfd continue (Landlock bounds bind).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/path.h"
#include "supervisor_internal.h"

#define NET_MAX_DATA (4u << 20) /* larger sends: EMSGSIZE */

/* A socket address read from the target. */
struct net_addr {
	struct sockaddr_storage raw; /* as read: @len bytes */
	socklen_t len;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
};

/*
 * Read the sockaddr at @addr (@len bytes) into @out.  1: a named AF_UNIX
 * address, its name in @out->path; 0: anything the kernel resolves no path
 * for (no address, unnamed, abstract, another family, a length AF_UNIX
 * refuses); -EINVAL for a length no family takes; -EFAULT.
 */
static int read_addr(struct appv_sc_call *c, uint64_t addr, uint64_t len,
		     struct net_addr *out)
{
	const struct sockaddr_un *sa = (const struct sockaddr_un *)&out->raw;
	size_t plen;
	int r;

	out->len = 0;
	if (!addr || !len)
		return 0;
	if (len > sizeof(out->raw))
		return -EINVAL; /* the kernel's answer (sendmsg: on AF_UNIX) */
	r = target_read(c, addr, &out->raw, (size_t)len);
	if (r < 0)
		return r;
	out->len = (socklen_t)len;
	if (len <= offsetof(struct sockaddr_un, sun_path) ||
	    sa->sun_family != AF_UNIX || len > sizeof(*sa))
		return 0; /* unnamed (autobind), another family, EINVAL */
	plen = (size_t)len - offsetof(struct sockaddr_un, sun_path);
	if (sa->sun_path[0] == '\0')
		return 0; /* abstract: no file-system name */
	memcpy(out->path, sa->sun_path, plen);
	out->path[plen] = '\0'; /* the kernel terminates at len too */
	return 1;
}

/* The target's socket @fd, duplicated; -ENOSYS without pidfd_getfd. */
static int dup_socket(struct appv_sc_call *c, int fd)
{
	int domain = 0, r;
	socklen_t l = sizeof(domain);
	int s = target_getfd(c, fd);

	if (s < 0)
		return s;
	r = getsockopt(s, SOL_SOCKET, SO_DOMAIN, &domain, &l);
	if (r < 0 || domain != AF_UNIX) {
		r = r < 0 ? -errno : -EAFNOSUPPORT;
		close(s);
		return r;
	}
	return s;
}

/* Split @real into an O_PATH descriptor of its parent and its name. */
static int open_parent(struct appv_sc_call *c, const char *real,
		       const char **name)
{
	char dir[PATH_MAX];
	int r = appv_path_split(real, dir, sizeof(dir), name);

	if (r < 0)
		return r;
	if (real[0] != '/' || !**name)
		return -EINVAL;
	return sup_open_real(c->sup, dir, O_PATH | O_DIRECTORY, 0, false);
}

enum net_op { NET_BIND, NET_CONNECT, NET_SEND };

/* What a send carries: its data gathered, its control messages with the
 * descriptors of SCM_RIGHTS taken from the caller. */
struct net_send {
	const void *data;
	size_t len;
	int flags;
	void *control;
	size_t controllen;
};

static int do_op(int s, enum net_op op, const void *sa, socklen_t len,
		 struct net_send *snd)
{
	struct iovec iov;
	struct msghdr m = {.msg_name = (void *)sa, .msg_namelen = len};
	ssize_t n;

	switch (op) {
	case NET_BIND:
		return bind(s, sa, len) ? -errno : 0;
	case NET_CONNECT:
		return connect(s, sa, len) ? -errno : 0;
	default:
		iov.iov_base = (void *)snd->data;
		iov.iov_len = snd->len;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = snd->controllen ? snd->control : NULL;
		m.msg_controllen = snd->controllen;
		/* A SIGPIPE would be the supervisor's. */
		n = sendmsg(s, &m, snd->flags | MSG_NOSIGNAL);
		return n < 0 ? -errno : (int)n;
	}
}

/* The slot of the socket name whose id is @id, or NULL. */
static struct sup_sock *sock_slot(struct sup *sup, unsigned long id)
{
	struct sup_sock *k;

	if (!sup->sock || !id)
		return NULL;
	k = &sup->sock[id % SUP_SOCK_SLOTS];
	return k->id == id ? k : NULL;
}

/*
 * Bind @s to NAME in the directory @dfd under a name sys_sockname maps back
 * to @app (what the app passed): "<run_dir>/k<id>/NAME" through a symlink
 * k<id> -> /proc/self/fd/@dfd that lives for this call only.  1 when that
 * name does not fit (the caller binds another way), else 0 or -errno.
 */
static int bind_named(struct appv_sc_call *c, int s, int dfd, const char *name,
		      const char *app)
{
	struct sup *sup = c->sup;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char link[32], target[32];
	unsigned long id;
	int n, r;

	if (sup->run_fd < 0 || strlen(app) >= sizeof(sup->sock->name))
		return 1;
	if (!sup->sock) {
		sup->sock = calloc(SUP_SOCK_SLOTS, sizeof(*sup->sock));
		if (!sup->sock)
			return -ENOMEM;
	}
	id = ++sup->sock_next;
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/k%lu/%s",
		     c->s->cfg.run_dir, id, name);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return 1;
	snprintf(link, sizeof(link), "k%lu", id);
	snprintf(target, sizeof(target), "/proc/self/fd/%d", dfd);
	if (symlinkat(target, sup->run_fd, link))
		return 1;
	r = do_op(
	    s, NET_BIND, &sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1),
	    NULL);
	unlinkat(sup->run_fd, link, 0);
	if (r == 0) {
		struct sup_sock *k = &sup->sock[id % SUP_SOCK_SLOTS];

		k->id = id;
		strcpy(k->name, app);
	}
	return r;
}

/* Perform @op on socket @s with the real path @real; @app: the name the
 * app passed (bind). */
static int op_at(struct appv_sc_call *c, int s, enum net_op op,
		 const char *real, const char *app, struct net_send *snd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *name;
	int dfd = open_parent(c, real, &name), r, n;

	if (dfd < 0)
		return dfd;
	if (op == NET_BIND) {
		r = bind_named(c, s, dfd, name, app);
		if (r <= 0) {
			close(dfd);
			return r;
		}
	}
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s",
		     dfd, name);
	if (n >= 0 && (size_t)n < sizeof(sa.sun_path)) {
		r = do_op(s, op, &sa,
			  (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				      (size_t)n + 1),
			  snd);
		close(dfd);
		return r;
	}
	/* A long name: operate from inside the directory. */
	_cleanup_close_ int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (here < 0 || strlen(name) >= sizeof(sa.sun_path) || fchdir(dfd)) {
		close(dfd);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, name);
	r = do_op(s, op, &sa,
		  (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			      strlen(name) + 1),
		  snd);
	if (fchdir(here))
		r = r < 0 ? r : -EIO;
	close(dfd);
	return r;
}

/* Resolve the socket path virtually, relative to the virtual cwd. */
static int resolve(struct appv_sc_call *c, enum net_op op,
		   const struct net_addr *a, struct sup_path *p)
{
	int r;

	strcpy(p->raw, a->path);
	p->vbase[0] = p->rbase[0] = '\0';
	if (p->raw[0] != '/') {
		r = target_base(c, AT_FDCWD, p->vbase, sizeof(p->vbase),
				p->rbase, sizeof(p->rbase));
		if (r < 0)
			return r;
	}
	if (op == NET_BIND)
		return sup_resolve(c, VFS_INTENT_CREATE, VFS_F_NOFOLLOW, p);
	return sup_resolve(c, VFS_INTENT_READ, 0, p);
}

/*
 * Wait (while the caller lives) until a blocking send may proceed; @round
 * counts the sends that found no room.  An unconnected datagram socket
 * polls writable while its receiver's queue is full, so a socket that is
 * writable at once after a send found no room is given a pause instead
 * (1 ms more each round, at most 10), which keeps the wait from spinning.
 */
static int wait_writable(struct appv_sc_call *c, int s, int round)
{
	struct pollfd pfd = {.fd = s, .events = POLLOUT};

	if (round > 0 && poll(&pfd, 1, 0) > 0) {
		struct timespec ts = {0, (round < 10 ? round : 10) * 1000000L};

		nanosleep(&ts, NULL);
		return target_id_valid(c) < 0 ? -ENOENT : 0;
	}
	for (;;) {
		int r = poll(&pfd, 1, 100);

		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (target_id_valid(c) < 0)
			return -ENOENT;
	}
}

/*
 * Perform @op on @s: at the real path @real, or with the caller's address
 * @a as read when @real is NULL.  A send the caller would block in waits
 * here, in slices (wait_writable).
 */
static int perform(struct appv_sc_call *c, int s, enum net_op op,
		   const char *real, const struct net_addr *a,
		   struct net_send *snd)
{
	bool wait = op == NET_SEND && !(snd->flags & MSG_DONTWAIT) &&
		    !(fcntl(s, F_GETFL) & O_NONBLOCK);
	int r, round = 0;

	if (wait)
		snd->flags |= MSG_DONTWAIT;
	do
		r = real ? op_at(c, s, op, real,
				 op == NET_BIND ? a->path : NULL, snd)
			 : do_op(s, op, a->len ? &a->raw : NULL, a->len, snd);
	while (r == -EAGAIN && wait && (r = wait_writable(c, s, round++)) == 0);
	if (wait)
		snd->flags &= ~MSG_DONTWAIT;
	return r;
}

/*
 * The target's socket @fd, duplicated, if @op on it looks an AF_UNIX name
 * up: an AF_UNIX socket, for a send a datagram one (a stream socket
 * refuses an address, EISCONN or EOPNOTSUPP, a seqpacket one ignores it).
 * Else -errno: -EPROTOTYPE for a send on another type, dup_socket's.
 */
static int name_socket(struct appv_sc_call *c, int fd, enum net_op op)
{
	int s = dup_socket(c, fd), type = 0, r;
	socklen_t l = sizeof(type);

	if (s < 0 || op != NET_SEND)
		return s;
	r = getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &l) < 0 ? -errno : 0;
	if (r == 0 && type != SOCK_DGRAM)
		r = -EPROTOTYPE;
	if (r < 0)
		close(s);
	return r < 0 ? r : s;
}

/* Whether name_socket's error @r says the kernel answers before it looks
 * any name up (no such descriptor, not a socket, another family or type). */
static bool no_lookup(int r)
{
	return r == -EBADF || r == -ENOTSOCK || r == -EAFNOSUPPORT ||
	       r == -EPROTOTYPE;
}

/* @op at the path in @a, resolved virtually.  @must: never continue (a
 * message of a batch the supervisor sends). */
static long emulate(struct appv_sc_call *c, int fd, enum net_op op,
		    const struct net_addr *a, struct net_send *snd, bool must)
{
	const char *real;
	struct sup_path p;
	mode_t um;
	int s, r;

	r = resolve(c, op, a, &p);
	if (r < 0 && !must) {
		s = name_socket(c, fd, op);
		if (s >= 0)
			close(s);
		else if (no_lookup(s))
			return SUP_CONTINUE; /* the kernel's own error, or a
						send that ignores the name */
	}
	if (r < 0)
		return r;
	real = p.res.real;
	/* /proc, /dev under a share rule: the kernel's own meaning, except in
	 * strict mode, where the kernel would read the caller's string again
	 * (another thread may have changed it): the supervisor acts on it. */
	if (r == 1 && !c->s->strict && !must)
		return SUP_CONTINUE;
	if (r == 1)
		real = p.abs;
	else if (!c->s->strict && !must && sup_path_unchanged(&p))
		return SUP_CONTINUE; /* fast mode, the app's own host path:
					the kernel reaches the same file */
	s = name_socket(c, fd, op);
	if (!must && (s == -ENOSYS || no_lookup(s)))
		return SUP_CONTINUE; /* no pidfd_getfd (Landlock bounds
					bind), or the kernel answers without
					a lookup (no_lookup) */
	if (s < 0)
		return s;
	if (op == NET_BIND && p.res.layer != VFS_LAYER_NONE)
		r = -EADDRINUSE;
	else if (op == NET_BIND && (r = sup_may_create(c, &p)) == 0)
		r = sup_make_writable(c, &p.res);
	if (r >= 0 && op == NET_BIND) {
		um = sup_umask_enter(c);
		r = perform(c, s, op, real, a, snd);
		sup_umask_leave(um);
		if (r == 0)
			sup_own_new(c, -1, real, false);
	} else if (r >= 0) {
		r = perform(c, s, op, real, a, snd);
	}
	close(s);
	return r;
}

/*
 * A call whose address names no file (or could not be read): the kernel
 * looks no path up, so it continues - but in strict mode another thread
 * could change the address in the caller's memory meanwhile, to a path the
 * kernel would then look up unchecked.  There, on a socket that looks
 * names up (name_socket), the supervisor performs the call with what it
 * read: its duplicate of the socket, else -1 to continue.  Not covered:
 * another thread putting such a socket at @fd meanwhile (README, threat
 * model).
 */
static int strict_socket(struct appv_sc_call *c, int fd, enum net_op op)
{
	int s;

	if (!c->s->strict)
		return -1;
	s = name_socket(c, fd, op);
	return s < 0 ? -1 : s; /* another family or type, no such descriptor,
				  no pidfd_getfd: the kernel answers */
}

/* One message of the caller's: address, data and control read. */
struct net_msg {
	struct net_addr addr;
	int named; /* read_addr's answer */
	struct net_send snd;
	char *buf;   /* owns snd.data */
	size_t nfds; /* descriptors taken into snd.control */
};

#define NET_MAX_CONTROL (1u << 20) /* larger: ENOBUFS (the kernel's own
					 limit, optmem_max, lies below) */
#define NET_MAX_IOV 1024u     /* the kernel's UIO_MAXIOV */

/* Gather the @n buffers of @iov (in the caller's memory) into @m. */
static int msg_data(struct appv_sc_call *c, const struct iovec *iov, size_t n,
		    struct net_msg *m)
{
	size_t len = 0, off = 0;
	int r;

	for (size_t i = 0; i < n; i++) {
		if (iov[i].iov_len > NET_MAX_DATA - len)
			return -EMSGSIZE;
		len += iov[i].iov_len;
	}
	m->buf = malloc(len + 1);
	if (!m->buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; off += iov[i++].iov_len)
		if (iov[i].iov_len &&
		    (r = target_read(c, (uint64_t)(uintptr_t)iov[i].iov_base,
				     m->buf + off, iov[i].iov_len)) < 0)
			return r;
	m->snd.data = m->buf;
	m->snd.len = len;
	return 0;
}

/* The SCM_RIGHTS descriptors of @m's control messages, in order; with
 * @take, each replaced by the supervisor's duplicate (stopping at the
 * first that fails), else the first @m->nfds closed. */
static int msg_fds(struct appv_sc_call *c, struct net_msg *m, bool take)
{
	struct msghdr h = {.msg_control = m->snd.control,
			   .msg_controllen = m->snd.controllen};
	size_t done = 0;

	for (struct cmsghdr *k = CMSG_FIRSTHDR(&h); k; k = CMSG_NXTHDR(&h, k)) {
		size_t off = (size_t)((char *)k - (char *)h.msg_control);
		int *fd = (int *)CMSG_DATA(k);
		size_t n;

		if (k->cmsg_len < sizeof(*k) ||
		    k->cmsg_len > m->snd.controllen - off)
			return -EINVAL; /* as the kernel's CMSG_OK */
		if (k->cmsg_level != SOL_SOCKET || k->cmsg_type != SCM_RIGHTS)
			continue;
		n = (k->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++, done++) {
			if (!take) {
				if (done == m->nfds)
					return 0;
				close(fd[i]);
				continue;
			}
			int d = target_getfd(c, fd[i]);

			if (d < 0)
				return d == -ESRCH ? d : -EBADF;
			fd[i] = d;
			m->nfds++;
		}
	}
	return 0;
}

/* The data and control of the message @h (the caller's msghdr, copied),
 * into @m. */
static int msg_body(struct appv_sc_call *c, const struct msghdr *h,
		    struct net_msg *m)
{
	struct iovec *iov;
	int r;

	if (h->msg_iovlen > NET_MAX_IOV)
		return -EMSGSIZE;
	iov = calloc(h->msg_iovlen ? h->msg_iovlen : 1, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	r = target_read(c, (uint64_t)(uintptr_t)h->msg_iov, iov,
			h->msg_iovlen * sizeof(*iov));
	if (r == 0)
		r = msg_data(c, iov, h->msg_iovlen, m);
	free(iov);
	if (r < 0 || !h->msg_controllen)
		return r;
	if (h->msg_controllen > NET_MAX_CONTROL)
		return -ENOBUFS;
	m->snd.control = calloc(1, h->msg_controllen);
	if (!m->snd.control)
		return -ENOMEM;
	m->snd.controllen = h->msg_controllen;
	r = target_read(c, (uint64_t)(uintptr_t)h->msg_control, m->snd.control,
			h->msg_controllen);
	return r < 0 ? r : msg_fds(c, m, true);
}

/* Read the message @h into @m. */
static int msg_read(struct appv_sc_call *c, const struct msghdr *h, int flags,
		    struct net_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->snd.flags = flags;
	m->named = read_addr(c, (uint64_t)(uintptr_t)h->msg_name,
			     h->msg_namelen, &m->addr);
	return m->named < 0 ? m->named : msg_body(c, h, m);
}

static void msg_free(struct net_msg *m)
{
	if (m->nfds)
		msg_fds(NULL, m, false);
	free(m->snd.control);
	free(m->buf);
}

/*
 * Send the message @m, its address read (@m->named), the rest read now:
 * from the msghdr @h, or the one buffer @iov (sendto).  Continued when it
 * names no file (strict_socket).
 */
static long send_one(struct appv_sc_call *c, int fd, struct net_msg *m,
		     const struct msghdr *h, const struct iovec *iov)
{
	int s = -1;
	long r;

	if (m->named != 1 && (s = strict_socket(c, fd, NET_SEND)) < 0)
		return SUP_CONTINUE; /* no file-system name, see above */
	if (m->named < 0)
		r = m->named;
	else
		r = h ? msg_body(c, h, m) : msg_data(c, iov, 1, m);
	if (r == 0)
		r = m->named == 1
			? emulate(c, fd, NET_SEND, &m->addr, &m->snd, false)
			: perform(c, s, NET_SEND, NULL, &m->addr, &m->snd);
	if (s >= 0)
		close(s);
	msg_free(m);
	return r;
}

static long net_sendto(struct appv_sc_call *c)
{
	struct iovec iov = {(void *)(uintptr_t)c->args[1], (size_t)c->args[2]};
	struct net_msg m = {.snd.flags = (int)c->args[3]};

	m.named = read_addr(c, c->args[4], c->args[5], &m.addr);
	return send_one(c, (int)c->args[0], &m, NULL, &iov);
}

/*
 * sendmsg: its address lies in the msghdr, so every call is notified (the
 * shim's wrappers send from the trampoline when there is no AF_UNIX name).
 * One without a file-system name continues, as sendto's.
 */
static long net_sendmsg(struct appv_sc_call *c)
{
	struct msghdr h;
	struct net_msg m = {.snd.flags = (int)c->args[2]};

	if (target_read(c, c->args[1], &h, sizeof(h)) < 0)
		return c->s->strict ? -EFAULT : SUP_CONTINUE; /* the kernel
						  answers EFAULT */
	m.named = read_addr(c, (uint64_t)(uintptr_t)h.msg_name, h.msg_namelen,
			    &m.addr);
	return send_one(c, (int)c->args[0], &m, &h, NULL);
}

/*
 * sendmmsg: continued when no message names a file (and, in strict mode,
 * the socket looks no name up); otherwise the supervisor sends them all,
 * in order, writing each msg_len back, and answers how many went (the
 * first one's error when none did), as the kernel does.
 */
static long net_sendmmsg(struct appv_sc_call *c)
{
	unsigned int n =
	    c->args[2] > NET_MAX_IOV ? NET_MAX_IOV : (unsigned int)c->args[2];
	int fd = (int)c->args[0], s = -1, any = 0;
	struct mmsghdr *v;
	struct net_addr a;
	long r = 0;
	unsigned int i;

	if (!n)
		return SUP_CONTINUE; /* nothing is sent */
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (target_read(c, c->args[1], v, n * sizeof(*v)) < 0) {
		free(v);
		return c->s->strict ? -EFAULT : SUP_CONTINUE;
	}
	for (i = 0; i < n && !any; i++)
		any = read_addr(c, (uint64_t)(uintptr_t)v[i].msg_hdr.msg_name,
				v[i].msg_hdr.msg_namelen, &a) == 1;
	s = any ? name_socket(c, fd, NET_SEND) : strict_socket(c, fd, NET_SEND);
	if (s < 0 && (!any || no_lookup(s))) {
		free(v);
		return SUP_CONTINUE; /* no file-system name, or a descriptor
					the kernel looks none up on */
	}
	if (s < 0)
		r = s == -ESRCH ? s : -EBADF;
	for (i = 0; i < n && r >= 0; i++) {
		struct net_msg m;
		unsigned int len;

		r = msg_read(c, &v[i].msg_hdr, (int)c->args[3], &m);
		if (r == 0)
			r = m.named == 1 ? emulate(c, fd, NET_SEND, &m.addr,
						   &m.snd, true)
					 : perform(c, s, NET_SEND, NULL,
						   &m.addr, &m.snd);
		msg_free(&m);
		len = r >= 0 ? (unsigned int)r : 0;
		if (r >= 0 &&
		    target_write(c,
				 c->args[1] + i * sizeof(*v) +
				     offsetof(struct mmsghdr, msg_len),
				 &len, sizeof(len)) < 0)
			r = -EFAULT;
	}
	if (s >= 0)
		close(s);
	free(v);
	/* i counts the one that failed, or one past the last */
	return r >= 0 ? (long)i : (i > 1 ? (long)i - 1 : r);
}

long sys_net(struct appv_sc_call *c)
{
	struct net_addr a;
	enum net_op op;
	int fd = (int)c->args[0], s, r;

	switch (c->req->data.nr) {
	case SYS_sendto:
		return net_sendto(c);
	case SYS_sendmsg:
		return net_sendmsg(c);
	case SYS_sendmmsg:
		return net_sendmmsg(c);
	case SYS_bind:
		op = NET_BIND;
		break;
	default:
		op = NET_CONNECT;
	}
	r = read_addr(c, c->args[1], c->args[2], &a);
	if (r == 1)
		return emulate(c, fd, op, &a, NULL, false);
	s = strict_socket(c, fd, op);
	if (s < 0)
		return SUP_CONTINUE; /* no file-system name: the kernel's
					own lookup-free call */
	if (r == 0)
		r = perform(c, s, op, NULL, &a, NULL);
	close(s);
	return r;
}

/* The app's own name for the scratch name @path that bind_named gave, or
 * NULL when @path is not one. */
static const char *sock_lookup(struct appv_sc_call *c, const char *path)
{
	const char *run = c->s->cfg.run_dir;
	size_t rl = strlen(run);
	unsigned long id;
	struct sup_sock *k;
	char *end;

	if (strncmp(path, run, rl) || strncmp(path + rl, "/k", 2))
		return NULL;
	if (path[rl + 2] < '1' || path[rl + 2] > '9')
		return NULL;
	errno = 0;
	id = strtoul(path + rl + 2, &end, 10);
	if (errno || *end != '/')
		return NULL;
	k = sock_slot(c->sup, id);
	return k ? k->name : NULL;
}

/* Answer @name as the kernel answers a socket address: min(*addrlen, its
 * length) bytes copied, *addrlen set to its length. */
static long write_name(struct appv_sc_call *c, const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	socklen_t want, full;
	int r;

	memcpy(sa.sun_path, name, n);
	full = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	if (full > sizeof(sa))
		full = sizeof(sa);
	r = target_read(c, c->args[2], &want, sizeof(want));
	if (r < 0)
		return r;
	if ((int)want < 0)
		return -EINVAL;
	if (want > full)
		want = full;
	if (want && (r = target_write(c, c->args[1], &sa, want)) < 0)
		return r;
	return target_write(c, c->args[2], &full, sizeof(full));
}

long sys_sockname(struct appv_sc_call *c)
{
	struct sockaddr_storage ss;
	struct sockaddr_un *sa = (struct sockaddr_un *)&ss;
	char path[sizeof(sa->sun_path) + 1];
	socklen_t len = sizeof(ss);
	const char *name;
	size_t plen;
	int s, r;

	if (!c->sup->sock)
		return SUP_CONTINUE; /* nothing bound here: the kernel's
					answer is the app's own name */
	s = target_getfd(c, (int)c->args[0]);
	if (s < 0)
		return SUP_CONTINUE; /* EBADF, or no pidfd_getfd: the kernel
					answers */
	memset(&ss, 0, sizeof(ss));
	if (c->req->data.nr == SYS_getsockname)
		r = getsockname(s, (struct sockaddr *)&ss, &len);
	else
		r = getpeername(s, (struct sockaddr *)&ss, &len);
	close(s);
	if (r < 0 || ss.ss_family != AF_UNIX ||
	    len <= offsetof(struct sockaddr_un, sun_path) || len > sizeof(*sa))
		return SUP_CONTINUE; /* an error, another family, an unnamed
					socket: the kernel answers the same
					without any name of ours */
	plen = len - offsetof(struct sockaddr_un, sun_path);
	memcpy(path, sa->sun_path, plen);
	path[plen] = '\0';
	name = sock_lookup(c, path);
	if (!name)
		return SUP_CONTINUE; /* not a name bind_named gave */
	return write_name(c, name);
}
