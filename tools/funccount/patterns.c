// SPDX-License-Identifier: GPL-2.0
/* funccount's patterns into probes (patterns.h). */
#include <errno.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "symbols.h"
#include "system.h"
#include "tools/funccount/patterns.h"

struct matcher {
	bool regex;
	const char *glob;
	regex_t re;
};

#define RE_COST_MAX 4096
#define RE_DEPTH_MAX 32

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / 4 / b ? UINT64_MAX / 4 : a * b;
}

/* About how many nodes glibc's regcomp() builds for an ERE: it copies the
 * operand of '+' and of {n,m} (a+ is aa*, a{3} is aaa), so stacked or
 * nested repetitions grow geometrically ('x++++...' of 40 '+' takes more
 * than 2 GB). Each atom counts 1, a group its contents; a repetition
 * multiplies what it repeats; a repetition of a repetition is refused
 * outright (the maximum). Saturates instead of overflowing. */
static uint64_t re_cost(const char *re)
{
	uint64_t total[RE_DEPTH_MAX + 1] = { 0 }, last[RE_DEPTH_MAX + 1] = { 0 };
	bool rep = false;
	int d = 0;

	while (*re) {
		uint64_t f = 0, atom = 1;
		char c = *re++;

		/* a repetition of a repetition ('**', '+?', '{2}*'): undefined in
		 * POSIX EREs, and glibc takes exponential time over a run of them */
		if (rep && strchr("*+?{", c))
			return UINT64_MAX / 4;
		rep = false;

		switch (c) {
		case '\\':
			if (*re)
				re++;
			break;
		case '[': /* a bracket expression: one atom */
			if (*re == '^')
				re++;
			if (*re == ']')
				re++;
			while (*re && *re != ']') {
				if (*re == '[' && (re[1] == ':' || re[1] == '.' || re[1] == '=')) {
					char k = re[1];

					for (re += 2; *re && !(re[0] == k && re[1] == ']'); re++)
						;
					if (*re)
						re++;
				}
				if (*re)
					re++;
			}
			if (*re)
				re++;
			break;
		case '(':
			if (d == RE_DEPTH_MAX)
				return UINT64_MAX / 4;
			d++;
			total[d] = last[d] = 0;
			continue;
		case ')':
			if (!d)
				break;
			atom = total[d] + 1;
			d--;
			break;
		case '|':
			last[d] = 0;
			continue;
		case '*': case '?':
			f = 1;
			break;
		case '+':
			f = 2;
			break;
		case '{': {
			unsigned long a = strtoul(re, (char **)&re, 10), b = a;

			if (*re == ',')
				b = strtoul(re + 1, (char **)&re, 10);
			if (*re == '}')
				re++;
			f = (a > b ? a : b) + 1;
			break;
		}
		default:
			break;
		}
		if (f) { /* a repetition of the last atom */
			uint64_t grown = sat_mul(last[d], f);

			rep = true;
			total[d] = total[d] - last[d] + grown;
			last[d] = grown;
			continue;
		}
		last[d] = atom;
		total[d] += atom;
		if (total[d] > UINT64_MAX / 8)
			return UINT64_MAX / 4;
	}
	while (d > 0) { /* unclosed groups: regcomp refuses them anyway */
		total[d - 1] += total[d];
		d--;
	}
	return total[0];
}

static int matcher_init(struct matcher *m, const char *pat, bool regex, char *err,
			size_t len)
{
	char anchored[600];

	m->regex = regex;
	m->glob = pat;
	if (!*pat) {
		snprintf(err, len, "an empty name");
		return -EINVAL;
	}
	if (!regex)
		return 0;
	if (strlen(pat) > sizeof(anchored) - 8) {
		snprintf(err, len, "a regular expression of at most %zu bytes",
			 sizeof(anchored) - 8);
		return -EINVAL;
	}
	if (re_cost(pat) > RE_COST_MAX) {
		snprintf(err, len, "'%.200s': too large a regular expression once its "
			 "repetitions are expanded (at most %d atoms), or a repetition "
			 "repeated ('a**')", pat, RE_COST_MAX);
		return -EINVAL;
	}
	snprintf(anchored, sizeof(anchored), "^(%s)$", pat);
	if (regcomp(&m->re, anchored, REG_EXTENDED | REG_NOSUB)) {
		snprintf(err, len, "'%.200s' is not a valid regular expression", pat);
		return -EINVAL;
	}
	return 0;
}

static bool matcher_hit(const struct matcher *m, const char *s)
{
	return m->regex ? !regexec(&m->re, s, 0, NULL, 0) : !fnmatch(m->glob, s, 0);
}

static void matcher_free(struct matcher *m)
{
	if (m->regex)
		regfree(&m->re);
}

