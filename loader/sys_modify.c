// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_modify.c - calls that change the name space: mkdir, mknod,
 * unlink/rmdir, rename, symlink, link.  Each resolves with the matching
 * intent, makes the entry writable (extraction, copy-up, upper parent
 * directories) and performs the call in the supervisor on the real path,
 * with the target's umask for creations.  Nothing on the host is touched
 * except through vfs results (the upper layer, or paths the user shared);
 * a shared path's name is changed relative to its parent directory,
 * opened with no symlink followed (sup_name_at), so that another process
 * swapping a directory of the share for a symlink cannot take the change
 * out of the share.
 *
 * Overlay semantics (vfs/modify.c): removing a lower entry leaves a
 * whiteout; mkdir over a deleted lower directory makes an opaque one;
 * rename copies the source up (a directory with everything below it),
 * renames inside upper and leaves a whiteout where a lower entry of the
 * old name would show; link copies a lower file up and links it there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/path.h"
#include "../common/sys.h"
#include "supervisor_internal.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif

/* The path names its final entry with a trailing slash ("name/", not
 * "name/."): resolved as that entry itself (VFS_F_NAME). */
static bool named_slash(const struct sup_path *p)
{
	return p->trailing_slash && !appv_path_last_is_dot(p->raw);
}

/* Resolve the final entry of a creation: it must not exist, and only a
 * directory (@dir: mkdir) may be made as "name/" (the kernel's ENOENT). */
static int resolve_new(struct appv_sc_call *c, int dirfd_arg, int path_arg,
		       bool dir, struct sup_path *p)
{
	int r = sup_resolve_arg(c, dirfd_arg, path_arg, VFS_INTENT_CREATE,
				VFS_F_NOFOLLOW | VFS_F_NAME, p);

	/* Strict mode continues no call on a path (sup_resolve_here). */
	if (r == 1 && c->s->strict)
		r = sup_resolve_here(c, VFS_INTENT_CREATE,
				     VFS_F_NOFOLLOW | VFS_F_NAME, p);
	if (r)
		return r;
	if (p->res.layer != VFS_LAYER_NONE)
		return -EEXIST;
	return !dir && named_slash(p) ? -ENOENT : 0;
}

/* sup_own_new of entry @name made in @dfd (sup_name_at): through the
 * parent's descriptor when it has one, whose magic link leads to the
 * directory that was opened (@name a component of it, not followed). */
static void own_new_at(struct appv_sc_call *c, int dfd, const char *name)
{
	char magic[PATH_MAX];

	if (dfd < 0) {
		sup_own_new(c, -1, name, false);
		return;
	}
	snprintf(magic, sizeof(magic), "/proc/self/fd/%d/%s", dfd, name);
	sup_own_new(c, -1, magic, false);
}

/* ... checks write permission on its parent (sys_perm.c) and prepares its
 * upper parent directories. */
static int resolve_create(struct appv_sc_call *c, int dirfd_arg, int path_arg,
			  bool dir, struct sup_path *p)
{
	int r = resolve_new(c, dirfd_arg, path_arg, dir, p);

	if (r == 0)
		r = sup_may_create(c, p);
	return r ? r : sup_make_writable(c, &p->res);
}

long sys_mkdir(struct appv_sc_call *c)
{
	bool at = c->req->data.nr == SYS_mkdirat;
	mode_t mode = (mode_t)c->args[at ? 2 : 1], um;
	_cleanup_close_ int dfd = AT_FDCWD;
	const char *name;
	struct sup_path p;
	int r = resolve_create(c, at ? 0 : -1, at ? 1 : 0, true, &p);

	if (r == 1)
		return SUP_CONTINUE; /* share rule on /proc, /dev: the kernel's
					own */
	if (r == 0)
		r = sup_name_at(&p, &dfd, &name);
	if (r < 0)
		return r;
	um = sup_umask_enter(c);
	r = dfd >= 0 ? appv_mkdirat(dfd, name, mode & 07777)
		     : vfs_mkdir(c->s->vfs, &p.res, mode & 07777);
	sup_umask_leave(um);
	if (r == 0)
		own_new_at(c, dfd, name);
	return r;
}

