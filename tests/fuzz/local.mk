# tests/fuzz/local.mk - fuzz targets (included from Makefile.am).
#
# libFuzzer targets, one per parser that reads hostile bytes (see
# tests/fuzz/README.md).  They are built with clang, not with $(CC): the
# library and module sources are compiled once more, instrumented
# (-fsanitize=fuzzer-no-link,address,undefined), into two archives.
#
#   make fuzz                      every target for FUZZ_SECONDS (60) each
#   make fuzz FUZZ_TARGETS="der policy" FUZZ_SECONDS=600
#   make check                     tests/fuzz/regress.sh: a short deterministic
#                                  run of every target (SKIP without libFuzzer)

FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_TARGETS = channel_bindings auth_identity import_context utf pac_logon_info \
	ntlm_authenticate spnego_init krb5_ap_req der policy token_compat
FUZZ_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CPPFLAGS = $(AM_CPPFLAGS) $(GSSAPI_CFLAGS) -DGSS_SSPI_SYSCONFDIR='"$(sysconfdir)"'
FUZZ_CFLAGS = -std=gnu11 -g -O1 -fno-omit-frame-pointer $(WARN_CFLAGS) $(FUZZ_SANITIZE)
FUZZ_LIBS = $(GSSAPI_LIBS) $(KRB5_LIBS)
FUZZ_LINK = $(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@

# Every source of a list, instrumented, into one archive.  Rebuilt whole when
# any source or header changes: it takes seconds, and no stale object
# survives a header change.
FUZZ_ARCHIVE = rm -rf $@ $@.d && $(MKDIR_P) $@.d && \
	for src in $$sources; do \
		case $$src in *.c) ;; *) continue ;; esac; \
		obj=$@.d/`echo $$src | sed -e 's|/|_|g' -e 's|\.c$$|.o|'`; \
		test -f $$src || src=$(srcdir)/$$src; \
		$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
			-c -o $$obj $$src || exit 1; \
	done && $(AR) cr $@ $@.d/*.o && $(RANLIB) $@ && rm -rf $@.d

FUZZ_SSPI_HDRS = sspi-compat/include/sspi.h sspi-compat/include/security.h \
	sspi-compat/include/gss-sspi.h
tests/fuzz/libsspi-fuzz.a: $(libgss_sspi_la_SOURCES) $(COMMON_SOURCES) $(FUZZ_SSPI_HDRS)
	$(AM_V_GEN)sources='$(libgss_sspi_la_SOURCES) $(COMMON_SOURCES)'; $(FUZZ_ARCHIVE)
tests/fuzz/libmech-fuzz.a: $(GSS_SSPI_MECH_SOURCES) $(COMMON_SOURCES)
	$(AM_V_GEN)sources='$(GSS_SSPI_MECH_SOURCES) $(COMMON_SOURCES)'; $(FUZZ_ARCHIVE)

# fuzz-NAME: the target tests/fuzz/NAME.c and the archive it calls into.
FUZZ_SSPI = tests/fuzz/fuzz.h tests/fuzz/libsspi-fuzz.a
FUZZ_MECH = tests/fuzz/fuzz.h tests/fuzz/libmech-fuzz.a
FUZZ_SSPI_LIBS = tests/fuzz/libsspi-fuzz.a $(FUZZ_LIBS)
FUZZ_MECH_LIBS = tests/fuzz/libmech-fuzz.a $(FUZZ_LIBS)
tests/fuzz/fuzz-channel_bindings: tests/fuzz/channel_bindings.c $(FUZZ_SSPI)
	$(AM_V_CCLD)$(FUZZ_LINK) $(srcdir)/tests/fuzz/channel_bindings.c $(FUZZ_SSPI_LIBS)
tests/fuzz/fuzz-auth_identity: tests/fuzz/auth_identity.c $(FUZZ_SSPI)
	$(AM_V_CCLD)$(FUZZ_LINK) $(srcdir)/tests/fuzz/auth_identity.c $(FUZZ_SSPI_LIBS)
tests/fuzz/fuzz-import_context: tests/fuzz/import_context.c $(FUZZ_SSPI)
	$(AM_V_CCLD)$(FUZZ_LINK) $(srcdir)/tests/fuzz/import_context.c $(FUZZ_SSPI_LIBS)
tests/fuzz/fuzz-utf: tests/fuzz/utf.c $(FUZZ_SSPI)
	$(AM_V_CCLD)$(FUZZ_LINK) $(srcdir)/tests/fuzz/utf.c $(FUZZ_SSPI_LIBS)
# pac.c needs nothing beyond libc: compiled in alone.
tests/fuzz/fuzz-pac_logon_info: tests/fuzz/pac_logon_info.c sspi-compat/pac.c tests/fuzz/fuzz.h
	$(AM_V_CCLD)$(FUZZ_LINK) $(srcdir)/tests/fuzz/pac_logon_info.c $(srcdir)/sspi-compat/pac.c
tests/fuzz/fuzz-ntlm_authenticate: tests/fuzz/ntlm_authenticate.c $(FUZZ_MECH)
	$(AM_V_CCLD)$(FUZZ_LINK) $(srcdir)/tests/fuzz/ntlm_authenticate.c $(FUZZ_MECH_LIBS)
tests/fuzz/fuzz-spnego_init: tests/fuzz/spnego_init.c $(FUZZ_MECH)
	$(AM_V_CCLD)$(FUZZ_LINK) $(srcdir)/tests/fuzz/spnego_init.c $(FUZZ_MECH_LIBS)
tests/fuzz/fuzz-krb5_ap_req: tests/fuzz/krb5_ap_req.c $(FUZZ_MECH)
	$(AM_V_CCLD)$(FUZZ_LINK) $(srcdir)/tests/fuzz/krb5_ap_req.c $(FUZZ_MECH_LIBS)
tests/fuzz/fuzz-der: tests/fuzz/der.c $(FUZZ_MECH)
	$(AM_V_CCLD)$(FUZZ_LINK) $(srcdir)/tests/fuzz/der.c $(FUZZ_MECH_LIBS)
tests/fuzz/fuzz-policy: tests/fuzz/policy.c $(FUZZ_MECH)
	$(AM_V_CCLD)$(FUZZ_LINK) $(srcdir)/tests/fuzz/policy.c $(FUZZ_MECH_LIBS)
tests/fuzz/fuzz-token_compat: tests/fuzz/token_compat.c $(FUZZ_MECH)
	$(AM_V_CCLD)$(FUZZ_LINK) $(srcdir)/tests/fuzz/token_compat.c $(FUZZ_MECH_LIBS)

FUZZ_BINS = tests/fuzz/fuzz-channel_bindings tests/fuzz/fuzz-auth_identity \
	tests/fuzz/fuzz-import_context tests/fuzz/fuzz-utf tests/fuzz/fuzz-pac_logon_info \
	tests/fuzz/fuzz-ntlm_authenticate \
	tests/fuzz/fuzz-spnego_init tests/fuzz/fuzz-krb5_ap_req tests/fuzz/fuzz-der \
	tests/fuzz/fuzz-policy tests/fuzz/fuzz-token_compat
fuzz-build: $(FUZZ_BINS)

# The seed programs: ordinary builds (gcc, libgss-sspi.la), kept compiling by
# make check; their output is committed (make fuzz-seeds).
check_PROGRAMS += tests/fuzz/seed-handmade tests/fuzz/seed-live
tests_fuzz_seed_handmade_SOURCES = tests/fuzz/seed_handmade.c tests/fuzz/fuzz.h
tests_fuzz_seed_live_SOURCES = tests/fuzz/seed_live.c tests/windows_keytab.c tests/windows_keytab.h
tests_fuzz_seed_live_LDADD = libgss-sspi.la $(GSSAPI_LIBS)

# make check: libFuzzer is optional there.  The probe decides once (until
# a source changes) whether the targets can be built; regress.sh skips with
# the reason when not.
FUZZ_SRCS = tests/fuzz/channel_bindings.c tests/fuzz/auth_identity.c \
	tests/fuzz/import_context.c tests/fuzz/utf.c tests/fuzz/pac_logon_info.c \
	tests/fuzz/ntlm_authenticate.c \
	tests/fuzz/spnego_init.c tests/fuzz/krb5_ap_req.c tests/fuzz/der.c tests/fuzz/policy.c \
	tests/fuzz/token_compat.c tests/fuzz/fuzz.h
check_DATA = tests/fuzz/fuzz-ready
tests/fuzz/fuzz-ready: $(FUZZ_SRCS) $(libgss_sspi_la_SOURCES) $(GSS_SSPI_MECH_SOURCES) \
		$(COMMON_SOURCES)
	@$(MKDIR_P) tests/fuzz
	@printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\n%s\n' \
		'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return d && n; }' \
		>tests/fuzz/probe.c
	$(AM_V_GEN)if $(FUZZ_CC) $(FUZZ_SANITIZE) -fsanitize=fuzzer -o tests/fuzz/probe \
			tests/fuzz/probe.c >tests/fuzz/probe.log 2>&1; then \
		$(MAKE) $(AM_MAKEFLAGS) fuzz-build && echo ready >$@; \
	else \
		echo "unavailable: '$(FUZZ_CC) -fsanitize=fuzzer,address,undefined' does not link" \
			"(Debian: apt-get install clang libclang-rt-14-dev)" >$@; \
	fi; rc=$$?; rm -f tests/fuzz/probe tests/fuzz/probe.c; exit $$rc

TESTS += tests/fuzz/regress.sh

# make fuzz: the long runs (the corpus grows in tests/fuzz/corpus/).
fuzz: fuzz-build
	@top_srcdir='$(top_srcdir)' top_builddir='$(top_builddir)' \
	FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_TARGETS='$(FUZZ_TARGETS)' \
		$(SHELL) $(srcdir)/tests/fuzz/run.sh fuzz

# make fuzz-seeds: remakes the committed seeds (tests/fuzz/seeds) from the
# test data and a live run here; review and commit the result.  The live
# seeds hold fresh keys, so they differ at every remake: that is why they
# are made once and committed, not at every run.
fuzz-seeds: tests/fuzz/seed-handmade$(EXEEXT) tests/fuzz/seed-live$(EXEEXT) \
		tests/pac-seeds$(EXEEXT)
	ASAN_OPTIONS=detect_leaks=0 $(SHELL) $(srcdir)/tests/fuzz/make-seeds.sh \
		$(srcdir)/tests/fuzz/seeds $(srcdir) $(top_builddir)
.PHONY: fuzz fuzz-build fuzz-seeds fuzz-clean fuzz-distclean

CLEANFILES += $(FUZZ_BINS) tests/fuzz/libsspi-fuzz.a tests/fuzz/libmech-fuzz.a \
	tests/fuzz/fuzz-ready tests/fuzz/probe.log
# The corpus that make fuzz grew survives make clean, not make distclean.
clean-local: fuzz-clean
fuzz-clean:
	-rm -rf tests/fuzz/libsspi-fuzz.a.d tests/fuzz/libmech-fuzz.a.d
distclean-local: fuzz-distclean
fuzz-distclean:
	-rm -rf tests/fuzz/corpus tests/fuzz/artifacts tests/fuzz/logs

EXTRA_DIST += tests/fuzz/README.md tests/fuzz/regress.sh tests/fuzz/run.sh \
	tests/fuzz/make-seeds.sh tests/fuzz/lsan-import_context.supp \
	tests/fuzz/regressions tests/fuzz/seeds $(FUZZ_SRCS)
