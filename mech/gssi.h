/*
 * gssi.h - the entry points MIT's mechglue (krb5 >= 1.12) resolves in an
 * interposer module: gss_mech_interposer and one gssi_<name> per slot of
 * its mechanism table.  The types follow the table's function pointers
 * (src/lib/gssapi/mechglue/mglueP.h, struct gss_config), which is not an
 * installed header; the slots whose mechglue name starts with gssspi_ are
 * still looked up as gssi_<name>.  Only these symbols are exported.
 */
#ifndef GSS_SSPI_MECH_GSSI_H
#define GSS_SSPI_MECH_GSSI_H

#include <sys/types.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#define GSSI_EXPORT __attribute__((visibility("default")))

GSSI_EXPORT gss_OID_set gss_mech_interposer(gss_OID mech_type);

/* ---- credentials ---------------------------------------------------------- */
GSSI_EXPORT OM_uint32 gssi_acquire_cred(OM_uint32 *minor, gss_name_t desired_name,
                                        OM_uint32 time_req, gss_OID_set desired_mechs,
                                        int cred_usage, gss_cred_id_t *output_cred,
                                        gss_OID_set *actual_mechs, OM_uint32 *time_rec);
GSSI_EXPORT OM_uint32 gssi_acquire_cred_from(OM_uint32 *minor, gss_name_t desired_name,
                                             OM_uint32 time_req, gss_OID_set desired_mechs,
                                             gss_cred_usage_t cred_usage,
                                             gss_const_key_value_set_t cred_store,
                                             gss_cred_id_t *output_cred, gss_OID_set *actual_mechs,
                                             OM_uint32 *time_rec);
GSSI_EXPORT OM_uint32 gssi_acquire_cred_with_password(
    OM_uint32 *minor, const gss_name_t desired_name, const gss_buffer_t password,
    OM_uint32 time_req, const gss_OID_set desired_mechs, int cred_usage, gss_cred_id_t *output_cred,
    gss_OID_set *actual_mechs, OM_uint32 *time_rec);
GSSI_EXPORT OM_uint32 gssi_acquire_cred_impersonate_name(
    OM_uint32 *minor, const gss_cred_id_t impersonator, const gss_name_t desired_name,
    OM_uint32 time_req, const gss_OID_set desired_mechs, gss_cred_usage_t cred_usage,
    gss_cred_id_t *output_cred, gss_OID_set *actual_mechs, OM_uint32 *time_rec);
GSSI_EXPORT OM_uint32 gssi_release_cred(OM_uint32 *minor, gss_cred_id_t *cred);
GSSI_EXPORT OM_uint32 gssi_inquire_cred(OM_uint32 *minor, gss_cred_id_t cred, gss_name_t *name,
                                        OM_uint32 *lifetime, int *cred_usage,
                                        gss_OID_set *mechanisms);
GSSI_EXPORT OM_uint32 gssi_inquire_cred_by_mech(OM_uint32 *minor, gss_cred_id_t cred,
                                                gss_OID mech_type, gss_name_t *name,
                                                OM_uint32 *initiator_lifetime,
                                                OM_uint32 *acceptor_lifetime,
                                                gss_cred_usage_t *cred_usage);
GSSI_EXPORT OM_uint32 gssi_inquire_cred_by_oid(OM_uint32 *minor, const gss_cred_id_t cred,
                                               const gss_OID desired_object,
                                               gss_buffer_set_t *data_set);
GSSI_EXPORT OM_uint32 gssi_set_cred_option(OM_uint32 *minor, gss_cred_id_t *cred,
                                           const gss_OID desired_object, const gss_buffer_t value);
GSSI_EXPORT OM_uint32 gssi_set_neg_mechs(OM_uint32 *minor, gss_cred_id_t cred,
                                         const gss_OID_set mech_set);
GSSI_EXPORT OM_uint32 gssi_store_cred(OM_uint32 *minor, const gss_cred_id_t cred,
                                      gss_cred_usage_t usage, const gss_OID desired_mech,
                                      OM_uint32 overwrite_cred, OM_uint32 default_cred,
                                      gss_OID_set *elements_stored,
                                      gss_cred_usage_t *cred_usage_stored);
