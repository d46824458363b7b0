// cn_nvrtc.h: prepended by the runtime to a generated translation unit compiled with NVRTC.
//
// NVRTC has the CUDA keywords, the builtin variables, warp shuffles, atomics and the math
// functions built in, so only the project's own portability macros are defined here. They must
// mean the same as in cn_prelude.h (clang PTX check) and cn_emulation.h (CPU emulation).
#pragma once

// Dynamic shared memory (the launch's shared-bytes argument).
#define CN_DYNAMIC_SHARED(type, name) extern __shared__ type name[]

// The emulation's C entry point per wrapper; nothing on the GPU.
#define CN_ENTRY(kernel)
