/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * vfs/vfs.h - the one resolver, linked into the supervisor and the shim.
 *
 * A session's view of "/" is: an upper directory (the overlay's writable
 * layer, mirroring absolute paths), an optional package image layer (the
 * content cache: <image_dir>/root/ holds the package tree with directories
 * and symlinks real and regular files as placeholders that are filled on
 * first use, <image_dir>/index is the path index, <image_dir>/state one byte
 * per regular file, 1 = extracted), and the host "/".  Isolation rules per
 * path prefix decide which layers are visible and where writes go.
 *
 * Constraints: usable inside arbitrary processes: no stdio, no malloc (the
 * few allocations use mmap), no locks held across fork, every kernel call
 * through common/sys.h (so the shim's trampoline is used).  All functions
 * return 0 (or a length) on success and a negative errno on failure.
 * Thread-safe: a struct vfs is immutable after vfs_new() except the
 * extraction state, which is a shared mapping read with relaxed loads.
 */
#ifndef APPV_VFS_H
#define APPV_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>

enum vfs_rule {
	VFS_RULE_WRITECOPY = 0, /* upper ∪ image ∪ host, writes copy up */
	VFS_RULE_FULL,		/* upper ∪ image, host hidden */
	VFS_RULE_SHARE,		/* host passthrough, writes to host */
	VFS_RULE_READONLY,	/* as writecopy, writes -EROFS */
	VFS_RULE_HIDE,		/* -ENOENT */
	VFS_RULE_DENY,		/* -EACCES */
};

enum vfs_layer {
	VFS_LAYER_NONE = 0, /* the final entry does not exist */
	VFS_LAYER_UPPER,
	VFS_LAYER_IMAGE,
	VFS_LAYER_HOST,
};

#define VFS_MAX_RULES 64
#define VFS_RULE_PREFIX_MAX 1024
/* The session's own directories (below APPV_HOME and the runtime
 * directory) are shorter than this: the shim copies them in every process
 * it starts, and short arrays share a page (a page fault each). */
#define VFS_PATH_MAX 1024

/* What the loader decides for a session; serialised into the session file
 * that the shim reads (vfs_config_format / vfs_config_parse). */
struct vfs_config {
	char upper[VFS_PATH_MAX];     /* absolute, exists */
	char image_dir[VFS_PATH_MAX]; /* absolute, or "" when no package */
	char run_dir[VFS_PATH_MAX];   /* session scratch (merged listings) */
	unsigned int nrules;
	struct {
		char prefix[VFS_RULE_PREFIX_MAX]; /* absolute, normalised */
		int rule;			  /* enum vfs_rule */
	} rules[VFS_MAX_RULES];
};

/* Text form: one "key value" line per field, "rule PREFIX RULENAME" per
 * rule.  format returns the length written (without NUL) or -ENOSPC; parse
 * returns 0 or -EINVAL. */
int vfs_config_format(const struct vfs_config *cfg, char *buf, size_t cap);
int vfs_config_parse(const char *buf, size_t len, struct vfs_config *cfg);
/* "writecopy" etc. <-> enum; -EINVAL for an unknown name. */
int vfs_rule_from_name(const char *name);
const char *vfs_rule_name(int rule);

struct vfs;

/* Build a resolver from @cfg (copied).  Maps the image index and state.
 * Allocates with mmap; free with vfs_free (accepts NULL). */
int vfs_new(const struct vfs_config *cfg, struct vfs **out);
/* The same from vfs_config_format's text (-EINVAL when it does not parse). */
int vfs_new_from_text(const char *text, size_t len, struct vfs **out);
void vfs_free(struct vfs *vfs);
const struct vfs_config *vfs_get_config(const struct vfs *vfs);

/* What the caller means to do with the final entry. */
enum vfs_intent {
	VFS_INTENT_READ = 0, /* open O_RDONLY, stat, readlink, access, exec, chdir */
	VFS_INTENT_WRITE,    /* modify an existing entry (open for write, O_TRUNC, chmod, truncate...) */
	VFS_INTENT_CREATE,   /* may create the final entry (O_CREAT, mkdir, mknod, symlink, bind) */
	VFS_INTENT_DELETE,   /* remove the final entry (unlink, rmdir, rename source) */
};

#define VFS_F_NOFOLLOW 0x1  /* do not follow a final symlink (lstat, O_NOFOLLOW, readlink) */
#define VFS_F_DIRECTORY 0x2 /* the final entry must be a directory */
/* For VFS_INTENT_READ by a caller that performs the call itself on
 * res->real: when the end of the path lies on the host only, do not stat it
 * (layer HOST, mode 0, no -ENOENT from the resolver: the kernel answers). */
#define VFS_F_HOST_LAZY 0x4
/* openat2's RESOLVE_* against the virtual tree, anchored at req->base (a
 * canonical virtual directory; req->path relative to it).  BENEATH: a ".."
 * above the anchor or an absolute symlink is -EXDEV.  IN_ROOT: ".." stops
 * at the anchor, absolute symlinks start from it.  NO_SYMLINKS: any symlink
 * that would be followed is -ELOOP.  With any of them the walk never hands
 * a path tail to the host kernel (which would follow host symlinks). */
#define VFS_F_BENEATH 0x8
#define VFS_F_IN_ROOT 0x10
#define VFS_F_NO_SYMLINKS 0x20
/* The caller will neither list the final directory nor report its link
 * count (access, chdir, readlink): res->merged_dir is left false, and a
 * directory's host twin is not looked up to find it out. */
#define VFS_F_NO_MERGED 0x40
/* A create with O_CREAT|O_EXCL: the kernel will refuse an existing entry
 * (EEXIST) rather than follow or open it. */
#define VFS_F_EXCL 0x80
/* Never hand a path tail to the host kernel: host symlinks are followed
 * virtually like any other, each component under its own rule.  For the
 * retry of an open whose real path held a symlink (RESOLVE_NO_SYMLINKS
 * said ELOOP): it may lead into a hidden tree or a virtual layer. */
#define VFS_F_NO_HANDOFF 0x100
/* A call that names its final entry rather than looking it up (mkdir,
 * mknod, symlink, link's new name, unlink, rmdir, rename): as in the
 * kernel, a trailing slash then neither follows a final symlink nor asks
 * for a directory (the caller applies the call's own rule to it), unless
 * the path ends in "." or "..", whose directory is looked up. */
#define VFS_F_NAME 0x200
/* The caller asks res->merged_dir of a directory of the upper layer only
 * (access: the upper copy of a host directory is checked as the host's
 * owner has it): a package directory's host twin is not looked up. */
#define VFS_F_MERGED_UPPER 0x400

struct vfs_cred;

struct vfs_req {
	const char *path; /* the application's path, NUL-terminated; borrowed */
	const char *base; /* absolute virtual directory for relative paths */
	int intent;	  /* enum vfs_intent */
	int flags;	  /* VFS_F_* */
	/* base is a directory of the upper layer (the caller's real base
	 * directory lies there: vfs_real_in_upper): a relative path is walked
	 * from it rather than from "/". */
	bool base_upper;
	/* The caller's credentials, or NULL (no check).  When set, the walk
	 * checks search permission (x) on every directory it descends
	 * through whose visible copy is the image's (and the upper layer's
	 * with cred->all_layers): -EACCES like the kernel.  Host-only
	 * directories are left to the kernel. */
	struct vfs_cred *cred;
	/* Optional, for a stat: where the walk's lstat of a final entry in
	 * the upper layer goes - the caller's own buffer (the kernel answers
	 * EFAULT for a bad one, as for the stat itself).  When that entry
	 * is the answer, res->final_stat says the stat is done. */
	struct stat *final_st;
	/* The process the walk is made for, when another one makes it (the
	 * supervisor), else 0 (the shim): its thread, and its thread group
	 * as @self_tgid(@proc_ctx) says (asked only when needed: the
	 * supervisor may have to ask the kernel).  Its own links met on the
	 * way - /proc/self, /proc/thread-self, /dev/fd, /dev/std{in,out,err},
	 * after a ".." or a symlink, where the caller could not put
	 * /proc/<pid> in beforehand - are followed as that process's, never
	 * read or handed to the kernel as the walker's. */
	pid_t self_tid;
	pid_t (*self_tgid)(void *ctx);
	/* With self_tid, optional: the target of a magic link under
	 * /proc/<pid> (cwd, root, exe, fd/N) @vpath as a virtual path, which
	 * the walker's readlink would give as a real one: its length, 0 to
	 * read the link, or -errno.  @proc_ctx is its first argument. */
	int (*proc_link)(void *ctx, const char *vpath, char *out, size_t cap);
	void *proc_ctx;
};

struct vfs_res {
	enum vfs_layer layer; /* where the final entry lives */
	enum vfs_rule rule;   /* the rule governing vpath */
	bool changed;	      /* real is not simply the app's own path on the host */
	bool merged_dir;      /* a directory visible in more than one layer */
	bool needs_extract;   /* image regular file not yet extracted */
	/* A missing entry (VFS_INTENT_CREATE) whose parent is a directory of
	 * the upper layer below the top level - with no lower twin, or a
	 * host twin of the same owner, group and mode - and no whiteout of
	 * the name: creating res->real directly is the whole job (the
	 * kernel's checks on that parent are the virtual ones). */
	bool upper_create;
	/* Likewise for an existing upper entry with no lower entry of that
	 * name (VFS_INTENT_DELETE, or CREATE for a rename target): removing
	 * or replacing res->real is the whole job. */
	bool upper_delete;
	/* The final entry is the upper layer's and req->final_st holds its
	 * lstat, made by the walk (as the caller's stat would be). */
	bool final_stat;
	/* A merged directory (merged_dir) with no host entry at its path:
	 * the walk asked. */
	bool no_host;
	/* vfs_copy_up made the upper entry itself (not another session's
	 * copy-up, which won the race; not the upper parents): its inode,
	 * else 0. */
	uint64_t copied;
	/* vfs_merge_covered said covered: the sequence number of what the
	 * resolver keeps of the directory as just seen (vfs_cov_ticket), 0
	 * when it keeps nothing. */
	unsigned int cov_seq;
	uint32_t image_file;  /* image file number, valid for image regular files */
	mode_t mode;	      /* st_mode of the final entry when layer != NONE */
	char vpath[PATH_MAX]; /* canonical virtual path, symlinks resolved */
	char real[PATH_MAX];  /* real path to operate on; for NONE, where a
				 create must happen (upper, or host if shared) */
};

/*
 * Resolve @req component by component in the virtual tree: absolute symlink
 * targets mean the virtual root, ".." never climbs above "/" nor out of a
 * layer, at most 40 symlinks (-ELOOP).  Errors: -ENOENT, -ENOTDIR, -ELOOP,
 * -ENAMETOOLONG, -EACCES (deny), -EROFS (readonly rule with a modifying
 * intent), -ENOENT for hidden paths.  A missing final entry is not an error
 * for VFS_INTENT_CREATE (layer NONE); for other intents it is -ENOENT.
 * Does not modify anything.
 */
int vfs_resolve(struct vfs *vfs, const struct vfs_req *req, struct vfs_res *res);
/* Whether the virtual directory @vpath (a process's cwd) is gone from the
 * virtual tree: removed, though its real directory may remain (a host
 * directory under a whiteout).  A relative path from it can then only
 * reach "." and "..", which vfs_resolve answers as natively. */
bool vfs_dir_gone(struct vfs *vfs, const char *vpath);

/*
 * Make @res writable in place: for a lower (image/host) entry under a
 * writecopy/full rule, copy it up atomically (temp + rename, keeping data,
 * mode, timestamps) with its parent directories; for a missing entry
 * (layer NONE) create the upper parent directories.  Image regular files
 * must be extracted first (needs_extract false).  Updates res->real and
 * res->layer.  Shared paths are left on the host.  Supervisor only.
 */
int vfs_make_writable(struct vfs *vfs, struct vfs_res *res);

/* Real path -> virtual path (strips the upper, image root or merged-listing
 * prefixes; host paths map to themselves).  Returns the length. */
int vfs_reverse(const struct vfs *vfs, const char *real, char *vpath,
		size_t cap);
/* @real lies in the upper layer (below its root); in the package's
 * content cache (below its root). */
bool vfs_real_in_upper(const struct vfs *vfs, const char *real);
bool vfs_real_in_image(const struct vfs *vfs, const char *real);

/* held.c: vfs_hold opens the directories real paths are named from in
 * the shim (<cache>, <overlays>; a supervisor holds none).  vfs_held_at:
 * the descriptor for real path @real and the path from it in *@rel, which
 * one in *@which, or -1; vfs_held_ok: after any failure from it (a
 * stranger descriptor gives ENOENT, ENOTDIR, EBADF, or EACCES where it
 * may not be searched), whether it still is that directory (if not, it
 * is given up).  vfs_held_lstat: an lstat of @real, from a held directory
 * where there is one. */
enum { VFS_HELD_CACHE, VFS_HELD_UPPER };
void vfs_hold(struct vfs *vfs);
int vfs_held_at(const struct vfs *vfs, const char *real, const char **rel,
		int *which);
bool vfs_held_ok(const struct vfs *vfs, int which, int fd);
int vfs_held_lstat(const struct vfs *vfs, const char *real, struct stat *st);
/* @real lies in the content cache or is a merged listing: what never moves
 * (the cache holds each package path at one place for good, a listing is
 * never changed once built). */
bool vfs_real_fixed(const struct vfs *vfs, const char *real);
/* Whether the session may move host directory @vpath or one above it:
 * a share rule governs one of them (writecopy and readonly ones move only
 * in the overlay; only processes outside the session move them on the
 * host, which overlayfs leaves undefined as well). */
bool vfs_host_movable(const struct vfs *vfs, const char *vpath);
/* The rule governing @vpath (most specific prefix; writecopy by default;
 * readonly for the way through a hidden tree to a rule below it). */
int vfs_rule_for(const struct vfs *vfs, const char *vpath);
/* Whether a rule other than share lies strictly below @vpath: a shared
 * host directory moved by a rename would take what that rule governs
 * (a hidden tree) out from under it. */
bool vfs_rule_pinned_below(const struct vfs *vfs, const char *vpath);
/*
 * The overlay's directory generation, bumped by a supervisor after
 * anything that can make an upper directory stop being one at its path -
 * rmdir, rename, an overlay reset - and after changes of an upper
 * directory's opaqueness, mode or owner: what was learnt of an upper
 * directory after reading @gen holds while it is unchanged.  false when
 * the overlay has no generation page (nothing may be kept then).
 */
bool vfs_upper_gen(const struct vfs *vfs, unsigned int *gen);

/* A name was (or may have been) made in the upper layer: called after the
 * call that made it, before it returns to the application, by every
 * process that makes one (vfs/upper_negs.c). */
void vfs_upper_created(const struct vfs *vfs);
/* The overlay's name epoch, which vfs_upper_created moves: false when the
 * overlay has none (nothing may be kept by it then). */
bool vfs_upper_epoch(const struct vfs *vfs, uint64_t *epoch);
/* Let @vfs's walks skip the probe of names its listings of upper
 * directories lack (vfs/upper_negs.c), @on or not from now on.  Only
 * while no change of the resolver's own process is between its making a
 * name and the bump of the epoch: always in the shim, whose calls bump
 * the epoch before they return; in a supervisor for a call that makes
 * no name (sup_makes_names), not for one that does, which walks again in
 * the middle of its change. */
void vfs_cache_upper_names(struct vfs *vfs, bool on);
/* No upper directory was moved or removed since @gen was read, and none
 * is being: a walk made meanwhile saw one state of the tree. */
bool vfs_upper_steady(const struct vfs *vfs, unsigned int gen);
/* An upper directory was moved or removed since @gen was read, or one's
 * step proper (vfs_upper_move_begin) is under way: false while only a
 * copy-up before a move runs, and when the overlay has no generation. */
bool vfs_upper_moving(const struct vfs *vfs, unsigned int gen);
/*
 * The working-directory generation of the overlay (vfs/cwd_gen.c): a
 * thread may keep its virtual cwd, learnt after reading @gen with
 * vfs_cwd_gen, while @gen is current.  It was learnt in one state when
 * vfs_cwd_steady(@gen) held after it (no thread moving, no change since).
 * vfs_cwd_moved: the calling thread changed its working directory (after
 * the call; ends its own move).  vfs_cwd_settle: the calling thread runs,
 * so a move of its own is over.  A supervisor calls vfs_cwd_moving before
 * letting the kernel change thread @tid's (the move lasts until
 * vfs_cwd_arrived(@tid): its next notification), vfs_cwd_bump after a
 * change it made itself (an emulated chdir), vfs_cwd_reclaim to end the
 * moves of threads @gone says are dead.
 */
bool vfs_cwd_gen(const struct vfs *vfs, uint64_t *gen);
bool vfs_cwd_steady(const struct vfs *vfs, uint64_t gen);
void vfs_cwd_moved(const struct vfs *vfs);
void vfs_cwd_settle(const struct vfs *vfs);
void vfs_cwd_bump(const struct vfs *vfs);
void vfs_cwd_moving(const struct vfs *vfs, pid_t tid, bool (*gone)(pid_t));
void vfs_cwd_arrived(const struct vfs *vfs, pid_t tid);
void vfs_cwd_reclaim(const struct vfs *vfs, bool (*gone)(pid_t));
/* Whether a supervisor of the overlay may hold a record of an emulated
 * working directory (loader/sys_cwd.c); a supervisor counts itself in
 * (@on) when it makes its first, out when it has none left. */
bool vfs_cwd_emulated(const struct vfs *vfs);
void vfs_cwd_emulating(const struct vfs *vfs, bool on);
/* No session holds the overlay of upper directory @upper: no thread is
 * moving, no supervisor emulates (the counts a killed supervisor left
 * go).  0, or -ENOENT when the overlay has no epoch page yet. */
int vfs_cwd_reset_file(const char *upper);
/* The virtual directory whose merged listing (vfs_merge_dir) real path
 * @real is: its length, or -ENOENT when @real is no listing. */
int vfs_listing_vpath(const struct vfs *vfs, const char *real, char *vpath,
		      size_t cap);
/* A read-only descriptor standing for the symlink at virtual path @vpath
 * (vfs/standin.c): an empty file of the scratch, unlinked already, whose
 * name tells @vpath back (vfs_standin_vpath).  Supervisor only; the
 * descriptor is the caller's.  -errno on failure. */
int vfs_standin_open(struct vfs *vfs, const char *vpath);
/* The virtual path of the symlink that the descriptor whose real path
 * (readlink of /proc/PID/fd/N) is @real stands for, into @vpath (NULL:
 * only told): its length, or -ENOENT when @real is no stand-in. */
int vfs_standin_vpath(const struct vfs *vfs, const char *real, char *vpath,
		      size_t cap);

/* The inode map (vfs/merge_ino.c) of the merged listing whose directory
 * has inode @ino (on the scratch's device): read into @buf of @cap bytes
 * when it fits (*@len = 0), else mapped read-only (*@len bytes: appv_munmap
 * it); NULL when there is none (no listing).  vfs_ino_map_find gives a
 * placeholder's real inode, 0 when it has none. */
struct vfs_ino_map;
const struct vfs_ino_map *vfs_listing_map(const struct vfs *vfs, uint64_t ino,
					  void *buf, size_t cap, size_t *len);
uint64_t vfs_ino_map_find(const struct vfs_ino_map *m, uint64_t placeholder);
/* Whether map @m changes no entry (a covered directory's, usually). */
bool vfs_ino_map_empty(const struct vfs_ino_map *m);
/* The same for every entry of getdents64's @n bytes at @buf. */
void vfs_ino_map_apply(const struct vfs_ino_map *m, void *buf, size_t n);
/* A merged directory listed as the package's own (vfs_merge_covered):
 * its upper copy's entries - copies of package files, whose stat is the
 * copy's - as a map from appv_hash64(name) to their inode, built in @buf
 * of @cap bytes; NULL when they do not fit or cannot be read.  Applied by
 * name: vfs_ino_map_find(m, appv_hash64(name)), or to a getdents64
 * buffer with vfs_ino_map_apply_names. */
const struct vfs_ino_map *vfs_covered_map(const struct vfs *vfs,
					  const char *vpath, void *buf,
					  size_t cap);
/*
 * The same map with no syscall, from what the open of the directory
 * learnt: @hash is appv_hash64 of its virtual path, @epoch and @gen the
 * overlay's name epoch and directory generation read before the open's
 * walk, @seq its vfs_res.cov_seq.  Valid while neither moved: every
 * change appv makes to an upper directory's names, mode or place moves
 * one (vfs_upper_created, vfs_upper_gen), and anything else would go
 * through a supervisor that does.  Changes made behind appv's back are not
 * seen, as with the other caches (vfs/README.md).  NULL when it cannot
 * say: vfs_covered_map then.
 */
struct vfs_cov_ticket {
	uint64_t hash;
	uint64_t epoch;
	unsigned int gen;
	unsigned int seq; /* 0: none */
};
const struct vfs_ino_map *vfs_covered_map_kept(const struct vfs *vfs,
					       const struct vfs_cov_ticket *t,
					       void *buf, size_t cap);
/* Whether ticket @t, still valid, is for the package's directory with
 * device @dev and inode @ino (a descriptor's fstat: its number may have
 * been given to another directory since the open, by a dup). */
bool vfs_covered_ticket_for(const struct vfs *vfs,
			    const struct vfs_cov_ticket *t, uint64_t dev,
			    uint64_t ino);
void vfs_ino_map_apply_names(const struct vfs_ino_map *m, void *buf,
			     size_t n);

/* Whether the kernel follows host symlinks itself below @vpath under a
 * share rule: in /proc, /sys and /dev, where magic links (/dev/stdin,
 * /proc/self/fd/N) cannot be followed as text.  A symlink in any other
 * shared tree is followed virtually, each component under its own rule:
 * one leading out of the shared tree (into a writecopy or hidden one)
 * must not reach the host there. */
static inline bool vfs_share_kernel_follows(const char *vpath)
{
	static const char *const trees[] = { "/proc", "/sys", "/dev" };

	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		size_t n = strlen(trees[i]);

		if (!strncmp(vpath, trees[i], n) &&
		    (vpath[n] == '/' || vpath[n] == '\0'))
			return true;
	}
	return false;
}

