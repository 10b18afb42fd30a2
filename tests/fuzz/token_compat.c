/*
 * token_compat.c - fuzz target: the token-compatibility layer
 * (common/token_compat.c) and the token classifier and SPNEGO re-encoder it
 * rests on, which read the client's token before any mechanism does.
 *
 * Input: byte 0 is the layer's memory of the exchange (bit 0: the
 * NEGOTIATE was rewritten; bit 1: a CHALLENGE was seen; bit 2: it
 * negotiated KEY_EXCH); the rest is the client's token.
 */
#include <string.h>

#include "fuzz.h"
#include "ntlm_msg.h"
#include "token_compat.h"
#include "token_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct compat_state st = {
        .negotiate_rewritten = data[0] & 1,
        .challenge_seen = (data[0] & 2) != 0,
        .challenge_flags = (data[0] & 4) ? NTLM_FLAG_KEY_EXCH : 0,
    };
    const uint8_t *token = data + 1;
    size_t len = size - 1;
    struct compat_result res, again;
    struct token_class before, after;
    enum token_kind kind = token_classify(token, len, &before);
    enum compat_verdict v = compat_accept_input(&st, "fuzz", token, len, &res);
    switch (v) {
    case COMPAT_PASS:
        FUZZ_CHECK(res.token == NULL);
        break;
    case COMPAT_REFUSE:
        FUZZ_CHECK(res.rule != NULL && res.reason[0] != '\0' && st.fired == res.rule);
        FUZZ_CHECK(memchr(res.reason, 0, sizeof(res.reason)) != NULL);
        break;
    case COMPAT_REWRITE:
        /* A rewrite keeps the kind of token, grows it by a header or a
         * Version at most, and leaves nothing for a second pass to do. */
        FUZZ_CHECK(res.token != NULL && res.rule != NULL && st.fired == res.rule);
        FUZZ_CHECK(res.len <= len + 64);
        enum token_kind now = token_classify(res.token, res.len, &after);
        FUZZ_CHECK(now == kind || (kind == TOKEN_KRB5_BARE && now == TOKEN_GSS_FRAMED));
        if (kind == TOKEN_SPNEGO_INIT || kind == TOKEN_SPNEGO_RESP) {
            struct spnego_path path;
            struct der inner;
            FUZZ_CHECK(spnego_find_mech_token(res.token, res.len, &path, &inner));
        }
        struct compat_state fresh = st;
        FUZZ_CHECK(compat_accept_input(&fresh, "fuzz", res.token, res.len, &again) ==
                   COMPAT_PASS);
        compat_result_clear(&again);
        break;
    }
    compat_result_clear(&res);
    char names[256];
    compat_fired_names(&st, names, sizeof(names));
    FUZZ_CHECK(memchr(names, 0, sizeof(names)) != NULL && (names[0] != '\0') == (st.fired != NULL));
    compat_accept_output(&st, token, len);
    return 0;
}
