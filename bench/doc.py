#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""bench/doc.py RESULTS_DIR: rewrites the generated part of docs/PERFORMANCE.md (BENCH_DOC_NOTE: what else ran on the machine meanwhile;
BENCH_DOC: another copy of the document to rewrite instead)
(between the bench-results markers: conditions, the tables of bench/report.py
and the verdicts with their figures) from one bench/run.sh results directory."""
import sys, re, os, glob, collections, statistics as st
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report
res = sys.argv[1]
doc = os.environ.get('BENCH_DOC') or os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'docs', 'PERFORMANCE.md')
cond = dict(l.split(': ', 1) for l in open(res + '/conditions.txt').read().splitlines() if ': ' in l)
table = open(res + '/table.md').read().strip()
d = report.load(res + '/results.tsv')
med = lambda x: st.median(list(x))
ser = lambda p, m, k: report.series(d, p, m, k)
V = lambda ok: "**met**" if ok else "**not met**"

def ratio(p, m, k):
    r, lo, hi = report.ratio(d, p, m, k)
    return r, lo, hi

floor = float(d.get(('attrib', 'nop'), {}).get('-', {}).get('stats_floor_ns', 0) or 0)

def cor(m):
    b = ser('attrib', m, 'bpf_s'); n = ser('attrib', m, 'bpf_runs'); by = ser('attrib', m, 'bytes')
    return [(b[k] - n.get(k, 0) * floor / 1e9) / (by[k] / 1e9) for k in b if by.get(k)]

def att(m):
    bpf = cor(m); tc = report.per_gb(d, 'attrib', m, 'tool_cpu_s')
    bb = cor('base')
    b = (med(bpf) - (med(bb) if bb else 0)) if bpf else 0.0
    t = med(tc) if tc else 0.0
    aev = ser('attrib', m, 'events'); aby = ser('attrib', m, 'bytes')
    epg = med(aev[k] / (aby[k] / 1e9) for k in aev if aev[k]) if aev and any(aev.values()) else 0
    return b, t, epg

base_cpu = med(ser('bulk', 'base', 'cpu_s_per_gb').values())
base_busy = base_cpu * med(ser('bulk', 'base', 'gbps').values()) / 8  # CPU-s per s
# A percentage that rounds to 0.0 is 0.0: no "-0.0 %" for a mode that adds nothing.
pct = lambda x: (lambda v: 0.0 if round(v, 1) == 0 else v)(100.0 * x / base_cpu)

def progs(mode):
    runs = collections.Counter(); ns = collections.Counter()
    for fn in glob.glob(os.path.join(res, 'attrib', mode + '.*.bpf')):
        for line in open(fn):
            w = line.split()
            if len(w) == 3:
                runs[w[0]] += int(w[1]); ns[w[0]] += int(w[2])
    return runs, ns

lb, lt, _ = att('loaded'); db, dt, _ = att('disabled'); cb, ct, cepg = att('capture'); zb, zt, _ = att('zstd')
tb, tt, _ = att('tcpdump'); bb_, bt, _ = att('bpftrace')
load_pct, dis_pct, cap_pct, zst_pct = pct(lb + lt), pct(db + dt), pct(cb + ct), pct(zb + zt)
tcpd_pct, bpft_pct = pct(tb + tt), pct(bb_ + bt)
dr, dns = progs('disabled')
early = sorted(dns[k] / dr[k] for k in dr if dr[k] > 10000)
cr, cns = progs('capture')
ctot = sum(cns.values()) or 1
def pshare(name):
    return (100.0 * cns[name] / ctot, cns[name] / cr[name] if cr[name] else 0)
thr = ratio('bulk', 'capture', 'gbps'); cpr = ratio('bulk', 'capture', 'cpu_s_per_gb')
dis_r = ratio('bulk', 'disabled', 'cpu_s_per_gb'); load_r = ratio('bulk', 'loaded', 'cpu_s_per_gb')
load_t = ratio('bulk', 'loaded', 'gbps')
tcp_r = ratio('bulk', 'tcpdump', 'cpu_s_per_gb'); bpf_r = ratio('bulk', 'bpftrace', 'cpu_s_per_gb')
ev = {m: med(ser('bulk', m, 'events').values()) for m in ('capture', 'tcpdump', 'bpftrace')}
cev = ser('bulk', 'capture', 'events'); cby = ser('bulk', 'capture', 'bytes')
epg = med(cev[k] / (cby[k] / 1e9) for k in cev)
budget_ns = 0.08 * base_cpu / epg * 1e9
now_ns = (cb + ct) / cepg * 1e9 if cepg else float('nan')
bpf_ns = cb / cepg * 1e9 if cepg else float('nan'); cons_ns = ct / cepg * 1e9 if cepg else float('nan')
# part 3
sus = d.get(('events', 'sustained'), {}); ovl = d.get(('events', 'overload'), {})
sus_rates = [float(kv['rate']) for kv in sus.values()]
sus_ok = all(int(kv['dropped']) == 0 and float(kv['rate']) >= 1.99e6 and float(kv['seconds']) >= 9.9 for kv in sus.values())
o = list(ovl.values())[0] if ovl else None
# part 4
f = d[('read', 'file')]['-']; nev = float(f['events'])
drate = nev / med(ser('read', 'decode', 'seconds').values())
wrate = med(ser('read', 'walk', 'bytes').values()) / med(ser('read', 'walk', 'seconds').values()) / 1e6
tsh = ser('read', 'tshark', 'seconds'); x = med(tsh.values()) / med(ser('read', 'decode', 'seconds').values()) if tsh else None
syn = ser('read', 'synthetic', 'rate')
# part 5
fb = ser('bulk', 'capture', 'file_bytes'); bpe = med(fb[k] / cev[k] for k in fb)
zfb = ser('bulk', 'zstd', 'file_bytes'); zev = ser('bulk', 'zstd', 'events'); zbpe = med(zfb[k] / zev[k] for k in zfb)
mix = d.get(('read', 'mix'), {}); mtot = sum(int(kv['count']) for kv in mix.values()) or 1
def mshare(name):
    for eid, kv in mix.items():
        if report.TCP_EVENT_NAMES.get(int(eid)) == name:
            return 100.0 * int(kv['count']) / mtot, int(kv['bytes']) / int(kv['count'])
    return 0.0, 0
small = sum(int(kv['count']) for kv in mix.values() if int(kv['bytes']) / int(kv['count']) < 64)
ing, egr, tms, snd = pshare('tcp_elog_ingress'), pshare('tcp_elog_egress'), pshare('tcp_elog_tmr_start'), pshare('tcp_elog_send_len')

# The long series (1-2d), the sampled series (1-2e) and the primitives (1-2f),
# when the run has them.
# report.precise/sampled compute the figures (their tables are in table.md).
class Quiet(report.Table):
    """A table that prints nothing: only the figures are wanted here."""
    def flush(self):
        self.rows = []
pres = report.precise(d, Quiet(False))
pre = {m: (v[1][0], v[1][1], v[0][0], v[0][1]) for m, v in pres.items() if m in ('capture', 'tcpdump')}
if 'capture/tcpdump' in pres:
    pre['capture/tcpdump'] = pres['capture/tcpdump']
npre = len(ser('precise', 'base', 'gbps'))
prim = {m: float(d[('prims', m)]['1']['ns']) for m in ('call', 'clock_boot', 'pid_tgid', 'hash_lookup', 'count_add',
                                                     'ring_same', 'ring_batched', 'ring_other')
        if ('prims', m) in d}
def ci(r, c):
    return f"{r:.3f} [{c[0]:.3f}-{c[1]:.3f}]" if c[0] is not None else f"{r:.3f}"
def civ(c, limit, upper):
    v = report.ci_verdict(c, limit, upper)
    return {"MET": "**met**", "NOT MET": "**not met**"}.get(v, "*not resolved* (the interval spans %g)" % limit)
segs = {m: med(report.per_gb(d, 'precise', m, 'segs')) for m in ('base', 'capture', 'tcpdump')
        if report.per_gb(d, 'precise', m, 'segs')}
segs_txt = ''
if 'base' in segs and 'capture' in segs:
    same = abs(segs['capture'] / segs['base'] - 1) <= 0.05
    segs_txt = (f"The flow's TCP segments per GB: base {segs['base']:,.0f}, capture {segs['capture']:,.0f}"
                + (f", tcpdump {segs['tcpdump']:,.0f}" if 'tcpdump' in segs else '')
                + (": within 5 %, so the capture does not change how the stack aggregates."
                   if same else ": the capture changes how the stack aggregates, which the ratios include."))
long1 = 'The long series was not measured in this run.'
if 'capture' in pre:
    cr_, cc_, tr_, tc_ = pre['capture']
    long1 = (f"The long series (part 1-2d: base, capture, tcpdump"
             + (", the placebo" if ("precise", "placebo") in d else "")
             + f", each alone, {npre} interleaved "
             f"rounds of 4 s, 90 % bootstrap intervals) measures the target as it is worded, "
             f"directly: capture **{ci(tr_, tc_)}×** throughput (≥ 0.95: {civ(tc_, 0.95, False)}) and "
             f"**{ci(cr_, cc_)}** CPU per byte (≤ 1.08: {civ(cc_, 1.08, True)}). It and the attributed "
             f"figure measure different things: attribution adds up the CPU the capture's own code "
             f"runs; the direct ratio is what the machine does with it, which also moves with how "
             f"the flow's CPUs idle and wake up (tcpdump, which certainly adds work, reads "
             + (f"{pre['tcpdump'][0]:.3f} [{pre['tcpdump'][1][0]:.3f}-{pre['tcpdump'][1][1]:.3f}]" if 'tcpdump' in pre else "n/a")
             + " there). " + segs_txt)
long2 = ''
if 'capture/tcpdump' in pre:
    r_, c_ = pre['capture/tcpdump']
    long2 = (f" In the long series (the direct measure, with intervals): capture / tcpdump CPU per byte "
             f"**{ci(r_, c_)}**: {civ(c_, 1.0, True)}.")
smp = report.sampled(d, Quiet(False))
samp2 = ''
if 'capture/tcpdump' in smp:
    r_, c_ = smp['capture/tcpdump']
    cf = smp.get('capture_frac')
    tf = med(smp['tcpdump'].values()) / med(ser('profile', 'base', 'cpu_s_per_gb').values()) if ('profile', 'base') in d else None
    v = report.ci_verdict(c_, 1.0, True)
    samp2 = (f" Sampling (part 1-2e: perf on every CPU, each sample sorted by whose code it is in) "
             f"counts tcpdump's kernel work too: tcpdump "
             + (f"{100 * tf:+.1f} %" if tf is not None else "n/a")
             + f" of base's busy CPU per GB, the capture "
             + (f"{100 * cf:+.1f} %" if cf is not None else "n/a")
             + f" (a lower bound: its timer hooks run with interrupts off, where cpu-clock "
             f"cannot sample; the attributed measure, which sees them, reads {cap_pct:+.1f} %); capture / tcpdump "
             f"**{ci(r_, c_)}**: "
             + ("**not met**, the capture costs more even counted short" if v == "NOT MET" else
                "*not resolved* (the interval spans 1)" if v.startswith("not resolved") else
                "lower by sampling, which undercounts the capture: *not conclusive*")
             + ".")
whole = smp.get('whole', {}).get('capture')
if whole and whole['agree']:
    (wr, wc), (sr, sc) = whole['samples'], whole['stat']
    long1 += (f" In the sampled series (part 1-2e, whole machine) perf's busy samples and /proc/stat agree "
              f"round by round ({whole['agree'][0]:.2f}-{whole['agree'][1]:.2f}), so this kernel's tick-based "
              f"accounting does not skew the direct measures; there the capture's own code took "
              f"{100 * whole['tool']:+.1f} % of base's busy samples per GB and the rest of the machine "
              f"{whole['rest']:.3f}× base's, the whole {ci(wr, wc)}× base (/proc/stat {ci(sr, sc)}).")
sysd = pres.get('sys', {})
if 'capture' in sysd and sysd['base'].get('idle_entries'):
    b_, c_ = sysd['base'], sysd['capture']
    t_ = sysd.get('tcpdump')
    long1 += (f" Per GB in the long series, the capture's CPUs entered idle {c_['idle_entries'] / b_['idle_entries']:.2f}× "
              f"as often as base's and sent {c_['call_ipi'] / b_['call_ipi']:.2f}× the function-call IPIs"
              + (f" (tcpdump {t_['idle_entries'] / b_['idle_entries']:.2f}× and {t_['call_ipi'] / b_['call_ipi']:.2f}×)" if t_ else "")
              + ": work added on the flow's CPUs also makes them sleep and wake each other less often per byte.")
# The placebo (part 1-2d control): CPU work of a known amount in the same hooks.
ctl = report.placebo_control(d, Quiet(False), report.attrib(d, Quiet(False)), pres)
if ctl and 'placebo' in pres:
    pa, pb_ = ctl['added']['placebo'], ctl['busy']['base']
    (prt, prt_ci), (prc, prc_ci) = pres['placebo']
    pns = report.num(d.get(('placebo', 'setting'), {}).get('1', {}).get('ns'))
    long1 += (f" A control measures what that is worth here: the *placebo* (part 1-2d control; "
              f"bench/placebo.bpf.c: {pns:.0f} ns of spinning per segment in the capture's segment "
              f"hooks, nothing else) adds attributed {100 * pa / pb_:+.1f} % of base's busy CPU per GB, "
              f"and the long series reads **{ci(prc, prc_ci)}** CPU per byte and {ci(prt, prt_ci)}× "
              f"throughput, with "
              + (f"{ctl['idle']['placebo'] / ctl['idle']['base']:.2f}× base's idle entries per GB"
                 if ctl['idle']['base'] else "base's CPUs never idle (a busy machine: no ratio)")
              + f": the rest of the machine did {(ctl['busy']['placebo'] - pa) / pb_:.3f}× "
              f"base's busy CPU per byte.")
    if 'per_idle_us' in ctl:
        long1 += (f" That prices one idle entry at ~{ctl['per_idle_us']:.0f} µs of busy CPU on this VM "
                  f"(each is ended by a function-call IPI, one for one in the counts above; in a VM "
                  f"the host handles the halt and the IPI, likely why one costs this much here: "
                  f"these runs do not take it apart)")
        if 'capture_predicted' in ctl:
            long1 += (f", and with it the capture's attributed cost and its own fewer idle entries "
                      f"predict **{ctl['capture_predicted']:.3f}** for its direct ratio, against "
                      f"{ctl['capture_measured']:.3f} measured")
        long1 += "."
    else:
        long1 += " The placebo did not reduce the idle entries in this run, so it prices none."
    long1 += (" CPU work of a known size in the same place reads "
              + ("as a saving" if prc < 1 else f"as {100 * (prc - 1):+.1f} % (attributed {100 * pa / pb_:+.1f} %)")
              + " in the direct ratio: on this VM that ratio is not the capture's cost, and the "
              "verdict stays with the attributed measure, what the capture's code costs wherever "
              "it runs (where idling is cheap the direct ratio comes near it).")
prims_txt = 'The primitives (bench/prims.sh) were not measured in this run.'
if prim:
    prims_txt = (f"What the pieces cost here (part 1-2f, bench/prims.sh): a BPF-to-BPF call and its "
                 f"return ~{prim.get('call', 0):.0f} ns"
                 + (f" (return-stack mitigation here: {cond['spec_rstack_overflow']})" if 'spec_rstack_overflow' in cond else '')
                 + f", the boot clock every record is stamped with ~{prim.get('clock_boot', 0):.0f} ns, "
                 f"the thread id ~{prim.get('pid_tgid', 0):.0f} ns, a hash lookup ~{prim.get('hash_lookup', 0):.0f} ns, "
                 f"a per-CPU counter ~{prim.get('count_add', 0):.0f} ns. So a record's fixed part (clock, "
                 f"thread id, two calls, counter) is ~{prim.get('clock_boot', 0) + prim.get('pid_tgid', 0) + 2 * prim.get('call', 0) + prim.get('count_add', 0):.0f} ns "
                 f"before its ring write, and every helper call a hook makes per packet costs at least "
                 f"a call's ~{prim.get('call', 0):.0f} ns (the calls taken out so far are in the table of "
                 f"optimisations below).")

# The coalesced mode (timer_restart_us=50000), when the run has it.
coal = ''
if ('attrib', 'coalesced') in d and ('bulk', 'coalesced') in d:
    qb, qt, qepg = att('coalesced')
    qr, qns = progs('coalesced')
    qtms = qns['tcp_elog_tmr_start'] / qr['tcp_elog_tmr_start'] if qr['tcp_elog_tmr_start'] else 0
    qev = ser('bulk', 'coalesced', 'events'); qby = ser('bulk', 'coalesced', 'bytes')
    qepg_flat = med(qev[k] / (qby[k] / 1e9) for k in qev)
    qthr = ratio('bulk', 'coalesced', 'gbps'); qcpr = ratio('bulk', 'coalesced', 'cpu_s_per_gb')
    coal = (f"`net.inet.tcp.eventlog.timer_restart_us` (ours, default 0; commit 6c3308e) "
            f"leaves out the restarts of a running timer within N µs of its last logged "
            f"start; with 50 ms (mode *coalesced*) the capture records "
            f"{100 * (1 - qepg_flat / epg):.0f} % fewer events per GB and adds attributed "
            f"**{pct(qb + qt):+.1f} %** (against {cap_pct:+.1f} %; BPF {qb:.4f} against {cb:.4f} s/GB, "
            f"the consumer {qt:.4f} against {ct:.4f}): the timer-start hook still runs for every "
            f"restart ({qtms:.0f} ns per run, against {tms[1]:.0f} when every start is written), "
            f"so only the record is saved. Flat out: {qthr[0]:.2f}× [{qthr[1]:.2f}-{qthr[2]:.2f}] "
            f"throughput, {qcpr[0]:.3f} [{qcpr[1]:.2f}-{qcpr[2]:.2f}] CPU per byte. It is not the "
            f"targets' setting (it records less than everything), and even so the cost stays "
            f"above 8 %.")

# The ablations of the attribution series (bench/bulk.sh no-ring,
# no-delivery), when the run has them.
abl = 'The ablations (no-ring, no-delivery) were not measured in this run.'
if ('attrib', 'no-ring') in d and ('attrib', 'no-delivery') in d and cepg:
    nrb, nrt, _ = att('no-ring'); ndb, ndt, _ = att('no-delivery')
    nr_pct, nd_pct = pct(nrb + nrt), pct(ndb + ndt)
    ring_ns = (cb - nrb) / cepg * 1e9
    rest_ns = (nrb - ndb) / cepg * 1e9
    hook_ns = ndb / cepg * 1e9
    abl = (f"Taking pieces out of the capture bounds what any other way of delivering "
           f"the records could save (part 1-2b and the last columns of 1-2c: the "
           f"attribution series also runs the capture from two bench builds, "
           f"*no-ring*, where a record is not written and the consumer gets nothing, "
           f"and *no-delivery*, where the hooks build their records and drop them). "
           f"Per event: the ring write ~{ring_ns:.0f} ns, the rest of "
           f"delivery (the subscriber's slot, ring and counter lookups, the clock read of a "
           f"record its hook did not stamp) ~{rest_ns:.0f} ns, the consumer ~{cons_ns:.0f} ns, "
           f"and the hooks themselves ~{hook_ns:.0f} ns. With the ring and the consumer free "
           f"the capture would still add attributed **{nr_pct:+.1f} %**; with nothing delivered "
           f"at all, the hooks alone add **{nd_pct:+.1f} %**"
           + (", already above the 8 % budget before a single record leaves. "
              if nd_pct > 8 else ". ")
           + "No way of moving records to userspace can do better than the no-ring figure"
           + (", which is above 8 %" if nr_pct > 8 else "")
           + "; batching them per CPU was tried and is not kept (below: it took ~10 % off "
           "the BPF time and nothing off the flat-out cost). "
           + f"The hooks alone take ~{hook_ns:.0f} of the ~{budget_ns:.0f} ns per event the "
           f"budget allows, and there is no cheaper hook on these kernels (fentry/fexit "
           f"cannot load here).")
    if all(k in prim for k in ('ring_same', 'ring_batched', 'ring_other')):
        rs, rb, ro = prim['ring_same'], prim['ring_batched'], prim['ring_other']
        dearer = rb > rs + 10
        abl += (f" Written alone (part 1-2f, bench/ringcost), a 64-byte ring write costs "
                f"~{rs:.0f} ns with its reader on the same CPU and ~{rb:.0f} ns with the reader "
                f"on the other CPU reading in batches, as elog does (~{ro:.0f} ns when every "
                f"record is read as soon as it is committed, sharing the lines being written): "
                + (f"in this run, reading on the other CPU made the write ~{rb - rs:.0f} ns dearer "
                   f"(likely the producer taking back lines the reader's CPU read a lap before). "
                   if dearer else
                   "in this run, where the ring is read did not make the write dearer. ")
                + "Whether it does, and by how much, moves with where the host runs the two "
                "vCPUs; reading each CPU's ring on that CPU was tried and is not kept (below, "
                "*Each CPU's ring read on that CPU*). "
                + (f"The write costs ~{ring_ns - rb:.0f} ns more per event in the capture than "
                   f"alone, most likely from the caches it shares there with the flow, the hooks "
                   f"and the consumer; these runs do not take that apart. "
                   if ring_ns > rb + 5 else "")
                + f"A ring of our own, without the kernel ring buffer's lock and commit, "
                f"could save at most part of the ~{rs:.0f} ns of the write itself.")

analysis = f"""
### What holds, what does not, and why

