#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "containers.h"

#define ID_A "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
#define ID_B "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"
#define UID_DASH "a7f1e573-c20a-4e94-af41-3b752e1f539e"
#define UID_UNDER "a7f1e573_c20a_4e94_af41_3b752e1f539e"

/* cgroup_parse into a fresh info (id 42); returns it (static). */
static const struct cgroup_info *parse(const char *path)
{
	static struct cgroup_info info;

	memset(&info, 0x5a, sizeof(info));  /* every field must be set */
	info.id = 42;
	cgroup_parse(path, &info);
	return &info;
}

/* The parsed fields as one line: "container runtime pod_uid name". */
static const char *fields(const char *path)
{
	static char buf[1024];
	const struct cgroup_info *i = parse(path);

	snprintf(buf, sizeof(buf), "[%s] [%s] [%s] [%s]", i->container, i->runtime, i->pod_uid,
		 i->name);
	return buf;
}

TEST(cgroup_parse_docker)
{
	const struct cgroup_info *i = parse("/system.slice/docker-" ID_A ".scope");

	CHECK_STR(i->container, ID_A);
	CHECK_STR(i->runtime, "docker");
	CHECK_STR(i->pod_uid, "");
	CHECK_STR(i->name, "ca978112ca1b");
	CHECK_STR(i->path, "/system.slice/docker-" ID_A ".scope");
	CHECK_EQ(i->id, 42);
	/* cgroupfs driver */
	CHECK_STR(fields("/docker/" ID_A), "[" ID_A "] [docker] [] [ca978112ca1b]");
	/* the systemd driver's names only come as .scope */
	CHECK_STR(fields("/system.slice/docker-" ID_A), "[] [] [] [docker-" ID_A "]");
	CHECK_STR(fields("/system.slice/docker.service"), "[] [] [] [docker.service]");
}

TEST(cgroup_parse_containerd_crio_podman)
{
	CHECK_STR(fields("/system.slice/cri-containerd-" ID_A ".scope"),
		  "[" ID_A "] [containerd] [] [ca978112ca1b]");
	CHECK_STR(fields("/crio-" ID_B), "[" ID_B "] [crio] [] [3e23e8160039]");
	CHECK_STR(fields("/machine.slice/crio-" ID_B ".scope"), "[" ID_B "] [crio] [] [3e23e8160039]");
	/* podman here (cgroupfs manager), and with the systemd manager */
	CHECK_STR(fields("/libpod_parent/libpod-" ID_A), "[" ID_A "] [podman] [] [ca978112ca1b]");
	CHECK_STR(fields("/machine.slice/libpod-" ID_A ".scope"),
		  "[" ID_A "] [podman] [] [ca978112ca1b]");
}

TEST(cgroup_parse_runtime_helpers_are_not_containers)
{
	CHECK_STR(fields("/libpod_parent/libpod-conmon-" ID_A),
		  "[] [] [] [libpod-conmon-" ID_A "]");
	CHECK_STR(fields("/machine.slice/libpod-conmon-" ID_A ".scope"),
		  "[] [] [] [libpod-conmon-" ID_A ".scope]");
	CHECK_STR(fields("/system.slice/crio-conmon-" ID_B ".scope"),
		  "[] [] [] [crio-conmon-" ID_B ".scope]");
	/* a helper inside a pod is the pod's, not a container's */
	CHECK_STR(fields("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_UNDER
			 ".slice/crio-conmon-" ID_B ".scope"),
		  "[] [kubepods] [" UID_DASH "] [crio-conmon-" ID_B ".scope]");
}

