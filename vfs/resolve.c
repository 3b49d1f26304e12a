// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/resolve.c - the path walk.
 *
 * A path is walked one component at a time in the virtual tree.  For each
 * directory on the way we keep which layers hold it (flags[depth]), so that
 * a layer is asked about a child only while it holds the parent: the upper
 * directory is probed with one fstatat per component only while the prefix
 * exists there, the image costs a hash probe and no syscall.  Once a prefix
 * is in neither the upper layer nor the image, nothing below it can be
 * either, and the rest of the path - if it has no ".." and crosses no rule
 * prefix - is handed to the host kernel as one path (one lstat, or none with
 * VFS_F_HOST_LAZY).
 *
 * Known limit of that hand-off: the kernel follows host symlinks in the
 * handed-off part itself, so a host symlink that leads into a package or
 * overlay path (e.g. host /lib -> usr/lib when the package ships /usr/lib
 * files) reaches the host's files, not the virtual ones.  Symlinks found in
 * the upper layer or the image, a host symlink right under a directory of
 * the upper layer or the image (at the root: those read once by
 * vfs_host_root_links_load, at no syscall per walk), and host symlinks on
 * paths that are walked component by component are followed virtually.
 *
 * "/proc/self" is not special here: callers in the supervisor must put
 * "/proc/<pid>" in its place before resolving (the loader makes /proc,
 * /sys and /dev "share"); where a ".." or a symlink leads there, the walk
 * does it (vfs_req.self_tid, self_link).
 *
 * No allocation, no stdio: this runs inside the shim on every open/stat.
 */
#include <errno.h>
#include <string.h>

#include "../common/path.h"
#include "../common/sys.h"
#include "vfs_internal.h"

enum {
	IN_UPPER = 1,
	IN_IMAGE = 2,
	HOST_YES = 4,	/* the directory exists on the host */
	HOST_MAYBE = 8, /* may exist on the host, not probed yet */
	/* an upper directory whose opaqueness is not known yet: checked
	 * (host_allowed) only once the host is consulted below it */
	UNCHECKED = 16,
	/* no isolation rule names the directory or anything below it: its
	 * entries are under the default rule (vfs_rule_free) */
	RULE_FREE = 32,
};
#define HOST_ANY (HOST_YES | HOST_MAYBE)
#define MAX_DEPTH (PATH_MAX / 2)
#define MAX_LINKS 40
#define ROOTED (VFS_F_BENEATH | VFS_F_IN_ROOT)

struct walk {
	struct vfs *vfs;
	const struct vfs_req *req;
	char *vpath; /* res->vpath */
	size_t vlen;
	unsigned int depth;
	unsigned char flags[MAX_DEPTH + 1]; /* layers holding each prefix */
	char rest[2 * PATH_MAX];	    /* what is left to walk */
	size_t pos;
	/* w->rest is still appv_path_join's: "/" between components, none
	 * empty or ".", none after the last (a symlink's text breaks that) */
	bool rest_plain;
	int nlinks;
	bool followed;	     /* a symlink was followed virtually... */
	bool followed_lower; /* ...one from the upper layer or the image */
	bool dotdot;	     /* the walk met ".." */
	bool must_dir;	     /* trailing slash or VFS_F_DIRECTORY */
	bool slash;	     /* a trailing slash: the final symlink is followed */
	bool dot_end;	     /* the path ends in "." or "..": nothing to create */
	int base_comps;	     /* components of req->base still to consume */
	unsigned int anchor; /* depth of the BENEATH/IN_ROOT anchor (base) */
	bool base_virtual;   /* the base directory is not a host-only dir */
	char *link;	     /* scratch for symlink targets: res->real */
	/* The upper copy of the directory last descended into, at depth
	 * updir_depth (0: none, or not the final's parent any more). */
	struct layer_hit updir;
	unsigned int updir_depth;
	/* ...not looked up yet: the base's (seed_base), asked by
	 * kernel_decides only when the final entry is right in the base. */
	bool updir_lazy;
	/* host_parent_stat(AT_SYMLINK_NOFOLLOW) of the final entry's parent,
	 * when a create already asked (hparent_r; hparent_ok: valid). */
	struct stat hparent;
	int hparent_r;
	bool hparent_ok;
	/* w->vlen when the last upper probe of a final entry found it and
	 * put its lstat in req->final_st, else 0. */
	size_t st_vlen;
	/* appv_hash64 of vpath[0..hlen): extended as the walk descends, so
	 * that each byte is hashed once for the image probes; restarted
	 * whenever vpath loses its tail (reset_hash). */
	unsigned long long vhash;
	size_t hlen;
	/* The walk read what no version of the overlay covers - the host,
	 * an upper symlink, the caller's credentials: its answer is not
	 * kept (upper_paths.c). */
	bool unkept;
	/* ...or read only the host's directories on the way, from the
	 * shim's short memory of them (host_way_lookup): when the oldest was
	 * seen, else 0. */
	long long way_seen_us;
	/* A lazy hand-off, the way there plain (no symlink, no ".."), within
	 * the base's own components or below a base that is a host-only
	 * directory: any plain relative path from that base ends the same
	 * way (upper_paths.c, "Bases"). */
	bool lazy_plain, base_handoff, base_host;
	/* The depth of a virtual base (base_virtual), and whether the lazy
	 * hand-off was of the rest below the relative path's first
	 * component, a host-only directory right in that base: any plain
	 * relative path through that component ends the same way ("Bases"
	 * too: git's working directory once its .git is copied up). */
	unsigned int base_depth;
	bool first_handoff;
};

/* What the layers say about the component just appended to w->vpath. */
struct probe {
	int rule;
	enum vfs_layer top;   /* the visible entry; NONE when absent */
	struct layer_hit hit; /* of the top layer */
	unsigned char child;  /* flags for the entry, should it be a dir */
	bool blocked;	      /* a whiteout/opaque dir hides lower layers */
	bool opaque;	      /* the entry is an opaque upper directory */
	bool handed_off;      /* the rest of the path was given to the host */
	const char *relink;   /* the host's way to the entry: see relink() */
	bool host_parent; /* ... and the final's parent is a host-only dir */
	bool lazy;	  /* ... and not stat'ed (VFS_F_HOST_LAZY) */
	bool rule_free;	  /* no rule at or below the entry (RULE_FREE) */
};

static int push_name(struct walk *w, const char *c, size_t n)
{
	size_t add = n + (w->vlen > 1);

	if (w->vlen + add >= PATH_MAX || w->depth >= MAX_DEPTH)
		return -ENAMETOOLONG;
	if (w->vlen > 1)
		w->vpath[w->vlen++] = '/';
	memcpy(w->vpath + w->vlen, c, n);
	w->vlen += n;
	w->vpath[w->vlen] = '\0';
	return 0;
}

static void reset_hash(struct walk *w)
{
	w->vhash = APPV_HASH64_INIT;
	w->hlen = 0;
}

static void pop_name(struct walk *w)
{
	reset_hash(w);
	while (w->vlen > 1 && w->vpath[w->vlen - 1] != '/')
		w->vlen--;
	if (w->vlen > 1)
		w->vlen--;
	w->vpath[w->vlen] = '\0';
}

static unsigned char root_flags(const struct vfs *vfs)
{
	return IN_UPPER | (vfs->idx ? IN_IMAGE : 0) | HOST_YES;
}

/* The next component of w->rest: returns its length (0 at the end). */
static size_t next_comp(struct walk *w, const char **c)
{
	size_t n = 0;

	while (w->rest[w->pos] == '/')
		w->pos++;
	*c = w->rest + w->pos;
	while (w->rest[w->pos + n] && w->rest[w->pos + n] != '/')
		n++;
	w->pos += n;
	return n;
}

static bool at_end(const struct walk *w)
{
	size_t p = w->pos;

	while (w->rest[p] == '/')
		p++;
	return w->rest[p] == '\0';
}

static bool is_dotdot(const char *c, size_t n)
{
	return n == 2 && c[0] == '.' && c[1] == '.';
}

static bool rest_has_dotdot(const struct walk *w)
{
	return appv_path_has_dotdot(w->rest + w->pos);
}

static int probe_rule(struct walk *w, unsigned char pf, struct probe *p)
{
	p->rule_free = (pf & RULE_FREE) != 0;
	p->rule = p->rule_free
		      ? VFS_RULE_WRITECOPY
		      : vfs_rule_free(w->vfs, w->vpath, w->vlen, &p->rule_free);
	if (p->rule == VFS_RULE_HIDE)
		return -ENOENT;
	if (p->rule == VFS_RULE_DENY)
		return -EACCES;
	return 0;
}

static bool missing(int r)
{
	return r == -ENOENT || r == -ENOTDIR;
}

/* appv_hash64 of w->vpath[0..@len), hashing only what was appended since
 * the last call. */
