// SPDX-License-Identifier: GPL-2.0
/*
 * floor - load and attach empty programs of floor.bpf.o with plain libbpf,
 * print "attached" on stdout, then wait for SIGINT/SIGTERM and detach. It
 * produces no per-event output: it is the floor against which real tracers
 * are compared.
 *
 * usage: floor [-v] [-m ITEM[,ITEM...]] [OBJECT]
 *   (default OBJECT: floor.bpf.o next to this binary)
 *   -m tp6     the six syscall tracepoints of opensnoop: sys_enter/exit of
 *              open, openat, openat2 (the default)
 *   -m openat  only syscalls:sys_enter_openat and sys_exit_openat
 *   -m raw     raw_tp raw_syscalls sys_enter and sys_exit (every syscall)
 *   -m rawexit raw_tp raw_syscalls sys_exit only
 *   -m tp:CATEGORY:NAME    an empty program on that classic tracepoint
 *   -m rawtp:NAME          an empty raw_tp program on tracepoint NAME
 *   -m uprobe:PATH:SYMBOL  an empty uprobe on function SYMBOL of PATH
 * Items combine: -m tp:syscalls:sys_enter_connect,rawtp:inet_sock_set_state
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

#define MAX_LINKS 64
#define MAX_ITEMS 32

static volatile sig_atomic_t stop;
static int verbose;

/* Is the program part of this named mode? */
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
	if (!strcmp(mode, "rawexit"))
		return !strcmp(name, "floor_raw_sys_exit");
	return 0;
}

static int named_mode(const char *item)
{
	return !strcmp(item, "tp6") || !strcmp(item, "openat") || !strcmp(item, "raw") ||
	       !strcmp(item, "rawexit");
}

/* The target-less program an item of the form KIND:... attaches, or NULL. */
static const char *generic_prog(const char *item)
{
	if (!strncmp(item, "tp:", 3) && strchr(item + 3, ':'))
		return "floor_tp_any";
	if (!strncmp(item, "rawtp:", 6) && item[6])
		return "floor_rawtp_any";
	if (!strncmp(item, "uprobe:", 7) && strrchr(item + 7, ':'))
		return "floor_uprobe_any";
	return NULL;
}

static int is_generic(struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);

	return !strcmp(name, "floor_tp_any") || !strcmp(name, "floor_rawtp_any") ||
	       !strcmp(name, "floor_uprobe_any");
}

/* Attach the generic program p where item says. */
static struct bpf_link *attach_item(struct bpf_program *p, char *item)
{
	char *a, *b;

	if (!strncmp(item, "rawtp:", 6))
		return bpf_program__attach_raw_tracepoint(p, item + 6);
	if (!strncmp(item, "tp:", 3)) {
		a = item + 3;
		b = strchr(a, ':');
		*b = '\0';
		return bpf_program__attach_tracepoint(p, a, b + 1);
	}
	{
		LIBBPF_OPTS(bpf_uprobe_opts, uo);

		a = item + 7;
		b = strrchr(a, ':');
		*b = '\0';
		uo.func_name = b + 1;
		return bpf_program__attach_uprobe_opts(p, -1, a, 0, &uo);
	}
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
	char path[PATH_MAX], modes[1024] = "tp6", *items[MAX_ITEMS], *save, *it;
	int nlinks = 0, nitems = 0, err, i, opt;
	struct sigaction sa;
	sigset_t mask, old;

	while ((opt = getopt(argc, argv, "vm:h")) != -1) {
		switch (opt) {
		case 'v':
			verbose = 1;
			break;
		case 'm':
			snprintf(modes, sizeof(modes), "%s", optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-v] [-m tp6|openat|raw|rawexit|tp:CAT:NAME|"
				"rawtp:NAME|uprobe:PATH:SYMBOL[,...]] [OBJECT]\n", argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	for (it = strtok_r(modes, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
		if (!named_mode(it) && !generic_prog(it)) {
			fprintf(stderr, "floor: unknown mode '%s' (tp6, openat, raw, rawexit, "
				"tp:CAT:NAME, rawtp:NAME, uprobe:PATH:SYMBOL)\n", it);
			return 2;
		}
		if (nitems == MAX_ITEMS) {
			fprintf(stderr, "floor: too many -m items\n");
			return 2;
		}
		items[nitems++] = it;
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
	bpf_object__for_each_program(prog, obj) {
		int on = 0;

		for (i = 0; i < nitems; i++) {
			const char *g = generic_prog(items[i]);

			on |= g ? !strcmp(g, bpf_program__name(prog)) : in_mode(items[i], prog);
		}
		bpf_program__set_autoload(prog, on);
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "floor: load %s: %s\n", path, strerror(-err));
		bpf_object__close(obj);
		return 1;
	}
	/* the named modes' programs attach where their sections say, the
	 * generic ones once per item */
	bpf_object__for_each_program(prog, obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog) || is_generic(prog))
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
	for (i = 0; i < nitems; i++) {
		const char *g = generic_prog(items[i]);
		struct bpf_link *link;
		char desc[1024];

		if (!g)
			continue;
		if (nlinks == MAX_LINKS) {
			fprintf(stderr, "floor: too many programs\n");
			err = -E2BIG;
			goto out;
		}
		snprintf(desc, sizeof(desc), "%s", items[i]);
		link = attach_item(bpf_object__find_program_by_name(obj, g), items[i]);
		if (!link) {
			err = -errno;
			fprintf(stderr, "floor: attach %s: %s\n", desc, strerror(-err));
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
