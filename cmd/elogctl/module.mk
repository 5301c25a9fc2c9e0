# cmd/elogctl: see its owner's module.mk
