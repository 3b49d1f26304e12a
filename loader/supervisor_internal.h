/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * loader/supervisor_internal.h - shared by the supervisor's loop
 * (supervisor.c), target memory access (target.c) and the per-syscall
 * handlers (sys_*.c).  Not a public interface.
 *
 * Trust boundary: everything read from a target (paths, buffers, registers
 * via /proc) is hostile.  Reads are capped and NUL-checked, and after reading
 * the notification id is re-validated (SECCOMP_IOCTL_NOTIF_ID_VALID) before
 * anything is done with it: the target may have died and its pid been
 * reused.
 */
#ifndef APPV_LOADER_SUPERVISOR_INTERNAL_H
#define APPV_LOADER_SUPERVISOR_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <linux/seccomp.h>

#include "../common/sys.h"
#include "loader.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* Handler outcomes besides "reply this value" (>= 0) and "reply this
 * errno" (-4095..-1). */
#define SUP_CONTINUE (-100000L) /* let the kernel run the call as issued */
#define SUP_REPLIED (-100001L)	/* already answered (ADDFD + SEND) */

/* Per-process records (the exe and cwd tables) begin with this slot.  It
 * names the process by a pidfd as well: appv reaps only its own children,
 * so another descendant's exit (and a later process that reuses its pid)
 * shows only there. */
struct sup_slot {
	pid_t tgid; /* 0 = free */
	int pidfd;  /* @tgid's process (valid while tgid != 0) */
};

/* A table of records of @size bytes, each allocated zeroed on first use
 * (8 KiB) and never moved: a record stays valid until sup_table_release,
 * though it may be given to another process.  The array of pointers
 * starts at SUP_TABLE_FIRST and doubles up to SUP_SLOTS_MAX: records of
 * live processes are never taken to make room below that.  Lookups scan
 * the @hw records allocated so far. */
#define SUP_TABLE_FIRST 64
#define SUP_SLOTS_MAX 65536
struct sup_table {
	struct sup_slot **rec; /* @cap pointers, @hw of them allocated */
	size_t size;
	/* lets go what a record holds besides its slot (NULL: nothing) */
	void (*clear)(struct sup_slot *s);
	unsigned int hw, cap, next; /* @next: round robin at SUP_SLOTS_MAX */
};

/* Names of AF_UNIX sockets the supervisor bound (sys_net.c): the kernel
 * keeps "<run_dir>/k<id>/NAME", getsockname answers the app's own string. */
#define SUP_SOCK_SLOTS 1024
struct sup_sock {
	unsigned long id; /* 0 = free slot */
	char name[109];	  /* sun_path as the app passed it */
};

/* What a handler needs about the target of a program exec'd through a
 * package's own ELF interpreter: /proc/PID/exe is that ld.so, the program
 * is what the app must see. */
struct sup_exe {
	struct sup_slot slot;
	char real[PATH_MAX]; /* the ld.so actually running (real path) */
	char vexe[PATH_MAX]; /* the program's virtual path */
};

/* A virtual cwd the kernel could not be moved to (a directory with no host
 * twin, changed by a chdir the supervisor emulated): valid while the
 * process's real cwd is still @real.  An upper directory is held open
 * (@dir1) so that @vcwd follows it when any session of the overlay moves
 * or removes it (sys_cwd.c). */
struct sup_cwd {
	struct sup_slot slot;
	uint64_t seq; /* of the chdir that set it: newest wins (CLONE_FS) */
	int dir1;     /* O_PATH descriptor + 1 of the upper directory; 0 */
	unsigned int gen; /* the directory generation @vcwd is true under */
	char real[PATH_MAX];
	char vcwd[PATH_MAX];
};

