/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * vfs/vfs_internal.h - what the vfs/ files share: the resolver object and
 * the layer back ends.  Not part of the module's contract.
 */
#ifndef APPV_VFS_INTERNAL_H
#define APPV_VFS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include <stdint.h>

#include "image_index.h"
#include "vfs.h"

struct vfs_rule_ent {
	const char *prefix; /* points into vfs->cfg */
	size_t len;
	int rule;
};

/* rules.c: the bit of struct vfs's rule_tops for absolute path @vpath of
 * @len bytes (its first component), 0 for "/". */
uint64_t vfs_rule_top_bit(const char *vpath, size_t len);

/* Every process the shim starts in builds one: what it writes is kept
 * together (a fresh page costs a fault), the rest of cfg.rules last. */
/* held.c: a directory the shim names real paths from. */
struct vfs_held {
	int fd; /* -1: none (atomic) */
	dev_t dev;
	ino_t ino;
	size_t len; /* of its path: the real paths' prefix it stands for */
};

struct vfs {
	size_t alloc_len; /* of this mmap'ed object */
	size_t upper_len;
	char image_root[VFS_PATH_MAX + 8]; /* "<image_dir>/root", or "" */
	size_t image_root_len;
	char merge_root[VFS_PATH_MAX + 8]; /* "<run_dir>/m", or "" */
	size_t merge_root_len;
	struct vfs_index *idx;	    /* NULL without a package */
	const unsigned char *state; /* one byte per image file, shared map */
	size_t state_len;
	unsigned int nrules;
	struct vfs_rule_ent rules[VFS_MAX_RULES]; /* longest prefix first */
	/* A bit per rule's first component (vfs_rule_top_bit); all of them
	 * for a rule at "/": a path whose first component's bit is clear
	 * has no rule on it or below it (rules.c, apart). */
	uint64_t rule_tops;
	unsigned long merge_seq;   /* atomic: unique merged-listing numbers */
	struct merge_cache *mcache; /* merge.c: reusable listings, or NULL */
	struct merge_gc *mgc;	    /* merge_gc.c: superseded ones, or NULL */
	struct vfs_cov *cov;	    /* merge.c: covered directories seen */
	struct upper_names *names; /* shared filter of upper's top-level
				      names, or NULL: always probe */
	bool names_stale;	   /* its bits are not current: probe */
	bool dirs_on;		   /* cache upper directories in... */
	struct vfs_dirs *dirs;	   /* ...this, mapped on first use */
	uint64_t *epoch;	   /* upper_negs.c: the shared name epoch, or
				      NULL: nothing is cached */
	bool negs_on;		   /* cache upper names in... */
	struct vfs_negs *negs;	   /* ...this, mapped on first use */
	bool host_seen_on;	   /* keep what a read saw of the host for a
				      moment (upper_dirs.c) */
	bool paths_on;		   /* cache read resolutions in... */
	struct vfs_paths *paths;   /* ...this, mapped on first use */
	struct vfs_origin *origin; /* origin.c: the origin table (mapped on
				      first use in the shim), or NULL */
	int origin_fd;		   /* supervisor: its lock, or -1 */
	int moves_fd; /* supervisor: "<upper>.moves" (layer_upper.c),
			 -1 not opened yet, -2 none */
	int run_fd;		   /* supervisor: cfg.run_dir (O_PATH), or -1 */
	struct vfs_held held[2];   /* shim: VFS_HELD_CACHE, VFS_HELD_UPPER */
	/* perm.c: the owner of the image cache's files (what stat shows),
	 * looked up once: image_owner 0 unknown, 1 known (atomics). */
	int image_owner;
	uid_t image_uid;
	gid_t image_gid;
	/* layer_host.c: the host root's symlinks (/lib -> usr/lib...), read
	 * once: records of two length bytes and "name\0target\0". */
	char root_links[1024];
	size_t root_links_len;
	struct vfs_config cfg;
};

/* What one layer knows about one virtual path. */
struct layer_hit {
	mode_t mode;
	struct vfs_index_ent ent; /* image layer only */
	/* Upper layer only.  whiteout: the name is deleted (a whiteout, or
	 * an opaque marker looked up by name), nothing below shows through;
	 * opaque: unused by lookup (opaqueness is checked by the walk only
	 * where a lower twin exists: vfs_upper_opaque). */
	bool whiteout;
	bool opaque;
	uid_t uid; /* upper layer only: the owner (perm.c) */
	gid_t gid;
};

