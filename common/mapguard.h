/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * common/mapguard.h - file mappings that outlive a truncation of their
 * file.
 *
 * appv maps files that others may truncate while it runs: the overlay's
 * shared files beside the upper directory (upper.names, upper.epoch,
 * upper.origin) and the package cache's index and state.  In fast mode a
 * hostile program may truncate any file its user may write (Landlock's
 * truncate right is not handled there: README, threat model), and a
 * mapped page past the new end of the file is a SIGBUS on its next touch:
 * it killed the supervisor of every session of the overlay or package,
 * and the CLI.  A guarded mapping is instead replaced, at that fault, by
 * anonymous zero-filled memory of the same place and size, so the access
 * completes; the process then counts as detached from the shared state
 * (appv_guard_tripped), and what trusts that state (the caches keyed on
 * the overlay's generations, the origin table) stops trusting it.
 *
 * Only a process that called appv_guard_install is protected (appv
 * itself); in the shim build these are mmap and munmap (the application
 * owns its signal dispositions: known limits, README).
 */
#ifndef APPV_COMMON_MAPGUARD_H
#define APPV_COMMON_MAPGUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "sys.h"

#ifdef APPV_SHIM
static inline void *appv_guard_mmap(size_t len, int prot, int flags, int fd)
{
	return appv_mmap(NULL, len, prot, flags, fd, 0);
}

static inline int appv_guard_munmap(void *p, size_t len)
{
	return appv_munmap(p, len);
}

static inline bool appv_guard_tripped(void)
{
	return false;
}
#else
/* The SIGBUS handler: 0 or -errno.  Once per process, before threads. */
int appv_guard_install(void);

/* mmap(NULL, @len, @prot, @flags, @fd, 0), guarded when there is room in
 * the table (else a plain mapping): the address, or a mapping failure
 * (appv_mmap_failed). */
void *appv_guard_mmap(size_t len, int prot, int flags, int fd);

/* munmap, guarded or not. */
int appv_guard_munmap(void *p, size_t len);

/* Whether a guarded mapping of this process was replaced: its shared
 * state is then no longer shared. */
bool appv_guard_tripped(void);
#endif

#endif