struct sup {
	struct session *s;
	int listener;
	/* The loop's lock the serving thread holds for each dispatch (two
	 * threads: loop_blocking), or NULL; let go while a call waits for
	 * the overlay's moves lock (sup_upper_hold). */
	pthread_mutex_t *serving_lock;
	struct seccomp_notif_sizes sizes;
	int upper_fd; /* O_PATH anchors of the layer roots, -1 if none */
	int image_root_fd;
	int run_fd;
	char image_root[PATH_MAX]; /* image_root_fd's path ("" if none) */
	/* The layer roots with their lengths and anchors (sys_common.c:
	 * anchor()), set up by sup_anchors_init once the fds are open. */
	struct sup_anchor {
		const char *dir;
		size_t len;
		int fd;
	} anchors[3];
	struct sup_table exe; /* of struct sup_exe */
	struct sup_table cwd; /* of struct sup_cwd */
	uint64_t cwd_seq;     /* last sup_cwd.seq given */
	bool cwd_counted;     /* in the overlay's count (vfs_cwd_emulating) */
	struct sup_sock *sock; /* SUP_SOCK_SLOTS entries, made on first bind */
	unsigned long sock_next; /* last id handed out */
	/* statistics for --verbose */
	unsigned long nnotif, ncontinue, nemulated;
};

/* One notification being handled. */
struct appv_sc_call {
	struct sup *sup;
	struct session *s;
	const struct appv_sc_desc *desc;
	struct seccomp_notif *req;
	pid_t tid;  /* req->pid: the thread */
	pid_t tgid; /* its process (looked up lazily; 0 until then) */
	uint64_t args[6];
	/* access(2) without AT_EACCESS: sup_cred() gives the ids it checks
	 * with (the real ones). */
	bool real_ids;
	/* Set by a handler whose answer made no name in the upper layer,
	 * which sup_makes_names would assume (strict mode's opens of shared
	 * /proc and /dev paths): the name epoch stays. */
	bool no_names;
};

/* --- target.c: the target's memory and /proc ---------------------------- */

/* Re-check that the notification is still pending (target alive, same
 * call).  0 or -ENOENT. */
int target_id_valid(struct appv_sc_call *c);

/* Read a NUL-terminated path at @addr (capacity PATH_MAX incl. NUL):
 * -EFAULT for an unreadable pointer, -ENAMETOOLONG without a NUL in
 * PATH_MAX bytes, like the kernel.  Validates the notification id after
 * reading. */
int target_read_path(struct appv_sc_call *c, uint64_t addr, char *buf,
		     size_t cap);
/* Read exactly @n bytes.  0 or -EFAULT. */
int target_read(struct appv_sc_call *c, uint64_t addr, void *buf, size_t n);
/* Write @n bytes honouring page protections (EFAULT like the kernel). */
int target_write(struct appv_sc_call *c, uint64_t addr, const void *buf,
		 size_t n);
/* Forced write through /proc/PID/mem (works on read-only mappings). */
int target_write_force(struct appv_sc_call *c, uint64_t addr, const void *buf,
		       size_t n);

/* The thread group id of @c's thread (from /proc/TID/status Tgid). */
pid_t target_tgid(struct appv_sc_call *c);
/* The calling thread's /proc/TID/status text, read once per notification;
 * NULL when it cannot be read. */
const char *target_status(struct appv_sc_call *c);
/* A "Key:\t<number>" field of /proc/@pid/status (Tgid, PPid, Umask(octal)). */
int target_status_field(pid_t pid, const char *key, int base, long *out);
/* Whether thread @tid has a signal pending that it does not block and
 * the kernel marked it for: one sent to the thread; one sent to its
 * process when it is the only thread, or when every other thread that
 * could take it sleeps throughout; or a group stop another thread has
 * begun.  false when that cannot be told. */
bool target_signal_pending(pid_t tid);
/* 0 when @c's process can take one more descriptor (a free number below
 * its RLIMIT_NOFILE), -EMFILE when not; 0 too when that cannot be told. */
int target_fd_room(struct appv_sc_call *c);
/* The process umask (0022 when unreadable). */
mode_t target_umask(struct appv_sc_call *c);
/* The stack pointer of the blocked thread (/proc/TID/syscall). */
int target_sp(struct appv_sc_call *c, uint64_t *sp);

/* Virtual directory a path argument is relative to: the virtual cwd for
 * AT_FDCWD, else the virtual path of @dirfd.  @real_out (may be NULL)
 * receives the real directory.  -EBADF for a bad dirfd. */
int target_base(struct appv_sc_call *c, int dirfd, char *vbase, size_t cap,
		char *real_out, size_t rcap);
/* What the target's descriptor @fd names (readlink of /proc/TID/fd/N;
 * AT_FDCWD: its working directory): the length, or -errno. */
