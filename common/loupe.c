#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include <pthread.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "loupe.h"

static const char *name = "loupe";
static volatile sig_atomic_t exiting;
static volatile sig_atomic_t child_exited;
static uint64_t start_mono, wall_offset;
static uint64_t events_out;
static int verbose;
static pid_t exec_child;
static int exec_pipe = -1;
static struct loupe_stats total;
static uint64_t recursion_misses;
static bool collected_any;

void loupe_set_name(const char *n) { name = n; }
const char *loupe_name(void) { return name; }
bool loupe_exiting(void) { return exiting; }
uint64_t loupe_events_out(void) { return events_out; }
void loupe_add_events(uint64_t n) { events_out += n; }

int loupe_fail(const char *step, int err)
{
	fprintf(stderr, "%s: %s: %s\n", name, step, strerror(err < 0 ? -err : err));
	return 1;
}

int loupe_fail_load(int err)
{
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "%s: load BPF programs: %s (the kernel refused the "
			"programs; run with -v for libbpf's and the verifier's log)\n",
			name, strerror(-err));
	else
		fprintf(stderr, "%s: load BPF programs: %s (run with -v for "
			"details)\n", name, strerror(err < 0 ? -err : err));
	return 1;
}

int loupe_fail_attach(const struct bpf_object_skeleton *s, int err)
{
	int i;

	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *p = *s->progs[i].prog;

		if (!bpf_program__autoload(p) || *s->progs[i].link)
			continue;
		fprintf(stderr, "%s: attach %s: %s\n", name,
			bpf_program__section_name(p), strerror(err < 0 ? -err : err));
		return 1;
	}
	return loupe_fail("attach BPF programs", err);
}

/* ---- time ------------------------------------------------------------ */

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t loupe_now_mono(void) { return clock_ns(CLOCK_MONOTONIC); }

static void time_init(void)
{
	uint64_t best = UINT64_MAX;
	int i;

	/* realtime - monotonic, from the tightest of a few samples */
	for (i = 0; i < 5; i++) {
		uint64_t m1 = clock_ns(CLOCK_MONOTONIC);
		uint64_t r = clock_ns(CLOCK_REALTIME);
		uint64_t m2 = clock_ns(CLOCK_MONOTONIC);

		if (m2 - m1 < best) {
			best = m2 - m1;
			wall_offset = r - (m1 + (m2 - m1) / 2);
		}
	}
	start_mono = clock_ns(CLOCK_MONOTONIC);
}

uint64_t loupe_wall_ns(uint64_t mono_ns) { return mono_ns + wall_offset; }

double loupe_elapsed_s(uint64_t mono_ns)
{
	return mono_ns < start_mono ? 0.0 : (double)(mono_ns - start_mono) / 1e9;
}

/* ---- start-up -------------------------------------------------------- */

