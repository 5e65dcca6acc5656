/*
 * The count-summary template: a table of (key, count) rows, filled from a
 * BPF count map (bpf/count.bpf.h, batch reads with a fallback:
 * common/maps.h) or by hand, merged by key, sorted by count (largest
 * first, then by key bytes so equal counts keep a stable order), cut to
 * --top N, and written as rows of the tool's own columns (common/out.h:
 * text with a header, or JSON records of type "count").
 *
 * Keys are fixed-size byte strings (a tool's key struct, padding zeroed);
 * -k/--by picks which of the tool's key fields a row keeps
 * (count_parse_by), and the tool zeroes the others, in the kernel or when
 * adding, so rows that differ only there merge.
 */
#ifndef LOUPE_COUNT_H
#define LOUPE_COUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "out.h"

struct count_table;

struct count_table *count_table__new(size_t key_size);
void count_table__free(struct count_table *t);
/* Add n to the row of key (created at 0 when new). 0 or -ENOMEM. */
int count_table__add(struct count_table *t, const void *key, uint64_t n);
void count_table__clear(struct count_table *t);
/* Sort: count descending, then key bytes ascending. */
void count_table__sort(struct count_table *t);
size_t count_table__len(const struct count_table *t);
/* Row i (in sorted order after count_table__sort, else insertion order). */
const void *count_table__key(const struct count_table *t, size_t i);
uint64_t count_table__count(const struct count_table *t, size_t i);
/* Sum of all counts. */
uint64_t count_table__total(const struct count_table *t);
/* Does the table have a row for key? */
bool count_table__has(const struct count_table *t, const void *key);

/* Take generation gen out of a count map (keys start with __u32 gen,
 * values __u64, per-CPU or not) into the table; project(dst, key, ctx)
 * may rewrite each key first (NULL: added as is). */
int count_table__take(struct count_table *t, int map_fd, uint32_t gen,
		      void (*project)(void *dst, const void *key, void *ctx), void *ctx);

/* The cells of one row: the tool sets its key columns with out_*(). */
typedef void (*count_cells_fn)(struct out *o, const void *key, void *ctx);

/* Write the rows (sorted first) through o: the header (text), then at most
 * top rows (0: all), each with the key cells, count_col set to the count
 * and time_col (if >= 0; a COL_JSON column: JSON only) to wall_ns, the end
 * of the table's interval, so the records of successive intervals can be
 * told apart; JSON records have type "count". */
void count_table__print(struct count_table *t, struct out *o, int count_col,
			int time_col, uint64_t wall_ns, uint64_t top, count_cells_fn cells,
			void *ctx);

/* --textfile: a count summary as a Prometheus counter (common/prom.h),
 * loupe_<tool>_<metric>, one series per row, its labels the row's cells
 * (as the text output shows them) of the columns given a label name. The
 * counts are cumulative over the run, whatever -i prints. With --top N,
 * the first N keys seen (largest first) keep a series of their own for the
 * whole run and every other key is summed into one series whose labels are
 * all "other": so the number of series is bounded and every series only
 * grows (a key never moves between its series and "other"). */
struct count_prom {
	const char *metric;          /* "failed_syscalls_total" */
	const char *help;
	const char *const *labels;   /* by column of the tool's out: the label's
				      * name, NULL: not a label */
};

/* A count summary's output, interval after interval: the rows (text or
 * JSON, common/out.h), the --textfile. For tools that fill the table
 * themselves (funccount); count_run uses it too. */
struct count_out;
struct loupe_opts;
struct bpf_object_skeleton;
/* prom: NULL when the tool has no --textfile; s: the object whose losses
 * the textfile reports. NULL when out of memory. */
struct count_out *count_out__new(struct out *o, int count_col, int time_col,
				 count_cells_fn cells, void *ctx, const struct count_prom *prom,
				 const struct loupe_opts *opts,
				 const struct bpf_object_skeleton *s);
void count_out__free(struct count_out *co);
/* One interval's table t (ending at wall_ns): counted in the run's stats,
 * printed (text: with -T a time line first, and an empty line between
 * intervals), and added to the --textfile, which is rewritten. 0, -errno,
 * or 1 (the textfile could not be written: said why). */
int count_out__table(struct count_out *co, struct count_table *t, uint64_t wall_ns);

/* The count-summary loop, after attach: every interval (or once, at the
 * end) take the generation out of the count map into a table and output
 * it (count_out__table). Returns 0, -errno or 1 (said why). */
struct bpf_map;
int count_run(const struct bpf_object_skeleton *s, struct bpf_map *map,
	      struct out *o, int count_col, int time_col, count_cells_fn cells, void *ctx,
	      const struct count_prom *prom, const struct loupe_opts *opts);

/* For tools whose count summary is an option (-c): with -c, the -k value
 * (or dflt) as a mask of names[]; without, -k, --top and -i are refused.
 * Reports a bad value itself (exit 2). */
uint32_t count_by_option(const struct loupe_opts *opts, const char *dflt,
			 const char *const *names);

/* -k/--by: a comma-separated list of names from `names` (NULL-terminated)
 * into a bit mask (bit i = names[i]). -EINVAL for an empty list or an
 * unknown name. */
int count_parse_by(const char *by, const char *const *names, uint32_t *mask);

#endif
