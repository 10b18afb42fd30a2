# tests/apps/local.mk - make interop-apps (included from Makefile.am).
#
# Real servers on loopback with the gss-sspi-negotiate module loaded through
# GSS_MECH_CONFIG: Apache httpd + mod_auth_gssapi, OpenSSH's sshd, gssproxy
# in front of Apache; clients curl --negotiate, ssh, Samba's ntlm_auth over
# HTTP.  See tests/apps/README.md.  Needs root and the packages of
# bootstrap.sh's "make interop-apps" group; prints N passed, N failed, N skipped.

interop-apps: mech/gss-sspi-negotiate.la
	@echo "== make interop-apps"
	KRB5KDC='$(KRB5KDC)' KDB5_UTIL='$(KDB5_UTIL)' KADMIN_LOCAL='$(KADMIN_LOCAL)' \
	  $(SHELL) $(srcdir)/tests/apps/run-apps.sh $(abs_top_builddir)

.PHONY: interop-apps

EXTRA_DIST += tests/apps/run-apps.sh tests/apps/ntlm-http.py tests/apps/README.md
