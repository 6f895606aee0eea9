/* connfile.c - connection files, read and written with jansson. */
#include "connfile.h"

#include <jansson.h>
#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"

static const char hexdigits[] = "0123456789abcdef";

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int read_port(json_t *root, const char *path, const char *field,
                     int *port, pp_error *err)
{
    json_t *v = json_object_get(root, field);
    if (!v)
        return pp_error_set(err, PP_EINVAL, "%s: missing field \"%s\"", path,
                            field);
    if (!json_is_integer(v) || json_integer_value(v) < 1
        || json_integer_value(v) > 65535)
        return pp_error_set(err, PP_EINVAL,
                            "%s: \"%s\" must be a port number 1-65535", path,
                            field);
    *port = (int)json_integer_value(v);
    return 0;
}

static int read_string(json_t *root, const char *path, const char *field,
                       char *out, size_t size, pp_error *err)
{
    json_t *v = json_object_get(root, field);
    if (!v)
        return pp_error_set(err, PP_EINVAL, "%s: missing field \"%s\"", path,
                            field);
    const char *s = json_string_value(v);
    if (!s || !*s)
        return pp_error_set(err, PP_EINVAL,
                            "%s: \"%s\" must be a non-empty string", path,
                            field);
    if (strlen(s) >= size)
        return pp_error_set(err, PP_EINVAL,
                            "%s: \"%s\" is too long (at most %zu "
                            "characters)",
                            path, field, size - 1);
    strcpy(out, s);
    return 0;
}

int pp_conninfo_read(const char *path, pp_conninfo *ci, pp_error *err)
{
    memset(ci, 0, sizeof *ci);
    char *text = NULL;
    int rc = pp_file_read(path, &text, NULL, 1 << 20, err);
    if (rc) {
        if (rc == PP_ENOENT)
            pp_error_set(err, rc,
                         "no connection file %s (is a controller running? "
                         "start one with 'controller' or 'driver cluster "
                         "start')",
                         path);
        return rc;
    }
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    free(text);
    if (!root)
        return pp_error_set(err, PP_EINVAL,
                            "%s: not valid JSON (line %d: %s)", path,
                            jerr.line, jerr.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return pp_error_set(err, PP_EINVAL, "%s: not a JSON object", path);
    }
    /* key has room for more than a key, so a long one gets the message
     * about hex digits, not about length. */
    char transport[16], scheme[32], key[256];
    rc = read_string(root, path, "transport", transport, sizeof transport,
                     err);
    if (!rc && strcmp(transport, "tcp") != 0)
        rc = pp_error_set(err, PP_EINVAL,
                          "%s: transport \"%s\" is not supported (tcp)", path,
                          transport);
    if (!rc)
        rc = read_string(root, path, "ip", ci->ip, sizeof ci->ip, err);
    if (!rc)
        rc = read_string(root, path, "location", ci->location,
                         sizeof ci->location, err);
    if (!rc)
        rc = read_port(root, path, "engine_port", &ci->engine_port, err);
    if (!rc)
        rc = read_port(root, path, "client_port", &ci->client_port, err);
    if (!rc && json_object_get(root, "events_port"))
        rc = read_port(root, path, "events_port", &ci->events_port, err);
    if (!rc)
        rc = read_string(root, path, "signature_scheme", scheme,
                         sizeof scheme, err);
    if (!rc && strcmp(scheme, "hmac-sha256") != 0)
        rc = pp_error_set(err, PP_EINVAL,
                          "%s: signature_scheme \"%s\" is not supported "
                          "(hmac-sha256)",
                          path, scheme);
    if (!rc)
        rc = read_string(root, path, "key", key, sizeof key, err);
    if (!rc && strlen(key) != 2 * PP_KEY_SIZE)
        rc = pp_error_set(err, PP_EINVAL, "%s: \"key\" must be %d hex digits",
                          path, 2 * PP_KEY_SIZE);
    for (int i = 0; !rc && i < PP_KEY_SIZE; i++) {
        int hi = hexval(key[2 * i]), lo = hexval(key[2 * i + 1]);
        if (hi < 0 || lo < 0)
            rc = pp_error_set(err, PP_EINVAL,
                              "%s: \"key\" must be %d hex digits", path,
                              2 * PP_KEY_SIZE);
        else
            ci->key[i] = (uint8_t)(hi << 4 | lo);
    }
    ci->clock_window_s = PP_CLOCK_WINDOW_S;
    json_t *window = json_object_get(root, "clock_window");
    if (!rc && window) {
        if (!json_is_number(window) || json_number_value(window) < 0
            || json_number_value(window) > 86400)
            rc = pp_error_set(err, PP_EINVAL,
                              "%s: \"clock_window\" must be a number of "
                              "seconds from 0 to 86400",
                              path);
        else
            ci->clock_window_s = json_number_value(window);
    }
    ci->max_message = PP_MAX_MESSAGE;
    json_t *maxmsg = json_object_get(root, "max_message_size");
    if (!rc && maxmsg) {
        if (!json_is_integer(maxmsg) || json_integer_value(maxmsg) < 1024)
            rc = pp_error_set(err, PP_EINVAL,
                              "%s: \"max_message_size\" must be a whole "
                              "number of bytes, at least 1024",
                              path);
        else
            ci->max_message = (int64_t)json_integer_value(maxmsg);
    }
    /* All three keys or none. */
    static const char *const curve_names[3] = { "curve_serverkey",
                                                "curve_publickey",
                                                "curve_secretkey" };
    char *curve_fields[3] = { ci->curve_server, ci->curve_public,
                              ci->curve_secret };
    int present = 0;
    for (int i = 0; i < 3; i++)
        present += json_object_get(root, curve_names[i]) != NULL;
    if (!rc && present != 0 && present != 3)
        rc = pp_error_set(err, PP_EINVAL,
                          "%s: \"curve_serverkey\", \"curve_publickey\" and "
                          "\"curve_secretkey\" go together",
                          path);
    for (int i = 0; !rc && present == 3 && i < 3; i++) {
        rc = read_string(root, path, curve_names[i], curve_fields[i], 41,
                         err);
        uint8_t raw[32];
        if (!rc && (strlen(curve_fields[i]) != 40
                    || !zmq_z85_decode(raw, curve_fields[i])))
            rc = pp_error_set(err, PP_EINVAL,
                              "%s: \"%s\" must be a Z85 key of 40 characters",
                              path, curve_names[i]);
    }
    json_t *pid = json_object_get(root, "controller_pid");
    if (!rc && json_is_integer(pid))
        ci->controller_pid = (long)json_integer_value(pid);
    /* Optional, and only the controller's to use again (--reuse): a
     * token of another shape is left out, not an error. */
    json_t *tok = json_object_get(root, "http_token");
    if (!rc && json_is_string(tok) && strlen(json_string_value(tok)) == 32
        && strspn(json_string_value(tok), "0123456789abcdef") == 32)
        snprintf(ci->http_token, sizeof ci->http_token, "%s",
                 json_string_value(tok));
    json_decref(root);
    return rc;
}