static void on_signal(int sig)
{
	if (sig == SIGCHLD) {
		child_exited = 1;
		return;
	}
	exiting = 1;
	/* a second Ctrl-C or SIGTERM kills at once */
	signal(sig, SIG_DFL);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* CapEff has the bit? (no libcap needed) */
static bool has_cap(int cap)
{
	char line[256];
	unsigned long long eff = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return eff & (1ULL << cap);
}

static bool cgroup2_mount(char *buf, size_t len);

/* --exec's own cgroup: the command and every process it starts are traced
 * through the cgroup filter; removed at exit. */
static char exec_cgroup[600];

/* Move the pids in cgroup dir `from` to our own cgroup, then remove it. */
static void exec_cgroup_remove(void)
{
	char path[1300], mine[600] = "", line[600], mnt[512];
	FILE *f;
	int tries;

	if (!*exec_cgroup)
		return;
	f = fopen("/proc/self/cgroup", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			snprintf(mine, sizeof(mine), "%s", line + 3);
			mine[strcspn(mine, "\n")] = 0;
		}
	if (f)
		fclose(f);
	for (tries = 0; tries < 3 && rmdir(exec_cgroup) && errno == EBUSY; tries++) {
		/* what the command left running goes back where we are */
		snprintf(path, sizeof(path), "%s/cgroup.procs", exec_cgroup);
		f = fopen(path, "r");
		if (!f || !cgroup2_mount(mnt, sizeof(mnt)))
			break;
		while (fgets(line, sizeof(line), f)) {
			FILE *to;

			snprintf(path, sizeof(path), "%s%s/cgroup.procs", mnt, mine);
			to = fopen(path, "w");
			if (to) {
				fputs(line, to);
				fclose(to);
			}
		}
		fclose(f);
	}
	*exec_cgroup = 0;
}

/* A fresh cgroup v2 directory for --exec, with pid in it; false if cgroup
 * v2 cannot be used here (then the pid filter alone is used). */
static bool exec_cgroup_create(pid_t pid)
{
	char mnt[512], procs[700];
	FILE *f;
	bool ok;

	if (!cgroup2_mount(mnt, sizeof(mnt)))
		return false;
	snprintf(exec_cgroup, sizeof(exec_cgroup), "%s/loupe-exec-%d", mnt, (int)getpid());
	if (mkdir(exec_cgroup, 0755)) {
		*exec_cgroup = 0;
		return false;
	}
	atexit(exec_cgroup_remove);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", exec_cgroup);
	f = fopen(procs, "w");
	ok = f && fprintf(f, "%d\n", (int)pid) > 0;
	if (f && fclose(f))
		ok = false;
	if (!ok)
		exec_cgroup_remove();
	return ok;
}

static void start_exec_child(struct loupe_opts *o)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC)) {
		loupe_fail("--exec: pipe", -errno);
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		loupe_fail("--exec: fork", -errno);
		exit(1);
	}
	if (pid == 0) {
		char c;

		close(fds[1]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		/* wait until the tracer is attached; EOF means it gave up */
		if (read(fds[0], &c, 1) != 1)
			_exit(127);
		close(fds[0]);
		/* its output must not mix with the tracer's stdout data */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(o->exec_argv[0], o->exec_argv);
		fprintf(stderr, "%s: --exec %s: %s\n", name, o->exec_argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	exec_child = pid;
	exec_pipe = fds[1];
	/* the command and its descendants, through a cgroup of their own;
	 * else (no writable cgroup v2, or --cgroup given) the command alone */
	if (!o->cgroup && exec_cgroup_create(pid)) {
		o->cgroup = exec_cgroup;
		if (verbose)
			fprintf(stderr, "%s: --exec: tracing cgroup %s\n", name, exec_cgroup);
		return;
	}
	o->pids[0] = (uint32_t)pid;
	o->npids = 1;
}

/* Where cgroup2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a
 * hybrid v1/v2 system): true and buf set, or false and buf empty. */
static bool cgroup2_mount(char *buf, size_t len)
{
	char line[1024], dir[512], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");

	*buf = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %511s %63s", dir, type) == 2 && !strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", dir);
			break;
		}
	if (f)
		fclose(f);
	return *buf;
}

/* execvp()'s search for cmd, so that --exec fails before anything is
 * loaded rather than with an empty trace. */
static bool command_found(const char *cmd)
{
	const char *p = getenv("PATH"), *end;
	char path[4096];
	struct stat st;

	if (strchr(cmd, '/'))
		return !access(cmd, X_OK);
	for (p = p ? p : "/bin:/usr/bin"; ; p = end + 1) {
		int n;

		end = strchrnul(p, ':');
		n = (int)(end - p);
		snprintf(path, sizeof(path), "%.*s/%s", n ? n : 1, n ? p : ".", cmd);
		if (!stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK))
			return true;
		if (!*end)
			return false;
	}
}

/* libbpf reads tracepoint ids from tracefs, which a fresh boot may not have
 * mounted (only the empty /sys/kernel/tracing directory exists): mount it
 * there, as perf and bpftrace do. Exits 1 when that is impossible. */
