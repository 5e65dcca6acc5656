#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "attach.h"
#include "cgwatch.h"
#include "containers.h"
#include "exec.h"
#include "loupe.h"
#include "system.h"

static volatile sig_atomic_t exiting;
static struct cgroups *cgroups;

bool loupe_exiting(void) { return exiting; }
struct cgroups *loupe_cgroups(void) { return cgroups; }

int loupe_rewrote(const char **path, int err)
{
	if (err == -EINTR && exiting) {
		*path = NULL;
		return 0;
	}
	return err ? loupe_fail(*path, err) : 0;
}

int loupe_fail_load(int err)
{
	if (err == -EPERM || err == -EACCES)
		return loupe_failf("load BPF programs: %s (the kernel refused the "
				   "programs; run with -v for libbpf's and the verifier's log)",
				   strerror(-err));
	return loupe_failf("load BPF programs: %s (run with -v for details)",
			   strerror(err < 0 ? -err : err));
}

int loupe_fail_attach(const struct bpf_object_skeleton *s, int err)
{
	int i;

	if ((err == -EPERM || err == -EACCES) && !sys_perf_events_allowed())
		loupe_warn("kernel.perf_event_paranoid is %d: this kernel allows perf events "
			   "(tracepoints, uprobes) to CAP_SYS_ADMIN only", sys_perf_paranoid());

	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *p = *s->progs[i].prog;

		if (!bpf_program__autoload(p) || *s->progs[i].link)
			continue;
		return loupe_fail(bpf_program__section_name(p), err);
	}
	if (*attach_failed())
		return loupe_fail(attach_failed(), err);
	return loupe_fail("attach BPF programs", err);
}

/* ---- start-up -------------------------------------------------------- */

static void on_signal(int sig)
{
	exiting = 1;
	/* a second Ctrl-C or SIGTERM kills at once */
	signal(sig, SIG_DFL);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && loupe_verbose() < 2)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* The privileges to load and attach: CAP_SYS_ADMIN, or CAP_BPF with
 * CAP_PERFMON (5.8+). tracefs (tracepoint ids) is often root-only too. */
static void check_privileges(void)
{
	bool admin = sys_has_cap(LOUPE_CAP_SYS_ADMIN);
	bool bpf = sys_has_cap(LOUPE_CAP_BPF), perfmon = sys_has_cap(LOUPE_CAP_PERFMON);
	int err;

	if (!admin && !(bpf && perfmon))
		exit(loupe_failf("needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN) to "
				 "load BPF programs; missing: %s", bpf ? "CAP_PERFMON" :
				 perfmon ? "CAP_BPF" : "CAP_BPF, CAP_PERFMON"));
	err = sys_ensure_tracefs();
	if (err == -EPERM || err == -EACCES)
		exit(loupe_failf("tracefs is not mounted, and mounting it on "
				 "/sys/kernel/tracing needs CAP_SYS_ADMIN: %s", strerror(-err)));
	if (err)
		exit(loupe_failf("tracefs is not mounted and mounting it on "
				 "/sys/kernel/tracing failed: %s", strerror(-err)));
	if (faccessat(AT_FDCWD, sys_tracefs(), R_OK | X_OK, AT_EACCESS))
		exit(loupe_failf("cannot read tracefs (%s: %s): tracepoint ids are read "
				 "there; it needs its owner (root) or CAP_DAC_READ_SEARCH",
				 sys_tracefs(), strerror(errno)));
}