/* A host entry under writecopy, readonly or a share outside /proc, /sys
 * and /dev, whose open must not let the kernel follow a host symlink past
 * the rules (VFS_F_NO_HANDOFF): /proc, /sys and /dev keep the kernel's own
 * following (/dev/stdin). */
static inline bool vfs_res_host_checked(const struct vfs_res *res)
{
	return res->layer == VFS_LAYER_HOST &&
	       (res->rule == VFS_RULE_WRITECOPY ||
		res->rule == VFS_RULE_READONLY ||
		(res->rule == VFS_RULE_SHARE &&
		 !vfs_share_kernel_follows(res->vpath)));
}

/*
 * What a stat of @res reports beyond its real file's own answer:
 * - a merged directory's link count is 1, overlayfs's "not counted": the
 *   top layer's own count may be fewer than the union's subdirectories,
 *   and programs that trust st_nlink (Perl's File::Find, fts' leaf
 *   optimisation) would skip some.  Needs res->merged_dir (no
 *   VFS_F_NO_MERGED).
 * - a package entry's ctime is its mtime: extraction fills a file in
 *   place on first use, which would move its ctime (git's index would see
 *   every file read as changed), and a package never changes.
 * - a package file not extracted yet is a sparse placeholder of its size:
 *   its block count is the one it gets once filled, whole blocks of
 *   st_blksize, as a file written there would have (du and ls -s would
 *   count it as empty until it is read).
 */
