# package.cmake - the Debian package (cpack -G DEB, scripts/deb), with
# -DPIPAR_DEB=ON -DCMAKE_INSTALL_PREFIX=/usr.  On top of what cmake
# --install puts in (the programs, now in PIPAR_PROGRAM_DIR, libpipar.so,
# the headers, pipar.pc): pipar-NAME links in PATH, a man page each from
# the programs' --help, the systemd units, /etc/default/pipar and the
# maintainer scripts that make and remove the pipar user.
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR "PIPAR_DEB: configure with -DCMAKE_INSTALL_PREFIX=/usr "
                      "(not ${CMAKE_INSTALL_PREFIX})")
endif()
set(pkg ${PROJECT_SOURCE_DIR}/packaging)
set(out ${PROJECT_BINARY_DIR}/deb)
file(MAKE_DIRECTORY ${out})

# pipar-controller, pipar-engine, pipar-driver: links to the programs, which
# keep their names in PIPAR_PROGRAM_DIR, where the driver's launcher finds
# `controller` and `engine` beside itself.
file(RELATIVE_PATH to_programs ${CMAKE_INSTALL_FULL_BINDIR}
     ${CMAKE_INSTALL_PREFIX}/${PIPAR_PROGRAM_DIR})
set(summary_controller "the pipar controller: hub and schedulers")
set(summary_engine "a pipar engine: runs the controller's tasks")
set(summary_driver "the pipar driver: the article's commands, and clusters")
set(manpages)
foreach(p controller engine driver)
  file(CREATE_LINK ${to_programs}/${p} ${out}/pipar-${p} SYMBOLIC)
  install(FILES ${out}/pipar-${p} DESTINATION ${CMAKE_INSTALL_BINDIR})
  add_custom_command(OUTPUT ${out}/pipar-${p}.1.gz
    COMMAND sh ${pkg}/manpage.sh $<TARGET_FILE:${p}> pipar-${p}
            "${summary_${p}}" ${PROJECT_VERSION} ${out}/pipar-${p}.1.gz
    DEPENDS ${p} ${pkg}/manpage.sh VERBATIM)
  list(APPEND manpages ${out}/pipar-${p}.1.gz)
endforeach()
add_custom_target(manpages ALL DEPENDS ${manpages})
install(FILES ${manpages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

install(FILES ${pkg}/pipar-controller.service ${pkg}/pipar-engine@.service
  DESTINATION lib/systemd/system)
install(FILES ${pkg}/default DESTINATION /etc/default RENAME pipar)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pipar)
set(CPACK_PACKAGE_VENDOR pipar)
set(CPACK_PACKAGE_CONTACT "pipar <pipar@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "parallel C workloads on a cluster of Raspberry Pis (ipyparallel's architecture)")
set(CPACK_PACKAGE_DESCRIPTION
  "A controller, engines and a driver over ZeroMQ with signed messages: the
article Using ipyparallel to put your Raspberry Pis to work, in C.
Programs pipar-controller, pipar-engine, pipar-driver, their systemd units,
libpipar.so, its headers and pkg-config file.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# The libraries' packages from what the programs and libpipar.so link
# (dpkg-shlibdeps); adduser for postinst.  Modules (driver load) are
# compiled on the engines with cc against <pipar/workload.h>.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gcc, libc6-dev")
# conffiles: an edited /etc/default/pipar survives upgrades; triggers:
# ldconfig for libpipar.so.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${pkg}/postinst ${pkg}/prerm
  ${pkg}/postrm ${pkg}/conffiles ${pkg}/triggers)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
