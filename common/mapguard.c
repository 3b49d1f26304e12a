// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * common/mapguard.c - file mappings that outlive a truncation of their
 * file (see mapguard.h for the contract).
 *
 * The table is read by the signal handler without a lock: a slot is
 * filled (length, then address) only while its address is 0, and the
 * handler takes a slot only when its address reads the same before and
 * after the length.  A faulting access is to a mapping in use, whose slot
 * stands still; a mapping released meanwhile (a caller's bug) is not
 * replaced unless its slot still holds it.
 */
#ifndef APPV_SHIM
#include "mapguard.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#define GUARD_SLOTS 64

struct guard_slot {
	uintptr_t addr; /* 0: free */
	size_t len;
};

static struct guard_slot slots[GUARD_SLOTS];
static int tripped, said;
static struct sigaction old_bus;

static bool replace(uintptr_t fault)
{
	for (int i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t a = __atomic_load_n(&slots[i].addr, __ATOMIC_ACQUIRE);
		size_t len = __atomic_load_n(&slots[i].len, __ATOMIC_ACQUIRE);
		void *p;

		if (a < 4096 || fault - a >= len ||
		    __atomic_load_n(&slots[i].addr, __ATOMIC_ACQUIRE) != a)
			continue;
		/* Zeros: a fresh file's content, which every reader takes
		 * for "nothing known". */
		p = appv_mmap((void *)a, len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p != (void *)a)
			return false;
		__atomic_store_n(&tripped, 1, __ATOMIC_SEQ_CST);
		return true;
	}
	return false;
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	static const char msg[] =
	    "appv: a file appv had mapped was truncated under it (by another "
	    "session?): going on without its shared caches\n";

	/* A page past the end of its file (BUS_ADRERR), not a kill(2),
	 * whose si_addr is no address. */
	if (si->si_code == BUS_ADRERR && replace((uintptr_t)si->si_addr)) {
		if (!__atomic_exchange_n(&said, 1, __ATOMIC_SEQ_CST))
			(void)!APPV_SYS(SYS_write, 2, msg, sizeof(msg) - 1, 0,
					0, 0);
		return; /* the access is made again, on the new memory */
	}
	/* Not ours: as before the handler (the access faults again). */
	if (old_bus.sa_flags & SA_SIGINFO) {
		old_bus.sa_sigaction(sig, si, uc);
		return;
	}
	if (old_bus.sa_handler != SIG_DFL && old_bus.sa_handler != SIG_IGN) {
		old_bus.sa_handler(sig);
		return;
	}
	/* A signal sent (kill -BUS, si_code <= 0) is not sent again on
	 * return, as a fault is made again: it was swallowed. */
	if (si->si_code <= 0 && old_bus.sa_handler == SIG_IGN)
		return;
	signal(SIGBUS, SIG_DFL);
	if (si->si_code <= 0)
		raise(SIGBUS); /* delivered (blocked here) on return */
}

int appv_guard_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGBUS, &sa, &old_bus) < 0 ? -errno : 0;
}

void *appv_guard_mmap(size_t len, int prot, int flags, int fd)
{
	void *p = appv_mmap(NULL, len, prot, flags, fd, 0);

	if (appv_mmap_failed(p) || !len)
		return p;
	for (int i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t none = 0;

		/* Claimed with an address no mapping has (the handler skips
		 * the first page), so that it skips the slot until both
		 * fields are set. */
		if (!__atomic_compare_exchange_n(&slots[i].addr, &none, 1,
						 false, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&slots[i].len, len, __ATOMIC_RELEASE);
		__atomic_store_n(&slots[i].addr, (uintptr_t)p,
				 __ATOMIC_RELEASE);
		break;
	}
	return p;
}

int appv_guard_munmap(void *p, size_t len)
{
	for (int i = 0; p && i < GUARD_SLOTS; i++)
		if (__atomic_load_n(&slots[i].addr, __ATOMIC_ACQUIRE) ==
		    (uintptr_t)p) {
			__atomic_store_n(&slots[i].addr, 0, __ATOMIC_RELEASE);
			break;
		}
	return appv_munmap(p, len);
}

bool appv_guard_tripped(void)
{
	return __atomic_load_n(&tripped, __ATOMIC_RELAXED) != 0;
}
#endif