int target_fd_path(struct appv_sc_call *c, int fd, char *out, size_t cap);
/* A duplicate of the target's descriptor @fd (pidfd_getfd); _of: of
 * process @pid's thread @tid's table (-ESRCH: not one of its threads). */
int target_getfd(struct appv_sc_call *c, int fd);
int target_getfd_of(struct appv_sc_call *c, pid_t pid, pid_t tid, int fd);

/* /proc/self -> /proc/<tgid>, /proc/thread-self -> /proc/<tgid>/task/<tid>
 * on the lexical absolute path @path (in place, capacity @cap). */
int target_subst_proc_self(struct appv_sc_call *c, char *path, size_t cap);

/* Inject @fd into the target (ADDFD).  @send: answer the notification with
 * the new number atomically.  @cloexec: O_CLOEXEC on the new fd.  Returns
 * the target's fd number or -errno. */
int target_addfd(struct appv_sc_call *c, int fd, bool cloexec, bool send);

/* An open of the /proc/TGID/maps of a process of the session (@abs,
 * /proc/self already replaced) for reading: answered with its paths made
 * virtual (1), left to the kernel (0), or -errno (sys_maps.c). */
long sys_open_session_maps(struct appv_sc_call *c, int flags, uint64_t resolve,
			   const char *abs);

/* --- supervisor.c helpers used by handlers ------------------------------- */

/* Record / look up the virtual exe of a process run through a package ld.so. */
void sup_exe_set(struct sup *sup, pid_t tgid, const char *real,
		 const char *vexe);
const char *sup_exe_get(struct sup *sup, pid_t tgid, const char *real);
/* sup_exe_set(@c's process, NULL): its new image is no such program. */
void sup_exe_forget(struct appv_sc_call *c);

/* The emulated virtual cwd of @c's process whose real cwd is @real
 * (inherited from an ancestor with the same real cwd), or NULL. */
const char *sup_cwd_get(struct appv_sc_call *c, const char *real);
/* Same for process (or thread) @pid of the session, as /proc/PID/cwd. */
const char *sup_cwd_get_pid(struct appv_sc_call *c, pid_t pid,
			    const char *real);
/* Directory @from was renamed to @to (@exchange: and back): the emulated
 * cwds at or below it follow. */
void sup_cwd_renamed(struct sup *sup, const char *from, const char *to,
		     bool exchange);
/* Forget @tgid's emulated cwd (a chdir the kernel performed). */
void sup_cwd_drop(struct sup *sup, pid_t tgid);
/* The cwd table's clear: the directory record @s held is let go. */
void sup_cwd_dir_close(struct sup_slot *s);
/* Now and then, while this supervisor is in the overlay's count of those
 * holding a record: the records of exited processes go, and with the last
 * of them the count (vfs_cwd_emulating). */
void sup_cwd_sweep(struct sup *sup);
/* The supervisor ends: it leaves the overlay's count of those holding a
 * record (vfs_cwd_emulating). */
void sup_cwd_release(struct sup *sup);

/* --- sup_table.c: tables of per-process records --------------------------- */

/* An empty table of @size-byte records (struct sup_slot first), cleared
 * with @clear (may be NULL).  0 or -ENOMEM.  _release frees every record
 * (emptied first) and the array; a zeroed or released table holds none
 * and takes none. */
int sup_table_init(struct sup_table *t, size_t size,
		   void (*clear)(struct sup_slot *s));
void sup_table_release(struct sup_table *t);
/* The record of process @tgid, NULL when there is none; one whose process
 * has exited is emptied (the caller, alive, may have reused its pid). */
struct sup_slot *sup_table_find(struct sup_table *t, pid_t tgid);
/* A free record (see sup_table.c) emptied and given to @tgid, with a new
 * pidfd; NULL without room or memory. */
struct sup_slot *sup_table_take(struct sup_table *t, pid_t tgid);
/* Empty record @s: its pidfd closed, what else it holds let go. */
void sup_table_drop(struct sup_table *t, struct sup_slot *s);
/* Every record whose process has exited emptied. */
void sup_table_sweep(struct sup_table *t);