long sys_mknod(struct appv_sc_call *c)
{
	bool at = c->req->data.nr == SYS_mknodat;
	mode_t mode = (mode_t)c->args[at ? 2 : 1], um;
	dev_t dev = (dev_t)c->args[at ? 3 : 2];
	_cleanup_close_ int dfd = AT_FDCWD;
	const char *name;
	struct sup_path p;
	int r = resolve_create(c, at ? 0 : -1, at ? 1 : 0, false, &p);

	/* No device node, in the overlay or on a shared path: opened, it
	 * would reach the device - the host's disk, for a session run as
	 * root (vfs_device_node).  As natively without CAP_MKNOD: after the
	 * lookup's own errors. */
	if (r >= 0 && vfs_device_node(mode, dev))
		return -EPERM;
	if (r == 1)
		return SUP_CONTINUE; /* share rule on /proc, /dev: the kernel's
					own */
	if (r == 0)
		r = sup_name_at(&p, &dfd, &name);
	if (r < 0)
		return r;
	um = sup_umask_enter(c);
	r = mknodat(dfd, name, mode, dev) ? -errno : 0;
	sup_umask_leave(um);
	if (r == 0)
		own_new_at(c, dfd, name);
	return r;
}

long sys_unlink(struct appv_sc_call *c)
{
	int nr = c->req->data.nr, flags = 0, r;
	_cleanup_close_ int dfd = AT_FDCWD;
	const char *name;
	struct sup_path p;
	struct stat st;

	if (nr == SYS_rmdir)
		flags = AT_REMOVEDIR;
	if (nr == SYS_unlinkat) {
		flags = (int)c->args[2];
		if (flags & ~AT_REMOVEDIR)
			return -EINVAL;
	}
	r = sup_resolve_arg(c, nr == SYS_unlinkat ? 0 : -1,
			    nr == SYS_unlinkat ? 1 : 0, VFS_INTENT_DELETE,
			    VFS_F_NOFOLLOW | VFS_F_NAME, &p);
	if (r == 1 && c->s->strict)
		r = sup_resolve_here(c, VFS_INTENT_DELETE,
				     VFS_F_NOFOLLOW | VFS_F_NAME, &p);
	if (r == 1)
		return SUP_CONTINUE; /* share rule on /proc, /dev: the kernel's
					own */
	if (r < 0)
		return r;
	/* "name/" (a symlink is not followed): only rmdir of a directory. */
	if (named_slash(&p) && !((flags & AT_REMOVEDIR) && S_ISDIR(p.res.mode)))
		return S_ISDIR(p.res.mode) ? -EISDIR : -ENOTDIR;
	if (flags & AT_REMOVEDIR) {
		/* rmdir("x/.") is EINVAL, like the kernel's. */
		size_t n = strlen(p.raw);

		while (n > 1 && p.raw[n - 1] == '/')
			n--;
		if ((n == 1 && p.raw[0] == '.') ||
		    (n >= 2 && p.raw[n - 1] == '.' && p.raw[n - 2] == '/'))
			return -EINVAL;
		if (!strcmp(p.res.vpath, "/"))
			return -EBUSY;
	}
	r = sup_may_delete(c, &p);
	if (r < 0)
		return r;
	/* A package file with other names: those must go on as one inode
	 * with one link less, which only the upper layer can show - the
	 * names are copied up together first, then this one goes. */
	if (!(flags & AT_REMOVEDIR) && p.res.layer == VFS_LAYER_IMAGE &&
	    S_ISREG(p.res.mode) && !lstat(p.res.real, &st) && st.st_nlink > 1) {
		r = sup_make_writable(c, &p.res);
		if (r < 0)
			return r;
	}
	if (p.res.layer == VFS_LAYER_HOST) {
		r = sup_name_at(&p, &dfd, &name);
		if (r < 0)
			return r;
		if (dfd >= 0) /* a shared host entry: the kernel's checks */
			return appv_unlinkat(dfd, name, flags & AT_REMOVEDIR);
	}
	return vfs_remove(c->s->vfs, &p.res, flags & AT_REMOVEDIR);
}

/* Old and new must live in the same writable place: the upper layer, or
 * both on a shared host path. */
static bool same_domain(const struct sup_path *a, const struct sup_path *b)
{
	return (a->res.rule == VFS_RULE_SHARE) ==
	       (b->res.rule == VFS_RULE_SHARE);
}

/* A shared host directory holding a path under a rule of its own (--share
 * ~/p --hide ~/p/a/keys): the kernel's rename would carry that path to a
 * name no rule covers, so it is another place, as a mount below it would
 * be (mv copies what it sees).  Elsewhere a rename moves the overlay's
 * copy, which leaves out what it hides. */
static bool moves_rule(struct appv_sc_call *c, const struct sup_path *p)
{
	return p->res.rule == VFS_RULE_SHARE && S_ISDIR(p->res.mode) &&
	       vfs_rule_pinned_below(c->s->vfs, p->res.vpath);
}

/* sup_make_writable for vfs_copy_up_tree's image files. */
static int tree_prepare(void *ctx, struct vfs_res *res)
{
	return sup_extract(ctx, res);
}

/* Bring an existing rename operand into upper (a directory with all of
 * its visible content), both of an exchange (@q) or neither. */
