/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * intercept/filter.h - the seccomp filter: libseccomp for the syscall
 * policy, a hand-written prefix that exempts the shim's trampoline page by
 * instruction pointer (fast mode only), loaded with NEW_LISTENER and
 * WAIT_KILLABLE_RECV.  The policy comes from one declarative table
 * (loader/syscalls.c).
 */
#ifndef APPV_INTERCEPT_FILTER_H
#define APPV_INTERCEPT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

/* The trampoline page: fixed address, same in every image (rr uses it). */
#define APPV_TRAMPOLINE_ADDR 0x70000000UL
#define APPV_TRAMPOLINE_SIZE 4096UL

/*
 * Calls on descriptors (fstat, getdents64, AT_EMPTY_PATH) made from below
 * this address get the policy without the shim (filter.c).  Above it lies
 * the mmap area, where a dynamically linked program's libc and the shim
 * are: its base is at least 0x7fff_ffff_f000 - 128 MiB - 16 TiB (the
 * largest mmap_rnd_bits), while a static executable (ET_EXEC) is loaded
 * at its link address, 0x4000_00.  With an unlimited stack rlimit (the
 * legacy layout) libraries lie low too: their calls are then answered by
 * the supervisor, correct but a round trip each.  Not told apart: a
 * static-pie executable (ET_DYN without PT_INTERP) is a "loader" to the
 * kernel, mapped in the mmap area like ld.so (binfmt_elf.c, since Linux
 * 4.13; only its brk goes to ELF_ET_DYN_BASE), so it keeps the shim's
 * policy (README, known limits).
 */
#define APPV_STATIC_IP_LIMIT 0x680000000000UL

enum appv_sc_action {
	APPV_SC_NOTIFY = 1, /* send to the supervisor */
	APPV_SC_ERRNO,	    /* refuse with @err */
};

struct appv_sc_call; /* the supervisor's per-notification context (loader/) */

/* A condition on one argument: (args[arg] & mask) == value, or with @ne
 * set, != value.  A list ends with an entry whose mask is 0. */
struct appv_sc_when {
	unsigned char arg;
	bool ne;
	uint64_t mask;
	uint64_t value;
};

struct appv_sc_desc {
	const char *name;
	int nr;
	enum appv_sc_action action;
	int err;	  /* APPV_SC_ERRNO: the errno */
	int path_arg;	  /* index of the path pointer; a NULL pointer there is
			     allowed in BPF (futimens-style); -1 when none */
	int empty_path_flags_arg; /* index of a flags arg where AT_EMPTY_PATH
				     means "operate on the fd": allowed in BPF
				     with the shim; -1 when none */
	bool fd_only;	  /* takes a descriptor only (fstat): notified only
			     without the shim */
	/* Notified only when one of these holds (NULL: always) */
	const struct appv_sc_when *when;
	/* A signal call: not notified where Landlock keeps signals in the
	 * session itself (appv_filter_opts.signals_scoped) */
	bool unscoped_only;
	/* APPV_SC_NOTIFY: the supervisor's handler (loader/sys_*.c); returns
	 * the outcome (loader/supervisor_internal.h).  Not used by the
	 * filter builder. */
	long (*handler)(struct appv_sc_call *call);
};

struct appv_filter_opts {
	/* No process has the shim (--no-shim, strict mode): no trampoline
	 * exemption, and calls on descriptors (AT_EMPTY_PATH, fstat) are
	 * notified too - the supervisor answers a merged listing's stat. */
	bool no_shim;
	/* Landlock (ABI 6) keeps the session's signals in it: the table's
	 * unscoped_only entries are left out. */
	bool signals_scoped;
};

/* Build the combined program.  @prog->filter is malloc'ed; free it. */
int appv_filter_build(const struct appv_sc_desc *table, size_t n,
		      const struct appv_filter_opts *opts,
		      struct sock_fprog *prog);

/*
 * Programs generated at build time (intercept/filter_gen.c writes them as C
 * source from loader/syscalls.c), so a run loads a constant array instead
 * of calling libseccomp.  Index: no_shim + 2 * signals_scoped (0 with the
 * shim, 1 without; 2 and 3 the same with signals scoped).  Each carries the
 * fingerprint (appv_filter_fingerprint) of what it was generated from; a
 * binary without them (the generator itself) leaves the weak symbol NULL.
 */
#define APPV_FILTER_PREBUILT 4
struct appv_filter_prebuilt {
	uint64_t fingerprint[APPV_FILTER_PREBUILT];
	const struct sock_filter *prog[APPV_FILTER_PREBUILT];
	unsigned short len[APPV_FILTER_PREBUILT];
};
static inline int appv_filter_prebuilt_index(const struct appv_filter_opts *o)
{
	return o ? (o->no_shim ? 1 : 0) + (o->signals_scoped ? 2 : 0) : 0;
}

/* FNV-1a over everything the program depends on: the table's numbers,
 * actions, errnos and argument indexes, the fixed refusals, the mode, the
 * audit arch and the trampoline page.  Pure; no allocation. */
uint64_t appv_filter_fingerprint(const struct appv_sc_desc *table, size_t n,
				 const struct appv_filter_opts *opts);

/* The build-time program for (@table, @opts) when this binary carries one
 * with the same fingerprint: 0 and @prog pointing at read-only data (do
 * not free), else -ENOENT. */
int appv_filter_prebuilt_get(const struct appv_sc_desc *table, size_t n,
			     const struct appv_filter_opts *opts,
			     struct sock_fprog *prog);

/* Whether appv_filter_install loads WAIT_KILLABLE_RECV: the kernel has it
 * (5.19), and APPV_SECCOMP_KILLABLE=0 does not say to run as before. */
bool appv_filter_killable_recv(void);

/* In the (single-threaded) child: load the filter (the build-time program
 * when it matches, else built now with libseccomp) with
 * NEW_LISTENER | WAIT_KILLABLE_RECV (falling back without the latter
 * where the kernel lacks it).  no_new_privs must already be set.
 * Returns the listener fd or -errno. */
int appv_filter_install(const struct appv_sc_desc *table, size_t n,
			const struct appv_filter_opts *opts);

#endif
