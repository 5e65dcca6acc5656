/* tcpconnect wire types, shared by tcpconnect.bpf.c and tcpconnect.c. */
#ifndef TCPCONNECT_H
#define TCPCONNECT_H

#include "bpf/types.h"

#define TCP_MAX_PORTS 64

/* The traced syscalls, in the tool's numbering (bpf/syscalls.bpf.h idx). */
enum tcpconnect_syscall { SYS_CONNECT, SYS_ACCEPT, SYS_ACCEPT4, SYS__NR };

enum tcpconnect_flags {
	TCP_F_ACCEPT = 1,    /* an accepted connection (--accept) */
	TCP_F_PENDING = 2,   /* a non-blocking connect's outcome, after connect()
			      * returned EINPROGRESS */
	TCP_F_LAT = 4,       /* lat_ns is known (SYN_SENT to the outcome) */
};

/* One connect (or accept). Addresses in network byte order; IPv4 in the
 * first 4 bytes. Ports in host order. */
struct tcpconnect_event {
	struct loupe_event_hdr hdr;   /* the connecting (accepting) task's */
	__s32 ret;                    /* 0: established, or -errno */
	__u32 flags;                  /* enum tcpconnect_flags */
	__u16 family;                 /* AF_INET, AF_INET6 */
	__u16 lport;                  /* local port (0 when never bound) */
	__u16 rport;                  /* remote port */
	__u16 pad;
	__u8 laddr[16];
	__u8 raddr[16];
	__u64 lat_ns;                 /* connect latency, with TCP_F_LAT */
};

/* -c: connects counted in the kernel (map "counts"), keyed by what -k
 * picks; the fields it does not pick are zero. */
enum { TCP_BY_ADDR = 1, TCP_BY_PORT = 2, TCP_BY_LPORT = 4, TCP_BY_PROCESS = 8,
       TCP_BY_COMM = 16, TCP_BY_RESULT = 64 }; /* 32: -k dest, user space only */
struct tcpconnect_count_key {
	__u32 gen;       /* generation (bpf/summary.bpf.h) */
	__u16 family;    /* with BY_ADDR */
	__u16 port;      /* BY_PORT: the server's port */
	__u16 lport;     /* BY_LPORT */
	__u16 err;       /* BY_RESULT: the errno, 0 when established */
	__u32 pid;       /* BY_PROCESS */
	__u8 addr[16];   /* BY_ADDR: the other end */
	char comm[16];   /* BY_PROCESS, BY_COMM */
};

/* Configuration, in .rodata as cfg_tcp. */
struct tcpconnect_cfg {
	__u16 ports[TCP_MAX_PORTS];  /* -P: the server's port is one of these */
	__u8 nports;
	__u8 family;                 /* -4: 4, -6: 6, 0: both */
	__u8 failed_only;            /* -x */
	__u8 accept;                 /* --accept: accepted connections instead */
	__u32 count_by;              /* -c: TCP_BY_* bits; 0: one event each */
};

#ifndef __bpf__
_Static_assert(sizeof(struct tcpconnect_event) == 56 + 56, "tcpconnect_event layout");
_Static_assert(sizeof(struct tcpconnect_count_key) == 48, "tcpconnect_count_key layout");
_Static_assert(sizeof(struct tcpconnect_cfg) == 2 * TCP_MAX_PORTS + 8, "tcpconnect_cfg");
#endif

#endif
