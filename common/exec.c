#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "exec.h"
#include "system.h"

static pid_t child;
static int go_pipe = -1;
static volatile sig_atomic_t child_exited;
static char cgroup_dir[600];

static void on_sigchld(int sig)
{
	(void)sig;
	child_exited = 1;
}

/* Move what is left in dir to where we are (or kill it), then rmdir. */
static void cgroup_empty_and_remove(const char *dir, bool kill_rest)
{
	char path[1300], mine[600] = "", line[64], mnt[512];
	int tries;

	sys_own_cgroup2(mine, sizeof(mine));
	for (tries = 0; tries < 20 && rmdir(dir) && errno == EBUSY; tries++) {
		FILE *f, *to;

		if (kill_rest) {
			/* cgroup.kill (5.14+) kills every task at once */
			snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
			to = fopen(path, "w");
			if (to) {
				fputs("1", to);
				fclose(to);
			}
		}
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		f = fopen(path, "r");
		if (!f || !sys_cgroup2_mount(mnt, sizeof(mnt))) {
			if (f)
				fclose(f);
			break;
		}
		while (fgets(line, sizeof(line), f)) {
			if (kill_rest) {
				kill((pid_t)atoi(line), SIGKILL);
				continue;
			}
			/* what the command left running goes back where we are */
			snprintf(path, sizeof(path), "%s%s/cgroup.procs", mnt, mine);
			to = fopen(path, "w");
			if (to) {
				fputs(line, to);
				fclose(to);
			}
		}
		fclose(f);
		if (kill_rest) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
}

static void cgroup_remove(void)
{
	if (!*cgroup_dir)
		return;
	cgroup_empty_and_remove(cgroup_dir, false);
	*cgroup_dir = 0;
}

/* A loupe-exec-<pid> cgroup is stale when no process <pid> exists, or the
 * one that does started after the cgroup was made (a reused pid). */
static bool stale(const char *dir, long pid)
{
	char proc[64];
	struct stat cg, pr;

	snprintf(proc, sizeof(proc), "/proc/%ld", pid);
	if (stat(proc, &pr))
		return errno == ENOENT;
	if (stat(dir, &cg))
		return false;
	return pr.st_ctim.tv_sec > cg.st_ctim.tv_sec;
}

void exec_reap_stale_cgroups(void)
{
	char mnt[512], dir[1024];
	struct dirent *d;
	DIR *dh;

	if (!sys_cgroup2_mount(mnt, sizeof(mnt)) || !(dh = opendir(mnt)))
		return;
	while ((d = readdir(dh))) {
		char *end;
		long pid;

		if (strncmp(d->d_name, "loupe-exec-", 11))
			continue;
		pid = strtol(d->d_name + 11, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid())
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", mnt, d->d_name);
		if (!stale(dir, pid))
			continue;
		loupe_info(1, "--exec: removing stale cgroup %s", dir);
		cgroup_empty_and_remove(dir, true);
	}
	closedir(dh);
}

/* A fresh cgroup v2 directory for --exec, with pid in it; false if cgroup
 * v2 cannot be used here (then the pid filter alone is used). */
static bool cgroup_create(pid_t pid)
{
	char mnt[512], procs[700];
	FILE *f;
	bool ok;

	if (!sys_cgroup2_mount(mnt, sizeof(mnt)))
		return false;
	snprintf(cgroup_dir, sizeof(cgroup_dir), "%s/loupe-exec-%d", mnt, (int)getpid());
	if (mkdir(cgroup_dir, 0755)) {
		*cgroup_dir = 0;
		return false;
	}
	atexit(cgroup_remove);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup_dir);
	f = fopen(procs, "w");
	ok = f && fprintf(f, "%d\n", (int)pid) > 0;
	if (f && fclose(f))
		ok = false;
	if (!ok)
		cgroup_remove();
	return ok;
}

int exec_start(struct loupe_opts *o)
{
	struct sigaction sc = { .sa_handler = on_sigchld, .sa_flags = SA_NOCLDSTOP };
	pid_t parent = getpid();
	int fds[2];

	exec_reap_stale_cgroups();
	sigaction(SIGCHLD, &sc, NULL);
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	child = fork();
	if (child < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (child == 0) {
		char c;

		close(fds[1]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		/* the command dies with the tracer; a setuid or file-capability
		 * exec clears this (the stale-cgroup sweep covers that) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		/* wait until the tracer is attached; EOF means it gave up */
		if (read(fds[0], &c, 1) != 1)
			_exit(127);
		close(fds[0]);
		/* its output must not mix with the tracer's stdout data */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(o->exec_argv[0], o->exec_argv);
		fprintf(stderr, "%s: --exec %s: %s\n", loupe_name(), o->exec_argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	go_pipe = fds[1];
	/* the command and its descendants, through a cgroup of their own;
	 * else (no writable cgroup v2, or --cgroup given) the command alone */
	if (!o->cgroup && cgroup_create(child)) {
		o->cgroup = cgroup_dir;
		loupe_info(1, "--exec: tracing cgroup %s", cgroup_dir);
		return 0;
	}
	o->pids[0] = (uint32_t)child;
	o->npids = 1;
	return 0;
}

void exec_release(void)
{
	if (go_pipe < 0)
		return;
	if (write(go_pipe, "x", 1) != 1)
		loupe_warn("--exec: cannot start the command");
	close(go_pipe);
	go_pipe = -1;
}

bool exec_active(void) { return child > 0; }

bool exec_done(void)
{
	if (child <= 0 || !child_exited)
		return false;
	child_exited = 0;
	if (waitpid(child, NULL, WNOHANG) != child)
		return false;
	child = 0;
	return true;
}

void exec_stop(void)
{
	if (child <= 0)
		return;
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	child = 0;
}
