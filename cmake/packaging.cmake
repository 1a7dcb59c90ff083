# cpack -G DEB: the Debian package libppl-dev (headers, static or shared libraries, the CMake
# package). cpack --config CPackSourceConfig.cmake: a source tarball of the checkout, for
# FetchContent's URL.
set(CPACK_PACKAGE_NAME libppl-dev)
set(CPACK_PACKAGE_VENDOR "ppl")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Pyro-style probabilistic programming in C++ on LibTorch")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "ppl developers")
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libtorch-dev, libfmt-dev, nlohmann-json3-dev, zlib1g-dev")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cmake, g++")
# Shared libraries also get their runtime dependencies, when dpkg-shlibdeps (dpkg-dev) is there.
find_program(PPL_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(BUILD_SHARED_LIBS AND PPL_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
endif()

set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_PACKAGE_FILE_NAME ppl-${PROJECT_VERSION})
# Only what is under version control: not the build trees, fetched data or run outputs. CPack
# matches whole paths, so the patterns start at the source directory (whose own path may hold
# "build" or regex characters: escaped twice, as CPack writes the patterns to a file).
string(REGEX REPLACE "([][.*+?^$(){}|])" "\\\\\\\\\\1" ppl_source_regex "${PROJECT_SOURCE_DIR}")
set(CPACK_SOURCE_IGNORE_FILES "^${ppl_source_regex}/\\\\.git/" "^${ppl_source_regex}/build[^/]*/"
                              "^${ppl_source_regex}/data/" "^${ppl_source_regex}/out/")
include(CPack)