TEST(cgroup_parse_kubepods_cgroupfs)
{
	CHECK_STR(fields("/kubepods/burstable/pod" UID_DASH "/" ID_A),
		  "[" ID_A "] [kubepods] [" UID_DASH "] [ca978112ca1b]");
	CHECK_STR(fields("/kubepods/besteffort/pod" UID_DASH "/" ID_A),
		  "[" ID_A "] [kubepods] [" UID_DASH "] [ca978112ca1b]");
	/* Guaranteed pods sit right under kubepods */
	CHECK_STR(fields("/kubepods/pod" UID_DASH "/" ID_A),
		  "[" ID_A "] [kubepods] [" UID_DASH "] [ca978112ca1b]");
	/* CRI-O's names under cgroupfs; a static pod's UID (32 hex digits) */
	CHECK_STR(fields("/kubepods/burstable/pod6c2b5e7f5f9e2d8b1c2a3d4e5f6a7b8c/crio-" ID_B),
		  "[" ID_B "] [crio] [6c2b5e7f5f9e2d8b1c2a3d4e5f6a7b8c] [3e23e8160039]");
	/* the pod's own cgroup: a pod, no container */
	CHECK_STR(fields("/kubepods/burstable/pod" UID_DASH),
		  "[] [kubepods] [" UID_DASH "] [pod" UID_DASH "]");
	CHECK_STR(fields("/kubepods/burstable"), "[] [] [] [burstable]");
	CHECK_STR(fields("/kubepods"), "[] [] [] [kubepods]");
	/* a bare id is a container's only below a pod of a kubepods tree, or docker */
	CHECK_STR(fields("/burstable/pod" UID_DASH "/" ID_A), "[] [] [] [" ID_A "]");
	CHECK_STR(fields("/kubepods/burstable/podxyz/" ID_A), "[] [] [] [" ID_A "]");
	CHECK_STR(fields("/kubepods/burstable/pod" UID_DASH "0123/" ID_A), "[] [] [] [" ID_A "]");
	CHECK_STR(fields("/" ID_A), "[] [] [] [" ID_A "]");
	CHECK_STR(fields("/machine/" ID_A), "[] [] [] [" ID_A "]");
}

TEST(cgroup_parse_kubepods_systemd)
{
	const char *burstable = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
				UID_UNDER ".slice";
	char path[512];

	snprintf(path, sizeof(path), "%s/cri-containerd-%s.scope", burstable, ID_A);
	CHECK_STR(fields(path), "[" ID_A "] [containerd] [" UID_DASH "] [ca978112ca1b]");
	snprintf(path, sizeof(path), "%s/crio-%s.scope", burstable, ID_B);
	CHECK_STR(fields(path), "[" ID_B "] [crio] [" UID_DASH "] [3e23e8160039]");
	CHECK_STR(fields(burstable),
		  "[] [kubepods] [" UID_DASH "] [kubepods-burstable-pod" UID_UNDER ".slice]");
	CHECK_STR(fields("/kubepods.slice/kubepods-pod" UID_UNDER ".slice/cri-containerd-" ID_A
			 ".scope"),
		  "[" ID_A "] [containerd] [" UID_DASH "] [ca978112ca1b]");
	/* kind: the kubelet's slices under its own */
	CHECK_STR(fields("/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
			 "kubelet-kubepods-besteffort-pod" UID_UNDER ".slice/cri-containerd-" ID_A
			 ".scope"),
		  "[" ID_A "] [containerd] [" UID_DASH "] [ca978112ca1b]");
	CHECK_STR(fields("/kubepods.slice/kubepods-burstable.slice"),
		  "[] [] [] [kubepods-burstable.slice]");
	CHECK_STR(fields("/system.slice/podman-pod" UID_UNDER ".slice"),
		  "[] [] [] [podman-pod" UID_UNDER ".slice]");
}

TEST(cgroup_parse_nested_cgroups_belong_to_the_container)
{
	CHECK_STR(fields("/libpod_parent/libpod-" ID_A "/sub/deeper"),
		  "[" ID_A "] [podman] [] [ca978112ca1b]");
	CHECK_STR(fields("/machine.slice/libpod-" ID_A ".scope/container"),
		  "[" ID_A "] [podman] [] [ca978112ca1b]");
	CHECK_STR(fields("/system.slice/docker-" ID_A ".scope/init.scope"),
		  "[" ID_A "] [docker] [] [ca978112ca1b]");
	CHECK_STR(fields("/kubepods/burstable/pod" UID_DASH "/" ID_A "/x/y"),
		  "[" ID_A "] [kubepods] [" UID_DASH "] [ca978112ca1b]");
	/* the nearest wins: a container inside a container */
	CHECK_STR(fields("/docker/" ID_A "/docker/" ID_B), "[" ID_B "] [docker] [] [3e23e8160039]");
	CHECK_STR(fields("/system.slice/docker-" ID_A ".scope/libpod_parent/libpod-" ID_B "/x"),
		  "[" ID_B "] [podman] [] [3e23e8160039]");
	/* and a helper inside a container is that container's */
	CHECK_STR(fields("/docker/" ID_A "/libpod_parent/libpod-conmon-" ID_B),
		  "[" ID_A "] [docker] [] [ca978112ca1b]");
}