/*
 * A layer back end.  @vpath is canonical (absolute, no "." / ".." / "//",
 * symlinks above it resolved) and NUL-terminated at @len.
 *   lookup:   0 and @hit filled when the entry exists in the layer (without
 *             following a final symlink), -ENOENT or -ENOTDIR when it does
 *             not, another -errno on failure.
 *   readlink: the symlink target into @buf (NUL-terminated), or -errno.
 *   real:     the real path of @vpath in this layer; length or -ENAMETOOLONG.
 */
struct vfs_layer_ops {
	enum vfs_layer layer;
	int (*lookup)(const struct vfs *vfs, const char *vpath, size_t len,
		      struct layer_hit *hit);
	int (*readlink)(const struct vfs *vfs, const char *vpath,
			const struct layer_hit *hit, char *buf, size_t cap);
	int (*real)(const struct vfs *vfs, const char *vpath, char *out,
		    size_t cap);
};

extern const struct vfs_layer_ops vfs_upper_ops;
/* vfs_upper_ops.lookup, with the entry's lstat into @st. */
int vfs_upper_lookup_st(const struct vfs *vfs, const char *vpath, size_t len,
			struct layer_hit *hit, struct stat *st);
extern const struct vfs_layer_ops vfs_image_ops;
/* Fill @hit's mode and flags from the index entry just looked up into it. */
void vfs_image_hit(struct layer_hit *hit);
extern const struct vfs_layer_ops vfs_host_ops;

const struct vfs_layer_ops *vfs_layer_ops(enum vfs_layer layer);
/* layer_host.c: read the host root's symlinks once (vfs_new); the target of
 * the top-level host symlink @vpath ("/lib"), or NULL when it is not one. */
/* The zeroed table of @len bytes at *@slot, mapped on first use (a
 * thread that loses the race unmaps its own); NULL without memory. */
void *vfs_map_once(void **slot, size_t len);
/* Mapping @p (@len bytes) set at *@slot unless another thread set one
 * first: then @p is unmapped and that one is the answer. */
void *vfs_map_keep(void **slot, void *p, size_t len);
/* The first @len bytes of file @path, mapped shared and read-write;
 * @create (a supervisor): made, grown to @len and allocated first.
 * NULL when there is none, or it cannot be used (a hole: a shared mapping
 * of a full tmpfs would fault). */
void *vfs_map_file(const char *path, size_t len, bool create);
/* merge.c: make the overlay's shared table of covered directories,
 * "<upper>.cov" (a supervisor, as the session starts). */
void vfs_cov_create(const struct vfs *vfs);
/* merge.c: the copies' inodes by name (at most VFS_COV_PAIRS, *@n) of
 * covered directory @vpath, when this resolver saw it so, unchanged
 * since (one stat), over the cache directory @img (device, inode) - the
 * pairs left out keep that cache's inodes (not_in_image), which a cache
 * built again since does not hold; false when it does not know. */
#define VFS_COV_PAIRS 30
bool vfs_covered_known(const struct vfs *vfs, const char *vpath,
		       const uint64_t img[2], uint64_t (*pair)[2], uint32_t *n);
/* The same, with no stat, for the ticket of an open (vfs_covered_map_kept,
 * vfs.h). */
bool vfs_covered_kept(const struct vfs *vfs, const struct vfs_cov_ticket *t,
		      uint64_t (*pair)[2], uint32_t *n);
void vfs_host_root_links_load(struct vfs *vfs);
const char *vfs_host_root_link(const struct vfs *vfs, const char *vpath,
			       size_t len);

/* rules.c (vfs_rule_for is in vfs.h): vfs_rule_for of @vpath (@vlen
 * bytes), and in *@free whether no rule names it or anything below it:
 * everything below is then under the default (a walk need not ask again
 * for its entries). */
int vfs_rule_free(const struct vfs *vfs, const char *vpath, size_t vlen,
		  bool *free);
/* Whether a rule lies strictly beneath @dir on the way to @path (a walk
 * must then not skip components). */
bool vfs_rule_below(const struct vfs *vfs, const char *dir, size_t dlen,
		    const char *path);
