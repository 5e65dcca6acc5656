// SPDX-License-Identifier: GPL-2.0
/* tcpconnect: who connects where over TCP, and with what outcome. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loupe.h"
#include "count.h"
#include "event.h"
#include "parse.h"
#include "syscalls.h"
#include "tools/tcpconnect/tcpconnect.h"
#include "tcpconnect.skel.h"

static struct loupe_opts o;
static struct tcpconnect_cfg cfg;
static bool v4, v6, show_lport, accepts;

/* -P PORT[,PORT...]: repeatable, up to TCP_MAX_PORTS in all */
static int port_item(void *ctx, const char *s, size_t len)
{
	uint64_t v;
	int err;

	if ((err = parse_u64_item(s, len, 1, 65535, &v)))
		return err;
	if (cfg.nports >= TCP_MAX_PORTS)
		return -E2BIG;
	cfg.ports[cfg.nports++] = (uint16_t)v;
	return 0;
}

static int parse_ports(const char *arg, void *dst)
{
	struct tcpconnect_cfg saved = cfg;
	int err = parse_list(arg, port_item, dst);

	if (err)
		cfg = saved;
	return err;
}

/* -k keys, in the order of the key bits */
static const char *const by_names[] = { "addr", "port", "lport", "process", "comm", "dest",
					"result", NULL };

static const struct tool_opt opts[] = {
	{ 'P', "port", "PORT[,...]", "only these server ports (1-65535; at most 64)",
	  parse_ports, &cfg, TOOL_OPT_REPEAT },
	{ '4', "ipv4", NULL, "only IPv4 (v4-mapped IPv6 included)", NULL, &v4 },
	{ '6', "ipv6", NULL, "only IPv6", NULL, &v6 },
	{ 'L', "lport", NULL, "show the local port (LPORT)", NULL, &show_lport },
	{ 0, "accept", NULL, "connections accepted here (inbound), not connects", NULL,
	  &accepts },
	{ 0 },
};

/* bcc's, libbpf-tools' and tcpconnlat's spellings that mean something
 * else here (doc/compat.tsv) */
#define NO_DNS "bcc's -d (DNS queries) has no counterpart; -d is the duration here"
#define SPORT "libbpf-tools' -s (source port) is -L here; with -c, -k lport"
#define CGMAP "libbpf-tools' -C takes a pinned BPF map; here -C is the CONTAINER column " \
	"and --cgroup takes a cgroup v2 directory"
#define MNTNS "libbpf-tools' -M (mount namespaces) has no counterpart; filter by " \
	"--cgroup PATH or --container ID"
static const struct opt_hint hints[] = {
	{ "-d", NULL, HINT_ANY, NO_DNS },
	{ "--dns", NULL, HINT_ANY, NO_DNS },
	{ "-s", NULL, HINT_ANY, SPORT },
	{ "--source-port", NULL, HINT_ANY, SPORT },
	{ "-C", "MAP", HINT_ANY, CGMAP },
	{ "--C", "MAP", HINT_ANY, CGMAP },
	{ "-M", "MAP", HINT_ANY, MNTNS },
	{ "--M", "MAP", HINT_ANY, MNTNS },
	{ NULL, "MIN_MS", HINT_NUMBER, "tcpconnlat's min_ms has no counterpart: -e shows "
	  "every connect's LAT(ms); keep the slow ones with -e -j | "
	  "jq 'select(.type==\"event\" and .lat_ns >= %s * 1e6)'" },
	{ 0 }
};

static const struct loupe_tool tool = {
	.name = "tcpconnect",
	.summary = "Trace TCP connects (or, with --accept, accepted connections): who\n"
		   "connects where, and the outcome: established, or the error\n"
		   "(ECONNREFUSED, ETIMEDOUT...), also for non-blocking connects.",
	.usage = "[OPTIONS] [--exec CMD [ARG...]]",
	.shared = OPTS_PER_EVENT | OPT(O_FAILED) | OPT(O_EXTENDED) | OPT(O_COUNT) |
		  OPT(O_BY) | OPT(O_TOP) | OPT(O_INTERVAL) | OPT(O_TEXTFILE),
	.opts = opts,
	.by_keys = by_names,
	.shared_help = (const char *const[O__NR]){
		[O_FAILED] = "only failed connects",
		[O_EXTENDED] = "LAT(ms): the connect's latency (SYN sent to outcome)",
		[O_BY] = "count by: dest, addr, port, lport, process, comm, result",
	},
	.needs_btf = true,
	.examples =
		"  tcpconnect                    # every TCP connect and its outcome\n"
		"  tcpconnect -x -T              # only failed connects, with times\n"
		"  tcpconnect -P 80,443 -e       # to web ports, with connect latency\n"
		"  tcpconnect -c -k dest --top 10  # the 10 destinations most used\n"
		"  tcpconnect --accept -P 22 -c  # who connects to my port 22\n"
		"  tcpconnect -c -k result,port  # outcomes (ok, ECONNREFUSED...) per port\n"
		"  tcpconnect -6 -L -U           # IPv6 only, local port, user ID\n"
		"  tcpconnect -j | jq -c 'select(.type==\"event\")'  # JSON\n",
	.hints = hints,
};

