# ONNX's onnx and onnx_proto targets for a Debian cross build without
# libonnx-dev:ARCH, which cannot be installed beside the native one: its
# dependency libonnxifi is marked Multi-Arch: same but ships
# /usr/lib/libonnxifi.so outside the multiarch directory, different on every
# architecture, so dpkg refuses the second copy. The native libonnx-dev's
# headers (its protobuf classes were generated once, the same for every
# architecture) go with the target's libraries from libonnx1:ARCH.
# Both must be the same ONNX version: Debian's two packages are.
set(ONNX_VERSION 1.12.0)
include(CMakeFindDependencyMacro)
find_dependency(Protobuf)
find_path(ONNX_INCLUDE_DIR onnx/onnx_pb.h PATHS /usr/include NO_DEFAULT_PATH)
find_library(ONNX_LIBRARY NAMES libonnx.so.1)
find_library(ONNX_PROTO_LIBRARY NAMES libonnx_proto.so.1)
if(NOT ONNX_INCLUDE_DIR OR NOT ONNX_LIBRARY OR NOT ONNX_PROTO_LIBRARY)
  set(ONNX_FOUND FALSE)
  set(ONNX_NOT_FOUND_MESSAGE
      "needs the native libonnx-dev (its headers) and libonnx1 for ${CMAKE_LIBRARY_ARCHITECTURE}")
  return()
endif()
set(ONNX_INCLUDE_DIRS ${ONNX_INCLUDE_DIR})
if(NOT TARGET onnx_proto)
  add_library(onnx_proto SHARED IMPORTED)
  set_target_properties(onnx_proto PROPERTIES
    IMPORTED_LOCATION ${ONNX_PROTO_LIBRARY}
    IMPORTED_SONAME libonnx_proto.so.1
    INTERFACE_COMPILE_DEFINITIONS "ONNX_NAMESPACE=onnx;ONNX_ML=1"
    INTERFACE_INCLUDE_DIRECTORIES ${ONNX_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES protobuf::libprotobuf)
  add_library(onnx SHARED IMPORTED)
  set_target_properties(onnx PROPERTIES
    IMPORTED_LOCATION ${ONNX_LIBRARY}
    IMPORTED_SONAME libonnx.so.1
    INTERFACE_COMPILE_DEFINITIONS "ONNX_NAMESPACE=onnx;ONNX_ML=1"
    INTERFACE_INCLUDE_DIRECTORIES ${ONNX_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES onnx_proto)
endif()