/* Whether any rule lies strictly beneath the directory @dir. */
bool vfs_rule_under(const struct vfs *vfs, const char *dir, size_t dlen);
/* Whether @vpath (visible) is the way through a hidden tree to a rule
 * below it that shows something. */
bool vfs_rule_way(const struct vfs *vfs, const char *vpath);
/* Whether a hide or deny rule names an entry right in directory @dir. */
bool vfs_rule_hides_child(const struct vfs *vfs, const char *dir,
			  size_t dlen);
bool vfs_rule_shows_upper(int rule);
bool vfs_rule_shows_image(int rule);
bool vfs_rule_shows_host(int rule);
/* vfs_rule_shows_host, or @vpath under @rule is a host directory on the way
 * to a rule below it that shows the host. */
bool vfs_rule_host_at(const struct vfs *vfs, int rule, const char *vpath,
		      size_t vlen);

/* "<prefix><vpath>" into @out ("/" maps to the prefix itself). */
int vfs_concat(char *out, size_t cap, const char *prefix, size_t plen,
	       const char *vpath);

/* Decimal digits of @v written at @p (no NUL); returns how many (<= 20). */
size_t vfs_put_num(char *p, unsigned long v);
/* user.* extended attributes of @src onto @dst, by path (best effort). */
void vfs_copy_xattrs_path(const char *src, const char *dst);
/* copyup.c: a temporary name in the overlay's work directory (made on
 * first use), "<work>/<tag><pid>.<seq>", for build-then-rename; the work
 * directory's path (its length, or -errno). */
#define VFS_WORK_COPYUP ".appv-cu."
#define VFS_WORK_WHITEOUT ".appv-wh."
int vfs_temp_work(struct vfs *vfs, const char *tag, char *tmp, size_t cap);
int vfs_work_dir(const struct vfs *vfs, char *out, size_t cap);
/* Remove the temporaries that supervisors which died left in the work
 * directory (their pid is in the name).  Outside the shim. */
void vfs_work_sweep(struct vfs *vfs);

/*
 * upper_names.c: a shared, add-only filter (one page, two-hash bloom) of the
 * names directly under the upper directory, in the file "<upper>.names"
 * beside it.  It lets a walk skip the upper probe for a top-level name that
 * cannot be there - the syscall that otherwise costs as much as the
 * application's own stat.  Every creation in upper goes through
 * vfs_make_writable(), which notes the name before creating; vfs_new()
 * outside the shim creates the file and folds in the current listing
 * whenever the upper root's ctime differs from the one recorded; inside the
 * shim (read-only) a differing ctime disables the filter for the process.
 */
int vfs_names_open(struct vfs *vfs);
void vfs_names_close(struct vfs *vfs);
/* false only when @name (of @len bytes) is certainly absent from upper. */
bool vfs_names_maybe(const struct vfs *vfs, const char *name, size_t len);
/* Note the top-level name of @vpath before anything is created for it;
 * vfs_names_sync() records the upper root's ctime afterwards. */
void vfs_names_note(struct vfs *vfs, const char *vpath);
void vfs_names_sync(struct vfs *vfs);

/*
 * The directory generation, a counter in the same page: a supervisor bumps
 * it (vfs_upper_changed) after anything that can make an upper directory
 * stop being one at its path or change its opaqueness, mode or owner -
 * rmdir, rename, whiteouts and markers, chmod, chown and access ACLs, the
 * two ends of a temporary grant, a directory's copy-up - and `appv overlay reset/rm` before removing the tree
 * (vfs_names_bump_file, given the upper directory).  Read with
 * vfs_upper_gen (vfs.h).
 */

/*
 * upper_dirs.c: a per-process cache of upper directories, valid
 * while the directory generation is the one read before the probe that
 * found them.  vfs_dirs_get: whether @vpath is known to be an upper
 * directory now, with what the probe saw and the generation it is valid
 * under.  vfs_dirs_put: @e->gen as read before the probe.  The shim has
 * one, and a supervisor's resolver (vfs_cache_dirs: vfs->dirs_on).
 */
enum { VFS_DIRS_OPAQUE_UNKNOWN = 0, VFS_DIRS_OPAQUE_NO, VFS_DIRS_OPAQUE_YES };
struct vfs_dir_ent {
	unsigned int gen;
	int opaque; /* VFS_DIRS_OPAQUE_* */
	bool no_host; /* missing on the host when asked (resolve.c) */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	long long seen_us; /* a host directory's: when it was (upper_dirs.c) */
};
void vfs_dirs_free(struct vfs *vfs);