static int rename_up(struct appv_sc_call *c, struct sup_path *p,
		     struct sup_path *q)
{
	if (q)
		return vfs_copy_up_pair(c->s->vfs, &p->res, &q->res,
					tree_prepare, c);
	if (S_ISDIR(p->res.mode))
		return vfs_copy_up_tree(c->s->vfs, &p->res, tree_prepare, c);
	return sup_make_writable(c, &p->res);
}

/* The new name may be replaced: a directory by a directory empty in the
 * union, anything else by a non-directory.  Asked before the old name is
 * copied up, so that a rename refused here leaves no copy behind. */
static int rename_target_ok(struct appv_sc_call *c, const struct sup_path *n,
			    bool src_dir)
{
	int r;

	if (n->res.layer == VFS_LAYER_NONE || n->res.rule == VFS_RULE_SHARE)
		return 0;
	if (src_dir && !S_ISDIR(n->res.mode))
		return -ENOTDIR;
	if (!src_dir && S_ISDIR(n->res.mode))
		return -EISDIR;
	if (!S_ISDIR(n->res.mode))
		return 0;
	r = vfs_dir_empty(c->s->vfs, &n->res);
	return r <= 0 ? (r < 0 ? r : -ENOTEMPTY) : 0;
}

/* The new name is replaced (rename_target_ok): it needs no copy (its
 * upper parents do). */
static int rename_target(struct appv_sc_call *c, struct sup_path *n)
{
	struct vfs *vfs = c->s->vfs;
	struct stat st;

	if (n->res.layer == VFS_LAYER_NONE || n->res.rule == VFS_RULE_SHARE)
		return sup_make_writable(c, &n->res);
	/* A package file with other names loses this one, as in sys_unlink:
	 * the names are copied up together first, so that the others' link
	 * count drops when the rename replaces it. */
	if (n->res.layer == VFS_LAYER_IMAGE && S_ISREG(n->res.mode) &&
	    !lstat(n->res.real, &st) && st.st_nlink > 1)
		return sup_make_writable(c, &n->res);
	/* An upper directory holds markers at most: rename_clear. */
	if (n->res.layer == VFS_LAYER_UPPER)
		return 0;
	/* Lower only: a directory gets an empty stand-in that the rename
	 * replaces; a file only its upper parents, so that a reader opening
	 * the name meanwhile finds the old file or the new one, never an
	 * empty copy (rename is an atomic replace). */
	return vfs_copy_up(vfs, &n->res, VFS_CU_NO_DATA | VFS_CU_NAME_ONLY);
}

/* A directory that lands over a lower one is made opaque after the
 * rename (vfs_settle_dir): refused before it when an entry of its own
 * holds the marker's name (-EPERM, vfs/README.md "Whiteouts"). */
static int rename_opaque_ok(struct appv_sc_call *c, const struct sup_path *d,
			    const struct sup_path *to)
{
	mode_t lmode = 0;
	int r;

	if (!S_ISDIR(d->res.mode) || d->res.rule == VFS_RULE_SHARE)
		return 0;
	r = vfs_lower_exists(c->s->vfs, to->res.vpath, &lmode);
	if (r <= 0 || !S_ISDIR(lmode))
		return r < 0 ? r : 0;
	return vfs_opaque_name_free(d->res.real);
}

static bool inside(const char *dir, const char *path)
{
	return strcmp(dir, path) && appv_path_has_prefix(path, dir);
}

/* Whether canonical @a and @b have the same parent directory. */
static bool same_parent(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

	return sa - a == sb - b && !strncmp(a, b, (size_t)(sa - a));
}

/* The kernel's checks of a rename (vfs_rename): remove the old name,
 * create or replace the new one, and a directory that changes parent
 * needs write permission on itself (its ".." changes). */
static int rename_may(struct appv_sc_call *c, const struct sup_path *o,
		      const struct sup_path *n, unsigned int flags)
{
	bool moved = !same_parent(o->res.vpath, n->res.vpath);
	int r = sup_may_delete(c, o);

	if (r == 0)
		r = n->res.layer == VFS_LAYER_NONE ? sup_may_create(c, n)
						   : sup_may_delete(c, n);
	if (r == 0 && moved && S_ISDIR(o->res.mode))
		r = sup_may_access(c, o, VFS_MAY_WRITE);
	if (r == 0 && moved && (flags & RENAME_EXCHANGE) &&
	    S_ISDIR(n->res.mode))
		r = sup_may_access(c, n, VFS_MAY_WRITE);
	return r;
}

/* After the kernel's rename in upper: whiteout what the old name would
 * uncover, make a directory that landed over a lower one opaque. */
