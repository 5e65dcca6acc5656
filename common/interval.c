#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include "interval.h"
#include "loupe.h"
#include "opts.h"
#include "parse.h"

int interval__init(struct interval *iv, const struct bpf_object_skeleton *s,
		   const struct loupe_opts *o)
{
	iv->o = o;
	iv->gen = skel_var(s, "loupe_gen");
	iv->cur = 0;
	iv->next_ns = 0;
	iv->done = 0;
	iv->slow_sync = false;
	if (!iv->gen)
		return -ENOENT;
	*iv->gen = 0;
	return 0;
}

uint32_t interval__flip(struct interval *iv)
{
	uint32_t old = iv->cur;

	iv->cur ^= 1;
	__atomic_store_n(iv->gen, iv->cur, __ATOMIC_SEQ_CST);
	/* synchronize_rcu(): every program run that could have read the old
	 * generation has returned. Refused under nohz_full (EINVAL); then a
	 * wait far longer than any program runs. */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0)) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		iv->slow_sync = true;
		nanosleep(&ts, NULL);
	}
	return old;
}

int interval__run(struct interval *iv, interval_fn fn, void *ctx)
{
	const struct loupe_opts *o = iv->o;

	for (;;) {
		bool more = loupe_wait_interval(o, &iv->next_ns);
		uint32_t gen;
		int err;

		if (o->interval_count && iv->done + 1 >= o->interval_count)
			more = false;
		/* the last summary reads the live generation: nothing comes
		 * after it, and waiting for a grace period (~15 ms here) would
		 * only delay the exit; a program run racing with the stop may
		 * or may not be in it, as it may or may not have run */
		gen = more ? interval__flip(iv) : iv->cur;
		err = fn(ctx, gen, loupe_wall_ns(loupe_now_mono()), !more);
		iv->done++;
		if (err)
			return err;
		if (fflush(stdout) || ferror(stdout))
			return 0; /* a closed pipe ends the tool quietly */
		if (!more)
			return 0;
	}
}

int interval_positional(int argc, char **argv, struct loupe_opts *o, char *err,
			size_t len)
{
	char e[300];
	uint64_t v;
	int i;

	for (i = 0; i < argc; i++)
		if (argv[i][0] == '-' && (argv[i][1] < '0' || argv[i][1] > '9')) {
			snprintf(err, len, "'%s': options go before [interval [count]]",
				 opts_esc(argv[i], e, sizeof(e)));
			return -EINVAL;
		}
	if (argc > 2) {
		snprintf(err, len, "unexpected argument '%s' (usage: [interval [count]])",
			 opts_esc(argv[2], e, sizeof(e)));
		return -EINVAL;
	}
	if (o->interval_ns) {
		snprintf(err, len, "give the interval either with -i or as an argument");
		return -EINVAL;
	}
	if (parse_duration(argv[0], &v) || v < LOUPE_MIN_INTERVAL_NS) {
		snprintf(err, len, "invalid interval '%s': a number of seconds, or a "
			 "duration of at least 100ms", opts_esc(argv[0], e, sizeof(e)));
		return -EINVAL;
	}
	o->interval_ns = v;
	if (argc == 2) {
		if (parse_u64(argv[1], 1, UINT64_MAX, &v)) {
			snprintf(err, len, "invalid count '%s': a whole number >= 1",
				 opts_esc(argv[1], e, sizeof(e)));
			return -EINVAL;
		}
		o->interval_count = v;
	}
	return 0;
}