/*
 * upper_negs.c: the overlay's name epoch ("<upper>.epoch"), bumped after
 * every name appv makes in the upper layer (vfs_upper_created, vfs.h), and
 * a per-process cache of the names of upper directories listed under it.
 * vfs_negs_absent: whether the upper directory holding canonical @vpath's
 * parent (its first @plen bytes, "/" for a top-level name; @parent_hash
 * their appv_hash64) certainly has no entry of @vpath's name now.
 * vfs_negs_missed: a probe of a name in that directory found nothing
 * (after a few, it is listed).  vfs_epoch_open maps the epoch (the
 * supervisor creates it).
 */
void vfs_epoch_open(struct vfs *vfs);
void vfs_epoch_close(struct vfs *vfs);
/* The epoch page of the overlay whose upper directory is @upper (@len
 * bytes), mapped read-write (vfs_epoch_unmap); @create (a supervisor):
 * made first.  NULL when there is none, or it cannot be used. */
uint64_t *vfs_epoch_map(const char *upper, size_t len, bool create);
void vfs_epoch_unmap(uint64_t *epoch);
bool vfs_negs_absent(const struct vfs *vfs, const char *vpath, size_t len,
		     size_t plen, unsigned long long parent_hash);
void vfs_negs_missed(const struct vfs *vfs, const char *vpath, size_t plen,
		     unsigned long long parent_hash);
bool vfs_dirs_get(const struct vfs *vfs, const char *vpath, size_t len,
		  struct vfs_dir_ent *e);
void vfs_dirs_put(const struct vfs *vfs, const char *vpath, size_t len,
		  const struct vfs_dir_ent *e);
/* The same, given appv_hash64(@vpath, @len) (the walk extends it as it
 * descends). */
bool vfs_dirs_get_hashed(const struct vfs *vfs, const char *vpath, size_t len,
			 unsigned long long h, struct vfs_dir_ent *e);
void vfs_dirs_put_hashed(const struct vfs *vfs, const char *vpath, size_t len,
			 unsigned long long h, const struct vfs_dir_ent *e);
/* The shim's short memory of the host (upper_dirs.c tells why it may be
 * kept): vfs_host_seen_get, what was seen at @vpath (appv_hash64 @h) less
 * than VFS_HOST_SEEN_US ago: a directory, not a symlink (*@mode, its
 * mode), or nothing (*@mode 0), and when (*@seen_us, when not NULL);
 * vfs_host_seen_put, what is there (@gen: the directory generation read
 * before the lstat), seen at @seen_us (0: now). */
#define VFS_HOST_SEEN_US 1000000LL
/* Microseconds of the wall clock, from the vDSO (gettimeofday: the shim
 * may need no glibc newer than 2.14); 0 when unknown. */
long long vfs_now_us(void);
bool vfs_host_seen_get(const struct vfs *vfs, const char *vpath, size_t len,
		       unsigned long long h, mode_t *mode, long long *seen_us);
void vfs_host_seen_put(const struct vfs *vfs, const char *vpath, size_t len,
		       unsigned long long h, unsigned int gen, mode_t mode,
		       long long seen_us);

/*
 * upper_paths.c: the shim's cache of read-only resolutions (the reasons
 * it is safe are told there).  vfs_paths_key: whether @req may be
 * answered from the cache, with its key (which borrows @req's strings)
 * and the epoch and generation read now, before the walk.
 * vfs_paths_get: the answer kept for @k under those versions, into @res
 * (res_clear'ed) and *@r.  vfs_paths_put: keep the answer @r, @res of a
 * walk that read nothing unversioned (resolve.c decides) under @k's
 * versions, if they are still current.
 */
struct vfs_paths_key {
	uint64_t epoch;
	unsigned int gen;
	unsigned int bits; /* flags, and what else changes the answer */
	unsigned long long hash;
	bool hashed;
	const char *base; /* a relative path's, with its NUL; or NULL */
	size_t blen, plen;
	const char *path;
};
bool vfs_paths_key(const struct vfs *vfs, const struct vfs_req *req,
		   struct vfs_paths_key *k);