TEST(cgroup_parse_plain_cgroups_root_and_unknown)
{
	const struct cgroup_info *i = parse("/system.slice/nginx.service");

	CHECK_STR(i->name, "nginx.service");
	CHECK_STR(i->container, "");
	CHECK_STR(i->runtime, "");
	CHECK_STR(i->pod_uid, "");
	CHECK_STR(fields("/user.slice/user-1000.slice/session-2.scope"),
		  "[] [] [] [session-2.scope]");
	CHECK_STR(fields("/system.slice/nginx.service/"), "[] [] [] [nginx.service]");
	CHECK_STR(fields("//system.slice//x"), "[] [] [] [x]");
	i = parse("/");
	CHECK_STR(i->name, "-");
	CHECK_STR(i->path, "/");
	CHECK_STR(fields("//"), "[] [] [] [-]");
	/* unknown: the id */
	i = parse("");
	CHECK_STR(i->name, "42");
	CHECK_STR(i->path, "");
	CHECK_STR(i->container, "");
	CHECK_STR(parse(NULL)->name, "42");
}

TEST(cgroup_parse_bad_ids_are_not_containers)
{
	/* uppercase */
	CHECK_STR(fields("/docker/CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB"),
		  "[] [] [] [CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB]");
	CHECK_STR(parse("/libpod_parent/libpod-CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B"
			"9807785AFEE48BB")->container, "");
	/* short, long */
	CHECK_STR(fields("/system.slice/docker-ca978112ca1b.scope"),
		  "[] [] [] [docker-ca978112ca1b.scope]");
	CHECK_STR(fields("/docker/" ID_A "0"), "[] [] [] [" ID_A "0]");
	CHECK_STR(fields("/docker/ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48b"),
		  "[] [] [] [ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48b]");
	/* garbage, and suffixes that are not .scope */
	CHECK_STR(fields("/libpod-xyz"), "[] [] [] [libpod-xyz]");
	CHECK_STR(fields("/libpod-"), "[] [] [] [libpod-]");
	CHECK_STR(fields("/crio-"), "[] [] [] [crio-]");
	CHECK_STR(fields("/cri-containerd-.scope"), "[] [] [] [cri-containerd-.scope]");
	CHECK_STR(fields("/libpod-" ID_A ".scopex"), "[] [] [] [libpod-" ID_A ".scopex]");
	CHECK_STR(fields("/libpod-" ID_A ".slice"), "[] [] [] [libpod-" ID_A ".slice]");
	CHECK_STR(fields("/docker-" ID_A ".scope.scope"), "[] [] [] [docker-" ID_A ".scope.scope]");
	CHECK_STR(fields("/libpod-g" ID_A ""), "[] [] [] [libpod-g" ID_A "]");
	CHECK_STR(fields("/xlibpod-" ID_A), "[] [] [] [xlibpod-" ID_A "]");
}

TEST(cgroup_parse_long_paths_are_cut_safely)
{
	static char path[8192], leaf[400];
	const struct cgroup_info *i;
	size_t n;

	/* 4000 characters of parents, the container, a 300-character leaf */
	for (n = 0; n < 4000; n += 2)
		memcpy(path + n, "/a", 2);
	memset(leaf, 'x', 300);
	leaf[300] = 0;
	snprintf(path + n, sizeof(path) - n, "/libpod-%s/%s", ID_A, leaf);
	i = parse(path);
	CHECK_STR(i->container, ID_A);
	CHECK_STR(i->name, "ca978112ca1b");
	CHECK_EQ(strlen(i->path), sizeof(i->path) - 1);
	CHECK(!strncmp(i->path, path, sizeof(i->path) - 1));
	/* no container: the leaf, cut to the name's size */
	snprintf(path + n, sizeof(path) - n, "/%s", leaf);
	i = parse(path);
	CHECK_STR(i->container, "");
	CHECK_EQ(strlen(i->name), sizeof(i->name) - 1);
	CHECK(!strncmp(i->name, leaf, sizeof(i->name) - 1));
	/* a huge pod component is no pod */
	snprintf(path, sizeof(path), "/kubepods/pod%s/%s", leaf, ID_A);
	CHECK_STR(parse(path)->pod_uid, "");
	snprintf(path, sizeof(path), "/kubepods.slice/kubepods-pod%s.slice/crio-%s", leaf, ID_A);
	i = parse(path);
	CHECK_STR(i->pod_uid, "");
	CHECK_STR(i->runtime, "crio");
	snprintf(path, sizeof(path), "/kubepods/pod%s/%s", UID_DASH "0123", ID_A);
	CHECK_STR(parse(path)->pod_uid, "");
}