static int rename_settle(struct appv_sc_call *c, const struct sup_path *o,
			 const struct sup_path *n, unsigned int flags,
			 int old_lower, bool swap)
{
	struct vfs *vfs = c->s->vfs;
	int r = 0;

	if (o->res.rule == VFS_RULE_SHARE)
		return 0;
	/* A tree from a name no lower layer held has no markers. */
	if (S_ISDIR(o->res.mode))
		r = vfs_settle_dir(vfs, n->res.vpath, old_lower != 0);
	if (r == 0 && (flags & RENAME_EXCHANGE) && S_ISDIR(n->res.mode))
		r = vfs_settle_dir(vfs, o->res.vpath, true);
	if (r == 0 && !(flags & RENAME_EXCHANGE) && old_lower > 0 && !swap)
		r = vfs_whiteout(vfs, o->res.vpath);
	return r;
}

/* The whiteout rename_swap_ready put at the new name, where no lower
 * entry is, taken out again should the rename fail before its move (the
 * caller gone while it waited for the moves lock, the name taken
 * meanwhile): `appv overlay diff` would list it as removed.  @ino: its
 * inode, 0 when none was made. */
static void rename_swap_undo(struct appv_sc_call *c, const struct sup_path *n,
			     ino_t ino)
{
	if (ino)
		vfs_rename_whiteout_undo(c->s->vfs, n->res.real, ino);
}

/*
 * A directory renamed to a name that holds nothing in the union: the
 * kernel's rename then its whiteout would leave the old name empty for
 * an instant, and a whiteout dropped at the new name before the move
 * would uncover a lower directory there; either shows another session's
 * lookups and listings the lower directory's entries (a package file's
 * old content under a renamed directory's old name).  So the directory
 * is exchanged with a whiteout at the new name (vfs_rename_whiteout),
 * made opaque first where it lands over a lower directory.  1 when the
 * rename goes that way, 0 when not, or -errno.
 */
static int rename_swap_ready(struct appv_sc_call *c, struct sup_path *o,
			     struct sup_path *n, unsigned int flags,
			     int old_lower, ino_t *made)
{
	int r;

	if (!S_ISDIR(o->res.mode) || (flags & RENAME_EXCHANGE) ||
	    o->res.rule == VFS_RULE_SHARE || n->res.rule == VFS_RULE_SHARE ||
	    n->res.layer != VFS_LAYER_NONE)
		return 0;
	r = vfs_rename_whiteout(c->s->vfs, &n->res, old_lower > 0);
	if (r <= 0)
		return r;
	*made = r == 2 ? vfs_upper_ino(n->res.real) : 0;
	r = vfs_opaque_before_move(c->s->vfs, n->res.vpath, o->res.real);
	if (r < 0)
		rename_swap_undo(c, n, *made);
	return r < 0 ? r : 1;
}

/* The swap's new name still holds a whiteout, with the write moves lock
 * held: another session may have made an entry there since
 * rename_swap_ready, which the exchange would carry to the old name. */
static int rename_swap_check(const struct sup_path *n, bool swap)
{
	if (swap && vfs_upper_marker(n->res.real) != VFS_MARKER_WHITEOUT)
		return -ESTALE;
	return 0;
}

/* After the kernel's rename of a file: what it moved is a whiteout when
 * another session removed the old name since its copy-up here.  It goes
 * back, and the call is resolved again (-ESTALE), where it finds no old
 * name, as natively. */
static int moved_whiteout(const struct sup_path *o, const struct sup_path *n,
			  unsigned int flags)
{
	if (o->res.rule == VFS_RULE_SHARE || S_ISDIR(o->res.mode) ||
	    (flags & RENAME_EXCHANGE) ||
	    vfs_upper_marker(n->res.real) != VFS_MARKER_WHITEOUT)
		return 0;
	renameat2(AT_FDCWD, n->res.real, AT_FDCWD, o->res.real,
		  RENAME_NOREPLACE);
	return -ESTALE;
}

/*
 * The rename proper holds the overlay's write moves lock (vfs_upper_hold):
 * a directory it moves leaves its name, and another session's call that
 * walked through that name must not be between its walk and its change
 * (a symlink to a host directory put there would take the change).  Its
 * copy-up ran under the read lock, which other sessions' calls share (a
 * big tree's copy holds none of them up); the lock is let go before the
 * write lock is taken (two sessions upgrading would wait for each other),
 * so another session may move a directory on the way meanwhile: each
 * name's upper parent is opened from the upper root with no symlink
 * followed, and one met there (a moved directory's place taken by a
 * symlink) is resolved again.  The wait ends without the move when the
 * caller dies (^C, a SIGTERM sent to appv): what the rename changed
 * before it is invisible (copy-ups; rename_clear comes after).
 */
static int rename_hold(struct appv_sc_call *c)
{
	vfs_upper_unhold(c->s->vfs);
	return sup_upper_hold(c, true);
}

