// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * vfs/perm.c - discretionary access control of the virtual tree.
 *
 * The supervisor performs modifying calls itself on the upper layer (and
 * makes copy-ups, whiteouts and markers there whatever the directory's
 * mode: layer_upper.c, vfs_upper_sys) and opens image files from the
 * cache, whose directories are u+rx: the kernel's checks there are not the
 * ones the caller would meet on the virtual tree.  What the caller would meet is
 * emulated here, as the kernel's generic_permission() does it (no ACLs):
 * the visible entry's mode, uid and gid against the caller's fsuid, fsgid,
 * supplementary groups, CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH, and
 * CAP_FOWNER for sticky directories.
 *
 * Cost: a mode that grants the access to owner, group and others alike is
 * decided without the credentials; they are loaded (cred->load) at most
 * once per object otherwise.  Image metadata comes from the index (no
 * syscall; the owner is the cache's, stat'ed once per resolver).
 *
 * Shim-safe: no allocation, no stdio, kernel calls through common/sys.h.
 */
#include <errno.h>
#include <string.h>

#include "../common/sys.h"
#include "vfs_internal.h"

#define CAP_BIT_CHOWN 0
#define CAP_BIT_DAC_OVERRIDE 1
#define CAP_BIT_DAC_READ_SEARCH 2
#define CAP_BIT_FOWNER 3
#define CAP_BIT_SYS_ADMIN 21
#define CAP_BIT_SETFCAP 31

static bool has_cap(const struct vfs_cred *cred, int bit)
{
	return (cred->cap_eff >> bit) & 1;
}

int vfs_cred_get(struct vfs_cred *cred)
{
	if (cred->state == 0)
		cred->state = cred->load ? cred->load(cred) : 0;
	if (cred->state == 0)
		cred->state = 1;
	return cred->state < 0 ? cred->state : 0;
}

