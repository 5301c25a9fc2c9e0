# lib: see its owner's module.mk