static inline uint64_t vfs_filled_blocks(const struct vfs_res *res,
					 uint64_t size, uint64_t blocks,
					 uint64_t blksize)
{
	if (!res->needs_extract || blocks || !size || blksize < 512)
		return blocks;
	return (size + blksize - 1) / blksize * (blksize / 512);
}

/*
 * The origin table (origin.c): a copy-up keeps the entry's identity.  An
 * upper entry copied up from a lower one reports that one's st_dev and
 * st_ino, in stat, fstat, statx and a listing's d_ino, as overlayfs does.
 * vfs_origin_stat/statx change a stat of any file: only entries of the
 * upper layer's device with a record are changed.  vfs_origin_ino: the
 * d_ino to list for upper inode @ino of type @mode.
 */
void vfs_origin_stat(const struct vfs *vfs, struct stat *st);
void vfs_origin_statx(const struct vfs *vfs, struct statx *stx);
uint64_t vfs_origin_ino(const struct vfs *vfs, uint64_t ino, mode_t mode);
/* Whether any entry has a record now; whether device @dev is the upper
 * layer's (a table being there). */
bool vfs_origin_any(const struct vfs *vfs);
bool vfs_origin_on_upper(const struct vfs *vfs, uint64_t dev);
/* The getdents64 records in @buf (@n bytes) of a directory of the upper
 * layer: d_ino as vfs_origin_ino says. */
