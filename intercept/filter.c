// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * intercept/filter.c - the seccomp program of a session.
 *
 * libseccomp builds the syscall policy (the table from loader/syscalls.c
 * plus the fixed refusals below); it cannot express instruction-pointer
 * conditions, so in fast mode a hand-written prefix is put in front of its
 * exported programs, the shim's policy (SHIM) and the one without the shim
 * (NOSHIM):
 *
 *	ld  arch;  jeq X86_64 ? next : ja SHIM
 *	ld  nr
 *	jeq nr_1 ? IPCHECK : next  ...  jeq nr_k ? IPCHECK : next
 *	ja  SPLIT
 *	IPCHECK: ld ip_hi; jeq HI ? next : FAIL
 *		 ld ip_lo; jge LO ? next : FAIL; jge LO+SIZE ? FAIL : next
 *		 ret ALLOW
 *	FAIL:	 ja SPLIT
 *	SPLIT:	 ld nr
 *		 jeq d_1 ? LOW : next  ...  jeq d_m ? LOW : next
 *		 ja SHIM
 *	LOW:	 ld ip_hi; jge STATIC_IP_LIMIT ? SHIM : next
 *		 ja NOSHIM
 *	SHIM: (libseccomp, starts with its own arch check)
 *	NOSHIM: (libseccomp)
 *
 * nr_1..nr_k are the notified numbers and those on descriptors alone
 * (fstat); the trampoline page makes them without notification.  d_1..d_m
 * are the numbers on which the two policies differ (descriptor calls and
 * AT_EMPTY_PATH): the shim answers them in a dynamically linked program,
 * whose libc lies in the mmap area at the top of the address space, but a
 * static binary has no shim, so a call made from below STATIC_IP_LIMIT
 * (its text) gets the policy without the shim (the supervisor answers
 * fstat of a merged listing).
 *
 * Only those numbers reach the IP loads, so every other syscall keeps the
 * kernel's constant-action cache.  Conditional jumps are 8-bit, so the
 * numbers come in groups, each with its own IPCHECK block, and every long
 * jump is a `ja` (32-bit offset).  Both halves of the IP are compared:
 * checking the low 32 bits alone would exempt 0x1_7000_0000 too.
 */
#include "filter.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include "../common/sys.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/* How many syscall numbers share one IPCHECK block; keeps every
 * conditional jump of a group well below 255. */
#define GROUP_MAX 128
#define IPCHECK_LEN 7

/* Namespace flags clone/unshare may not carry. */
static const unsigned long ns_flags[] = {
	CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,    CLONE_NEWNET,
	CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME,
};

/* Refused outright: calls that would escape the model.  The errno is the
 * one a program meets on an ordinary unprivileged system (EPERM), or
 * ENOSYS where that is what makes programs fall back (io_uring, clone3). */
static const struct {
	int nr;
	int err;
} refused[] = {
	{ 435 /* clone3 */, ENOSYS },
	{ 425 /* io_uring_setup */, ENOSYS },
	{ 426 /* io_uring_enter */, ENOSYS },
	{ 427 /* io_uring_register */, ENOSYS },
	{ SYS_setns, EPERM },
	{ 323 /* userfaultfd */, EPERM },
	{ SYS_bpf, EPERM },
	{ SYS_fanotify_init, EPERM },
	{ SYS_open_by_handle_at, EPERM },
	{ SYS_name_to_handle_at, EOPNOTSUPP },
	{ SYS_mount, EPERM },
	{ SYS_umount2, EPERM },
	{ SYS_pivot_root, EPERM },
	{ SYS_chroot, EPERM },
	{ 428 /* open_tree */, EPERM },
	{ 429 /* move_mount */, EPERM },
	{ 430 /* fsopen */, EPERM },
	{ 431 /* fsconfig */, EPERM },
	{ 432 /* fsmount */, EPERM },
	{ 433 /* fspick */, EPERM },
	{ 442 /* mount_setattr */, EPERM },
	{ SYS_kexec_load, EPERM },
	{ 320 /* kexec_file_load */, EPERM },
	{ SYS_init_module, EPERM },
	{ SYS_finit_module, EPERM },
	{ SYS_delete_module, EPERM },
};

