// SPDX-License-Identifier: LGPL-3.0-or-later
/* Kernel feature detection: everything appv relies on is probed at start
 * and named when missing, instead of failing later in an obscure way. */
#include "loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/seccomp.h>

#include "../common/sys.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif

static void add_missing(char *missing, size_t cap, const char *what)
{
	size_t len = strlen(missing);

	snprintf(missing + len, cap - len, "%s%s", len ? "; " : "", what);
}

static int kernel_at_least(long major, long minor)
{
	struct utsname u;
	char *end;
	long ma, mi;

	/* strtol, not sscanf: this runs at every start. */
	if (uname(&u) < 0)
		return 1; /* unknown: let the real calls decide */
	ma = strtol(u.release, &end, 10);
	if (end == u.release || *end != '.')
		return 1;
	mi = strtol(end + 1, &end, 10);
	return ma > major || (ma == major && mi >= minor);
}

int loader_check_features(char *missing, size_t cap)
{
	unsigned int action = SECCOMP_RET_USER_NOTIF;
	long r;

	missing[0] = '\0';
	r = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
	if (r < 0)
		add_missing(missing, cap,
			    "seccomp user notification (SECCOMP_RET_USER_NOTIF, Linux 5.0)");
	if (!kernel_at_least(5, 14))
		add_missing(missing, cap,
			    "seccomp SECCOMP_ADDFD_FLAG_SEND (Linux 5.14)");
	r = syscall(SYS_openat2, -1, "", NULL, 0);
	if (r < 0 && errno == ENOSYS)
		add_missing(missing, cap, "openat2 (Linux 5.6)");
	r = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* VERSION */);
	if (r < 1)
		add_missing(missing, cap,
			    "Landlock (Linux 5.13 with landlock in the lsm= list)");
	return missing[0] ? -ENOSYS : 0;
}