/* --- sys_common.c: the shared resolution steps --------------------------- */

/* A resolved path argument. */
struct sup_path {
	char raw[PATH_MAX];   /* as read from the target */
	char vbase[PATH_MAX]; /* virtual directory for a relative raw */
	char rbase[PATH_MAX]; /* real directory for a relative raw */
	char abs[PATH_MAX];   /* lexical absolute virtual path (/proc/self
				 substituted) */
	bool trailing_slash;
	bool via_magic; /* abs went through a /proc magic link (fd/N/...) */
	/* abs lies in /proc or /dev where the app's string does not lead
	 * the kernel - a ".." or a symlink led the walk there
	 * (vfs_req.self_tgid), or the path is relative to a virtual
	 * directory: the supervisor's to open, never the kernel's. */
	bool proc_here;
	/* Resolved by sup_resolve_here: every symlink followed by the walk,
	 * under /proc and /dev too, so res.real holds none. */
	bool walked;
	struct vfs_res res;
};

/* Read path argument @path_arg (relative to dirfd argument @dirfd_arg, or
 * AT_FDCWD when -1), substitute /proc/self, resolve with @intent/@flags. */
int sup_resolve_arg(struct appv_sc_call *c, int dirfd_arg, int path_arg,
		    int intent, int vflags, struct sup_path *p);
/* Same for a path already read into p->raw with p->vbase set. */
int sup_resolve(struct appv_sc_call *c, int intent, int vflags,
		struct sup_path *p);
/* The path /proc/self/fd/@fd (the supervisor's own descriptor) names, into
 * @out: its length, or -errno. */
int sup_fd_path(int fd, char *out, size_t cap);
/* Where a call on the target's descriptor @fd acts: 0 and *tfd, a
 * duplicate (an upper-layer, shared or anonymous file; p->raw holds its
 * real path when it has one), or 1 and @p resolved and made writable (a
 * lower file: its upper copy; first checked as vfs_may_setattr says for
 * @need, enum vfs_attr_need, 0: nothing).  -errno on failure (*tfd
 * closed); -EBADF for an O_PATH descriptor with @fd_only (a call that
 * names no path: fchmod, futimens, fsetxattr...), as the kernel says.
 * A stand-in for a symlink (sup_fd_standin) is that symlink: -EBADF with
 * @fd_only, else as a path call that follows no symlink finds it (0 and
 * an O_PATH *tfd of a shared one, or 1 and its upper copy). */
int sup_fd_target(struct appv_sc_call *c, int fd, int need, bool fd_only,
		  int *tfd, struct sup_path *p);
/* The same for a path sup_resolve left to the kernel (a share rule on
 * /proc, /dev): magic links there (/proc/PID/fd/N, cwd, root, /dev/fd/N)
 * lead to a file of any layer, so the supervisor opens the path (O_PATH,
 * in the target's terms) and decides on what it reached: 0 and *ofd
 * (O_PATH), 1 and @p resolved and made writable, or -errno. */
int sup_path_target(struct appv_sc_call *c, struct sup_path *p,
		    bool nofollow, int need, int *ofd);
/*
 * Strict mode leaves no path to the kernel: after CONTINUE it would read
 * the target's string again, by then maybe another thread's hidden path.
 * For a path sup_resolve gave 1 (a share rule on /proc, /dev), an O_PATH
 * descriptor (*ofd) of what the supervisor's own copy of it reaches, as
 * the kernel would walk it for the target (@flags' O_NOFOLLOW and
 * O_DIRECTORY, openat2's @resolve, from @dirfd; @path: p->abs or the
 * target's relative string): under /proc/PID of a process the target may
 * not trace, from sup_open_untraced (below appv's own, only what needs
 * no such access: EACCES).  What it reached is checked as the rules say of its
 * virtual path for @intent, and a change as Landlock would check the target's.
 * 0 (p->res then the reached file's, when it has a path) or -errno.
 */
int sup_share_fd(struct appv_sc_call *c, struct sup_path *p, int dirfd,
		 const char *path, int flags, uint64_t resolve, int intent,
		 int *ofd);
/* Strict mode, for a call that changes a name (mkdir, unlink, rename...)
 * where sup_resolve gave 1: @p (p->raw as read) resolved again as any
 * other shared path, which the supervisor changes itself, every symlink
 * followed here (VFS_F_NO_HANDOFF), none left to the kernel. */