static unsigned long long hash_to(struct walk *w, size_t len)
{
	if (w->hlen > len)
		reset_hash(w);
	w->vhash =
	    appv_hash64_more(w->vhash, w->vpath + w->hlen, len - w->hlen);
	w->hlen = len;
	return w->vhash;
}

/* Whether upper directory w->vpath holds the opaque marker. */
static bool opaque_here(struct walk *w)
{
	return vfs_upper_opaque_hashed(w->vfs, w->vpath, w->vlen,
				       hash_to(w, w->vlen));
}

/* Whether the cache of upper directories knows w->vpath, an upper
 * directory, to hold no opaque marker: then the walk need not ask. */
static bool known_plain(struct walk *w)
{
	struct vfs_dir_ent e;

	return w->vfs->dirs_on &&
	       vfs_dirs_get_hashed(w->vfs, w->vpath, w->vlen,
				   hash_to(w, w->vlen), &e) &&
	       e.opaque == VFS_DIRS_OPAQUE_NO;
}

/* vfs_image_ops.lookup of w->vpath. */
static int image_probe(struct walk *w, struct layer_hit *hit)
{
	int r;

	if (!w->vfs->idx)
		return -ENOENT;
	r = vfs_index_lookup_hashed(w->vfs->idx, w->vpath, w->vlen,
				    hash_to(w, w->vlen), &hit->ent);
	if (r == 0)
		vfs_image_hit(hit);
	return r;
}

/* The length of the final entry's parent in w->vpath: up to its last
 * slash ("/" for a top-level name). */
static size_t parent_len(const struct walk *w)
{
	size_t cut = w->vlen;

	while (cut > 0 && w->vpath[cut - 1] != '/')
		cut--;
	return cut > 1 ? cut - 1 : 1;
}

/* stat (@flags: AT_SYMLINK_NOFOLLOW or 0) of the final entry's parent on
 * the host. */
static int host_parent_stat(struct walk *w, struct stat *st, int flags)
{
	size_t cut = parent_len(w);
	char saved = w->vpath[cut];
	int r;

	w->unkept = true;
	w->vpath[cut] = '\0';
	r = appv_fstatat(AT_FDCWD, w->vpath, st, flags);
	w->vpath[cut] = saved;
	return r;
}

/*
 * host_parent_stat(AT_SYMLINK_NOFOLLOW) once per final entry, kept in
 * w->hparent for every caller: 0 or -errno.  Its callers ask it of an
 * upper directory (a create or a removal right in it: kernel_decides,
 * handoff), and most often of one made in the session, which has no host
 * twin (tar, make, an unpacker: every file it makes asks again).  So
 * "missing on the host" is kept with the directory in the cache of upper
 * directories (upper_dirs.c), valid under the directory generation read
 * before the directory's probe.  Why it still holds then: nothing in the
 * session makes a host directory where the upper layer shows (copies go
 * up, never down; below a share rule, where the session writes the host
 * itself, the walk leaves the upper layer: probe_virtual asks it only
 * while it holds the parent), and the directory removed or moved in the
 * overlay (maybe made again where a host twin is now) bumps the
 * generation.  A process outside the session that makes the host twin
 * later is not seen by the creates and removals in the upper copy until
 * then, as overlayfs leaves such changes of a lower layer undefined
 * (shim_base.c keeps host paths likewise); listings and lookups of its
 * names still ask the host.  Not told apart: the host directory made by
 * the session through another path that reaches it (a bind mount, a host
 * symlink under a share rule).
 */
static int host_parent_once(struct walk *w)
{
	size_t plen;
	unsigned long long ph;
	struct vfs_dir_ent e;
	bool known;

	if (w->hparent_ok)
		return w->hparent_r;
	plen = parent_len(w);
	ph = hash_to(w, plen);
	known = w->vfs->dirs_on &&
		vfs_dirs_get_hashed(w->vfs, w->vpath, plen, ph, &e);
	w->hparent_ok = true;
	w->hparent_r = -ENOENT;
	if (known && e.no_host)
		return w->hparent_r;
	w->hparent_r = host_parent_stat(w, &w->hparent, AT_SYMLINK_NOFOLLOW);
	if (known && missing(w->hparent_r)) {
		e.no_host = true;
		vfs_dirs_put_hashed(w->vfs, w->vpath, plen, ph, &e);
	}
	return w->hparent_r;
}

/* vfs_upper_ops.lookup of w->vpath; for a final entry, into req->final_st
 * when the caller gave one. */
static int upper_lookup(struct walk *w, struct layer_hit *hit)
{
	int r;

	if (!at_end(w) || !w->req->final_st)
		return vfs_upper_ops.lookup(w->vfs, w->vpath, w->vlen, hit);
	/* A final entry: its lstat is the caller's stat, should it be the
	 * answer (finish_found). */
	r = vfs_upper_lookup_st(w->vfs, w->vpath, w->vlen, hit,
				w->req->final_st);
	w->st_vlen = r == 0 ? w->vlen : 0;
	return r;
}

/*
 * upper_lookup, or what the caches know: of upper directories
 * (upper_dirs.c), for a directory on the way, not the final entry, whose
 * stat the caller wants; of names an upper directory does not hold
 * (upper_negs.c).
 */
static int upper_probe(struct walk *w, struct layer_hit *hit, bool *plain)
{
	/* The parent's hash first: the walk has it, or is on its way. */
	size_t plen = parent_len(w);
	unsigned long long ph = hash_to(w, plen), h = hash_to(w, w->vlen);
	struct vfs_dir_ent e;
	int r;

	*plain = false;
	if (w->vfs->dirs_on && (!at_end(w) || !w->req->final_st) &&
	    vfs_dirs_get_hashed(w->vfs, w->vpath, w->vlen, h, &e)) {
		*plain = e.opaque == VFS_DIRS_OPAQUE_NO;
		hit->mode = e.mode;
		hit->uid = e.uid;
		hit->gid = e.gid;
		hit->whiteout = false;
		hit->opaque = false;
		return 0;
	}
	if (vfs_negs_absent(w->vfs, w->vpath, w->vlen, plen, ph)) {
		if (at_end(w))
			w->st_vlen = 0;
		return -ENOENT;
	}
	if (!w->vfs->dirs_on || !vfs_upper_gen(w->vfs, &e.gen)) {
		r = upper_lookup(w, hit);
		goto out;
	}
	r = upper_lookup(w, hit);
	/* Not while a directory moves (vfs_upper_change_begin): the gen
	 * read before stays current until the move ends, and the entry
	 * would outlive its exchange with a whiteout (sys_rename). */
	if (r == 0 && S_ISDIR(hit->mode) && !hit->whiteout &&
	    vfs_upper_steady(w->vfs, e.gen)) {
		e.opaque = VFS_DIRS_OPAQUE_UNKNOWN;
		e.no_host = false; /* not asked yet (host_parent_once) */
		e.mode = hit->mode;
		e.uid = hit->uid;
		e.gid = hit->gid;
		vfs_dirs_put_hashed(w->vfs, w->vpath, w->vlen, h, &e);
	}
out:
	if (r == -ENOENT)
		vfs_negs_missed(w->vfs, w->vpath, plen, ph);
	return r;
}

/*
 * A name made with O_CREAT|O_EXCL right under an upper directory with no
 * lower twin (kernel_decides says 1) needs no upper probe: no other layer
 * shows there and no marker lives there (markers live only beside lower
 * twins), and the kernel's exclusive create answers EEXIST for whatever
 * the upper layer holds.
 */
static int kernel_decides(struct walk *w, const struct probe *p);

static bool excl_unprobed(struct walk *w, const struct probe *p)
{
	return (w->req->flags & VFS_F_EXCL) &&
	       w->req->intent == VFS_INTENT_CREATE && at_end(w) &&
	       kernel_decides(w, p) == 1;
}

/* Upper and image: who holds w->vpath, given the parent's flags @pf. */
static int probe_virtual(struct walk *w, unsigned char pf, struct probe *p)
{
	struct layer_hit hit;
	bool plain;
	int r;

	p->top = VFS_LAYER_NONE;
	p->child = 0;
	p->blocked = false;
	p->opaque = false;
	/* Top level: the shared name filter spares the probe of a name the
	 * upper directory cannot hold (upper_names.c). */
	if ((pf & IN_UPPER) &&
	    vfs_rule_shows_upper(p->rule) &&
	    (w->depth > 0 || w->vlen == 1 ||
	     vfs_names_maybe(w->vfs, w->vpath + 1, w->vlen - 1)) &&
	    !excl_unprobed(w, p)) {
		r = upper_probe(w, &p->hit, &plain);
		if (r < 0 && !missing(r))
			return r;
		if (r == 0 && p->hit.whiteout) {
			p->blocked = true;
			return 0;
		}
		if (r == 0) {
			p->top = VFS_LAYER_UPPER;
			p->blocked = p->hit.opaque || !S_ISDIR(p->hit.mode);
			p->child = S_ISDIR(p->hit.mode) ? IN_UPPER : 0;
			if (p->child && !plain)
				p->child |= UNCHECKED;
		}
	}
	if (p->blocked || !(pf & IN_IMAGE) || !vfs_rule_shows_image(p->rule))
		return 0;
	r = image_probe(w, &hit);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r; /* -EIO: a corrupt index entry */
	if (p->top == VFS_LAYER_NONE) {
		p->top = VFS_LAYER_IMAGE;
		p->hit = hit;
		p->blocked = !S_ISDIR(hit.mode);
	}
	if (S_ISDIR(hit.mode) && S_ISDIR(p->hit.mode)) {
		/* In upper and the image: opaque?  (The image probe was
		 * free; this costs a readlink unless the filter says no.) */
		if (p->child & UNCHECKED) {
			p->child &= (unsigned char)~UNCHECKED;
			if (opaque_here(w)) {
				p->opaque = true;
				p->blocked = true;
				return 0;
			}
		}
		p->child |= IN_IMAGE;
	}
	return 0;
}

