# cmd/elog: see its owner's module.mk
