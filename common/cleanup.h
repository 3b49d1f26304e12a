/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* common/cleanup.h - scope-bound cleanup helpers (supervisor and tools only;
 * the shim uses none of these since they call libc free/close). */
#ifndef APPV_COMMON_CLEANUP_H
#define APPV_COMMON_CLEANUP_H

#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>
#include <errno.h>

static inline void appv_freep(void *p)
{
	free(*(void **)p);
}

static inline void appv_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void appv_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ __attribute__((cleanup(appv_freep)))
#define _cleanup_close_ __attribute__((cleanup(appv_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(appv_fclosep)))

/* Hand ownership out of a cleanup-scoped variable. */
#define steal_pointer(pp)                                                     \
	({                                                                    \
		__typeof__(*(pp)) _v = *(pp);                                 \
		*(pp) = NULL;                                                 \
		_v;                                                           \
	})
#define steal_fd(fdp)                                                         \
	({                                                                    \
		int _f = *(fdp);                                              \
		*(fdp) = -1;                                                  \
		_f;                                                           \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
