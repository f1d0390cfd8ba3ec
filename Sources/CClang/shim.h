// libclang's C API. The include path comes from pkgconfig/libclang.pc (Debian keeps the headers in
// /usr/lib/llvm-14/include); Package.swift passes it so no environment variable is needed.
#include <clang-c/Index.h>
#include <clang-c/CXCompilationDatabase.h>
