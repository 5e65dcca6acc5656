// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconnect: TCP connects and their outcome, without kprobes.
 *
 * connect() comes from the syscall event source (per-syscall tracepoints):
 * the entry stashes the destination from the caller's sockaddr, per thread.
 * The socket is learnt at its move to SYN_SENT (raw_tp inet_sock_set_state,
 * which fires there in the connecting task's context), and the outcome at
 * its move out of SYN_SENT: ESTABLISHED, or CLOSE with sk->sk_err
 * (ECONNREFUSED, ETIMEDOUT; 0 when the process gave up: ECONNABORTED). That
 * move may come before connect() returns (loopback) or long after a
 * non-blocking connect returned EINPROGRESS, in softirq or timer context
 * where current is another task: the connect's own task, address and
 * times live in the map "conns", keyed by the socket, until the event is
 * sent. A connect that fails before SYN_SENT (ENETUNREACH, EADDRNOTAVAIL,
 * EACCES) is reported from its return value, once its fd is seen to be a
 * TCP socket. --accept reports accept()/accept4() of TCP sockets instead.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "loupe.bpf.h"
#include "events.bpf.h"
#include "stash.bpf.h"
#include "count.bpf.h"
#include "core_shims.h"
#include "tools/tcpconnect/tcpconnect.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define SOCK_STREAM 1
#define EINPROGRESS 115
#define ECONNABORTED 103
#define S_IFMT 00170000
#define S_IFSOCK 0140000

const volatile struct tcpconnect_cfg cfg_tcp = {};

/* connect()'s entry, until its exit */
struct call {
	__u64 sk;          /* set at SYN_SENT */
	__u64 ts;
	__u16 family;
	__u16 rport;
	__s32 fd;
	__u8 raddr[16];
};

LOUPE_STASH(calls, __u32, struct call, 16384);

/* a connect past SYN_SENT, by socket, until its event is sent */
struct conn {
	struct tcpconnect_event e;
	__u64 t_syn;
	__u8 done;         /* the outcome is known (e.ret, lat) */
	__u8 pending;      /* connect() returned EINPROGRESS */
};

LOUPE_STASH(conns, __u64, struct conn, 16384);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tcpconnect_count_key);
	__type(value, __u64);
} counts SEC(".maps");

/* the record of a connect that never reached SYN_SENT, or of an accept */
LOUPE_PERCPU_BUF(scratch_conn, struct conn);

static __always_inline bool v4_mapped(const __u8 *a)
{
	return !(a[0] | a[1] | a[2] | a[3] | a[4] | a[5] | a[6] | a[7] | a[8] | a[9]) &&
	       a[10] == 0xff && a[11] == 0xff;
}

/* -4 / -6: IPv4 includes v4-mapped IPv6 addresses */
static __always_inline bool family_pass(__u16 family, const __u8 *addr)
{
	bool v4 = family == AF_INET || (family == AF_INET6 && v4_mapped(addr));

	if (cfg_tcp.family == 4)
		return v4;
	if (cfg_tcp.family == 6)
		return !v4;
	return true;
}

/* -P: the server's port is one of the list */
static __always_inline bool port_pass(__u16 port)
{
	int i;

	if (!cfg_tcp.nports)
		return true;
	for (i = 0; i < TCP_MAX_PORTS; i++) {
		if (i >= cfg_tcp.nports)
			break;
		if (cfg_tcp.ports[i] == port)
			return true;
	}
	return false;
}

/* The local and remote address and port of sk. */
static __always_inline void sk_addrs(struct sock *sk, struct tcpconnect_event *e)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	e->family = family;
	e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		bpf_core_read(e->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->raddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(e->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* The TCP socket behind the current task's fd, or NULL. */
static __always_inline struct sock *tcp_sock_of_fd(int fd)
{
	struct file *f = loupe_task_file(fd);
	struct socket *sock;
	struct sock *sk;

	if (!f)
		return NULL;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP ||
	    BPF_CORE_READ(sk, sk_type) != SOCK_STREAM)
		return NULL;
	return sk;
}

/* Count or send a finished connect (or accept). */
static __always_inline void finish(struct tcpconnect_event *e)
{
	if (cfg_tcp.failed_only && e->ret >= 0)
		return;
	if (cfg_tcp.count_by) {
		struct tcpconnect_count_key k = {};
		__u32 by = cfg_tcp.count_by;

		if (by & TCP_BY_ADDR) {
			k.family = e->family;
			__builtin_memcpy(k.addr, e->raddr, 16);
		}
		if (by & TCP_BY_PORT)
			k.port = e->flags & TCP_F_ACCEPT ? e->lport : e->rport;
		if (by & TCP_BY_LPORT)
			k.lport = e->lport;
		if (by & TCP_BY_PROCESS)
			k.pid = e->hdr.pid;
		if (by & (TCP_BY_PROCESS | TCP_BY_COMM))
			__builtin_memcpy(k.comm, e->hdr.comm, 16);
		if (by & TCP_BY_RESULT)
			k.err = e->ret < 0 ? (__u16)-e->ret : 0;
		loupe_count_add(&counts, &k, 1);
		return;
	}
	loupe_output(e, sizeof(*e));
}

static __always_inline int connect_enter(__u64 fd, __u64 uaddr, __u64 len)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call c = { .ts = bpf_ktime_get_ns(), .fd = (__s32)fd };
	struct { __u16 family, port; __u32 flow_or_addr; __u8 addr6[16]; } sa = {};

	if (!loupe_filter_pass())
		return 0;
	if (len < 8 || bpf_probe_read_user(&sa, len < sizeof(sa) ? 8 : sizeof(sa), (void *)uaddr))
		return 0; /* not an inet address (the call fails by itself) */
	c.family = sa.family;
	c.rport = bpf_ntohs(sa.port);
	if (sa.family == AF_INET)
		__builtin_memcpy(c.raddr, &sa.flow_or_addr, 4);
	else if (sa.family == AF_INET6)
		__builtin_memcpy(c.raddr, sa.addr6, 16);
	else
		return 0; /* AF_UNSPEC (disconnect), AF_UNIX... */
	if (!family_pass(c.family, c.raddr) || !port_pass(c.rport))
		return 0;
	loupe_stash_put(&calls, &tid, &c);
	return 0;
}

