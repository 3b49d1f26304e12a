// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sys_perm.c - the caller's credentials for the permission checks
 * of the virtual tree (vfs/perm.c), and the checks the handlers share.
 *
 * Whose credentials: an unprivileged supervisor (no permitted capability,
 * real = effective = saved = fs ids) has callers with exactly its own ids
 * and groups - they run under NO_NEW_PRIVS, cannot enter user namespaces
 * (the filter) and cannot change ids without capabilities - so its own are
 * used, read once, and the kernel's checks on the upper layer (done with
 * them) are the caller's.  A privileged supervisor reads the caller's from
 * /proc/TID/status (Uid:, Gid:, Groups:, CapEff:) on first need, once per
 * notification, and checks every layer (vfs_cred.all_layers).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/sys.h"
#include "supervisor_internal.h"

/* "Key:\t..." line of a status text: the rest of the line, or NULL. */
static const char *status_line(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, n) && p[n] == ':')
			return p + n + 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* The 4th number of "Uid:\tr e s fs". */
static int fourth(const char *line, unsigned long *out)
{
	char *end;

	for (int i = 0; i < 4; i++) {
		*out = strtoul(line, &end, 10);
		if (end == line)
			return -EIO;
		line = end;
	}
	return 0;
}

/* Parse a /proc/PID/status text into @cred; @same: whether r/e/s/fs ids
 * are all equal (for the supervisor itself). */
int sup_cred_parse(const char *text, struct vfs_cred *cred, bool *same)
{
	const char *u = status_line(text, "Uid"), *g = status_line(text, "Gid");
	const char *gs = status_line(text, "Groups");
	const char *cap = status_line(text, "CapEff");
	unsigned long uid, gid, v;
	const char *eol;
	char *end;

	if (!u || !g || !cap || fourth(u, &uid) < 0 || fourth(g, &gid) < 0)
		return -EIO;
	cred->fsuid = (uid_t)uid;
	cred->fsgid = (gid_t)gid;
	cred->cap_eff = strtoull(cap, NULL, 16);
	cred->ngroups = 0;
	eol = gs ? strchr(gs, '\n') : NULL;
	while (gs && cred->ngroups < VFS_CRED_GROUPS) {
		v = strtoul(gs, &end, 10);
		if (end == gs || (eol && end > eol))
			break;
		cred->groups[cred->ngroups++] = (gid_t)v;
		gs = end;
	}
	if (same) {
		unsigned long a[4], b[4];

		*same = sscanf(u, "%lu %lu %lu %lu", &a[0], &a[1], &a[2],
			       &a[3]) == 4 &&
			sscanf(g, "%lu %lu %lu %lu", &b[0], &b[1], &b[2],
			       &b[3]) == 4 &&
			a[0] == a[1] && a[1] == a[2] && a[2] == a[3] &&
			b[0] == b[1] && b[1] == b[2] && b[2] == b[3];
	}
	return 0;
}

