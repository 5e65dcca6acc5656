/*
 * Drives common/containers.h on the real cgroup2 tree for
 * tests/integration/test_containers.py. One cache (cgroups__new on the
 * mount sys_cgroup2_mount finds, or -m DIR), then the commands in order,
 * one tab-separated line each on stdout:
 *
 *   mount            mount  <dir>
 *   walk             walk   <cgroups known>  <ms of a fresh walk>
 *   get ID           get    <id> <path> <container> <runtime> <pod_uid> <name>
 *                    (ID "@": the number the last pause read)
 *   walks            walks  <walks so far by the cache>
 *   add ID PATH      add    <id> <rc>
 *   find PREFIX      find   <prefix> <rc> <dir, or the candidates>
 *   vpid PID         vpid   <pid> <rc>
 *   sleep MS         (nothing)
 *   pause            pause  (then waits for a line on stdin)
 *
 * Exit status 1 when cgroups__new fails (its errno on stderr), 2 on usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "containers.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	const char *mount = NULL;
	char line[64] = "";
	struct cgroups *c;
	int i = 1, err;

	if (argc > 2 && !strcmp(argv[1], "-m")) {
		mount = argv[2];
		i = 3;
	}
	err = cgroups__new(&c, mount);
	if (err) {
		fprintf(stderr, "cgroupinfo: cgroups__new: %s\n", strerror(-err));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; i < argc; i++) {
		const char *cmd = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(cmd, "mount")) {
			printf("mount\t%s\n", cgroups__mount(c));
		} else if (!strcmp(cmd, "walk")) {
			struct cgroups *w;
			double t = now_ms();

			err = cgroups__new(&w, mount);
			t = now_ms() - t;
			printf("walk\t%zu\t%.2f\n", err ? 0 : cgroups__count(w), t);
			cgroups__free(w);
		} else if (!strcmp(cmd, "get") && arg) {
			const char *n = strcmp(arg, "@") ? arg : line;
			const struct cgroup_info *g = cgroups__get(c, strtoull(n, NULL, 10));

			printf("get\t%" PRIu64 "\t%s\t%s\t%s\t%s\t%s\n", g->id, g->path, g->container,
			       g->runtime, g->pod_uid, g->name);
			i++;
		} else if (!strcmp(cmd, "walks")) {
			printf("walks\t%u\n", cgroups__walks(c));
		} else if (!strcmp(cmd, "add") && arg && i + 2 < argc) {
			err = cgroups__add(c, strtoull(arg, NULL, 10), argv[i + 2]);
			printf("add\t%s\t%d\n", arg, err);
			i += 2;
		} else if (!strcmp(cmd, "find") && arg) {
			char dir[4096], cand[1024];

			err = cgroups__find_container(c, arg, dir, sizeof(dir), cand, sizeof(cand));
			printf("find\t%s\t%d\t%s\n", arg, err, err == 0 ? dir : cand);
			i++;
		} else if (!strcmp(cmd, "vpid") && arg) {
			printf("vpid\t%s\t%d\n", arg, proc_vpid(atoi(arg)));
			i++;
		} else if (!strcmp(cmd, "sleep") && arg) {
			usleep((useconds_t)atoi(arg) * 1000);
			i++;
		} else if (!strcmp(cmd, "pause")) {
			printf("pause\n");
			if (!fgets(line, sizeof(line), stdin))
				break;
		} else {
			fprintf(stderr, "cgroupinfo: bad command '%s'\n", cmd);
			cgroups__free(c);
			return 2;
		}
	}
	cgroups__free(c);
	return 0;
}
