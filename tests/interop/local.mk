# tests/interop/local.mk - interoperability matrix (included from Makefile.am).
