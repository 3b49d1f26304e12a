/* SPDX-License-Identifier: LGPL-3.0-or-later */
/*
 * hello - the example application packaged by `make examples`.
 *
 * It reads its data file and its configuration from paths that exist only
 * inside its package, greets, and writes two files: it appends a line to
 * /var/lib/hello/runs.log (a new directory on the host, so the write lands in
 * the overlay) and writes /tmp/hello-demo.txt.  Run outside appv it fails,
 * because its files are not installed anywhere.
 *
 * Exit status: 0 on success, 1 when a file cannot be read or written.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define GREETING "/opt/hello/share/hello/greeting.txt"
#define CONFIG "/etc/hello/hello.conf"
#define LOG_DIR "/var/lib/hello"
#define LOG_FILE LOG_DIR "/runs.log"
#define DEMO_FILE "/tmp/hello-demo.txt"

static int read_line(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		fprintf(stderr, "hello: cannot read %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (!fgets(buf, (int)cap, f))
		buf[0] = '\0';
	fclose(f);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* The config holds "key = value" lines; returns the value of "name". */
static int read_name(char *buf, size_t cap)
{
	char line[256];
	FILE *f = fopen(CONFIG, "re");

	if (!f) {
		fprintf(stderr, "hello: cannot read %s: %s\n", CONFIG,
			strerror(errno));
		return -1;
	}
	snprintf(buf, cap, "world");
	while (fgets(line, sizeof(line), f)) {
		char *v;

		if (strncmp(line, "name", 4) || !(v = strchr(line, '=')))
			continue;
		v += 1 + strspn(v + 1, " \t");
		v[strcspn(v, "\r\n")] = '\0';
		snprintf(buf, cap, "%s", v);
	}
	fclose(f);
	return 0;
}

static int write_file(const char *path, const char *mode, const char *text)
{
	FILE *f = fopen(path, mode);

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "hello: cannot write %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char greeting[256], name[128], line[512];

	if (read_line(GREETING, greeting, sizeof(greeting)) < 0 ||
	    read_name(name, sizeof(name)) < 0)
		return 1;
	if (argc > 1)
		snprintf(name, sizeof(name), "%s", argv[1]);
	printf("%s, %s!\n", greeting, name);
	printf("read %s and %s\n", GREETING, CONFIG);

	if (mkdir(LOG_DIR, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "hello: cannot create %s: %s\n", LOG_DIR,
			strerror(errno));
		return 1;
	}
	snprintf(line, sizeof(line), "hello ran at %lld for %s\n",
		 (long long)time(NULL), name);
	if (write_file(LOG_FILE, "ae", line) < 0 ||
	    write_file(DEMO_FILE, "we", "hello was here\n") < 0)
		return 1;
	printf("appended to %s, wrote %s\n", LOG_FILE, DEMO_FILE);
	return 0;
}
