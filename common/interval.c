#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include "interval.h"
#include "loupe.h"
#include "parse.h"

int interval__init(struct interval *iv, const struct bpf_object_skeleton *s,
		   const struct loupe_opts *o)
{
	iv->o = o;
	iv->gen = loupe_var(s, "loupe_gen");
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
		gen = interval__flip(iv);
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

int interval_positional(int argc, char **argv, struct loupe_opts *o)
{
	uint64_t v;
	int i;

	for (i = 0; i < argc; i++)
		if (argv[i][0] == '-' && (argv[i][1] < '0' || argv[i][1] > '9'))
			loupe_usage_error("'%s': options go before [interval [count]]",
					  argv[i]);
	if (argc > 2)
		loupe_usage_error("unexpected argument '%s' (usage: [interval [count]])",
				  argv[2]);
	if (o->interval_ns)
		loupe_usage_error("give the interval either with -i or as an argument");
	if (parse_duration(argv[0], &v))
		loupe_usage_error("invalid interval '%s': a number of seconds > 0, "
				  "or a duration such as 500ms", argv[0]);
	o->interval_ns = v;
	if (argc == 2) {
		if (parse_u64(argv[1], 1, UINT64_MAX, &v))
			loupe_usage_error("invalid count '%s': a whole number >= 1",
					  argv[1]);
		o->interval_count = v;
	}
	return 0;
}
