// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_net.c - AF_UNIX path names: bind, connect, sendto.
 *
 * A socket path is a file-system path and must be resolved virtually.  The
 * filter cannot read the sockaddr, so these calls are notified whenever the
 * address pointer is not NULL.  The handler reads the address; anything but a named AF_UNIX
 * address (AF_INET*, abstract, unnamed) continues at once: the kernel does
 * no path lookup for those.  A path is resolved (bind: CREATE without
 * following, in the upper layer or on a shared host path; connect and
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
 * datagram), plus a 2-byte process_vm_readv before continuing; sendto
 * without an address never leaves BPF.  sendmsg and sendmmsg are not
 * notified (their address is inside the msghdr: BPF would have to notify
 * every one of them, the I/O path of many programs), so a datagram sent
 * by sendmsg to a path name reaches the host's name (loader/syscalls.c).
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
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/path.h"
#include "supervisor_internal.h"

#define NET_MAX_DATA (4u << 20) /* larger sends: EMSGSIZE */

/* A named AF_UNIX address read from the target. */
struct net_addr {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
};

/*
 * Read the sockaddr at @addr (@len bytes).  1: a named AF_UNIX address in
 * @out; 0: anything the kernel resolves no path for (continue); -errno.
 */
static int read_addr(struct appv_sc_call *c, uint64_t addr, uint64_t len,
		     struct net_addr *out)
{
	struct sockaddr_un sa;
	size_t plen;
	int r;

	if (!addr || len <= offsetof(struct sockaddr_un, sun_path) ||
	    len > sizeof(sa))
		return 0; /* unnamed (autobind), or EINVAL from the kernel */
	r = target_read(c, addr, &sa, sizeof(sa.sun_family));
	if (r < 0 || sa.sun_family != AF_UNIX)
		return 0; /* EFAULT / another family: the kernel answers */
	r = target_read(c, addr, &sa, (size_t)len);
	if (r < 0)
		return 0;
	plen = (size_t)len - offsetof(struct sockaddr_un, sun_path);
	if (sa.sun_path[0] == '\0')
		return 0; /* abstract: no file-system name */
	memcpy(out->path, sa.sun_path, plen);
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
	const char *slash = strrchr(real, '/');
	size_t n;

	if (!slash || !slash[1])
		return -EINVAL;
	n = (size_t)(slash - real);
	if (n == 0)
		n = 1; /* "/name" */
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, real, n);
	dir[n] = '\0';
	*name = slash + 1;
	return sup_open_real(c->sup, dir, O_PATH | O_DIRECTORY, 0, false);
}

enum net_op { NET_BIND, NET_CONNECT, NET_SEND };

struct net_send {
	const void *data;
	size_t len;
	int flags;
};

static int do_op(int s, enum net_op op, const struct sockaddr_un *sa,
		 socklen_t len, struct net_send *snd)
{
	ssize_t n;

	switch (op) {
	case NET_BIND:
		return bind(s, (const struct sockaddr *)sa, len) ? -errno : 0;
	case NET_CONNECT:
		return connect(s, (const struct sockaddr *)sa, len) ? -errno
								    : 0;
	default:
		n = sendto(s, snd->data, snd->len, snd->flags,
			   (const struct sockaddr *)sa, len);
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

/* Wait (while the caller lives) until a blocking send may proceed. */
static int wait_writable(struct appv_sc_call *c, int s)
{
	struct pollfd pfd = {.fd = s, .events = POLLOUT};

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

static long emulate(struct appv_sc_call *c, int fd, enum net_op op,
		    const struct net_addr *a, struct net_send *snd)
{
	struct sup_path p;
	mode_t um;
	int s, r;

	r = resolve(c, op, a, &p);
	if (r == 1)
		return SUP_CONTINUE; /* /proc, /dev under a share rule: the
					kernel's own meaning */
	if (r < 0)
		return r;
	if (!c->s->strict && sup_path_unchanged(&p))
		return SUP_CONTINUE; /* fast mode, the app's own host path:
					the kernel reaches the same file */
	s = dup_socket(c, fd);
	if (s == -ENOSYS || s == -EAFNOSUPPORT || s == -EBADF ||
	    s == -ENOTSOCK)
		return SUP_CONTINUE; /* no pidfd_getfd (Landlock bounds
					bind), or not an AF_UNIX socket, or
					no such fd: the kernel answers */
	if (s < 0)
		return s;
	if (op == NET_BIND && p.res.layer != VFS_LAYER_NONE)
		r = -EADDRINUSE;
	else if (op == NET_BIND && (r = sup_may_create(c, &p)) == 0)
		r = sup_make_writable(c, &p.res);
	if (r >= 0 && op == NET_BIND) {
		um = sup_umask_enter(c);
		r = op_at(c, s, op, p.res.real, a->path, snd);
		sup_umask_leave(um);
		if (r == 0)
			sup_own_new(c, -1, p.res.real, false);
	} else if (r >= 0) {
		if (op == NET_SEND && !(snd->flags & MSG_DONTWAIT) &&
		    !(fcntl(s, F_GETFL) & O_NONBLOCK)) {
			snd->flags |= MSG_DONTWAIT;
			while ((r = op_at(c, s, op, p.res.real, NULL, snd)) ==
				   -EAGAIN &&
			       (r = wait_writable(c, s)) == 0)
				;
		} else {
			r = op_at(c, s, op, p.res.real, NULL, snd);
		}
	}
	close(s);
	return r;
}

static long net_sendto(struct appv_sc_call *c)
{
	struct net_addr a;
	struct net_send snd = {.len = (size_t)c->args[2],
			       .flags = (int)c->args[3]};
	char *buf;
	long r = read_addr(c, c->args[4], c->args[5], &a);

	if (r <= 0)
		return SUP_CONTINUE; /* no file-system name, see above */
	if (snd.len > NET_MAX_DATA)
		return -EMSGSIZE;
	buf = malloc(snd.len + 1);
	if (!buf)
		return -ENOMEM;
	r = snd.len ? target_read(c, c->args[1], buf, snd.len) : 0;
	snd.data = buf;
	if (r == 0)
		r = emulate(c, (int)c->args[0], NET_SEND, &a, &snd);
	free(buf);
	return r;
}

long sys_net(struct appv_sc_call *c)
{
	struct net_addr a;
	enum net_op op;
	int r;

	switch (c->req->data.nr) {
	case SYS_sendto:
		return net_sendto(c);
	case SYS_bind:
		op = NET_BIND;
		break;
	default:
		op = NET_CONNECT;
	}
	r = read_addr(c, c->args[1], c->args[2], &a);
	if (r <= 0)
		return SUP_CONTINUE; /* no file-system name: the kernel's
					own lookup-free call */
	return emulate(c, (int)c->args[0], op, &a, NULL);
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
