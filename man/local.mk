# man/local.mk - the manual pages (included from Makefile.am), written in
# man(7) directly: nothing to generate at build time.
#   make lint-man    mandoc -Tlint over every page (Debian: mandoc)
# A page added here is installed: add it to a debian/*.install too, or
# dpkg-buildpackage stops at dh_missing.

dist_man_MANS = \
	man/gss-sspi.3 \
	man/sspi-inspect.1 \
	man/sspi-demo-server.1 \
	man/sspi-demo-client.1 \
	man/negotiate.conf.5 \
	man/gss-sspi-admin.7 \
	man/gss-sspi-negotiate.8

lint-man:
	cd $(srcdir) && mandoc -Tlint -Wstyle $(dist_man_MANS)
.PHONY: lint-man
