# tests: see its owner's module.mk