static void ensure_tracefs(void)
{
	if (!access("/sys/kernel/tracing/events", F_OK) ||
	    !access("/sys/kernel/debug/tracing/events", F_OK))
		return;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		fprintf(stderr, "%s: tracefs is not mounted and mounting it on "
			"/sys/kernel/tracing failed: %s\n", name, strerror(errno));
		exit(1);
	}
	if (verbose)
		fprintf(stderr, "%s: mounted tracefs on /sys/kernel/tracing\n", name);
}

void loupe_start(const struct loupe_tool *t, struct loupe_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	size_t i;

	verbose = o->verbose;
	libbpf_set_print(verbose ? libbpf_print : libbpf_quiet);

	/* CAP_SYS_ADMIN (21), or CAP_BPF (39) with CAP_PERFMON (38); tracefs
	 * (tracepoint ids) is root-only on most systems. */
	if (!has_cap(21) && !(has_cap(39) && has_cap(38))) {
		fprintf(stderr, "%s: needs root (CAP_BPF and CAP_PERFMON, or "
			"CAP_SYS_ADMIN) to load BPF programs\n", name);
		exit(1);
	}
	ensure_tracefs();
	if (t->needs_btf && access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr, "%s: this kernel has no BTF (/sys/kernel/btf/vmlinux; "
			"CONFIG_DEBUG_INFO_BTF=y is needed)\n", name);
		exit(1);
	}
	for (i = 0; i < o->npids; i++)
		if (kill((pid_t)o->pids[i], 0) && errno == ESRCH) {
			fprintf(stderr, "%s: no such process: %u\n", name, o->pids[i]);
			exit(1);
		}
	for (i = 0; i < o->ntids; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/task/../../%u", o->tids[i]);
		if (access(path, F_OK)) {
			fprintf(stderr, "%s: no such thread: %u\n", name, o->tids[i]);
			exit(1);
		}
	}
	if (o->cgroup) {
		struct stat st;
		struct statfs sf;

		if (stat(o->cgroup, &st) || statfs(o->cgroup, &sf)) {
			fprintf(stderr, "%s: --cgroup %s: %s\n", name, o->cgroup, strerror(errno));
			exit(1);
		}
		/* bpf_current_task_under_cgroup() follows the cgroup v2 tree */
		if (!S_ISDIR(st.st_mode) || sf.f_type != CGROUP2_SUPER_MAGIC) {
			char mnt[512];
			bool found = cgroup2_mount(mnt, sizeof(mnt));

			fprintf(stderr, "%s: --cgroup %s: not a cgroup v2 directory%s%s%s\n",
				name, o->cgroup, found ? " (cgroup v2 is mounted at " : "",
				mnt, found ? ")" : "");
			exit(1);
		}
	}
	if (o->exec_argv && !command_found(o->exec_argv[0])) {
		fprintf(stderr, "%s: --exec %s: command not found\n", name, o->exec_argv[0]);
		exit(1);
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed pipe shows as EPIPE */
	if (o->exec_argv) {
		struct sigaction sc = { .sa_handler = on_signal, .sa_flags = SA_NOCLDSTOP };

		sigaction(SIGCHLD, &sc, NULL);
		start_exec_child(o);
	}

	/* line-buffered on a terminal, block-buffered otherwise; flushed per
	 * batch by the event loop */
	if (isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOLBF, 0);
	else
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	/* kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK */
	{
		struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };

		setrlimit(RLIMIT_MEMLOCK, &r);
	}
	time_init();
}

/* ---- configuration --------------------------------------------------- */

static const struct bpf_map_skeleton *find_datasec(const struct bpf_object_skeleton *s,
						   const char *sec)
{
	int i;

	for (i = 0; i < s->map_cnt; i++) {
		const char *n = bpf_map__name(*s->maps[i].map);
		size_t ln = strlen(n), ls = strlen(sec);

		/* libbpf names them "<obj prefix>.rodata" */
		if (ln >= ls && !strcmp(n + ln - ls, sec) && s->maps[i].mmaped)
			return &s->maps[i];
	}
	return NULL;
}

