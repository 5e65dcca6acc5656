/*
 * The attachment layer on the real kernel (common/attach.h), run by
 * tests/integration/test_attach.py: one program per hook kind attached to
 * several targets with a cookie each; the test makes a known number of
 * hits per target and checks the counts per cookie.
 *
 *   attach_test tp|raw|uprobe|usdt|all
 *
 * Prints "hooks: ..." (how each kind was attached), "ids: ..." (the
 * programs, for the release check), "hits: c=n ..." and "ok" or
 * "MISMATCH"; exits 0 when every count is exact. Honours
 * LOUPE_NO_COOKIES=1 (program copies instead of cookies) and
 * LOUPE_NO_UPROBE_MULTI=1 (one link per uprobe).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sdt.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "attach.h"
#include "loupe.h"
#include "attach_test.skel.h"

__attribute__((noinline)) int fn_a(int x)
{
	asm volatile("" ::: "memory");
	return x + 1;
}

__attribute__((noinline)) int fn_b(int x)
{
	asm volatile("" ::: "memory");
	return x * 2;
}

/* File offset of a function of this program, from /proc/self/maps. */
static uint64_t file_offset(void *fn)
{
	unsigned long lo, hi, off, a = (unsigned long)fn;
	char line[512], perms[8];
	FILE *f = fopen("/proc/self/maps", "r");
	uint64_t r = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s %lx", &lo, &hi, perms, &off) == 4 &&
		    a >= lo && a < hi && perms[2] == 'x') {
			r = a - lo + off;
			break;
		}
	if (f)
		fclose(f);
	return r;
}

static uint64_t want[16];
static char exe_path[4096];
#define EXE exe_path

static int attach_kind(struct attach_test_bpf *s, const char *kind)
{
	int err = 0;

	if (!strcmp(kind, "tp")) {
		err = attach_tracepoint(s->progs.on_tp, "syscalls", "sys_enter_getppid", 1);
		if (!err)
			err = attach_tracepoint(s->progs.on_tp, "syscalls", "sys_enter_getpgid", 2);
	} else if (!strcmp(kind, "raw")) {
		err = attach_raw_tp(s->progs.on_raw_tp, "task_rename", 3);
		if (!err)
			err = attach_raw_tp(s->progs.on_raw_tp, "sched_process_fork", 4);
	} else if (!strcmp(kind, "uprobe")) {
		uint64_t offs[2] = { file_offset(fn_a), file_offset(fn_b) };
		uint64_t cookies[2] = { 5, 6 };

		err = attach_uprobes(s->progs.on_uprobe, EXE, offs, cookies, 2,
				     getpid(), false, NULL);
	} else if (!strcmp(kind, "usdt")) {
		err = attach_usdt(s->progs.on_usdt, EXE, "loupe_test", "ping",
				  getpid(), 8);
	}
	if (err)
		fprintf(stderr, "attach_test: attach %s: %s\n", attach_failed(), strerror(-err));
	return err;
}

static void hit_kind(const char *kind)
{
	int i;

	if (!strcmp(kind, "tp")) {
		for (i = 0; i < 3; i++)
			getppid();
		for (i = 0; i < 5; i++)
			getpgid(0);
		want[1] = 3;
		want[2] = 5;
	} else if (!strcmp(kind, "raw")) {
		for (i = 0; i < 4; i++)
			prctl(PR_SET_NAME, i & 1 ? "attach_test" : "attach_tst", 0, 0, 0);
		for (i = 0; i < 2; i++) {
			pid_t p = fork();

			if (p == 0)
				_exit(0);
			waitpid(p, NULL, 0);
		}
		want[3] = 4;
		want[4] = 2;
	} else if (!strcmp(kind, "uprobe")) {
		int x = 0;

		for (i = 0; i < 3; i++)
			x += fn_a(i);
		for (i = 0; i < 6; i++)
			x += fn_b(i);
		want[5] = 3;
		want[6] = 6;
		if (x < 0)
			puts("");
	} else if (!strcmp(kind, "usdt")) {
		for (i = 0; i < 4; i++)
			STAP_PROBE1(loupe_test, ping, i);
		want[8] = 4;
	}
}

int main(int argc, char **argv)
{
	static const char *const all[] = { "tp", "raw", "uprobe", "usdt" };
	struct loupe_opts o = { 0 };
	struct attach_test_bpf *s;
	bool multi, cookies;
	int i, k, nk = 0, err, bad = 0;
	const char *kinds[4];

	if (argc != 2)
		return fprintf(stderr, "usage: attach_test tp|raw|uprobe|usdt|all\n"), 2;
	for (i = 0; i < 4; i++)
		if (!strcmp(argv[1], "all") || !strcmp(argv[1], all[i]))
			kinds[nk++] = all[i];
	if (!nk)
		return fprintf(stderr, "attach_test: unknown kind %s\n", argv[1]), 2;
	loupe_set_name("attach_test");
	if (readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1) < 0)
		return loupe_fail("readlink /proc/self/exe", -errno);

	s = attach_test_bpf__open();
	if (!s)
		return loupe_fail("open", -errno);
	s->rodata->cfg_tgid = (uint32_t)getpid();
	cookies = attach_cookies_supported(BPF_PROG_TYPE_TRACEPOINT) &&
		  attach_cookies_supported(BPF_PROG_TYPE_KPROBE);
	s->rodata->cfg_cookie_helper = cookies;
	multi = attach_prepare_uprobe_multi(s->progs.on_uprobe);
	if (skel_configure(s->skeleton, &o))
		return loupe_fail("configure", -EINVAL);
	err = attach_test_bpf__load(s);
	if (err)
		return loupe_fail("load", err);
	printf("hooks: cookies %s, uprobes %s\n", cookies ? "from the links" : "by program copies",
	       multi ? "uprobe_multi" : "one link each");

	for (k = 0; k < nk; k++)
		if (attach_kind(s, kinds[k]))
			return 1;
	printf("links: %zu\n", attach_count());
	for (k = 0; k < nk; k++)
		hit_kind(kinds[k]);

	printf("hits:");
	for (i = 0; i < 16; i++) {
		__u32 key = (__u32)i;
		__u64 v = 0;

		bpf_map__lookup_elem(s->maps.hits, &key, sizeof(key), &v, sizeof(v), 0);
		if (v || want[i])
			printf(" %d=%llu", i, (unsigned long long)v);
		bad += v != want[i];
	}
	printf("\n%s\n", bad ? "MISMATCH" : "ok");

	/* every program the kernel holds for us, clones included: the test
	 * checks they are gone soon after we exit */
	{
		__u32 id = 0;

		printf("ids:");
		while (!bpf_prog_get_next_id(id, &id)) {
			int fd = bpf_prog_get_fd_by_id(id);
			struct bpf_prog_info info = { 0 };
			__u32 len = sizeof(info);

			if (fd < 0)
				continue;
			if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
			    (!strncmp(info.name, "on_", 3)))
				printf(" %u", id);
			close(fd);
		}
		printf("\n");
	}
	fflush(stdout);
	attach_release();
	attach_test_bpf__destroy(s);
	return bad ? 1 : 0;
}