GSSI_EXPORT OM_uint32 gssi_store_cred_into(OM_uint32 *minor, gss_cred_id_t cred,
                                           gss_cred_usage_t usage, gss_OID desired_mech,
                                           OM_uint32 overwrite_cred, OM_uint32 default_cred,
                                           gss_const_key_value_set_t cred_store,
                                           gss_OID_set *elements_stored,
                                           gss_cred_usage_t *cred_usage_stored);
GSSI_EXPORT OM_uint32 gssi_export_cred(OM_uint32 *minor, gss_cred_id_t cred, gss_buffer_t token);
GSSI_EXPORT OM_uint32 gssi_import_cred(OM_uint32 *minor, gss_buffer_t token, gss_cred_id_t *cred);
GSSI_EXPORT OM_uint32 gssi_import_cred_by_mech(OM_uint32 *minor, gss_OID mech_type,
                                               gss_buffer_t token, gss_cred_id_t *cred);

/* ---- contexts ------------------------------------------------------------- */
GSSI_EXPORT OM_uint32 gssi_init_sec_context(
    OM_uint32 *minor, gss_cred_id_t claimant_cred, gss_ctx_id_t *context, gss_name_t target_name,
    gss_OID mech_type, OM_uint32 req_flags, OM_uint32 time_req,
    gss_channel_bindings_t input_chan_bindings, gss_buffer_t input_token, gss_OID *actual_mech_type,
    gss_buffer_t output_token, OM_uint32 *ret_flags, OM_uint32 *time_rec);
GSSI_EXPORT OM_uint32 gssi_accept_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                              gss_cred_id_t verifier_cred, gss_buffer_t input_token,
                                              gss_channel_bindings_t input_chan_bindings,
                                              gss_name_t *src_name, gss_OID *mech_type,
                                              gss_buffer_t output_token, OM_uint32 *ret_flags,
                                              OM_uint32 *time_rec, gss_cred_id_t *delegated_cred);
GSSI_EXPORT OM_uint32 gssi_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                              gss_buffer_t output_token);
GSSI_EXPORT OM_uint32 gssi_process_context_token(OM_uint32 *minor, gss_ctx_id_t context,
                                                 gss_buffer_t token);
GSSI_EXPORT OM_uint32 gssi_context_time(OM_uint32 *minor, gss_ctx_id_t context,
                                        OM_uint32 *time_rec);
GSSI_EXPORT OM_uint32 gssi_inquire_context(OM_uint32 *minor, gss_ctx_id_t context,
                                           gss_name_t *src_name, gss_name_t *targ_name,
                                           OM_uint32 *lifetime_rec, gss_OID *mech_type,
                                           OM_uint32 *ctx_flags, int *locally_initiated, int *open);
GSSI_EXPORT OM_uint32 gssi_wrap_size_limit(OM_uint32 *minor, gss_ctx_id_t context,
                                           int conf_req_flag, gss_qop_t qop_req,
                                           OM_uint32 req_output_size, OM_uint32 *max_input_size);
GSSI_EXPORT OM_uint32 gssi_export_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                              gss_buffer_t token);
GSSI_EXPORT OM_uint32 gssi_import_sec_context(OM_uint32 *minor, gss_buffer_t token,
                                              gss_ctx_id_t *context);
GSSI_EXPORT OM_uint32 gssi_import_sec_context_by_mech(OM_uint32 *minor, gss_OID mech_type,
                                                      gss_buffer_t token, gss_ctx_id_t *context);
GSSI_EXPORT OM_uint32 gssi_inquire_sec_context_by_oid(OM_uint32 *minor, const gss_ctx_id_t context,
                                                      const gss_OID desired_object,
                                                      gss_buffer_set_t *data_set);
GSSI_EXPORT OM_uint32 gssi_set_sec_context_option(OM_uint32 *minor, gss_ctx_id_t *context,
                                                  const gss_OID desired_object,
                                                  const gss_buffer_t value);
