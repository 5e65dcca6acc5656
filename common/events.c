#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base.h"
#include "events.h"
#include "exec.h"
#include "loupe.h"
#include "stats.h"

struct poll_ctx {
	loupe_event_fn fn;
	void *ctx;
	uint64_t max, out;
};

static int on_record(void *c, void *data, size_t size)
{
	struct poll_ctx *pc = c;
	int r;

	if (pc->max && pc->out >= pc->max)
		return -ECANCELED;
	r = pc->fn(pc->ctx, data, size);
	if (r < 0)
		return r;
	if (r == 0) {
		pc->out++;
		stats_add_events(1);
	}
	/* the last event ends the run now, not when one more arrives (the
	 * ring buffer has already moved past this record) */
	return pc->max && pc->out >= pc->max ? -ECANCELED : 0;
}

int loupe_flush_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	return errno == EPIPE ? -EPIPE : -EIO;
}

bool stdout_reader_gone(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

int loupe_poll(struct bpf_map *events, loupe_event_fn fn, void *ctx,
	       const struct loupe_opts *o)
{
	struct poll_ctx pc = { fn, ctx, o->max_events, 0 };
	struct epoll_event ev = { .events = EPOLLIN };
	uint64_t deadline = loupe_deadline(o);
	struct ring_buffer *rb;
	int epfd, err = 0, n;

	rb = ring_buffer__new(bpf_map__fd(events), on_record, &pc, NULL);
	if (!rb)
		return -errno;
	/* the ring buffer's epoll set, and stdout: a pipe whose reader has
	 * gone reports EPOLLERR even when nothing is written (a regular file
	 * cannot be added, and needs not) */
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		err = -errno;
		goto out;
	}
	ev.data.fd = ring_buffer__epoll_fd(rb);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev)) {
		err = -errno;
		goto out;
	}
	ev = (struct epoll_event){ .events = 0, .data.fd = STDOUT_FILENO };
	epoll_ctl(epfd, EPOLL_CTL_ADD, STDOUT_FILENO, &ev);
	if (loupe_flush_stdout()) /* the header */
		goto out;
	exec_release();

	while (!loupe_exiting()) {
		int timeout = 20;

		if (deadline) {
			uint64_t now = loupe_now_mono();

			if (now >= deadline)
				break;
			if (deadline - now < 20000000ULL)
				timeout = (int)((deadline - now) / 1000000ULL) + 1;
		}
		n = epoll_wait(epfd, &ev, 1, timeout);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		if (n == 1 && ev.data.fd == STDOUT_FILENO)
			break; /* the reader of stdout has gone: end quietly */
		/* consume whether woken or timed out: records submitted
		 * without a wakeup are read here */
		n = ring_buffer__consume(rb);
		if (loupe_flush_stdout() || n == -ECANCELED)
			break;
		if (n < 0) {
			err = n;
			break;
		}
		if (exec_done())
			break; /* drained below */
	}
	/* what arrived before the stop is output, not lost */
	if (!err && !ferror(stdout)) {
		n = ring_buffer__consume(rb);
		if (n < 0 && n != -ECANCELED)
			err = n;
		loupe_flush_stdout();
	}
out:
	if (epfd >= 0)
		close(epfd);
	ring_buffer__free(rb);
	exec_stop();
	return err;
}