/* The length of w->vpath's prefix of @depth components. */
static size_t prefix_len(const struct walk *w, unsigned int depth)
{
	unsigned int d = 0;

	for (size_t n = 1; n < w->vlen; n++)
		if (w->vpath[n] == '/' && ++d == depth)
			return n;
	return w->vlen;
}

/*
 * The host is about to be consulted below w->flags[0..@depth]: settle the
 * opaqueness of the upper directories on the way that were not checked
 * yet.  Below an opaque one the host is hidden: false, and the flags say
 * so from then on.
 */
static bool host_allowed(struct walk *w, unsigned int depth)
{
	unsigned long long h = APPV_HASH64_INIT; /* of vpath[0..hashed) */
	size_t len = 0, hashed = 0;

	for (unsigned int i = 1; i <= depth; i++) {
		/* the end of the i-th component: prefix_len(w, i) */
		len += len < w->vlen;
		while (len < w->vlen && w->vpath[len] != '/')
			len++;
		if (!(w->flags[i] & UNCHECKED))
			continue;
		w->flags[i] &= (unsigned char)~UNCHECKED;
		h = appv_hash64_more(h, w->vpath + hashed, len - hashed);
		hashed = len;
		if (!vfs_upper_opaque_hashed(w->vfs, w->vpath, len, h))
			continue;
		for (unsigned int j = i; j <= depth; j++)
			w->flags[j] &= (unsigned char)~(HOST_ANY | UNCHECKED);
		return false;
	}
	return true;
}

static bool host_visible(const struct walk *w, const struct probe *p,
			 unsigned char pf)
{
	return !p->blocked && (pf & HOST_ANY) &&
	       vfs_rule_host_at(w->vfs, p->rule, w->vpath, w->vlen);
}

/*
 * push_name of every component of a plain rest (w->rest_plain) in one
 * copy, each prefix a host directory: how many, or -ENAMETOOLONG.
 */
static int push_plain_rest(struct walk *w)
{
	const char *t = w->rest + w->pos;
	size_t n, comps = 0;

	if (w->vlen == 1 && *t == '/')
		t++; /* "/" itself separates */
	n = strlen(t);
	if (w->vlen + n >= PATH_MAX)
		return -ENAMETOOLONG;
	/* One slash before each component, but the first right under "/". */
	if (w->vlen == 1 && n > 0)
		comps++;
	for (size_t i = 0; i < n; i++)
		comps += t[i] == '/';
	if (w->depth + comps > MAX_DEPTH)
		return -ENAMETOOLONG;
	memcpy(w->vpath + w->vlen, t, n + 1);
	memset(w->flags + w->depth + 1, HOST_YES, comps);
	w->depth += (unsigned int)comps;
	w->vlen += n;
	w->pos = (size_t)(t + n - w->rest);
	return (int)comps;
}

/*
 * Hand the rest of the path to the host: w->vpath plus every remaining
 * component (no ".." among them, checked by the caller).  The kernel walks
 * it; a final symlink is left for the caller to follow virtually.
 */
static int handoff(struct walk *w, unsigned char pf, struct probe *p)
{
	const struct vfs_req *req = w->req;
	unsigned int parent = w->depth;
	const char *c;
	size_t n;
	int r;

	p->host_parent = w->depth > 0 && !(pf & (IN_UPPER | IN_IMAGE));
	if (w->rest_plain) {
		r = push_plain_rest(w);
		if (r < 0)
			return r;
		p->host_parent |= r > 0;
	}
	while ((n = next_comp(w, &c)) > 0) {
		if (n == 1 && c[0] == '.')
			continue;
		r = push_name(w, c, n);
		if (r < 0)
			return r;
		/* Host-only from here: every prefix is a host directory. */
		w->flags[++w->depth] = HOST_YES;
		p->host_parent = true;
	}
	/* p->rule stands: can_handoff() found no rule below the prefix it
	 * was computed for on the way to the final entry. */
	p->handed_off = true;
	/* Lazy only below a host-only directory: a final host symlink right
	 * under a virtual directory may lead to an entry of another layer,
	 * which the kernel, given the host path, would not find.  Nor above
	 * a rule: a directory there may list without a hidden name. */
	if ((req->flags & VFS_F_HOST_LAZY) && req->intent == VFS_INTENT_READ &&
	    !w->must_dir && p->host_parent &&
	    !vfs_rule_under(w->vfs, w->vpath, w->vlen)) {
		p->lazy = true;
		p->top = VFS_LAYER_HOST;
		p->hit.mode = 0;
		w->lazy_plain = !w->followed && !w->dotdot;
		w->base_handoff = w->base_comps >= 0;
		w->first_handoff =
		    w->base_virtual && parent == w->base_depth + 1;
		return 0; /* the host not asked: the walk may be kept */
	}
	w->unkept = true;
	/* A create right under an upper directory whose host twin is not
	 * known: kernel_decides will want the parent's host stat anyway, and
	 * a parent missing on the host (new directories: tar, make) says the
	 * name is missing too without a second stat. */
	if (req->intent == VFS_INTENT_CREATE && !p->host_parent &&
	    (pf & IN_UPPER) && (pf & HOST_MAYBE)) {
		if (missing(host_parent_once(w)) ||
		    (w->hparent_r == 0 && !S_ISDIR(w->hparent.st_mode) &&
		     !S_ISLNK(w->hparent.st_mode)))
			return 0;
	}
	if (p->rule == VFS_RULE_SHARE && !(req->flags & VFS_F_NOFOLLOW) &&
	    vfs_share_kernel_follows(w->vpath)) {
		/* Passthrough: the kernel follows a final symlink itself, so
		 * magic links (/proc/self/fd/N, /dev/stdin) keep their
		 * meaning; they cannot be followed as text. */
		struct stat st;

		r = appv_fstatat(AT_FDCWD, w->vpath, &st, 0);
		p->hit.mode = st.st_mode;
	} else {
		r = vfs_host_ops.lookup(w->vfs, w->vpath, w->vlen, &p->hit);
	}
	if (r == 0)
		p->top = VFS_LAYER_HOST;
	/* ENOTDIR for a name right under a virtual directory means the host
	 * holds a non-directory there, which the directory above hides. */
	if (r == -ENOENT || (r == -ENOTDIR && !p->host_parent))
		return 0;
	return r;
}

/* Whether the rest of the walk begins with the components of @q (a rule
 * prefix's part below w->vpath, e.g. "b/c"), "." and "//" aside. */
static bool rest_enters(const struct walk *w, const char *q)
{
	const char *t = w->rest + w->pos;

	/* A plain rest and @q (normalised) match byte for byte. */
	if (w->rest_plain) {
		size_t m = strlen(q);

		if (*t == '/')
			t++;
		return m > 0 && !strncmp(t, q, m) && (!t[m] || t[m] == '/');
	}
	for (;;) {
		size_t k, m = 0;

		do {
			while (*t == '/')
				t++;
			for (k = 0; t[k] && t[k] != '/'; k++)
				;
			if (k == 1 && t[0] == '.')
				t++;
			else
				break;
		} while (1);
		while (q[m] && q[m] != '/')
			m++;
		if (k == 0 || k != m)
			return false;
		for (size_t i = 0; i < k; i++)
			if (t[i] != q[i])
				return false;
		t += k;
		q += m;
		if (!*q)
			return true;
		q++;
	}
}

/* The names of the links under /proc and /dev that lead to the process's
 * own entries (/dev/fd -> /proc/self/fd, /dev/stdin -> /proc/self/fd/0). */
static const char *const dev_self[] = {"fd", "stdin", "stdout", "stderr"};

/* Which of them @c (@n bytes) is below w->vpath: 0 none, 1 /proc/self,
 * 2 /proc/thread-self, 3 + i dev_self[i]. */
