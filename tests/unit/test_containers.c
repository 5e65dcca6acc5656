#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
