// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_host.c - calls on settings of the whole host.  Those that
 * only change one (reboot, the host name, the clock) are refused by the
 * filter (loader/syscalls.c); those that read as well are answered here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "supervisor_internal.h"

/* The kernel's ADJ_ADJTIME (the single shot's bit of its own): with
 * ADJ_OFFSET_READONLY, a query whatever other bits but ADJ_SETOFFSET. */
#define ADJ_ADJTIME_ 0x8000

/*
 * adjtimex and clock_adjtime: a query (modes 0, or ADJ_OFFSET_SS_READ) is
 * made here and its answer written back; a change of the host's clock is
 * refused, as without CAP_SYS_TIME, whatever the session's credentials,
 * after the kernel's own errors (no such clock, one that cannot be
 * adjusted, a single shot without its bit).  A dynamic clock (a
 * descriptor's, negative id) is the kernel's: adjusting one needs it open
 * for writing, which Landlock refuses below /dev.
 */
long sys_adjtime(struct appv_sc_call *c)
{
	bool at = c->req->data.nr == SYS_clock_adjtime;
	clockid_t clk = at ? (clockid_t)c->args[0] : CLOCK_REALTIME;
	uint64_t addr = c->args[at ? 1 : 0];
	struct timex tx;
	unsigned int modes;
	int r, w;

	if (clk < 0)
		return SUP_CONTINUE;
	r = target_read(c, addr, &tx, sizeof(tx));
	if (r < 0)
		return r;
	modes = tx.modes;
	if ((modes & ADJ_OFFSET_SS_READ) == ADJ_OFFSET_SS_READ &&
	    !(modes & ADJ_SETOFFSET))
		tx.modes = ADJ_OFFSET_SS_READ;
	else if (modes)
		tx.modes = 0;
	r = (int)syscall(SYS_clock_adjtime, clk, &tx);
	if (r < 0)
		return -errno;
	if (modes && tx.modes == 0)
		return (modes & ADJ_ADJTIME_) && !(modes & 1) ? -EINVAL
							      : -EPERM;
	tx.modes = modes;
	w = target_write(c, addr, &tx, sizeof(tx));
	return w < 0 ? w : r;
}

/* A real-time clock's time, alarms, epoch or interrupt rate: refused on a
 * character device as the RTC driver refuses a caller without
 * CAP_SYS_TIME (EACCES), whatever the session's credentials.  Any other
 * descriptor is the kernel's (ENOTTY; EBADF, for an O_PATH one too). */
long sys_rtc_set(struct appv_sc_call *c)
{
	struct stat st;
	int fd = target_getfd(c, (int)c->args[0]), r, fl;

	if (fd < 0)
		return SUP_CONTINUE;
	r = fstat(fd, &st);
	fl = fcntl(fd, F_GETFL);
	close(fd);
	return r == 0 && S_ISCHR(st.st_mode) && fl >= 0 && !(fl & O_PATH)
		   ? -EACCES
		   : SUP_CONTINUE;
}

/* syslog(2)'s clear and console actions (the table notifies only those):
 * EPERM, as without CAP_SYSLOG, whatever the session's credentials. */
long sys_host_setting(struct appv_sc_call *c)
{
	(void)c;
	return -EPERM;
}
