# SPDX-License-Identifier: BSD-2-Clause
# providers/tcp: the TCP provider. Kernel half tcp.bpf.c (with its
# tcp_*.bpf.h), user half tcp.c + tcp_iter.c in libeventlog-providers.a,
# registered once (in tcp.c) with its runtime ops and its connection facts
# for the exports (tcp_facts.c, tcp_packet.c), which carry its connection
# analysis for summaries (tcp_summary.c).
ELOG_PROVIDERS += tcp
PROVIDER_SRCS += providers/tcp/tcp.c providers/tcp/tcp_filter.c providers/tcp/tcp_iter.c \
	providers/tcp/tcp_facts.c providers/tcp/tcp_packet.c providers/tcp/tcp_summary.c
$(OBJ)/providers/tcp/tcp.o: $(GEN)/tcp.skel.h
$(OBJ)/providers/tcp/tcp.o $(OBJ)/providers/tcp/tcp_filter.o $(OBJ)/providers/tcp/tcp_iter.o $(OBJ)/providers/tcp/tcp_facts.o \
	$(OBJ)/providers/tcp/tcp_packet.o $(OBJ)/providers/tcp/tcp_summary.o: CFLAGS += -Iproviders/tcp
$(OBJ)/providers/tcp/tcp.bpf.o: BPF_CFLAGS += -Iproviders/tcp