int sup_resolve_here(struct appv_sc_call *c, int intent, int vflags,
		     struct sup_path *p);
/* Whether @abs lies below /proc/PID (or its task/TID) of a process whose
 * entries the target could not open natively (appv's own among them):
 * one outside the session, or that its credentials do not let it trace. */
bool sup_proc_unreachable(struct appv_sc_call *c, const char *abs);
/* Whether @abs lies below /proc/PID (or its task/TID) of a process the
 * target may not trace: one outside the session, or whose credentials do
 * not let it (sup_may_read_proc). */
bool sup_proc_untraced(struct appv_sc_call *c, const char *abs);
/* openat2(@dirfd, @path, @flags | O_CLOEXEC, @resolve) from a thread that
 * may trace no process (sup_untraced.c): the kernel's ptrace checks of
 * /proc/PID refuse it what they refuse the target.  The descriptor (the
 * supervisor's), or -errno; -EACCES where Landlock is missing. */
int sup_open_untraced(int dirfd, const char *path, int flags, uint64_t resolve);
/* vfs_req.self_tgid for a walk made for call @ctx: target_tgid. */
pid_t sup_walk_tgid(void *ctx);
/* /proc/<pid>/{exe,cwd,root,fd/N} (and task/<tid>/...): the virtual path
 * of the link's target into @out; its length, 0 when @abs is not such a
 * link, or -errno. */
int sup_proc_link(struct appv_sc_call *c, const char *abs, char *out,
		  size_t cap);
/* Whether the kernel may be given p->raw as the target wrote it: it is
 * absolute, or relative to a directory that is the same virtually and
 * really. */
bool sup_raw_is_real(const struct sup_path *p);
/* True when continuing the call as issued reaches exactly p->res.real:
 * nothing changed and sup_raw_is_real. */
bool sup_path_unchanged(const struct sup_path *p);
/* Whether process @tgid is one of the session's: appv (a subreaper) is
 * among its ancestors.  appv itself is not. */
bool sup_in_session(pid_t tgid);
/* Free the superseded merged listings no process holds, when enough
 * wait (loader/sup_gc.c); between two notifications only. */
void sup_listings_gc(struct sup *sup);
/* Whether the caller may read another process's maps or descriptor links
 * as the kernel would let it (ptrace read access): the owner of
 * /proc/TGID (the process's euid) is the caller's fsuid, or it has
 * CAP_SYS_PTRACE. */
bool sup_may_read_proc(struct appv_sc_call *c, long tgid);
/* A number in a /proc path at @s as the kernel reads one (no sign, no
 * leading zero, at most INT_MAX), *@end after it; or -1. */
long sup_proc_num(const char *s, const char **end);
/* @abs as /proc/PID/REST or /proc/PID/task/TID/REST (sup_proc_num's
 * numbers): REST, from its slash, with *@pid and *@tid (-1 without
 * task/); NULL when @abs is not such a path. */
const char *sup_proc_pid_rest(const char *abs, long *pid, long *tid);
/* Extract an image file if needed, then vfs_make_writable. */
int sup_make_writable(struct appv_sc_call *c, struct vfs_res *res);
/* Extract an image file if needed (for reading its data). */
int sup_extract(struct appv_sc_call *c, struct vfs_res *res);
/* True when the path is a /proc/<n>/... path with no ".." (the kernel's
 * magic links there must be used as they are). */
bool sup_is_proc_path(const char *abs);
/* Open @res->real anchored at its layer root (RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS).  Returns the fd or -errno. */
int sup_open_real(struct sup *sup, const char *real, int flags, mode_t mode,
		  bool magic_ok);
/* The real path @real of a layer as the dirfd and path of an *at call:
 * its layer root's anchor and the rest below it (the walk does not redo
 * the root's own path), or AT_FDCWD and @real itself. */