void vfs_origin_dirents(const struct vfs *vfs, void *buf, size_t n);
bool vfs_origin_of(const struct vfs *vfs, uint64_t dev, uint64_t ino,
		   mode_t mode, uint64_t *odev, uint64_t *oino);
/* Around a change that may take the upper entry at real path @real its
 * last name (removal, rename over it): vfs_origin_key before, its record
 * into @key; vfs_origin_drop after, which removes that record unless
 * @real still names the entry (the change failed: it keeps its
 * identity).  Supervisor only: the shim leaves such a change to it
 * (vfs_origin_held: there is a record to drop; @lst: the entry's lstat
 * just made by the caller, or NULL to make one). */
struct vfs_origin_key {
	uint64_t ino, odev, oino; /* ino 0: no record */
	uint32_t mode;		  /* S_IFMT */
};
void vfs_origin_key(const struct vfs *vfs, const char *real,
		    struct vfs_origin_key *key);
void vfs_origin_drop(struct vfs *vfs, const char *real,
		     const struct vfs_origin_key *key);
bool vfs_origin_held(const struct vfs *vfs, const char *real,
		     const struct stat *lst);
/* `appv overlay reset`: the table of upper directory @upper emptied. */
int vfs_origin_reset_file(const char *upper);

/*
 * The owner a directory of the upper layer shows when the copy could not
 * keep its lower twin's (an unprivileged user's copy of a root-owned host
 * directory made as the parent of a copy-up or a new entry: /tmp, /home,
 * or the upper layer's own directory, which stands for "/"): the host
 * twin's, as the permission checks take it (perm.c).  *@uid and *@gid are
 * the upper copy's, replaced.  One host lstat.
 */
