/* no_gssapi.c - stand-ins for the GSSAPI names libzmq.a refers to, so that
 * the driver, linked against the archives (cmake/static_driver.cmake),
 * does not load libgssapi_krb5 and the Kerberos libraries behind it.
 *
 * libzmq reaches these only through its GSSAPI security mechanism, which a
 * socket takes on only when a ZMQ_GSSAPI_* option was set on it; pipar
 * sets none, and a peer that offers GSSAPI fails the handshake (its
 * mechanism must be the socket's own, NULL or CURVE) before any of these
 * could run.  Were one called all the same: the context calls answer
 * GSS_S_FAILURE, the release calls have nothing to release, and the two
 * name types are null. */
#include <gssapi/gssapi.h>

gss_OID GSS_C_NT_USER_NAME;
gss_OID GSS_C_NT_HOSTBASED_SERVICE;

static OM_uint32 failure(OM_uint32 *minor)
{
    if (minor)
        *minor = 0;
    return GSS_S_FAILURE;
}

static OM_uint32 nothing(OM_uint32 *minor)
{
    if (minor)
        *minor = 0;
    return GSS_S_COMPLETE;
}

OM_uint32 gss_acquire_cred(OM_uint32 *minor, gss_name_t name, OM_uint32 t,
                           gss_OID_set mechs, gss_cred_usage_t usage,
                           gss_cred_id_t *cred, gss_OID_set *actual,
                           OM_uint32 *t_rec)
{
    (void)name, (void)t, (void)mechs, (void)usage, (void)cred, (void)actual;
    (void)t_rec;
    return failure(minor);
}

OM_uint32 gss_init_sec_context(OM_uint32 *minor, gss_cred_id_t cred,
                               gss_ctx_id_t *ctx, gss_name_t target,
                               gss_OID mech, OM_uint32 req, OM_uint32 t,
                               gss_channel_bindings_t bindings,
                               gss_buffer_t in, gss_OID *actual,
                               gss_buffer_t out, OM_uint32 *flags,
                               OM_uint32 *t_rec)
{
    (void)cred, (void)ctx, (void)target, (void)mech, (void)req, (void)t;
    (void)bindings, (void)in, (void)actual, (void)out, (void)flags;
    (void)t_rec;
    return failure(minor);
}

OM_uint32 gss_accept_sec_context(OM_uint32 *minor, gss_ctx_id_t *ctx,
                                 gss_cred_id_t cred, gss_buffer_t in,
                                 gss_channel_bindings_t bindings,
                                 gss_name_t *src, gss_OID *mech,
                                 gss_buffer_t out, OM_uint32 *flags,
                                 OM_uint32 *t_rec, gss_cred_id_t *deleg)
{
    (void)ctx, (void)cred, (void)in, (void)bindings, (void)src, (void)mech;
    (void)out, (void)flags, (void)t_rec, (void)deleg;
    return failure(minor);
}

OM_uint32 gss_wrap(OM_uint32 *minor, gss_ctx_id_t ctx, int conf,
                   gss_qop_t qop, gss_buffer_t in, int *conf_state,
                   gss_buffer_t out)
{
    (void)ctx, (void)conf, (void)qop, (void)in, (void)conf_state, (void)out;
    return failure(minor);
}

OM_uint32 gss_unwrap(OM_uint32 *minor, gss_ctx_id_t ctx, gss_buffer_t in,
                     gss_buffer_t out, int *conf_state, gss_qop_t *qop)
{
    (void)ctx, (void)in, (void)out, (void)conf_state, (void)qop;
    return failure(minor);
}

OM_uint32 gss_import_name(OM_uint32 *minor, gss_buffer_t in, gss_OID type,
                          gss_name_t *out)
{
    (void)in, (void)type, (void)out;
    return failure(minor);
}

OM_uint32 gss_display_name(OM_uint32 *minor, gss_name_t name,
                           gss_buffer_t out, gss_OID *type)
{
    (void)name, (void)out, (void)type;
    return failure(minor);
}

OM_uint32 gss_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *ctx,
                                 gss_buffer_t out)
{
    (void)ctx, (void)out;
    return nothing(minor);
}

OM_uint32 gss_release_cred(OM_uint32 *minor, gss_cred_id_t *cred)
{
    (void)cred;
    return nothing(minor);
}

OM_uint32 gss_release_name(OM_uint32 *minor, gss_name_t *name)
{
    (void)name;
    return nothing(minor);
}

OM_uint32 gss_release_buffer(OM_uint32 *minor, gss_buffer_t buf)
{
    (void)buf;
    return nothing(minor);
}
