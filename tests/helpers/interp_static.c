/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * interp_static - a tiny script interpreter for the `#!` end-to-end test.
 * Installed inside a test package only, so a script whose first line names
 * it can run only if the package's interpreter is used.  Prints its own
 * /proc/self/exe and the script path it was handed, then every line of the
 * script that starts with "say ".  Exit status 0, or 1 on an error.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char exe[PATH_MAX], line[1024];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f;

	if (n < 0 || argc < 2) {
		fprintf(stderr, "interp: no script (argc %d)\n", argc);
		return 1;
	}
	exe[n] = '\0';
	printf("interp exe: %s\n", exe);
	printf("interp script: %s\n", argv[1]);
	f = fopen(argv[1], "re");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "say ", 4))
			fputs(line + 4, stdout);
	fclose(f);
	for (int i = 2; i < argc; i++)
		printf("interp arg: %s\n", argv[i]);
	return 0;
}