void vfs_twin_owner(struct vfs *vfs, const struct vfs_res *res, uid_t *uid,
		    gid_t *gid);
/* For a stat of @res: vfs_twin_owner, when it is a merged upper directory
 * owned by the caller, who is not root (root's copies keep their owner,
 * and root may change it). */
void vfs_twin_owner_stat(struct vfs *vfs, const struct vfs_res *res,
			 uid_t *uid, gid_t *gid);

static inline void vfs_fix_stat(struct vfs *vfs, const struct vfs_res *res,
				struct stat *st)
{
	if (res->layer == VFS_LAYER_UPPER)
		vfs_origin_stat(vfs, st);
	if (res->layer == VFS_LAYER_UPPER && res->merged_dir &&
	    S_ISDIR(st->st_mode))
		vfs_twin_owner_stat(vfs, res, &st->st_uid, &st->st_gid);
	if (res->merged_dir && S_ISDIR(st->st_mode))
		st->st_nlink = 1;
	if (res->layer == VFS_LAYER_IMAGE) {
		st->st_ctim = st->st_mtim;
		/* A directory is u+rx in the cache: the package's bits. */
		if (S_ISDIR(st->st_mode) && S_ISDIR(res->mode))
			st->st_mode = (st->st_mode & ~(mode_t)0777) |
				      (res->mode & 0777);
		if (S_ISREG(st->st_mode))
			st->st_blocks = (blkcnt_t)vfs_filled_blocks(
			    res, (uint64_t)st->st_size,
			    (uint64_t)st->st_blocks, (uint64_t)st->st_blksize);
	}
}

/* A package entry's times in statx: its mtime as ctime, and no birth
 * time, as SquashFS has none (the cache's, its extraction, came after the
 * package's ctime). */
static inline void vfs_image_statx_times(struct statx *stx)
{
	stx->stx_ctime = stx->stx_mtime;
	stx->stx_mask &= ~(uint32_t)STATX_BTIME;
	memset(&stx->stx_btime, 0, sizeof(stx->stx_btime));
}

static inline void vfs_fix_statx(struct vfs *vfs, const struct vfs_res *res,
				 struct statx *stx)
{
	if (res->layer == VFS_LAYER_UPPER)
		vfs_origin_statx(vfs, stx);
	if (res->layer == VFS_LAYER_UPPER && res->merged_dir &&
	    S_ISDIR(stx->stx_mode) && (stx->stx_mask & STATX_UID))
		vfs_twin_owner_stat(vfs, res, &stx->stx_uid, &stx->stx_gid);
	if (res->merged_dir && S_ISDIR(stx->stx_mode))
		stx->stx_nlink = 1;
	if (res->layer == VFS_LAYER_IMAGE) {
		vfs_image_statx_times(stx);
		if (S_ISDIR(stx->stx_mode) && S_ISDIR(res->mode))
			stx->stx_mode = (uint16_t)((stx->stx_mode & ~0777u) |
						   (res->mode & 0777));
		if (S_ISREG(stx->stx_mode) && (stx->stx_mask & STATX_BLOCKS))
			stx->stx_blocks = vfs_filled_blocks(
			    res, stx->stx_size, stx->stx_blocks,
			    stx->stx_blksize);
	}
}