static int read_status(pid_t pid, char *buf, size_t cap)
{
	char path[64];
	ssize_t n;
	int fd;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

/* The caller's ids from /proc/TID/status (cred->ctx is the call, loaded
 * while it is being served). */
static int load_proc(struct vfs_cred *cred)
{
	const char *text = target_status(cred->ctx);

	return text ? sup_cred_parse(text, cred, NULL) : -EIO;
}

/* access(2) without AT_EACCESS: the real uid and gid, with the permitted
 * capabilities for a real root and none for anyone else (the kernel's
 * override of the credentials for it). */
static int load_proc_real(struct vfs_cred *cred)
{
	const char *text = target_status(cred->ctx), *prm;
	int r = text ? sup_cred_parse(text, cred, NULL) : -EIO;

	if (r < 0)
		return r;
	cred->fsuid = (uid_t)strtoul(status_line(text, "Uid"), NULL, 10);
	cred->fsgid = (gid_t)strtoul(status_line(text, "Gid"), NULL, 10);
	prm = status_line(text, "CapPrm");
	cred->cap_eff = !cred->fsuid && prm ? strtoull(prm, NULL, 16) : 0;
	return 0;
}

/* The supervisor's own credentials: 1 when callers share them. */
static struct vfs_cred self_cred;
static int self_state; /* 0 unknown, 1 unprivileged, -1 privileged */

static int self_init(void)
{
	char buf[16384];
	const char *prm;
	bool same = false;

	if (self_state)
		return self_state;
	self_state = -1;
	if (read_status(0, buf, sizeof(buf)) < 0 ||
	    sup_cred_parse(buf, &self_cred, &same) < 0)
		return self_state;
	prm = status_line(buf, "CapPrm");
	if (same && prm && strtoull(prm, NULL, 16) == 0 &&
	    self_cred.cap_eff == 0) {
		self_cred.state = 1;
		self_state = 1;
	}
	return self_state;
}

/* One notification's credentials, loaded on first need. */
static struct {
	uint64_t id;
	pid_t tid;
	bool valid, real_ids;
	struct vfs_cred cred;
} cur;

struct vfs_cred *sup_cred(struct appv_sc_call *c)
{
	if (self_init() > 0)
		return &self_cred;
	if (cur.valid && cur.id == c->req->id && cur.tid == c->tid &&
	    cur.real_ids == c->real_ids)
		return &cur.cred;
	memset(&cur.cred, 0, offsetof(struct vfs_cred, groups));
	cur.cred.load = c->real_ids ? load_proc_real : load_proc;
	cur.real_ids = c->real_ids;
	cur.cred.ctx = c;
	cur.cred.all_layers = true;
	cur.id = c->req->id;
	cur.tid = c->tid;
	cur.valid = true;
	return &cur.cred;
}

int sup_may_create(struct appv_sc_call *c, const struct sup_path *p)
{
	return vfs_may_create(c->s->vfs, sup_cred(c), p->res.vpath);
}

int sup_may_delete(struct appv_sc_call *c, const struct sup_path *p)
{
	return vfs_may_delete(c->s->vfs, sup_cred(c), &p->res);
}

int sup_may_access(struct appv_sc_call *c, const struct sup_path *p, int may)
{
	return vfs_may_access(c->s->vfs, sup_cred(c), &p->res, may);
}

/* open(2)'s checks on the final entry, in the kernel's order relative to
 * the errors sys_open reports itself (EEXIST, EISDIR come first). */
int sup_may_open(struct appv_sc_call *c, int flags, const struct sup_path *p)
{
	bool dir = S_ISDIR(p->res.mode);
	int acc = flags & O_ACCMODE, may = 0, r;

	if (flags & O_PATH)
		return 0;
	if (p->res.layer == VFS_LAYER_NONE)
		return (flags & O_CREAT) ? sup_may_create(c, p) : 0;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return 0; /* EEXIST */
	if (dir && (flags & __O_TMPFILE) == __O_TMPFILE)
		return sup_may_access(c, p, VFS_MAY_WRITE | VFS_MAY_EXEC);
	if (dir && ((flags & O_CREAT) || acc != O_RDONLY))
		return 0; /* EISDIR */
	if (acc != O_WRONLY)
		may |= VFS_MAY_READ;
	if (acc != O_RDONLY || (flags & O_TRUNC))
		may |= VFS_MAY_WRITE;
	r = may ? sup_may_access(c, p, may) : 0;
	/* O_NOATIME: the owner's (or CAP_FOWNER), checked after access as
	 * the kernel does; a lower file's copy-up would be the caller's. */
	if (r == 0 && (flags & O_NOATIME))
		r = vfs_may_setattr(c->s->vfs, sup_cred(c), &p->res,
				    VFS_ATTR_OWNER);
	return r;
}

/* The group a new entry of a caller with @cred gets: its directory's
 * when that is setgid (the kernel gave it already: @st_gid), else the
 * caller's fsgid.  @dir: the directory's absolute path, @len its length. */
static gid_t new_group(const struct vfs_cred *cred, const char *dir, size_t len,
		       gid_t st_gid)
{
	char parent[PATH_MAX];
	struct stat pst;

	if (st_gid != self_cred.fsgid)
		return st_gid;
	if (len >= sizeof(parent))
		return cred->fsgid;
	memcpy(parent, dir, len);
	parent[len] = '\0';
	if (stat(parent, &pst) == 0 && (pst.st_mode & S_ISGID))
		return st_gid;
	return cred->fsgid;
}

/*
 * A privileged supervisor creates entries with its own fsuid and fsgid;
 * natively the caller's are the new entry's owner (a root session whose
 * program switched ids: mandb as "man", a daemon that drops privileges).
 * Give the entry at @path (absolute, not followed; or its descriptor @fd
 * when >= 0: with @in_dir, @path is the directory of its O_TMPFILE file)
 * to the caller when it is the supervisor's own; set-id bits a chown
 * clears are put back.  Best effort: the entry exists either way.  A path
 * is opened once, O_PATH with no final symlink followed, and each step
 * acts on that descriptor: the program may put a symlink to a host file
 * at the name meanwhile, whose target the chmod would otherwise follow.
 */
void sup_own_new(struct appv_sc_call *c, int fd, const char *path, bool in_dir)
{
	const char *slash = strrchr(path, '/');
	struct vfs_cred *cred;
	struct stat st;
	char magic[32];
	size_t dlen;
	gid_t gid;
	int own = -1;

	if (self_init() > 0 || !slash)
		return; /* callers have the supervisor's own ids */
	cred = sup_cred(c);
	if (vfs_cred_get(cred) < 0)
		return;
	if (cred->fsuid == self_cred.fsuid && cred->fsgid == self_cred.fsgid)
		return;
	if (fd < 0) {
		own = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (own < 0)
			return;
		fd = own;
	}
	if (fstat(fd, &st) < 0 || st.st_uid != self_cred.fsuid)
		goto out; /* not made by the supervisor */
	dlen = slash > path ? (size_t)(slash - path) : 1;
	if (in_dir)
		dlen = strlen(path);
	gid = new_group(cred, path, dlen, st.st_gid);
	if (st.st_gid == gid && cred->fsuid == self_cred.fsuid)
		goto out;
	if (fchownat(fd, "", cred->fsuid, gid, AT_EMPTY_PATH) < 0 ||
	    S_ISLNK(st.st_mode) || !(st.st_mode & (S_ISUID | S_ISGID)))
		goto out;
	/* fchmod takes no O_PATH descriptor; its magic link leads to the
	 * inode itself. */
	snprintf(magic, sizeof(magic), "/proc/self/fd/%d", fd);
	chmod(magic, st.st_mode & 07777);
out:
	if (own >= 0)
		close(own);
}