static bool in_table(const struct appv_sc_desc *t, size_t n, int nr)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].nr == nr)
			return true;
	return false;
}

/*
 * A NOTIFY entry.  A NULL path pointer never names a file (utimensat(fd,
 * NULL, ...) works on the fd, anything else fails with EFAULT), so it is
 * allowed in both programs.  AT_EMPTY_PATH is allowed in the shim's only:
 * there the shim answers for descriptors (a stat of a merged listing);
 * without it the supervisor must, and in strict mode a program could also
 * use the flag (ignored with a non-empty path) to skip the supervisor.
 */
static int add_notify(scmp_filter_ctx ctx, const struct appv_sc_desc *d,
		      bool no_shim)
{
	struct scmp_arg_cmp cmp[2];
	unsigned int nc = 0;

	/* One rule per condition, OR'ed.  A 32-bit argument (ioctl's
	 * request, a pid) is compared under a mask: libseccomp 2.5's
	 * SCMP_A1_32 compares all 64 bits to the zero-extended value, and
	 * junk in the high half, which the kernel drops, would pass. */
	for (const struct appv_sc_when *w = d->when; w && w->mask; w++) {
		struct scmp_arg_cmp c =
		    w->ne ? SCMP_CMP64(w->arg, SCMP_CMP_NE, w->value)
			  : SCMP_CMP64(w->arg, SCMP_CMP_MASKED_EQ, w->mask,
				       w->value);
		int r;

		if (w->ne && w->mask != ~0ULL)
			return -EINVAL; /* BPF has no masked "not equal" */
		r = seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, d->nr, 1, &c);
		if (r < 0 || !w[1].mask)
			return r;
	}

	if (d->path_arg >= 0 && d->path_arg < 6)
		cmp[nc++] = SCMP_CMP64((unsigned)d->path_arg, SCMP_CMP_NE, 0);
	if (!no_shim && d->empty_path_flags_arg >= 0 &&
	    d->empty_path_flags_arg < 6)
		cmp[nc++] = SCMP_CMP64((unsigned)d->empty_path_flags_arg,
				       SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0);
	return seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, d->nr, nc, cmp);
}

static int add_table(scmp_filter_ctx ctx, const struct appv_sc_desc *t,
		     size_t n, bool no_shim)
{
	for (size_t i = 0; i < n; i++) {
		int r;

		if (t[i].nr < 0 || in_table(t, i, t[i].nr))
			return -EINVAL;
		if (t[i].action == APPV_SC_NOTIFY && t[i].fd_only && !no_shim)
			r = 0; /* the shim answers it */
		else if (t[i].action == APPV_SC_NOTIFY)
			r = add_notify(ctx, &t[i], no_shim);
		else if (t[i].action == APPV_SC_ERRNO)
			r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(t[i].err),
					     t[i].nr, 0);
		else
			r = -EINVAL;
		if (r < 0)
			return r;
	}
	return 0;
}

/* personality(x): only the query (0xffffffff) and PER_LINUX (0) pass.
 * libseccomp allows one comparison per argument and rule, so "x is
 * neither all zeros nor all ones" is written as "some bit i is 1 and bit
 * i+1 (cyclically) is 0": 32 masked comparisons, OR'ed. */
