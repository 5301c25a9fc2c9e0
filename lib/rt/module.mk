# lib/rt: provider runtime (load, pin, subscribe, controls)
