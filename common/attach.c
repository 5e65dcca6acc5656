#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>

#include "attach.h"
#include "base.h"
#include "system.h"

/* uapi values newer than Debian's linux-libc-dev 6.1 headers (6.6) */
#define ATTACH_TRACE_UPROBE_MULTI 48
#define ATTACH_F_UPROBE_MULTI_RETURN 1
#define HELPER_GET_ATTACH_COOKIE 174

/* One link: libbpf's, or a bare fd (a clone's link, a uprobe_multi link). */
struct entry {
	struct bpf_link *l;
	int fd;
};

static struct entry *set;
static size_t nset, capset;
static char failed[600];

static int failf(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failf(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(failed, sizeof(failed), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -err;
}

const char *attach_failed(void) { return failed; }
size_t attach_count(void) { return nset; }

static int add(struct bpf_link *l, int fd)
{
	if (nset == capset) {
		size_t cap = capset ? capset * 2 : 64;
		struct entry *n = realloc(set, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		set = n;
		capset = cap;
	}
	set[nset++] = (struct entry){ l, fd };
	return 0;
}

int attach_add(struct bpf_link *l)
{
	return add(l, -1);
}

int attach_adopt(struct bpf_object_skeleton *s)
{
	int i, err;

	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_link **l = s->progs[i].link;

		if (!l || !*l)
			continue;
		if ((err = add(*l, -1)))
			return err;
		*l = NULL;
	}
	return 0;
}

/* ---- kernel features --------------------------------------------------- */

static int env_flag(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0");
}

bool attach_cookies_supported(enum bpf_prog_type type)
{
	static int known[64]; /* 0 unknown, 1 yes, 2 no */
	/* r0 = bpf_get_attach_cookie(r1 = ctx); r0 = 0; exit */
	struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL, .imm = HELPER_GET_ATTACH_COOKIE },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;

	/* raw tracepoints: libbpf 1.1 cannot pass a cookie (6.10+): clones */
	if (type == BPF_PROG_TYPE_RAW_TRACEPOINT || type >= 64 || env_flag("LOUPE_NO_COOKIES"))
		return false;
	if (!known[type]) {
		fd = bpf_prog_load(type, NULL, "GPL", insns, 3, NULL);
		known[type] = fd >= 0 ? 1 : 2;
		if (fd >= 0)
			close(fd);
	}
	return known[type] == 1;
}

/* BPF_LINK_CREATE's uprobe_multi attributes (6.6), declared here: Debian's
 * headers predate them. */
struct uprobe_multi_attr {
	__u32 prog_fd, target_fd, attach_type, flags;
	__u64 path, offsets, ref_ctr_offsets, cookies;
	__u32 cnt, um_flags, pid, pad;
};

static int link_create_uprobe_multi(int prog_fd, const char *path, const uint64_t *offsets,
				    const uint64_t *cookies, size_t n, pid_t pid, bool ret)
{
	struct uprobe_multi_attr a = {
		.prog_fd = (__u32)prog_fd, .attach_type = ATTACH_TRACE_UPROBE_MULTI,
		.path = (__u64)(uintptr_t)path, .offsets = (__u64)(uintptr_t)offsets,
		.cookies = (__u64)(uintptr_t)cookies, .cnt = (__u32)n,
		.um_flags = ret ? ATTACH_F_UPROBE_MULTI_RETURN : 0,
		.pid = pid > 0 ? (__u32)pid : 0,
	};
	int fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));

	return fd < 0 ? -errno : fd;
}

bool attach_uprobe_multi_supported(void)
{
	static int known; /* 0 unknown, 1 yes, 2 no */
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = ATTACH_TRACE_UPROBE_MULTI);
	uint64_t off = 0;
	int fd, link;

	if (env_flag("LOUPE_NO_UPROBE_MULTI"))
		return false;
	if (known)
		return known == 1;
	known = 2;
	fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, 2, &opts);
	if (fd < 0)
		return false;
	/* a kernel with uprobe_multi refuses the directory "/" with EBADF;
	 * one without refuses the attach type itself */
	link = link_create_uprobe_multi(fd, "/", &off, NULL, 1, -1, false);
	if (link >= 0)
		close(link);
	else if (link == -EBADF)
		known = 1;
	close(fd);
	return known == 1;
}

bool attach_prepare_uprobe_multi(struct bpf_program *p)
{
	if (!attach_uprobe_multi_supported())
		return false;
	return !bpf_program__set_expected_attach_type(p, ATTACH_TRACE_UPROBE_MULTI);
}