/* Materialise the union listing of the merged directory @res (upper ∪
 * image ∪ host minus what rules hide) as a real directory under run_dir,
 * whose path is written to @out.  Supervisor only. */
int vfs_merge_dir(struct vfs *vfs, const struct vfs_res *res, char *out,
		  size_t cap);

/* Whether merged directory @res lists exactly as the image's own directory
 * in the content cache (the case vfs_merge_dir answers with that directory:
 * an upper directory holding only same-typed copies of image entries - no
 * whiteout, no opaque marker, no new name -, no host directory, no rule
 * below), or as the host's own directory (the same with copies of host
 * entries and no image directory; asked again at every call: the host is
 * not versioned); then that directory's path into @out and 1, else 0, and
 * res->cov_seq (0 for the host's).  Builds nothing: shim-safe. */
int vfs_merge_covered(struct vfs *vfs, struct vfs_res *res, char *out,
		      size_t cap);

/* Extraction state of image file @file (see vfs_res.image_file). */
bool vfs_image_extracted(const struct vfs *vfs, uint32_t file);

/*
 * Overlay operations (issue 3; supervisor only).  The upper layer records
 * deletions as whiteouts and replaced directories as opaque directories,
 * both as symlinks with reserved targets (vfs/README.md, "Whiteouts"):
 *   whiteout: <upper><vpath> -> VFS_WHITEOUT_TARGET
 *   opaque:   <upper><dir>/VFS_OPAQUE_NAME -> VFS_OPAQUE_TARGET
 * The resolver, vfs_merge_dir and the name filter honour them; the
 * application never sees them.
 */
#define VFS_WHITEOUT_TARGET "\001appv-whiteout"
#define VFS_OPAQUE_NAME ".appv-opaque"
#define VFS_OPAQUE_TARGET "\001appv-opaque"

enum vfs_marker {
	VFS_MARKER_NONE = 0,
	VFS_MARKER_WHITEOUT,
	VFS_MARKER_OPAQUE,
};

/* What the upper-layer entry at real path @real is (lstat + readlink of
 * symlinks only): VFS_MARKER_*, or -errno when it cannot be read. */
int vfs_upper_marker(const char *real);
/* True for a symlink target the application may not create (a marker). */
bool vfs_reserved_target(const char *target);

/* Like vfs_make_writable; VFS_CU_NO_DATA copies a regular file up empty
 * (O_TRUNC: no extraction needed).  A missing entry (layer NONE) whose
 * name holds a whiteout gets the whiteout removed.  Both return -ESTALE
 * when the lower entry was removed since @res was resolved (another
 * session's whiteout took its name): nothing was changed, resolve
 * again. */
#define VFS_CU_NO_DATA 0x1
/* VFS_CU_NAME_ONLY: for a name the caller replaces at once (rename over
 * a lower non-directory): only the upper parents are made and the name
 * noted, nothing is copied, so no empty stand-in ever shows under it;
 * res->real names where the new entry goes. */
#define VFS_CU_NAME_ONLY 0x2
int vfs_copy_up(struct vfs *vfs, struct vfs_res *res, unsigned int flags);

/* Whether a lower layer (image, host), as the rules and the upper layer's
 * opaque directories show it, holds canonical @vpath regardless of the
 * upper entry of that name: what removing the upper entry would uncover.
 * 1 (and *mode, may be NULL) or 0, or -errno. */
int vfs_lower_exists(struct vfs *vfs, const char *vpath, mode_t *mode);

/* Remove @res (resolved with VFS_INTENT_DELETE | VFS_F_NOFOLLOW): unlink
 * semantics, or rmdir semantics with @dir (-ENOTEMPTY when the union
 * listing is not empty).  The upper copy goes; a whiteout is left where a
 * lower entry would show.  Shared host paths are removed on the host.
 * Of several sessions removing one lower entry at once, one succeeds and
 * the others get -ENOENT, as natively; -ESTALE when the upper entry
 * became a directory meanwhile (resolve again). */
int vfs_remove(struct vfs *vfs, const struct vfs_res *res, bool dir);

/* mkdir @res (layer NONE, resolved with VFS_INTENT_CREATE): in upper (or
 * on a shared host path), honouring the process umask; over a whiteout of
 * a lower directory the new directory is opaque. */
int vfs_mkdir(struct vfs *vfs, struct vfs_res *res, mode_t mode);

/* Copy directory @res up with everything visible below it (recursively):
 * afterwards the upper tree alone is the directory's content, each copied
 * directory opaque (rename of a directory; then vfs_settle_dir).
 * @prepare (may be NULL) is called for each image regular file that
 * needs extraction before it is copied.  Updates res like
 * vfs_make_writable. */
int vfs_copy_up_tree(struct vfs *vfs, struct vfs_res *res,
		     int (*prepare)(void *ctx, struct vfs_res *res), void *ctx);
/* The two names of an exchange, each a directory (as vfs_copy_up_tree)
 * or not (as vfs_make_writable): both are copied up, or neither. */
int vfs_copy_up_pair(struct vfs *vfs, struct vfs_res *a, struct vfs_res *b,
		     int (*prepare)(void *ctx, struct vfs_res *res), void *ctx);

/* After a directory tree arrived at @vpath in upper by rename: drop the
 * markers in it and below, then make it opaque when a lower directory of
 * that name exists (0 or -errno).  @markers false: the tree came from a
 * name no lower layer held, so it holds no markers and is not read (a
 * big tree moves without a walk, and a watcher sees no IN_OPEN). */
int vfs_settle_dir(struct vfs *vfs, const char *vpath, bool markers);
/* Before upper directory @real is renamed to @to: made opaque when a
 * lower directory @to exists, so that it never shows merged with that one
 * there (vfs_settle_dir then keeps the marker).  0 or -errno. */