static int self_kind(const struct walk *w, const char *c, size_t n)
{
	if (w->vlen == 5 && !memcmp(w->vpath, "/proc", 5)) {
		if (n == 4 && !memcmp(c, "self", 4))
			return 1;
		return n == 11 && !memcmp(c, "thread-self", 11) ? 2 : 0;
	}
	if (w->vlen != 4 || memcmp(w->vpath, "/dev", 4))
		return 0;
	for (int i = 0; i < 4; i++)
		if (strlen(dev_self[i]) == n && !memcmp(c, dev_self[i], n))
			return 3 + i;
	return 0;
}

/* Whether the rest begins with one of them (can_handoff). */
static bool self_ahead(const struct walk *w)
{
	const char *t = w->rest + w->pos, *c;
	size_t n;

	for (;;) {
		while (*t == '/')
			t++;
		if (t[0] != '.' || (t[1] && t[1] != '/'))
			break;
		t++;
	}
	c = t;
	for (n = 0; c[n] && c[n] != '/'; n++)
		;
	return n > 0 && self_kind(w, c, n) != 0;
}

/* Decimal @v at @out: its length. */
static size_t put_num(char *out, unsigned int v)
{
	char d[12];
	size_t n = 0, i = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		out[i++] = d[--n];
	return i;
}

/*
 * The walk, made for another process (req->self_tid), is about to enter
 * NAME (@c, @n bytes, just taken from the rest) below /proc or /dev, one
 * of that process's own links (self_kind): the walker, reading it or
 * leaving it to the kernel, would get its own.  Followed here instead as
 * the process's: NAME becomes in the rest what the link holds for it -
 * "TGID", "TGID/task/TID" (relative, as the kernel's), "/proc/TGID/fd"
 * and "/proc/TGID/fd/N" (from the root, as follow() takes a symlink).
 * 1 done, 0 not such a name (or a final one the call does not follow:
 * lstat shows the link), or -errno.
 */
static int self_link(struct walk *w, const char *c, size_t n, bool last)
{
	const struct vfs_req *req = w->req;
	char to[64];
	size_t m = 0, at = (size_t)(c - w->rest), tail;
	int k;

	if (req->self_tid <= 0 || !req->self_tgid || w->base_comps >= 0 ||
	    (last && (req->flags & VFS_F_NOFOLLOW) && !w->slash))
		return 0;
	k = self_kind(w, c, n);
	/* /dev's links are absolute: under BENEATH or IN_ROOT, follow()
	 * takes them as the kernel would, to /proc/self, met then. */
	if (k == 0 || (k > 2 && (req->flags & ROOTED)))
		return 0;
	if (++w->nlinks > MAX_LINKS || (req->flags & VFS_F_NO_SYMLINKS))
		return -ELOOP;
	if (k > 2) {
		memcpy(to, "/proc/", 6);
		m = 6;
	}
	m += put_num(to + m, (unsigned int)req->self_tgid(req->proc_ctx));
	if (k == 2) {
		memcpy(to + m, "/task/", 6);
		m += 6;
		m += put_num(to + m, (unsigned int)req->self_tid);
	} else if (k > 2) {
		memcpy(to + m, "/fd", 3);
		m += 3;
		if (k > 3) {
			to[m++] = '/';
			to[m++] = (char)('0' + k - 4);
		}
	}
	tail = strlen(w->rest + w->pos);
	if (at + m + tail + 1 > sizeof(w->rest))
		return -ENAMETOOLONG;
	memmove(w->rest + at + m, w->rest + w->pos, tail + 1);
	memcpy(w->rest + at, to, m);
	w->pos = at;
	w->rest_plain = false;
	w->followed = true;
	w->unkept = true;
	w->updir_depth = 0;
	w->updir_lazy = false;
	w->hparent_ok = false;
	if (k > 2) {
		w->vpath[1] = '\0';
		w->vlen = 1;
		w->depth = 0;
		w->flags[0] = root_flags(w->vfs);
		reset_hash(w);
	}
	return 1;
}

/*
 * May the rest be handed to the kernel: no "..", no rule prefix strictly
 * below w->vpath on the way (the path is not copied to find out).  A change
 * of a host entry lands in the upper layer at the path the walk names, so
 * its way there is walked here, host symlinks followed virtually (the
 * kernel would follow them on the host, and the copy would land at the
 * link's name); only the final name is handed off.  So is a shared
 * path's (a symlink in it may lead out of the shared tree), except in
 * /proc, /sys and /dev, where the kernel's walk is the right one.
 */
static bool can_handoff(struct walk *w, const struct probe *p)
{
	const struct vfs *vfs = w->vfs;

	/* The kernel would follow host symlinks in the tail by itself. */
	if (rest_has_dotdot(w) ||
	    (w->req->flags & (ROOTED | VFS_F_NO_SYMLINKS | VFS_F_NO_HANDOFF)))
		return false;
	/* The process's own links ahead are the walk's to follow
	 * (self_link): the kernel, walking for another, would take them
	 * for that one's. */
	if (w->req->self_tid > 0 && self_ahead(w))
		return false;
	if (w->req->intent != VFS_INTENT_READ && !at_end(w) &&
	    (p->rule != VFS_RULE_SHARE || !vfs_share_kernel_follows(w->vpath)))
		return false;
	/* Below the way through a hidden tree the hiding rule is back (a
	 * way reads as readonly: vfs_rule_for). */
	if (p->rule == VFS_RULE_READONLY && !at_end(w) &&
	    vfs_rule_way(vfs, w->vpath))
		return false;
	for (unsigned int i = 0; !p->rule_free && i < vfs->nrules; i++) {
		const struct vfs_rule_ent *r = &vfs->rules[i];

		if (r->len > w->vlen &&
		    appv_path_has_prefix(r->prefix, w->vpath) &&
		    rest_enters(w, r->prefix + w->vlen + (w->vlen > 1)))
			return false;
	}
	return true;
}

/* The host root symlink (/bin -> usr/bin on a merged-/usr host) whose
 * name is the top-level directory the walk is in, when that directory is
 * the upper layer's or the image's (so the walk did not follow the link),
 * else NULL.  Not below a BENEATH/IN_ROOT anchor. */
static const char *parent_root_link(const struct walk *w, unsigned char pf)
{
	if (w->depth != 1 || w->anchor > 0 || !(pf & (IN_UPPER | IN_IMAGE)))
		return NULL;
	return vfs_host_root_link(w->vfs, w->vpath, parent_len(w));
}

/* The host's entry at w->vpath for probe(): a directory on the way of a
 * read that the shim saw shortly before is taken as one, and so is nothing
 * seen there (upper_dirs.c, vfs_host_seen_get, tells why) - only where the
 * rest could go to the kernel (@kernel_rest: can_handoff), which follows
 * the entry itself should it have become a symlink.  A walk that goes on
 * component by component (realpath's, one with ".." ahead) names the
 * entry, or climbs back out of it: it must see a symlink as one. */
static int host_way_lookup(struct walk *w, struct probe *p, bool kernel_rest)
{
	bool keep = kernel_rest && w->req->intent == VFS_INTENT_READ &&
		    !at_end(w) && w->vfs->host_seen_on;
	unsigned long long h = keep ? hash_to(w, w->vlen) : 0;
	long long seen = 0;
	unsigned int gen;
	int r;

	if (keep && vfs_host_seen_get(w->vfs, w->vpath, w->vlen, h,
				      &p->hit.mode, &seen)) {
		p->hit.whiteout = p->hit.opaque = false;
		r = p->hit.mode ? 0 : -ENOENT;
		goto seen;
	}
	seen = keep && vfs_upper_gen(w->vfs, &gen) ? vfs_now_us() : 0;
	r = vfs_host_ops.lookup(w->vfs, w->vpath, w->vlen, &p->hit);
	/* Nothing there is kept only where the session cannot make it (not
	 * under share), as for a twin (host_twin_keepable); a directory, not
	 * what the walk must look at again (a symlink). */
	if (!seen || (r == 0 && !S_ISDIR(p->hit.mode)) ||
	    (r != 0 && (r != -ENOENT || p->rule == VFS_RULE_SHARE))) {
		w->unkept = true;
		return r;
	}
	vfs_host_seen_put(w->vfs, w->vpath, w->vlen, h, gen,
			  r == 0 ? p->hit.mode : 0, seen);
seen:
	if (!w->way_seen_us || seen < w->way_seen_us)
		w->way_seen_us = seen;
	return r;
}

/*
 * Whether the host twin of w->vpath, a directory of the upper layer or the
 * image, may be remembered as missing (upper_dirs.c): by a read, under a
 * rule that lets no process of the session make it on the host (not
 * share; a copy goes up, never down).
 */
static bool host_twin_keepable(const struct walk *w, const struct probe *p)
{
	return w->req->intent == VFS_INTENT_READ && p->rule != VFS_RULE_SHARE &&
	       w->vfs->host_seen_on;
}