static int add_personality(scmp_filter_ctx ctx)
{
	for (unsigned int i = 0; i < 32; i++) {
		uint32_t one = 1u << i, zero = 1u << ((i + 1) % 32);
		int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
					 SCMP_SYS(personality), 1,
					 SCMP_A0_32(SCMP_CMP_MASKED_EQ,
						    one | zero, one));
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_namespaces(scmp_filter_ctx ctx, int nr)
{
	for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
		int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
					 SCMP_A0_64(SCMP_CMP_MASKED_EQ,
						    ns_flags[i], ns_flags[i]));
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_fixed(scmp_filter_ctx ctx, const struct appv_sc_desc *t,
		     size_t n)
{
	int r = 0;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (in_table(t, n, refused[i].nr))
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(refused[i].err),
				     refused[i].nr, 0);
		if (r < 0)
			return r;
	}
	if (!in_table(t, n, SYS_clone))
		r = add_namespaces(ctx, SYS_clone);
	if (!r && !in_table(t, n, SYS_unshare))
		r = add_namespaces(ctx, SYS_unshare);
	if (!r && !in_table(t, n, SYS_personality))
		r = add_personality(ctx);
	/* prctl(PR_SET_DUMPABLE, 0) (gpg-agent, ssh-agent) would make the
	 * process's memory unreadable to an unprivileged supervisor, and
	 * every later call it must read (a path) fail with EPERM: it returns
	 * 0 without effect (PR_GET_DUMPABLE still answers 1). */
	if (!r && !in_table(t, n, SYS_prctl))
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(0), SYS_prctl, 2,
				     SCMP_A0_64(SCMP_CMP_EQ, PR_SET_DUMPABLE),
				     SCMP_A1_64(SCMP_CMP_EQ, 0));
	/* A listener of its own would let the application answer its own
	 * notifications ahead of ours; ordinary filters (browsers' sandboxes)
	 * stay allowed. */
	if (!r && !in_table(t, n, SYS_seccomp))
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SYS_seccomp, 2,
				     SCMP_A0_64(SCMP_CMP_EQ,
						SECCOMP_SET_MODE_FILTER),
				     SCMP_A1_64(SCMP_CMP_MASKED_EQ,
						SECCOMP_FILTER_FLAG_NEW_LISTENER,
						SECCOMP_FILTER_FLAG_NEW_LISTENER));
	return r;
}

/* libseccomp 2.5.4 has no seccomp_export_bpf_mem: export to a memfd. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **out,
		      size_t *len)
{
	int fd = (int)syscall(SYS_memfd_create, "appv-filter", MFD_CLOEXEC);
	struct sock_filter *f;
	off_t size;
	int r;

	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		goto out;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(*f) ||
	    size / (off_t)sizeof(*f) > BPF_MAXINSNS) {
		r = size < 0 ? -errno : -E2BIG;
		goto out;
	}
	f = malloc((size_t)size);
	r = f ? (int)pread(fd, f, (size_t)size, 0) : -ENOMEM;
	if (r >= 0 && r != size) {
		free(f);
		r = r < 0 ? -errno : -EIO;
		goto out;
	}
	if (r < 0)
		goto out;
	*out = f;
	*len = (size_t)size / sizeof(*f);
	r = 0;
out:
	close(fd);
	return r;
}

static int build_policy(const struct appv_sc_desc *t, size_t n, bool no_shim,
			struct sock_filter **out, size_t *len)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r;

	if (!ctx)
		return -ENOMEM;
	/* i386 (int 0x80) and x32 calls would bypass every rule keyed on
	 * x86-64 numbers: refuse them with ENOSYS, as a kernel without
	 * IA32 emulation does. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
			     SCMP_ACT_ERRNO(ENOSYS));
	/* A binary tree of syscall numbers: the kernel emulates the program
	 * for every number when it loads it (its action cache), which the
	 * priority-ordered chain made cost 390 us per session here. */
	if (!r)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (!r)
		r = add_table(ctx, t, n, no_shim);
	if (!r)
		r = add_fixed(ctx, t, n);
	if (!r)
		r = export_bpf(ctx, out, len);
	seccomp_release(ctx);
	return r;
}

/* The policies differ on a NOTIFY entry that the shim answers: a call on
 * a descriptor alone, or one with an AT_EMPTY_PATH flag. */