int vfs_opaque_before_move(struct vfs *vfs, const char *to, const char *real);
/* The whiteout vfs_rename_whiteout made (2) at upper path @real, inode
 * @ino (vfs_upper_ino), removed after a rename that failed before its
 * move, while it is that whiteout still.  Best effort. */
void vfs_rename_whiteout_undo(struct vfs *vfs, const char *real, ino_t ino);
/* The inode of upper entry @path, not followed; 0 when it cannot be
 * read. */
ino_t vfs_upper_ino(const char *path);
/* A directory renamed to missing name @res (layer NONE) is exchanged
 * with a whiteout there (RENAME_EXCHANGE), so that its old name turns
 * into the whiteout in the same step: no instant shows the lower
 * directory under either name.  1 when @res's upper name holds a
 * whiteout, 2 when it held nothing and @make put one in (res->real names
 * it; upper parents made); 0 when another entry or nothing (without
 * @make) is there; -ESTALE when another session took the name
 * meanwhile. */
int vfs_rename_whiteout(struct vfs *vfs, struct vfs_res *res, bool make);
/* Whether upper directory @real could be made opaque: 0, or -EPERM when
 * an entry of its own (not a marker) is named VFS_OPAQUE_NAME. */
int vfs_opaque_name_free(const char *real);

/* Drop the markers directly inside upper directory @res (empty in the
 * union): before the kernel renames over it or removes it. */
int vfs_clear_dir(struct vfs *vfs, const struct vfs_res *res);

/* Put a whiteout at @vpath in upper (upper parents created; an upper
 * non-directory there is replaced atomically). */
int vfs_whiteout(struct vfs *vfs, const char *vpath);

/* Run @fn(@ctx) under the overlay's grant lock (vfs/layer_upper.c): the
 * supervisor's change of an upper directory's mode (chmod) must not meet
 * another supervisor's temporary u+rwx on it, which would then be undone.
 * fn's result, or -errno when the lock cannot be had.  Supervisor only. */
int vfs_upper_locked(struct vfs *vfs, int (*fn)(void *ctx), void *ctx);
/* Put back a directory mode that a supervisor killed during a temporary
 * grant left behind (vfs_new does it outside the shim). */
void vfs_upper_recover(struct vfs *vfs);

/* Around one call's walk and change (supervisor only): the overlay's
 * moves lock (vfs/layer_upper.c), a read lock, or with @moves a write
 * lock (an rmdir; a rename once its copy-up is done), so that no other
 * session's supervisor moves or removes a directory a walk saw before the
 * change is made.  0 (also where the overlay has no such lock: read-only),
 * -EAGAIN while another session holds it (no wait: the supervisor asks
 * again while its caller lives, sup_upper_hold), or -errno (also when
 * the lock file cannot be opened: the call fails, asked again next time);
 * vfs_upper_unhold after the call.  vfs_upper_hold_moves: the
 * write lock of upper directory @upper for a process without a session
 * (`appv overlay reset`), held until the descriptor it returns (or
 * -errno) is closed. */
int vfs_upper_hold(struct vfs *vfs, bool moves);
void vfs_upper_unhold(struct vfs *vfs);
/* The lock's file opened (made if missing) ahead of the first call: 0 or
 * -errno, as vfs_upper_hold. */
int vfs_upper_moves_open(struct vfs *vfs);
int vfs_upper_hold_moves(const char *upper);

/* Tell the shims of every session on the overlay that upper directories
 * may have gone, moved or changed opaqueness (their caches of upper
 * directories, vfs/upper_dirs.c, are then dropped): after an rmdir, a
 * rename, a whiteout over a directory, an opaque mkdir.  Supervisor only.
 * vfs_names_bump_file: the same, given the upper directory's path, for
 * `appv overlay reset/rm` before and after the tree goes (0, or -errno);
 * it also forgets moves a killed supervisor left counted. */
void vfs_upper_changed(const struct vfs *vfs);
/* Around a move or removal of upper directories, instead of
 * vfs_upper_changed (vfs_upper_steady). */
void vfs_upper_change_begin(const struct vfs *vfs);
void vfs_upper_change_end(const struct vfs *vfs);
/* Inside those, around the step that changes what a walk finds (not a
 * copy-up before it): vfs_upper_moving. */
void vfs_upper_move_begin(const struct vfs *vfs);
void vfs_upper_move_end(const struct vfs *vfs);
int vfs_names_bump_file(const char *upper);
/* Directory @rel below the upper directory, opened O_PATH from it through
 * directories only (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): the upper tree
 * is the application's, which may have put a symlink on the way.  An fd,
 * or -errno. */
int vfs_upper_open_beneath(const struct vfs *vfs, const char *rel);
/* Whether an entry of @mode and @rdev is a device node that reaches a
 * device: none is made in the upper layer (mknod, copy-up), where
 * Landlock would let the session open it for writing.  A character device
 * 0:0 (overlayfs's whiteout, which image tools make) reaches none. */
static inline bool vfs_device_node(mode_t mode, dev_t rdev)
{
	return S_ISBLK(mode) || (S_ISCHR(mode) && rdev != 0);
}

/* Remember the upper directories the walk finds (vfs/upper_dirs.c), as
 * the shim does: a supervisor's resolver, which walks for programs
 * without the shim.  No-op without the overlay's shared page. */
void vfs_cache_dirs(struct vfs *vfs);
/* Keep the answers of read-only resolutions that depend on the overlay's
 * versions alone (vfs/upper_paths.c), @on or not from now on: the shim's,
 * whose own changes bump them before they return; never a supervisor's,
 * which walks in the middle of its changes. */
void vfs_cache_paths(struct vfs *vfs, bool on);
/* Keep for a moment what reads saw of host directories (vfs/upper_dirs.c,
 * VFS_HOST_SEEN_US): the shim's, and a supervisor's whose reads are no
 * boundary (not strict mode: there a walk must see a host symlink that
 * leads into a hidden tree the moment it is made). */
void vfs_cache_host_seen(struct vfs *vfs);