/* The host twin of w->vpath, or of its parent, was seen missing shortly
 * before: find (fts) stats a package directory, opens it and stats it
 * again, then each directory in it, and each asked the host for its twin.
 * Asked only where the host would be (dir_layers): a walk that used the
 * memory is not kept, and most walks need no twin.  Known by the parent,
 * the entry's own is kept as seen when the parent's was (not later: the
 * second is the parent's), for the entries below it. */
static bool host_twin_gone(struct walk *w, const struct probe *p)
{
	unsigned long long h = hash_to(w, w->vlen);
	size_t plen = parent_len(w);
	long long seen;
	unsigned int gen;
	mode_t mode;

	if (!host_twin_keepable(w, p))
		return false;
	if (vfs_host_seen_get(w->vfs, w->vpath, w->vlen, h, &mode, NULL)) {
		if (mode != 0)
			return false;
	} else if (plen <= 1 ||
		   !vfs_host_seen_get(w->vfs, w->vpath, plen, hash_to(w, plen),
				      &mode, &seen) ||
		   mode != 0) {
		return false;
	} else if (vfs_upper_gen(w->vfs, &gen)) {
		vfs_host_seen_put(w->vfs, w->vpath, w->vlen, h, gen, 0, seen);
	}
	w->unkept = true; /* the host is not versioned: not kept longer */
	return true;
}

/* Probe w->vpath (just appended) in every layer, parent flags @pf. */
static int probe(struct walk *w, unsigned char pf, struct probe *p)
{
	int r = probe_rule(w, pf, p);
	bool kernel_rest;

	p->relink = NULL;
	p->handed_off = false;
	p->host_parent = false;
	p->lazy = false;
	if (r == 0)
		r = probe_virtual(w, pf, p);
	if (r < 0 || !host_visible(w, p, pf))
		return r;
	if (p->top != VFS_LAYER_NONE) {
		/* A directory from above may merge with the host's; find out
		 * only when a child or the caller needs it. */
		if (S_ISDIR(p->hit.mode))
			p->child |= HOST_MAYBE;
		return 0;
	}
	if (!host_allowed(w, w->depth))
		return 0;
	/* A name that a package's or the overlay's /bin does not hold is the
	 * host's /usr/bin's where the host's /bin is a link there: the walk
	 * takes that way (relink), as the kernel would follow the link. */
	if ((p->relink = parent_root_link(w, pf))) {
		w->unkept = true;
		return 0;
	}
	/* Under a directory of the upper layer or the image, a host entry
	 * with more path below it is looked at first: should it be a symlink,
	 * it is followed virtually (it may lead into another layer). */
	/* A host directory shown only as the way to a shared path below
	 * (under full) is looked at here: nothing else of it shows. */
	kernel_rest = vfs_rule_shows_host(p->rule) && can_handoff(w, p);
	if (kernel_rest &&
	    (at_end(w) || !(pf & (IN_UPPER | IN_IMAGE)) ||
	     (w->depth == 0 && !vfs_host_root_link(w->vfs, w->vpath, w->vlen))))
		return handoff(w, pf, p); /* asks the host unless lazy */
	r = host_way_lookup(w, p, kernel_rest);
	if (missing(r) ||
	    (r == 0 && !S_ISDIR(p->hit.mode) && !vfs_rule_shows_host(p->rule)))
		return 0;
	if (r == 0) {
		p->top = VFS_LAYER_HOST;
		p->child = S_ISDIR(p->hit.mode) ? HOST_YES : 0;
	}
	return r;
}

static int follow(struct walk *w, const struct probe *p)
{
	const struct vfs_layer_ops *ops = vfs_layer_ops(p->top);
	size_t tail, tlen;
	int r;

	if (++w->nlinks > MAX_LINKS || (w->req->flags & VFS_F_NO_SYMLINKS))
		return -ELOOP;
	/* A host symlink, or an upper one: removed, it bumps no version. */
	w->unkept |= p->top != VFS_LAYER_IMAGE;
	w->hparent_ok = false;
	r = 0;
	if (w->req->proc_link && w->vlen > 6 &&
	    !memcmp(w->vpath, "/proc/", 6)) {
		r = w->req->proc_link(w->req->proc_ctx, w->vpath, w->link,
				      PATH_MAX);
		if (r >= PATH_MAX)
			return -ENAMETOOLONG;
	}
	if (r == 0) {
		r = ops->readlink(w->vfs, w->vpath, &p->hit, w->link, PATH_MAX);
		/* Replaced or removed since the probe (another session's
		 * rename of a file over it): walked again (vfs_resolve). */
		if (p->top != VFS_LAYER_IMAGE && (r == -EINVAL || r == -ENOENT))
			return -ESTALE;
	}
	if (r < 0)
		return r;
	if (r == 0)
		return -ENOENT;
	tlen = (size_t)r;
	tail = strlen(w->rest + w->pos);
	if (tlen + 1 + tail + 1 > sizeof(w->rest))
		return -ENAMETOOLONG;
	memmove(w->rest + tlen + 1, w->rest + w->pos, tail + 1);
	memcpy(w->rest, w->link, tlen);
	w->rest[tlen] = '/';
	w->pos = 0;
	w->rest_plain = false;
	w->followed = true;
	w->updir_depth = 0;
	w->updir_lazy = false;
	w->followed_lower |= p->top != VFS_LAYER_HOST;
	pop_name(w);
	if (w->link[0] == '/' && (w->req->flags & VFS_F_BENEATH))
		return -EXDEV;
	if (w->link[0] == '/' && w->anchor > 0) {
		/* IN_ROOT: absolute means the anchor, which is a prefix of
		 * the walk (".." never pops it). */
		w->vlen = prefix_len(w, w->anchor);
		w->vpath[w->vlen] = '\0';
		w->depth = w->anchor;
	} else if (w->link[0] == '/') {
		w->vpath[0] = '/';
		w->vpath[1] = '\0';
		w->vlen = 1;
		w->depth = 0;
		w->flags[0] = root_flags(w->vfs);
	}
	return 0;
}

/*
 * The walk is at /D/NAME, D a directory of the upper layer or the image
 * that is a symlink to @target on the host, and no layer above the host
 * holds NAME: go on from the root with @target/NAME and the rest, as
 * following D would (a followed symlink: it counts towards MAX_LINKS).
 */
static int relink(struct walk *w, const char *target)
{
	size_t tl = strlen(target), nl, tail = strlen(w->rest + w->pos);
	const char *name;

	if (++w->nlinks > MAX_LINKS)
		return -ELOOP;
	name = w->vpath + parent_len(w) + 1;
	nl = w->vlen - (size_t)(name - w->vpath);
	if (tl + 1 + nl + 1 + tail + 1 > sizeof(w->rest))
		return -ENAMETOOLONG;
	memmove(w->rest + tl + 1 + nl + 1, w->rest + w->pos, tail + 1);
	memmove(w->rest + tl + 1, name, nl);
	w->rest[tl + 1 + nl] = '/';
	memcpy(w->rest, target, tl);
	w->rest[tl] = '/';
	w->pos = 0;
	w->rest_plain = false;
	w->followed = true;
	w->updir_depth = 0;
	w->updir_lazy = false;
	w->hparent_ok = false;
	w->vpath[1] = '\0';
	w->vlen = 1;
	w->depth = 0;
	w->flags[0] = root_flags(w->vfs);
	return 0;
}

/* The walk ended on a directory (the root, or after ".."): probe it. */
static int probe_dir(struct walk *w, struct probe *p)
{
	if (w->depth == 0)
		return probe(w, root_flags(w->vfs), p);
	w->depth--;
	return probe(w, w->flags[w->depth], p);
}

static void count_base(struct walk *w)
{
	if (w->base_comps == 0) {
		w->base_virtual = w->flags[w->depth] & (IN_UPPER | IN_IMAGE);
		w->base_host = !w->base_virtual;
		w->base_depth = w->depth;
	}
	if (w->base_comps >= 0)
		w->base_comps--;
}