int sup_real_at(struct sup *sup, const char *real, const char **rel);
/* Fills sup->anchors from the configuration and the anchor fds. */
void sup_anchors_init(struct sup *sup);
/* Open the host path @real refusing every symlink (RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS): -ELOOP when it holds one.  The fd or -errno. */
int sup_open_host(const char *real, int flags, mode_t mode);
/* sup_open_host of a shared host path the walk resolved (following every
 * symlink on the way), for a change the supervisor makes itself: a
 * symlink met now was swapped in since - a directory of the share
 * exchanged for a symlink to a host directory under writecopy or hide -
 * and followed it would take the change out of the share.  -ESTALE then:
 * the call resolves again, and the walk takes the symlink under the
 * rules. */
int sup_open_shared(const char *real, int flags);
/* Whether resolved @p is a shared host path (an entry, or the name of a
 * new one) that the supervisor changes with its own rights, beyond
 * Landlock's reach: outside /proc, /sys and /dev, or anywhere in strict
 * mode's own walk (p->walked). */
bool sup_share_host(const struct sup_path *p);
/* Whether the application may make or remove the name of resolved shared
 * path @p (its parent directory is one Landlock lets it change): 0, else
 * -EROFS (a readonly parent) or -EACCES. */
int sup_share_name_ok(struct appv_sc_call *c, const struct sup_path *p);
/*
 * Where a call that removes or makes the name @p resolved to acts, as the
 * dirfd and path of an *at call that follows no final symlink: for a
 * shared host path (sup_share_host), *@dfd an O_PATH descriptor of its
 * parent directory opened with no symlink followed (sup_open_host; the
 * caller closes it) and *@name its last component, within @p->res.real;
 * else AT_FDCWD and @p->res.real.  0, or -errno: -ESTALE when the parent's
 * path holds a symlink, swapped in since the walk (resolve again).
 */
int sup_name_at(const struct sup_path *p, int *dfd, const char **name);
/*
 * For a read-only call the supervisor performs itself on @p, resolved by
 * sup_resolve with @intent/@vflags to a host path whose tail the kernel
 * would walk (vfs_res_host_checked): an O_PATH descriptor of what it names
 * (a final symlink itself under VFS_F_NOFOLLOW).  The kernel must not
 * follow a host symlink there past the rules, into a hidden or denied
 * tree: the path is opened refusing symlinks, and one that holds a symlink
 * is resolved again with VFS_F_NO_HANDOFF (@p updated: each symlink
 * followed virtually, maybe into another layer) and opened so.  Returns
 * the descriptor or -errno (-ELOOP for a symlink swapped in meanwhile).
 */
int sup_host_path_fd(struct appv_sc_call *c, int intent, int vflags,
		     struct sup_path *p);
/* Creation calls run with the target's umask (the supervisor is one
 * thread): enter returns the supervisor's own, to give back to leave. */
mode_t sup_umask_enter(struct appv_sc_call *c);
void sup_umask_leave(mode_t old);
/* Does a lower (image or visible host) entry exist at virtual @vpath? */
bool sup_lower_exists(struct appv_sc_call *c, const char *vpath, int rule);

/* --- sys_perm.c: discretionary access control of the virtual tree ------- */

/* The caller's credentials for vfs/perm.c (loaded on first need, once per
 * notification; the supervisor's own when it is unprivileged). */
struct vfs_cred *sup_cred(struct appv_sc_call *c);
/* Parse a /proc/PID/status text (Uid, Gid, Groups, CapEff); @same (may be
 * NULL): real, effective, saved and fs ids all equal.  0 or -EIO. */
int sup_cred_parse(const char *text, struct vfs_cred *cred, bool *same);
/* vfs_may_create / vfs_may_delete / vfs_may_access for @p's entry. */
int sup_may_create(struct appv_sc_call *c, const struct sup_path *p);
int sup_may_delete(struct appv_sc_call *c, const struct sup_path *p);
int sup_may_access(struct appv_sc_call *c, const struct sup_path *p, int may);
/* open(2)'s permission checks for @flags on resolved @p: 0 or -EACCES. */
int sup_may_open(struct appv_sc_call *c, int flags, const struct sup_path *p);
/* A privileged supervisor's new entry at real @path (descriptor @fd, or
 * -1; @in_dir: @path is the directory of @fd's O_TMPFILE file) is given
 * to the caller's fsuid and fsgid (or its setgid directory's group), as
 * the caller's own create would have made it. */
