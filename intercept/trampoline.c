// SPDX-License-Identifier: LGPL-3.0-or-later
#include "trampoline.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "filter.h"
#include "../common/sys.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

int shim_trampoline_init(void)
{
	void *want = (void *)APPV_TRAMPOLINE_ADDR;
	void *p;
	long r;

	/* mmap and mprotect are never notified: issue them directly. */
	p = (void *)appv_syscall_direct(SYS_mmap, (long)want,
					(long)APPV_TRAMPOLINE_SIZE,
					PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS |
						MAP_FIXED_NOREPLACE |
						MAP_POPULATE,
					-1, 0);
	if (appv_mmap_failed(p))
		return (int)(long)p;
	if (p != want) {
		/* A kernel older than 4.17 treats the flag as a hint. */
		appv_syscall_direct(SYS_munmap, (long)p,
				    (long)APPV_TRAMPOLINE_SIZE, 0, 0, 0, 0);
		return -EEXIST;
	}
	memcpy(p, appv_trampoline_code, sizeof(appv_trampoline_code));
	r = appv_syscall_direct(SYS_mprotect, (long)p,
				(long)APPV_TRAMPOLINE_SIZE,
				PROT_READ | PROT_EXEC, 0, 0, 0);
	if (r < 0) {
		appv_syscall_direct(SYS_munmap, (long)p,
				    (long)APPV_TRAMPOLINE_SIZE, 0, 0, 0, 0);
		return (int)r;
	}
	appv_syscall_hook = (appv_syscall_fn)p;
	return 0;
}

void shim_trampoline_disable(void)
{
	appv_syscall_hook = NULL;
}

bool shim_trampoline_active(void)
{
	return appv_syscall_hook == (appv_syscall_fn)APPV_TRAMPOLINE_ADDR;
}
