// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/syscalls.c - the one declarative syscall table.  The seccomp filter
 * (intercept/filter.c) is built from it and the supervisor dispatches with
 * it.  One row per syscall: which argument is the path (a NULL pointer there
 * is let through in BPF: the kernel answers EFAULT; -1: every call is
 * notified), which flags argument carries AT_EMPTY_PATH (let through in
 * fast mode: "operate on the fd" resolves no path and reads only), the
 * handler of the family.  Calls that would escape the model are refused with an
 * errno that makes programs fall back where a fallback exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <linux/fs.h>
#include <linux/rtc.h>
#include <linux/sockios.h>
#include <sys/syscall.h>

#include "../common/cleanup.h"
#include "supervisor_internal.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#define SYS_getxattrat 464
#define SYS_listxattrat 465
#define SYS_removexattrat 466
#endif
#ifndef SYS_open_tree_attr
#define SYS_open_tree_attr 467
#endif
#ifndef SYS_file_getattr
#define SYS_file_getattr 468
#define SYS_file_setattr 469
#endif

#define N(sys, parg, eparg, fn)                                                \
	{                                                                      \
		.name = #sys, .nr = SYS_##sys, .action = APPV_SC_NOTIFY,       \
		.path_arg = (parg), .empty_path_flags_arg = (eparg),           \
		.handler = (fn)                                                \
	}
/* A call on a descriptor only: notified without the shim (whose wrappers
 * answer it in its processes). */
#define F(sys, fn)                                                             \
	{                                                                      \
		.name = #sys, .nr = SYS_##sys, .action = APPV_SC_NOTIFY,       \
		.path_arg = -1, .empty_path_flags_arg = -1, .fd_only = true,   \
		.handler = (fn)                                                \
	}
#define R(sys, e)                                                              \
	{                                                                      \
		.name = #sys, .nr = SYS_##sys, .action = APPV_SC_ERRNO,        \
		.err = (e), .path_arg = -1, .empty_path_flags_arg = -1         \
	}

/* ioctl requests that change the inode a descriptor names, and those
 * that read what they change; those that set a real-time clock or its
 * alarms, the host's; those that set whom a descriptor's I/O signals
 * (sys_ioctl). */
#define ARG_IS(a, v)                                                           \
	{                                                                      \
		(a), false, 0xffffffffULL, (v)                                 \
	} /* an int argument */
#define ARG_NOT0(a)                                                            \
	{                                                                      \
		(a), true, ~0ULL, 0                                            \
	}
static const struct appv_sc_when notified_ioctls[] = {
    ARG_IS(1, FS_IOC_SETFLAGS),	    ARG_IS(1, FS_IOC32_SETFLAGS),
    ARG_IS(1, FS_IOC_FSSETXATTR),   ARG_IS(1, FS_IOC_SETVERSION),
    ARG_IS(1, FS_IOC32_SETVERSION), ARG_IS(1, FS_IOC_GETFLAGS),
    ARG_IS(1, FS_IOC32_GETFLAGS),   ARG_IS(1, FS_IOC_FSGETXATTR),
    ARG_IS(1, RTC_SET_TIME),	    ARG_IS(1, RTC_ALM_SET),
    ARG_IS(1, RTC_WKALM_SET),	    ARG_IS(1, RTC_EPOCH_SET),
    ARG_IS(1, RTC_IRQP_SET),	    ARG_IS(1, FIOSETOWN),
    ARG_IS(1, SIOCSPGRP),	    {0},
};

/* Calls on another process, notified where they may name one outside the
 * session (sys_proc.c): argument 0 a pid other than 0 (the caller); for
 * setpriority and ioprio_set the "who" of argument 1, a process group (0:
 * the caller's, which may be appv's) or a whole user.  kill's 0 is the
 * caller's group: always notified. */
static const struct appv_sc_when pid0[] = {ARG_NOT0(0), {0}};
/* A descriptor's owner, whom its I/O signals */
static const struct appv_sc_when set_owner[] = {
    ARG_IS(1, F_SETOWN), ARG_IS(1, F_SETOWN_EX), {0}};
static const struct appv_sc_when prio_who[] = {ARG_NOT0(1),
					       ARG_IS(0, 1 /* PRIO_PGRP */),
					       ARG_IS(0, 2 /* PRIO_USER */),
					       {0}};
static const struct appv_sc_when ioprio_who[] = {
    ARG_NOT0(1),
    ARG_IS(0, 2 /* IOPRIO_WHO_PGRP */),
    ARG_IS(0, 3 /* IOPRIO_WHO_USER */),
    {0}};
