# tools/schemac: see its owner's module.mk