/* Whether the union listing of directory @res is empty: 1 yes, 0 no. */
int vfs_dir_empty(struct vfs *vfs, const struct vfs_res *res);

/* Remove a listing made by vfs_merge_dir (the whole <run_dir>/m/<n>);
 * a cached one (<run_dir>/m/c<n>) stays. */
int vfs_merge_release(struct vfs *vfs, const char *listing);

/*
 * Superseded listings (vfs/merge_gc.c; supervisor only).  When
 * vfs_merge_gc_due says so, the caller - between two notifications, with
 * no listing on its way to a process - passes every real path a process
 * holds (readlink of a descriptor, cwd or root) to vfs_merge_gc_hold,
 * then calls vfs_merge_gc_sweep, which removes the superseded listings
 * none of them named; with @remove false (some process could not be
 * read) it removes none and only clears the marks.
 */
bool vfs_merge_gc_due(const struct vfs *vfs);
void vfs_merge_gc_hold(struct vfs *vfs, const char *real);
void vfs_merge_gc_sweep(struct vfs *vfs, bool remove);

/*
 * Permissions (vfs/perm.c; shim-safe).  The supervisor performs calls on
 * real files that are not the ones the kernel would check for the caller
 * (image directories are u+rx in the cache, copy-up makes files the
 * caller's own, the supervisor makes its own entries in upper directories
 * whatever their mode), so the virtual
 * tree's discretionary access control is emulated: the visible entry's
 * mode, uid and gid as stat reports them inside the sandbox (image
 * entries: the package's mode, the cache's owner) against the caller's
 * fsuid, fsgid, supplementary groups and capabilities, as the kernel's
 * generic_permission does (no ACLs).
 */
#define VFS_MAY_EXEC 1
#define VFS_MAY_WRITE 2
#define VFS_MAY_READ 4
#define VFS_CRED_GROUPS 256

struct vfs_cred {
	/* Fills the fields below on first need (0 or -errno); called at
	 * most once per object.  ctx is for it. */
	int (*load)(struct vfs_cred *cred);
	void *ctx;
	int state; /* 0: not loaded yet, 1: loaded, < 0: load failed */
	/* Check upper-layer entries and shared paths too: the resolver's
	 * own accesses are not the caller's (a privileged supervisor). */
	bool all_layers;
	uid_t fsuid;
	gid_t fsgid;
	unsigned int ngroups;
	gid_t groups[VFS_CRED_GROUPS];
	uint64_t cap_eff; /* CapEff bits */
};

struct vfs_meta {
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* A loader for the calling process itself (the shim): fsuid, fsgid,
 * groups, capabilities from the kernel. */
int vfs_cred_self(struct vfs_cred *cred);
/* The same with the ids access(2) checks with unless asked for AT_EACCESS:
 * the real uid and gid, the permitted capabilities for a real root and
 * none for anyone else. */
int vfs_cred_self_real(struct vfs_cred *cred);
/* Load @cred if needed: 0 or -errno. */
int vfs_cred_get(struct vfs_cred *cred);
/* Whether @cred may access an inode with @m for @may (VFS_MAY_*): 0 or
 * -EACCES (or the load error). */
int vfs_permission(struct vfs_cred *cred, const struct vfs_meta *m, int may);
/* The metadata of resolved @res as the sandbox shows it; -ESTALE when the
 * entry is gone since the resolution (another session removed it). */
int vfs_meta_of(struct vfs *vfs, const struct vfs_res *res,
		struct vfs_meta *m);
/* May @cred create an entry at canonical @vpath (write + search on its
 * virtual parent)?  0 or -EACCES; 0 without a check for a shared path
 * unless cred->all_layers, and for a parent the kernel checks itself. */
int vfs_may_create(struct vfs *vfs, struct vfs_cred *cred, const char *vpath);
/* May @cred remove (unlink, rmdir, rename away) @victim: write + search on
 * the parent (-EACCES), the sticky bit (-EPERM). */
int vfs_may_delete(struct vfs *vfs, struct vfs_cred *cred,
		   const struct vfs_res *victim);
/* Access check of an existing final entry @res for @may where the real
 * file opened is not the one the kernel would check for the caller: image
 * entries, merged directories (their listing), lower entries about to be
 * copied up for writing; everything with cred->all_layers.  0 or -EACCES. */
int vfs_may_access(struct vfs *vfs, struct vfs_cred *cred,
		   const struct vfs_res *res, int may);
/* What an attribute change needs (vfs_may_setattr). */
enum vfs_attr_need {
	VFS_ATTR_OWNER = 1, /* chmod, explicit times, ACLs: owner/CAP_FOWNER */
	VFS_ATTR_CHOWN,	    /* chown: owner/CAP_CHOWN */
	VFS_ATTR_NOW,	    /* times to now: owner/CAP_FOWNER or write */
	VFS_ATTR_WRITE,	    /* truncate, user xattrs: write access */
	VFS_ATTR_ADMIN,	    /* trusted and security xattrs: CAP_SYS_ADMIN */
	VFS_ATTR_SETFCAP,   /* security.capability: CAP_SETFCAP */
	VFS_ATTR_LINK,	    /* a hard link to it: vfs_may_link */
};
/* May @cred change @res's attributes as @need says, where the kernel
 * would not check it (a lower entry about to be copied up; everything
 * with cred->all_layers)?  0, -EPERM (not the owner) or -EACCES. */
int vfs_may_setattr(struct vfs *vfs, struct vfs_cred *cred,
		    const struct vfs_res *res, enum vfs_attr_need need);
/* The same checks, always made, on an entry of metadata @m: a file a
 * privileged supervisor changes through a descriptor, in place. */
int vfs_may_setattr_meta(struct vfs_cred *cred, const struct vfs_meta *m,
			 enum vfs_attr_need need);
/* fs.protected_hardlinks for a link to @res (same cases): the owner,
 * CAP_FOWNER, or a plain regular file the caller may read and write;
 * else -EPERM. */
int vfs_may_link(struct vfs *vfs, struct vfs_cred *cred,
		 const struct vfs_res *res);

#endif