/* Whether the rename replaces upper directory @n (rename_clear). */
static bool rename_clears(const struct sup_path *n, unsigned int flags)
{
	return !(flags & RENAME_EXCHANGE) && n->res.rule != VFS_RULE_SHARE &&
	       n->res.layer == VFS_LAYER_UPPER && S_ISDIR(n->res.mode);
}

/* The markers in an upper directory the rename replaces (empty in the
 * union) go, so that the kernel's rename over an empty directory works:
 * once the write lock is held and the parents are opened, not before the
 * wait for it, which ends without the move when the caller dies (^C, a
 * SIGTERM sent to appv): the lower entries they hide would show. */
static int rename_clear(struct appv_sc_call *c, const struct sup_path *n,
			unsigned int flags)
{
	return rename_clears(n, flags) ? vfs_clear_dir(c->s->vfs, &n->res) : 0;
}

/* The rename failed once rename_clear ran (another session made an entry
 * in the directory meanwhile: ENOTEMPTY, as natively): what its markers
 * hid must not show.  The directory was empty in the union then, so its
 * opaque marker hides the same (vfs_settle_dir: when a lower directory
 * of that name exists); the entries made since stay.  Best effort: the
 * call fails with the rename's error. */
static void rename_unclear(struct appv_sc_call *c, const struct sup_path *n,
			   unsigned int flags)
{
	if (rename_clears(n, flags))
		(void)vfs_settle_dir(c->s->vfs, n->res.vpath, false);
}

/* sup_name_at for a rename: a shared path's parent as that gives it, an
 * upper entry's opened below the upper root (rename_hold). */
