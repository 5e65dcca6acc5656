// SPDX-License-Identifier: GPL-2.0
/* opensnoop: which files are opened, by whom, with what result. */
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "loupe.h"
#include "names.h"
#include "tools/opensnoop/opensnoop.h"
#include "opensnoop.skel.h"

static struct loupe_opts o;

static const struct loupe_tool tool = {
	.name = "opensnoop",
	.summary = "Trace open(2), openat(2) and openat2(2): which files are opened, "
		   "by whom, with what result.",
	.usage = "[OPTIONS] [--exec CMD [ARG...]]",
	.shared = OPTS_PER_EVENT | OPT(O_FAILED),
	.examples =
		"  opensnoop                     # trace all opens\n"
		"  opensnoop -x                  # only failed opens\n"
		"  opensnoop -p 181              # only PID 181\n"
		"  opensnoop -n nginx -T         # comm contains 'nginx', with times\n"
		"  opensnoop -j | jq .path       # JSON lines\n"
		"  opensnoop -d 10s > opens.txt  # 10 seconds into a file\n",
};

enum { C_TIME, C_TIME_S, C_UID, C_PID, C_TID, C_COMM, C_FD, C_ERR, C_ERRNO,
       C_SYSCALL, C_PATH };
static const struct col cols[] = {
	[C_TIME]    = { "TIME", "time", 15, COL_LEFT | COL_JSON },
	[C_TIME_S]  = { "TIME(s)", "time_s", 10, COL_LEFT },
	[C_UID]     = { "UID", "uid", 6, COL_JSON },
	[C_PID]     = { "PID", "pid", 7, 0 },
	[C_TID]     = { "TID", "tid", 7, COL_JSON },
	[C_COMM]    = { "COMM", "comm", 16, COL_LEFT },
	[C_FD]      = { "FD", "fd", 4, 0 },
	[C_ERR]     = { "ERR", "err", 3, 0 },
	[C_ERRNO]   = { "ERRNO", "errno", 7, COL_LEFT },
	[C_SYSCALL] = { "SYSCALL", "syscall", 7, COL_LEFT | COL_JSON },
	[C_PATH]    = { "PATH", "path", 0, COL_LEFT },
};
static const char *const sys_names[SYS__NR] = { "open", "openat", "openat2" };

static struct out out;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct opensnoop_event *e = data;
	size_t plen;

	if (size < OPENSNOOP_HDR_SIZE)
		return -EINVAL;
	plen = e->path_len;
	if (plen > size - OPENSNOOP_HDR_SIZE)
		plen = size - OPENSNOOP_HDR_SIZE;

	out_row_begin(&out);
	out_walltime(&out, C_TIME, loupe_wall_ns(e->ts_ns));
	out_fixed(&out, C_TIME_S, loupe_elapsed_s(e->ts_ns), 6);
	out_uint(&out, C_UID, e->uid);
	out_uint(&out, C_PID, e->pid);
	out_uint(&out, C_TID, e->tid);
	out_str(&out, C_COMM, e->comm, strnlen(e->comm, sizeof(e->comm)));
	out_int(&out, C_FD, e->ret >= 0 ? e->ret : -1);
	out_int(&out, C_ERR, e->ret >= 0 ? 0 : -e->ret);
	if (e->ret < 0) {
		const char *n = errno_name(-e->ret);

		out_cstr(&out, C_ERRNO, n ? n : "?");
	}
	if (e->syscall < SYS__NR)
		out_cstr(&out, C_SYSCALL, sys_names[e->syscall]);
	out_str(&out, C_PATH, e->path, plen);
	out_row_end(&out, "event");
	return 0;
}

int main(int argc, char **argv)
{
	struct opensnoop_bpf *skel;
	uint32_t shown;
	int err;

	loupe_parse(&tool, argc, argv, &o);
	loupe_start(&tool, &o);

	shown = OUT_BIT(C_PID) | OUT_BIT(C_COMM) | OUT_BIT(C_FD) | OUT_BIT(C_ERR) |
		OUT_BIT(C_ERRNO) | OUT_BIT(C_PATH);
	if (o.timestamp)
		shown |= OUT_BIT(C_TIME);
	if (o.elapsed)
		shown |= OUT_BIT(C_TIME_S);
	if (o.print_uid)
		shown |= OUT_BIT(C_UID);
	if (o.ntids)
		shown |= OUT_BIT(C_TID);
	out_init(&out, stdout, o.json, cols, sizeof(cols) / sizeof(cols[0]), shown);

	/* open */
	skel = opensnoop_bpf__open();
	if (!skel)
		return loupe_fail("open BPF object", -errno);

	/* configure: filters and options into rodata; open(2) is absent on
	 * some architectures (arm64, riscv), openat2(2) before 5.6 */
	err = loupe_configure(skel->skeleton, &o);
	if (err) {
		opensnoop_bpf__destroy(skel);
		return loupe_fail("configure BPF object", err);
	}
	skel->rodata->cfg_failed_only = o.failed;
	if (!loupe_autoload_if_exists(skel->progs.tp_enter_open) |
	    !loupe_autoload_if_exists(skel->progs.tp_exit_open)) {
		bpf_program__set_autoload(skel->progs.tp_enter_open, false);
		bpf_program__set_autoload(skel->progs.tp_exit_open, false);
	}
	if (!loupe_autoload_if_exists(skel->progs.tp_enter_openat2) |
	    !loupe_autoload_if_exists(skel->progs.tp_exit_openat2)) {
		bpf_program__set_autoload(skel->progs.tp_enter_openat2, false);
		bpf_program__set_autoload(skel->progs.tp_exit_openat2, false);
	}

	/* load */
	err = opensnoop_bpf__load(skel);
	if (!err)
		err = loupe_fill_filters(skel->skeleton, &o);
	if (err) {
		opensnoop_bpf__destroy(skel);
		return loupe_fail_load(err);
	}

	/* attach */
	err = opensnoop_bpf__attach(skel);
	if (err) {
		err = loupe_fail_attach(skel->skeleton, err);
		opensnoop_bpf__destroy(skel);
		return err;
	}
	if (o.verbose)
		fprintf(stderr, "opensnoop: hooks: tracepoint syscalls:sys_{enter,exit}_open{,at,at2}\n");

	/* run */
	fprintf(stderr, "Tracing open()s... Hit Ctrl-C to end.\n");
	out_header(&out);
	err = loupe_poll(skel->maps.events, on_event, NULL, &o);
	if (err)
		loupe_fail("reading events", err);
	err = loupe_finish(skel->skeleton, &o) || err;
	opensnoop_bpf__destroy(skel);
	return err;
}
