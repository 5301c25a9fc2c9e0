# bpf: see its owner's module.mk
