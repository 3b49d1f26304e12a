// SPDX-License-Identifier: LGPL-3.0-or-later
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* @full (@n bytes) into @out (@cap bytes) with its middle left out: the
 * head names the file, the tail says what is wrong with it. */
static void elide(char *out, size_t cap, const char *full, size_t n)
{
	static const char dots[] = "...";
	size_t head = cap / 4, tail = cap - head - sizeof(dots);

	memcpy(out, full, head);
	memcpy(out + head, dots, sizeof(dots) - 1);
	memcpy(out + head + sizeof(dots) - 1, full + n - tail, tail + 1);
}

int appv_diag_set(struct appv_diag *d, int err, const char *fmt, ...)
{
	va_list ap, aq;
	char *full;
	int n;

	if (!d)
		return err;
	va_start(ap, fmt);
	va_copy(aq, ap);
	n = vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	/* A message longer than the buffer (a deep path in it) keeps its
	 * end, the reason, rather than only its first kilobyte. */
	if (n >= (int)sizeof(d->msg) && (full = malloc((size_t)n + 1))) {
		vsnprintf(full, (size_t)n + 1, fmt, aq);
		elide(d->msg, sizeof(d->msg), full, (size_t)n);
		free(full);
	}
	va_end(aq);
	va_end(ap);
	return err;
}
