/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * common/fdpass.h - hand the seccomp listener from the child to its parent.
 *
 * Not by SCM_RIGHTS: the filter is loaded by then and notifies sendmsg and
 * sendmmsg (an AF_UNIX path name hides in their msghdr), while nobody
 * serves the listener yet.  The child writes the descriptor's number (a
 * write is never notified) and keeps it open; the parent takes it with
 * pidfd_getfd (Linux 5.6; the ptrace access the supervisor needs anyway to
 * read the child's memory).  Supervisor, child set-up and tests only.
 */
#ifndef APPV_COMMON_FDPASS_H
#define APPV_COMMON_FDPASS_H

#include <sys/types.h>

/* The child: offer @fd, which must stay open until the parent has taken
 * it (the child's next notified call, its execve, waits for that).
 * 0 or -errno. */
int appv_fd_offer(int sock, int fd);

/* The parent: take the descriptor the child @pid offered (O_CLOEXEC).
 * Returns it, or -errno; -EPROTO when the child wrote something else
 * (then *@tag holds its first byte, so the child can report an error). */
int appv_fd_take(int sock, pid_t pid, char *tag);

#endif