static int rename_name_at(struct appv_sc_call *c, const struct sup_path *p,
			  int *dfd, const char **name)
{
	const char *rel;
	char dir[PATH_MAX];
	int root, fd;

	if (p->res.rule == VFS_RULE_SHARE)
		return sup_name_at(p, dfd, name);
	root = sup_real_at(c->sup, p->res.real, &rel);
	if (root < 0 || root != c->sup->upper_fd)
		return -EXDEV; /* not in upper after its copy-up */
	fd = appv_path_split(rel, dir, sizeof(dir), name);
	if (fd < 0)
		return fd;
	fd = appv_openat2(root, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
			  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	if (fd == -ELOOP || fd == -EXDEV || fd == -ENOTDIR)
		return -ESTALE; /* swapped since the walk: resolve again */
	if (fd < 0)
		return fd;
	*dfd = fd;
	return 0;
}

/* Two names of one file (hard links): rename(2) then does nothing. */
static bool same_file(const struct vfs_res *a, const struct vfs_res *b)
{
	struct stat sa, sb;

	if (a->layer == VFS_LAYER_NONE || b->layer == VFS_LAYER_NONE ||
	    S_ISDIR(a->mode) || a->layer != b->layer)
		return false;
	if (a->layer == VFS_LAYER_IMAGE)
		return S_ISREG(a->mode) && a->image_file == b->image_file;
	return !lstat(a->real, &sa) && !lstat(b->real, &sb) &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* A rename or link where one name or both lie under a share rule on /proc
 * or /dev (@o_own, @n_own: sup_resolve_arg returned 1).  Both there: the
 * kernel's own call (glibc's sem_open links its temporary file to the
 * semaphore's name in /dev/shm; Landlock still bounds it).  Only one:
 * the two names are on different file systems, as natively. */
static long kernel_own(const struct sup_path *o, bool o_own,
		       const struct sup_path *n, bool n_own)
{
	if (o_own && n_own && sup_raw_is_real(o) && sup_raw_is_real(n))
		return SUP_CONTINUE;
	return -EXDEV;
}

long sys_rename(struct appv_sc_call *c)
{
	int nr = c->req->data.nr, r, old_lower = 0;
	unsigned int flags = nr == SYS_renameat2 ? (unsigned int)c->args[4] : 0;
	bool at = nr != SYS_rename, o_own, dirs, cleared = false, swap = false;
	bool moving = false, renamed = false;
	ino_t made = 0;
	_cleanup_close_ int odfd = AT_FDCWD, ndfd = AT_FDCWD;
	struct vfs_origin_key key = {0};
	const char *oname, *nname;
	struct sup_path o, n;

	if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) ||
	    ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)))
		return -EINVAL;
	r = sup_resolve_arg(c, at ? 0 : -1, at ? 1 : 0, VFS_INTENT_DELETE,
			    VFS_F_NOFOLLOW | VFS_F_NAME, &o);
	if (r == 1 && c->s->strict)
		r = sup_resolve_here(c, VFS_INTENT_DELETE,
				     VFS_F_NOFOLLOW | VFS_F_NAME, &o);
	if (r < 0)
		return r;
	o_own = r == 1;
	r = sup_resolve_arg(c, at ? 2 : -1, at ? 3 : 1, VFS_INTENT_CREATE,
			    VFS_F_NOFOLLOW | VFS_F_NAME, &n);
	if (r == 1 && c->s->strict)
		r = sup_resolve_here(c, VFS_INTENT_CREATE,
				     VFS_F_NOFOLLOW | VFS_F_NAME, &n);
	if (r < 0)
		return r;
	if (o_own || r == 1)
		return kernel_own(&o, o_own, &n, r == 1);
	if (appv_path_last_is_dot(o.raw) || appv_path_last_is_dot(n.raw))
		return -EBUSY;
	if (n.res.layer != VFS_LAYER_NONE && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	if ((flags & RENAME_EXCHANGE) && n.res.layer == VFS_LAYER_NONE)
		return -ENOENT;
	/* "name/" on a side that is not a directory (the kernel's order). */
	if ((flags & RENAME_EXCHANGE) && named_slash(&n) &&
	    !S_ISDIR(n.res.mode))
		return -ENOTDIR;
	if (!S_ISDIR(o.res.mode) &&
	    (named_slash(&o) ||
	     (named_slash(&n) && !(flags & RENAME_EXCHANGE))))
		return -ENOTDIR;
	if (!same_domain(&o, &n) || moves_rule(c, &o) ||
	    ((flags & RENAME_EXCHANGE) && moves_rule(c, &n)))
		return -EXDEV;
	/* A shared entry replaced (or exchanged) changes its parent as its
	 * removal would (sup_resolve checked a new name's). */
	r = n.res.layer != VFS_LAYER_NONE ? sup_share_name_ok(c, &n) : 0;
	if (r < 0)
		return r;
	if (!strcmp(o.res.vpath, n.res.vpath) || same_file(&o.res, &n.res))
		return 0; /* the same entry or file: nothing to do */
	if ((S_ISDIR(o.res.mode) && inside(o.res.vpath, n.res.vpath)) ||
	    (S_ISDIR(n.res.mode) && (flags & RENAME_EXCHANGE) &&
	     inside(n.res.vpath, o.res.vpath)))
		return -EINVAL;
	if (!strcmp(o.res.vpath, "/"))
		return -EBUSY;
	r = rename_may(c, &o, &n, flags);
	if (r < 0)
		return r;
	if (o.res.rule != VFS_RULE_SHARE) {
		old_lower = vfs_lower_exists(c->s->vfs, o.res.vpath, NULL);
		if (old_lower < 0)
			return old_lower;
	}
	/* A shim's walk from a base it read before the rename, made while
	 * it runs, must see it (shim.c, base_moved). */
	dirs = S_ISDIR(o.res.mode) || S_ISDIR(n.res.mode);
	if (dirs)
		vfs_upper_change_begin(c->s->vfs);
	r = flags & RENAME_EXCHANGE
		? 0
		: rename_target_ok(c, &n, S_ISDIR(o.res.mode));
	if (r == 0)
		r = rename_up(c, &o, flags & RENAME_EXCHANGE ? &n : NULL);
	if (r == 0)
		r = rename_opaque_ok(c, &o, &n);
	if (r == 0) {
		r = rename_swap_ready(c, &o, &n, flags, old_lower, &made);
		swap = r > 0;
		r = r > 0 ? 0 : r;
	}
	if (r == 0 && !swap)
		r = flags & RENAME_EXCHANGE ? rename_opaque_ok(c, &n, &o)
					    : rename_target(c, &n);
	/* What it replaces (a copy-up's record). */
	if (r == 0 && !(flags & RENAME_EXCHANGE) && !swap)
		vfs_origin_key(c->s->vfs, n.res.real, &key);
	if (r == 0 && o.res.rule != VFS_RULE_SHARE)
		r = rename_hold(c);
	if (r == 0)
		r = rename_name_at(c, &o, &odfd, &oname);
	if (r == 0)
		r = rename_name_at(c, &n, &ndfd, &nname);
	if (r == 0)
		r = rename_swap_check(&n, swap);
	/* From here the walks of other sessions may meet the move (not
	 * during the copy-up above: vfs_upper_moving). */
	if (r == 0 && dirs) {
		moving = true;
		vfs_upper_move_begin(c->s->vfs);
	}
	if (r == 0) {
		cleared = true;
		r = rename_clear(c, &n, flags);
	}
	if (r == 0) {
		r = renameat2(odfd, oname, ndfd, nname,
			      swap ? RENAME_EXCHANGE : flags)
			? -errno
			: 0;
		renamed = r == 0;
	}
	if (r == 0)
		r = moved_whiteout(&o, &n, flags);
	if (r < 0 && swap && !renamed)
		rename_swap_undo(c, &n, made);
	/* The whiteout went meanwhile (another session's failed rename to
	 * the same name took its own back): resolved again. */
	if (r == -ENOENT && swap && !renamed)
		r = -ESTALE;
	/* The old name had no lower entry: its whiteout hides nothing. */
	if (r == 0 && swap && old_lower <= 0)
		(void)unlinkat(odfd, oname, 0);
	if (r < 0 && cleared)
		rename_unclear(c, &n, flags);
	vfs_origin_drop(c->s->vfs, n.res.real, &key);
	if (r == 0)
		r = rename_settle(c, &o, &n, flags, old_lower, swap);
	if (r == 0 && (S_ISDIR(o.res.mode) || S_ISDIR(n.res.mode)))
		sup_cwd_renamed(c->sup, o.res.vpath, n.res.vpath,
				flags & RENAME_EXCHANGE);
	if (moving)
		vfs_upper_move_end(c->s->vfs);
	/* Directories moved, replaced or made opaque (also by a copy-up
	 * that the rename then did not use): the shims' caches go. */
	if (dirs)
		vfs_upper_change_end(c->s->vfs);
	else
		vfs_upper_changed(c->s->vfs);
	return r;
}

