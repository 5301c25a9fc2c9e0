# SPDX-License-Identifier: BSD-2-Clause
# providers/tcp: the TCP provider. Kernel half tcp.bpf.c (with its
# tcp_*.bpf.h), user half tcp.c + tcp_iter.c in libeventlog.a, registered
# with the provider runtime as elog_provider_tcp_ops.
ELOG_RT_PROVIDERS += tcp
LIB_SRCS += providers/tcp/tcp.c providers/tcp/tcp_iter.c
$(OBJ)/providers/tcp/tcp.o: $(GEN)/tcp.skel.h
$(OBJ)/providers/tcp/tcp.o $(OBJ)/providers/tcp/tcp_iter.o: CFLAGS += -Iproviders/tcp
$(OBJ)/providers/tcp/tcp.bpf.o: BPF_CFLAGS += -Iproviders/tcp