void sup_own_new(struct appv_sc_call *c, int fd, const char *path, bool in_dir);

/* --- handlers (sys_*.c) --------------------------------------------------- */
long sys_open(struct appv_sc_call *c);
long sys_stat(struct appv_sc_call *c);
long sys_statx(struct appv_sc_call *c);
long sys_fstat(struct appv_sc_call *c);
long sys_getdents(struct appv_sc_call *c);
long sys_access(struct appv_sc_call *c);
long sys_readlink(struct appv_sc_call *c);
long sys_getcwd(struct appv_sc_call *c);
long sys_chdir(struct appv_sc_call *c);
long sys_fchdir(struct appv_sc_call *c);
long sys_exit_group(struct appv_sc_call *c);
long sys_mkdir(struct appv_sc_call *c);
long sys_mknod(struct appv_sc_call *c);
long sys_unlink(struct appv_sc_call *c);
long sys_rename(struct appv_sc_call *c);
long sys_symlink(struct appv_sc_call *c);
long sys_link(struct appv_sc_call *c);
long sys_chmod(struct appv_sc_call *c);
long sys_chown(struct appv_sc_call *c);
long sys_truncate(struct appv_sc_call *c);
long sys_utimes(struct appv_sc_call *c);
long sys_ioctl(struct appv_sc_call *c);
long sys_adjtime(struct appv_sc_call *c);
/* A call the table notifies only for what changes a host setting:
 * refused, as without the capability (sys_host.c). */
long sys_host_setting(struct appv_sc_call *c);
long sys_other_process(struct appv_sc_call *c);
/* ioctl's FIOSETOWN and SIOCSPGRP (sys_ioctl's): an owner of the
 * session's (sys_proc.c). */
long sys_ioctl_owner(struct appv_sc_call *c);
/* An RTC request that sets the clock or an alarm (sys_ioctl's). */
long sys_rtc_set(struct appv_sc_call *c);
/* Whether descriptor @fd of the target is a merged directory's listing:
 * @p resolved to that directory (sys_stat.c). */
int sup_fd_listing(struct appv_sc_call *c, int fd, struct sup_path *p);
/* The same, or a package or host directory standing for a merged one
 * whose top is its upper copy (vfs_merge_covered; a host one opened
 * before its copy-up as well): 1 with @p resolved to it. */
int sup_fd_dir(struct appv_sc_call *c, int fd, struct sup_path *p);
/* Whether descriptor @fd of the target is a stand-in for a symlink
 * (vfs/standin.c, handed over for an O_PATH | O_NOFOLLOW open): 1 with
 * the symlink's virtual path in @p->raw (p->vbase, p->rbase empty, ready
 * for sup_resolve), else 0 (sys_stat.c). */
int sup_fd_standin(struct appv_sc_call *c, int fd, struct sup_path *p);
long sys_xattr(struct appv_sc_call *c);
long sys_statfs(struct appv_sc_call *c);
long sys_fstatfs(struct appv_sc_call *c);
long sys_fxattr(struct appv_sc_call *c);
long sys_inotify(struct appv_sc_call *c);
long sys_execve(struct appv_sc_call *c);
long sys_net(struct appv_sc_call *c);
long sys_sockname(struct appv_sc_call *c);

/* Dispatch one notification (supervisor.c); exposed for tests. */
long sup_dispatch(struct appv_sc_call *c);
/* The overlay's moves lock for @c's call (vfs_upper_hold), waited for
 * while its caller lives: 0, -ENOENT when it is gone, or -errno (the
 * lock file cannot be opened: the call fails with it).  The loop's lock
 * (sup->serving_lock) is let go meanwhile: the caller must hold nothing
 * it guards across the call. */
int sup_upper_hold(struct appv_sc_call *c, bool moves);
/* Whether the call may have made a name in the upper layer - a create, a
 * copy-up, a whiteout, a rename: the name epoch then moves before the
 * answer, also one sent with a descriptor (vfs/upper_negs.c).  Reads, and
 * opens for reading, make none. */
bool sup_makes_names(const struct appv_sc_call *c);
/* The table entry for syscall @nr, or NULL. */
const struct appv_sc_desc *loader_syscall_find(int nr);

#endif
