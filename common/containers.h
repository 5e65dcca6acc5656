/*
 * Container awareness, user-space half: owns what a cgroup v2 id means to a
 * reader -- its path, and the container, runtime and pod a path names --
 * and the run's id -> cgroup cache behind the CONTAINER column, the JSON
 * container fields and --container. The kernel side reports cgroup ids
 * (bpf_get_current_cgroup_id) and the paths of cgroups made during the run
 * (cgroup_mkdir); everything else is found here.
 *
 * On cgroup v2 a cgroup's id is its directory's inode number, so one walk
 * of the tree (stat and readdir only: no open_by_handle_at, which needs
 * CAP_DAC_READ_SEARCH) maps every id to its path. Ids are not reused
 * during a boot and cgroup v2 directories cannot be renamed, so an entry
 * stays right for the whole run, also after its cgroup is removed.
 *
 * Functions return 0 or -errno and print nothing. A struct cgroups is not
 * thread-safe: the thread that reads events owns it.
 */
#ifndef LOUPE_CONTAINERS_H
#define LOUPE_CONTAINERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What a cgroup is, for the CONTAINER column and JSON. */
struct cgroup_info {
	uint64_t id;          /* the cgroup v2 id (the directory's inode number) */
	char path[512];       /* relative to the cgroup2 mount, "/" for the root; "" if unknown */
	char container[65];   /* the full container id (64 hex, or a pod/container id as the
	                       * runtime names it), "" when the cgroup is not a container's */
	char runtime[16];     /* "docker", "containerd", "crio", "podman", "kubepods", "" */
	char pod_uid[40];     /* kubepods: the pod's UID, else "" */
	char name[128];       /* the column's text: the container id's first 12 chars, else
	                       * the cgroup's own name (last path component), "-" for "/",
	                       * or the id in decimal when the path is unknown */
};

/* Parse a cgroup v2 path (relative to the mount) into the container fields and
 * name of info (info->path is set from path). The nearest component (leaf first)
 * named like a runtime's wins, skipping runtime helper cgroups: Docker
 * "docker-<64hex>.scope" and ".../docker/<64hex>"; containerd/CRI
 * "cri-containerd-<64hex>.scope"; CRI-O "crio-<64hex>" / "crio-<64hex>.scope"
 * (skip "crio-conmon-<id>"); Podman "libpod-<64hex>" / "libpod-<64hex>.scope"
 * (skip "libpod-conmon-<id>"; its cgroup here is /libpod_parent/libpod-<id>);
 * Kubernetes: the "kubepods" hierarchies, both cgroupfs
 * (/kubepods/burstable/pod<uid>/<64hex>) and systemd
 * (/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid with _>.slice/
 * cri-containerd-<64hex>.scope) styles: container = the 64-hex id, pod_uid the
 * pod's UID with dashes. Pure function: no I/O.
 *
 * Details: info->id is kept (it is the name when path is ""); the 64 hex
 * digits are lowercase (an uppercase or short id is no container's). Under
 * kubepods, runtime names the runtime when the container's component does
 * ("cri-containerd-" -> "containerd", "crio-", "docker-") and is
 * "kubepods" for the cgroupfs form's bare id; a pod's own cgroup (and a
 * helper such as crio-conmon inside it) gets pod_uid and runtime
 * "kubepods" but no container. A path longer than info->path is parsed
 * whole and stored cut short; empty components ("//", a trailing "/")
 * are ignored. */
void cgroup_parse(const char *path, struct cgroup_info *info);

/* The run's id -> cgroup cache. */
struct cgroups;
/* Walk the cgroup2 tree once (every directory: st_ino is the cgroup id on cgroup
 * v2 -- no open_by_handle_at, which needs CAP_DAC_READ_SEARCH) and remember id -> path.
 * mount: where cgroup2 is mounted (NULL: find it). -ENOENT when there is no cgroup2.
 * Subtrees that cannot be read (EACCES) or vanish during the walk are
 * skipped; other file systems mounted inside are not entered. */
int cgroups__new(struct cgroups **out, const char *mount);
void cgroups__free(struct cgroups *c);
/* Add one id -> path (from the kernel's cgroup_mkdir events, for cgroups made after
 * the walk; the path relative to the mount). Newer wins. 0, -EINVAL (empty
 * path) or -ENOMEM. */
int cgroups__add(struct cgroups *c, uint64_t id, const char *path);
/* The info of id: from the cache, else by walking again once per unknown id at
 * most every 100 ms (a cgroup made since), else an info with path "" and name
 * the id in decimal. Never fails; the returned pointer is valid until the next
 * call. A cgroup removed since it was cached keeps its path (podman --rm removes
 * it at once; its last events must still carry its id).
 * An id still unknown after a walk stays unknown (it was seen before the
 * walk, so its cgroup is gone or outside our view); an id missed within
 * 100 ms of the last walk is tried again on a later call. With a lookup
 * function (cgroups__set_lookup), it is asked before walking again. */
const struct cgroup_info *cgroups__get(struct cgroups *c, uint64_t id);
/* Where cgroups__get asks first about an id it does not know, before
 * walking again: fn (common/cgwatch.h's cgwatch_path fits) returns 0 and the
 * path relative to the mount, or -errno; what it finds is added. NULL: no
 * one. */
void cgroups__set_lookup(struct cgroups *c, int (*fn)(uint64_t id, char *path, size_t len));
/* Cgroups known (walked or added), and walks done so far (for -v and tests). */
size_t cgroups__count(const struct cgroups *c);
unsigned cgroups__walks(const struct cgroups *c);
/* Where cgroup2 is mounted, as given or found. */
const char *cgroups__mount(const struct cgroups *c);

/* --container PREFIX: the cgroup directory (absolute path under the mount) of the
 * one container whose id starts with prefix (at least 1 hex digit, any case).
 * -EINVAL: prefix is not hex (a usage error); -ENOENT: no container matches;
 * -EEXIST: several do -- then cand (a buffer) lists them: "5a19484a4ea1 (podman),
 * 5a1b...". Containers are found by the walk (cgroups__new) and cgroup_parse; a
 * container's several cgroups (e.g. a .scope and its nested children) count as one:
 * take the topmost cgroup of that container.
 * cand (may be NULL) is sorted by id; each id is shown by 12 digits, or more
 * when 12 do not tell two candidates apart; a list longer than candlen ends
 * in "...". -ENAMETOOLONG when the directory does not fit in dir. */
int cgroups__find_container(struct cgroups *c, const char *prefix, char *dir, size_t len,
			     char *cand, size_t candlen);

/* The PID of pid in its own PID namespace, from /proc/PID/status NSpid (last field),
 * for user-space fallbacks; -errno when the process is gone. Kernels before
 * 4.1 have no NSpid: pid itself then. */
int proc_vpid(pid_t pid);

#endif
