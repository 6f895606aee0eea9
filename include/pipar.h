/* pipar.h - the public C API of pipar: connect to a cluster, send work to
 * its engines through views, and read the async results.
 *
 *   pp_client_connect_profile / pp_client_connect   ipp.Client()
 *   pp_client_ids                                   c.ids
 *   pp_client_direct, pp_view_apply / scatter /     c[:], apply_sync,
 *     execute / gather / push / pull                  scatter, %px, gather
 *   pp_client_balanced, pp_view_map(_async),        c.load_balanced_view(),
 *     pp_view_set_flags (retries, timeout, after)     map(chunksize=...)
 *   pp_async_progress / len / wait / next / meta    AsyncResult
 *   pp_value_*                                      the values tasks carry
 *   pp_view_load_module                             your own C workloads
 *
 * Link with libpipar (pkg-config --cflags --libs pipar).  The tour, with
 * ipyparallel beside each call: docs/api.md.  Who owns what is written at
 * the top of each header below. */
#ifndef PIPAR_H
#define PIPAR_H

#include <pipar/client.h>
#include <pipar/error.h>
#include <pipar/export.h>
#include <pipar/module.h>
#include <pipar/value.h>
#include <pipar/view.h>

#endif