long sys_symlink(struct appv_sc_call *c)
{
	bool at = c->req->data.nr == SYS_symlinkat;
	char target[PATH_MAX];
	_cleanup_close_ int dfd = AT_FDCWD;
	const char *name;
	struct sup_path p;
	int r;

	r = target_read_path(c, c->args[0], target, sizeof(target));
	if (r < 0)
		return r;
	if (!target[0])
		return -ENOENT;
	if (vfs_reserved_target(target))
		return -EPERM; /* the overlay's markers (vfs/README.md) */
	r = resolve_create(c, at ? 1 : -1, at ? 2 : 1, false, &p);
	if (r == 1)
		return SUP_CONTINUE; /* share rule on /proc, /dev: the kernel's
					own */
	if (r == 0)
		r = sup_name_at(&p, &dfd, &name);
	if (r < 0)
		return r;
	/* The target string is stored as given: an absolute target means the
	 * virtual tree when it is followed later. */
	if (symlinkat(target, dfd, name))
		return -errno;
	own_new_at(c, dfd, name);
	return 0;
}

static bool in_upper(struct appv_sc_call *c, const char *real)
{
	const struct vfs_config *cfg = vfs_get_config(c->s->vfs);

	return appv_path_has_prefix(real, cfg->upper);
}

/* Whether the descriptor's file, at real path @raw (" (deleted)" after
 * it when unlinked: an O_TMPFILE one), lies in a tree shared with the
 * host: its directory is a host one under a share rule. */
static bool fd_shared(struct appv_sc_call *c, const char *raw)
{
	struct sup_path d;
	size_t len = strnlen(raw, sizeof(d.rbase));
	char *slash;
	int n;

	if (raw[0] != '/' || in_upper(c, raw) || len == sizeof(d.rbase))
		return false;
	memcpy(d.rbase, raw, len + 1);
	slash = strrchr(d.rbase, '/');
	slash[slash == d.rbase] = '\0';
	n = vfs_reverse(c->s->vfs, d.rbase, d.raw, sizeof(d.raw));
	if (n < 0)
		return false;
	d.vbase[0] = d.rbase[0] = '\0';
	return sup_resolve(c, VFS_INTENT_READ, 0, &d) == 0 &&
	       d.res.rule == VFS_RULE_SHARE && d.res.layer == VFS_LAYER_HOST;
}

/* The host's fs.protected_hardlinks (read once; 1 if unreadable, the
 * usual setting). */
static bool protected_hardlinks(void)
{
	static int val = -1;
	char b = '1';
	int fd;

	if (val < 0) {
		fd = open("/proc/sys/fs/protected_hardlinks",
			  O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && read(fd, &b, 1) != 1)
			b = '1';
		if (fd >= 0)
			close(fd);
		val = b != '0';
	}
	return val;
}

/* linkat(fd, "", ..., AT_EMPTY_PATH) and linkat of /proc/PID/fd/N (the
 * O_TMPFILE idiom): an inode of the upper layer gets the new name; a lower
 * file (package, host under writecopy) is copied up and its copy linked, as
 * link(2) by path does; never a host file (writes through the new name
 * would reach the host) but from a shared tree to a shared tree, as
 * link(2) by path does. */
