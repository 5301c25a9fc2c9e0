# providers/test: see its owner's module.mk