static int walk(struct walk *w, struct probe *p)
{
	for (;;) {
		const char *c;
		size_t n;
		bool last;
		int r;

		count_base(w);
		n = next_comp(w, &c);
		if (n == 0)
			return probe_dir(w, p);
		last = at_end(w);
		if (n == 1 && c[0] == '.')
			continue;
		if (is_dotdot(c, n)) {
			w->dotdot = true;
			w->updir_depth = 0;
			w->updir_lazy = false;
			/* At the root (or the IN_ROOT anchor) ".." stays. */
			if (w->depth <= w->anchor &&
			    (w->req->flags & VFS_F_BENEATH))
				return -EXDEV;
			if (w->depth > w->anchor) {
				pop_name(w);
				w->depth--;
			}
			continue;
		}
		r = self_link(w, c, n, last);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		/* A name longer than NAME_MAX is ENAMETOOLONG whatever
		 * the layer (the image lookup alone would say ENOENT). */
		r = n > NAME_MAX ? -ENAMETOOLONG : push_name(w, c, n);
		if (r == 0)
			r = probe(w, w->flags[w->depth], p);
		if (r == 0 && p->relink)
			r = relink(w, p->relink);
		if (r < 0)
			return r;
		if (p->relink)
			continue;
		/* A relative path's base (the dirfd) is searched, never
		 * followed: one naming a symlink (O_PATH|O_NOFOLLOW) or a
		 * file is ENOTDIR, as natively. */
		if (w->base_comps == 0 && !w->followed && !p->handed_off &&
		    p->top != VFS_LAYER_NONE && !S_ISDIR(p->hit.mode))
			return -ENOTDIR;
		last = last || p->handed_off;
		if (p->top != VFS_LAYER_NONE && S_ISLNK(p->hit.mode) &&
		    (!last || !(w->req->flags & VFS_F_NOFOLLOW) || w->slash)) {
			r = follow(w, p);
			if (r < 0)
				return r;
			continue;
		}
		if (last)
			return 0;
		if (p->top == VFS_LAYER_NONE)
			return -ENOENT;
		if (!S_ISDIR(p->hit.mode))
			return -ENOTDIR;
		r = vfs_perm_search(w->vfs, w->req, p->top, &p->hit,
				    &w->unkept);
		if (r < 0)
			return r;
		w->flags[++w->depth] =
		    (unsigned char)(p->child | (p->rule_free ? RULE_FREE : 0));
		w->updir = p->hit;
		w->updir_depth = p->top == VFS_LAYER_UPPER ? w->depth : 0;
		w->updir_lazy = false;
	}
}

/* vfs_host_ops.lookup of the host twin of w->vpath, a directory of the
 * upper layer or the image; a missing one is remembered. */
static int host_twin_lookup(struct walk *w, const struct probe *p,
			    struct layer_hit *hit)
{
	bool keep = host_twin_keepable(w, p);
	unsigned int gen;
	int r;

	keep = keep && vfs_upper_gen(w->vfs, &gen);
	r = vfs_host_ops.lookup(w->vfs, w->vpath, w->vlen, hit);
	if (keep && r == -ENOENT)
		vfs_host_seen_put(w->vfs, w->vpath, w->vlen,
				  hash_to(w, w->vlen), gen, 0, 0);
	return r;
}

/* How many visible layers hold the final directory; *@no_host: the host
 * has no entry there (it was asked, or the parent is not on the host). */
static int dir_layers(struct walk *w, const struct probe *p, bool *no_host)
{
	struct layer_hit hit;
	int n = 1, r;

	/* An opaque directory is listed through vfs_merge_dir too, which
	 * hides its marker; so is one with a hidden or denied entry, which
	 * it leaves out. */
	if (p->opaque || vfs_rule_hides_child(w->vfs, w->vpath, w->vlen))
		return 2;
	if (p->top == VFS_LAYER_HOST)
		return vfs_rule_shows_host(p->rule) ? 1 : 2;
	if (p->top == VFS_LAYER_UPPER && (p->child & IN_IMAGE))
		n++;
	*no_host = !(p->child & HOST_ANY);
	w->unkept |= (p->child & HOST_MAYBE) != 0;
	if (!(p->child & HOST_MAYBE))
		r = -ENOENT;
	else if (host_twin_gone(w, p))
		r = -ENOENT;
	else
		r = host_twin_lookup(w, p, &hit);
	if (missing(r))
		*no_host = true;
	/* A host root symlink (/bin -> usr/bin) under a top-level directory
	 * of the upper layer or the image: its target is the host's side
	 * (relink), which the merge lists. */
	if (r == 0 && S_ISLNK(hit.mode) &&
	    vfs_host_root_link(w->vfs, w->vpath, w->vlen))
		hit.mode = S_IFDIR;
	if (r == 0 && S_ISDIR(hit.mode) && host_allowed(w, w->depth)) {
		if ((p->child & UNCHECKED) && opaque_here(w))
			return 2;
		n++;
	}
	/* An upper directory alone may still hold whiteouts of a lower one
	 * removed since (on the host, outside): listed through a merge,
	 * which hides them, when the filter says one was ever made here. */
	if (n == 1 && p->top == VFS_LAYER_UPPER &&
	    vfs_whiteouts_maybe(w->vfs, w->vpath, w->vlen))
		return 2;
	return n;
}

/* A create through a hand-off: the parent must be a host directory. */
static int host_parent_ok(struct walk *w)
{
	struct stat st;
	int r = host_parent_stat(w, &st, 0);

	if (r < 0)
		return r;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* w->updir, the upper copy of the final entry's parent (w->updir_depth
 * says it is one), looked up now if seed_base left it: false if none. */
static bool updir_ready(struct walk *w)
{
	size_t cut = parent_len(w);
	char saved = w->vpath[cut];
	int r;

	if (!w->updir_lazy)
		return true;
	w->updir_lazy = false;
	w->vpath[cut] = '\0';
	r = vfs_upper_ops.lookup(w->vfs, w->vpath, cut, &w->updir);
	w->vpath[cut] = saved;
	if (r == 0 && S_ISDIR(w->updir.mode))
		return true;
	w->updir_depth = 0;
	return false;
}

/*
 * May the final entry be created or removed right in the upper copy of its
 * parent, with the kernel's permission checks on that copy standing for
 * the virtual ones?  When the parent is an upper directory below the top
 * level with no lower twin, or only a host twin of the same owner, group
 * and mode (the usual copy of a host directory).  1 when it has no lower
 * twin at all, 2 when a host twin, 0 when not.
 */
static int kernel_decides(struct walk *w, const struct probe *p)
{
	unsigned char pf = w->flags[w->depth];
	const struct stat *st;
	int r;

	if (w->depth < 2 || p->host_parent || w->must_dir ||
	    (p->rule != VFS_RULE_WRITECOPY && p->rule != VFS_RULE_FULL) ||
	    !(pf & IN_UPPER) || (pf & IN_IMAGE))
		return 0;
	if (!(pf & HOST_ANY))
		return 1; /* opaque, or the host is hidden here */
	r = host_parent_once(w);
	st = &w->hparent;
	if (missing(r))
		return 1;
	if (r != 0 || !S_ISDIR(st->st_mode) || w->updir_depth != w->depth ||
	    !updir_ready(w))
		return 0;
	return st->st_uid == w->updir.uid && st->st_gid == w->updir.gid &&
		       (st->st_mode & 07777) == (w->updir.mode & 07777)
		   ? 2
		   : 0;
}

/* A new entry: no whiteout of the name either. */
static bool upper_create_ok(struct walk *w, const struct probe *p)
{
	return !p->blocked && kernel_decides(w, p) > 0;
}

/* An upper entry that hides nothing: no lower twin of the name (with a
 * host twin of the parent, the host is asked), so nothing lies below it
 * either.  For removals, and for the target of a rename (CREATE). */
static bool upper_delete_ok(struct walk *w, const struct probe *p)
{
	struct stat st;
	int k;

	if (p->top != VFS_LAYER_UPPER ||
	    (w->req->intent != VFS_INTENT_DELETE &&
	     w->req->intent != VFS_INTENT_CREATE))
		return false;
	k = kernel_decides(w, p);
	return k == 1 ||
	       (k == 2 && missing(appv_fstatat(AT_FDCWD, w->vpath, &st,
					       AT_SYMLINK_NOFOLLOW)));
}

/* Whether the directory holding @w's final entry is readonly where the
 * entry's own rule is not (--readonly /a with /a/b = writecopy or share,
 * or the way through a hidden tree): making, removing or replacing that
 * name changes the readonly directory. */
static bool parent_readonly(const struct walk *w)
{
	const char *slash = memrchr(w->vpath, '/', w->vlen);
	char dir[PATH_MAX];
	size_t n;

	/* The parent's flags say no rule covers it or lies below it:
	 * writecopy (every create in such a tree, tar's and make's, asks
	 * no more). */
	if ((w->flags[w->depth] & RULE_FREE) || !slash || w->vlen <= 1)
		return false;
	n = slash == w->vpath ? 1 : (size_t)(slash - w->vpath);
	memcpy(dir, w->vpath, n);
	dir[n] = '\0';
	return vfs_rule_for(w->vfs, dir) == VFS_RULE_READONLY;
}

static int finish_missing(struct walk *w, const struct probe *p,
			  struct vfs_res *res)
{
	int r;

	if (w->req->intent != VFS_INTENT_CREATE || w->dot_end)
		return -ENOENT;
	if (p->host_parent) {
		r = host_parent_ok(w);
		if (r < 0)
			return r;
	}
	if (p->rule == VFS_RULE_READONLY || parent_readonly(w))
		return -EROFS;
	res->layer = VFS_LAYER_NONE;
	res->mode = 0;
	res->upper_create = upper_create_ok(w, p);
	if (p->rule == VFS_RULE_SHARE)
		return vfs_host_ops.real(w->vfs, w->vpath, res->real, PATH_MAX);
	return vfs_upper_ops.real(w->vfs, w->vpath, res->real, PATH_MAX);
}

