# tests/fuzz/local.mk - fuzz targets (included from Makefile.am).
