# mech/local.mk - the GSS mechanism module (included from Makefile.am).
