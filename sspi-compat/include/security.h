/*
 * security.h - Windows sources include <security.h> (after defining
 * SECURITY_WIN32 or SECURITY_KERNEL); on Unix it is <sspi.h> plus the
 * gss-sspi extensions.
 */
#ifndef GSS_SSPI_SECURITY_H
#define GSS_SSPI_SECURITY_H
#include <sspi.h>
#include <gss-sspi.h>
#endif
