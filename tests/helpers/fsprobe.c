/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* fsprobe - the dynamically linked build of fsprobe_static.c (same
 * operations), so one probe runs with and without the LD_PRELOAD shim. */
#include "fsprobe_static.c"
