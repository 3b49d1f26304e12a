/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* common/fdpass.h - hand one descriptor over a unix socket (SCM_RIGHTS),
 * with a one-byte payload.  Supervisor, child set-up and tests only. */
#ifndef APPV_COMMON_FDPASS_H
#define APPV_COMMON_FDPASS_H

/* Sends @fd with the byte @tag; 0 or -errno. */
int appv_send_fd(int sock, int fd, char tag);

/* Receives one byte and, with it, exactly one descriptor (O_CLOEXEC).
 * Returns the descriptor, or -errno; -EPROTO when the byte came without a
 * descriptor (then *@tag holds it, so the peer can report an error). */
int appv_recv_fd(int sock, char *tag);

#endif
