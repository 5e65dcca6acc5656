#include <string.h>

#include "complete.h"
#include "names.h"

/* Kinds the engine (common/complete.bash) looks up at completion time. */
static const char *const kinds[OV__NR] = {
	[OV_NONE] = "value", [OV_FILE] = "file", [OV_DIR] = "dir",
	[OV_COMMAND] = "command", [OV_PID] = "pid", [OV_UID] = "uid",
	[OV_PNAME] = "pname", [OV_DISK] = "disk", [OV_FSTYPE] = "fstype",
	[OV_PROBE] = "probe",
};

/* Words of a table with holes (errno and syscall numbers without a name). */
static void table_words(FILE *f, const char *const *table, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (table[i])
			fprintf(f, " %s", table[i]);
}

/* What follows an option (or the positionals), as a single-quoted word:
 * the names put here are identifiers and never hold a quote. */
static void values(FILE *f, const struct loupe_tool *t, enum opt_values v)
{
	unsigned i;

	fputc('\'', f);
	switch (v) {
	case OV_KEYS:
		fputs("words", f);
		for (i = 0; t->by_keys && t->by_keys[i]; i++)
			fprintf(f, " %s", t->by_keys[i]);
		break;
	case OV_ERRNO:
		fputs("words", f);
		table_words(f, loupe_errno_table, loupe_errno_table_len);
		break;
	case OV_SYSCALL:
		fputs("words", f);
		table_words(f, loupe_syscall_table, loupe_syscall_table_len);
		break;
	case OV_OFLAG:
		fputs("words", f);
		for (i = 0; oflag_name(i); i++)
			fprintf(f, " %s", oflag_name(i));
		break;
	default:
		fputs(kinds[v] ? kinds[v] : "value", f);
	}
	fputc('\'', f);
}

struct spec_ctx {
	FILE *f;
	const struct loupe_tool *t;
};

static void spec_opt(const struct opt_info *oi, void *c)
{
	struct spec_ctx *x = c;

	fprintf(x->f, "\t[--%s]=", oi->name);
	if (oi->arg)
		values(x->f, x->t, oi->values);
	else
		fputs("flag", x->f);
	fputc('\n', x->f);
	if (oi->letter)
		fprintf(x->f, "\t[-%c]='=--%s'\n", oi->letter, oi->name);
}

void complete_spec(const struct loupe_tool *t, FILE *f)
{
	struct spec_ctx x = { f, t };

	fprintf(f, "\n# %s: generated from its option table (%s %s)\n", t->name, t->name,
		COMPLETE_SPEC_OPTION);
	fprintf(f, "declare -gA _loupe_spec_%s=(\n", t->name);
	opts_each(t, spec_opt, &x);
	fputs("\t[args]=", f);
	if (t->positional)
		values(f, t, t->positional_values);
	else
		fputs("none", f);
	fprintf(f, "\n)\n_loupe_%s() { _loupe_complete %s; }\n", t->name, t->name);
	fprintf(f, "complete -F _loupe_%s %s\n", t->name, t->name);
}
