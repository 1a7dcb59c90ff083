# cmake --install: the headers, libppl and libppl_models, and the CMake package that lets
# another project write find_package(ppl) and link ppl::ppl or ppl::models.
include(CMakePackageConfigHelpers)

set(PPL_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ppl CACHE STRING
    "Where the CMake package (pplConfig.cmake) is installed, relative to the prefix")

install(DIRECTORY ${PROJECT_SOURCE_DIR}/ppl/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ppl
        FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ppl-models/models
        FILES_MATCHING PATTERN "*.h")
install(TARGETS ppl ppl_models EXPORT pplTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT pplTargets NAMESPACE ppl:: DESTINATION ${PPL_INSTALL_CMAKEDIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/pplConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/pplConfig.cmake
                              INSTALL_DESTINATION ${PPL_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pplConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pplConfig.cmake ${PROJECT_BINARY_DIR}/pplConfigVersion.cmake
        DESTINATION ${PPL_INSTALL_CMAKEDIR})