/* Offset of variable `var` in datasec `sec`, or -1. */
static long var_offset(const struct bpf_object_skeleton *s, const char *sec,
		       const char *var, size_t *size)
{
	struct btf *btf = bpf_object__btf(*s->obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;
	int id, i;

	if (!btf)
		return -1;
	id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(t);
	for (i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);

		if (!strcmp(btf__name_by_offset(btf, v->name_off), var)) {
			*size = vs->size;
			return vs->offset;
		}
	}
	return -1;
}

static void *var_addr(const struct bpf_object_skeleton *s, const char *var,
		      size_t *size)
{
	static const char *const secs[] = { ".rodata", ".bss", ".data" };
	size_t i;

	for (i = 0; i < 3; i++) {
		const struct bpf_map_skeleton *m = find_datasec(s, secs[i]);
		long off;

		if (!m || !*m->mmaped)
			continue;
		off = var_offset(s, secs[i], var, size);
		if (off >= 0)
			return (char *)*m->mmaped + off;
	}
	return NULL;
}

int loupe_set_var(struct bpf_object_skeleton *s, const char *var,
		  const void *val, size_t size)
{
	size_t have = 0;
	void *p = var_addr(s, var, &have);

	if (!p)
		return -ENOENT;
	if (have != size)
		return -EINVAL;
	memcpy(p, val, size);
	return 0;
}

void *loupe_var(const struct bpf_object_skeleton *s, const char *var)
{
	size_t size;

	return var_addr(s, var, &size);
}

static struct bpf_map *find_map(const struct bpf_object_skeleton *s, const char *n)
{
	return bpf_object__find_map_by_name(*s->obj, n);
}

int loupe_configure(struct bpf_object_skeleton *s, const struct loupe_opts *o)
{
	struct loupe_filter f = { 0 };
	struct bpf_map *events = find_map(s, "events");
	int err;

	f.self_tgid = (uint32_t)getpid();
	f.pid_on = o->npids > 0;
	f.tid_on = o->ntids > 0;
	f.uid_on = o->uid_set;
	f.uid = o->uid;
	f.cgroup_on = o->cgroup != NULL;
	if (o->name) {
		f.comm_on = 1;
		f.comm_len = (uint32_t)strlen(o->name);
		memcpy(f.comm, o->name, f.comm_len);
	}
	err = loupe_set_var(s, "cfg_filter", &f, sizeof(f));
	if (err && err != -ENOENT)
		return err;
	if (events && o->buffer_size) {
		/* wake the reader once 1/16 of the buffer is unread: rare
		 * enough to cost nothing per event, early enough that a
		 * reader that is slow to run still drains in time */
		uint64_t wake = o->buffer_size / 16;

		err = bpf_map__set_max_entries(events, (uint32_t)o->buffer_size);
		if (err)
			return err;
		err = loupe_set_var(s, "cfg_wakeup_bytes", &wake, sizeof(wake));
		if (err && err != -ENOENT)
			return err;
	}
	return 0;
}

int loupe_fill_filters(struct bpf_object_skeleton *s, const struct loupe_opts *o)
{
	struct bpf_map *m;
	uint8_t one = 1;
	size_t i;
	int err;

	m = find_map(s, "filter_pids");
	for (i = 0; m && i < o->npids; i++)
		if ((err = bpf_map__update_elem(m, &o->pids[i], 4, &one, 1, BPF_ANY)))
			return err;
	m = find_map(s, "filter_tids");
	for (i = 0; m && i < o->ntids; i++)
		if ((err = bpf_map__update_elem(m, &o->tids[i], 4, &one, 1, BPF_ANY)))
			return err;
	m = find_map(s, "filter_cgroup");
	if (m && o->cgroup) {
		uint32_t zero = 0;
		int fd = open(o->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		err = bpf_map__update_elem(m, &zero, 4, &fd, 4, BPF_ANY);
		close(fd);
		if (err)
			return err == -EBADF ? -ENOTDIR : err;
	}
	return 0;
}

bool loupe_tracepoint_exists(const char *category, const char *tp)
{
	static const char *const roots[] = { "/sys/kernel/tracing/events",
					      "/sys/kernel/debug/tracing/events" };
	char path[512];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", roots[i], category, tp);
		if (!access(path, F_OK))
			return true;
	}
	return false;
}