int attach_reserve_fds(size_t n)
{
	struct rlimit r;
	rlim_t want;

	if (getrlimit(RLIMIT_NOFILE, &r))
		return -errno;
	/* what is open now is at most the soft limit: keep that much room */
	want = r.rlim_cur + (rlim_t)n;
	if (r.rlim_cur >= (rlim_t)n + 256)
		return 0;
	if (want > r.rlim_max) {
		struct rlimit raised = { want, want };

		/* raising the hard limit needs CAP_SYS_RESOURCE */
		if (!setrlimit(RLIMIT_NOFILE, &raised))
			return 0;
		want = r.rlim_max;
	}
	r.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &r))
		return -errno;
	return r.rlim_cur >= (rlim_t)n ? 0 : -EMFILE;
}

/* ---- clones --------------------------------------------------------------- */

int attach_clone(struct bpf_program *p, uint64_t instance)
{
	const struct bpf_insn *src = bpf_program__insns(p);
	size_t n = bpf_program__insn_cnt(p), i, patched = 0;
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = bpf_program__expected_attach_type(p));
	struct bpf_insn *insns;
	int fd;

	if (!src || !n || bpf_program__fd(p) < 0)
		return -EINVAL;
	insns = malloc(n * sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	memcpy(insns, src, n * sizeof(*insns));
	/* every "rX = LOUPE_INSTANCE_MAGIC ll" (ld_imm64 of a plain constant) */
	for (i = 0; i + 1 < n; i++) {
		if (insns[i].code != (BPF_LD | BPF_DW | BPF_IMM) || insns[i].src_reg)
			continue;
		if ((uint32_t)insns[i].imm == (uint32_t)LOUPE_INSTANCE_MAGIC &&
		    (uint32_t)insns[i + 1].imm == (uint32_t)(LOUPE_INSTANCE_MAGIC >> 32)) {
			insns[i].imm = (int32_t)(uint32_t)instance;
			insns[i + 1].imm = (int32_t)(uint32_t)(instance >> 32);
			patched++;
		}
		i++; /* the second half of the ld_imm64 */
	}
	if (!patched) {
		free(insns);
		return -ENOEXEC; /* the program does not call loupe_cookie() */
	}
	fd = bpf_prog_load(bpf_program__type(p), bpf_program__name(p), "GPL", insns, n, &opts);
	free(insns);
	return fd < 0 ? -errno : fd;
}

/* A perf event (tracepoint or uprobe) running prog_fd: through a BPF link
 * where the kernel has perf links (5.15), else PERF_EVENT_IOC_SET_BPF
 * (the perf event's fd then holds the program). The fd to keep, or -errno. */
static int perf_attach(int prog_fd, struct perf_event_attr *attr, pid_t pid)
{
	int pfd, lfd;

	pfd = (int)syscall(__NR_perf_event_open, attr, pid > 0 ? pid : -1,
			   pid > 0 ? -1 : 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return -errno;
	lfd = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, NULL);
	if (lfd >= 0) {
		close(pfd); /* the link holds the perf event */
		return lfd;
	}
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd) ||
	    ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0)) {
		int err = -errno;

		close(pfd);
		return err;
	}
	return pfd;
}

/* Attach a clone with instance `cookie` through perf_attach; keeps the
 * resulting fd in the set. */
static int clone_perf(struct bpf_program *p, struct perf_event_attr *attr, pid_t pid,
		      uint64_t cookie)
{
	int cfd = attach_clone(p, cookie), fd, err;

	if (cfd < 0)
		return cfd;
	fd = perf_attach(cfd, attr, pid);
	close(cfd); /* the perf event or link holds the program */
	if (fd < 0)
		return fd;
	if ((err = add(NULL, fd))) {
		close(fd);
		return err;
	}
	return 0;
}

/* ---- probes ------------------------------------------------------------ */

int attach_tracepoint(struct bpf_program *p, const char *category, const char *name,
		      uint64_t cookie)
{
	LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = cookie);
	struct bpf_link *l;
	int err;

	if (cookie && !attach_cookies_supported(BPF_PROG_TYPE_TRACEPOINT)) {
		struct perf_event_attr a = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(a),
					     .sample_period = 1, .wakeup_events = 1 };
		int id = sys_tracepoint_id(category, name);

		if (id < 0)
			return failf(id, "tracepoint %s:%s", category, name);
		a.config = (__u64)id;
		err = clone_perf(p, &a, -1, cookie);
		return err ? failf(err, "tracepoint %s:%s", category, name) : 0;
	}
	l = bpf_program__attach_tracepoint_opts(p, category, name, &opts);
	if (!l)
		return failf(-errno, "tracepoint %s:%s", category, name);
	if ((err = add(l, -1))) {
		bpf_link__destroy(l);
		return err;
	}
	return 0;
}

