// SPDX-License-Identifier: LGPL-3.0-or-later
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

int appv_diag_set(struct appv_diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return err;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return err;
}
