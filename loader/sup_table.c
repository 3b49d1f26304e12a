// SPDX-License-Identifier: LGPL-3.0-or-later
/*
 * loader/sup_table.c - the supervisor's tables of per-process records
 * (sup->exe, sup->cwd); see struct sup_table.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor_internal.h"

int sup_table_init(struct sup_table *t, size_t size,
		   void (*clear)(struct sup_slot *s))
{
	*t = (struct sup_table){.size = size, .clear = clear};
	t->rec = calloc(SUP_TABLE_FIRST, sizeof(*t->rec));
	if (!t->rec)
		return -ENOMEM;
	t->cap = SUP_TABLE_FIRST;
	return 0;
}

void sup_table_release(struct sup_table *t)
{
	for (unsigned int i = 0; i < t->hw; i++) {
		sup_table_drop(t, t->rec[i]);
		free(t->rec[i]);
	}
	free(t->rec);
	*t = (struct sup_table){0};
}

void sup_table_drop(struct sup_table *t, struct sup_slot *s)
{
	if (s->tgid && s->pidfd >= 0)
		close(s->pidfd);
	s->tgid = 0;
	s->pidfd = -1;
	if (t->clear)
		t->clear(s);
}

/* The record's process has exited (its pid may name another one by now).
 * A record without a pidfd is taken as live. */
static bool exited(const struct sup_slot *s)
{
	struct pollfd p = {s->pidfd, POLLIN, 0};

	return s->tgid && s->pidfd >= 0 && poll(&p, 1, 0) > 0;
}

struct sup_slot *sup_table_find(struct sup_table *t, pid_t tgid)
{
	for (unsigned int i = 0; i < t->hw; i++) {
		struct sup_slot *s = t->rec[i];

		if (s->tgid != tgid)
			continue;
		if (!exited(s))
			return s;
		sup_table_drop(t, s);
		return NULL;
	}
	return NULL;
}

void sup_table_sweep(struct sup_table *t)
{
	for (unsigned int i = 0; i < t->hw; i++)
		if (exited(t->rec[i]))
			sup_table_drop(t, t->rec[i]);
}

/* A new record at the end of the table (the array doubled when full, up
 * to SUP_SLOTS_MAX), NULL when there is no room. */
static struct sup_slot *table_new(struct sup_table *t)
{
	struct sup_slot *s, **r;

	if (t->hw == t->cap) {
		if (!t->cap || t->cap * 2 > SUP_SLOTS_MAX)
			return NULL;
		r = realloc(t->rec, t->cap * 2 * sizeof(*r));
		if (!r)
			return NULL;
		t->rec = r;
		t->cap *= 2;
	}
	s = calloc(1, t->size);
	if (s)
		t->rec[t->hw++] = s;
	return s;
}

/* A free record: an empty one; else, the table being full, one whose
 * process has exited unseen (all such are emptied: appv reaps only its
 * own children), unless so few were (under a quarter: each sweep polls
 * every record) that the table grows instead; else (SUP_SLOTS_MAX) the
 * oldest taken, round robin; NULL without memory.  A live process's
 * record is not given away below that: it would lose its exe or cwd. */
static struct sup_slot *table_free(struct sup_table *t)
{
	struct sup_slot *s, *first = NULL;
	unsigned int freed = 0;

	for (unsigned int i = 0; i < t->hw; i++)
		if (!t->rec[i]->tgid)
			return t->rec[i];
	if (t->hw < t->cap && (s = table_new(t)))
		return s;
	for (unsigned int i = 0; i < t->hw; i++) {
		s = t->rec[i];
		if (!exited(s))
			continue;
		sup_table_drop(t, s);
		if (!freed++)
			first = s;
	}
	if (freed && freed >= t->hw / 4)
		return first;
	s = table_new(t);
	if (s || first)
		return s ? s : first;
	return t->hw ? t->rec[t->next++ % t->hw] : NULL;
}

struct sup_slot *sup_table_take(struct sup_table *t, pid_t tgid)
{
	struct sup_slot *s = table_free(t);

	if (!s)
		return NULL;
	sup_table_drop(t, s);
	s->tgid = tgid;
	s->pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	return s;
}