int attach_raw_tp(struct bpf_program *p, const char *name, uint64_t cookie)
{
	struct bpf_link *l;
	int cfd, fd, err;

	if (!cookie) {
		l = bpf_program__attach_raw_tracepoint(p, name);
		if (!l)
			return failf(-errno, "raw_tp %s", name);
		if ((err = add(l, -1)))
			bpf_link__destroy(l);
		return err;
	}
	cfd = attach_clone(p, cookie);
	if (cfd < 0)
		return failf(cfd, "raw_tp %s (program copy)", name);
	fd = bpf_raw_tracepoint_open(name, cfd);
	err = fd < 0 ? -errno : 0;
	close(cfd); /* the link holds the program */
	if (err)
		return failf(err, "raw_tp %s", name);
	if ((err = add(NULL, fd)))
		close(fd);
	return err;
}

/* The uprobe PMU's type and retprobe bit, from sysfs. */
static int uprobe_pmu(int *type, int *ret_bit)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");
	int ok;

	if (!f)
		return -ENOENT;
	ok = fscanf(f, "%d", type) == 1;
	fclose(f);
	if (!ok)
		return -EINVAL;
	f = fopen("/sys/bus/event_source/devices/uprobe/format/retprobe", "r");
	*ret_bit = 0;
	if (f) {
		if (fscanf(f, "config:%d", ret_bit) != 1)
			*ret_bit = 0;
		fclose(f);
	}
	return 0;
}

int attach_uprobe(struct bpf_program *p, const char *path, uint64_t offset, pid_t pid,
		  bool ret, uint64_t cookie)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = ret, .bpf_cookie = cookie);
	struct bpf_link *l;
	int err;

	if (cookie && !attach_cookies_supported(BPF_PROG_TYPE_KPROBE)) {
		struct perf_event_attr a = { .size = sizeof(a), .sample_period = 1,
					     .wakeup_events = 1 };
		int type, bit;

		if ((err = uprobe_pmu(&type, &bit)))
			return failf(err, "uprobe %s+0x%llx", path, (unsigned long long)offset);
		a.type = (__u32)type;
		a.config = ret ? 1ULL << bit : 0;
		a.config1 = (__u64)(uintptr_t)path;
		a.config2 = offset;
		err = clone_perf(p, &a, pid, cookie);
		return err ? failf(err, "uprobe %s+0x%llx", path, (unsigned long long)offset) : 0;
	}
	l = bpf_program__attach_uprobe_opts(p, pid > 0 ? pid : -1, path, (size_t)offset, &opts);
	if (!l)
		return failf(-errno, "%s %s+0x%llx", ret ? "uretprobe" : "uprobe", path,
			     (unsigned long long)offset);
	if ((err = add(l, -1)))
		bpf_link__destroy(l);
	return err;
}

/* The kernel refuses this offset's instruction (uprobes cannot probe every
 * instruction: ENOTSUPP, 524) or the offset itself. */
static bool unprobeable(int err)
{
	return err == -524 || err == -EINVAL || err == -EOPNOTSUPP;
}

/* offsets[0..n) in uprobe_multi links: one, or, when the kernel refuses an
 * offset (the whole link fails then), halves, down to the offsets it
 * refuses, which are marked in skipped[] (or fail the call without it). */
static int multi_bisect(int prog_fd, const char *path, const uint64_t *offsets,
			const uint64_t *cookies, size_t n, pid_t pid, bool ret, bool *skipped)
{
	size_t h = n / 2;
	int fd = link_create_uprobe_multi(prog_fd, path, offsets, cookies, n, pid, ret), err;

	if (fd >= 0) {
		if ((err = add(NULL, fd)))
			close(fd);
		return err;
	}
	if (!skipped || !unprobeable(fd))
		return fd;
	if (n == 1) {
		skipped[0] = true;
		return 0;
	}
	err = multi_bisect(prog_fd, path, offsets, cookies ? cookies : NULL, h, pid, ret, skipped);
	if (!err)
		err = multi_bisect(prog_fd, path, offsets + h, cookies ? cookies + h : NULL, n - h,
				   pid, ret, skipped + h);
	return err;
}

int attach_uprobes(struct bpf_program *p, const char *path, const uint64_t *offsets,
		   const uint64_t *cookies, size_t n, pid_t pid, bool ret, bool *skipped)
{
	size_t i, bad = 0;
	int err;

	if (!n)
		return 0;
	if (skipped)
		memset(skipped, 0, n * sizeof(*skipped));
	if (bpf_program__expected_attach_type(p) == ATTACH_TRACE_UPROBE_MULTI) {
		err = multi_bisect(bpf_program__fd(p), path, offsets, cookies, n, pid, ret, skipped);
		if (err)
			return failf(err, "uprobe_multi %s (%zu offsets)", path, n);
	} else {
		if ((err = attach_reserve_fds(n * 2)))
			return failf(err, "uprobes %s (%zu)", path, n);
		for (i = 0; i < n; i++) {
			err = attach_uprobe(p, path, offsets[i], pid, ret, cookies ? cookies[i] : 0);
			if (err && skipped && unprobeable(err))
				skipped[i] = true;
			else if (err)
				return err;
		}
	}
	for (i = 0; skipped && i < n; i++)
		bad += skipped[i];
	if (bad == n)
		return failf(-ENOTSUP, "uprobes %s: no offset can be probed", path);
	return 0;
}

