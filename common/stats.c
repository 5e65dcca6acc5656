#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "base.h"
#include "out.h"
#include "prom.h"
#include "skel.h"
#include "stats.h"
#include "../bpf/types.h"

static struct loupe_stats total;
static uint64_t recursion_misses, events;

void stats_add_events(uint64_t n) { events += n; }
uint64_t stats_events(void) { return events; }

/* An object's losses so far, read live: its loupe_stats (.bss, mmaped)
 * and its programs' recursion misses. */
static void peek(const struct bpf_object_skeleton *s, struct loupe_stats *st,
		 uint64_t *misses)
{
	const struct loupe_stats *live = s ? skel_var(s, "loupe_stats") : NULL;
	int i;

	*st = live ? *live : (struct loupe_stats){ 0 };
	*misses = 0;
	for (i = 0; s && i < s->prog_cnt; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(*s->progs[i].prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			*misses += info.recursion_misses;
	}
}

void stats_collect(const struct bpf_object_skeleton *s)
{
	struct loupe_stats st;
	uint64_t misses;

	peek(s, &st, &misses);
	total.lost_ringbuf += st.lost_ringbuf;
	total.lost_stash += st.lost_stash;
	total.lost_read += st.lost_read;
	total.lost_map += st.lost_map;
	total.lost_end += st.lost_end;
	recursion_misses += misses;
}

void stats_prom(FILE *f, const char *tool, const struct bpf_object_skeleton *s)
{
	/* the JSON stats record's lost_<reason> keys, and recursion_misses */
	static const char *const reasons[] = { "ringbuf", "stash", "read", "map", "end",
					       "recursion" };
	struct loupe_stats st;
	struct prom_labels l;
	uint64_t n[6];
	char name[96];
	int i;

	peek(s, &st, &n[5]);
	n[0] = st.lost_ringbuf;
	n[1] = st.lost_stash;
	n[2] = st.lost_read;
	n[3] = st.lost_map;
	n[4] = st.lost_end;
	snprintf(name, sizeof(name), "loupe_%s_lost_events_total", tool);
	prom_family(f, name, "counter", "Events the kernel side could not count, by reason: "
		    "ringbuf (ring buffer full), stash (entry stash full), read (a read "
		    "failed), map (a summary map full), end (an operation's end never seen), "
		    "recursion (program runs the kernel skipped)");
	for (i = 0; i < 6; i++) {
		prom_labels_init(&l);
		prom_label_text(&l, "reason", reasons[i], strlen(reasons[i]));
		prom_sample(f, name, &l, n[i]);
	}
}

uint64_t stats_lost(void)
{
	return total.lost_ringbuf + total.lost_stash + total.lost_read + total.lost_map +
	       total.lost_end + recursion_misses;
}

void stats_json(FILE *out)
{
	struct jw w;

	jw_begin(&w, out, "stats");
	jw_kv_u64(&w, "events", events);
	jw_kv_u64(&w, "lost", stats_lost());
	jw_kv_u64(&w, "lost_ringbuf", total.lost_ringbuf);
	jw_kv_u64(&w, "lost_stash", total.lost_stash);
	jw_kv_u64(&w, "lost_read", total.lost_read);
	jw_kv_u64(&w, "lost_map", total.lost_map);
	jw_kv_u64(&w, "lost_end", total.lost_end);
	jw_kv_u64(&w, "recursion_misses", recursion_misses);
	jw_end(&w);
}

void stats_line(void)
{
	fprintf(stderr, "%s: %llu events, %llu lost (ring buffer full %llu, "
		"entry stash full %llu, read failed %llu, recursion %llu",
		loupe_name(), (unsigned long long)events, (unsigned long long)stats_lost(),
		(unsigned long long)total.lost_ringbuf,
		(unsigned long long)total.lost_stash,
		(unsigned long long)total.lost_read,
		(unsigned long long)recursion_misses);
	/* rare losses, named only when they happened: a full summary map, an
	 * operation whose end was never seen (its start met a newer one) */
	if (total.lost_map || total.lost_end)
		fprintf(stderr, ", summary map full %llu, end not seen %llu",
			(unsigned long long)total.lost_map,
			(unsigned long long)total.lost_end);
	fputs(")\n", stderr);
}
