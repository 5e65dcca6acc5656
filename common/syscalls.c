#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "names.h"
#include "skel.h"
#include "syscalls.h"
#include "system.h"

#define SYS_NR_MAX 1024 /* LOUPE_SYS_NR_MAX, bpf/syscalls.bpf.h */

static struct bpf_program *prog(struct bpf_object_skeleton *s, const char *fmt,
				const char *name)
{
	char buf[96];

	snprintf(buf, sizeof(buf), fmt, name);
	return bpf_object__find_program_by_name(*s->obj, buf);
}

static void autoload(struct bpf_program *p, bool on)
{
	if (p)
		bpf_program__set_autoload(p, on);
}

static int choose_tracepoints(struct bpf_object_skeleton *s, const char *const *names,
			      int n, struct sys_choice *c)
{
	size_t used;
	int i;

	used = (size_t)snprintf(c->desc, sizeof(c->desc),
				"tracepoint syscalls:sys_{enter,exit}_{");
	for (i = 0; i < n; i++) {
		struct bpf_program *en, *ex;
		char tp[80];
		bool ok;

		if (!names[i])
			continue;
		en = prog(s, "tp_enter_%s", names[i]);
		ex = prog(s, "tp_exit_%s", names[i]);
		/* open(2) is absent on arm64, openat2(2) before 5.6... */
		snprintf(tp, sizeof(tp), "sys_enter_%s", names[i]);
		ok = !en || sys_tracepoint_exists("syscalls", tp);
		snprintf(tp, sizeof(tp), "sys_exit_%s", names[i]);
		ok = ok && (!ex || sys_tracepoint_exists("syscalls", tp)) && (en || ex);
		autoload(en, ok);
		autoload(ex, ok);
		if (!ok) {
			loupe_info(1, "syscalls:sys_*_%s: no such tracepoint on this kernel, "
				   "skipped", names[i]);
			continue;
		}
		c->ntraced++;
		if (used < sizeof(c->desc))
			used += (size_t)snprintf(c->desc + used, sizeof(c->desc) - used, "%s%s",
						 c->ntraced > 1 ? "," : "", names[i]);
	}
	if (used < sizeof(c->desc))
		snprintf(c->desc + used, sizeof(c->desc) - used, "}");
	return c->ntraced ? 0 : -ENOENT;
}

static int choose_raw(struct bpf_object_skeleton *s, const char *const *names, int n,
		      bool all, struct sys_choice *c)
{
	static unsigned char idx[SYS_NR_MAX];
	size_t used;
	int i, err;

	memset(idx, 0, sizeof(idx));
	used = (size_t)snprintf(c->desc, sizeof(c->desc), "raw_tp raw_syscalls:sys_{enter,exit}");
	if (all) {
		bool on = true;

		c->ntraced = loupe_syscall_table_len;
		err = skel_set_var(s, "cfg_sys_all", &on, sizeof(on));
		if (!err && used < sizeof(c->desc))
			snprintf(c->desc + used, sizeof(c->desc) - used, " (every syscall)");
		return err;
	}
	for (i = 0; i < n; i++) {
		int nr = names[i] ? syscall_parse(names[i]) : -1;

		if (nr < 0 || nr >= SYS_NR_MAX) {
			if (names[i])
				loupe_info(1, "%s: no such syscall on this architecture, skipped",
					   names[i]);
			continue;
		}
		/* idx saturates at 254: a tool naming more syscalls than that
		 * does not tell them apart by idx (errsnoop uses nr) */
		idx[nr] = (unsigned char)(i < 254 ? i + 1 : 255);
		c->ntraced++;
		if (used < sizeof(c->desc))
			used += (size_t)snprintf(c->desc + used, sizeof(c->desc) - used, "%s%s",
						 c->ntraced > 1 ? "," : " for {", names[i]);
		if (used >= sizeof(c->desc) - 8 && used < sizeof(c->desc)) {
			snprintf(c->desc + sizeof(c->desc) - 8, 8, ",...");
			used = sizeof(c->desc);
		}
	}
	if (c->ntraced && used < sizeof(c->desc))
		snprintf(c->desc + used, sizeof(c->desc) - used, "}");
	if (!c->ntraced)
		return -ENOENT;
	return skel_set_var(s, "cfg_sys_idx", idx, sizeof(idx));
}

int syscalls_choose(struct bpf_object_skeleton *s, const char *const *names, int n,
		    bool all, enum sys_source prefer, struct sys_choice *c)
{
	const char *force = getenv("LOUPE_FORCE_HOOK");
	struct bpf_program *en = prog(s, "%s", "raw_sys_enter");
	struct bpf_program *ex = prog(s, "%s", "raw_sys_exit");
	int i;

	memset(c, 0, sizeof(*c));
	/* the tracepoint pairs of syscalls the tool does not name now (e.g.
	 * tcpconnect's accept ones without --accept) are not loaded; other
	 * programs so named (opensnoop's tail-called tp_exit_any) are kept */
	for (i = 0; i < s->prog_cnt; i++) {
		const char *pn = bpf_program__name(*s->progs[i].prog);

		if ((!strncmp(pn, "tp_enter_", 9) && syscall_parse(pn + 9) >= 0) ||
		    (!strncmp(pn, "tp_exit_", 8) && syscall_parse(pn + 8) >= 0))
			autoload(*s->progs[i].prog, false);
	}
	if (force && !strcmp(force, "raw_tp"))
		prefer = SYS_SRC_RAW;
	else if (force && !strcmp(force, "tracepoint"))
		prefer = SYS_SRC_TRACEPOINTS;
	if (prefer == SYS_SRC_TRACEPOINTS && (en || ex) && !sys_perf_events_allowed()) {
		loupe_info(1, "kernel.perf_event_paranoid is %d and CAP_SYS_ADMIN is missing: "
			   "this kernel refuses perf events (tracepoints) then; raw_syscalls "
			   "instead", sys_perf_paranoid());
		prefer = SYS_SRC_RAW;
	}
	if (all || !(en || ex))
		prefer = all ? SYS_SRC_RAW : SYS_SRC_TRACEPOINTS;
	c->source = prefer;
	if (prefer == SYS_SRC_RAW)
		return choose_raw(s, names, n, all, c);
	autoload(en, false);
	autoload(ex, false);
	return choose_tracepoints(s, names, n, c);
}