int attach_usdt(struct bpf_program *p, const char *path, const char *provider,
		const char *name, pid_t pid, uint64_t cookie)
{
	LIBBPF_OPTS(bpf_usdt_opts, opts, .usdt_cookie = cookie);
	struct bpf_link *l;
	int err;

	l = bpf_program__attach_usdt(p, pid > 0 ? pid : -1, path, provider, name, &opts);
	if (!l)
		return failf(-errno, "usdt %s:%s:%s", path, provider, name);
	if ((err = add(l, -1)))
		bpf_link__destroy(l);
	return err;
}

/* ---- release ------------------------------------------------------------- */

struct closer {
	pthread_t th;
	size_t from, to;
	bool started;
};

static void *close_range_of(void *arg)
{
	struct closer *c = arg;
	size_t i;

	for (i = c->from; i < c->to; i++) {
		if (set[i].l)
			bpf_link__destroy(set[i].l);
		else
			close(set[i].fd);
	}
	return NULL;
}

/* Close every link, in up to 16 threads (classic tracepoint releases
 * overlap a little; raw_tp and uprobe_multi ones are fast anyway). */
static void release_now(void)
{
	struct closer c[16];
	size_t nth = nset < 16 ? nset : 16, i;

	for (i = 0; i < nth; i++) {
		c[i].from = nset * i / nth;
		c[i].to = nset * (i + 1) / nth;
		c[i].started = !pthread_create(&c[i].th, NULL, close_range_of, &c[i]);
		if (!c[i].started)
			close_range_of(&c[i]);
	}
	for (i = 0; i < nth; i++)
		if (c[i].started)
			pthread_join(c[i].th, NULL);
}

static int link_fd(const struct entry *e)
{
	return e->l ? bpf_link__fd(e->l) : e->fd;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* In the release child: wait until the tool has exited. Until then it
 * holds its own references to the links (and a perf-event link's perf
 * event); were the child to close a link first, the tool's exit would
 * drop the last reference and wait out the slow detach itself (seen with
 * 2,000 single uprobes: a minute). pidfd_open (5.3); without it, go on. */
static void wait_for_exit(pid_t pid)
{
	struct pollfd p = { .events = POLLIN };

	p.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p.fd < 0)
		return;
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	close(p.fd);
}

/* In the release child: stdin/stdout/stderr on /dev/null, and every fd
 * that is not a link closed (pipes above all: the caller's shell waits for
 * their writers), so nothing but the links stays with the child. */
static void keep_only_links(void)
{
	int *keep = malloc((nset + 1) * sizeof(int)), nul, fd;
	size_t nk = 0, i;
	DIR *d;
	struct dirent *de;

	nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, STDIN_FILENO);
		dup2(nul, STDOUT_FILENO);
		dup2(nul, STDERR_FILENO);
		if (nul > STDERR_FILENO)
			close(nul);
	}
	if (!keep)
		return;
	for (i = 0; i < nset; i++)
		keep[nk++] = link_fd(&set[i]);
	qsort(keep, nk, sizeof(int), cmp_int);
	d = opendir("/proc/self/fd");
	if (!d) {
		free(keep);
		return;
	}
	while ((de = readdir(d))) {
		fd = atoi(de->d_name);
		if (fd <= STDERR_FILENO || fd == dirfd(d) || !strcmp(de->d_name, ".") ||
		    bsearch(&fd, keep, nk, sizeof(int), cmp_int))
			continue;
		close(fd);
	}
	closedir(d);
	free(keep);
}

void attach_release(void)
{
	pid_t pid, parent;
	size_t i;

	if (!nset)
		return;
	if (env_flag("LOUPE_SYNC_RELEASE")) {
		release_now();
		goto done;
	}
	fflush(NULL);
	parent = getpid();
	pid = fork();
	if (pid == 0) {
		/* a session of its own: the terminal's signals do not reach it */
		setsid();
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		keep_only_links();
		wait_for_exit(parent);
		release_now();
		_exit(0);
	}
	if (pid < 0) {
		release_now();
		goto done;
	}
	loupe_info(1, "releasing %zu links in process %d", nset, (int)pid);
	/* the child holds them now: forget ours without detaching (the fds
	 * close when this process exits, never the last reference) */
	for (i = 0; i < nset; i++)
		if (set[i].l) {
			bpf_link__disconnect(set[i].l);
			bpf_link__destroy(set[i].l);
		}
done:
	free(set);
	set = NULL;
	nset = capset = 0;
}