enum { C_COUNT, LOUPE_EVENT_COLS, C_IP, C_SADDR, C_LPORT, C_DADDR, C_DPORT, C_RADDR,
       C_RPORT, C_LADDR, C_LPORT2, C_RESULT, C_RET, C_ERR, C_ERRNO, C_LAT, C_LAT_NS,
       C_NONBLOCK, C_ADDR, C_PORT, C__NR };
static const struct col cols[] = {
	[C_COUNT]  = { "COUNT", "count", 7, 0 },
	LOUPE_EVENT_COL_DEFS,
	[C_IP]     = { "IP", "ip", 2, COL_JSON },
	/* connect: our end, the other end */
	[C_SADDR]  = { "SADDR", "saddr", 15, COL_LEFT | COL_JSON },
	[C_LPORT]  = { "LPORT", "lport", 5, COL_JSON },
	[C_DADDR]  = { "DADDR", "daddr", 15, COL_LEFT },
	[C_DPORT]  = { "DPORT", "dport", 5, 0 },
	/* --accept: the client, our end */
	[C_RADDR]  = { "RADDR", "raddr", 15, COL_LEFT },
	[C_RPORT]  = { "RPORT", "rport", 5, 0 },
	[C_LADDR]  = { "LADDR", "laddr", 15, COL_LEFT },
	[C_LPORT2] = { "LPORT", "lport", 5, 0 },
	/* text RESULT: "ok" or the errno name; JSON ret/errno/errno_name */
	[C_RESULT] = { "RESULT", "result", 12, COL_LEFT | COL_TEXT },
	[C_RET]    = { "", "ret", 0, COL_JSON },
	[C_ERR]    = { "", "errno", 0, COL_JSON },
	[C_ERRNO]  = { "", "errno_name", 0, COL_JSON },
	[C_LAT]    = { "LAT(ms)", "lat_ms", 8, COL_TEXT },
	[C_LAT_NS] = { "", "lat_ns", 0, COL_JSON },
	[C_NONBLOCK] = { "", "nonblocking", 0, COL_JSON },
	/* -c keys */
	[C_ADDR]   = { "ADDR", "addr", 15, COL_LEFT },
	[C_PORT]   = { "PORT", "port", 5, 0 },
};
static const char *const sys_names[SYS__NR] = { "connect", "accept", "accept4" };

static struct out out;

static void addr_cell(struct out *t, int col, uint16_t family, const uint8_t *a)
{
	out_addr(t, col, family == AF_INET6 ? AF_INET6 : AF_INET, a);
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct tcpconnect_event *e = data;

	if (size < sizeof(*e))
		return -EINVAL;
	out_row_begin(&out);
	out_event_hdr(&out, C_TIME, &e->hdr);
	out_uint(&out, C_IP, e->family == AF_INET6 ? 6 : 4);
	if (e->flags & TCP_F_ACCEPT) {
		addr_cell(&out, C_RADDR, e->family, e->raddr);
		out_uint(&out, C_RPORT, e->rport);
		addr_cell(&out, C_LADDR, e->family, e->laddr);
		out_uint(&out, C_LPORT2, e->lport);
	} else {
		addr_cell(&out, C_SADDR, e->family, e->laddr);
		if (e->lport)
			out_uint(&out, C_LPORT, e->lport);
		addr_cell(&out, C_DADDR, e->family, e->raddr);
		out_uint(&out, C_DPORT, e->rport);
		out_errno(&out, C_RET, C_ERR, C_ERRNO, e->ret);
		if (e->ret >= 0)
			out_cstr(&out, C_RESULT, "ok");
		else
			out_errno(&out, -1, -1, C_RESULT, e->ret);
		if (e->flags & TCP_F_LAT) {
			out_fixed(&out, C_LAT, (double)e->lat_ns / 1e6, 3);
			out_uint(&out, C_LAT_NS, e->lat_ns);
		}
		if (e->flags & TCP_F_PENDING)
			out_bool(&out, C_NONBLOCK, true);
	}
	out_row_end(&out, "event");
	return 0;
}

/* -c: a row of the count table */
static void count_cells(struct out *t, const void *key, void *ctx)
{
	const struct tcpconnect_count_key *k = key;
	uint32_t by = *(uint32_t *)ctx;

	if (by & TCP_BY_ADDR) {
		out_uint(t, C_IP, k->family == AF_INET6 ? 6 : 4);
		addr_cell(t, C_ADDR, k->family, k->addr);
	}
	if (by & TCP_BY_PORT)
		out_uint(t, C_PORT, k->port);
	if (by & TCP_BY_LPORT)
		out_uint(t, C_LPORT2, k->lport);
	if (by & TCP_BY_RESULT) {
		out_errno(t, -1, C_ERR, C_ERRNO, -(int64_t)k->err);
		if (k->err)
			out_errno(t, -1, -1, C_RESULT, -(int64_t)k->err);
		else
			out_cstr(t, C_RESULT, "ok");
	}
	out_uint(t, C_PID, k->pid);
	out_str(t, C_COMM, k->comm, strnlen(k->comm, sizeof(k->comm)));
}

