# The Debian package of edgeml (CPack DEB): `cmake --build B --target package`
# writes B/packages/edgeml_VERSION-REVISION_ARCH.deb. packaging/README.md
# tells what it holds and why.

set(EDGEML_DEB_MAINTAINER "edgeml maintainers <maintainers@edgeml.example>"
    CACHE STRING "Maintainer field of the Debian package")
set(EDGEML_DEB_REVISION "1" CACHE STRING "Debian revision of the package (VERSION-REVISION)")
set(EDGEML_DEB_ARCH "" CACHE STRING "Debian architecture of the package; empty: derived from the target")

# The package's architecture is the target's, not the build machine's: a cross
# build (toolchain file) derives it from the multiarch tuple or the processor.
if(NOT EDGEML_DEB_ARCH)
  if(CMAKE_CROSSCOMPILING)
    set(_tuple "${CMAKE_LIBRARY_ARCHITECTURE}")
    set(_cpu "${CMAKE_SYSTEM_PROCESSOR}")
    if(_tuple MATCHES "^aarch64-" OR _cpu MATCHES "^(aarch64|arm64)$")
      set(EDGEML_DEB_ARCH arm64)
    elseif(_tuple MATCHES "^arm-.*gnueabihf$" OR (_cpu MATCHES "^arm" AND NOT _tuple MATCHES "gnueabi$"))
      set(EDGEML_DEB_ARCH armhf)  # Raspberry Pi OS 32-bit and Debian armhf: ARMv7 hard float
    elseif(_tuple MATCHES "^arm-.*gnueabi$")
      set(EDGEML_DEB_ARCH armel)
    elseif(_tuple MATCHES "^x86_64-" OR _cpu MATCHES "^(x86_64|AMD64|amd64)$")
      set(EDGEML_DEB_ARCH amd64)
    elseif(_tuple MATCHES "^i[3-6]86-" OR _cpu MATCHES "^i[3-6]86$")
      set(EDGEML_DEB_ARCH i386)
    elseif(_tuple MATCHES "^riscv64-" OR _cpu STREQUAL "riscv64")
      set(EDGEML_DEB_ARCH riscv64)
    else()
      message(FATAL_ERROR "Packaging: no Debian architecture known for ${_cpu} (${_tuple}); set EDGEML_DEB_ARCH")
    endif()
  else()
    execute_process(COMMAND dpkg --print-architecture OUTPUT_VARIABLE EDGEML_DEB_ARCH
                    OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(STATUS "Packaging: no dpkg, so no Debian package here")
      return()
    endif()
  endif()
endif()

set(EDGEML_DEB_VERSION "${PROJECT_VERSION}-${EDGEML_DEB_REVISION}")
# Reproducible: string(TIMESTAMP) honours SOURCE_DATE_EPOCH.
string(TIMESTAMP EDGEML_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
string(TIMESTAMP EDGEML_MAN_DATE "%Y-%m-%d" UTC)
set(_pkg "${PROJECT_SOURCE_DIR}/packaging")
set(_out "${PROJECT_BINARY_DIR}/packaging")
file(MAKE_DIRECTORY "${_out}")

# The man page comes from the binary's own --help, so it runs at build time:
# under CMAKE_CROSSCOMPILING_EMULATOR (qemu-user) in a cross build. A cross
# build without one may take a native build's page (same options) instead.
set(EDGEML_MANPAGE "" CACHE FILEPATH "edgeml.1 to package instead of one written from this build's binary")
set(_man "${_out}/edgeml.1.gz")
if(EDGEML_MANPAGE)
  add_custom_command(
    OUTPUT "${_man}"
    COMMAND gzip -9nc "${EDGEML_MANPAGE}" > "${_man}"
    DEPENDS "${EDGEML_MANPAGE}"
    VERBATIM)
elseif(CMAKE_CROSSCOMPILING AND NOT CMAKE_CROSSCOMPILING_EMULATOR)
  message(WARNING "Packaging: no CMAKE_CROSSCOMPILING_EMULATOR to run edgeml --help, nor EDGEML_MANPAGE: "
                  "the package will have no man page")
  set(_man "")
else()
  add_custom_command(
    OUTPUT "${_man}"
    COMMAND "${_pkg}/make-manpage" "${_out}/edgeml.1" "${PROJECT_VERSION}" "${EDGEML_MAN_DATE}"
            ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:edgeml>
    # -n: no name or time stamp in the gzip header (reproducible; lintian
    # checks). edgeml.1 stays, for a cross build's EDGEML_MANPAGE.
    COMMAND gzip -9nc "${_out}/edgeml.1" > "${_man}"
    DEPENDS edgeml "${_pkg}/make-manpage"
    COMMENT "Writing the man page edgeml(1) from edgeml --help"
    VERBATIM)
endif()

configure_file("${_pkg}/changelog.in" "${_out}/changelog.Debian" @ONLY)
add_custom_command(
  OUTPUT "${_out}/changelog.Debian.gz"
  COMMAND gzip -9nc "${_out}/changelog.Debian" > "${_out}/changelog.Debian.gz"
  DEPENDS "${_out}/changelog.Debian"
  VERBATIM)
add_custom_target(edgeml_package_files ALL DEPENDS ${_man} "${_out}/changelog.Debian.gz")

# Relative destinations land under CPACK_PACKAGING_INSTALL_PREFIX (/usr).
# Units, sysusers.d and tmpfiles.d live in /usr/lib whatever the multiarch
# libdir, which is where bookworm's lintian wants them.
if(_man)
  install(FILES "${_man}" DESTINATION share/man/man1)
endif()
install(FILES "${_pkg}/copyright" "${_out}/changelog.Debian.gz" DESTINATION share/doc/edgeml)
install(FILES "${_pkg}/systemd/edgeml-broker.service" "${_pkg}/systemd/edgeml-collect.service"
              "${_pkg}/systemd/edgeml-serve@.service"
        DESTINATION lib/systemd/system)
install(FILES "${_pkg}/sysusers.conf" DESTINATION lib/sysusers.d RENAME edgeml.conf)
install(FILES "${_pkg}/tmpfiles.conf" DESTINATION lib/tmpfiles.d RENAME edgeml.conf)
# /etc whatever the prefix; listed in packaging/debian/conffiles.
install(FILES "${_pkg}/config/broker.toml" "${_pkg}/config/collect.toml" "${_pkg}/config/serve.toml"
        DESTINATION /etc/edgeml)
# Each override says why (lintian reads it from the package).
install(FILES "${_pkg}/lintian-overrides" DESTINATION share/lintian/overrides RENAME edgeml)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME edgeml)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "${EDGEML_DEB_MAINTAINER}")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "machine learning on the edge over MQTT")
set(CPACK_PACKAGE_DESCRIPTION
    "edgeml collects sensor events from an MQTT broker into SQLite, runs small
TensorFlow Lite and ONNX models with its own runtime, and serves their
predictions over MQTT. Models are deployed signed over MQTT to edge nodes.

One executable with subcommands: broker (a private Mosquitto), collect,
publish, export, model, serve, deploy, request, status, keys, backup and
restore. systemd units run the broker, the collector and inference servers
as the system user edgeml, with their configuration in /etc/edgeml.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_DEBIAN_PACKAGE_RELEASE "${EDGEML_DEB_REVISION}")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "${EDGEML_DEB_ARCH}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries' packages, from the binary (dpkg-shlibdeps). It picks
# the libraries of the binary's own ELF machine, so a cross build gets the
# target's (libfoo:arm64, installed multiarch) with nothing more to set.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What the binary opens with dlopen, which dpkg-shlibdeps cannot see:
# libarchive, for backup and restore (src/backup/tar_archive.cpp).
set(CPACK_DEBIAN_PACKAGE_DEPENDS libarchive13)
# Recommends, not Depends: only `edgeml broker` runs mosquitto (and
# mosquitto_passwd); a node whose services use a broker elsewhere needs none.
# apt installs Recommends by default, so the usual node gets it.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS mosquitto)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${_pkg}/debian/conffiles" "${_pkg}/debian/postinst" "${_pkg}/debian/prerm" "${_pkg}/debian/postrm")
# 0755 scripts and 0644 conffiles whatever the checkout's modes (lintian checks).
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