static int finish_found(struct walk *w, const struct probe *p,
			struct vfs_res *res)
{
	const struct vfs_layer_ops *ops = vfs_layer_ops(p->top);

	if (w->must_dir && !p->lazy && !S_ISDIR(p->hit.mode))
		return -ENOTDIR;
	if (p->rule == VFS_RULE_READONLY && w->req->intent != VFS_INTENT_READ)
		return -EROFS;
	/* A rename target (CREATE naming its entry) is replaced. */
	if ((w->req->intent == VFS_INTENT_DELETE ||
	     (w->req->intent == VFS_INTENT_CREATE &&
	      (w->req->flags & VFS_F_NAME))) &&
	    parent_readonly(w))
		return -EROFS;
	res->layer = p->top;
	res->mode = p->hit.mode;
	if (p->top == VFS_LAYER_IMAGE && S_ISREG(p->hit.mode)) {
		res->image_file = p->hit.ent.file_no;
		res->needs_extract =
		    !vfs_image_extracted(w->vfs, res->image_file);
	}
	res->final_stat = p->top == VFS_LAYER_UPPER && w->st_vlen == w->vlen;
	if (S_ISDIR(p->hit.mode) && !(w->req->flags & VFS_F_NO_MERGED) &&
	    (!(w->req->flags & VFS_F_MERGED_UPPER) ||
	     p->top == VFS_LAYER_UPPER))
		res->merged_dir = dir_layers(w, p, &res->no_host) >= 2;
	res->upper_delete = upper_delete_ok(w, p);
	return ops->real(w->vfs, w->vpath, res->real, PATH_MAX);
}

/* False exactly when the kernel, given the application's own path string,
 * would act on res->real: a host entry (or a create on a shared path) under
 * share/writecopy, reached without "..", following no symlink of the upper
 * layer or the image (host symlinks the kernel follows the same way: the
 * final entry is on the host, so nothing on the way was shadowed), and, for
 * a relative path, from a base directory that is a host-only directory (so
 * the process's real working directory is that same directory). */
static bool changed(const struct walk *w, const struct vfs_res *res)
{
	bool host =
	    res->layer == VFS_LAYER_HOST ||
	    (res->layer == VFS_LAYER_NONE && res->rule == VFS_RULE_SHARE);

	if (!host || w->followed_lower || w->dotdot)
		return true;
	/* A read under a readonly rule is what the kernel would make of the
	 * path too (the shim's own file is one, opened at every exec); a
	 * change there was EROFS already (finish_found). */
	if (res->rule != VFS_RULE_SHARE && res->rule != VFS_RULE_WRITECOPY &&
	    (res->rule != VFS_RULE_READONLY ||
	     w->req->intent != VFS_INTENT_READ))
		return true;
	/* A host base directory that lists without a hidden name is opened
	 * as its merged listing (dir_layers): its descriptor is no host
	 * directory for the kernel to walk from either. */
	return w->req->path[0] != '/' &&
	       (w->base_virtual || vfs_rule_hides_child(w->vfs, w->req->base,
							strlen(w->req->base)));
}

static int count_comps(const char *p)
{
	int n = 0;

	while (*p) {
		size_t k = 0;

		while (*p == '/')
			p++;
		while (p[k] && p[k] != '/')
			k++;
		n += k > 0 && !(k == 1 && p[0] == '.');
		p += k;
	}
	return n;
}

/* A fresh walk of req->path from the root, with w->rest = @base (req->base,
 * or "/" for a walk seed_base starts at req->base) joined with it. */
static int start(struct walk *w, struct vfs *vfs, const struct vfs_req *req,
		 const char *base, struct vfs_res *res)
{
	const char *path = req->path;
	bool slash = false;
	int r;

	if (!path || !path[0])
		return -ENOENT;
	if ((req->flags & ROOTED) && path[0] == '/') {
		if (req->flags & VFS_F_BENEATH)
			return -EXDEV;
		while (*path == '/')
			path++; /* IN_ROOT: absolute means the anchor */
		if (!*path)
			path = ".";
	}
	r = appv_path_join(base, path, w->rest, PATH_MAX, &slash);
	if (r < 0)
		return r;
	w->vfs = vfs;
	w->req = req;
	w->vpath = res->vpath;
	w->link = res->real;
	w->vpath[0] = '/';
	w->vpath[1] = '\0';
	w->vlen = 1;
	reset_hash(w);
	w->depth = 0;
	w->flags[0] = root_flags(vfs);
	w->pos = 0;
	w->rest_plain = true;
	w->nlinks = 0;
	w->hparent_ok = false;
	w->st_vlen = 0;
	w->followed = false;
	w->followed_lower = false;
	w->dotdot = false;
	w->dot_end = appv_path_last_is_dot(path);
	w->slash = slash && (!(req->flags & VFS_F_NAME) || w->dot_end);
	w->must_dir = w->slash || (req->flags & VFS_F_DIRECTORY);
	w->base_comps = path[0] == '/' ? -1 : count_comps(req->base);
	w->anchor = (req->flags & ROOTED) ? (unsigned int)count_comps(req->base)
					  : 0;
	w->base_virtual = false;
	w->updir_depth = 0;
	w->updir_lazy = false;
	w->unkept = false;
	w->way_seen_us = 0;
	w->lazy_plain = w->base_handoff = w->base_host = false;
	w->first_handoff = false;
	return 0;
}

/*
 * The layers of base prefix w->vpath (just pushed), a directory of the
 * upper layer, given its parent's flags @pf - what probe_virtual and probe
 * would find, without the upper probe: the caller knows the directory is
 * there.  false when the prefix is not plainly an upper directory under
 * its rule (hidden, denied, or a rule that does not show the upper layer).
 */
static bool seed_flags(struct walk *w, unsigned char pf, unsigned char *out)
{
	bool free = (pf & RULE_FREE) != 0;
	int rule = free ? VFS_RULE_WRITECOPY
			: vfs_rule_free(w->vfs, w->vpath, w->vlen, &free);
	unsigned char child;
	struct layer_hit hit;

	if (rule == VFS_RULE_HIDE || rule == VFS_RULE_DENY ||
	    !vfs_rule_shows_upper(rule))
		return false;
	if ((pf & IN_IMAGE) && vfs_rule_shows_image(rule) &&
	    image_probe(w, &hit) == 0 && S_ISDIR(hit.mode)) {
		child = IN_UPPER;
		if (opaque_here(w)) {
			/* nothing lower shows below it */
			*out = (unsigned char)(child | (free ? RULE_FREE : 0));
			return true;
		}
		child |= IN_IMAGE;
	} else {
		child = known_plain(w) ? IN_UPPER : IN_UPPER | UNCHECKED;
	}
	if ((pf & HOST_ANY) &&
	    vfs_rule_host_at(w->vfs, rule, w->vpath, w->vlen))
		child |= HOST_MAYBE;
	*out = (unsigned char)(child | (free ? RULE_FREE : 0));
	return true;
}

/*
 * A relative path from a base directory that has an upper copy - the
 * process's real working directory (or dirfd) lies in the upper layer - is
 * walked from that directory, not from "/": every prefix of the base is
 * then a directory of the upper layer (the kernel just named it), so the
 * prefixes need no upper probe each; their image and opaque state is
 * looked up as the walk would.  As natively, the base's ancestors are not
 * searched for permission.  false: walk from "/" as usual.
 */
static bool seed_base(struct walk *w)
{
	const char *b = w->req->base;

	while (*b) {
		size_t n = 0;
		unsigned char f;

		while (*b == '/')
			b++;
		while (b[n] && b[n] != '/')
			n++;
		if (n == 0)
			break;
		if ((n == 1 && b[0] == '.') || (n == 2 && b[0] == '.' &&
						b[1] == '.') ||
		    push_name(w, b, n) < 0 ||
		    !seed_flags(w, w->flags[w->depth], &f))
			return false;
		w->flags[++w->depth] = f;
		b += n;
	}
	w->base_comps = -1;
	w->base_virtual = true;
	w->base_depth = w->depth;
	/* A change right in the base may be the kernel's (kernel_decides):
	 * that compares the base's upper copy with its host twin, looked up
	 * then (most changes are deeper: tar -C). */
	if (w->req->intent != VFS_INTENT_READ && w->depth > 0) {
		w->updir_depth = w->depth;
		w->updir_lazy = true;
	}
	return true;
}

