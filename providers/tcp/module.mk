# providers/tcp: see its owner's module.mk