/* A PID that names a thread that is not its process's main thread. */
static int tgid_of(uint32_t tid)
{
	char path[64], line[128];
	FILE *f;
	int tgid = -1;

	snprintf(path, sizeof(path), "/proc/%u/status", tid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	if (f)
		fclose(f);
	return tgid;
}

/* -C and --container: the cgroup cache; --container's cgroup. */
static void containers(struct loupe_opts *o)
{
	static char dir[1024];
	char cand[512];
	int err;

	if (!o->containers && !o->container)
		return;
	if (o->containers && !sys_has_vmlinux_btf())
		exit(loupe_failf("-C reads namespaces through the kernel's BTF, which this kernel "
				 "lacks (/sys/kernel/btf/vmlinux)"));
	err = cgroups__new(&cgroups, NULL);
	if (err)
		exit(loupe_failf("%s: cgroup v2 is not mounted here (%s)",
				 o->container ? "--container" : "-C", strerror(-err)));
	if (o->container) {
		err = cgroups__find_container(cgroups, o->container, dir, sizeof(dir), cand,
					      sizeof(cand));
		if (err == -ENOENT)
			exit(loupe_failf("--container %s: no such container", o->container));
		if (err == -EEXIST)
			exit(loupe_failf("--container %s: several containers match: %s",
					 o->container, cand));
		if (err)
			exit(loupe_failf("--container %s: %s", o->container, strerror(-err)));
		o->cgroup = dir;
		loupe_info(1, "--container %s: cgroup %s", o->container, dir);
	}
	if (o->containers) {
		/* cgroups made during the run (a container started later, and
		 * perhaps gone before its events are read) */
		err = cgwatch_start();
		if (err)
			loupe_warn("-C: cgroups made from now on may show as numbers (the "
				   "cgroup_mkdir watcher: %s)", strerror(-err));
		else
			cgroups__set_lookup(cgroups, cgwatch_path);
	}
}

/* In a PID namespace of its own (a container), PIDs shown and taken are
 * that namespace's (common/skel.c, bpf/loupe.bpf.h). */
static void pid_namespace(void)
{
	uint64_t dev, ino;

	if (!sys_own_pidns(&dev, &ino))
		return;
	loupe_info(1, "PIDs are those of loupe's PID namespace (pid:[%llu]); tasks outside "
		   "it show PID 0", (unsigned long long)ino);
	if (!sys_has_vmlinux_btf())
		loupe_warn("the kernel has no BTF (/sys/kernel/btf/vmlinux): processes in PID "
			   "namespaces inside loupe's show PID 0 too");
}

static void check_targets(struct loupe_opts *o)
{
	size_t i;

	for (i = 0; i < o->npids; i++) {
		int tgid;

		if (kill((pid_t)o->pids[i], 0) && errno == ESRCH)
			exit(loupe_failf("no such process: %u", o->pids[i]));
		tgid = tgid_of(o->pids[i]);
		if (tgid > 0 && (uint32_t)tgid != o->pids[i])
			exit(loupe_failf("-p %u: that is a thread of process %d (use --tid %u for the "
			    "thread, or -p %d for the process)", o->pids[i], tgid,
			    o->pids[i], tgid));
	}
	for (i = 0; i < o->ntids; i++)
		if (tgid_of(o->tids[i]) < 0)
			exit(loupe_failf("no such thread: %u", o->tids[i]));
	if (o->cgroup) {
		struct stat st;
		struct statfs sf;

		if (stat(o->cgroup, &st) || statfs(o->cgroup, &sf))
			exit(loupe_failf("--cgroup %s: %s", o->cgroup, strerror(errno)));
		/* bpf_current_task_under_cgroup() follows the cgroup v2 tree */
		if (!S_ISDIR(st.st_mode) || sf.f_type != CGROUP2_SUPER_MAGIC) {
			char mnt[512];
			bool found = sys_cgroup2_mount(mnt, sizeof(mnt));

			exit(loupe_failf("--cgroup %s: not a cgroup v2 directory%s%s%s", o->cgroup,
			    found ? " (cgroup v2 is mounted at " : "", mnt, found ? ")" : ""));
		}
	}
	if (o->exec_argv) {
		int err = sys_find_command(o->exec_argv[0]);

		if (err == -EACCES)
			exit(loupe_failf("--exec %s: not executable", o->exec_argv[0]));
		if (err)
			exit(loupe_failf("--exec %s: command not found", o->exec_argv[0]));
	}
}

void loupe_start(const struct loupe_tool *t, struct loupe_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };
	int err;

	loupe_set_verbose(o->verbose);
	libbpf_set_print(o->verbose ? libbpf_print : libbpf_quiet);
	check_privileges();
	pid_namespace();
	if (t->needs_btf && !sys_has_vmlinux_btf())
		exit(loupe_failf("this kernel has no BTF (/sys/kernel/btf/vmlinux; "
				 "CONFIG_DEBUG_INFO_BTF=y is needed)"));
	containers(o);
	check_targets(o);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed pipe shows as EPIPE */
	if (o->exec_argv && (err = exec_start(o)))
		exit(loupe_failf("--exec %s: %s", o->exec_argv[0], strerror(-err)));

	/* line-buffered on a terminal, block-buffered otherwise; flushed per
	 * batch by the event loop */
	if (isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOLBF, 0);
	else
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	/* kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK */
	setrlimit(RLIMIT_MEMLOCK, &r);
	loupe_clock_init();
}