/* --textfile: the count table's columns as labels */
static struct count_prom prom = {
	.labels = (const char *const[C__NR]){ [C_ADDR] = "addr", [C_PORT] = "port",
		[C_LPORT2] = "lport", [C_PID] = "pid", [C_COMM] = "comm",
		[C_RESULT] = "result" },
};

static uint32_t shown_cols(uint32_t by)
{
	uint32_t shown;

	if (o.count)
		return OUT_BIT(C_COUNT) | (by & TCP_BY_PROCESS ? OUT_BIT(C_PID) : 0) |
		       (by & (TCP_BY_PROCESS | TCP_BY_COMM) ? OUT_BIT(C_COMM) : 0) |
		       (by & TCP_BY_ADDR ? OUT_BIT(C_IP) | OUT_BIT(C_ADDR) : 0) |
		       (by & TCP_BY_PORT ? OUT_BIT(C_PORT) : 0) |
		       (by & TCP_BY_LPORT ? OUT_BIT(C_LPORT2) : 0) |
		       (by & TCP_BY_RESULT ? OUT_BIT(C_RESULT) : 0);
	shown = event_cols_shown(&o, C_TIME) | OUT_BIT(C_IP);
	if (accepts)
		return shown | OUT_BIT(C_RADDR) | OUT_BIT(C_RPORT) | OUT_BIT(C_LADDR) |
		       OUT_BIT(C_LPORT2);
	return shown | OUT_BIT(C_SADDR) | (show_lport ? OUT_BIT(C_LPORT) : 0) |
	       OUT_BIT(C_DADDR) | OUT_BIT(C_DPORT) | OUT_BIT(C_RESULT) |
	       (o.extended ? OUT_BIT(C_LAT) : 0);
}

int main(int argc, char **argv)
{
	struct bpf_object_open_opts oo;
	struct tcpconnect_bpf *skel;
	struct sys_choice sc;
	uint32_t by;
	int err;

	loupe_parse(&tool, argc, argv, &o);
	if (v4 && v6)
		loupe_usage_error("-4 and -6 exclude each other");
	if (accepts && (o.failed || o.extended || show_lport))
		loupe_usage_error("--accept shows accepted connections: not with %s",
				  o.failed ? "-x" : o.extended ? "-e" : "-L (LPORT is shown)");
	by = count_by_option(&o, accepts ? "process,addr,port" : "process,dest", tool.by_keys);
	if (by & 32) /* dest: the address and its port */
		by = (by & ~32u) | TCP_BY_ADDR | TCP_BY_PORT;
	prom.metric = accepts ? "accepts_total" : o.failed ? "failed_connects_total" :
		      "connects_total";
	prom.help = accepts ? "Accepted TCP connections (tcpconnect --accept -c), as -k says" :
		    "TCP connects (tcpconnect -c; with -x failed ones), as -k says "
		    "(result: ok or the errno)";
	loupe_start(&tool, &o);
	out_init(&out, stdout, o.json, cols, C__NR, shown_cols(by));

	/* open: CO-RE reads of sockets */
	skel = tcpconnect_bpf__open_opts(skel_core_opts(&oo));
	if (!skel)
		return loupe_fail("open BPF object", -errno);

	/* configure: filters, ports, the syscalls' tracepoints */
	err = loupe_configure(skel->skeleton, &o);
	if (err)
		goto out;
	cfg.family = v4 ? 4 : v6 ? 6 : 0;
	cfg.failed_only = o.failed;
	cfg.accept = accepts;
	cfg.count_by = by;
	skel->rodata->cfg_tcp = cfg;
	err = syscalls_choose(skel->skeleton, accepts ? sys_names + 1 : sys_names,
			      accepts ? 2 : 1, false, SYS_SRC_TRACEPOINTS, &sc);
	if (err) {
		err = loupe_fail("no connect/accept syscall to trace on this kernel", err);
		goto out;
	}
	if (accepts)
		bpf_program__set_autoload(skel->progs.raw_inet_sock_set_state, false);

	/* load */
	err = loupe_loaded(skel->skeleton, &o, tcpconnect_bpf__load(skel));
	if (err)
		goto out;

	/* attach */
	err = loupe_attached(skel->skeleton, tcpconnect_bpf__attach(skel));
	if (err)
		goto out;
	loupe_info(1, "hooks: %s%s", sc.desc, accepts ? "" : "; raw_tp sock:inet_sock_set_state");

	/* run */
	fprintf(stderr, "Tracing %s... Hit Ctrl-C to end.\n",
		accepts ? "accepted TCP connections" : "TCP connects");
	if (!o.count)
		out_header(&out);
	err = o.count ? count_run(skel->skeleton, skel->maps.counts, &out, C_COUNT, C_TIME,
				  count_cells, &by, &prom, &o) :
		loupe_poll(skel->maps.events, on_event, NULL, &o);
	err = loupe_finish(skel->skeleton, &o, err);
out:
	tcpconnect_bpf__destroy(skel);
	return err;
}