GSSI_EXPORT OM_uint32 gssi_pseudo_random(OM_uint32 *minor, gss_ctx_id_t context, int prf_key,
                                         const gss_buffer_t prf_in, ssize_t desired_output_len,
                                         gss_buffer_t prf_out);
GSSI_EXPORT OM_uint32 gssi_complete_auth_token(OM_uint32 *minor, const gss_ctx_id_t context,
                                               gss_buffer_t input_message);

/* ---- per-message ---------------------------------------------------------- */
GSSI_EXPORT OM_uint32 gssi_get_mic(OM_uint32 *minor, gss_ctx_id_t context, gss_qop_t qop_req,
                                   gss_buffer_t message, gss_buffer_t token);
GSSI_EXPORT OM_uint32 gssi_verify_mic(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t message,
                                      gss_buffer_t token, gss_qop_t *qop_state);
GSSI_EXPORT OM_uint32 gssi_wrap(OM_uint32 *minor, gss_ctx_id_t context, int conf_req_flag,
                                gss_qop_t qop_req, gss_buffer_t input, int *conf_state,
                                gss_buffer_t output);
GSSI_EXPORT OM_uint32 gssi_unwrap(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t input,
                                  gss_buffer_t output, int *conf_state, gss_qop_t *qop_state);
GSSI_EXPORT OM_uint32 gssi_wrap_iov(OM_uint32 *minor, gss_ctx_id_t context, int conf_req_flag,
                                    gss_qop_t qop_req, int *conf_state, gss_iov_buffer_desc *iov,
                                    int iov_count);
GSSI_EXPORT OM_uint32 gssi_unwrap_iov(OM_uint32 *minor, gss_ctx_id_t context, int *conf_state,
                                      gss_qop_t *qop_state, gss_iov_buffer_desc *iov,
                                      int iov_count);
GSSI_EXPORT OM_uint32 gssi_wrap_iov_length(OM_uint32 *minor, gss_ctx_id_t context,
                                           int conf_req_flag, gss_qop_t qop_req, int *conf_state,
                                           gss_iov_buffer_desc *iov, int iov_count);
GSSI_EXPORT OM_uint32 gssi_wrap_aead(OM_uint32 *minor, gss_ctx_id_t context, int conf_req_flag,
                                     gss_qop_t qop_req, gss_buffer_t input_assoc,
                                     gss_buffer_t input_payload, int *conf_state,
                                     gss_buffer_t output);
GSSI_EXPORT OM_uint32 gssi_unwrap_aead(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t input,
                                       gss_buffer_t input_assoc, gss_buffer_t output_payload,
                                       int *conf_state, gss_qop_t *qop_state);
GSSI_EXPORT OM_uint32 gssi_get_mic_iov(OM_uint32 *minor, gss_ctx_id_t context, gss_qop_t qop_req,
                                       gss_iov_buffer_desc *iov, int iov_count);
GSSI_EXPORT OM_uint32 gssi_verify_mic_iov(OM_uint32 *minor, gss_ctx_id_t context,
                                          gss_qop_t *qop_state, gss_iov_buffer_desc *iov,
                                          int iov_count);
GSSI_EXPORT OM_uint32 gssi_get_mic_iov_length(OM_uint32 *minor, gss_ctx_id_t context,
                                              gss_qop_t qop_req, gss_iov_buffer_desc *iov,
                                              int iov_count);

/* ---- names ---------------------------------------------------------------- */
GSSI_EXPORT OM_uint32 gssi_import_name(OM_uint32 *minor, gss_buffer_t input_name,
                                       gss_OID input_name_type, gss_name_t *output_name);
GSSI_EXPORT OM_uint32 gssi_import_name_by_mech(OM_uint32 *minor, gss_OID mech_type,
                                               gss_buffer_t input_name, gss_OID input_name_type,
                                               gss_name_t *output_name);
GSSI_EXPORT OM_uint32 gssi_display_name(OM_uint32 *minor, gss_name_t name, gss_buffer_t output_name,
                                        gss_OID *output_name_type);
