/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * tests/helpers/raw_stub.h - a "syscall; ret" stub copied to the shim's
 * trampoline address, whose calls the fast mode's seccomp filter exempts:
 * what a hostile program can do to issue raw, unvirtualised syscalls.
 * Shared by the *_static escape helpers.
 */
#ifndef APPV_TEST_RAW_STUB_H
#define APPV_TEST_RAW_STUB_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define TRAMPOLINE_ADDR 0x70000000UL
#define TRAMPOLINE_SIZE 4096UL

typedef long (*stub_fn)(long nr, long a1, long a2, long a3, long a4, long a5);

/* The stub mapped at the trampoline address, or NULL (said on stdout). */
static stub_fn map_stub(void)
{
	/* mov rax,rdi; mov rdi,rsi; mov rsi,rdx; mov rdx,rcx; mov r10,r8;
	 * mov r8,r9; syscall; ret */
	static const unsigned char code[] = {
		0x48, 0x89, 0xf8, 0x48, 0x89, 0xf7, 0x48, 0x89, 0xd6, 0x48, 0x89,
		0xca, 0x4d, 0x89, 0xc2, 0x4d, 0x89, 0xc8, 0x0f, 0x05, 0xc3,
	};
	void *p = mmap((void *)TRAMPOLINE_ADDR, TRAMPOLINE_SIZE,
		       PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED || p != (void *)TRAMPOLINE_ADDR) {
		printf("setup: cannot map the trampoline page: %s\n",
		       strerror(errno));
		return NULL;
	}
	memcpy(p, code, sizeof(code));
	if (mprotect(p, TRAMPOLINE_SIZE, PROT_READ | PROT_EXEC) < 0) {
		printf("setup: mprotect: %s\n", strerror(errno));
		return NULL;
	}
	return (stub_fn)p;
}

#endif