bool loupe_autoload_if_exists(struct bpf_program *p)
{
	const char *sec = bpf_program__section_name(p);
	char cat[128], tp[256];

	/* "tracepoint/<category>/<name>" or "tp/<category>/<name>" */
	if (sscanf(sec, "%*[^/]/%127[^/]/%255s", cat, tp) != 2)
		return true;
	if (loupe_tracepoint_exists(cat, tp))
		return true;
	if (verbose)
		fprintf(stderr, "%s: %s: no such tracepoint on this kernel, skipped\n",
			name, sec);
	bpf_program__set_autoload(p, false);
	return false;
}

/* ---- event loop ------------------------------------------------------ */

struct poll_ctx {
	loupe_event_fn fn;
	void *ctx;
	uint64_t max;
};

static int on_record(void *c, void *data, size_t size)
{
	struct poll_ctx *pc = c;
	int r;

	if (pc->max && events_out >= pc->max)
		return -ECANCELED;
	r = pc->fn(pc->ctx, data, size);
	if (r < 0)
		return r;
	if (r == 0)
		events_out++;
	return 0;
}

static int flush_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	return errno == EPIPE ? -EPIPE : -EIO;
}

static void release_child(void)
{
	if (exec_pipe >= 0) {
		if (write(exec_pipe, "x", 1) != 1)
			fprintf(stderr, "%s: --exec: cannot start the command\n", name);
		close(exec_pipe);
		exec_pipe = -1;
	}
}

int loupe_poll(struct bpf_map *events, loupe_event_fn fn, void *ctx,
	       const struct loupe_opts *o)
{
	struct poll_ctx pc = { fn, ctx, o->max_events };
	uint64_t deadline = o->duration_ns ? start_mono + o->duration_ns : 0;
	struct ring_buffer *rb;
	struct epoll_event ev;
	int epfd, err = 0, n;

	rb = ring_buffer__new(bpf_map__fd(events), on_record, &pc, NULL);
	if (!rb)
		return -errno;
	epfd = ring_buffer__epoll_fd(rb);
	if (flush_stdout()) /* the header */
		goto out;
	release_child();

	while (!exiting) {
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
		/* consume whether woken or timed out: records submitted
		 * without a wakeup are read here */
		n = ring_buffer__consume(rb);
		if (flush_stdout() || n == -ECANCELED)
			break;
		if (n < 0) {
			err = n;
			break;
		}
		if (child_exited && exec_child) {
			int status;

			if (waitpid(exec_child, &status, WNOHANG) == exec_child) {
				exec_child = 0;
				break; /* drained below */
			}
			child_exited = 0;
		}
	}
	/* what arrived before the stop is output, not lost */
	if (!err && !ferror(stdout)) {
		n = ring_buffer__consume(rb);
		if (n < 0 && n != -ECANCELED)
			err = n;
		flush_stdout();
	}
out:
	ring_buffer__free(rb);
	if (exec_child) {
		kill(exec_child, SIGTERM);
		waitpid(exec_child, NULL, 0);
		exec_child = 0;
	}
	return err;
}