static bool shim_answers(const struct appv_sc_desc *d)
{
	return d->action == APPV_SC_NOTIFY &&
	       (d->fd_only ||
		(d->empty_path_flags_arg >= 0 && d->empty_path_flags_arg < 6));
}

/* De-duplicated numbers of the notified entries (@split: only those the
 * shim answers). */
static size_t numbers(const struct appv_sc_desc *t, size_t n, bool split,
		      uint32_t *nrs)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (t[i].action != APPV_SC_NOTIFY ||
		    (split && !shim_answers(&t[i])))
			continue;
		for (j = 0; j < k && nrs[j] != (uint32_t)t[i].nr; j++)
			;
		if (j == k)
			nrs[k++] = (uint32_t)t[i].nr;
	}
	return k;
}

static size_t groups_len(size_t k)
{
	size_t groups = (k + GROUP_MAX - 1) / GROUP_MAX;

	/* per group: jeqs, ja, IPCHECK. */
	return k + groups * (1 + IPCHECK_LEN);
}

/* SPLIT and LOW: ld nr, m jeqs, ja SHIM; ld ip_hi, jge, ja NOSHIM (none
 * when the policies do not differ). */
#define SPLIT_LEN(m) ((m) ? (m) + 5 : 0)

#define STMT(c, kk) ((struct sock_filter)BPF_STMT((c), (kk)))
#define JUMP(c, kk, t, f) ((struct sock_filter)BPF_JUMP((c), (kk), (t), (f)))
#define DATA_OFF(m) ((uint32_t)offsetof(struct seccomp_data, m))

/* One group of the trampoline check; a call from elsewhere goes on at
 * @fail (SPLIT). */
static void emit_group(struct sock_filter *p, size_t *pc, size_t fail,
		       const uint32_t *nrs, size_t g)
{
	const uint32_t lo = (uint32_t)APPV_TRAMPOLINE_ADDR;
	const uint32_t hi = (uint32_t)(APPV_TRAMPOLINE_ADDR >> 32);
	size_t i = *pc;

	for (size_t j = 0; j < g; j++, i++)
		p[i] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, nrs[j],
			    (uint8_t)(g - j), 0);
	p[i] = STMT(BPF_JMP | BPF_JA, IPCHECK_LEN), i++;
	/* IPCHECK; FAIL is at i + 6. */
	p[i++] = STMT(BPF_LD | BPF_W | BPF_ABS,
		      DATA_OFF(instruction_pointer) + 4);
	p[i] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, hi, 0, 4), i++;
	p[i++] = STMT(BPF_LD | BPF_W | BPF_ABS, DATA_OFF(instruction_pointer));
	p[i] = JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 2), i++;
	p[i] = JUMP(BPF_JMP | BPF_JGE | BPF_K,
		    lo + (uint32_t)APPV_TRAMPOLINE_SIZE, 1, 0), i++;
	p[i++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	p[i] = STMT(BPF_JMP | BPF_JA, (uint32_t)(fail - i - 1)), i++;
	/* No match in this group jumps over the block with A still == nr,
	 * into the next group's first jeq (or SPLIT). */
	*pc = i;
}

/* The prefix (see the top of this file); SHIM starts right after it,
 * NOSHIM @shim_len instructions later. */