int loupe_configure(struct bpf_object_skeleton *s, const struct loupe_opts *o)
{
	int err = skel_configure(s, o);

	if (err == -ENOENT)
		return loupe_failf("configure BPF object: it has no filter (cfg_filter, "
				   "bpf/loupe.bpf.h) or event buffer settings");
	return err ? loupe_fail("configure BPF object", err) : 0;
}

int loupe_fill_filters(struct bpf_object_skeleton *s, const struct loupe_opts *o)
{
	int err = skel_fill_filters(s, o);

	return err ? loupe_fail("fill filter maps", err) : 0;
}

int loupe_loaded(struct bpf_object_skeleton *s, const struct loupe_opts *o, int err)
{
	return err ? loupe_fail_load(err) : loupe_fill_filters(s, o);
}

int loupe_attached(struct bpf_object_skeleton *s, int err)
{
	return err ? loupe_fail_attach(s, err) : 0;
}

/* ---- the run --------------------------------------------------------- */

uint64_t loupe_deadline(const struct loupe_opts *o)
{
	return o->duration_ns ? loupe_start_mono() + o->duration_ns : 0;
}

bool loupe_wait_interval(const struct loupe_opts *o, uint64_t *next_ns)
{
	uint64_t deadline = loupe_deadline(o);
	uint64_t target;

	if (!*next_ns)
		*next_ns = loupe_start_mono();
	*next_ns += o->interval_ns ? o->interval_ns : UINT64_MAX / 4;
	target = *next_ns;
	if (deadline && deadline < target)
		target = deadline;
	exec_release();
	while (!exiting) {
		uint64_t now = loupe_now_mono();
		struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };
		uint64_t wait;

		if (now >= target)
			break;
		if (exec_done())
			return false;
		/* short waits so signals and the child are seen quickly; a
		 * pipe whose reader has gone ends the run (POLLERR) */
		wait = target - now < 50000000ULL ? target - now : 50000000ULL;
		if (poll(&p, 1, (int)((wait + 999999) / 1000000)) == 1 &&
		    (p.revents & (POLLERR | POLLHUP)))
			return false;
	}
	if (exiting)
		return false;
	return !(deadline && loupe_now_mono() >= deadline);
}

/* ---- the end --------------------------------------------------------- */

static struct bpf_object_skeleton *others[8];
static int nothers;

void loupe_collect(struct bpf_object_skeleton *s)
{
	if (nothers < 8)
		others[nothers++] = s;
}

int loupe_finish(struct bpf_object_skeleton *s, const struct loupe_opts *o, int run_err)
{
	bool pipe_closed = ferror(stdout) && errno == EPIPE;
	int status = run_err ? 1 : 0, i;

	if (run_err < 0)
		loupe_fail("reading from the kernel's maps", run_err);
	if (s)
		stats_collect(s);
	for (i = 0; i < nothers; i++)
		stats_collect(others[i]);

	if (!ferror(stdout) && fflush(stdout) == 0 && o->json)
		stats_json(stdout);
	if (fflush(stdout) || ferror(stdout))
		pipe_closed = pipe_closed || errno == EPIPE;
	if (ferror(stdout) && !pipe_closed) {
		fprintf(stderr, "%s: writing output: %s\n", loupe_name(), strerror(errno));
		status = 1;
	}
	if (!o->json || stats_lost())
		stats_line();

	/* the output is complete: now let go of the links */
	if (s)
		attach_adopt(s);
	for (i = 0; i < nothers; i++)
		attach_adopt(others[i]);
	attach_release();
	return status;
}
