# ovs-container-map: our sources inside the OVS build tree.
#
# The OVS tree's Makefile.am includes this file (hook patch
# 0001-build-include-container-map-sources.patch); "cmext/" in the OVS tree
# holds links to this project's lib/, dpif-ext/, ofproto-ext/ and tests/.

AM_CPPFLAGS += \
	-I$(top_srcdir)/cmext/lib \
	-I$(top_srcdir)/cmext/dpif-ext \
	-I$(top_srcdir)/cmext/ofproto-ext \
	-I$(top_srcdir)/cmext/ofproto-ext/include \
	-I$(top_builddir)/cmext

# The map, packet parsing and the datapath action: libopenvswitch, which
# ovs-vswitchd, ovs-ofctl, ovs-appctl and the test programs link.
lib_libopenvswitch_la_SOURCES += \
	cmext/lib/container-map.c \
	cmext/lib/container-map.h \
	cmext/lib/container-map-addr.c \
	cmext/lib/container-map-backend.c \
	cmext/lib/container-map-conn.c \
	cmext/lib/container-map-conn.h \
	cmext/lib/container-map-entry.c \
	cmext/lib/container-map-packet.c \
	cmext/lib/container-map-packet.h \
	cmext/lib/container-map-private.h \
	cmext/lib/container-map-store.h \
	cmext/lib/container-map-resv.c \
	cmext/lib/container-map-stats.c \
	cmext/lib/container-map-stats.h \
	cmext/lib/container-map-sweep.c \
	cmext/lib/container-map-view.c \
	cmext/lib/container-map-view.h \
	cmext/dpif-ext/container-map-dp.c \
	cmext/dpif-ext/container-map-dp.h \
	cmext/dpif-ext/container-map-dp-private.h \
	cmext/dpif-ext/container-map-dp-shared.c \
	cmext/dpif-ext/container-map-dp-frag.c \
	cmext/dpif-ext/container-map-odp.c \
	cmext/dpif-ext/container-map-odp.h \
	cmext/ofproto-ext/include/openvswitch/container-map-ofpact.h

# The C IDL of the Container_Map database, generated into cmext/.
OVSIDL_BUILT += \
	cmext/container-map-idl.c \
	cmext/container-map-idl.h \
	cmext/container-map-idl.ovsidl
CLEANFILES += \
	cmext/container-map-idl.c \
	cmext/container-map-idl.h \
	cmext/container-map-idl.ovsidl
EXTRA_DIST += \
	cmext/ofproto-ext/container-map.ovsschema \
	cmext/ofproto-ext/container-map-idl.ann
cmext/container-map-idl.ovsidl: cmext/ofproto-ext/container-map.ovsschema \
		cmext/ofproto-ext/container-map-idl.ann
	$(AM_V_GEN)$(OVSDB_IDLC) annotate \
		$(srcdir)/cmext/ofproto-ext/container-map.ovsschema \
		$(srcdir)/cmext/ofproto-ext/container-map-idl.ann > $@.tmp \
		&& mv $@.tmp $@
nodist_lib_libopenvswitch_la_SOURCES += \
	cmext/container-map-idl.c \
	cmext/container-map-idl.h
pkgdata_DATA += cmext/ofproto-ext/container-map.ovsschema

# Translation, the container-map/... commands and the database: libofproto.
ofproto_libofproto_la_SOURCES += \
	cmext/ofproto-ext/container-map-cmd.c \
	cmext/ofproto-ext/container-map-cmd.h \
	cmext/ofproto-ext/container-map-cmd-arp.c \
	cmext/ofproto-ext/container-map-cmd-conn.c \
	cmext/ofproto-ext/container-map-cmd-map.c \
	cmext/ofproto-ext/container-map-cmd-resv.c \
	cmext/ofproto-ext/container-map-db.c \
	cmext/ofproto-ext/container-map-db.h \
	cmext/ofproto-ext/container-map-db-apply.c \
	cmext/ofproto-ext/container-map-db-flows.c \
	cmext/ofproto-ext/container-map-db-private.h \
	cmext/ofproto-ext/container-map-db-sync.c \
	cmext/ofproto-ext/container-map-db-write.c \
	cmext/ofproto-ext/container-map-ofproto.c \
	cmext/ofproto-ext/container-map-ofproto.h \
	cmext/ofproto-ext/container-map-xlate.c

# Compiled as part of lib/ofp-actions.c, which includes it.
EXTRA_DIST += cmext/ofproto-ext/container-map-ofpact.c

# cmocka unit tests (built on demand by our top-level "make check").
EXTRA_PROGRAMS += cmext/tests/unit/test-container-map-mapping
cmext_tests_unit_test_container_map_mapping_SOURCES = \
	cmext/tests/unit/test-container-map-mapping.c \
	cmext/tests/unit/container-map-test.h \
	cmext/tests/unit/container-map-test-table.h
cmext_tests_unit_test_container_map_mapping_LDADD = \
	lib/libopenvswitch.la -lcmocka
EXTRA_PROGRAMS += cmext/tests/unit/test-container-map-backend
cmext_tests_unit_test_container_map_backend_SOURCES = \
	cmext/tests/unit/test-container-map-backend.c \
	cmext/tests/unit/container-map-test.h \
	cmext/tests/unit/container-map-test-table.h
cmext_tests_unit_test_container_map_backend_LDADD = \
	lib/libopenvswitch.la -lcmocka
EXTRA_PROGRAMS += cmext/tests/unit/test-container-map-table
cmext_tests_unit_test_container_map_table_SOURCES = \
	cmext/tests/unit/test-container-map-table.c \
	cmext/tests/unit/container-map-test.h \
	cmext/tests/unit/container-map-test-table.h