static long link_fd(struct appv_sc_call *c, int fd, struct sup_path *n)
{
	_cleanup_close_ int ndfd = AT_FDCWD;
	const char *nname;
	struct sup_path o;
	char self[64];
	int tfd, r;

	/* fs.protected_hardlinks, as link(2) by path checks it: before a
	 * lower file is copied up, which makes it the caller's own. */
	r = sup_fd_target(c, fd, protected_hardlinks() ? VFS_ATTR_LINK : 0,
			  false, &tfd, &o);
	if (r < 0)
		return r;
	if (r == 1)
		return n->res.rule == VFS_RULE_SHARE ||
				       !in_upper(c, o.res.real)
			   ? -EXDEV
		       : linkat(AT_FDCWD, o.res.real, AT_FDCWD, n->res.real, 0)
			   ? -errno
			   : 0;
	/* Through the magic link: AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH
	 * or the opener's own credentials, which the supervisor may lack. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", tfd);
	if (n->res.rule == VFS_RULE_SHARE ? !fd_shared(c, o.raw)
					  : !in_upper(c, o.raw))
		r = -EXDEV;
	else
		r = sup_name_at(n, &ndfd, &nname);
	if (r == 0)
		r = linkat(AT_FDCWD, self, ndfd, nname, AT_SYMLINK_FOLLOW)
			? -errno
			: 0;
	close(tfd);
	return r;
}

static int proc_fd_number(const char *abs)
{
	const char *s = strstr(abs, "/fd/");
	int fd = 0;

	if (!sup_is_proc_path(abs) || !s || !s[4])
		return -1;
	for (s += 4; *s; s++) {
		if (*s < '0' || *s > '9' || fd > 1 << 20)
			return -1;
		fd = fd * 10 + (*s - '0');
	}
	return fd;
}

/* The new name of a link: write permission on its parent, then its upper
 * parent directories. */
static int link_new(struct appv_sc_call *c, struct sup_path *n)
{
	int r = sup_may_create(c, n);

	return r < 0 ? r : sup_make_writable(c, &n->res);
}

long sys_link(struct appv_sc_call *c)
{
	bool at = c->req->data.nr == SYS_linkat;
	int flags = at ? (int)c->args[4] : 0, ro, rn, fd;
	_cleanup_close_ int odfd = AT_FDCWD, ndfd = AT_FDCWD;
	const char *oname, *nname;
	struct sup_path o, n;
	char b = 1;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	rn = resolve_new(c, at ? 2 : -1, at ? 3 : 1, false, &n);
	if (rn < 0)
		return rn;
	if ((flags & AT_EMPTY_PATH) && target_read(c, c->args[1], &b, 1) == 0 &&
	    !b) {
		if (rn == 1) /* the descriptor is the target's own */
			return kernel_own(&n, true, &n, true);
		rn = link_new(c, &n);
		return rn < 0 ? rn : link_fd(c, (int)c->args[0], &n);
	}
	ro =
	    sup_resolve_arg(c, at ? 0 : -1, at ? 1 : 0, VFS_INTENT_WRITE,
			    flags & AT_SYMLINK_FOLLOW ? 0 : VFS_F_NOFOLLOW, &o);
	if (ro == 1 && c->s->strict && proc_fd_number(o.abs) < 0)
		ro = sup_resolve_here(
		    c, VFS_INTENT_WRITE,
		    flags & AT_SYMLINK_FOLLOW ? 0 : VFS_F_NOFOLLOW, &o);
	if (rn == 1)
		return ro < 0 ? ro : kernel_own(&o, ro == 1, &n, true);
	if (ro == 1) {
		fd = proc_fd_number(o.abs);
		if (fd < 0 || !(flags & AT_SYMLINK_FOLLOW))
			return -EXDEV;
		rn = link_new(c, &n);
		return rn < 0 ? rn : link_fd(c, fd, &n);
	}
	if (ro < 0)
		return ro;
	/* The source exists: fs.protected_hardlinks, then the new name's
	 * parent (the kernel's order: lookups, may_linkat, may_create). */
	if (protected_hardlinks()) {
		ro = vfs_may_link(c->s->vfs, sup_cred(c), &o.res);
		if (ro < 0)
			return ro;
	}
	rn = link_new(c, &n);
	if (rn < 0)
		return rn;
	if (S_ISDIR(o.res.mode))
		return -EPERM;
	if (!same_domain(&o, &n))
		return -EXDEV;
	ro = sup_make_writable(c, &o.res);
	if (ro < 0)
		return ro;
	if (o.res.rule != VFS_RULE_SHARE && !in_upper(c, o.res.real))
		return -EXDEV;
	ro = sup_name_at(&o, &odfd, &oname);
	if (ro == 0)
		ro = sup_name_at(&n, &ndfd, &nname);
	if (ro < 0)
		return ro;
	return linkat(odfd, oname, ndfd, nname, 0) ? -errno : 0;
}
