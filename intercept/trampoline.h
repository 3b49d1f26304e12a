/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * intercept/trampoline.h - the shim's syscall page.
 *
 * A read+execute page at APPV_TRAMPOLINE_ADDR (intercept/filter.h) holding
 * one function with the appv_syscall_fn signature (common/sys.h).  In fast
 * mode the seccomp filter allows notified syscalls whose instruction
 * pointer lies in this page, so the shim's own calls reach the kernel
 * without a round trip to the supervisor.
 */
#ifndef APPV_INTERCEPT_TRAMPOLINE_H
#define APPV_INTERCEPT_TRAMPOLINE_H

#include <stdbool.h>

/*
 * long fn(long nr, long a, long b, long c, long d, long e, long f):
 * SysV passes nr..e in rdi, rsi, rdx, rcx, r8, r9 and f on the stack at
 * 8(%rsp); the kernel wants nr in rax and a..f in rdi, rsi, rdx, r10, r8,
 * r9.  The kernel clobbers rcx and r11, both caller-saved.  Returns the raw
 * result (value or -errno) in rax.
 */
static const unsigned char appv_trampoline_code[] = {
	0x48, 0x89, 0xf8,	      /* mov  %rdi,%rax */
	0x48, 0x89, 0xf7,	      /* mov  %rsi,%rdi */
	0x48, 0x89, 0xd6,	      /* mov  %rdx,%rsi */
	0x48, 0x89, 0xca,	      /* mov  %rcx,%rdx */
	0x4d, 0x89, 0xc2,	      /* mov  %r8,%r10 */
	0x4d, 0x89, 0xc8,	      /* mov  %r9,%r8 */
	0x4c, 0x8b, 0x4c, 0x24, 0x08, /* mov  0x8(%rsp),%r9 */
	0x0f, 0x05,		      /* syscall */
	0xc3,			      /* ret */
};

/*
 * Map the page at APPV_TRAMPOLINE_ADDR (MAP_FIXED_NOREPLACE: never over
 * something of the application's), copy the stub, make it read+execute and
 * point appv_syscall_hook at it.  Returns 0, or -errno when the address is
 * taken or the kernel ignores MAP_FIXED_NOREPLACE (then nothing is mapped
 * and the hook stays NULL).  Call once, single-threaded (constructor).
 */
int shim_trampoline_init(void);

/* Unhook (appv_syscall_hook = NULL); the page stays mapped. */
void shim_trampoline_disable(void);

/* True when appv_syscall_hook points at the page. */
bool shim_trampoline_active(void);

#endif