(Figures from the tables above; "attributed" = part 1-2b, the CPU a mode
adds, measured directly, BPF run time corrected for what bpf_stats record
themselves; "flat out" = part 1-2, ratio of medians [min-max of the
per-round ratios].)

**1. Cost of the provider and of capturing.**
*Loaded, no subscriber*: no per-packet hook is attached without a subscriber
(docs/linux-mapping.md, "Hooks of the provider"), so nothing runs per packet: attributed **{load_pct:+.1f} %** CPU per
byte (flat out {load_r[0]:.3f} [{load_r[1]:.2f}-{load_r[2]:.2f}]); target ≤ 1 %: {V(load_pct <= 1)}.
*Subscribed, sessions disabled*: the per-packet and timer hooks are attached
and, with no session enabled anywhere, return after one array read
({early[0]:.0f}-{early[-1]:.0f} ns per run as recorded, of which ~{floor:.0f} ns is bpf_stats' own; commit 9eff1bb; a disabled
session's segments while other sessions are enabled cost a socket-storage
lookup, 100-140 ns per run before that commit): attributed **{dis_pct:+.1f} %** (flat out
{dis_r[0]:.3f} [{dis_r[1]:.2f}-{dis_r[2]:.2f}], which cannot resolve 2 % on this machine); target
≤ 2 %: {V(dis_pct <= 2)}.
*Capturing everything at VERBOSE*: attributed **{cap_pct:+.1f} %** CPU per byte; flat
out (part 1-2) {cpr[0]:.3f} [{cpr[1]:.2f}-{cpr[2]:.2f}] CPU per byte and **{thr[0]:.2f}×** [{thr[1]:.2f}-{thr[2]:.2f}]
throughput. Target ≤ 8 % CPU per byte: {V(cap_pct <= 8)} (by the attributed measure, the one
that counts the capture's own CPU). Target ≥ 0.95× throughput: this series' median says {V(thr[0] >= 0.95)}, but
it cannot resolve a few per cent: its per-round ratios span
{thr[1]:.2f}-{thr[2]:.2f}, and *loaded*, which runs nothing per packet, reads
{load_t[0]:.2f}× throughput and {load_r[0]:.3f} CPU per byte. Base keeps
{base_busy:.1f} of the 2 CPUs busy (the rest is idle: sender and receiver wait
for each other), so busy CPU per byte is not just the inverse of throughput. Where the added
CPU goes: BPF programs {100 * cb / (cb + ct):.0f} % (~{bpf_ns:.0f} ns per event), the consumer
(`elog`: ring → reorder window → file) {100 * ct / (cb + ct):.0f} % (~{cons_ns:.0f} ns per event). Of the
BPF time (part 1-2c): the ingress hook {ing[0]:.0f} % ({ing[1]:.0f} ns per received segment: it
parses the headers once, and emits IN and, for an ACK that advances snd_una, ACK;
the TCP options are walked for SACK blocks only when they are not just the
aligned timestamp), egress {egr[0]:.0f} % ({egr[1]:.0f} ns, OUT), the
timer-start hook {tms[0]:.0f} % ({tms[1]:.0f} ns; the RTO timer is re-armed on every ACK),
`sk_data_ready` {pshare('tcp_elog_data_ready')[0]:.0f} % (SB_WAKE), `sock_send_length` {snd[0]:.0f} % (USER_SEND).
At {epg:,.0f} events per GB, the 8 % budget is ~{budget_ns:.0f} ns of CPU per
event, BPF and consumer together; measured: ~{now_ns:.0f} ns.
{abl}
Every hook runs once per segment, timer restart, wakeup or send, and each
pays its socket lookup and its checks whether or not it writes a record.
Fewer records alone do not get there either: TIMER_START is a
quarter of the events (Linux re-arms the retransmit timer on nearly every
ACK and send), yet the hook that would log it still runs for every restart.
{coal or 'Coalescing timer restarts (`timer_restart_us`) was not measured in this run.'}
{prims_txt}
Earlier measurements by hand (same bulk series, bpf_stats): asking the ring
for its unread size ~30 ns (since replaced by a per-CPU count, 6dc9a3b);
sharing one ring between the CPUs added ~60-120 ns per record (egress and
`sk_data_ready` before and after cc3f811, which gave every CPU its own
ring); the change checks cost 84 ns per ingress run and 81 per egress run
at fc5f37f, most of it the six calls now gone.
{long1}

**2. Against tcpdump and bpftrace.** The capture records {ev['capture'] / ev['tcpdump']:.1f}× as many
events as `tcpdump -s 128` records packets (every segment both ways as IN and
OUT with decoded state, plus ACK, USER_SEND, RTT, CWND, timers) and
{ev['capture'] / ev['bpftrace']:.1f}× the lines of the bpftrace `tcp_probe` printer. bpftrace: flat
out {bpf_r[0]:.3f} [{bpf_r[1]:.2f}-{bpf_r[2]:.2f}] against the capture's {cpr[0]:.3f}, attributed {bpft_pct:+.1f} % against
{cap_pct:+.1f} %: by the attributed measure it costs more while recording less ({V(bpft_pct > cap_pct)}), by the
flat-out ratio {V(bpf_r[0] > cpr[0])}{" (the two are within that series' noise)" if bpf_r[1] <= cpr[2] and cpr[1] <= bpf_r[2] else ""}. tcpdump:
flat out {tcp_r[0]:.3f} [{tcp_r[1]:.2f}-{tcp_r[2]:.2f}] against the capture's {cpr[0]:.3f}: {V(tcp_r[0] > cpr[0])}{" by the medians, within that series' noise" if tcp_r[1] <= cpr[2] and cpr[1] <= tcp_r[2] else ""};
the attributed measure cannot compare them (tcpdump's attributed {tcpd_pct:+.1f} % is its own
process only: its copy of every packet, in the kernel's softirq, is not in
it).{long2}{samp2} On loopback tcpdump's
work is one 128-byte copy per GSO super-packet (up to 64 KiB) into an mmap'ed
ring; the capture runs several hooks per segment, looks up per-socket state
and writes several events, each a ring write and a consumer copy.

**3. Event rate.** {len(sus_rates)} runs of 2,000,000 events/s for 10 s into one
subscriber with `-b 4M` (achieved {min(sus_rates):,.0f}-{max(sus_rates):,.0f} events/s):
{'zero drops in every run' if sus_ok else 'see the table: not every run was clean'}: {V(sus_ok)}.
Flat out into a `-b 64K` subscriber ({float(o['rate']):,.0f} events/s emitted) the ring
overflows and every loss is counted: {int(o['delivered']):,} delivered (records in the
file, equal to its header count) + {int(o['dropped']):,} dropped = {int(o['delivered']) + int(o['dropped']):,}
= emitted: {V(int(o['delivered']) + int(o['dropped']) == int(o['emitted']))}.

**4. Decoding.** `elog -r` to text of a {nev:,.0f}-event bulk-transfer capture:
**{drate:,.0f} events/s** (target 1,500,000: {V(drate >= 1.5e6)}{'; ' + format(float(med(syn.values())), ',.0f') + ' on the synthetic file of bench/decode.sh' if syn else ''}); the
record walk **{wrate:,.0f} MB/s** (target 500: {V(wrate >= 500)}); tshark on the pcapng
export of the same capture (its default one-line text) takes **{x:.1f}×** as long
(target ≥ 10×: {V(x >= 10)}).

**5. Bytes per event.** A plain capture of bulk transfer averages **{bpe:.2f}
bytes per event** (target ≤ 64: {V(bpe <= 64)}). The file format is upstream's byte
for byte (elog(5): a 32-byte record header), so an event is 32 + its schema
payload: IN {mshare('IN')[1]:.0f} bytes, OUT and ACK {mshare('OUT')[1]:.0f}, USER_SEND and RTT {mshare('RTT')[1] or 56:.0f},
TIMER_START {mshare('TIMER_START')[1] or 48:.0f}; the average is a property of the event mix
({100.0 * small / mtot:.0f} % of the events are smaller than 64 bytes; IN is {mshare('IN')[0]:.0f} %, TIMER_START
{mshare('TIMER_START')[0]:.0f} %), not something the writer can shrink without breaking compatibility.
Capturing to `FILE.zst` (elog compresses as it writes) gives **{zbpe:.2f} bytes per
event** ({V(zbpe <= 64)}) for about {zst_pct - cap_pct:+.1f} % more CPU per byte than a plain
capture (attributed: zstd in the consumer).
"""

block = f"""<!-- bench-results-begin -->
### Figures

Measured {cond.get('date_utc_start','?')} - {cond.get('date_utc_end','?')[11:]} UTC with `bench/run.sh` on:

* machine: {cond.get('nproc')} vCPU ({cond.get('cpu')}), {int(cond.get('memory','0 kB').split()[0])//1024} MiB, Debian 12, kernel {cond.get('kernel')} (BTF; tick-based CPU accounting, HZ=250)
* TCP: congestion control {cond.get('tcp_congestion_control', 'not recorded')} (the host's default, which the benchmark's network namespace inherits); clocksource {cond.get('clocksource', 'not recorded')}
* source: {cond.get('source')}
* tools: {cond.get('iperf3')}; {cond.get('tcpdump')}; {cond.get('tshark','').rstrip('.')}; {cond.get('bpftrace','bpftrace: not installed')}
* runs: {cond.get('rounds')}
* conditions: {os.environ.get('BENCH_DOC_NOTE', 'shared machine')}; load average {cond.get('loadavg_start','?').split()[0]} at start, {cond.get('loadavg_end','?').split()[0]} at end; host tcp provider at start: {cond.get('host tcp provider at start','?')}{'; ' + cond['host tcp provider'] if 'host tcp provider' in cond else ''}; column "foreign provider": somebody else's eventlog hooks seen during a run
{table}
{analysis}<!-- bench-results-end -->"""
s = open(doc).read()
if not re.search(r'<!-- bench-results-begin -->.*<!-- bench-results-end -->', s, flags=re.S):
    sys.exit(f"bench/doc.py: {doc} has no bench-results markers to write between")
s = re.sub(r'<!-- bench-results-begin -->.*<!-- bench-results-end -->', lambda m: block, s, flags=re.S)
open(doc, 'w').write(s)
