// SPDX-License-Identifier: LGPL-3.0-or-later
/* vfs/rules.c - isolation rules: which rule governs a path, what it shows. */
#include <string.h>

#include "../common/path.h"
#include "vfs_internal.h"

static bool hides(int rule)
{
	return rule == VFS_RULE_HIDE || rule == VFS_RULE_DENY;
}

/* Whether a rule that shows something lies strictly below @vpath among the
 * first @n rules (the longer ones): @vpath is then the way there. */
static bool way_below(const struct vfs *vfs, unsigned int n, const char *vpath)
{
	size_t len = strlen(vpath);

	for (unsigned int i = 0; i < n; i++) {
		const struct vfs_rule_ent *r = &vfs->rules[i];

		if (r->len > len && !hides(r->rule) &&
		    appv_path_has_prefix(r->prefix, vpath))
			return true;
	}
	return false;
}

uint64_t vfs_rule_top_bit(const char *vpath, size_t len)
{
	const char *end;

	if (len <= 1)
		return 0;
	end = memchr(vpath + 1, '/', len - 1);
	return 1ull << (appv_hash64(vpath + 1,
				    end ? (size_t)(end - vpath - 1) : len - 1) &
			63);
}

/*
 * Whether no rule matches @vpath (@len bytes) or lies below it: none
 * shares its first component (most paths a program walks - /usr, /opt,
 * /etc - when the rules are about /proc, /dev, /home), told by one bit
 * where every rule's prefix would be compared twice.  Never for "/".
 */
static bool apart(const struct vfs *vfs, const char *vpath, size_t len)
{
	return !(vfs->rule_tops & vfs_rule_top_bit(vpath, len)) && len > 1;
}

/* The first matching rule's index (rules are sorted longest prefix first:
 * it is the most specific one), vfs->nrules for none. */
static unsigned int match(const struct vfs *vfs, const char *vpath)
{
	unsigned int i;

	if (apart(vfs, vpath, strlen(vpath)))
		return vfs->nrules;
	for (i = 0; i < vfs->nrules; i++)
		if (appv_path_has_prefix(vpath, vfs->rules[i].prefix))
			break;
	return i;
}

/*
 * A hidden or denied directory with a more specific rule below it that
 * shows something (--hide /a --share /a/b/c) is the way there: it reads as
 * readonly, and its other entries keep the hiding rule (a listing of it is
 * merged, which leaves them out: vfs_rule_hides_child).
 */
static int rule_of(const struct vfs *vfs, unsigned int i, const char *vpath)
{
	if (i == vfs->nrules)
		return VFS_RULE_WRITECOPY;
	if (hides(vfs->rules[i].rule) && way_below(vfs, i, vpath))
		return VFS_RULE_READONLY;
	return vfs->rules[i].rule;
}

int vfs_rule_for(const struct vfs *vfs, const char *vpath)
{
	return rule_of(vfs, match(vfs, vpath), vpath);
}

int vfs_rule_free(const struct vfs *vfs, const char *vpath, size_t vlen,
		  bool *free)
{
	unsigned int m = vfs->nrules; /* match()'s answer, in the same pass */
	bool below = false;

	if (apart(vfs, vpath, vlen)) {
		*free = true;
		return VFS_RULE_WRITECOPY;
	}
	for (unsigned int i = 0; i < vfs->nrules; i++) {
		const struct vfs_rule_ent *r = &vfs->rules[i];

		if (m == vfs->nrules && appv_path_has_prefix(vpath, r->prefix))
			m = i;
		else if (!below && r->len > vlen &&
			 appv_path_has_prefix(r->prefix, vpath))
			below = true;
	}
	*free = m == vfs->nrules && !below;
	return rule_of(vfs, m, vpath);
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

bool vfs_host_movable(const struct vfs *vfs, const char *vpath)
{
	for (unsigned int i = 0; i < vfs->nrules; i++)
		if (vfs->rules[i].rule == VFS_RULE_SHARE &&
		    appv_path_has_prefix(vpath, vfs->rules[i].prefix))
			return true;
	return false;
}

bool vfs_rule_pinned_below(const struct vfs *vfs, const char *vpath)
{
	size_t len = strlen(vpath);

	for (unsigned int i = 0; i < vfs->nrules; i++) {
		const struct vfs_rule_ent *r = &vfs->rules[i];

		if (r->len > len && r->rule != VFS_RULE_SHARE &&
		    appv_path_has_prefix(r->prefix, vpath))
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

/* Whether @vpath, visible, is the way through a hidden or denied tree:
 * the rule it falls under hides it (vfs_rule_for made it readonly). */
bool vfs_rule_way(const struct vfs *vfs, const char *vpath)
{
	unsigned int i = match(vfs, vpath);

	return i < vfs->nrules && hides(vfs->rules[i].rule);
}

/* Whether a hide or deny rule names an entry right in directory @dir, or
 * @dir is the way through one (vfs_rule_for): listing @dir must then leave
 * names out (a merged listing does). */
bool vfs_rule_hides_child(const struct vfs *vfs, const char *dir,
			  size_t dlen)
{
	size_t skip = dlen > 1 ? dlen + 1 : 1; /* past "<dir>/" */

	if (apart(vfs, dir, dlen))
		return false;
	if (vfs_rule_way(vfs, dir))
		return true;
	for (unsigned int i = 0; i < vfs->nrules; i++) {
		const struct vfs_rule_ent *r = &vfs->rules[i];

		if (hides(r->rule) && r->len > skip &&
		    appv_path_has_prefix(r->prefix, dir) &&
		    !memchr(r->prefix + skip, '/', r->len - skip))
			return true;
	}
	return false;
}