struct cap_header {
	uint32_t version;
	int pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

/* @real: the ids and capabilities access(2) checks with when not asked
 * for AT_EACCESS - the real uid and gid, the permitted capabilities for a
 * real root and none for anyone else (the kernel's override of the
 * credentials for it). */
static int cred_self(struct vfs_cred *cred, bool real)
{
	struct cap_header h = {.version = 0x20080522 /* v3 */, .pid = 0};
	struct cap_data d[2];
	long n;

	if (real) {
		cred->fsuid = (uid_t)APPV_SYS(SYS_getuid, 0, 0, 0, 0, 0, 0);
		cred->fsgid = (gid_t)APPV_SYS(SYS_getgid, 0, 0, 0, 0, 0, 0);
	} else {
		/* setfs[ug]id with an invalid id changes nothing and
		 * returns the current one. */
		cred->fsuid = (uid_t)APPV_SYS(SYS_setfsuid, -1, 0, 0, 0, 0, 0);
		cred->fsgid = (gid_t)APPV_SYS(SYS_setfsgid, -1, 0, 0, 0, 0, 0);
	}
	n = APPV_SYS(SYS_getgroups, VFS_CRED_GROUPS, cred->groups, 0, 0, 0, 0);
	cred->ngroups = n > 0 ? (unsigned int)n : 0;
	memset(d, 0, sizeof(d));
	if (APPV_SYS(SYS_capget, &h, d, 0, 0, 0, 0) < 0)
		cred->cap_eff = 0;
	else if (!real)
		cred->cap_eff =
		    d[0].effective | ((uint64_t)d[1].effective << 32);
	else
		cred->cap_eff =
		    cred->fsuid ? 0
				: d[0].permitted | ((uint64_t)d[1].permitted << 32);
	return 0;
}

int vfs_cred_self(struct vfs_cred *cred)
{
	return cred_self(cred, false);
}

int vfs_cred_self_real(struct vfs_cred *cred)
{
	return cred_self(cred, true);
}

bool vfs_self_overrides_dac(void)
{
	struct cap_header h = {.version = 0x20080522 /* v3 */, .pid = 0};
	struct cap_data d[2];

	/* Asked each time (slow paths only): a process may drop it. */
	memset(d, 0, sizeof(d));
	return APPV_SYS(SYS_capget, &h, d, 0, 0, 0, 0) == 0 &&
	       ((d[0].effective >> CAP_BIT_DAC_OVERRIDE) & 1);
}

static bool in_group(const struct vfs_cred *cred, gid_t gid)
{
	if (cred->fsgid == gid)
		return true;
	for (unsigned int i = 0; i < cred->ngroups; i++)
		if (cred->groups[i] == gid)
			return true;
	return false;
}

/* Granted to owner, group and others alike: no need to know who asks. */
static bool granted_to_all(mode_t mode, int may)
{
	return ((mode >> 6) & (mode >> 3) & mode & (mode_t)may & 7) ==
	       (mode_t)may;
}

/* The capability part of generic_permission(). */
static int cap_override(const struct vfs_cred *cred, mode_t mode, int may)
{
	if (S_ISDIR(mode)) {
		if (!(may & VFS_MAY_WRITE) &&
		    has_cap(cred, CAP_BIT_DAC_READ_SEARCH))
			return 0;
		return has_cap(cred, CAP_BIT_DAC_OVERRIDE) ? 0 : -EACCES;
	}
	if (may == VFS_MAY_READ && has_cap(cred, CAP_BIT_DAC_READ_SEARCH))
		return 0;
	if ((!(may & VFS_MAY_EXEC) || (mode & 0111)) &&
	    has_cap(cred, CAP_BIT_DAC_OVERRIDE))
		return 0;
	return -EACCES;
}

int vfs_permission(struct vfs_cred *cred, const struct vfs_meta *m, int may)
{
	mode_t bits = m->mode;
	int r;

	may &= VFS_MAY_READ | VFS_MAY_WRITE | VFS_MAY_EXEC;
	if (!cred || granted_to_all(m->mode, may))
		return 0;
	r = vfs_cred_get(cred);
	if (r < 0)
		return r;
	if (cred->fsuid == m->uid)
		bits >>= 6;
	else if (in_group(cred, m->gid))
		bits >>= 3;
	if (((mode_t)may & ~bits & 7) == 0)
		return 0;
	return cap_override(cred, m->mode, may);
}

/* The owner the image cache's files show (stat of the image root). */
static void image_owner(struct vfs *vfs, uid_t *uid, gid_t *gid)
{
	struct stat st;

	if (!__atomic_load_n(&vfs->image_owner, __ATOMIC_ACQUIRE)) {
		if (appv_fstatat(AT_FDCWD, vfs->image_root, &st, 0) == 0) {
			vfs->image_uid = st.st_uid;
			vfs->image_gid = st.st_gid;
		} else {
			vfs->image_uid = appv_geteuid();
			vfs->image_gid = appv_getegid();
		}
		__atomic_store_n(&vfs->image_owner, 1, __ATOMIC_RELEASE);
	}
	*uid = vfs->image_uid;
	*gid = vfs->image_gid;
}

int vfs_perm_search(struct vfs *vfs, const struct vfs_req *req,
		    enum vfs_layer top, const struct layer_hit *hit,
		    bool *asked)
{
	struct vfs_meta m = {.mode = hit->mode};

	if (granted_to_all(hit->mode, VFS_MAY_EXEC))
		return 0;
	/* Who asks decides from here: the check below, or the kernel's on
	 * the walk's probes below the directory, as whoever asks then. */
	*asked = true;
	if (!req->cred)
		return 0;
	if (top == VFS_LAYER_IMAGE) {
		image_owner(vfs, &m.uid, &m.gid);
	} else if (top == VFS_LAYER_UPPER && req->cred->all_layers) {
		m.uid = hit->uid;
		m.gid = hit->gid;
	} else {
		return 0; /* the kernel checks the real directory itself */
	}
	return vfs_permission(req->cred, &m, VFS_MAY_EXEC);
}

/*
 * The upper copy of a host directory that an unprivileged user made is
 * theirs (they cannot give it the host's owner), but the virtual directory
 * still belongs to the host directory's owner: a write into a root-owned
 * 0755 directory, or a removal of another user's entry in a sticky one,
 * must fail as natively after its copy-up too, and stat must name that
 * owner.  Not for a directory made anew over a removed one (opaque): that
 * one is the caller's; nor for one the package holds (the image's, the
 * caller's, is on top) - but "/", the upper layer's own directory, stands
 * for the host's root.
 */
void vfs_twin_owner(struct vfs *vfs, const struct vfs_res *res, uid_t *uid,
		    gid_t *gid)
{
	size_t len = strlen(res->vpath);
	struct layer_hit hit;
	struct stat hst;

	if (res->layer != VFS_LAYER_UPPER || !res->merged_dir ||
	    res->no_host || !vfs_rule_shows_host(res->rule))
		return;
	if (appv_fstatat(AT_FDCWD, res->vpath, &hst, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISDIR(hst.st_mode) || hst.st_uid == *uid)
		return;
	if (len > 1 && (vfs_image_ops.lookup(vfs, res->vpath, len, &hit) == 0 ||
			vfs_upper_opaque(vfs, res->vpath, len)))
		return;
	*uid = hst.st_uid;
	*gid = hst.st_gid;
}

void vfs_twin_owner_stat(struct vfs *vfs, const struct vfs_res *res,
			 uid_t *uid, gid_t *gid)
{
	/* An upper directory root owns is root's own copy: no syscall. */
	if (*uid != 0 && *uid == appv_geteuid())
		vfs_twin_owner(vfs, res, uid, gid);
}

int vfs_meta_of(struct vfs *vfs, const struct vfs_res *res, struct vfs_meta *m)
{
	struct stat st;
	int r;

	if (res->layer == VFS_LAYER_NONE)
		return -ENOENT;
	if (res->layer == VFS_LAYER_IMAGE) {
		m->mode = res->mode;
		image_owner(vfs, &m->uid, &m->gid);
		return 0;
	}
	r = appv_fstatat(AT_FDCWD, res->real, &st, AT_SYMLINK_NOFOLLOW);
	/* The walk found it: another session removed or moved it since
	 * (natively the call finds it, or none), so resolve again - an
	 * O_CREAT open racing an unlink got ENOENT.  A lazy host result
	 * (VFS_F_HOST_LAZY, mode 0: a ".." led into /dev or /proc) was
	 * never seen: its absence is the answer. */
	if (r == -ENOENT || r == -ENOTDIR)
		return res->mode ? -ESTALE : r;
	if (r < 0)
		return r;
	m->mode = st.st_mode;
	m->uid = st.st_uid;
	m->gid = st.st_gid;
	if (S_ISDIR(m->mode))
		vfs_twin_owner(vfs, res, &m->uid, &m->gid);
	return 0;
}

/* The virtual parent of canonical @vpath, resolved (no check). */
static int parent_of(struct vfs *vfs, const char *vpath, struct vfs_res *pr)
{
	char dir[PATH_MAX];
	struct vfs_req q = {.path = dir,
			    .base = "/",
			    .intent = VFS_INTENT_READ,
			    .flags = VFS_F_NOFOLLOW | VFS_F_DIRECTORY};
	size_t n = strlen(vpath);

	if (n >= sizeof(dir) || vpath[0] != '/')
		return -EINVAL;
	while (n > 1 && vpath[n - 1] != '/')
		n--;
	if (n > 1)
		n--; /* drop the slash, keep "/" for a top-level name */
	memcpy(dir, vpath, n);
	dir[n] = '\0';
	return vfs_resolve(vfs, &q, pr);
}

/* Does the kernel check @res itself when the supervisor acts on it?  A
 * shared host path is acted on in place, with the caller's credentials
 * (an unprivileged supervisor, the shim).  An upper parent is not: what
 * the supervisor makes there for the caller (whiteouts, copy-ups, a
 * create over a whiteout) it makes whatever the directory's mode says
 * (vfs_upper_sys), so the mode - the virtual one - is checked here. */
static bool kernel_checks(const struct vfs_cred *cred,
			  const struct vfs_res *res)
{
	return !cred->all_layers && res->rule == VFS_RULE_SHARE;
}

/* Write + search on the parent of @vpath; its metadata into @pm. */
static int may_write_parent(struct vfs *vfs, struct vfs_cred *cred,
			    const char *vpath, struct vfs_res *pr,
			    struct vfs_meta *pm, bool *checked)
{
	int r = parent_of(vfs, vpath, pr);

	*checked = false;
	if (r < 0)
		return r;
	if (kernel_checks(cred, pr))
		return 0;
	r = vfs_meta_of(vfs, pr, pm);
	if (r < 0)
		return r;
	*checked = true;
	return vfs_permission(cred, pm, VFS_MAY_WRITE | VFS_MAY_EXEC);
}

/* A caller that overrides every directory check needs nothing looked up. */
static int dac_override(struct vfs_cred *cred)
{
	int r = vfs_cred_get(cred);

	if (r < 0)
		return r;
	return has_cap(cred, CAP_BIT_DAC_OVERRIDE);
}

int vfs_may_create(struct vfs *vfs, struct vfs_cred *cred, const char *vpath)
{
	struct vfs_res pr;
	struct vfs_meta pm;
	bool checked;
	int r;

	if (!cred)
		return 0;
	r = dac_override(cred);
	if (r != 0)
		return r < 0 ? r : 0;
	return may_write_parent(vfs, cred, vpath, &pr, &pm, &checked);
}

int vfs_may_delete(struct vfs *vfs, struct vfs_cred *cred,
		   const struct vfs_res *victim)
{
	struct vfs_res pr;
	struct vfs_meta pm, vm;
	bool checked;
	int r;

	if (!cred || !strcmp(victim->vpath, "/"))
		return 0;
	r = dac_override(cred);
	if (r < 0)
		return r;
	if (r > 0 && has_cap(cred, CAP_BIT_FOWNER))
		return 0;
	r = may_write_parent(vfs, cred, victim->vpath, &pr, &pm, &checked);
	if (r < 0 || !checked || !(pm.mode & S_ISVTX))
		return r;
	/* Sticky: only the entry's or the directory's owner (or
	 * CAP_FOWNER) removes it. */
	if (cred->fsuid == pm.uid || has_cap(cred, CAP_BIT_FOWNER))
		return 0;
	r = vfs_meta_of(vfs, victim, &vm);
	if (r < 0)
		return r;
	return cred->fsuid == vm.uid ? 0 : -EPERM;
}

int vfs_may_access(struct vfs *vfs, struct vfs_cred *cred,
		   const struct vfs_res *res, int may)
{
	struct vfs_meta m;
	bool lower_write;
	int r;

	if (!cred || res->layer == VFS_LAYER_NONE)
		return 0;
	/* A lower entry opened for writing is copied up first: the copy is
	 * the caller's own, its original is what counts. */
	lower_write =
	    (may & VFS_MAY_WRITE) &&
	    (res->layer == VFS_LAYER_IMAGE || res->layer == VFS_LAYER_HOST) &&
	    res->rule != VFS_RULE_SHARE;
	if (!cred->all_layers && !lower_write &&
	    res->layer != VFS_LAYER_IMAGE && !res->merged_dir)
		return 0;
	/* The walk's mode (0 for a host path not stat'ed) may decide. */
	if (res->mode && granted_to_all(res->mode, may & 7))
		return 0;
	r = vfs_meta_of(vfs, res, &m);
	if (r < 0)
		return r;
	return vfs_permission(cred, &m, may);
}

/* Whether the kernel would check @res's attribute rights itself: not for
 * a lower entry (its upper copy will be the caller's own), nor for the
 * upper copy of a host directory, nor for any entry with
 * cred->all_layers. */
static bool setattr_checked(const struct vfs_cred *cred,
			    const struct vfs_res *res)
{
	bool lower = (res->layer == VFS_LAYER_IMAGE ||
		      res->layer == VFS_LAYER_HOST) &&
		     res->rule != VFS_RULE_SHARE;

	/* The upper copy of a host directory may be the caller's where
	 * the virtual one is not (host_twin_owner). */
	if (res->layer == VFS_LAYER_UPPER && S_ISDIR(res->mode) &&
	    res->merged_dir && !res->no_host)
		lower = true;
	return !cred || res->layer == VFS_LAYER_NONE ||
	       (!cred->all_layers && !lower);
}

/* The owner or @cap: 0, else 1 (with @m filled), or -errno. */
static int owner_or_cap(struct vfs *vfs, struct vfs_cred *cred,
			const struct vfs_res *res, int cap, struct vfs_meta *m)
{
	int r = vfs_cred_get(cred);

	if (r == 0)
		r = vfs_meta_of(vfs, res, m);
	if (r < 0)
		return r;
	return cred->fsuid == m->uid || has_cap(cred, cap) ? 0 : 1;
}

int vfs_may_setattr(struct vfs *vfs, struct vfs_cred *cred,
		    const struct vfs_res *res, enum vfs_attr_need need)
{
	struct vfs_meta m;
	int r;

	if (setattr_checked(cred, res))
		return 0;
	if (need == VFS_ATTR_WRITE)
		return vfs_may_access(vfs, cred, res, VFS_MAY_WRITE);
	if (need == VFS_ATTR_LINK)
		return vfs_may_link(vfs, cred, res);
	r = vfs_meta_of(vfs, res, &m);
	return r < 0 ? r : vfs_may_setattr_meta(cred, &m, need);
}

/* fs.protected_hardlinks for a caller that neither owns @m nor holds
 * CAP_FOWNER: only a regular file, not set-id, that it may read and
 * write. */
static int may_link_meta(struct vfs_cred *cred, const struct vfs_meta *m)
{
	mode_t sgx = S_ISGID | S_IXGRP;

	if (!S_ISREG(m->mode) || (m->mode & S_ISUID) || (m->mode & sgx) == sgx)
		return -EPERM;
	return vfs_permission(cred, m, VFS_MAY_READ | VFS_MAY_WRITE) ? -EPERM
								     : 0;
}

int vfs_may_setattr_meta(struct vfs_cred *cred, const struct vfs_meta *m,
			 enum vfs_attr_need need)
{
	int r = vfs_cred_get(cred);

	if (r < 0)
		return r;
	if (need == VFS_ATTR_WRITE)
		return vfs_permission(cred, m, VFS_MAY_WRITE);
	if (need == VFS_ATTR_ADMIN || need == VFS_ATTR_SETFCAP)
		return has_cap(cred, need == VFS_ATTR_ADMIN ? CAP_BIT_SYS_ADMIN
							    : CAP_BIT_SETFCAP)
			   ? 0
			   : -EPERM;
	if (need == VFS_ATTR_LINK && cred->fsuid != m->uid &&
	    !has_cap(cred, CAP_BIT_FOWNER))
		return may_link_meta(cred, m);
	if (cred->fsuid == m->uid ||
	    has_cap(cred,
		    need == VFS_ATTR_CHOWN ? CAP_BIT_CHOWN : CAP_BIT_FOWNER))
		return 0;
	return need == VFS_ATTR_NOW ? vfs_permission(cred, m, VFS_MAY_WRITE)
				    : -EPERM;
}

int vfs_may_link(struct vfs *vfs, struct vfs_cred *cred,
		 const struct vfs_res *res)
{
	struct vfs_meta m;
	int r;

	if (setattr_checked(cred, res))
		return 0;
	r = owner_or_cap(vfs, cred, res, CAP_BIT_FOWNER, &m);
	return r <= 0 ? r : may_link_meta(cred, &m);
}