static __always_inline int connect_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call *c = loupe_stash_get(&calls, &tid);
	struct conn *x;
	__u64 sk;

	if (!c)
		return 0;
	sk = c->sk;
	if (!sk) {
		/* no SYN_SENT: a failure before it, if this is TCP at all */
		struct sock *s;

		if (ret >= 0 || !(s = tcp_sock_of_fd(c->fd)) || !(x = scratch_conn_get()))
			goto out;
		__builtin_memset(&x->e, 0, sizeof(x->e));
		loupe_event_hdr(&x->e.hdr);
		sk_addrs(s, &x->e);
		x->e.family = c->family;
		x->e.rport = c->rport;
		__builtin_memcpy(x->e.raddr, c->raddr, 16);
		x->e.ret = (__s32)ret;
		finish(&x->e);
		goto out;
	}
	x = loupe_stash_get(&conns, &sk);
	if (!x)
		goto out;
	if (ret == -EINPROGRESS && !x->done) {
		x->pending = 1; /* the outcome comes later */
		goto out;
	}
	if (ret == -EINPROGRESS) {
		x->e.flags |= TCP_F_PENDING;
	} else {
		x->e.ret = (__s32)ret;
		if (!x->done) { /* e.g. interrupted: no state change yet */
			x->e.lat_ns = bpf_ktime_get_ns() - x->t_syn;
			x->e.flags |= TCP_F_LAT;
		}
	}
	finish(&x->e);
	loupe_stash_drop(&conns, &sk);
out:
	loupe_stash_drop(&calls, &tid);
	return 0;
}

static __always_inline int accept_exit(long ret)
{
	struct sock *s;
	struct conn *x;

	if (ret < 0 || !loupe_filter_pass() || !(s = tcp_sock_of_fd((int)ret)) ||
	    !(x = scratch_conn_get()))
		return 0;
	__builtin_memset(&x->e, 0, sizeof(x->e));
	sk_addrs(s, &x->e);
	if (!family_pass(x->e.family, x->e.raddr) || !port_pass(x->e.lport))
		return 0;
	loupe_event_hdr(&x->e.hdr);
	x->e.flags = TCP_F_ACCEPT;
	finish(&x->e);
	return 0;
}

static __always_inline int loupe_sys_enter(void *ctx, __u32 idx, long nr, const __u64 *args)
{
	if (idx == SYS_CONNECT && !cfg_tcp.accept)
		return connect_enter(args[0], args[1], args[2]);
	return 0;
}

static __always_inline int loupe_sys_exit(void *ctx, __u32 idx, long nr, long ret)
{
	if (idx == SYS_CONNECT)
		return cfg_tcp.accept ? 0 : connect_exit(ret);
	return cfg_tcp.accept ? accept_exit(ret) : 0;
}

#define LOUPE_SYS_ENTER 1
#define LOUPE_SYS_EXIT 1
#include "syscalls.bpf.h"

LOUPE_SYSCALL_TP(connect, SYS_CONNECT)
LOUPE_SYSCALL_TP(accept, SYS_ACCEPT)
LOUPE_SYSCALL_TP(accept4, SYS_ACCEPT4)

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(raw_inet_sock_set_state, const struct sock *sk, int oldstate, int newstate)
{
	__u64 key = (__u64)sk;
	struct conn *x;

	if (cfg_tcp.accept || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_SYN_SENT) {
		/* in connect(), in the connecting task: its stash entry */
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		struct call *c = loupe_stash_get(&calls, &tid);
		struct conn *n = scratch_conn_get();

		if (!c || !n)
			return 0;
		c->sk = key;
		__builtin_memset(n, 0, sizeof(*n));
		loupe_event_hdr(&n->e.hdr);
		n->e.family = c->family;
		n->e.rport = c->rport;
		__builtin_memcpy(n->e.raddr, c->raddr, 16);
		n->t_syn = bpf_ktime_get_ns();
		loupe_stash_put(&conns, &key, n);
		return 0;
	}
	if (oldstate != TCP_SYN_SENT)
		return 0;
	x = loupe_stash_get(&conns, &key);
	if (!x)
		return 0;
	/* the outcome: established, or closed with the socket's error */
	x->e.lat_ns = bpf_ktime_get_ns() - x->t_syn;
	x->e.flags |= TCP_F_LAT;
	if (newstate == TCP_ESTABLISHED) {
		x->e.ret = 0;
	} else {
		int err = BPF_CORE_READ(sk, sk_err);

		x->e.ret = -(err ? err : ECONNABORTED);
	}
	/* the local port is bound by now */
	x->e.lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (x->e.family == AF_INET)
		bpf_core_read(x->e.laddr, 4, &sk->__sk_common.skc_rcv_saddr);
	else
		bpf_core_read(x->e.laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	x->done = 1;
	if (x->pending) {
		x->e.flags |= TCP_F_PENDING;
		finish(&x->e);
		loupe_stash_drop(&conns, &key);
	}
	return 0;
}