bool loupe_wait_interval(const struct loupe_opts *o, uint64_t *next_ns)
{
	uint64_t deadline = o->duration_ns ? start_mono + o->duration_ns : 0;
	uint64_t target;

	if (!*next_ns)
		*next_ns = start_mono;
	*next_ns += o->interval_ns ? o->interval_ns : UINT64_MAX / 4;
	target = *next_ns;
	if (deadline && deadline < target)
		target = deadline;
	release_child();
	while (!exiting) {
		uint64_t now = loupe_now_mono();
		struct timespec ts;

		if (now >= target)
			break;
		if (child_exited && exec_child &&
		    waitpid(exec_child, NULL, WNOHANG) == exec_child) {
			exec_child = 0;
			return false;
		}
		/* short sleeps so signals and the child are seen quickly */
		ts.tv_sec = 0;
		ts.tv_nsec = (long)((target - now) < 50000000ULL ? (target - now) : 50000000ULL);
		nanosleep(&ts, NULL);
	}
	if (exiting)
		return false;
	return !(deadline && loupe_now_mono() >= deadline);
}

/* ---- losses and exit ------------------------------------------------- */

void loupe_collect(const struct bpf_object_skeleton *s)
{
	const struct loupe_stats *st = loupe_var(s, "loupe_stats");
	int i;

	collected_any = true;
	if (st) {
		total.lost_ringbuf += st->lost_ringbuf;
		total.lost_stash += st->lost_stash;
		total.lost_read += st->lost_read;
		total.lost_map += st->lost_map;
		total.lost_end += st->lost_end;
	}
	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(*s->progs[i].prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			recursion_misses += info.recursion_misses;
	}
}

int loupe_finish(const struct bpf_object_skeleton *s, const struct loupe_opts *o)
{
	uint64_t lost;
	bool pipe_closed = ferror(stdout) && errno == EPIPE;
	int status = 0;

	if (s)
		loupe_collect(s);
	lost = total.lost_ringbuf + total.lost_stash + total.lost_read + total.lost_map +
	       total.lost_end + recursion_misses;

	if (!ferror(stdout) && fflush(stdout) == 0 && o->json) {
		struct jw w;

		jw_begin(&w, stdout, "stats");
		jw_kv_u64(&w, "events", events_out);
		jw_kv_u64(&w, "lost", lost);
		jw_kv_u64(&w, "lost_ringbuf", total.lost_ringbuf);
		jw_kv_u64(&w, "lost_stash", total.lost_stash);
		jw_kv_u64(&w, "lost_read", total.lost_read);
		jw_kv_u64(&w, "lost_map", total.lost_map);
		jw_kv_u64(&w, "lost_end", total.lost_end);
		jw_kv_u64(&w, "recursion_misses", recursion_misses);
		jw_end(&w);
	}
	if (fflush(stdout) || ferror(stdout))
		pipe_closed = pipe_closed || errno == EPIPE;
	if (ferror(stdout) && !pipe_closed) {
		fprintf(stderr, "%s: writing output: %s\n", name, strerror(errno));
		status = 1;
	}
	if (!o->json || lost) {
		fprintf(stderr, "%s: %llu events, %llu lost (ring buffer full %llu, "
			"entry stash full %llu, read failed %llu, recursion %llu",
			name, (unsigned long long)events_out, (unsigned long long)lost,
			(unsigned long long)total.lost_ringbuf,
			(unsigned long long)total.lost_stash,
			(unsigned long long)total.lost_read,
			(unsigned long long)recursion_misses);
		/* summary tools only */
		if (total.lost_map || total.lost_end)
			fprintf(stderr, ", summary map full %llu, end not seen %llu",
				(unsigned long long)total.lost_map,
				(unsigned long long)total.lost_end);
		fputs(")\n", stderr);
	}
	(void)collected_any;
	return status;
}

static void *destroy_link(void *l)
{
	bpf_link__destroy(l);
	return NULL;
}

void loupe_detach(struct bpf_object_skeleton *s)
{
	pthread_t th[64];
	int i, n = 0;

	for (i = 0; i < s->prog_cnt && n < 64; i++) {
		struct bpf_link **l = s->progs[i].link;

		if (!*l)
			continue;
		if (pthread_create(&th[n], NULL, destroy_link, *l) == 0)
			n++;
		else
			bpf_link__destroy(*l);
		*l = NULL;
	}
	while (n--)
		pthread_join(th[n], NULL);
}
