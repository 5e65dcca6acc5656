// SPDX-License-Identifier: GPL-2.0
/*
 * floor - load and attach empty programs of floor.bpf.o with plain libbpf,
 * print "attached" on stdout, then wait for SIGINT/SIGTERM and detach. It
 * produces no per-event output: it is the floor against which real tracers
 * are compared.
 *
 * usage: floor [-v] [-m MODE] [OBJECT]
 *   (default OBJECT: floor.bpf.o next to this binary)
 *   -m tp6     the six syscall tracepoints of opensnoop: sys_enter/exit of
 *              open, openat, openat2 (the default)
 *   -m openat  only syscalls:sys_enter_openat and sys_exit_openat
 *   -m raw     raw_tp raw_syscalls sys_enter and sys_exit (every syscall)
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#define MAX_LINKS 16

static volatile sig_atomic_t stop;
static int verbose;

/* Is the program part of this mode? */
static int in_mode(const char *mode, struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	const char *name = bpf_program__name(prog);

	if (!strcmp(mode, "tp6"))
		return !strncmp(sec, "tracepoint/", 11);
	if (!strcmp(mode, "openat"))
		return !strcmp(name, "floor_enter_openat") || !strcmp(name, "floor_exit_openat");
	if (!strcmp(mode, "raw"))
		return !strncmp(sec, "raw_tp/", 7);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void default_object(char *buf, size_t len)
{
	char exe[PATH_MAX - 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0) {
		snprintf(buf, len, "floor.bpf.o");
		return;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, len, "%s/floor.bpf.o", exe);
}

int main(int argc, char **argv)
{
	struct bpf_link *links[MAX_LINKS];
	struct bpf_program *prog;
	struct bpf_object *obj;
	char path[PATH_MAX];
	const char *mode = "tp6";
	int nlinks = 0, err, i, opt;
	struct sigaction sa;
	sigset_t mask, old;

	while ((opt = getopt(argc, argv, "vm:h")) != -1) {
		switch (opt) {
		case 'v':
			verbose = 1;
			break;
		case 'm':
			mode = optarg;
			if (strcmp(mode, "tp6") && strcmp(mode, "openat") && strcmp(mode, "raw")) {
				fprintf(stderr, "floor: unknown mode '%s' (tp6, openat, raw)\n", mode);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: %s [-v] [-m tp6|openat|raw] [OBJECT]\n", argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind < argc)
		snprintf(path, sizeof(path), "%s", argv[optind]);
	else
		default_object(path, sizeof(path));

	libbpf_set_print(print_fn);

	/* Block the signals until we wait for them, so none is missed. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = -errno;
		fprintf(stderr, "floor: open %s: %s\n", path, strerror(-err));
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, in_mode(mode, prog));
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "floor: load %s: %s\n", path, strerror(-err));
		bpf_object__close(obj);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		if (nlinks == MAX_LINKS) {
			fprintf(stderr, "floor: too many programs\n");
			err = -E2BIG;
			goto out;
		}
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			fprintf(stderr, "floor: attach %s: %s\n",
				bpf_program__section_name(prog), strerror(-err));
			goto out;
		}
		links[nlinks++] = link;
	}

	printf("floor: attached %d programs\n", nlinks);
	fflush(stdout);

	while (!stop)
		sigsuspend(&old);
	err = 0;
out:
	for (i = nlinks - 1; i >= 0; i--)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	return err ? 1 : 0;
}
