#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base.h"
#include "system.h"

bool sys_has_cap(int cap)
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

static const char *const tracefs_roots[] = { "/sys/kernel/tracing",
					      "/sys/kernel/debug/tracing" };

/* A tracefs mount at one of the roots (from /proc/self/mounts: the
 * directory may be mounted yet unreadable to us, mode 0700). */
const char *sys_tracefs(void)
{
	char line[1024], dir[512], type[64];
	const char *found = NULL;
	FILE *f = fopen("/proc/self/mounts", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %511s %63s", dir, type) != 2 || strcmp(type, "tracefs"))
			continue;
		if (!strcmp(dir, tracefs_roots[0])) {
			found = tracefs_roots[0];
			break;
		}
		if (!strcmp(dir, tracefs_roots[1]))
			found = tracefs_roots[1];
	}
	if (f)
		fclose(f);
	return found;
}

int sys_ensure_tracefs(void)
{
	if (sys_tracefs())
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return -errno;
	loupe_info(1, "mounted tracefs on /sys/kernel/tracing");
	return 0;
}

bool sys_tracepoint_exists(const char *category, const char *tp)
{
	char path[512];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events/%s/%s", tracefs_roots[i], category, tp);
		/* effective ids: CAP_DAC_READ_SEARCH counts, as for libbpf */
		if (!faccessat(AT_FDCWD, path, F_OK, AT_EACCESS))
			return true;
	}
	return false;
}

int sys_tracepoint_id(const char *category, const char *tp)
{
	char path[512];
	size_t i;
	int id;

	for (i = 0; i < 2; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/events/%s/%s/id", tracefs_roots[i], category, tp);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%d", &id) != 1)
			id = -EINVAL;
		fclose(f);
		return id;
	}
	return -ENOENT;
}

bool sys_cgroup2_mount(char *buf, size_t len)
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

bool sys_own_cgroup2(char *buf, size_t len)
{
	char line[1024];
	FILE *f = fopen("/proc/self/cgroup", "r");

	*buf = 0;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(buf, len, "%s", line + 3);
			break;
		}
	if (f)
		fclose(f);
	return *buf;
}

static int runnable(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -ENOENT;
	if (!S_ISREG(st.st_mode) || access(path, X_OK))
		return -EACCES;
	return 0;
}

int sys_find_command(const char *cmd)
{
	const char *p = getenv("PATH"), *end;
	char path[4096];
	int found = -ENOENT;

	if (!*cmd)
		return -ENOENT;
	if (strchr(cmd, '/'))
		return runnable(cmd);
	for (p = p ? p : "/bin:/usr/bin"; ; p = end + 1) {
		int n, r;

		end = strchrnul(p, ':');
		n = (int)(end - p);
		snprintf(path, sizeof(path), "%.*s/%s", n ? n : 1, n ? p : ".", cmd);
		r = runnable(path);
		if (!r)
			return 0;
		if (r == -EACCES)
			found = -EACCES; /* execvp goes on searching too */
		if (!*end)
			return found;
	}
}

bool sys_has_vmlinux_btf(void)
{
	return !access("/sys/kernel/btf/vmlinux", R_OK);
}

bool sys_own_pidns(uint64_t *dev, uint64_t *ino)
{
	struct stat st;

	*dev = *ino = 0;
	/* PROC_PID_INIT_INO: the initial namespace's, fixed by the kernel */
	if (stat("/proc/self/ns/pid", &st) || st.st_ino == 0xEFFFFFFCU)
		return false;
	/* the kernel's dev_t (MKDEV), which bpf_get_ns_current_pid_tgid()
	 * compares, not the one stat() encodes for user space */
	*dev = (uint64_t)major(st.st_dev) << 20 | minor(st.st_dev);
	*ino = st.st_ino;
	return true;
}

int sys_perf_paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v = 2;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 2;
		fclose(f);
	}
	return v;
}

bool sys_perf_events_allowed(void)
{
	return sys_perf_paranoid() < 3 || sys_has_cap(LOUPE_CAP_SYS_ADMIN);
}