static size_t emit_prefix(struct sock_filter *p, const uint32_t *nrs, size_t k,
			  const uint32_t *split, size_t m, size_t shim_len)
{
	size_t split_at = 4 + groups_len(k), total = split_at + SPLIT_LEN(m);
	size_t pc = 0;

	p[pc++] = STMT(BPF_LD | BPF_W | BPF_ABS, DATA_OFF(arch));
	p[pc++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	p[pc] = STMT(BPF_JMP | BPF_JA, (uint32_t)(total - pc - 1)), pc++;
	p[pc++] = STMT(BPF_LD | BPF_W | BPF_ABS, DATA_OFF(nr));
	for (size_t done = 0; done < k; done += GROUP_MAX) {
		size_t g = k - done < GROUP_MAX ? k - done : GROUP_MAX;

		emit_group(p, &pc, split_at, nrs + done, g);
	}
	if (!m)
		return pc;
	/* SPLIT */
	p[pc++] = STMT(BPF_LD | BPF_W | BPF_ABS, DATA_OFF(nr));
	for (size_t j = 0; j < m; j++, pc++)
		p[pc] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, split[j],
			     (uint8_t)(m - j), 0);
	p[pc] = STMT(BPF_JMP | BPF_JA, 3), pc++;
	/* LOW */
	p[pc++] =
	    STMT(BPF_LD | BPF_W | BPF_ABS, DATA_OFF(instruction_pointer) + 4);
	p[pc] = JUMP(BPF_JMP | BPF_JGE | BPF_K,
		     (uint32_t)(APPV_STATIC_IP_LIMIT >> 32), 1, 0),
	pc++;
	p[pc] = STMT(BPF_JMP | BPF_JA, (uint32_t)shim_len), pc++;
	return pc;
}

int appv_filter_build(const struct appv_sc_desc *table, size_t n,
		      const struct appv_filter_opts *opts,
		      struct sock_fprog *prog)
{
	bool no_shim = opts && opts->no_shim;
	struct sock_filter *policy = NULL, *noshim = NULL, *all = NULL;
	struct appv_sc_desc *scoped = NULL;
	uint32_t *nrs = NULL, *split;
	size_t plen = 0, nlen = 0, k = 0, m = 0, pre = 0;
	int r;

	if (opts && opts->signals_scoped) {
		size_t j = 0;

		scoped = calloc(n ? n : 1, sizeof(*scoped));
		if (!scoped)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			if (!table[i].unscoped_only)
				scoped[j++] = table[i];
		table = scoped, n = j;
	}
	r = build_policy(table, n, no_shim, &policy, &plen);
	if (r < 0)
		return r;
	r = -ENOMEM;
	nrs = calloc(2 * (n ? n : 1), sizeof(*nrs));
	if (!nrs)
		goto out;
	split = nrs + (n ? n : 1);
	if (!no_shim) {
		k = numbers(table, n, false, nrs);
		m = numbers(table, n, true, split);
	}
	if (m > 200) {
		r = -E2BIG; /* SPLIT's conditional jumps are 8-bit */
		goto out;
	}
	if (m) {
		r = build_policy(table, n, true, &noshim, &nlen);
		if (r < 0)
			goto out;
	}
	if (k)
		pre = 4 + groups_len(k) + SPLIT_LEN(m);
	r = -E2BIG;
	if (pre + plen + nlen > BPF_MAXINSNS)
		goto out;
	r = -ENOMEM;
	all = malloc((pre + plen + nlen) * sizeof(*all));
	if (!all)
		goto out;
	if (k)
		emit_prefix(all, nrs, k, split, m, plen);
	memcpy(all + pre, policy, plen * sizeof(*all));
	if (nlen)
		memcpy(all + pre + plen, noshim, nlen * sizeof(*all));
	prog->filter = all;
	prog->len = (unsigned short)(pre + plen + nlen);
	r = 0;
out:
	free(nrs);
	free(policy);
	free(noshim);
	free(scoped);
	return r;
}

/* ---- the build-time program ---- */

/* Defined by the generated source ($(BUILD)/gen/filter_prog.c) in appv and
 * the unit tests; absent in the generator, which builds with libseccomp. */
extern const struct appv_filter_prebuilt appv_filter_prebuilt
	__attribute__((weak));