bool vfs_paths_get(const struct vfs *vfs, struct vfs_paths_key *k,
		   struct vfs_res *res, int *r);
void vfs_paths_put(const struct vfs *vfs, struct vfs_paths_key *k,
		   const struct vfs_res *res, int r);
/* vfs_paths_base_get: @k's answer made from its base, or from its base
 * and its path's first component, kept by vfs_paths_base_put for a walk
 * from there that handed a plain rest to the host (see "Bases" in
 * upper_paths.c; @first: below the first component); @res res_clear'ed.
 * @seen_us: when the oldest host directory the walk took from the shim's
 * memory was seen (0: none), kept no longer than that memory. */
bool vfs_paths_base_get(const struct vfs *vfs, const struct vfs_paths_key *k,
			struct vfs_res *res);
void vfs_paths_base_put(const struct vfs *vfs, const struct vfs_paths_key *k,
			const struct vfs_res *res, long long seen_us,
			bool first);
void vfs_paths_free(struct vfs *vfs);

/* Opaque directories (see vfs.h): a second add-only bloom filter in the
 * same page, of the full virtual paths of opaque directories.  false only
 * when the directory whose virtual path hashes to @h (appv_hash64) is
 * certainly not opaque.  vfs_opaque_note() is called before a marker is
 * created. */
bool vfs_opaque_maybe(const struct vfs *vfs, unsigned long long h);
/* Whether a whiteout or an opaque marker may ever have been made in upper
 * directory @vpath (@len bytes): a third filter in the same file, set by
 * vfs_whiteout_note for the parent of the whiteout @vpath and by
 * vfs_opaque_note for the opaque directory, before the marker is made.
 * Without the file: true. */
bool vfs_whiteouts_maybe(const struct vfs *vfs, const char *vpath,
			 size_t len);
void vfs_whiteout_note(struct vfs *vfs, const char *vpath);
void vfs_opaque_note(struct vfs *vfs, const char *vpath);

/* origin.c (see vfs.h): the supervisor maps the table read-write at
 * vfs_new, creating it; vfs_origin_note records, after a copy-up to the
 * upper entry @real, the lower entry's identity @lower. */
int vfs_origin_open(struct vfs *vfs);
void vfs_origin_close(struct vfs *vfs);
void vfs_origin_note(struct vfs *vfs, const char *real,
		     const struct stat *lower);

/* layer_upper.c: create the upper parents of @vpath, each with the mode,
 * times (and owner where permitted) of the corresponding lower directory
 * (0755 when none). */
int vfs_upper_make_parents(struct vfs *vfs, const char *vpath);

/* layer_upper.c: what the upper entry @path (relative to @dirfd) with
 * lstat @st is: VFS_MARKER_* (a readlink only for symlinks whose size is a
 * marker's). */
int vfs_marker_at(int dirfd, const char *path, const struct stat *st);
/* VFS_MARKER_* of a symlink target @target of @n bytes (readlink's
 * result; a negative @n is no marker). */
int vfs_marker_of(const char *target, ssize_t n);
/* Whether upper directory @vpath (@len bytes) holds the opaque marker
 * (the filter first, then one readlink). */
bool vfs_upper_opaque(const struct vfs *vfs, const char *vpath, size_t len);
/* ... with @h, appv_hash64 of those bytes, at hand (the walk's). */
bool vfs_upper_opaque_hashed(const struct vfs *vfs, const char *vpath,
			     size_t len, unsigned long long h);

/* perm.c: the walk descends into directory @hit (top layer @top): search
 * permission for req->cred.  0 or -EACCES; *@asked set when the directory
 * does not grant search to everyone, so that the answer is the caller's
 * own: checked here, or by the kernel on the walk's probes below it. */
int vfs_perm_search(struct vfs *vfs, const struct vfs_req *req,
		    enum vfs_layer top, const struct layer_hit *hit,
		    bool *asked);

/* resolve.c: request flag, internal: the final component's upper entry is
 * ignored (what lies beneath it). */
/* One record of getdents64 (the kernel's layout; glibc has no header). */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* perm.c: whether this process has CAP_DAC_OVERRIDE now (one capget). */
bool vfs_self_overrides_dac(void);

