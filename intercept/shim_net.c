// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * intercept/shim_net.c - getsockname, getpeername, sendmsg and sendmmsg,
 * interposed.
 *
 * sendmsg's address lies in its msghdr, which the filter cannot read, so
 * the filter notifies every one from elsewhere than the trampoline; here a
 * message without an AF_UNIX path name (the network I/O of most programs)
 * goes through the trampoline and pays nothing, one with such a name goes
 * to the supervisor, which resolves it virtually (loader/sys_net.c).
 *
 * getsockname and getpeername: a
 * socket the supervisor bound keeps a name in the session's scratch
 * ("<run_dir>/k<id>/NAME", loader/sys_net.c), which only the supervisor
 * can map back to the name the program bound.  The filter notifies every
 * such call; here the call runs through the trampoline first and goes to
 * the supervisor only when the answer is an AF_UNIX name in the scratch
 * (or was cut short, so that it cannot be told): every other socket pays
 * nothing.
 */
#include "shim_internal.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "../common/sys.h"

/* Whether the address @sa (@len bytes of @full) may be a scratch name. */
static bool scratch_name(const struct sockaddr_un *sa, socklen_t len,
			 socklen_t full)
{
	const char *run = vfs_get_config(shim_vfs)->run_dir;
	size_t rl = strlen(run), off = offsetof(struct sockaddr_un, sun_path);

	if (len < sizeof(sa->sun_family) || sa->sun_family != AF_UNIX)
		return false;
	if (full > len)
		return true; /* cut short: the supervisor tells */
	return rl && len > off + rl && !memcmp(sa->sun_path, run, rl) &&
	       sa->sun_path[rl] == '/';
}

static long sockname(long nr, int fd, struct sockaddr *addr, socklen_t *len)
{
	socklen_t want;
	long r;

	if (!shim_vfs || !addr || !len)
		return shim_direct(nr, fd, (long)addr, (long)len, 0, 0, 0);
	want = *len;
	r = appv_syscall(nr, fd, (long)addr, (long)len, 0, 0, 0);
	if (r < 0 || (int)want <= 0 ||
	    !scratch_name((const struct sockaddr_un *)addr,
			  *len < want ? *len : want, *len))
		return r;
	*len = want;
	return shim_direct(nr, fd, (long)addr, (long)len, 0, 0, 0);
}

SHIM_EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	return (int)shim_ret(sockname(SYS_getsockname, fd, addr, len));
}

SHIM_EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	return (int)shim_ret(sockname(SYS_getpeername, fd, addr, len));
}

/* Whether the address of @m is an AF_UNIX path name. */
static bool path_name(const struct msghdr *m)
{
	const struct sockaddr_un *sa = m->msg_name;

	return sa && m->msg_namelen > offsetof(struct sockaddr_un, sun_path) &&
	       sa->sun_family == AF_UNIX && sa->sun_path[0];
}

SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (!shim_vfs || !msg || path_name(msg))
		return shim_ret(
		    shim_direct(SYS_sendmsg, fd, (long)msg, flags, 0, 0, 0));
	return shim_ret(
	    appv_syscall(SYS_sendmsg, fd, (long)msg, flags, 0, 0, 0));
}

SHIM_EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	bool named = !shim_vfs || !v;

	for (unsigned int i = 0; i < n && !named; i++)
		named = path_name(&v[i].msg_hdr);
	if (named)
		return (int)shim_ret(
		    shim_direct(SYS_sendmmsg, fd, (long)v, n, flags, 0, 0));
	return (int)shim_ret(
	    appv_syscall(SYS_sendmmsg, fd, (long)v, n, flags, 0, 0));
}