cmext_tests_unit_test_container_map_table_LDADD = \
	lib/libopenvswitch.la -lcmocka
EXTRA_PROGRAMS += cmext/tests/unit/test-container-map-conn
cmext_tests_unit_test_container_map_conn_SOURCES = \
	cmext/tests/unit/test-container-map-conn.c \
	cmext/tests/unit/container-map-test.h \
	cmext/tests/unit/container-map-test-conn.h
cmext_tests_unit_test_container_map_conn_LDADD = \
	lib/libopenvswitch.la -lcmocka
EXTRA_PROGRAMS += cmext/tests/unit/test-container-map-conn-expiry
cmext_tests_unit_test_container_map_conn_expiry_SOURCES = \
	cmext/tests/unit/test-container-map-conn-expiry.c \
	cmext/tests/unit/container-map-test.h \
	cmext/tests/unit/container-map-test-conn.h
cmext_tests_unit_test_container_map_conn_expiry_LDADD = \
	lib/libopenvswitch.la -lcmocka
EXTRA_PROGRAMS += cmext/tests/unit/test-container-map-resv
cmext_tests_unit_test_container_map_resv_SOURCES = \
	cmext/tests/unit/test-container-map-resv.c \
	cmext/tests/unit/container-map-test.h \
	cmext/tests/unit/container-map-test-conn.h
cmext_tests_unit_test_container_map_resv_LDADD = \
	lib/libopenvswitch.la -lcmocka
EXTRA_PROGRAMS += cmext/tests/unit/test-container-map-parse
cmext_tests_unit_test_container_map_parse_SOURCES = \
	cmext/tests/unit/test-container-map-parse.c \
	cmext/tests/unit/container-map-test.h \
	cmext/tests/unit/container-map-test-packet.h
cmext_tests_unit_test_container_map_parse_LDADD = \
	lib/libopenvswitch.la -lcmocka
EXTRA_PROGRAMS += cmext/tests/unit/test-container-map-parse-errors
cmext_tests_unit_test_container_map_parse_errors_SOURCES = \
	cmext/tests/unit/test-container-map-parse-errors.c \
	cmext/tests/unit/container-map-test.h \
	cmext/tests/unit/container-map-test-packet.h
cmext_tests_unit_test_container_map_parse_errors_LDADD = \
	lib/libopenvswitch.la -lcmocka
EXTRA_PROGRAMS += cmext/tests/unit/test-container-map-rewrite
cmext_tests_unit_test_container_map_rewrite_SOURCES = \
	cmext/tests/unit/test-container-map-rewrite.c \
	cmext/tests/unit/container-map-test.h \
	cmext/tests/unit/container-map-test-packet.h
cmext_tests_unit_test_container_map_rewrite_LDADD = \
	lib/libopenvswitch.la -lcmocka
EXTRA_PROGRAMS += cmext/tests/unit/test-container-map-dp
cmext_tests_unit_test_container_map_dp_SOURCES = \
	cmext/tests/unit/test-container-map-dp.c \
	cmext/tests/unit/container-map-test-dp.h
cmext_tests_unit_test_container_map_dp_LDADD = \
	lib/libopenvswitch.la -lcmocka
EXTRA_PROGRAMS += cmext/tests/unit/test-container-map-threads
cmext_tests_unit_test_container_map_threads_SOURCES = \
	cmext/tests/unit/test-container-map-threads.c \
	cmext/tests/unit/container-map-test-dp.h
cmext_tests_unit_test_container_map_threads_LDADD = \
	lib/libopenvswitch.la -lcmocka

# Autotest suite: ours runs inside OVS's testsuite, with its macros.
TESTSUITE_AT += cmext/tests/container-map.at \
	cmext/tests/container-map-found.at \
	cmext/tests/container-map-db.at \
	cmext/tests/container-map-conn.at \
	cmext/tests/container-map-hostile.at

# libFuzzer targets (tests/fuzz/), built in the sanitizer tree only, whose
# CFLAGS have -fsanitize=fuzzer-no-link: "make fuzz" in the top directory.
CM_FUZZ_ENGINE = -fsanitize=fuzzer
EXTRA_PROGRAMS += cmext/tests/fuzz/fuzz-packet
cmext_tests_fuzz_fuzz_packet_SOURCES = \
	cmext/tests/fuzz/fuzz-common.h \
	cmext/tests/fuzz/fuzz-packet.c \
	cmext/tests/fuzz/fuzz-packet.h \
	cmext/tests/fuzz/fuzz-packet-map.c
cmext_tests_fuzz_fuzz_packet_LDADD = lib/libopenvswitch.la
cmext_tests_fuzz_fuzz_packet_LDFLAGS = $(CM_FUZZ_ENGINE)
EXTRA_PROGRAMS += cmext/tests/fuzz/fuzz-command
cmext_tests_fuzz_fuzz_command_SOURCES = \
	cmext/tests/fuzz/fuzz-command.c \
	cmext/tests/fuzz/fuzz-common.h
cmext_tests_fuzz_fuzz_command_LDADD = \
	ofproto/libofproto.la lib/libsflow.la lib/libopenvswitch.la
cmext_tests_fuzz_fuzz_command_LDFLAGS = $(CM_FUZZ_ENGINE)
EXTRA_PROGRAMS += cmext/tests/fuzz/fuzz-action
cmext_tests_fuzz_fuzz_action_SOURCES = \
	cmext/tests/fuzz/fuzz-action.c \
	cmext/tests/fuzz/fuzz-common.h
cmext_tests_fuzz_fuzz_action_LDADD = lib/libopenvswitch.la
cmext_tests_fuzz_fuzz_action_LDFLAGS = $(CM_FUZZ_ENGINE)
