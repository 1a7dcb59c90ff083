# cmake --install: the headers, libppl, libppl_models and (when built) libppl_distributed, and the
# CMake package that lets another project write find_package(ppl [COMPONENTS distributed]) and
# link ppl::ppl, ppl::models or ppl::distributed.
include(CMakePackageConfigHelpers)

set(PPL_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ppl CACHE STRING
    "Where the CMake package (pplConfig.cmake) is installed, relative to the prefix")

# Without ppl::distributed, its headers (all but the sampler, which is part of ppl::ppl) stay out.
if(TARGET ppl_distributed)
  set(ppl_header_exclusions)
else()
  set(ppl_header_exclusions PATTERN "distributed.h" EXCLUDE PATTERN "process_group.h" EXCLUDE
                            PATTERN "data_parallel.h" EXCLUDE)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/ppl/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ppl
        FILES_MATCHING PATTERN "*.h" ${ppl_header_exclusions})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ppl-models/models
        FILES_MATCHING PATTERN "*.h")
install(TARGETS ppl ppl_models EXPORT pplTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT pplTargets NAMESPACE ppl:: DESTINATION ${PPL_INSTALL_CMAKEDIR})
# The component `distributed` (find_package(ppl COMPONENTS distributed)) has a file of its own.
if(TARGET ppl_distributed)
  install(TARGETS ppl_distributed EXPORT pplDistributedTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(EXPORT pplDistributedTargets NAMESPACE ppl:: DESTINATION ${PPL_INSTALL_CMAKEDIR})
endif()

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/pplConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/pplConfig.cmake
                              INSTALL_DESTINATION ${PPL_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pplConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pplConfig.cmake ${PROJECT_BINARY_DIR}/pplConfigVersion.cmake
        DESTINATION ${PPL_INSTALL_CMAKEDIR})