GSSI_EXPORT OM_uint32 gssi_display_name_ext(OM_uint32 *minor, gss_name_t name,
                                            gss_OID display_as_name_type,
                                            gss_buffer_t display_name);
GSSI_EXPORT OM_uint32 gssi_compare_name(OM_uint32 *minor, gss_name_t name1, gss_name_t name2,
                                        int *name_equal);
GSSI_EXPORT OM_uint32 gssi_release_name(OM_uint32 *minor, gss_name_t *name);
GSSI_EXPORT OM_uint32 gssi_duplicate_name(OM_uint32 *minor, const gss_name_t input_name,
                                          gss_name_t *dest_name);
GSSI_EXPORT OM_uint32 gssi_export_name(OM_uint32 *minor, const gss_name_t name,
                                       gss_buffer_t exported_name);
GSSI_EXPORT OM_uint32 gssi_export_name_composite(OM_uint32 *minor, gss_name_t name,
                                                 gss_buffer_t exported_name);
GSSI_EXPORT OM_uint32 gssi_inquire_name(OM_uint32 *minor, gss_name_t name, int *name_is_mn,
                                        gss_OID *mn_mech, gss_buffer_set_t *attrs);
GSSI_EXPORT OM_uint32 gssi_get_name_attribute(OM_uint32 *minor, gss_name_t name, gss_buffer_t attr,
                                              int *authenticated, int *complete, gss_buffer_t value,
                                              gss_buffer_t display_value, int *more);
GSSI_EXPORT OM_uint32 gssi_set_name_attribute(OM_uint32 *minor, gss_name_t name, int complete,
                                              gss_buffer_t attr, gss_buffer_t value);
GSSI_EXPORT OM_uint32 gssi_delete_name_attribute(OM_uint32 *minor, gss_name_t name,
                                                 gss_buffer_t attr);
GSSI_EXPORT OM_uint32 gssi_map_name_to_any(OM_uint32 *minor, gss_name_t name, int authenticated,
                                           gss_buffer_t type_id, gss_any_t *output);
GSSI_EXPORT OM_uint32 gssi_release_any_name_mapping(OM_uint32 *minor, gss_name_t name,
                                                    gss_buffer_t type_id, gss_any_t *input);
GSSI_EXPORT OM_uint32 gssi_localname(OM_uint32 *minor, const gss_name_t name,
                                     gss_const_OID mech_type, gss_buffer_t localname);
GSSI_EXPORT OM_uint32 gssi_authorize_localname(OM_uint32 *minor, const gss_name_t name,
                                               gss_const_buffer_t local_user,
                                               gss_const_OID local_nametype);
GSSI_EXPORT OM_uint32 gssi_inquire_names_for_mech(OM_uint32 *minor, gss_OID mech,
                                                  gss_OID_set *name_types);

/* ---- mechanism ------------------------------------------------------------ */
GSSI_EXPORT OM_uint32 gssi_display_status(OM_uint32 *minor, OM_uint32 status_value, int status_type,
                                          gss_OID mech_type, OM_uint32 *message_context,
                                          gss_buffer_t status_string);
GSSI_EXPORT OM_uint32 gssi_internal_release_oid(OM_uint32 *minor, gss_OID *oid);
GSSI_EXPORT OM_uint32 gssi_inquire_attrs_for_mech(OM_uint32 *minor, gss_const_OID mech,
                                                  gss_OID_set *mech_attrs,
                                                  gss_OID_set *known_mech_attrs);
GSSI_EXPORT OM_uint32 gssi_inquire_saslname_for_mech(OM_uint32 *minor, const gss_OID desired_mech,
                                                     gss_buffer_t sasl_mech_name,
                                                     gss_buffer_t mech_name,
                                                     gss_buffer_t mech_description);
GSSI_EXPORT OM_uint32 gssi_mech_invoke(OM_uint32 *minor, const gss_OID desired_mech,
                                       const gss_OID desired_object, gss_buffer_t value);

#endif /* GSS_SSPI_MECH_GSSI_H */