/*
 * layer_upper.c: the raw system call @nr(@a0..@a4) that makes or removes
 * an entry right in upper directory @dir (the first @dlen bytes of @dir):
 * a copy-up's temporary file and its rename, a whiteout, an opaque marker,
 * an upper parent, a hard link of a link group.  Upper directories carry
 * the virtual directory's exact mode, which may lack u+w or u+x: where the
 * kernel refuses (-EACCES) and this process does not override DAC, the
 * call is made again with u+rwx granted on @dir under the overlay's grant
 * lock, and the mode put back (vfs_upper_locked).  For the supervisor's
 * own bookkeeping only, never for the change the application asked for
 * (the kernel's refusal of that is the answer).  The call's result.
 */
long vfs_upper_sys(struct vfs *vfs, const char *dir, size_t dlen, long nr,
		   long a0, long a1, long a2, long a3, long a4);
/* The same where @dir is the parent of upper entry @path. */
/* open(O_RDONLY|O_DIRECTORY|O_NOFOLLOW) of upper directory @real for the
 * supervisor to read (merge, strip markers): with a grant as above when its
 * owner bits lack r or x.  Supervisor only. */
int vfs_upper_open_dir(struct vfs *vfs, const char *real);
long vfs_upper_sys_in(struct vfs *vfs, const char *path, long nr, long a0,
		      long a1, long a2, long a3, long a4);

/* vfs.c: call @fn for each entry of directory @fd from its offset on but
 * "." and "..": the first nonzero return of @fn, else 0 at the end, or
 * -errno from getdents. */
int vfs_each_dirent(int fd, int (*fn)(const struct linux_dirent64 *d,
				      void *ctx),
		    void *ctx);

/* merge_ino.c: the real inodes of a listing's placeholders, recorded as
 * they are made (package entries with @image and inode 0: their content
 * cache directory gives them), then written as the listing's inode map. */
struct vfs_inorec_ent {
	uint64_t ino;
	uint32_t name; /* offset in names */
	bool image;
};

struct vfs_inorec {
	struct vfs_inorec_ent *v;
	size_t n, vcap;
	char *names;
	size_t used, ncap;
	size_t nimage;
	bool failed; /* out of memory: no map */
};

void vfs_inorec_add(struct vfs_inorec *r, const char *name, uint64_t ino,
		    bool image);
/* Write the map of listing @listing_fd: package entries read from
 * @image_fd (-1: none), "." mapped to @self_ino.  0 or -errno. */
int vfs_inorec_write(const struct vfs *vfs, struct vfs_inorec *r,
		     int listing_fd, int image_fd, uint64_t self_ino);
void vfs_inorec_free(struct vfs_inorec *r);
/* The inode map's path <merge_root>/i<ino> of the listing directory of
 * inode @ino. */
int vfs_listing_map_path(const struct vfs *vfs, uint64_t ino, char *out,
			 size_t cap);
/* Its name i<ino> in <merge_root> (cap >= 22). */
void vfs_listing_map_name(uint64_t ino, char *out);

/* merge.c: the scratch directory @rel below @dirfd (vfs->run_fd, or one
 * opened by this), reached with no symlink on the way, or -errno.  The
 * application may write in the scratch: a directory it swapped for a
 * symlink fails (ELOOP, ENOTDIR, EXDEV) instead of redirecting the
 * supervisor's writes. */
int vfs_scratch_dir(int dirfd, const char *rel);
/* merge.c: remove the listing @listing (<merge_root>/[c]<n>[<vpath>]),
 * its inode map too, whoever holds it. */
int vfs_listing_remove(struct vfs *vfs, const char *listing);
/* merge.c: the number of the listing @path is in or below
 * (<merge_root>/[c]<n>...; numbers start at 1), 0 for any other path (an
 * inode map, a stand-in, a path outside the scratch). */
unsigned long vfs_listing_seq(const struct vfs *vfs, const char *path);
/* merge_gc.c: note the listing @listing, number @seq, of @nents entries,
 * as superseded (vfs_merge_gc_sweep removes it once nobody holds it);
 * vfs_merge_unretire forgets it (removed by its maker). */
void vfs_merge_retire(struct vfs *vfs, const char *listing, unsigned long seq,
		      unsigned long nents);
void vfs_merge_unretire(struct vfs *vfs, unsigned long seq);
void vfs_merge_gc_free(struct vfs *vfs);

/* merge.c: drop the listing cache (the listings stay for the session). */
void vfs_merge_cache_free(struct vfs *vfs);

#endif