/* Nothing resolved yet: what a failed resolution leaves. */
static void res_clear(struct vfs_res *res)
{
	res->layer = VFS_LAYER_NONE;
	res->rule = VFS_RULE_WRITECOPY;
	res->changed = true;
	res->merged_dir = false;
	res->needs_extract = false;
	res->upper_create = false;
	res->upper_delete = false;
	res->final_stat = false;
	res->no_host = false;
	res->image_file = VFS_INDEX_NO_FILE;
	res->mode = 0;
}

/* Whether the answer @r, @res of walk @w may be kept (upper_paths.c):
 * it read nothing unversioned, and depends on no upper non-directory. */
static bool keepable(const struct walk *w, const struct vfs_res *res, int r)
{
	if (w->unkept || w->way_seen_us || (r < 0 && r != -ENOENT))
		return false;
	/* A host answer that asked nothing of the host is a lazy hand-off:
	 * the caller's own call asks. */
	if (r < 0 || res->layer == VFS_LAYER_IMAGE ||
	    res->layer == VFS_LAYER_HOST)
		return true;
	return res->layer == VFS_LAYER_UPPER && S_ISDIR(res->mode) &&
	       !res->final_stat;
}

/* The walk of @req into @w and @res: 0 or -errno. */
static int walk_once(struct vfs *vfs, const struct vfs_req *req,
		     struct vfs_res *res, struct walk *w)
{
	struct probe p;
	bool seed;
	int r;

	/* A seed walk's rest is the relative path alone; one that gives up
	 * half-way goes back to the root. */
	seed = req->base_upper && req->path && req->path[0] &&
	       req->path[0] != '/' && !(req->flags & ROOTED);
	r = start(w, vfs, req, seed ? "/" : req->base, res);
	if (r == 0 && seed && !seed_base(w))
		r = start(w, vfs, req, req->base, res);
	if (r == 0)
		r = walk(w, &p);
	if (r < 0)
		return r;
	res->rule = (enum vfs_rule)p.rule;
	if (p.top == VFS_LAYER_NONE)
		r = finish_missing(w, &p, res);
	else
		r = finish_found(w, &p, res);
	if (r < 0)
		return r;
	res->changed = changed(w, res);
	return 0;
}

static int resolve_once(struct vfs *vfs, const struct vfs_req *req,
			struct vfs_res *res)
{
	struct vfs_paths_key k;
	struct walk w;
	bool keep;
	int r;

	res_clear(res);
	keep = vfs_paths_key(vfs, req, &k);
	if (keep && vfs_paths_get(vfs, &k, res, &r))
		return r;
	if (keep && vfs_paths_base_get(vfs, &k, res))
		return 0;
	w.unkept = true; /* until the walk starts */
	w.lazy_plain = false;
	r = walk_once(vfs, req, res, &w);
	if (keep && keepable(&w, res, r))
		vfs_paths_put(vfs, &k, res, r);
	/* The host's directories on the way, if it read them, for as long
	 * as a walk would take them from its memory. */
	if (keep && r == 0 && !w.unkept && w.lazy_plain &&
	    (w.base_handoff || w.base_host || w.first_handoff))
		vfs_paths_base_put(vfs, &k, res, w.way_seen_us,
				   !w.base_handoff && !w.base_host);
	return r;
}

/* @p past any "/" and "." components. */
static const char *skip_dots(const char *p)
{
	for (;;) {
		while (*p == '/')
			p++;
		if (p[0] == '.' && (!p[1] || p[1] == '/'))
			p++;
		else
			return p;
	}
}

/* The base directory @base no longer resolves in the virtual tree.  (A
 * base that is a file is no removed directory: ENOTDIR stays.) */
static bool base_gone(struct vfs *vfs, const char *base, struct vfs_res *res)
{
	struct vfs_req q = { .path = base, .base = "/",
			     .intent = VFS_INTENT_READ,
			     .flags = VFS_F_NO_MERGED };
	int r = resolve_once(vfs, &q, res);

	return r == -ENOENT || r == -ENOTDIR;
}

bool vfs_dir_gone(struct vfs *vfs, const char *vpath)
{
	struct vfs_res res;

	return base_gone(vfs, vpath, &res);
}

/* "." of a removed base directory @base: an empty directory of the
 * session's scratch stands for it (listed empty, as natively). */
static int removed_dot(struct vfs *vfs, const char *base, struct vfs_res *res)
{
	struct stat st;
	int r;

	if (!vfs->cfg.run_dir[0] || strlen(base) >= sizeof(res->vpath))
		return -ENOENT;
	r = vfs_concat(res->real, sizeof(res->real), vfs->cfg.run_dir,
		       strlen(vfs->cfg.run_dir), "/e");
	if (r < 0)
		return r;
	r = appv_fstatat(AT_FDCWD, res->real, &st, 0);
	if (r < 0 || !S_ISDIR(st.st_mode))
		return -ENOENT;
	res_clear(res);
	strcpy(res->vpath, base);
	res->layer = VFS_LAYER_UPPER;
	res->rule = (enum vfs_rule)vfs_rule_for(vfs, base);
	res->mode = st.st_mode;
	return 0;
}

/*
 * A relative path from a base directory removed from the virtual tree (the
 * process's cwd or dirfd was deleted): as natively, a leading ".." climbs
 * to the base's lexical parent, "." is the removed directory (empty), and
 * any other name is ENOENT (@err).  Only ever called after a failed walk.
 */
static int resolve_gone_base(struct vfs *vfs, const struct vfs_req *req,
			     struct vfs_res *res, int err)
{
	struct vfs_req q = *req;
	char base[PATH_MAX];
	const char *p = req->path;
	size_t n = strlen(req->base);
	bool first = true;

	if (n >= sizeof(base) || req->base[0] != '/')
		return err;
	memcpy(base, req->base, n + 1);
	q.base_upper = false;
	for (;;) {
		if (!base_gone(vfs, base, res))
			return first ? err : resolve_once(vfs, &q, res);
		first = false;
		p = skip_dots(p);
		if (!*p)
			return req->intent == VFS_INTENT_READ
				   ? removed_dot(vfs, base, res)
				   : err;
		if (p[0] != '.' || p[1] != '.' || (p[2] && p[2] != '/'))
			return err;
		/* The lexical parent: never above "/" (a base has at least
		 * one component here, it was missing). */
		while (n > 1 && base[n - 1] != '/')
			n--;
		if (n > 1)
			n--;
		base[n] = '\0';
		p += 2;
		while (*p == '/')
			p++;
		q.base = base;
		q.path = *p ? p : ".";
	}
}

/* @path is "." or starts with "..", past any "./": all a removed base
 * directory can still lead to. */
static bool climbs_or_dot(const char *path)
{
	const char *p = skip_dots(path);

	return !*p ||
	       (p[0] == '.' && p[1] == '.' && (!p[2] || p[2] == '/'));
}

/*
 * Whether a walk that ended in a lower layer may have been misled by a
 * directory move or removal of another session (its supervisor counts
 * each while it runs, vfs_upper_change_begin): the walk lstats the upper
 * layer by path, so an upper directory exchanged with its whiteout (a
 * rename, sys_rename) between its lstat and its child's reads as a
 * directory without the child and without an opaque marker - and the
 * lower directory's file of that name (a changed file's old content)
 * would be the answer.  Natively a lookup racing a rename finds the
 * directory's own entry or nothing.  Not for the copy-up before a move
 * (vfs_upper_moving): that changes no answer, and a big tree's keeps
 * every lookup of a host path asking again and again meanwhile.
 */
static bool lower_unsteady(const struct vfs *vfs, bool have_gen,
			   unsigned int gen, int r, const struct vfs_res *res)
{
	return have_gen && r == 0 &&
	       (res->layer == VFS_LAYER_HOST ||
		res->layer == VFS_LAYER_IMAGE) &&
	       vfs_upper_moving(vfs, gen);
}

int vfs_resolve(struct vfs *vfs, const struct vfs_req *req, struct vfs_res *res)
{
	unsigned int gen = 0;
	bool have_gen = vfs_upper_gen(vfs, &gen);
	int r = resolve_once(vfs, req, res);

	/* A symlink on the way changed under the walk (follow). */
	for (int tries = 0; r == -ESTALE && tries < 3; tries++)
		r = resolve_once(vfs, req, res);
	/* Bounded: a long move (a big tree's copy-up) keeps the count. */
	for (int tries = 0;
	     tries < 32 && lower_unsteady(vfs, have_gen, gen, r, res);
	     tries++) {
		if (tries >= 4)
			APPV_SYS(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
		have_gen = vfs_upper_gen(vfs, &gen);
		r = resolve_once(vfs, req, res);
	}

	if ((r == -ENOENT || r == -ENOTDIR) && req->path &&
	    req->path[0] && req->path[0] != '/' && req->base &&
	    strcmp(req->base, "/") && !(req->flags & ROOTED) &&
	    climbs_or_dot(req->path))
		r = resolve_gone_base(vfs, req, res, r);
	return r;
}
