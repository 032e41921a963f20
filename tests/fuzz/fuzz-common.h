/*
 * Copyright (c) 2026 The ovs-container-map authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

#ifndef CM_FUZZ_COMMON_H
#define CM_FUZZ_COMMON_H 1

/* What the libFuzzer targets of tests/fuzz/ share: the entry point libFuzzer
 * calls, and how a target reports a broken invariant (a message on stderr,
 * then abort(), which libFuzzer reports as a crash and saves the input). */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "compiler.h"
#include "util.h"
#include "openvswitch/dynamic-string.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void OVS_NO_RETURN OVS_PRINTF_FORMAT(1, 2)
cm_fuzz_fail(const char *format, ...)
{
    va_list args;
    char *msg;

    va_start(args, format);
    msg = xvasprintf(format, args);
    va_end(args);
    ovs_abort(0, "container-map fuzz: invariant broken: %s", msg);
}

#define CM_FUZZ_ASSERT(COND, ...)                   \
    do {                                            \
        if (OVS_UNLIKELY(!(COND))) {                \
            cm_fuzz_fail(__VA_ARGS__);              \
        }                                           \
    } while (0)

static inline bool
cm_fuzz_ds_equal(const struct ds *a, const struct ds *b)
{
    return a->length == b->length && !memcmp(a->string, b->string,
                                              a->length);
}

#endif /* fuzz-common.h */
