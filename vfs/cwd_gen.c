// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/cwd_gen.c - the working-directory generation of an overlay (see
 * vfs.h for the contract).
 *
 * A relative path is walked from the virtual cwd, which the shim got
 * from getcwd and vfs_reverse at every call: git status made one getcwd
 * per file it checked.  A thread may keep its virtual cwd while no
 * working directory in the session has changed since: a counter in the
 * overlay's epoch page (upper_negs.c maps it), bumped after every change.
 *
 * Who changes a working directory, and bumps:
 * - the shim, after its own chdir or fchdir (vfs_cwd_moved);
 * - a supervisor, for a chdir or fchdir it was notified of.  When it lets
 *   the kernel make it (CONTINUE), the change happens after its reply, so
 *   the thread is "moving" from before the reply until the thread's next
 *   call proves the first one done: its next notification
 *   (vfs_cwd_arrived) or its shim (vfs_cwd_moved).  While a thread is
 *   moving, nothing is kept (vfs_cwd_steady).
 * Begin and end bump the counter, so a reader that read the counter
 * before either sees a change (the pattern of vfs_upper_change_begin).
 * A moving thread that dies before its next call keeps the count up
 * until a supervisor reclaims its slot (vfs_cwd_reclaim): slower, not
 * wrong.  So does a mover that found no free slot, until a session
 * starts alone on the overlay (vfs_cwd_reset_file).  Other sessions of the
 * overlay share the counter: their changes only make a kept cwd be read again.
 *
 * The page also counts the supervisors that hold a record of an emulated
 * working directory (loader/sys_cwd.c: a chdir made past the shim into a
 * directory the host lacks), which a starting shim must take over
 * (intercept/shim.c, cwd_adopt); zero, the usual count, spares it the
 * question.  A killed supervisor's count stays until a session starts
 * alone: a question per exec meanwhile, not a wrong answer.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>

#include "../common/mapguard.h"
#include "../common/sys.h"
#include "vfs_internal.h"

#define CWD_OFFSET 64 /* a cache line of its own, after the name epoch */
#define CWD_TIDS 32

struct cwd_page {
	uint64_t gen;
	uint32_t busy;	       /* threads moving */
	int32_t tid[CWD_TIDS]; /* which; 0: free */
	uint32_t emulating;    /* supervisors holding an emulated cwd */
};

static struct cwd_page *page_of(uint64_t *epoch)
{
	return epoch ? (struct cwd_page *)((char *)epoch + CWD_OFFSET) : NULL;
}

/* None once the epoch file was truncated under this process
 * (mapguard.h): nothing is kept. */
static struct cwd_page *page(const struct vfs *vfs)
{
	return appv_guard_tripped() ? NULL : page_of(vfs->epoch);
}

bool vfs_cwd_gen(const struct vfs *vfs, uint64_t *gen)
{
	const struct cwd_page *p = page(vfs);

	if (!p)
		return false;
	*gen = __atomic_load_n(&p->gen, __ATOMIC_SEQ_CST);
	return true;
}

bool vfs_cwd_steady(const struct vfs *vfs, uint64_t gen)
{
	const struct cwd_page *p = page(vfs);

	return p && !__atomic_load_n(&p->busy, __ATOMIC_SEQ_CST) &&
	       __atomic_load_n(&p->gen, __ATOMIC_SEQ_CST) == gen;
}

static void bump(struct cwd_page *p)
{
	__atomic_add_fetch(&p->gen, 1, __ATOMIC_SEQ_CST);
}

void vfs_cwd_bump(const struct vfs *vfs)
{
	struct cwd_page *p = page(vfs);

	if (p)
		bump(p);
}

bool vfs_cwd_emulated(const struct vfs *vfs)
{
	const struct cwd_page *p = page(vfs);

	/* Without the page, nothing says there is none. */
	return !p || __atomic_load_n(&p->emulating, __ATOMIC_SEQ_CST);
}

void vfs_cwd_emulating(const struct vfs *vfs, bool on)
{
	struct cwd_page *p = page(vfs);

	if (!p)
		return;
	if (on)
		__atomic_add_fetch(&p->emulating, 1, __ATOMIC_SEQ_CST);
	else
		appv_atomic_sub_floor(&p->emulating, 1);
}

static bool claim(struct cwd_page *p, pid_t tid)
{
	for (int i = 0; i < CWD_TIDS; i++) {
		int32_t free_slot = 0;

		if (__atomic_compare_exchange_n(&p->tid[i], &free_slot, tid,
						false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return true;
	}
	return false;
}

void vfs_cwd_moving(const struct vfs *vfs, pid_t tid, bool (*gone)(pid_t))
{
	struct cwd_page *p = page(vfs);

	if (!p)
		return;
	/* Without a free slot, even after the dead threads' are reclaimed,
	 * the count stays up for good (nothing is kept any more). */
	if (!claim(p, tid)) {
		vfs_cwd_reclaim(vfs, gone);
		claim(p, tid);
	}
	__atomic_add_fetch(&p->busy, 1, __ATOMIC_SEQ_CST);
	bump(p);
}

/* Ends the move of the slot's thread @tid, when it is still there. */
static void end_slot(struct cwd_page *p, int i, int32_t tid)
{
	if (!__atomic_compare_exchange_n(&p->tid[i], &tid, 0, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return;
	bump(p);
	appv_atomic_sub_floor(&p->busy, 1);
}

void vfs_cwd_arrived(const struct vfs *vfs, pid_t tid)
{
	struct cwd_page *p = page(vfs);

	if (!p || !__atomic_load_n(&p->busy, __ATOMIC_SEQ_CST))
		return;
	for (int i = 0; i < CWD_TIDS; i++)
		if (__atomic_load_n(&p->tid[i], __ATOMIC_SEQ_CST) == tid)
			end_slot(p, i, tid);
}

void vfs_cwd_settle(const struct vfs *vfs)
{
	const struct cwd_page *p = page(vfs);

	if (p && __atomic_load_n(&p->busy, __ATOMIC_SEQ_CST))
		vfs_cwd_arrived(vfs,
				(pid_t)APPV_SYS(SYS_gettid, 0, 0, 0, 0, 0, 0));
}

void vfs_cwd_moved(const struct vfs *vfs)
{
	struct cwd_page *p = page(vfs);

	if (!p)
		return;
	vfs_cwd_settle(vfs);
	bump(p);
}

void vfs_cwd_reclaim(const struct vfs *vfs, bool (*gone)(pid_t tid))
{
	struct cwd_page *p = page(vfs);

	if (!p || !__atomic_load_n(&p->busy, __ATOMIC_SEQ_CST))
		return;
	for (int i = 0; i < CWD_TIDS; i++) {
		int32_t tid = __atomic_load_n(&p->tid[i], __ATOMIC_SEQ_CST);

		if (tid && gone(tid))
			end_slot(p, i, tid);
	}
}

#ifndef APPV_SHIM
int vfs_cwd_reset_file(const char *upper)
{
	uint64_t *epoch = vfs_epoch_map(upper, strlen(upper), false);
	struct cwd_page *p = page_of(epoch);

	if (!p)
		return -ENOENT; /* made anew when mapped */
	for (int i = 0; i < CWD_TIDS; i++)
		__atomic_store_n(&p->tid[i], 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&p->busy, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&p->emulating, 0, __ATOMIC_SEQ_CST);
	bump(p);
	vfs_epoch_unmap(epoch);
	return 0;
}
#endif