/* syslog(2) actions that clear the kernel's log or set its console */
static const struct appv_sc_when syslog_changes[] = {
    ARG_IS(0, 4), ARG_IS(0, 5), ARG_IS(0, 6), ARG_IS(0, 7), ARG_IS(0, 8), {0}};

/* A call notified only when one of @cond holds (appv_sc_when). */
#define W(sys, cond, fn)                                                       \
	{                                                                      \
		.name = #sys, .nr = SYS_##sys, .action = APPV_SC_NOTIFY,       \
		.path_arg = -1, .empty_path_flags_arg = -1, .when = (cond),    \
		.handler = (fn)                                                \
	}
#define P(sys, cond) W(sys, cond, sys_other_process)
/* A signal call: Landlock's ABI 6 keeps it in the session without us. */
#define S(sys, cond)                                                           \
	{                                                                      \
		.name = #sys, .nr = SYS_##sys, .action = APPV_SC_NOTIFY,       \
		.path_arg = -1, .empty_path_flags_arg = -1, .when = (cond),    \
		.unscoped_only = true, .handler = sys_other_process            \
	}

const struct appv_sc_desc loader_syscalls[] = {
    /* open family */
    N(open, 0, -1, sys_open),
    N(openat, 1, -1, sys_open),
    N(openat2, 1, -1, sys_open),
    N(creat, 0, -1, sys_open),
    /* stat family */
    N(stat, 0, -1, sys_stat),
    N(lstat, 0, -1, sys_stat),
    N(newfstatat, 1, 3, sys_stat),
    N(statx, 1, 2, sys_statx),
    F(fstat, sys_fstat),
    F(getdents64, sys_getdents),
    N(statfs, 0, -1, sys_statfs),
    F(fstatfs, sys_fstatfs),
    N(access, 0, -1, sys_access),
    N(faccessat, 1, -1, sys_access),
    N(faccessat2, 1, 3, sys_access),
    N(readlink, 0, -1, sys_readlink),
    N(readlinkat, 1, -1, sys_readlink),
    /* current directory */
    N(getcwd, -1, -1, sys_getcwd),
    N(chdir, 0, -1, sys_chdir),
    N(fchdir, -1, -1, sys_fchdir),
    F(exit_group, sys_exit_group), /* hands its cwd record on */
    /* namespace changes */
    N(mkdir, 0, -1, sys_mkdir),
    N(mkdirat, 1, -1, sys_mkdir),
    N(mknod, 0, -1, sys_mknod),
    N(mknodat, 1, -1, sys_mknod),
    N(unlink, 0, -1, sys_unlink),
    N(unlinkat, 1, -1, sys_unlink),
    N(rmdir, 0, -1, sys_unlink),
    N(rename, 0, -1, sys_rename),
    N(renameat, 1, -1, sys_rename),
    N(renameat2, 1, -1, sys_rename),
    N(symlink, 1, -1, sys_symlink),
    N(symlinkat, 2, -1, sys_symlink),
    N(link, 0, -1, sys_link),
    N(linkat, 1, -1, sys_link), /* AT_EMPTY_PATH still names a new path */
    /* attribute changes; the descriptor forms too (fchmod, AT_EMPTY_PATH,
     * a NULL utimensat path): a descriptor opened for reading may be a
     * lower file, whose attributes must not change (sys_attr.c) */
    N(chmod, 0, -1, sys_chmod),
    N(fchmod, -1, -1, sys_chmod),
    N(fchmodat, 1, -1, sys_chmod),
    N(fchmodat2, -1, -1, sys_chmod),
    N(chown, 0, -1, sys_chown),
    N(fchown, -1, -1, sys_chown),
    N(lchown, 0, -1, sys_chown),
    N(fchownat, -1, -1, sys_chown),
    N(truncate, 0, -1, sys_truncate),
    N(utime, 0, -1, sys_utimes),
    N(utimes, 0, -1, sys_utimes),
    N(utimensat, -1, -1, sys_utimes),
    N(futimesat, -1, -1, sys_utimes),
    /* extended attributes */
    N(setxattr, 0, -1, sys_xattr),
    N(lsetxattr, 0, -1, sys_xattr),
    N(getxattr, 0, -1, sys_xattr),
    N(lgetxattr, 0, -1, sys_xattr),
    N(listxattr, 0, -1, sys_xattr),
    N(llistxattr, 0, -1, sys_xattr),
    N(removexattr, 0, -1, sys_xattr),
    N(lremovexattr, 0, -1, sys_xattr),
    N(fsetxattr, -1, -1, sys_xattr),
    F(fgetxattr, sys_fxattr),
    F(flistxattr, sys_fxattr),
    N(fremovexattr, -1, -1, sys_xattr),
    N(inotify_add_watch, 1, -1, sys_inotify),
    W(ioctl, notified_ioctls, sys_ioctl),
    /* AF_UNIX path names (sys_net.c): the address is in memory, so
     * every call with a non-NULL address is notified, and every sendmsg
     * and sendmmsg, whose address hides in the msghdr (the shim's
     * wrappers send those without one from the trampoline). */
    N(bind, 1, -1, sys_net),
    N(connect, 1, -1, sys_net),
    N(sendto, 4, -1, sys_net),
    N(sendmsg, -1, -1, sys_net),
    N(sendmmsg, -1, -1, sys_net),
    /* A socket bound by the supervisor keeps a name of the session's
     * scratch; these answer the name the app bound (sys_net.c). */
    N(getsockname, -1, -1, sys_sockname),
    N(getpeername, -1, -1, sys_sockname),
    /* exec */
    N(execve, 0, -1, sys_execve),
    N(execveat, 1, -1, sys_execve),

    /* Path-bearing calls not handled yet: refuse with ENOSYS so that
     * libc falls back to the classic calls above. */
    R(setxattrat, ENOSYS),
    R(getxattrat, ENOSYS),
    R(listxattrat, ENOSYS),
    R(removexattrat, ENOSYS),
    R(file_getattr, ENOSYS),
    R(file_setattr, ENOSYS),
    R(uselib, ENOSYS),
    /* Escapes from the model (INTERCEPTION.md, "Must refuse"). */
    R(io_uring_setup, ENOSYS), /* programs fall back to plain I/O */
    R(clone3, ENOSYS),	       /* flags in memory: glibc falls back to clone */
    R(name_to_handle_at, EOPNOTSUPP),
    R(open_by_handle_at, EPERM),
    R(mount, EPERM),
    R(umount2, EPERM),
    R(pivot_root, EPERM),
    R(chroot, EPERM),
    R(open_tree, EPERM),
    R(open_tree_attr, EPERM),
    R(move_mount, EPERM),
    R(fsopen, EPERM),
    R(fsconfig, EPERM),
    R(fsmount, EPERM),
    R(fspick, EPERM),
    R(mount_setattr, EPERM),
    R(setns, EPERM),
    R(userfaultfd, EPERM),
    R(bpf, EPERM),
    R(fanotify_init, EPERM),
    R(fanotify_mark, EPERM),
    R(acct, EPERM),
    R(swapon, EPERM),
    R(swapoff, EPERM),
    R(quotactl, EPERM),
    /* Settings of the whole host, which a session run as root would
     * change: refused as without the capability.  The clock is read
     * through sys_adjtime. */
    R(reboot, EPERM),
    R(sethostname, EPERM),
    R(setdomainname, EPERM),
    R(settimeofday, EPERM),
    R(clock_settime, EPERM),
    R(iopl, EPERM),
    R(ioperm, EPERM),
    N(adjtimex, -1, -1, sys_adjtime),
    N(clock_adjtime, -1, -1, sys_adjtime),
    W(syslog, syslog_changes, sys_host_setting),
    /* Another process: only the session's (sys_proc.c). */
    S(kill, NULL),
    S(tkill, NULL),
    S(tgkill, NULL),
    S(rt_sigqueueinfo, NULL),
    S(rt_tgsigqueueinfo, NULL),
    S(pidfd_send_signal, NULL),
    S(fcntl, set_owner),
    P(setpriority, prio_who),
    P(ioprio_set, ioprio_who),
    P(prlimit64, pid0),
    P(sched_setaffinity, pid0),
    P(sched_setscheduler, pid0),
    P(sched_setparam, pid0),
    P(sched_setattr, pid0),
};

const size_t loader_nsyscalls = ARRAY_SIZE(loader_syscalls);

const struct appv_sc_desc *loader_syscall_find(int nr)
{
	/* Built on first use; the table is constant, handlers run on the
	 * serving thread alone, and a race would only build the same array
	 * twice. */
	static const struct appv_sc_desc *by_nr[512];
	static int ready;

	if (!ready) {
		for (size_t i = 0; i < loader_nsyscalls; i++) {
			int n = loader_syscalls[i].nr;
			if (n >= 0 && n < (int)ARRAY_SIZE(by_nr))
				by_nr[n] = &loader_syscalls[i];
		}
		ready = 1;
	}
	if (nr < 0 || nr >= (int)ARRAY_SIZE(by_nr))
		return NULL;
	return by_nr[nr];
}