/* ---- the cache, on a fake cgroup2 tree (plain directories) -------------- */

#define ID_A2 "ca978112ca1bf00d0000000000000000000000000000000000000000000000aa"

static char root[64];

/* mkdir root/rel; its inode (the cgroup id on cgroup2), 0 on failure. */
static uint64_t mk(const char *rel)
{
	char p[1024];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	if (mkdir(p, 0755) && errno != EEXIST)
		return 0;
	return stat(p, &st) ? 0 : (uint64_t)st.st_ino;
}

static void touch(const char *rel)
{
	char p[1024];
	int fd;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

static void tree_new(void)
{
	snprintf(root, sizeof(root), "/tmp/loupe-unit-cgroups-XXXXXX");
	if (!mkdtemp(root))
		root[0] = 0;
	CHECK(root[0]);
}

static void tree_remove(void)
{
	if (root[0])
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	root[0] = 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

TEST(cgroups_walk_maps_ids_to_paths)
{
	uint64_t top, svc, nginx, parent, ctr, sub, conmon;
	const struct cgroup_info *i;
	struct cgroups *c = NULL;
	char lnk[600], mnt[600];
	struct stat st;

	tree_new();
	CHECK(!stat(root, &st));
	top = (uint64_t)st.st_ino;
	svc = mk("/system.slice");
	nginx = mk("/system.slice/nginx.service");
	parent = mk("/libpod_parent");
	ctr = mk("/libpod_parent/libpod-" ID_A);
	sub = mk("/libpod_parent/libpod-" ID_A "/sub");
	conmon = mk("/libpod_parent/libpod-conmon-" ID_A);
	touch("/cgroup.procs");
	touch("/system.slice/nginx.service/cgroup.procs");
	/* a symlink to a directory is no cgroup (cgroupfs has none) */
	snprintf(lnk, sizeof(lnk), "%s/link", root);
	CHECK(!symlink("system.slice", lnk));
	CHECK(svc && nginx && parent && ctr && sub && conmon);

	snprintf(mnt, sizeof(mnt), "%s//", root);  /* trailing slashes are fine */
	CHECK_EQ(cgroups__new(&c, mnt), 0);
	if (!c)
		goto out;
	CHECK_STR(cgroups__mount(c), root);
	CHECK_EQ(cgroups__count(c), 7);
	CHECK_EQ(cgroups__walks(c), 1);
	i = cgroups__get(c, top);
	CHECK_STR(i->path, "/");
	CHECK_STR(i->name, "-");
	CHECK_EQ(i->id, top);
	CHECK_STR(cgroups__get(c, svc)->path, "/system.slice");
	i = cgroups__get(c, nginx);
	CHECK_STR(i->path, "/system.slice/nginx.service");
	CHECK_STR(i->name, "nginx.service");
	CHECK_EQ(i->id, nginx);
	CHECK_STR(cgroups__get(c, parent)->name, "libpod_parent");
	i = cgroups__get(c, ctr);
	CHECK_STR(i->path, "/libpod_parent/libpod-" ID_A);
	CHECK_STR(i->container, ID_A);
	CHECK_STR(i->runtime, "podman");
	CHECK_STR(i->name, "ca978112ca1b");
	i = cgroups__get(c, sub);
	CHECK_STR(i->path, "/libpod_parent/libpod-" ID_A "/sub");
	CHECK_STR(i->name, "ca978112ca1b");
	i = cgroups__get(c, conmon);
	CHECK_STR(i->container, "");
	CHECK_STR(i->name, "libpod-conmon-" ID_A);
	/* the same answer again (from the parsed copy) */
	CHECK_STR(cgroups__get(c, ctr)->container, ID_A);
	CHECK_EQ(cgroups__walks(c), 1);
out:
	cgroups__free(c);
	tree_remove();
}

TEST(cgroups_new_without_a_tree)
{
	struct cgroups *c = (struct cgroups *)1;

	CHECK_EQ(cgroups__new(&c, "/nonexistent/loupe-cgroup2"), -ENOENT);
	CHECK(c == NULL);
	CHECK_EQ(cgroups__new(&c, "/dev/null"), -ENOTDIR);
	cgroups__free(NULL);
}

TEST(cgroups_added_entries_win_removed_cgroups_keep_paths)
{
	uint64_t svc, gone, later;
	const struct cgroup_info *i;
	struct cgroups *c = NULL;
	char p[600];

	tree_new();
	svc = mk("/system.slice");
	gone = mk("/libpod_parent");
	gone = mk("/libpod_parent/libpod-" ID_B);
	CHECK(svc && gone);
	CHECK_EQ(cgroups__new(&c, root), 0);
	if (!c)
		goto out;
	CHECK_EQ(cgroups__count(c), 4);

	/* cgroup_mkdir events: new ids, and newer paths for known ones */
	CHECK_EQ(cgroups__add(c, 123456789, "/machine.slice/libpod-" ID_A ".scope"), 0);
	i = cgroups__get(c, 123456789);
	CHECK_STR(i->container, ID_A);
	CHECK_STR(i->path, "/machine.slice/libpod-" ID_A ".scope");
	CHECK_STR(cgroups__get(c, svc)->name, "system.slice");
	CHECK_EQ(cgroups__add(c, svc, "/system.slice/renamed.service"), 0);
	CHECK_STR(cgroups__get(c, svc)->name, "renamed.service");
	CHECK_EQ(cgroups__add(c, svc, "/system.slice/renamed.service"), 0);
	CHECK_EQ(cgroups__count(c), 5);
	CHECK_EQ(cgroups__add(c, 5, ""), -EINVAL);
	CHECK_EQ(cgroups__add(c, 5, NULL), -EINVAL);

	/* podman --rm: the cgroup is gone, its id still names it, also after a
	 * walk that no longer finds it */
	later = mk("/later");  /* first: ext4 may give it the removed one's inode */
	snprintf(p, sizeof(p), "%s/libpod_parent/libpod-%s", root, ID_B);
	CHECK(!rmdir(p));
	usleep(110 * 1000);
	i = cgroups__get(c, later);  /* a walk: made since */
	CHECK_STR(i->path, "/later");
	CHECK_EQ(cgroups__walks(c), 2);
	i = cgroups__get(c, gone);
	CHECK_STR(i->path, "/libpod_parent/libpod-" ID_B);
	CHECK_STR(i->container, ID_B);
	CHECK_STR(i->name, "3e23e8160039");

	/* unknown: the number */
	usleep(110 * 1000);
	i = cgroups__get(c, 18446744073709551615ULL);
	CHECK_STR(i->path, "");
	CHECK_STR(i->name, "18446744073709551615");
	CHECK_STR(i->container, "");
	CHECK(i->id == 18446744073709551615ULL);
	/* an event's id becomes known later through cgroup_mkdir */
	CHECK_EQ(cgroups__add(c, 18446744073709551615ULL, "/late"), 0);
	CHECK_STR(cgroups__get(c, 18446744073709551615ULL)->name, "late");
out:
	cgroups__free(c);
	tree_remove();
}

TEST(cgroups_walk_again_once_per_unknown_id_at_most_every_100ms)
{
	const struct cgroup_info *i;
	struct cgroups *c = NULL;
	uint64_t t0, made;

	tree_new();
	t0 = now_ns();
	CHECK_EQ(cgroups__new(&c, root), 0);
	if (!c)
		goto out;
	made = mk("/made-since");
	i = cgroups__get(c, made);
	if (now_ns() - t0 < 90 * 1000000ULL) {  /* else the machine is too busy to tell */
		CHECK_STR(i->path, "");
		CHECK_EQ(strtoull(i->name, NULL, 10), made);
		CHECK_EQ(cgroups__walks(c), 1);
	}
	usleep(110 * 1000);
	CHECK_STR(cgroups__get(c, made)->path, "/made-since");
	CHECK_EQ(cgroups__walks(c), 2);
	/* a cached id never walks */
	usleep(110 * 1000);
	CHECK_STR(cgroups__get(c, made)->path, "/made-since");
	CHECK_EQ(cgroups__walks(c), 2);
	/* an id no walk finds: one walk, then never again */
	CHECK_STR(cgroups__get(c, 7)->name, "7");
	CHECK_EQ(cgroups__walks(c), 3);
	usleep(110 * 1000);
	CHECK_STR(cgroups__get(c, 7)->name, "7");
	CHECK_EQ(cgroups__walks(c), 3);
	/* another unknown id has its own walk */
	CHECK_STR(cgroups__get(c, 8)->name, "8");
	CHECK_EQ(cgroups__walks(c), 4);
out:
	cgroups__free(c);
	tree_remove();
}

TEST(cgroups_find_container)
{
	char dir[1024], cand[256], want[1024];
	struct cgroups *c = NULL;

	tree_new();
	mk("/libpod_parent");
	mk("/libpod_parent/libpod-" ID_A);
	mk("/libpod_parent/libpod-" ID_A "/sub");   /* the same container, nested */
	mk("/libpod_parent/libpod-conmon-" ID_B);   /* a helper, no container */
	mk("/libpod_parent/libpod-" ID_A2);         /* shares 12 digits with ID_A */
	mk("/system.slice");
	mk("/system.slice/docker-" ID_B ".scope");
	mk("/system.slice/docker-" ID_B ".scope/init.scope");
	CHECK_EQ(cgroups__new(&c, root), 0);
	if (!c)
		goto out;

	/* unique, any case; the topmost cgroup of the container */
	CHECK_EQ(cgroups__find_container(c, "3e2", dir, sizeof(dir), cand, sizeof(cand)), 0);
	snprintf(want, sizeof(want), "%s/system.slice/docker-%s.scope", root, ID_B);
	CHECK_STR(dir, want);
	CHECK_STR(cand, "");
	CHECK_EQ(cgroups__find_container(c, "3E23e816", dir, sizeof(dir), NULL, 0), 0);
	CHECK_STR(dir, want);
	CHECK_EQ(cgroups__find_container(c, ID_B, dir, sizeof(dir), NULL, 0), 0);
	CHECK_STR(dir, want);
	CHECK_EQ(cgroups__find_container(c, "ca978112ca1bb", dir, sizeof(dir), cand, sizeof(cand)), 0);
	snprintf(want, sizeof(want), "%s/libpod_parent/libpod-%s", root, ID_A);
	CHECK_STR(dir, want);

	/* ambiguous: both listed, by enough digits to tell them apart */
	CHECK_EQ(cgroups__find_container(c, "ca97", dir, sizeof(dir), cand, sizeof(cand)), -EEXIST);
	CHECK_STR(cand, "ca978112ca1bb (podman), ca978112ca1bf (podman)");
	CHECK_EQ(cgroups__find_container(c, "C", dir, sizeof(dir), cand, sizeof(cand)), -EEXIST);
	CHECK_STR(cand, "ca978112ca1bb (podman), ca978112ca1bf (podman)");
	/* a list that does not fit ends in "..." */
	CHECK_EQ(cgroups__find_container(c, "c", dir, sizeof(dir), cand, 30), -EEXIST);
	CHECK_STR(cand, "ca978112ca1bb (podman), ...");
	CHECK_EQ(cgroups__find_container(c, "c", dir, sizeof(dir), cand, 8), -EEXIST);
	CHECK_STR(cand, "...");
	CHECK_EQ(cgroups__find_container(c, "c", dir, sizeof(dir), NULL, 0), -EEXIST);

	/* none; not hex */
	CHECK_EQ(cgroups__find_container(c, "ff", dir, sizeof(dir), cand, sizeof(cand)), -ENOENT);
	CHECK_STR(cand, "");
	CHECK_EQ(cgroups__find_container(c, ID_A "0", dir, sizeof(dir), cand, sizeof(cand)), -ENOENT);
	CHECK_EQ(cgroups__find_container(c, "xyz", dir, sizeof(dir), cand, sizeof(cand)), -EINVAL);
	CHECK_EQ(cgroups__find_container(c, "", dir, sizeof(dir), cand, sizeof(cand)), -EINVAL);
	CHECK_EQ(cgroups__find_container(c, "3e2-", dir, sizeof(dir), cand, sizeof(cand)), -EINVAL);
	CHECK_EQ(cgroups__find_container(c, " 3e2", dir, sizeof(dir), cand, sizeof(cand)), -EINVAL);
	/* the directory does not fit */
	CHECK_EQ(cgroups__find_container(c, "3e2", dir, 20, cand, sizeof(cand)), -ENAMETOOLONG);
out:
	cgroups__free(c);
	tree_remove();
}

TEST(cgroups_walk_2000_cgroups_fast_and_get_is_a_hash_lookup)
{
	static uint64_t ids[2000];
	uint64_t t, walk_ns, get_ns;
	struct cgroups *c = NULL;
	char rel[128];
	int i, k, bad = 0;

	/* 20 slices of 99 cgroups, each with a few files as cgroupfs has */
	tree_new();
	for (i = 0; i < 2000; i++) {
		if (i % 100 == 0)
			snprintf(rel, sizeof(rel), "/slice-%d.slice", i / 100);
		else
			snprintf(rel, sizeof(rel), "/slice-%d.slice/libpod-%s-%d", i / 100, ID_A, i);
		ids[i] = mk(rel);
		strcat(rel, "/cgroup.procs");
		touch(rel);
	}
	t = now_ns();
	CHECK_EQ(cgroups__new(&c, root), 0);
	walk_ns = now_ns() - t;
	if (!c)
		goto out;
	CHECK_EQ(cgroups__count(c), 2001);
	t = now_ns();
	for (k = 0; k < 50; k++)
		for (i = 0; i < 2000; i++)
			bad += cgroups__get(c, ids[i])->path[0] != '/';
	get_ns = (now_ns() - t) / 100000;
	CHECK_EQ(bad, 0);
	CHECK_EQ(cgroups__walks(c), 1);
	fprintf(stderr, "  walk of 2001 directories: %.1f ms; get: %llu ns\n", walk_ns / 1e6,
		(unsigned long long)get_ns);
	CHECK(walk_ns < 2000 * 1000000ULL); /* hang catchers, not measurements */
	CHECK(get_ns < 20000);
out:
	cgroups__free(c);
	tree_remove();
}

TEST(proc_vpid_of_this_process_and_a_gone_one)
{
	CHECK_EQ(proc_vpid(getpid()), getpid());  /* the tests run in the initial namespace */
	CHECK_EQ(proc_vpid(0), -EINVAL);
	CHECK_EQ(proc_vpid(-1), -EINVAL);
	CHECK_EQ(proc_vpid(0x3fffffff), -ESRCH);
}

static int asked;

/* A stand-in for cgwatch_path: knows id 777 only. */
static int fake_cgwatch(uint64_t id, char *path, size_t len)
{
	asked++;
	if (id != 777)
		return -ENOENT;
	snprintf(path, len, "/machine.slice/libpod-%s.scope", ID_B);
	return 0;
}

TEST(cgroups_lookup_function_is_asked_before_walking)
{
	const struct cgroup_info *i;
	struct cgroups *c = NULL;

	tree_new();
	CHECK_EQ(cgroups__new(&c, root), 0);
	if (!c)
		goto out;
	cgroups__set_lookup(c, fake_cgwatch);
	usleep(110 * 1000);
	i = cgroups__get(c, 777);
	CHECK_STR(i->container, ID_B);
	CHECK_STR(i->path, "/machine.slice/libpod-" ID_B ".scope");
	CHECK_EQ(asked, 1);
	CHECK_EQ(cgroups__walks(c), 1);
	/* cached now: not asked again */
	CHECK_STR(cgroups__get(c, 777)->name, "3e23e8160039");
	CHECK_EQ(asked, 1);
	/* not known there either: a walk, then the number for good */
	CHECK_STR(cgroups__get(c, 778)->name, "778");
	CHECK_EQ(asked, 2);
	CHECK_EQ(cgroups__walks(c), 2);
	CHECK_STR(cgroups__get(c, 778)->name, "778");
	CHECK_EQ(asked, 2);
	cgroups__set_lookup(c, NULL);
	CHECK_STR(cgroups__get(c, 779)->name, "779");
	CHECK_EQ(asked, 2);
out:
	cgroups__free(c);
	tree_remove();
}