int pp_conninfo_write(const char *path, const pp_conninfo *ci, pp_error *err)
{
    char key[2 * PP_KEY_SIZE + 1];
    for (int i = 0; i < PP_KEY_SIZE; i++) {
        key[2 * i] = hexdigits[ci->key[i] >> 4];
        key[2 * i + 1] = hexdigits[ci->key[i] & 15];
    }
    key[2 * PP_KEY_SIZE] = '\0';
    json_t *root = json_pack(
        "{s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:I}", "transport", "tcp", "ip",
        ci->ip, "location", ci->location, "engine_port", ci->engine_port,
        "client_port", ci->client_port, "key", key, "signature_scheme",
        "hmac-sha256", "controller_pid", (json_int_t)ci->controller_pid);
    if (root && ci->events_port > 0)
        json_object_set_new(root, "events_port",
                            json_integer(ci->events_port));
    if (root && ci->curve_server[0]) {
        json_object_set_new(root, "curve_serverkey",
                            json_string(ci->curve_server));
        json_object_set_new(root, "curve_publickey",
                            json_string(ci->curve_public));
        json_object_set_new(root, "curve_secretkey",
                            json_string(ci->curve_secret));
    }
    if (root && ci->http_port > 0) {
        json_object_set_new(root, "http_port", json_integer(ci->http_port));
        json_object_set_new(root, "http_token",
                            json_string(ci->http_token));
    }
    if (root) {
        json_object_set_new(root, "clock_window",
                            json_real(ci->clock_window_s));
        json_object_set_new(root, "max_message_size",
                            json_integer(ci->max_message > 0
                                             ? ci->max_message
                                             : PP_MAX_MESSAGE));
    }
    if (!root)
        return pp_error_set(err, PP_ENOMEM, "cannot build %s", path);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text)
        return pp_error_set(err, PP_ENOMEM, "cannot build %s", path);
    size_t n = strlen(text);
    text[n] = '\n'; /* json_dumps leaves room for the NUL we replace */
    int rc = pp_file_write_atomic(path, text, n + 1, 0600, err);
    free(text);
    return rc;
}

int pp_conninfo_endpoint(const pp_conninfo *ci, int port, char *out,
                         size_t size)
{
    int n = snprintf(out, size, "tcp://%s:%d", ci->location, port);
    return (n < 0 || (size_t)n >= size) ? PP_EINVAL : 0;
}

int pp_conninfo_secure(const pp_conninfo *ci, void *sock, pp_error *err)
{
    if (!ci->curve_server[0])
        return 0;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, ci->curve_server, 40)
        || zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, ci->curve_public, 40)
        || zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, ci->curve_secret, 40))
        return pp_error_set(err, PP_EZMQ,
                            "the connection file asks for CurveZMQ, which "
                            "this libzmq cannot do: %s",
                            zmq_strerror(zmq_errno()));
    return 0;
}
