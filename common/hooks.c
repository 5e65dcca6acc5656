#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "hooks.h"
#include "base.h"

static struct btf *vmlinux;
static bool vmlinux_tried;

const struct btf *loupe_vmlinux_btf(void)
{
	if (!vmlinux_tried) {
		vmlinux_tried = true;
		vmlinux = btf__load_vmlinux_btf();
		if (libbpf_get_error(vmlinux))
			vmlinux = NULL;
	}
	return vmlinux;
}

void loupe_vmlinux_btf_release(void)
{
	btf__free(vmlinux);
	vmlinux = NULL;
	vmlinux_tried = false;
}

static int trace_typedef(const char *tp)
{
	const struct btf *btf = loupe_vmlinux_btf();
	char name[160];

	if (!btf)
		return -ENOENT;
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
}

int loupe_probe_tp_btf(const char *tp)
{
	/* r0 = 0; exit */
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);
	int id = trace_typedef(tp), fd;

	if (id < 0)
		return id;
	opts.attach_btf_id = (__u32)id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &opts);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int loupe_tp_nargs(const char *tp)
{
	const struct btf *btf = loupe_vmlinux_btf();
	const struct btf_type *t;
	int id = trace_typedef(tp);

	if (id < 0)
		return id;
	/* typedef -> pointer -> func_proto (void *__data, args...) */
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL;
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 1)
		return -EINVAL;
	return btf_vlen(t) - 1;
}

static bool of_kind(struct bpf_program *p, const char *kind)
{
	const char *sec = bpf_program__section_name(p);
	size_t n = strlen(kind);

	return !strncmp(sec, kind, n) && sec[n] == '/';
}

int loupe_choose_hooks(struct bpf_object_skeleton *s, const struct loupe_rung *ladder,
		       int n, int verbose)
{
	const char *force = getenv("LOUPE_FORCE_HOOK");
	int chosen = -1, i, j, err;

	for (i = 0; i < n && chosen < 0; i++) {
		if (force && strcmp(force, ladder[i].kind)) {
			/* tests: take the rung named there */
			if (verbose)
				fprintf(stderr, "%s: hooks: %s skipped (LOUPE_FORCE_HOOK=%s)\n",
					loupe_name(), ladder[i].kind, force);
			continue;
		}
		err = ladder[i].probe ? ladder[i].probe(ladder[i].arg) : 0;
		if (!err)
			chosen = i;
		else if (verbose)
			fprintf(stderr, "%s: hooks: %s not usable (trial load for %s: %s)\n",
				loupe_name(), ladder[i].kind, ladder[i].arg, strerror(-err));
	}
	if (chosen < 0)
		return -ENOENT;
	for (j = 0; j < s->prog_cnt; j++) {
		struct bpf_program *p = *s->progs[j].prog;

		for (i = 0; i < n; i++)
			if (i != chosen && of_kind(p, ladder[i].kind))
				bpf_program__set_autoload(p, false);
	}
	if (verbose) {
		fprintf(stderr, "%s: hooks: %s (", loupe_name(), ladder[chosen].kind);
		for (i = 0, j = 0; j < s->prog_cnt; j++) {
			struct bpf_program *p = *s->progs[j].prog;

			if (bpf_program__autoload(p))
				fprintf(stderr, "%s%s", i++ ? ", " : "",
					bpf_program__section_name(p));
		}
		fprintf(stderr, ")\n");
	}
	return chosen;
}
