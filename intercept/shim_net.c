// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * intercept/shim_net.c - getsockname and getpeername, interposed.  A
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