static int errf(char *err, size_t len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int errf(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return ret;
}

static struct probe *add(struct probes *p)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct probe *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		p->v = v;
		p->cap = cap;
	}
	memset(&p->v[p->n], 0, sizeof(p->v[0]));
	return &p->v[p->n++];
}

static bool have(const struct probes *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return true;
	return false;
}

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dupf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* ---- tracepoints ----------------------------------------------------- */

static int tracepoints(const char *cat, const char *ev, bool regex, struct probes *out,
		       char *err, size_t len)
{
	struct matcher mc, me;
	char path[600], line[512];
	size_t before = out->n;
	const char *root = sys_tracefs();
	FILE *f;
	int r;

	if ((r = matcher_init(&mc, cat, regex, err, len)))
		return r;
	if ((r = matcher_init(&me, ev, regex, err, len))) {
		matcher_free(&mc);
		return r;
	}
	snprintf(path, sizeof(path), "%s/available_events", root ? root : "/sys/kernel/tracing");
	f = fopen(path, "r");
	if (!f) {
		r = errf(err, len, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		struct probe *p;

		line[strcspn(line, "\n")] = 0;
		if (!colon)
			continue;
		*colon = 0;
		if (!matcher_hit(&mc, line) || !matcher_hit(&me, colon + 1))
			continue;
		*colon = ':';
		if (have(out, line))
			continue;
		if (!(p = add(out))) {
			r = -ENOMEM;
			break;
		}
		p->name = strdup(line);
		*colon = 0;
		p->nr = -1;
		if (!strcmp(line, "syscalls") && (!strncmp(colon + 1, "sys_enter_", 10) ||
						   !strncmp(colon + 1, "sys_exit_", 9))) {
			bool enter = !strncmp(colon + 1, "sys_enter_", 10);

			p->kind = enter ? PK_SYSCALL_ENTER : PK_SYSCALL_EXIT;
			p->nr = syscall_parse_event(colon + 1 + (enter ? 10 : 9));
		}
		/* other tracepoints, and those of a syscall newer than loupe's
		 * table: their own tracepoint (never left out) */
		if (p->nr < 0) {
			p->kind = PK_TRACEPOINT;
			p->cat = strdup(line);
			p->event = strdup(colon + 1);
		}
	}
	fclose(f);
	if (!r && out->n == before)
		r = errf(err, len, -ENOENT, "no tracepoint matches %s:%s", cat, ev);
out:
	matcher_free(&mc);
	matcher_free(&me);
	return r;
}

/* ---- user space: functions and USDT probes --------------------------- */

static int binary(const char *lib, pid_t pid, char *path, size_t plen, char *err, size_t len)
{
	int r = strchr(lib, '/') || strstr(lib, ".so") || !strncmp(lib, "lib", 3) ?
		sym_find_library(lib, pid, path, plen) : -ENOENT;

	if (r)
		r = sym_find_library(lib, pid, path, plen);
	if (r)
		r = sym_find_program(lib, pid, path, plen);
	if (r)
		return errf(err, len, -ENOENT, "no library or program '%s'%s", lib,
			    pid > 0 ? " in that process" : "");
	return 0;
}

/* the short name of a binary for the probe names: "libc.so.6", "bash" */
static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int functions(const char *path, const char *sym, bool regex, struct probes *out,
		     char *err, size_t len)
{
	struct sym_list l = { 0 };
	struct matcher m;
	size_t i, n, before = out->n, ifuncs = 0;
	int r;

	if ((r = matcher_init(&m, sym, regex, err, len)))
		return r;
	r = sym_list_functions(path, &l);
	if (r) {
		matcher_free(&m);
		return errf(err, len, r, "%s: %s", path, r == -ENOEXEC ?
			    "not an ELF file of this machine" : strerror(-r));
	}
	/* the matching names first, then one probe per address: malloc and
	 * its alias __libc_malloc share one, and the name asked for wins */
	for (i = 0, n = 0; i < l.n; i++) {
		if (matcher_hit(&m, l.v[i].name))
			l.v[n++] = l.v[i];
		else
			free(l.v[i].name);
	}
	l.n = n;
	sym_list_unique_offsets(&l);
	for (i = 0; i < l.n && !r; i++) {
		struct probe *p;
		char *name;

		if (l.v[i].ifunc) {
			/* a uprobe on an IFUNC counts its resolver (once per
			 * process), not the calls: left out, and said */
			if (!ifuncs++ && !out->ifunc_example[0])
				snprintf(out->ifunc_example, sizeof(out->ifunc_example), "%s",
					 l.v[i].name);
			continue;
		}
		name = dupf("%s:%s", base(path), l.v[i].name);
		if (!name || have(out, name)) {
			free(name);
			r = name ? 0 : -ENOMEM;
			continue;
		}
		if (!(p = add(out))) {
			free(name);
			r = -ENOMEM;
			break;
		}
		p->kind = PK_UPROBE;
		p->name = name;
		p->path = strdup(path);
		p->offset = l.v[i].offset;
	}
	out->nifunc += ifuncs;
	sym_list_free(&l);
	matcher_free(&m);
	if (!r && out->n == before)
		r = ifuncs ? errf(err, len, -ENOENT, "%s:%s matches only IFUNC symbols (e.g. %s), "
				  "whose uprobes count a resolver, not the calls: count the "
				  "implementations instead (e.g. '__%s_*')", base(path), sym,
				  out->ifunc_example, out->ifunc_example) :
			errf(err, len, -ENOENT, "no function of %s matches %s", path, sym);
	return r;
}

/* u:LIB:NAME or u:LIB:PROVIDER:NAME. 1 when LIB has no matching USDT probe
 * (the caller then tries functions). */
static int usdt(const char *path, const char *prov, const char *name, bool regex,
		struct probes *out, char *err, size_t len)
{
	struct usdt_list l = { 0 };
	struct matcher mp, mn;
	size_t i, before = out->n;
	int r;

	if ((r = matcher_init(&mn, name, regex, err, len)))
		return r;
	if (prov && (r = matcher_init(&mp, prov, regex, err, len))) {
		matcher_free(&mn);
		return r;
	}
	r = usdt_list_probes(path, &l);
	for (i = 0; !r && i < l.n; i++) {
		struct probe *p;
		char *n;

		if (!matcher_hit(&mn, l.v[i].name) || (prov && !matcher_hit(&mp, l.v[i].provider)))
			continue;
		n = dupf("%s:%s:%s", base(path), l.v[i].provider, l.v[i].name);
		if (!n || have(out, n)) { /* several sites of a probe: one probe */
			free(n);
			r = n ? 0 : -ENOMEM;
			continue;
		}
		if (!(p = add(out))) {
			free(n);
			r = -ENOMEM;
			break;
		}
		p->kind = PK_USDT;
		p->name = n;
		p->path = strdup(path);
		p->cat = strdup(l.v[i].provider);
		p->event = strdup(l.v[i].name);
	}
	usdt_list_free(&l);
	matcher_free(&mn);
	if (prov)
		matcher_free(&mp);
	if (r)
		return errf(err, len, r, "%s: %s", path, strerror(-r));
	return out->n == before ? 1 : 0;
}

/* ---- kernel functions ------------------------------------------------- */

static int kfuncs(const char *fn, bool regex, struct probes *out, char *err, size_t len)
{
	char path[600], line[512];
	size_t before = out->n;
	const char *root = sys_tracefs();
	struct matcher m;
	FILE *f;
	int r;

	if ((r = matcher_init(&m, fn, regex, err, len)))
		return r;
	snprintf(path, sizeof(path), "%s/available_filter_functions",
		 root ? root : "/sys/kernel/tracing");
	f = fopen(path, "r");
	if (!f && !regex && !strpbrk(fn, "*?[")) {
		/* no list (no function tracer): one function by its name, which
		 * the attach tries (and says why it cannot) */
		struct probe *p;

		matcher_free(&m);
		if (!(p = add(out)))
			return -ENOMEM;
		p->kind = PK_KFUNC;
		p->name = strdup(fn);
		p->func = strdup(fn);
		return 0;
	}
	if (!f) {
		matcher_free(&m);
		return errf(err, len, -EOPNOTSUPP, "kernel functions cannot be traced on this "
			    "kernel (%s: %s). Patterns that work here: t:CAT:EVENT (tracepoints), "
			    "LIB:SYMBOL and /path:SYMBOL (user functions), u:LIB:PROBE (USDT)",
			    path, strerror(errno));
	}
	while (fgets(line, sizeof(line), f)) {
		struct probe *p;

		line[strcspn(line, " \t\n")] = 0; /* "name [module]" */
		if (!matcher_hit(&m, line) || have(out, line))
			continue;
		if (!(p = add(out))) {
			r = -ENOMEM;
			break;
		}
		p->kind = PK_KFUNC;
		p->name = strdup(line);
		p->func = strdup(line);
	}
	fclose(f);
	matcher_free(&m);
	if (!r && out->n == before)
		r = errf(err, len, -ENOENT, "no kernel function matches %s", fn);
	return r;
}

/* ---- the pattern ------------------------------------------------------ */

enum form { F_TP, F_USDT, F_USDT_PROV, F_FUNC, F_KFUNC };

struct parsed {
	enum form form;
	char *buf;          /* the parts point into it */
	const char *lib, *prov, *name, *cat;
};

/* The pattern's form and parts; 0 or -EINVAL with err. */
static int parse(const char *pattern, bool regex, struct parsed *ps, char *err, size_t len)
{
	char *parts[4] = { 0 }, *p;
	struct matcher m;
	int n = 0, r;

	memset(ps, 0, sizeof(*ps));
	ps->buf = strdup(pattern);
	if (!ps->buf)
		return -ENOMEM;
	for (p = ps->buf; p; n++) {
		if (n == 4)
			return errf(err, len, -EINVAL, "too many ':' in '%.200s'", pattern);
		parts[n] = p;
		p = strchr(p, ':');
		if (p)
			*p++ = 0;
	}
	if (n == 3 && !strcmp(parts[0], "t")) {
		ps->form = F_TP;
		ps->cat = parts[1];
		ps->name = parts[2];
	} else if ((n == 3 || n == 4) && !strcmp(parts[0], "u")) {
		ps->form = n == 4 ? F_USDT_PROV : F_USDT;
		ps->lib = parts[1];
		ps->prov = n == 4 ? parts[2] : NULL;
		ps->name = parts[n - 1];
	} else if (n == 3 && !strcmp(parts[0], "p")) {
		/* bcc's own spelling: p::FUNC is a kernel function */
		ps->form = *parts[1] ? F_FUNC : F_KFUNC;
		ps->lib = *parts[1] ? parts[1] : NULL;
		ps->name = parts[2];
	} else if (n == 2 && !strcmp(parts[0], "k")) {
		ps->form = F_KFUNC;
		ps->name = parts[1];
	} else if (n == 2 && *parts[0] && !(parts[0][1] == 0 && strchr("tupk", parts[0][0]))) {
		/* LIB:SYMBOL, LIB any name but the one-letter prefixes t, u, p, k */
		ps->form = F_FUNC;
		ps->lib = parts[0];
		ps->name = parts[1];
	} else if (n == 1 && *parts[0]) {
		ps->form = F_KFUNC;
		ps->name = parts[0];
	} else {
		return errf(err, len, -EINVAL, "'%.200s' is not a pattern: t:CAT:EVENT, "
			    "u:LIB:PROBE, LIB:SYMBOL, /path:SYMBOL or k:FUNC", pattern);
	}
	if ((ps->lib && !*ps->lib) || (ps->cat && !*ps->cat))
		return errf(err, len, -EINVAL, "'%.200s': an empty part", pattern);
	/* the names must be valid globs or regular expressions */
	if ((r = matcher_init(&m, ps->name, regex, err, len)))
		return r;
	matcher_free(&m);
	if (ps->cat) {
		if ((r = matcher_init(&m, ps->cat, regex, err, len)))
			return r;
		matcher_free(&m);
	}
	if (ps->prov) {
		if ((r = matcher_init(&m, ps->prov, regex, err, len)))
			return r;
		matcher_free(&m);
	}
	return 0;
}

int patterns_syntax(const char *pattern, bool regex, char *err, size_t errlen)
{
	struct parsed ps;
	int r = parse(pattern, regex, &ps, err, errlen);

	free(ps.buf);
	return r;
}

int patterns_expand(const char *pattern, bool regex, pid_t pid, struct probes *out,
		    char *err, size_t errlen)
{
	struct parsed ps;
	char bin[4096];
	int r = parse(pattern, regex, &ps, err, errlen);

	if (r)
		goto out;
	switch (ps.form) {
	case F_TP:
		r = tracepoints(ps.cat, ps.name, regex, out, err, errlen);
		break;
	case F_KFUNC:
		r = kfuncs(ps.name, regex, out, err, errlen);
		break;
	case F_USDT: case F_USDT_PROV:
		r = binary(ps.lib, pid, bin, sizeof(bin), err, errlen);
		if (!r)
			r = usdt(bin, ps.prov, ps.name, regex, out, err, errlen);
		if (r == 1 && ps.prov)
			r = errf(err, errlen, -ENOENT, "no USDT probe %s:%s in %s", ps.prov,
				 ps.name, bin);
		else if (r == 1) /* no USDT probe of that name: functions */
			r = functions(bin, ps.name, regex, out, err, errlen);
		break;
	case F_FUNC:
		r = binary(ps.lib, pid, bin, sizeof(bin), err, errlen);
		if (!r)
			r = functions(bin, ps.name, regex, out, err, errlen);
		break;
	}
out:
	free(ps.buf);
	return r;
}

void probes_free(struct probes *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].path);
		free(p->v[i].cat);
		free(p->v[i].event);
		free(p->v[i].func);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}