static uint64_t fnv(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8) {
		h ^= v & 0xff;
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t appv_filter_fingerprint(const struct appv_sc_desc *table, size_t n,
				 const struct appv_filter_opts *opts)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = fnv(h, opts && opts->no_shim);
	h = fnv(h, opts && opts->signals_scoped);
	h = fnv(h, AUDIT_ARCH_X86_64);
	h = fnv(h, APPV_TRAMPOLINE_ADDR);
	h = fnv(h, APPV_TRAMPOLINE_SIZE);
	h = fnv(h, APPV_STATIC_IP_LIMIT);
	h = fnv(h, GROUP_MAX);
	h = fnv(h, n);
	for (size_t i = 0; i < n; i++) {
		h = fnv(h, (uint64_t)(int64_t)table[i].nr);
		h = fnv(h, table[i].action);
		h = fnv(h, (uint64_t)(int64_t)table[i].err);
		h = fnv(h, (uint64_t)(int64_t)table[i].path_arg);
		h = fnv(h, (uint64_t)(int64_t)table[i].empty_path_flags_arg);
		h = fnv(h, table[i].fd_only);
		h = fnv(h, table[i].unscoped_only);
		for (const struct appv_sc_when *w = table[i].when; w && w->mask;
		     w++) {
			h = fnv(h, w->arg | (uint64_t)w->ne << 8);
			h = fnv(h, w->mask);
			h = fnv(h, w->value);
		}
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		h = fnv(h, (uint64_t)(int64_t)refused[i].nr);
		h = fnv(h, (uint64_t)(int64_t)refused[i].err);
	}
	for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++)
		h = fnv(h, ns_flags[i]);
	h = fnv(h, PR_SET_DUMPABLE);
	return h;
}

int appv_filter_prebuilt_get(const struct appv_sc_desc *table, size_t n,
			     const struct appv_filter_opts *opts,
			     struct sock_fprog *prog)
{
	const struct appv_filter_prebuilt *pb = &appv_filter_prebuilt;
	int m = appv_filter_prebuilt_index(opts);

	if (!pb || !pb->prog[m] || !pb->len[m] ||
	    pb->fingerprint[m] != appv_filter_fingerprint(table, n, opts))
		return -ENOENT;
	/* The kernel copies the program and never writes through it. */
	prog->filter = (struct sock_filter *)pb->prog[m];
	prog->len = pb->len[m];
	return 0;
}

static int load(const struct sock_fprog *prog, unsigned long flags)
{
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);

	return r < 0 ? -errno : (int)r;
}

bool appv_filter_killable_recv(void)
{
	const char *v = getenv("APPV_SECCOMP_KILLABLE");

	/* APPV_SECCOMP_KILLABLE=0 loads no WAIT_KILLABLE_RECV: how a kernel
	 * before 5.19 runs (tests).  Otherwise the kernel says: its flag
	 * check comes before the copy of the program, so a known flag meets
	 * EFAULT for none, an unknown one EINVAL - and nothing is loaded. */
	if (v && !strcmp(v, "0"))
		return false;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		       SECCOMP_FILTER_FLAG_NEW_LISTENER |
			   SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
		       NULL) < 0 &&
	       errno == EFAULT;
}

int appv_filter_install(const struct appv_sc_desc *table, size_t n,
			const struct appv_filter_opts *opts)
{
	struct sock_fprog prog;
	bool built = false;
	int r = appv_filter_prebuilt_get(table, n, opts, &prog);

	if (r < 0) {
		r = appv_filter_build(table, n, opts, &prog);
		if (r < 0)
			return r;
		built = true;
	}
	/* WAIT_KILLABLE_RECV (5.19): once the supervisor has received a
	 * notification, only a fatal signal interrupts the wait, so Go's
	 * SIGURG preemption cannot livelock a slow handler. */
	r = appv_filter_killable_recv()
		? load(&prog, SECCOMP_FILTER_FLAG_NEW_LISTENER |
				  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
		: -EINVAL;
	if (r == -EINVAL)
		r = load(&prog, SECCOMP_FILTER_FLAG_NEW_LISTENER);
	if (built)
		free(prog.filter);
	return r;
}
