#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "out.h"
#include "prom.h"

void prom_labels_init(struct prom_labels *l)
{
	l->n = 0;
	l->used = 0;
}

/* The format's escapes of a label value: \\ \" \n; dst holds 2 * len. */
static size_t esc_value(char *dst, const char *src, size_t len)
{
	char *d = dst;
	size_t i;

	for (i = 0; i < len; i++) {
		if (src[i] == '\\' || src[i] == '"' || src[i] == '\n') {
			*d++ = '\\';
			*d++ = src[i] == '\n' ? 'n' : src[i];
		} else {
			*d++ = src[i];
		}
	}
	return (size_t)(d - dst);
}

int prom_label_text(struct prom_labels *l, const char *name, const char *v, size_t len)
{
	if (l->n >= PROM_MAX_LABELS || len > (sizeof(l->buf) - l->used) / 2)
		return -E2BIG;
	l->name[l->n] = name;
	l->off[l->n] = (uint32_t)l->used;
	l->len[l->n] = (uint32_t)esc_value(l->buf + l->used, v, len);
	l->used += l->len[l->n++];
	return 0;
}

int prom_label(struct prom_labels *l, const char *name, const char *v, size_t len)
{
	char tmp[4096 * 4];
	size_t n;

	if (len > sizeof(tmp) / 4)
		return -E2BIG;
	n = esc_text(tmp, v, len);
	return prom_label_text(l, name, tmp, n);
}

void prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (; *help; help++) {
		if (*help == '\\')
			fputs("\\\\", f);
		else if (*help == '\n')
			fputs("\\n", f);
		else
			fputc(*help, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

/* name[suffix]{labels[,le="le"]} */
static void series(FILE *f, const char *name, const char *suffix,
		   const struct prom_labels *l, const char *le)
{
	int i, n = l ? l->n : 0;

	fprintf(f, "%s%s", name, suffix);
	if (!n && !le)
		return;
	fputc('{', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s=\"%.*s\"", i ? "," : "", l->name[i], (int)l->len[i],
			l->buf + l->off[i]);
	if (le)
		fprintf(f, "%sle=\"%s\"", n ? "," : "", le);
	fputc('}', f);
}

void prom_sample(FILE *f, const char *name, const struct prom_labels *l, uint64_t v)
{
	series(f, name, "", l, NULL);
	fprintf(f, " %" PRIu64 "\n", v);
}

const char *prom_seconds(char *buf, size_t len, uint64_t ns)
{
	int n = snprintf(buf, len, "%" PRIu64 ".%09" PRIu64, ns / 1000000000,
			 ns % 1000000000);

	/* "2.500000000" -> "2.5", "3.000000000" -> "3" */
	while (n > 0 && (size_t)n < len && buf[n - 1] == '0')
		buf[--n] = 0;
	if (n > 0 && (size_t)n < len && buf[n - 1] == '.')
		buf[--n] = 0;
	return buf;
}

void prom_histogram(FILE *f, const char *name, const struct prom_labels *l,
		    const struct hist_fmt *fmt, const struct loupe_hist *h)
{
	uint64_t cum = 0, lo, hi, div = fmt->sum_div ? fmt->sum_div : 1;
	char le[48];
	int i;

	for (i = 0; i < LOUPE_HIST_SLOTS - 1; i++) {
		unsigned __int128 bound;

		hist_bounds(fmt, i, &lo, &hi);
		if (fmt->unit_ns) {
			/* the values below hi + 1 units, in seconds */
			bound = ((unsigned __int128)hi + 1) * fmt->unit_ns;
			if (bound > PROM_MAX_LE_NS)
				break;
			prom_seconds(le, sizeof(le), (uint64_t)bound);
		} else {
			snprintf(le, sizeof(le), "%" PRIu64, hi);
		}
		cum += h->slots[i];
		series(f, name, "_bucket", l, le);
		fprintf(f, " %" PRIu64 "\n", cum);
	}
	series(f, name, "_bucket", l, "+Inf");
	fprintf(f, " %" PRIu64 "\n", hist_total(h));
	series(f, name, "_sum", l, NULL);
	if (fmt->unit_ns) {
		/* the raw sum is in units of unit_ns / sum_div ns (ns here) */
		unsigned __int128 ns = (unsigned __int128)h->sum * fmt->unit_ns / div;

		fprintf(f, " %s\n", prom_seconds(le, sizeof(le),
						 ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns));
	} else {
		fprintf(f, " %.17g\n", (double)h->sum / (double)div);
	}
	series(f, name, "_count", l, NULL);
	fprintf(f, " %" PRIu64 "\n", hist_total(h));
}
