// SPDX-License-Identifier: LGPL-3.0-or-later
/* vfs/rules.c - isolation rules: which rule governs a path, what it shows. */
#include <string.h>

#include "../common/path.h"
#include "vfs_internal.h"

int vfs_rule_for(const struct vfs *vfs, const char *vpath)
{
	/* Rules are sorted longest prefix first: the first match is the most
	 * specific one. */
	for (unsigned int i = 0; i < vfs->nrules; i++)
		if (appv_path_has_prefix(vpath, vfs->rules[i].prefix))
			return vfs->rules[i].rule;
	return VFS_RULE_WRITECOPY;
}

bool vfs_rule_below(const struct vfs *vfs, const char *dir, size_t dlen,
		    const char *path)
{
	for (unsigned int i = 0; i < vfs->nrules; i++) {
		const struct vfs_rule_ent *r = &vfs->rules[i];

		if (r->len > dlen && appv_path_has_prefix(r->prefix, dir) &&
		    appv_path_has_prefix(path, r->prefix))
			return true;
	}
	return false;
}

bool vfs_rule_under(const struct vfs *vfs, const char *dir, size_t dlen)
{
	for (unsigned int i = 0; i < vfs->nrules; i++) {
		const struct vfs_rule_ent *r = &vfs->rules[i];

		if (r->len > dlen && appv_path_has_prefix(r->prefix, dir))
			return true;
	}
	return false;
}

bool vfs_rule_shows_upper(int rule)
{
	return rule == VFS_RULE_WRITECOPY || rule == VFS_RULE_FULL ||
	       rule == VFS_RULE_READONLY;
}

bool vfs_rule_shows_image(int rule)
{
	return vfs_rule_shows_upper(rule);
}

bool vfs_rule_shows_host(int rule)
{
	return rule == VFS_RULE_WRITECOPY || rule == VFS_RULE_SHARE ||
	       rule == VFS_RULE_READONLY;
}

/* Under a rule that hides the host (full), the host directories leading to
 * a rule that shows it (--isolation full --share /home/u/x) stay visible:
 * they are the way there.  Their other entries stay hidden (@vpath's own
 * rule decides those). */
bool vfs_rule_host_at(const struct vfs *vfs, int rule, const char *vpath,
		      size_t vlen)
{
	if (vfs_rule_shows_host(rule))
		return true;
	if (rule != VFS_RULE_FULL)
		return false;
	for (unsigned int i = 0; i < vfs->nrules; i++) {
		const struct vfs_rule_ent *r = &vfs->rules[i];

		if (r->len > vlen && vfs_rule_shows_host(r->rule) &&
		    appv_path_has_prefix(r->prefix, vpath))
			return true;
	}
	return false;
}

/* Whether a hide or deny rule names an entry right in directory @dir:
 * listing @dir must then leave that name out (a merged listing does). */
bool vfs_rule_hides_child(const struct vfs *vfs, const char *dir,
			  size_t dlen)
{
	size_t skip = dlen > 1 ? dlen + 1 : 1; /* past "<dir>/" */

	for (unsigned int i = 0; i < vfs->nrules; i++) {
		const struct vfs_rule_ent *r = &vfs->rules[i];

		if ((r->rule == VFS_RULE_HIDE || r->rule == VFS_RULE_DENY) &&
		    r->len > skip && appv_path_has_prefix(r->prefix, dir) &&
		    !memchr(r->prefix + skip, '/', r->len - skip))
			return true;
	}
	return false;
}
